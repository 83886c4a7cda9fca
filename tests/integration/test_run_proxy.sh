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

finish
