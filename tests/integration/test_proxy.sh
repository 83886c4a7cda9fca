#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt proxy in front of overt mock, over real HTTP on 127.0.0.1: bodies
# reach the upstream byte for byte, replies and SSE streams come back,
# events arrive before the upstream finishes, findings are logged, the
# block action refuses in the API's own error format, a dead upstream is a
# 502, bodies in unknown encodings are refused, every exchange is in the audit log,
# and SIGTERM ends the proxy cleanly.
. "$(dirname "$0")/lib.sh"

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap 'stop_all; rm -rf "$TMP"' EXIT

# start NAME ARGS...: run overt in the background; $addr gets where it listens.
start() {
	local name=$1
	shift
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$OVERT" "$@" --listen 127.0.0.1:0 \
		--ready-file "$TMP/$name.ready" 2>"$TMP/$name.err" &
	pids+=($!)
	for _ in $(seq 100); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
	addr=$(cat "$TMP/$name.ready" 2>/dev/null)
}

post() { # NAME URL BODY [curl args...]: reply in $TMP/NAME.out, status in $code
	local name=$1 url=$2 body=$3
	shift 3
	code=$(curl -sS -m 10 -o "$TMP/$name.out" -w '%{http_code}' -H 'content-type: application/json' \
		--data-binary "$body" "$@" "$url")
}

run "$OVERT" proxy --help
expect_status 0 "proxy --help"; expect_out "--upstream" "proxy --help"
run "$OVERT" proxy
expect_status 2 "no --upstream"
run "$OVERT" proxy --upstream ftp://x
expect_status 2 "bad --upstream"
run "$OVERT" proxy --upstream http://127.0.0.1:9 --listen 0.0.0.0:8787
expect_status 3 "non-loopback listen"; expect_err "loopback" "non-loopback listen"

start mock mock --record "$TMP/rec" --chunk-delay-ms 300
mock=$addr
start proxy proxy --upstream "http://$mock" --db "$TMP/audit.db"
proxy=$addr
key=sk-ant-test-0123456789abcdefSECRET

# A clean request and a marked one: both forwarded byte for byte.
clean='{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
marked='{"model":"m","max_tokens":5,"system":"Don'"'"'t. It'"'"'s. We'"'"'re. Today\u2019s date is 2026/06/30.","messages":[{"role":"user","content":"hi\u200b"}]}'
post clean "http://$proxy/v1/messages" "$clean" -H "x-api-key: $key"
[ "$code" = 200 ] && ok || fail "clean request: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["type"] == "message"' \
	"$TMP/clean.out" && ok || fail "clean reply is not a message"
post marked "http://$proxy/v1/messages" "$marked"
[ "$code" = 200 ] && ok || fail "marked request (log action): status $code"
python3 - "$TMP/rec" "$clean" "$marked" <<'PY' && ok || fail "bodies at the upstream differ"
import json, os, sys
rec, sent = sys.argv[1], sys.argv[2:]
files = sorted(f for f in os.listdir(rec) if f.endswith(".json") and f[0].isdigit())
got = [json.load(open(os.path.join(rec, f)))["body"] for f in files]
assert got == sent, (got, sent)
PY
grep -q "critical scheme.date-marker-2026" "$TMP/proxy.err" && ok || fail "marker not logged"
grep -q "invisible.zero-width" "$TMP/proxy.err" && ok || fail "zero-width not logged"

# SSE: the first event arrives long before the stream ends (300 ms apart).
python3 - "http://$proxy/v1/messages" <<'PY' && ok || fail "SSE events were held back"
import sys, time, urllib.request
req = urllib.request.Request(sys.argv[1], method="POST", headers={"content-type": "application/json"},
    data=b'{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}')
t0 = time.monotonic()
with urllib.request.urlopen(req, timeout=20) as r:
    assert r.headers["content-type"].startswith("text/event-stream"), r.headers
    first = None
    for line in r:
        if line.startswith(b"event:") and first is None:
            first = time.monotonic() - t0
    end = time.monotonic() - t0
assert first is not None and end - first > 0.5, (first, end)
PY

