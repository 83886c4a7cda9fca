#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt mock over real HTTP on 127.0.0.1: every endpoint streamed and not,
# the error formats, the recording (modes, redacted keys, byte-exact bodies),
# and a prompt clean exit on SIGTERM.
. "$(dirname "$0")/lib.sh"

server_pid=
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap 'stop_server; rm -rf "$TMP"' EXIT

run "$OVERT" mock --help
expect_status 0 "mock --help"; expect_out "--record" "mock --help"
run "$OVERT" mock --delay-ms soon
expect_status 2 "bad --delay-ms"
run "$OVERT" mock --listen nowhere:port
expect_status 2 "bad --listen"; expect_err "cannot listen on 'nowhere:port'" "bad --listen"

env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$OVERT" mock --listen 127.0.0.1:0 \
	--ready-file "$TMP/ready" --record "$TMP/rec" 2>"$TMP/mock.err" &
server_pid=$!
for _ in $(seq 100); do [ -s "$TMP/ready" ] && break; sleep 0.05; done
addr=$(cat "$TMP/ready")
case $addr in 127.0.0.1:[0-9]*) ok ;; *) fail "ready file holds '$addr'" ;; esac
base=http://$addr
key=sk-ant-test-0123456789abcdefSECRET
gkey=AIzaTESTKEY0123456789QQ

# post NAME PATH BODY [curl args...]: the reply in $TMP/NAME.out, status in $code.
post() {
	local name=$1 path=$2 body=$3
	shift 3
	code=$(curl -sS -o "$TMP/$name.out" -w '%{http_code}' -H 'content-type: application/json' \
		--data-binary "$body" "$@" "$base$path")
}

expect_json() { # NAME PYTHON-EXPR on the parsed reply `d`
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert eval(sys.argv[2]), d' "$TMP/$1.out" "$2" && ok || fail "$1: $2 on $(head -c 300 "$TMP/$1.out")"
}

# Events of an SSE reply: names (or "-") in order, each data line JSON or [DONE].
expect_sse() { # NAME EXPECTED-NAMES...
	local name=$1
	shift
	python3 -c 'import json,sys
text = open(sys.argv[1], newline="").read()
names = []
for block in text.replace("\r\n", "\n").split("\n\n"):
    if not block.strip():
        continue
    ev, data = "-", None
    for line in block.split("\n"):
        if line.startswith("event: "): ev = line[7:]
        elif line.startswith("data: "): data = line[6:]
    assert data is not None, block
    if data != "[DONE]":
        obj = json.loads(data)
        if ev != "-": assert obj["type"] == ev, (ev, obj)
    names.append(ev)
want = sys.argv[2:]
assert all(n in names for n in want), (names, want)
assert [n for n in names if n in want] == [w for w in want], (names, want)' "$TMP/$name.out" "$@" \
		&& ok || fail "$name: SSE events; got $(head -c 400 "$TMP/$name.out")"
}

# Anthropic Messages
post a1 /v1/messages '{"model":"claude-test","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}' \
	-H "x-api-key: $key" -H 'anthropic-version: 2023-06-01'
[ "$code" = 200 ] && ok || fail "messages: status $code"
expect_json a1 'd["type"] == "message" and d["model"] == "claude-test" and d["content"][0]["text"] == "ok" and d["usage"]["input_tokens"] > 0'
post a2 /v1/messages '{"model":"claude-test","stream":true,"messages":[]}' -H "x-api-key: $key"
expect_sse a2 message_start content_block_start content_block_delta content_block_stop message_delta message_stop
grep -q '"text_delta"' "$TMP/a2.out" && ok || fail "messages stream: no text_delta"
post a3 /v1/messages/count_tokens '{"model":"claude-test","messages":[]}'
expect_json a3 'd["input_tokens"] > 0'

# OpenAI Chat Completions, Responses, models
post o1 /v1/chat/completions '{"model":"gpt-test","messages":[]}' -H "authorization: Bearer $key"
expect_json o1 'd["object"] == "chat.completion" and d["model"] == "gpt-test" and d["choices"][0]["message"]["content"] == "ok"'
post o2 /v1/chat/completions '{"model":"gpt-test","stream":true}'
expect_sse o2 - - - -
tail -c 20 "$TMP/o2.out" | grep -q 'data: \[DONE\]' && ok || fail "chat stream: no [DONE] at the end"
post o3 /v1/responses '{"model":"gpt-5-test","input":"hi"}'
expect_json o3 'd["object"] == "response" and d["status"] == "completed" and d["output"][0]["content"][0]["text"] == "ok"'
post o4 /v1/responses '{"model":"gpt-5-test","input":"hi","stream":true}'
expect_sse o4 response.created response.output_item.added response.output_text.delta response.output_text.done response.completed
code=$(curl -sS -o "$TMP/o5.out" -w '%{http_code}' "$base/v1/models")
expect_json o5 'd["object"] == "list" and len(d["data"]) > 0'

# Gemini
post g1 "/v1beta/models/gemini-test:generateContent" '{"contents":[]}' -H "x-goog-api-key: $gkey"
expect_json g1 'd["candidates"][0]["content"]["parts"][0]["text"] == "ok" and d["modelVersion"] == "gemini-test"'
post g2 "/v1beta/models/gemini-test:streamGenerateContent?alt=sse&key=$gkey" '{"contents":[]}'
expect_sse g2 -
grep -q $'\r\n\r\n' "$TMP/g2.out" && ok || fail "gemini SSE: events should end in CRLF CRLF"
post g3 "/v1beta/models/gemini-test:streamGenerateContent" '{"contents":[]}'
expect_json g3 'isinstance(d, list) and d[-1]["candidates"][0]["finishReason"] == "STOP"'

