# SPDX-License-Identifier: MIT
# overt run: a test program inside the sandbox tries the walls (loopback
# ports, other addresses, a fake ~/.ssh key, writes outside the project,
# secret variables, ptrace), makes a model request through the proxy to a
# real `overt mock`, and CONNECTs to an allowed and a denied listener; the
# audit log must show all of it.  Real namespaces, Landlock and seccomp.
source "$(dirname "$0")/lib.sh"

PROBE=$(dirname "$OVERT")/tests/sbx_probe
[ -x "$PROBE" ] || { echo "no $PROBE: build the sbx_probe target" >&2; exit 1; }

# A fake person: HOME with an SSH key and cloud credentials, another
# project next to ours.
H=$TMP/home
# A directory nothing allowed reaches, outside the private /tmp.
outside_tmp
echo "not for the sandbox" >"$OUTSIDE/README.md"
mkdir -p "$H/.ssh" "$H/.aws" "$TMP/proj" "$TMP/other"
echo "FAKE-PRIVATE-KEY" >"$H/.ssh/id_ed25519"
echo "[default]" >"$H/.aws/credentials"
echo "my notes" >"$H/notes.txt"
echo "other project" >"$TMP/other/secret.txt"
DB=$TMP/state/audit.db
mkdir -p "$TMP/state"

"$OVERT" mock -q --ready-file "$TMP/mock.addr" --listen 127.0.0.1:0 &
MOCK=$!
"$OVERT" mock -q --ready-file "$TMP/mock2.addr" --listen 127.0.0.1:0 &
MOCK2=$!
trap 'kill $MOCK $MOCK2 2>/dev/null || true; lib_cleanup' EXIT
for _ in $(seq 1 500); do
	[ -s "$TMP/mock.addr" ] && [ -s "$TMP/mock2.addr" ] && break
	sleep 0.02