# The block action: refused in Anthropic's format, never sent upstream.
start block proxy --upstream "http://$mock" --action block
before=$(ls "$TMP/rec" | grep -c '^[0-9]')
post blocked "http://$addr/v1/messages" "$marked"
[ "$code" = 403 ] && ok || fail "block: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["error"]
assert d["type"] == "error" and e["type"] == "permission_error"
assert "scheme.date-marker-2026" in e["message"], e' "$TMP/blocked.out" && ok || fail "block reply format"
after=$(ls "$TMP/rec" | grep -c '^[0-9]')
[ "$before" = "$after" ] && ok || fail "a blocked request reached the upstream"
post okay "http://$addr/v1/chat/completions" '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
[ "$code" = 200 ] && ok || fail "block proxy let a clean request through: $code"

# A dead upstream: 502 in the API's format; an unknown encoding: 415.
start dead proxy --upstream http://127.0.0.1:9
post dead "http://$addr/v1/chat/completions" "$clean"
[ "$code" = 502 ] && ok || fail "dead upstream: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "upstream" in d["error"]["message"]' \
	"$TMP/dead.out" && ok || fail "dead upstream reply format"
post gz "http://$proxy/v1/messages" "$clean" -H 'content-encoding: compress'
[ "$code" = 415 ] && ok || fail "body in an unknown encoding: status $code"
post gz "http://$proxy/v1/messages" "$clean" -H 'content-encoding: gzip'
[ "$code" = 400 ] && ok || fail "body that is not gzip: status $code"

# SIGTERM: the proxy exits 0 and its audit log holds every exchange, the
# API key only as a fingerprint.
kill -TERM "${pids[1]}"
wait "${pids[1]}" && ok || fail "proxy exit status after SIGTERM"
run "$OVERT" log verify --db "$TMP/audit.db"
expect_status 0 "audit log verifies"
run "$OVERT" log list --db "$TMP/audit.db" --format json
[ "$(grep -c '"method"' "$TMP/out")" -ge 4 ] && ok || fail "audit log has fewer than 4 exchanges"
grep -qF -- "$key" "$TMP/audit.db" "$TMP/audit.db-wal" 2>/dev/null && fail "API key in clear in the audit log" || ok
run "$OVERT" log export --db "$TMP/audit.db" --rule scheme.date-marker-2026 --format jsonl
expect_out "scheme.date-marker-2026" "audit log finds the marker"
[ "$(stat -c %a "$TMP/audit.db")" = 600 ] && ok || fail "audit file mode"

# A configuration file routes by path prefix to several upstreams; a typo
# in it is an error naming the setting, not a silent default.
start mock2 mock --record "$TMP/rec2"
mock2=$addr
cat > "$TMP/proxy.json" <<JSON
{"schema": 1,
 "routes": [{"prefix": "/v1/messages", "upstream": "http://$mock"},
            {"prefix": "/v1/chat/", "upstream": "http://$mock2/"}],
 "alert_at": "low"}
JSON
start routed proxy --config "$TMP/proxy.json"
n1=$(ls "$TMP/rec" | grep -c '^[0-9]')
post r1 "http://$addr/v1/chat/completions" '{"model":"m","messages":[{"role":"user","content":"a\u00a0b"}]}'
[ "$code" = 200 ] && ok || fail "route to the second upstream: $code"
[ "$(ls "$TMP/rec2" | grep -c '^[0-9]')" = 1 ] && ok || fail "the second upstream did not get the request"
[ "$(ls "$TMP/rec" | grep -c '^[0-9]')" = "$n1" ] && ok || fail "the first upstream got a request routed elsewhere"
grep -q "low lookalike.space" "$TMP/routed.err" && ok || fail "alert_at from the file not applied"
post r2 "http://$addr/v1/embeddings" '{}'
[ "$code" = 404 ] && ok || fail "a path with no route: $code"
printf '{"routes": [{"prefix": "/", "upstream": "http://127.0.0.1:9"}], "aciton": "block"}' > "$TMP/typo.json"
run "$OVERT" proxy --config "$TMP/typo.json"
expect_status 3 "configuration typo"; expect_err "unknown setting 'aciton'" "configuration typo"
printf '{"routes": [{"prefix": "/", "upstream": "http://127.0.0.1:9"},]}' > "$TMP/bad.json"
run "$OVERT" proxy --config "$TMP/bad.json"
expect_status 3 "configuration syntax"; expect_err "byte 62" "configuration syntax"

finish
