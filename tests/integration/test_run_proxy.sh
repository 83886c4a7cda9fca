# SPDX-License-Identifier: MIT
# overt run with a proxy it did not start (--proxy HOST:PORT, through a
# forwarder outside the sandbox), CONNECT tunnels that end promptly when a
# side closes (and do not hold the proxy's SIGTERM stop), and --fresh-home.
# Real `overt proxy` and `overt mock` on 127.0.0.1, real namespaces.
source "$(dirname "$0")/lib.sh"

PROBE=$(dirname "$OVERT")/tests/sbx_probe
[ -x "$PROBE" ] || { echo "no $PROBE: build the sbx_probe target" >&2; exit 1; }
NOLSAN=ASAN_OPTIONS=detect_leaks=0

H=$TMP/home
mkdir -p "$H/.ssh" "$TMP/proj" "$TMP/state"
echo "FAKE-PRIVATE-KEY" >"$H/.ssh/id_ed25519"
echo "real settings" >"$H/real.txt"
DB=$TMP/state/proxy.db

"$OVERT" mock -q --ready-file "$TMP/mock.addr" --listen 127.0.0.1:0 &
MOCK=$!
PIDS="$MOCK"
trap 'kill $PIDS 2>/dev/null || true; rm -rf "$TMP"' EXIT
wait_file() {
	for _ in $(seq 1 1500); do [ -s "$1" ] && return 0; sleep 0.02; done
	return 1
}
wait_file "$TMP/mock.addr" || fail "the mock did not start"
ADDR=$(cat "$TMP/mock.addr")
PORT=${ADDR##*:}

# A proxy of its own, on TCP, as a user would start it.
"$OVERT" proxy --listen 127.0.0.1:0 --ready-file "$TMP/proxy.addr" --upstream "http://$ADDR" \
	--db "$DB" --allow-connect "127.0.0.1:$PORT" 2>"$TMP/proxy.log" &
PROXY=$!
PIDS="$PIDS $PROXY"
wait_file "$TMP/proxy.addr" || fail "the proxy did not start"
PADDR=$(cat "$TMP/proxy.addr")

runin() {
	cd "$TMP/proj"
	run env HOME="$H" "$OVERT" run --env "$NOLSAN" --allow-read "$(dirname "$PROBE")" "$@"
	cd "$TMP"
}

# ---- --proxy HOST:PORT ----
BODY='{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"via a tcp proxy"}]}'
runin --proxy "$PADDR" -- curl -s -m 20 http://127.0.0.1:8787/v1/messages \
	-H 'content-type: application/json' -d "$BODY"
expect_status 0 "a model request through a running TCP proxy"
expect_out '"text":"ok"' "the mock's reply comes back"
runin --proxy "$PADDR" -- curl -s -m 20 --noproxy '' -p -x http://127.0.0.1:8787 \
	"http://127.0.0.1:$PORT/v1/messages" -H 'content-type: application/json' -d "$BODY"
expect_status 0 "CONNECT through the running TCP proxy"
expect_out '"text":"ok"' "the reply comes through the tunnel"
# By name: whichever of its addresses the proxy listens on is used.
runin --proxy "localhost:${PADDR##*:}" -- curl -s -m 20 http://127.0.0.1:8787/v1/messages \
	-H 'content-type: application/json' -d "$BODY"
expect_out '"text":"ok"' "--proxy localhost:PORT"
runin --proxy "$PADDR" -- "$PROBE" connect 127.0.0.1 "${PADDR##*:}"
expect_status 1 "the proxy's own port is not reachable directly inside"
run "$OVERT" log list --db "$DB"
expect_out "POST /v1/messages  200" "the proxy's audit log has the exchange"
run "$OVERT" log events --db "$DB"
expect_out "allow  127.0.0.1:$PORT" "and the CONNECT"
runin --proxy 127.0.0.1:1 -- touch "$TMP/proj/ran-without-proxy"
expect_status 4 "no proxy at HOST:PORT"
expect_err "no proxy answers at 127.0.0.1:1" "says so"
[ ! -e "$TMP/proj/ran-without-proxy" ] && ok || fail "the command ran without a proxy"
runin --proxy nowhere -- true
expect_status 2 "--proxy that is neither unix:PATH nor HOST:PORT"

# ---- --fresh-home ----
# A fake gemini (the agent is known by its name): its definition's files
# must be in the fresh HOME, the template's too, and the real HOME not.
mkdir -p "$TMP/bin" "$TMP/tmpl/.config"
echo "from the template" >"$TMP/tmpl/.config/t.txt"
cat >"$TMP/bin/gemini" <<'SH'
#!/bin/sh
echo "home=$HOME"
echo "xdg=$XDG_CONFIG_HOME"
cat "$HOME/.gemini/settings.json"
cat "$HOME/.config/t.txt" 2>/dev/null || echo "no template file"
echo made >"$HOME/made.txt" && echo "home is writable"
cat "$1/real.txt" 2>/dev/null || echo "the real home is out of reach"
cat "$1/.ssh/id_ed25519" 2>/dev/null || echo "the ssh key is out of reach"
SH
chmod +x "$TMP/bin/gemini"
runin --upstream "http://$ADDR" --db "$TMP/state/run.db" --allow-read "$TMP/bin" --fresh-home \
	--home-template "$TMP/tmpl" -- "$TMP/bin/gemini" "$H"
expect_status 0 "an agent with a fresh HOME"
expect_out '"selectedType":"gemini-api-key"' "the agent definition's files are in it"
expect_out "from the template" "and the template's"
expect_out "home is writable" "it is writable"
expect_out "the real home is out of reach" "the real HOME is not"
expect_out "the ssh key is out of reach" "nor its secrets"
FH=$(sed -n 's/^home=//p' "$TMP/out")
case "$FH" in "$H"|"") fail "HOME is not a fresh one: '$FH'" ;; *) ok ;; esac
expect_out "xdg=$FH/.config" "XDG_CONFIG_HOME follows it"
[ ! -e "$FH" ] && ok || fail "the fresh HOME '$FH' is left behind"
run "$OVERT" log events --db "$TMP/state/run.db"
expect_out "\"home\":\"$FH\"" "the session's policy names the fresh HOME"
runin --upstream "http://$ADDR" --db "$TMP/state/run.db" --allow-read "$TMP/bin" \
	-- "$TMP/bin/gemini" "$H"
