#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt proxy beyond loopback: a non-loopback --listen needs --allow-remote
# and an access token (a 0600 file or OVERT_PROXY_TOKEN, never an argument);
# then every request needs the token, as X-Overt-Token or
# Proxy-Authorization: Bearer, or gets 401 in the API's error format, and
# the token never reaches the upstream.  Bound to 0.0.0.0 but connected to
# from 127.0.0.1 only: no traffic leaves the machine.
. "$(dirname "$0")/lib.sh"

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap 'stop_all; rm -rf "$TMP"' EXIT

# start NAME LISTEN ARGS...: overt in the background; $addr, $pid.
start() {
	local name=$1 listen=$2
	shift 2
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 ${token_env:+OVERT_PROXY_TOKEN=$token_env} \
		"$OVERT" "$@" --listen "$listen" --ready-file "$TMP/$name.ready" 2>"$TMP/$name.err" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 200); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
	addr=$(cat "$TMP/$name.ready" 2>/dev/null)
}

post() { # NAME URL [curl args...]: reply in $TMP/NAME.out, status in $code
	local name=$1 url=$2
	shift 2
	code=$(curl -sS -m 10 -o "$TMP/$name.out" -w '%{http_code}' -H 'content-type: application/json' \
		--data-binary '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}' \
		"$@" "$url")
}

token=$(openssl rand -hex 32)
printf '%s\n' "$token" > "$TMP/token"
chmod 600 "$TMP/token"

# Refusals at start: exit 3 with a message that says what to do.
run "$OVERT" proxy --upstream http://127.0.0.1:9 --listen 0.0.0.0:0
expect_status 3 "0.0.0.0 without --allow-remote"; expect_err "--allow-remote" "0.0.0.0 without --allow-remote"
run "$OVERT" proxy --upstream http://127.0.0.1:9 --listen 0.0.0.0:0 --allow-remote
expect_status 3 "--allow-remote without a token"; expect_err "access token" "--allow-remote without a token"
cp "$TMP/token" "$TMP/open-token"; chmod 644 "$TMP/open-token"
run "$OVERT" proxy --upstream http://127.0.0.1:9 --listen 0.0.0.0:0 --allow-remote --token-file "$TMP/open-token"
expect_status 3 "token file readable by others"; expect_err "chmod 600" "token file readable by others"
printf 'short\n' > "$TMP/short"; chmod 600 "$TMP/short"
run "$OVERT" proxy --upstream http://127.0.0.1:9 --listen 0.0.0.0:0 --allow-remote --token-file "$TMP/short"
expect_status 3 "short token"; expect_err "at least 16" "short token"
run "$OVERT" proxy --upstream http://127.0.0.1:9 --listen 0.0.0.0:0 --allow-remote --token-file "$TMP/none"
expect_status 3 "missing token file"; expect_err "No such file" "missing token file"

start mock 127.0.0.1:0 mock --record "$TMP/rec"
mock=$addr
start proxy 0.0.0.0:0 proxy --upstream "http://$mock" --allow-remote --token-file "$TMP/token"
case $addr in 0.0.0.0:*) ok ;; *) fail "proxy did not bind 0.0.0.0: '$addr'" ;; esac
url=http://127.0.0.1:${addr##*:}

post none "$url/v1/messages"
[ "$code" = 401 ] && ok || fail "no token: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["error"]
assert d["type"] == "error" and e["type"] == "authentication_error", d
assert "X-Overt-Token" in e["message"], e' "$TMP/none.out" && ok || fail "401 not in Anthropic's format"
post wrong "$url/v1/chat/completions" -H "X-Overt-Token: ${token}x"
[ "$code" = 401 ] && ok || fail "wrong token: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["error"]["type"] == "authentication_error"' \
	"$TMP/wrong.out" && ok || fail "401 not in OpenAI's format"
post basic "$url/v1/messages" -H "Proxy-Authorization: Basic $token"
[ "$code" = 401 ] && ok || fail "token under Basic: status $code"
[ "$(ls "$TMP/rec" | grep -c '^[0-9]' || true)" = 0 ] && ok || fail "a refused request reached the upstream"

post header "$url/v1/messages" -H "X-Overt-Token: $token" -H "x-api-key: sk-test"
[ "$code" = 200 ] && ok || fail "X-Overt-Token: status $code"
post bearer "$url/v1/messages" -H "Proxy-Authorization: Bearer $token"
[ "$code" = 200 ] && ok || fail "Proxy-Authorization: status $code"
# Both requests arrived, and neither carried the token on.
[ "$(ls "$TMP/rec" | grep -c '^[0-9]')" = 2 ] && ok || fail "accepted requests did not reach the upstream"
grep -rqiF -e "$token" -e "x-overt-token" -e "proxy-authorization" "$TMP/rec" && \
	fail "the token reached the upstream" || ok
grep -qF "$token" "$TMP/proxy.err" && fail "the token is in the proxy's log" || ok

# The token from the environment, and a token on a loopback address too.
token_env=$token start envproxy 127.0.0.2:0 proxy --upstream "http://$mock"
post envnone "http://$addr/v1/messages"
[ "$code" = 401 ] && ok || fail "OVERT_PROXY_TOKEN, no token sent: status $code"
post envok "http://$addr/v1/messages" -H "X-Overt-Token: $token"
[ "$code" = 200 ] && ok || fail "OVERT_PROXY_TOKEN: status $code"

finish