done
ADDR=$(cat "$TMP/mock.addr")
PORT=${ADDR##*:}
PORT2=$(cut -d: -f2 "$TMP/mock2.addr")

# In a sanitizer build, LeakSanitizer stops the world with ptrace, which the
# sandbox refuses: the programs inside run without it (overt run itself,
# outside, keeps it).
NOLSAN=ASAN_OPTIONS=detect_leaks=0

# runin ARGS... -- CMD...: overt run in the project, as the fake person.
runin() {
	cd "$TMP/proj"
	run env HOME="$H" SECRET_TOKEN=t0ken AWS_SECRET_ACCESS_KEY=aws MY_PASSWORD=pw \
		OPENAI_API_KEY=sk-x KEEP_TOKEN=kept HTTPS_PROXY=http://corp:3128 \
		"$OVERT" run --upstream "http://$ADDR" --db "$DB" --allow-read "$(dirname "$PROBE")" \
		--env "$NOLSAN" "$@"
	cd "$TMP"
}

# ---- network ----
runin -- "$PROBE" connect 127.0.0.1 9
expect_status 1 "loopback port other than the proxy"
expect_out "denied EACCES" "Landlock refuses connect() to another port"

runin -- "$PROBE" connect 10.1.2.3 8787
expect_status 1 "an address outside"
expect_out "denied ENETUNREACH" "no route out of the namespace"

runin -- "$PROBE" connect 127.0.0.1 "$PORT"
expect_status 1 "the mock's real port is not reachable inside"

runin -- "$PROBE" connect 127.0.0.1 8787
expect_status 0 "the relay to the proxy is reachable"

# ---- files ----
runin -- "$PROBE" read "$H/.ssh/id_ed25519"
expect_status 1 "fake ssh key"
grep -q FAKE-PRIVATE-KEY "$TMP/out" && fail "the ssh key was read" || ok

# HOME and the other project are under /tmp here, which is private inside
# (ENOENT); $OUTSIDE is outside it and Landlock refuses it (EACCES).
runin -- "$PROBE" read "$H/notes.txt"
expect_status 1 "a file in HOME"
expect_out "denied" "HOME is out of reach"

runin -- "$PROBE" read "$TMP/other/secret.txt"
expect_status 1 "another project"
expect_out "denied" "another project is out of reach"

runin -- "$PROBE" read "$OUTSIDE/README.md"
expect_status 1 "a directory that is not allowed"
expect_out "denied EACCES" "Landlock refuses what it was not told to allow"

runin -- "$PROBE" write "$OUTSIDE/made-by-sandbox.txt"
expect_status 1 "write to a directory that is not allowed"
expect_out "denied EACCES" "Landlock refuses the write"
[ ! -e "$OUTSIDE/made-by-sandbox.txt" ] && ok || fail "a file was written outside the project"

runin -- "$PROBE" write "$TMP/other/new.txt"
expect_status 1 "write outside the project"
[ ! -e "$TMP/other/new.txt" ] && ok || fail "a file was written outside the project"

runin -- "$PROBE" write "$TMP/proj/made-inside.txt"
expect_status 0 "write in the project"
[ -f "$TMP/proj/made-inside.txt" ] && ok || fail "the project write is not on the host"

runin -- "$PROBE" write /tmp/overt-run-private-test
expect_status 0 "write in the private /tmp"
[ ! -e /tmp/overt-run-private-test ] && ok || fail "/tmp inside is the host's"

runin -- "$PROBE" read /etc/hostname
expect_status 0 "system files are readable"

# ---- environment ----
for v in SECRET_TOKEN AWS_SECRET_ACCESS_KEY MY_PASSWORD OPENAI_API_KEY; do
	runin -- "$PROBE" env "$v"
	expect_status 1 "$v is removed"
done
runin --env-pass KEEP_TOKEN -- "$PROBE" env KEEP_TOKEN
expect_status 0 "--env-pass keeps a variable"
expect_out "ok kept" "its value"
runin -- "$PROBE" env HTTPS_PROXY
expect_out "ok http://127.0.0.1:8787" "HTTPS_PROXY is the proxy, not the host's"
runin -- "$PROBE" env ANTHROPIC_BASE_URL
expect_out "ok http://127.0.0.1:8787" "an agent's base URL points at the proxy"
runin -- "$PROBE" env TZ
expect_out "ok UTC" "TZ is neutral"
runin -- hostname
expect_out "overt" "the hostname is neutral"

# An agent that takes its base URL as arguments (codex) gets them.
mkdir -p "$TMP/bin"
printf '#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n' >"$TMP/bin/codex"
chmod +x "$TMP/bin/codex"
runin --allow-read "$TMP/bin" -- "$TMP/bin/codex" exec hi
expect_out '[openai_base_url="http://127.0.0.1:8787/v1"]' "codex's base URL argument"
expect_out "[exec]" "before the command's own arguments"

# ---- escape tools ----
runin -- "$PROBE" ptrace
expect_status 1 "ptrace"
expect_out "denied EPERM" "seccomp refuses ptrace"
runin -- "$PROBE" unshare
expect_status 1 "a new user namespace"
expect_out "denied EPERM" "seccomp refuses unshare"
runin -- grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status
expect_out "CapEff:	0000000000000000" "no effective capabilities"
expect_out "CapBnd:	0000000000000000" "an empty bounding set"
expect_out "NoNewPrivs:	1" "no_new_privs"

# ---- exit status ----
runin -- sh -c 'exit 7'
expect_status 7 "the command's exit status passes through"
runin -- sh -c 'kill -TERM $$'
expect_status 143 "a command killed by SIGTERM gives 128+15"
# SIGTERM to overt run reaches the command.
cd "$TMP/proj"
env -i PATH=/usr/bin:/bin HOME="$H" XDG_STATE_HOME="$TMP/xdg" "$OVERT" run \
	--upstream "http://$ADDR" -- sh -c 'echo up >started; exec sleep 60' >/dev/null 2>&1 &
RUNPID=$!
cd "$TMP"
for _ in $(seq 1 1500); do [ -s "$TMP/proj/started" ] && break; sleep 0.02; done
# Meanwhile a second session with the default log, held by the first.
cd "$TMP/proj"
run env HOME="$H" XDG_STATE_HOME="$TMP/xdg" "$OVERT" run --upstream "http://$ADDR" -- true
cd "$TMP"
expect_status 0 "a second session beside a running one"
expect_err "in use by another session" "logs to its own file"
[ -f "$TMP/xdg/overt/audit.db" ] && ok || fail "the default log is not in XDG_STATE_HOME"
kill -TERM "$RUNPID"
status=0
wait "$RUNPID" || status=$?
expect_status 143 "SIGTERM is passed down to the command"
runin -- /nonexistent/cmd
expect_status 127 "a command that does not exist"
runin --allow-read /nonexistent/dir -- true
expect_status 4 "a path that does not exist is an error"
expect_err "/nonexistent/dir" "it names the path"
# A kernel feature missing: overt run inside overt run, where seccomp
# refuses new namespaces.  The first step fails and nothing runs; with
# --allow-degraded it runs, with a loud warning per failed step.
OVERT_DIR=$(dirname "$OVERT")
runin --allow-read "$OVERT_DIR" -- "$OVERT" run --proxy unix:/tmp/none.sock -- \
	touch "$TMP/proj/ran-undegraded"
expect_status 4 "a failed setup step aborts before exec"
expect_err "user namespace failed" "it names the step"
expect_err "the kernel must offer user namespaces" "and the kernel feature"
expect_err "nothing was run" "it says so"
[ ! -e "$TMP/proj/ran-undegraded" ] && ok || fail "the command ran after a failed step"
runin --allow-read "$OVERT_DIR" -- "$OVERT" run --allow-degraded --proxy unix:/tmp/none.sock \
	--allow-read "$(dirname "$PROBE")" -- \
	"$PROBE" read "$OUTSIDE/README.md"
expect_status 1 "degraded: the command runs"
expect_err "WARNING: SANDBOX DEGRADED: network namespace" "with a loud warning"
expect_out "denied EACCES" "the steps that work still apply"

# ---- the command line ----
run "$OVERT" run --help
expect_status 0 "--help"
expect_out "usage: overt run" "prints the usage"
run "$OVERT" run --upstream "http://$ADDR"
expect_status 2 "no command"
run "$OVERT" run --proxy 8787 -- true
expect_status 2 "--proxy takes unix:PATH or HOST:PORT"
runin --upstream ftp://nowhere -- touch "$TMP/proj/ran-without-proxy"
expect_status 4 "the session's proxy cannot start"
expect_err "proxy could not start" "says so"
[ ! -e "$TMP/proj/ran-without-proxy" ] && ok || fail "the command ran without its proxy"

# ---- the model request through the proxy, in the audit log ----
BODY='{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hello from the sandbox"}]}'
runin -- curl -s -m 20 http://127.0.0.1:8787/v1/messages -H 'content-type: application/json' \
	-H 'x-api-key: sk-sandbox-1234' -d "$BODY"
expect_status 0 "a model request through the proxy"
expect_out '"text":"ok"' "the mock's reply comes back"
run "$OVERT" log list --db "$DB"
expect_out "POST /v1/messages  200" "the exchange is in the audit log"
run "$OVERT" log show --db "$DB" 1
expect_out "hello from the sandbox" "with its body"

# ---- CONNECT: allowed tunnels, denied is refused; both logged ----
runin --allow-host "127.0.0.1:$PORT" -- curl -s -m 20 --noproxy '' -p -x http://127.0.0.1:8787 \
	"http://127.0.0.1:$PORT/v1/messages" -H 'content-type: application/json' -d "$BODY"
expect_status 0 "CONNECT to an allowed host tunnels"
expect_out '"text":"ok"' "the reply comes through the tunnel"
runin --allow-host "127.0.0.1:$PORT" -- curl -s -m 20 --noproxy '' -p -x http://127.0.0.1:8787 \
	"http://127.0.0.1:$PORT2/v1/messages" -d "$BODY"
[ "$status" -ne 0 ] && ok || fail "CONNECT to a host not allowed must fail"
runin -- curl -s -m 20 --noproxy '' -x http://127.0.0.1:8787 "http://127.0.0.1:$PORT2/plain?q=s3cr3t"
expect_out "plain HTTP proxying is refused" "a plain-HTTP proxy request is refused"
run "$OVERT" log events --db "$DB"
expect_out "deny  http://127.0.0.1:$PORT2" "and logged as a denied attempt"
grep "deny  http://" "$TMP/out" | grep -q "s3cr3t" && fail "the refused request's query is in its event" || ok
expect_out "allow  127.0.0.1:$PORT" "the allowed CONNECT is logged"
expect_out "deny  127.0.0.1:$PORT2" "the denied CONNECT is logged"
expect_out "session.start" "the session start is logged"
expect_out "exit 7" "the session end has the status"
expect_out '"env_dropped":[' "the policy names dropped variables"
grep -q "t0ken" "$TMP/out" && fail "a dropped variable's value is in the events" || ok
run "$OVERT" log verify --db "$DB"
expect_status 0 "the chain with events verifies"

# A TLS server the test makes a certificate for: through an allowed CONNECT,
# the client's TLS reaches it untouched (the certificate it sees is the
# server's own: no interception).
mkdir -p "$TMP/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-keyout "$TMP/tls/key.pem" -out "$TMP/tls/cert.pem" -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost 2>/dev/null
python3 -c 'import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = b"hello over tls\n"
        self.send_response(200); self.send_header("Content-Length", str(len(b)))
        self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = c.wrap_socket(s.socket, server_side=True)
open(sys.argv[3], "w").write(str(s.server_port))
s.serve_forever()' "$TMP/tls/cert.pem" "$TMP/tls/key.pem" "$TMP/tls/port.tmp" &
TLS=$!
trap 'kill $MOCK $MOCK2 $TLS 2>/dev/null || true; lib_cleanup' EXIT
for _ in $(seq 1 500); do [ -s "$TMP/tls/port.tmp" ] && break; sleep 0.02; done
TLSPORT=$(cat "$TMP/tls/port.tmp")
# (--noproxy '': NO_PROXY inside names localhost, for the base URLs.)
runin --allow-host "localhost:$TLSPORT" --allow-read "$TMP/tls" -- curl -s -m 20 --noproxy '' \
	--cacert "$TMP/tls/cert.pem" "https://localhost:$TLSPORT/"
expect_status 0 "HTTPS through an allowed CONNECT (HTTPS_PROXY)"
expect_out "hello over tls" "the TLS server's reply, end to end"
run "$OVERT" log events --db "$DB"
expect_out "allow  localhost:$TLSPORT" "the HTTPS tunnel is logged by host name"

# ---- a configuration file ----
cat >"$TMP/run.json" <<EOF
{"schema": 1, "upstream": "http://$ADDR", "db": "$DB",
 "allow_read": ["$(dirname "$PROBE")"], "env_pass": ["KEEP_TOKEN"], "tz": "Europe/Paris"}
EOF
cd "$TMP/proj"
run env HOME="$H" KEEP_TOKEN=kept "$OVERT" run --config "$TMP/run.json" --env "$NOLSAN" -- \
	"$PROBE" env TZ
cd "$TMP"
expect_out "ok Europe/Paris" "the configuration file sets TZ"
echo '{"schema": 1, "allow_hosts": []}' >"$TMP/bad.json"
run "$OVERT" run --config "$TMP/bad.json" -- true
expect_status 3 "an unknown key in the configuration"
expect_err "unknown key 'allow_hosts'" "names the key"

finish