expect_out "home=$H" "without --fresh-home, HOME is the real one"
echo "{\"schema\": 1, \"fresh_home\": true, \"home_template\": \"$TMP/tmpl\"}" >"$TMP/fh.json"
runin --config "$TMP/fh.json" --upstream "http://$ADDR" --db "$TMP/state/run.db" \
	--allow-read "$TMP/bin" -- "$TMP/bin/gemini" "$H"
expect_out "from the template" "fresh_home and home_template in a configuration file"
runin --upstream "http://$ADDR" --home-template "$TMP/tmpl" -- true
expect_status 2 "--home-template alone"
runin --upstream "http://$ADDR" --db "$TMP/state/run.db" --fresh-home \
	--home-template "$TMP/none" -- true
expect_status 4 "a template that does not exist"
expect_err "cannot copy the home template '$TMP/none'" "names it"

# ---- a single file under /tmp, allowed: bound back into the private /tmp ----
echo "one file" >"$TMP/single.txt"
runin --upstream "http://$ADDR" --db "$TMP/state/run.db" --allow-read "$TMP/single.txt" \
	-- cat "$TMP/single.txt"
expect_status 0 "--allow-read of a file under /tmp"
expect_out "one file" "its content"

# ---- CONNECT tunnels end when a side closes, and do not hold a stop ----
# An upstream that never closes a connection (and holds what it accepts).
python3 -c 'import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    c, _ = s.accept(); held.append(c)
    threading.Thread(target=lambda c=c: [None for _ in iter(lambda: c.recv(65536), b"")], daemon=True).start()