# Errors, each in its API's format
post e1 /v1/messages '{"model": broken'
[ "$code" = 400 ] && ok || fail "anthropic bad JSON: status $code"
expect_json e1 'd["type"] == "error" and d["error"]["type"] == "invalid_request_error"'
post e2 /v1/chat/completions '[1,'
[ "$code" = 400 ] && ok || fail "openai bad JSON: status $code"
expect_json e2 'd["error"]["type"] == "invalid_request_error" and d["error"]["param"] is None and d["error"]["code"] is None'
post e3 "/v1beta/models/g:generateContent" '{'
[ "$code" = 400 ] && ok || fail "gemini bad JSON: status $code"
expect_json e3 'd["error"]["code"] == 400 and d["error"]["status"] == "INVALID_ARGUMENT"'
post e4 /v1/nothing '{}'
[ "$code" = 404 ] && ok || fail "unknown path: status $code"
expect_json e4 '"message" in d["error"]'
post e5 /v1/messages/nothing '{}'
expect_json e5 'd["type"] == "error" and d["error"]["type"] == "not_found_error"'
post e6 /v1beta/models/g:nothing '{}'
expect_json e6 'd["error"]["status"] == "NOT_FOUND"'
head -c 40000000 /dev/zero | tr '\0' 'a' > "$TMP/big"
code=$(curl -sS -o "$TMP/e7.out" -w '%{http_code}' --data-binary @"$TMP/big" "$base/v1/messages")
[ "$code" = 413 ] && ok || fail "body over 32 MiB: status $code"
expect_json e7 'd["error"]["type"] == "request_too_large"'

# Recording: a body with a \u2019 escape and a raw U+200B, byte for byte.
printf '{"model":"m","system":"Today\\u2019s date","messages":[{"role":"user","content":"a\xe2\x80\x8bb"}]}' > "$TMP/exact.json"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "x-api-key: $key" \
	--data-binary @"$TMP/exact.json" "$base/v1/messages")
printf '\xff\xfe{"not utf-8"}' > "$TMP/binary.bin"
curl -sS -o /dev/null --data-binary @"$TMP/binary.bin" "$base/v1/chat/completions"
rec=$TMP/rec
[ "$(stat -c %a "$rec")" = 700 ] && ok || fail "record dir mode $(stat -c %a "$rec")"
bad_modes=$(find "$rec" -type f ! -perm 600 | wc -l)
[ "$bad_modes" = 0 ] && ok || fail "record files not 0600"
nrec=$(ls "$rec" | grep -c '^[0-9]\{6\}\.json$')
[ "$(wc -l < "$rec/index.jsonl")" = "$nrec" ] && [ "$nrec" -ge 19 ] && ok || fail "index lines vs $nrec records"
grep -rqF -- "$key" "$rec" && fail "API key in clear in the records" || ok
grep -rqF -- "$gkey" "$rec" && fail "Gemini key in clear in the records" || ok
grep -rqF -- 'CRET"' "$rec" && ok || fail "redacted key lacks its last four"
python3 -c 'import json,sys,glob,base64
rec, exact, binary = sys.argv[1], open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
files = sorted(glob.glob(rec + "/[0-9]*.json"))
docs = [json.load(open(f)) for f in files]
for i, d in enumerate(docs, 1):
    assert d["seq"] == i and d["schema"] == 1, d
hit = [d for d in docs if d["body"].encode("utf-8") == exact]
assert len(hit) == 1, "exact body not found"
h = dict((k.lower(), v) for k, v in hit[0]["headers"])
assert h["x-api-key"].startswith("sha256:") and h["x-api-key"].endswith("CRET"), h
b = [d for d in docs if "body_base64" in d]
assert len(b) == 1 and base64.b64decode(b[0]["body_base64"]) == binary
g = [d for d in docs if d["query"] and "key=" in d["query"]]
assert g and all("key=sha256:" in d["query"] for d in g), g
a = [d for d in docs if any(k.lower() == "authorization" for k, v in d["headers"])]
assert a and all(v.startswith("Bearer sha256:") for d in a for k, v in d["headers"] if k.lower() == "authorization")
' "$rec" "$TMP/exact.json" "$TMP/binary.bin" && ok || fail "recorded bodies, numbering and redaction"

# One log line per request: method, path, status, bytes, ms.
grep -q 'POST /v1/messages 200 [0-9]* bytes [0-9]* ms' "$TMP/mock.err" && ok || fail "log line; got $(head -c 500 "$TMP/mock.err")"

# --delay-ms and --chunk-delay-ms: a second server, its events spaced out.
env -i PATH=/usr/bin:/bin "$OVERT" mock --quiet --listen 127.0.0.1:0 --ready-file "$TMP/ready2" \
	--chunk-delay-ms 150 --reply 'one two three' 2>/dev/null &
pid2=$!
for _ in $(seq 100); do [ -s "$TMP/ready2" ] && break; sleep 0.05; done
start=$(date +%s%N)
curl -sS -o "$TMP/slow.out" --data-binary '{"model":"m","stream":true}' "http://$(cat "$TMP/ready2")/v1/messages"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill -TERM "$pid2"; wait "$pid2" || true
[ "$ms" -ge 900 ] && ok || fail "--chunk-delay-ms 150 over 9 events took only $ms ms"
[ "$(grep -c text_delta "$TMP/slow.out")" = 3 ] && ok || fail "--reply cut into 3 deltas"

# SIGTERM: exit 0, promptly.
kill -TERM "$server_pid"
status=0
for _ in $(seq 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$server_pid" 2>/dev/null && fail "still running 3 s after SIGTERM" || ok
wait "$server_pid" || status=$?
server_pid=
[ "$status" = 0 ] && ok || fail "exit status $status after SIGTERM"

finish
