#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How overt proxy frames what it relays: a reply the upstream sent with a
# Content-Length keeps it (not re-chunked), an event stream is chunked, a
# HEAD request gets the head alone at once, and the client's connection
# stays open for the next request after each.
. "$(dirname "$0")/lib.sh"

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap 'stop_all; rm -rf "$TMP"' EXIT

start() {
	local name=$1
	shift
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$OVERT" "$@" --listen 127.0.0.1:0 \
		--ready-file "$TMP/$name.ready" 2>"$TMP/$name.err" &
	pids+=($!)
	for _ in $(seq 200); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
	addr=$(cat "$TMP/$name.ready" 2>/dev/null)
}

start mock mock
mock=$addr
start proxy proxy --upstream "http://$mock"
proxy=$addr
body='{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
sse='{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}'

# One connection, three requests: HEAD, a plain reply, an event stream.
status=0
curl -sS -m 10 -v -I "http://$proxy/" --next -sS -m 10 -o "$TMP/plain.out" \
	-H 'content-type: application/json' --data-binary "$body" "http://$proxy/v1/messages" \
	--next -sS -m 10 -o "$TMP/sse.out" -H 'content-type: application/json' \
	--data-binary "$sse" "http://$proxy/v1/messages" >"$TMP/head.out" 2>"$TMP/curl.err" || status=$?
[ "$status" = 0 ] && ok || fail "curl failed ($status): $(tail -3 "$TMP/curl.err")"
grep -q '^HTTP/1.1 404' "$TMP/head.out" && ok || fail "HEAD: no 404 head"
grep -qi '^content-length: [1-9]' "$TMP/head.out" && ok || fail "HEAD: the reply's length is not announced"
# curl's -v lists each response head with "< ".
awk '/^< HTTP/ { n++ } n == 2 && tolower($0) ~ /^< content-length: / { found = 1 }
	n == 2 && tolower($0) ~ /^< transfer-encoding/ { chunked = 1 }
	END { exit !(found && !chunked) }' "$TMP/curl.err" && ok || fail "a sized reply was not relayed with its Content-Length"
awk '/^< HTTP/ { n++ } n == 3 && tolower($0) ~ /^< transfer-encoding: chunked/ { found = 1 }
	END { exit !found }' "$TMP/curl.err" && ok || fail "the event stream was not chunked"
[ "$(grep -c 'Re-using existing connection' "$TMP/curl.err")" = 2 ] && ok || fail "the connection was not kept for the next request"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["type"] == "message"' \
	"$TMP/plain.out" && ok || fail "the sized reply is not the whole message"
grep -q '^event: message_stop' "$TMP/sse.out" && ok || fail "the event stream did not end with message_stop"
grep -q 'HEAD / -> 404' "$TMP/proxy.err" && ok || fail "HEAD not logged as a 404"
grep -q 'cancelled' "$TMP/proxy.err" && fail "an exchange was cancelled" || ok
finish