' "$TMP/hold.port" &
HOLD=$!
PIDS="$PIDS $HOLD"
wait_file "$TMP/hold.port" || fail "the holding server did not start"
HPORT=$(cat "$TMP/hold.port")
# tunnel MODE: CONNECT to the holding server, send 5 bytes, then "close" the
# client (and wait) or stay "idle"; "tunnel-open" in the ready file then.
tunnel() {
	python3 -c 'import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"CONNECT 127.0.0.1:%s HTTP/1.1\r\nHost: x\r\n\r\n" % sys.argv[2].encode())
head = b""
while b"\r\n\r\n" not in head:
    head += c.recv(1)
assert head.startswith(b"HTTP/1.1 200"), head
c.sendall(b"hello")
if sys.argv[3] == "close":
    c.close()
open(sys.argv[4], "w").write("tunnel-open")
time.sleep(60)' "$1" "$HPORT" "$2" "$3" &
}
# proxy_for_tunnels NAME: a proxy allowing the holding server.
proxy_for_tunnels() {
	rm -f "$TMP/$1.addr"
	"$OVERT" proxy --listen 127.0.0.1:0 --ready-file "$TMP/$1.addr" --upstream "http://$ADDR" \
		--allow-connect "127.0.0.1:$HPORT" 2>"$TMP/$1.log" &
	TP=$!
	PIDS="$PIDS $TP"
	wait_file "$TMP/$1.addr" || fail "the proxy $1 did not start"
	TPORT=$(cut -d: -f2 "$TMP/$1.addr")
}
# stops_within PID SECONDS: SIGTERM, then whether it exits in time (the
# proxy's own deadline for requests in flight is 10 s).
stops_within() {
	kill -TERM "$1"
	for _ in $(seq 1 $(($2 * 50))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.02; done
	return 1
}
for mode in close idle; do
	proxy_for_tunnels "t-$mode"
	tunnel "$TPORT" "$mode" "$TMP/t-$mode.ready"
	CL=$!
	PIDS="$PIDS $CL"
	wait_file "$TMP/t-$mode.ready" || fail "the tunnel ($mode) did not open"
	# The tunnel's first bytes reached the upstream: it is really open.
	sleep 0.3
	stops_within "$TP" 5 && ok || fail "a tunnel ($mode client) held the proxy's stop"
	status=0
	wait "$TP" || status=$?
	expect_status 0 "the proxy stops cleanly with a tunnel ($mode client)"
	kill "$CL" 2>/dev/null || true
	grep -q "CONNECT 127.0.0.1:$HPORT: closed (" "$TMP/t-$mode.log" && ok ||
		fail "the tunnel's end is not logged ($mode): $(cat "$TMP/t-$mode.log")"
	grep -q ", cancelled" "$TMP/t-$mode.log" && fail "the tunnel is logged as cancelled" || ok
done
grep -q "closed (client closed first, then the proxy stopping; 5 bytes up, 0 down" \
	"$TMP/t-close.log" && ok || fail "who closed and the bytes: $(cat "$TMP/t-close.log")"
grep -q "closed (the proxy stopping; 5 bytes up, 0 down" "$TMP/t-idle.log" && ok ||
	fail "an idle tunnel at the stop: $(cat "$TMP/t-idle.log")"

# A client that closes while the upstream stays open: the tunnel ends on
# its own once the other side has been quiet for the drain time (2 s).
proxy_for_tunnels t-drain
tunnel "$TPORT" close "$TMP/t-drain.ready"
PIDS="$PIDS $!"
wait_file "$TMP/t-drain.ready" || fail "the tunnel (drain) did not open"
for _ in $(seq 1 750); do grep -q "closed (" "$TMP/t-drain.log" && break; sleep 0.02; done
grep -q "closed (client closed first, then the other side quiet for 2 s; 5 bytes up" \
	"$TMP/t-drain.log" && ok || fail "a half-closed tunnel ends: $(cat "$TMP/t-drain.log")"
kill -TERM "$TP"
status=0
wait "$TP" || status=$?
expect_status 0 "the proxy stops cleanly after the drained tunnel"
! grep -q "Sanitizer" "$TMP"/t-*.log "$TMP/proxy.log" && ok || fail "a sanitizer report in a proxy log"

finish
