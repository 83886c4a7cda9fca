#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The proxy's actions, each against overt mock recording on 127.0.0.1:
# normalize and redact are checked byte for byte at the upstream against
# bodies this test computes itself (Python), requests with nothing to change
# arrive identical, block names the rule, the JSON path and the exchange to
# look at, gzip, deflate, zstd and br bodies are scanned (and a bomb
# refused), the first matching policy rule wins, alerts go to stderr and
# (in a user and mount namespace with its own /dev/log) to syslog, and
# the audit log keeps the original body and every change, and verifies.
. "$(dirname "$0")/lib.sh"
status=0 out= err=

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap 'stop_all; rm -rf "$TMP"' EXIT

san_env=()
[ -n "${ASAN_OPTIONS:-}" ] && san_env+=("ASAN_OPTIONS=$ASAN_OPTIONS")
[ -n "${UBSAN_OPTIONS:-}" ] && san_env+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")

# start NAME ARGS...: run overt in the background; $addr gets where it listens.
start() {
	local name=$1
	shift
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "${san_env[@]}" "$OVERT" "$@" \
		--listen 127.0.0.1:0 --ready-file "$TMP/$name.ready" 2>"$TMP/$name.err" &
	pids+=($!)
	for _ in $(seq 400); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
	addr=$(cat "$TMP/$name.ready" 2>/dev/null) || { echo "FAIL: $name did not start" >&2; cat "$TMP/$name.err" >&2; exit 1; }
}

# post NAME URL FILE [curl args...]: reply in $TMP/NAME.out, status in $code.
post() {
	local name=$1 url=$2 file=$3
	shift 3
	code=$(curl -sS -m 30 -o "$TMP/$name.out" -w '%{http_code}' -H 'content-type: application/json' \
		--data-binary "@$file" "$@" "$url")
}

# The last request the mock recorded, as bytes, and its headers.
last_body() { python3 "$TMP/h.py" last "$TMP/rec" body; }
nrec() { ls "$TMP/rec" | grep -c '^[0-9]' || true; }

cat > "$TMP/h.py" <<'PY'
import base64, hashlib, json, os, sys, zlib

def raw(s):
    return s.encode("utf-8")

# The normalize body: two strings with findings, the rest must not move.
S_IN = "Today\\u2019s date is 2026/06/30. Don\u2019t stop\u2014ok \uff21\uff22 x\\u00a0y \\\\u2019 kept"
S_OUT = "Today's date is 2026-06-30. Don't stop-ok AB x y \\\\u2019 kept"
U_IN = ("hi\\u200b there \\udb40\\udc68\U000E0069 \u201cq\u201d and \uff02 end\\u202e!")
U_OUT = "hi there  \\\"q\\\" and \\\" end!"
TEMPLATE = ('{ "model" : "claude-x", "max_tokens": 1.50e+2,\n  "system": "%s",\n'
            '  "messages": [{"role": "user", "content": "%s"},\n'
            '               {"role": "assistant", "content": "plain \\u00e9t\\u00e9 text"}],\n'
            '  "meta\\u200bdata": "k"}\n')
TAGS = "\U000E0041\U000E0042"
REDACT_T = ('{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":'
            '"tool_result","tool_use_id":"t1","content":"result A %s end"}]},'
            '{"role":"assistant","content":"ok"},{"role":"user","content":"again %s!"}]}')

def placeholder(rule, secret):
    return "[REDACTED:%s:sha256:%s]" % (rule, hashlib.sha256(raw(secret)).hexdigest()[:8])

def make(d):
    w = lambda n, b: open(os.path.join(d, n), "wb").write(b)
    w("norm.json", raw(TEMPLATE % (S_IN, U_IN)))
    w("norm.expect", raw(TEMPLATE % (S_OUT, U_OUT)))
    w("red.json", raw(REDACT_T % (TAGS, TAGS)))
    p = placeholder("tag.smuggled-text", TAGS)
    w("red.expect", raw(REDACT_T % (p, p)))
    w("clean.json", b'{ "model":"m" ,"max_tokens" : 5e0, "messages":[{"role":"user",'
      b'"content":"caf\\u00e9 \\"quoted\\" \\/ path \xc3\xa9"}] }')
    w("zw.json", raw('{"model":"m","messages":[{"role":"user","content":"a\u200bb and c\u200bd"}]}'))
    w("quote.json", raw('{"model":"m","messages":[{"role":"user","content":"say \u201chi\u201d, \\"x\\" \\"y\\" \\"z\\""}]}'))
    # Tool-call arguments: JSON text in a string, written with ensure_ascii,
    # so its covert characters travel as "\\u200b" in the body.
    def call(args):
        return json.dumps({"model": "m", "messages": [
            {"role": "user", "content": "write it"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
             "function": {"name": "write", "arguments": json.dumps(args)}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "done"}]}).encode()
    w("tool.json", call({"path": "notes\u200b.txt", "text": "it\u2019s \\u2019 \uff02ok\uff02"}))
    w("tool.expect", call({"path": "notes.txt", "text": "it's \\u2019 \"ok\""}))
    b = open(os.path.join(d, "red.json"), "rb").read()
    w("red.gz", zlib_gzip(b))
    w("red.deflate", zlib.compress(b))
    raw_deflate = zlib.compressobj(wbits=-15)
    w("red.rawdeflate", raw_deflate.compress(b) + raw_deflate.flush())
    w("clean.gz", zlib_gzip(open(os.path.join(d, "clean.json"), "rb").read()))
    w("norm.gz", zlib_gzip(open(os.path.join(d, "norm.json"), "rb").read()))
    w("bomb.gz", zlib_gzip(b"[" + b" " * (8 << 20) + b"]"))
    w("bad.gz", zlib_gzip(b)[:-12])

def zlib_gzip(b):
    c = zlib.compressobj(wbits=31)
    return c.compress(b) + c.flush()

def last(rec, what):
    files = sorted(f for f in os.listdir(rec) if f.endswith(".json") and f[0].isdigit())
    d = json.load(open(os.path.join(rec, files[-1])))
    if what == "headers":
        for k, v in d["headers"]:
            print("%s: %s" % (k.lower(), v))
        return
    body = base64.b64decode(d["body_base64"]) if "body_base64" in d else d["body"].encode()
    sys.stdout.buffer.write(body)

if sys.argv[1] == "make":
    make(sys.argv[2])
elif sys.argv[1] == "last":
    last(sys.argv[2], sys.argv[3])
PY
python3 "$TMP/h.py" make "$TMP"
zstd -q -c "$TMP/red.json" > "$TMP/red.zst"
brotli -c "$TMP/red.json" > "$TMP/red.br"

start mock mock --record "$TMP/rec" --quiet
mock=$addr

# ---- normalize, byte for byte, with the audit log ----
start norm proxy --upstream "http://$mock" --action normalize --action-at low --db "$TMP/norm.db"
post n1 "http://$addr/v1/messages" "$TMP/norm.json"
[ "$code" = 200 ] && ok || fail "normalize: status $code"
last_body > "$TMP/n1.got"
cmp -s "$TMP/n1.got" "$TMP/norm.expect" && ok || fail "normalize: upstream got $(cat "$TMP/n1.got")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/n1.got" && ok || fail "normalized body is not JSON"
post nt "http://$addr/v1/chat/completions" "$TMP/tool.json"
[ "$code" = 200 ] && ok || fail "normalize tool arguments: status $code"
last_body > "$TMP/nt.got"
cmp -s "$TMP/nt.got" "$TMP/tool.expect" && ok || fail "normalize tool arguments: upstream got $(cat "$TMP/nt.got")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
json.loads(d["messages"][1]["tool_calls"][0]["function"]["arguments"])' "$TMP/nt.got" \
	&& ok || fail "normalized tool arguments are not JSON inside JSON"
post n2 "http://$addr/v1/messages" "$TMP/clean.json"
last_body > "$TMP/n2.got"
cmp -s "$TMP/n2.got" "$TMP/clean.json" && ok || fail "a clean body changed on its way: $(cat "$TMP/n2.got")"
# A gzip body that normalize changes goes out plain, without Content-Encoding.
post n3 "http://$addr/v1/messages" "$TMP/norm.gz" -H 'content-encoding: gzip'
[ "$code" = 200 ] && ok || fail "normalize gzip: status $code"
last_body > "$TMP/n3.got"
cmp -s "$TMP/n3.got" "$TMP/norm.expect" && ok || fail "normalize gzip: upstream got other bytes"
python3 "$TMP/h.py" last "$TMP/rec" headers > "$TMP/n3.headers"
grep -qi '^content-encoding' "$TMP/n3.headers" && fail "content-encoding kept on a rewritten body" || ok
# A gzip body nothing changes goes out as it came, compressed (the mock
# does not decode bodies, so it answers 400: its recording is what counts).
post n4 "http://$addr/v1/messages" "$TMP/clean.gz" -H 'content-encoding: gzip'
last_body > "$TMP/n4.got"
cmp -s "$TMP/n4.got" "$TMP/clean.gz" && ok || fail "clean gzip body not forwarded as sent"
python3 "$TMP/h.py" last "$TMP/rec" headers > "$TMP/n4.headers"
grep -qi '^content-encoding: gzip' "$TMP/n4.headers" && ok || fail "content-encoding dropped from an unchanged body"
kill -TERM "${pids[1]}"; wait "${pids[1]}" || true

run "$OVERT" log verify --db "$TMP/norm.db"
expect_status 0 "audit log with changes verifies"
q() { sqlite3 "$TMP/norm.db" "$1"; }
[ "$(q "SELECT replacement FROM changes WHERE exchange_id=1 AND codepoint=8217 LIMIT 1")" = "'" ] && ok || fail "change U+2019 -> ' not recorded"
[ "$(q "SELECT count(*) FROM changes WHERE exchange_id=1 AND codepoint=47 AND replacement='-' AND json_path='\$.system'")" = 2 ] && ok || fail "date separator changes not recorded"
[ "$(q "SELECT count(*) FROM changes WHERE exchange_id=3")" = 0 ] && ok || fail "changes recorded for a clean body"
[ "$(q "SELECT count(*) FROM chain WHERE tbl='changes'")" = "$(q "SELECT count(*) FROM changes")" ] && ok || fail "changes not in the hash chain"
run "$OVERT" log export --db "$TMP/norm.db" --format jsonl
python3 - "$TMP/out" "$TMP/norm.json" <<'PY' && ok || fail "audit log does not keep the original body"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows[0]["request_body"].encode() == open(sys.argv[2], "rb").read()
assert rows[0]["action"] == "normalize", rows[0]["action"]
assert rows[3]["request_body"].encode() == open(sys.argv[2], "rb").read()  # gzip, decoded
c = rows[0]["changes"][0]
assert c["action"] == "normalize" and c["json_path"] == "$.system", c
assert c["codepoint"] == "U+2019" and c["replacement"] == "'" and c["byte_length"] == 6, c
assert "changes" not in rows[2]  # the clean body
PY
# Export, import into a new log, export again: the same lines, changes included.
cp "$TMP/out" "$TMP/export1.jsonl"
run "$OVERT" log import --db "$TMP/copy.db" "$TMP/export1.jsonl"
expect_status 0 "import an export with changes"
run "$OVERT" log export --db "$TMP/copy.db" --format jsonl
python3 - "$TMP/out" "$TMP/export1.jsonl" <<'PY' && ok || fail "export after import differs"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
for r in a + b:
    r.pop("id"); r.pop("time")
assert a == b
PY
run "$OVERT" log export --db "$TMP/norm.db" --format har
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["log"]["entries"][0]["_overt"]
assert e["changes"][0]["replacement"] == "\x27", e' "$TMP/out" && ok || fail "HAR export lacks the changes"
run "$OVERT" log show 1 --db "$TMP/norm.db"
expect_out "changes to the forwarded body" "log show lists the changes"
expect_out "U+2019 (3 bytes) -> \"'\"" "log show: old code point -> new"
# Tamper with a change: verify must notice.
cp "$TMP/norm.db" "$TMP/tampered.db"
sqlite3 "$TMP/tampered.db" "UPDATE changes SET replacement='x' WHERE id=1"
run "$OVERT" log verify --db "$TMP/tampered.db"
expect_status 1 "an edited change is caught"; expect_err "changes row 1" "an edited change is caught"

# ---- redact: stable placeholders ----
printf '{"policy": [{"rule": "tag.*", "action": "redact"}]}' > "$TMP/redact.json"
start red proxy --upstream "http://$mock" --config "$TMP/redact.json" --db "$TMP/red.db"
post r1 "http://$addr/v1/messages" "$TMP/red.json"
[ "$code" = 200 ] && ok || fail "redact: status $code"
last_body > "$TMP/r1.got"
cmp -s "$TMP/r1.got" "$TMP/red.expect" && ok || fail "redact: upstream got $(cat "$TMP/r1.got")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/r1.got" && ok || fail "redacted body is not JSON"

# ---- redact secrets, and never keep one in clear ----
# Only once the scanner has secret rules (src/scan/secrets.c); a made-up
# key of the right shape, never a real one.
python3 - "$TMP" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
k = "sk-ant-api03-" + "A1b2C3d4E5f6G7h8I9j0" * 4 + "-xyzwAA"
t = ('{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result",'
     '"tool_use_id":"t","content":"export ANTHROPIC_API_KEY=%s\\nok"}]},'
     '{"role":"user","content":"again %s"}]}')
p = "[REDACTED:secret.anthropic-key:sha256:%s]" % hashlib.sha256(k.encode()).hexdigest()[:8]
open(d + "/sec.json", "w").write(t % (k, k))
open(d + "/sec.expect", "w").write(t % (p, p))
open(d + "/sec.key", "w").write(k)
m = (p + "*" * len(k))[:len(k)]
open(d + "/sec.masked", "w").write(t % (m, m))
PY
"$OVERT" scan --format json "$TMP/sec.json" > "$TMP/sec.scan" 2>/dev/null || true
if grep -q '"category":"secret"' "$TMP/sec.scan"; then
	printf '{"policy": [{"category": "secret", "origin": "user", "action": "alert"},
	  {"category": "secret", "action": "redact"}], "syslog_facility": "none"}' > "$TMP/secret.json"
	start sec proxy --upstream "http://$mock" --config "$TMP/secret.json" --db "$TMP/sec.db"
	secpid=${pids[-1]}
	post s1 "http://$addr/v1/messages" "$TMP/sec.json"
	[ "$code" = 200 ] && ok || fail "redact secret: status $code"
	last_body > "$TMP/s1.got"
	python3 - "$TMP/s1.got" "$TMP/sec.expect" <<'PY' && ok || fail "secret redaction at the upstream: $(cat "$TMP/s1.got")"
import sys
got, want = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
# The first key (tool_result) is redacted; the second (user) only alerted.
w = want.decode()
first = w.index("[REDACTED")
key = open(sys.argv[1].replace("s1.got", "sec.key")).read()
w2 = w[:w.index("[REDACTED", first + 1)] + key + w[w.index("]", w.index("[REDACTED", first + 1)) + 1:]
assert got.decode() == w2, (got, w2)
PY
	# In a header: the request's own API key is no finding to act on; any
	# other header cannot be redacted without changing the request, so it
	# is refused.
	post s2 "http://$addr/v1/messages" "$TMP/clean.json" -H "x-api-key: $(cat "$TMP/sec.key")"
	[ "$code" = 200 ] && ok || fail "the API key header was acted on: $code"
	post s3 "http://$addr/v1/messages" "$TMP/clean.json" -H "x-debug-token: $(cat "$TMP/sec.key")"
	[ "$code" = 403 ] && grep -q 'secret.anthropic-key; first at header:x-debug-token' "$TMP/s3.out" \
		&& ok || fail "a secret in a header: $code $(cat "$TMP/s3.out")"
	kill -TERM "$secpid"; wait "$secpid" || true
	grep -qF "$(cat "$TMP/sec.key")" "$TMP/sec.err" && fail "a secret in clear on stderr" || ok
	grep -q "ALERT #1 POST /v1/messages: critical secret.anthropic-key (user)" "$TMP/sec.err" \
		&& ok || fail "secret alert line: $(cat "$TMP/sec.err")"
	run "$OVERT" log export --db "$TMP/sec.db" --format jsonl
	python3 - "$TMP/out" "$TMP/sec.masked" "$TMP/sec.key" <<'PY' && ok || fail "audit log body: $(head -c 600 "$TMP/out")"
import json, sys
row = json.loads(open(sys.argv[1]).readline())
key = open(sys.argv[3]).read()
assert key not in open(sys.argv[1]).read()
assert row["request_body"] == open(sys.argv[2]).read(), row["request_body"]
assert [c["action"] for c in row["changes"]] == ["redact"], row["changes"]
assert row["changes"][0]["replacement"].startswith("[REDACTED:secret.anthropic-key:sha256:")
PY
	run "$OVERT" log verify --db "$TMP/sec.db"
	expect_status 0 "audit log with redactions verifies"
else
	echo "skip: the scanner has no secret rules yet; secret redaction not checked" >&2
fi

# ---- block: the rule, the path, the way to the details ----
printf '{"policy": [{"category": "tag", "origin": "tool_result", "action": "block"}], "db": "%s"}' \
	"$TMP/block.db" > "$TMP/block.json"
start block proxy --upstream "http://$mock" --config "$TMP/block.json"
block=$addr
blockpid=${pids[-1]}
before=$(nrec)
post b1 "http://$block/v1/messages" "$TMP/red.json"
[ "$code" = 403 ] && ok || fail "block: status $code"
[ "$(nrec)" = "$before" ] && ok || fail "a blocked request reached the upstream"
python3 - "$TMP/b1.out" "$TMP/block.db" <<'PY' && ok || fail "block message: $(cat "$TMP/b1.out")"
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["type"] == "error" and d["error"]["type"] == "permission_error", d
m = d["error"]["message"]
assert "tag.smuggled-text" in m and "$.messages[0].content[0].content" in m, m
assert re.search(r"overt log show 1 --db " + re.escape(sys.argv[2]), m), m
PY
kill -TERM "$blockpid"; wait "$blockpid" || true
run "$OVERT" log show 1 --db "$TMP/block.db"
expect_status 0 "log show of the blocked exchange"; expect_out "tag.smuggled-text (tool_result)" "log show of the blocked exchange"
expect_out "action: block" "log show of the blocked exchange"

# ---- compressed bodies are scanned ----
start cblock proxy --upstream "http://$mock" --config "$TMP/block.json" --db "$TMP/cblock.db" --max-body 1M
for enc in gzip:red.gz deflate:red.deflate deflate:red.rawdeflate zstd:red.zst br:red.br; do
	post c "http://$addr/v1/messages" "$TMP/${enc#*:}" -H "content-encoding: ${enc%%:*}"
	[ "$code" = 403 ] && grep -q "tag.smuggled-text" "$TMP/c.out" && ok || fail "${enc#*:}: tag payload not found in the ${enc%%:*} body (status $code)"
done
post bomb "http://$addr/v1/messages" "$TMP/bomb.gz" -H 'content-encoding: gzip'
[ "$code" = 413 ] && ok || fail "gzip bomb: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["type"] == "error" and "limit" in d["error"]["message"], d' \
	"$TMP/bomb.out" && ok || fail "bomb reply format: $(cat "$TMP/bomb.out")"
post bad "http://$addr/v1/chat/completions" "$TMP/bad.gz" -H 'content-encoding: gzip'
[ "$code" = 400 ] && ok || fail "truncated gzip: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["error"]["type"] == "invalid_request_error", d' \
	"$TMP/bad.out" && ok || fail "truncated gzip reply format (OpenAI): $(cat "$TMP/bad.out")"
post unk "http://$addr/v1/messages" "$TMP/red.json" -H 'content-encoding: compress'
[ "$code" = 415 ] && ok || fail "unknown encoding: status $code"

# ---- policy precedence: the first matching rule wins ----
printf '{"policy": [{"rule": "tag.smuggled-text", "action": "log"}, {"category": "tag", "action": "block"}],
  "action": "block", "action_at": "medium"}' > "$TMP/p1.json"
printf '{"policy": [{"category": "tag", "action": "block"}, {"rule": "tag.smuggled-text", "action": "log"}]}' > "$TMP/p2.json"
start p1 proxy --upstream "http://$mock" --config "$TMP/p1.json"
p1=$addr
start p2 proxy --upstream "http://$mock" --config "$TMP/p2.json"
p2=$addr
post pa "http://$p1/v1/messages" "$TMP/red.json"
[ "$code" = 200 ] && ok || fail "p1: an earlier log rule did not win: $code"
post pb "http://$p2/v1/messages" "$TMP/red.json"
[ "$code" = 403 ] && ok || fail "p2: an earlier block rule did not win: $code"
post pc "http://$p1/v1/messages" "$TMP/zw.json"
[ "$code" = 403 ] && ok || fail "p1: the default action did not apply to a finding no rule names: $code"
post pd "http://$p1/v1/messages" "$TMP/quote.json"
[ "$code" = 200 ] && ok || fail "p1: the default action applied below action_at: $code"

# ---- alert: one line per finding on stderr ----
printf '{"policy": [{"category": "invisible", "action": "alert"}], "syslog_facility": "user"}' > "$TMP/alert.json"
start alert proxy --upstream "http://$mock" --config "$TMP/alert.json"
post al "http://$addr/v1/messages" "$TMP/zw.json"
[ "$code" = 200 ] && ok || fail "alert: status $code"
[ "$(grep -c 'overt: ALERT #1 POST /v1/messages: medium invisible.zero-width (user) \$.messages\[0\].content byte' "$TMP/alert.err")" = 2 ] \
	&& ok || fail "alert lines: $(cat "$TMP/alert.err")"

# ---- alert: the same line in syslog, at the configured facility ----
# In a user and mount namespace, /dev is a fresh tmpfs whose /dev/log is a
# datagram socket this test reads, as syslogd would.
if unshare -rm true 2>/dev/null; then
	cat > "$TMP/syslog.sh" <<'SH'
set -eu
mkdir -p "$TMP/olddev"
mount --rbind /dev "$TMP/olddev"
mount -t tmpfs none /dev
for d in null zero urandom random; do touch /dev/$d; mount --bind "$TMP/olddev/$d" /dev/$d; done
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1] + ".up", "w").close()
s.settimeout(60)
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
' "$TMP/syslog.got" &
rx=$!
for _ in $(seq 200); do [ -e "$TMP/syslog.got.up" ] && break; sleep 0.05; done
"$OVERT" proxy --upstream "http://$MOCK" --config "$TMP/alert.json" --listen 127.0.0.1:0 \
	--ready-file "$TMP/sl.ready" 2>"$TMP/sl.err" &
px=$!
for _ in $(seq 400); do [ -s "$TMP/sl.ready" ] && break; sleep 0.05; done
curl -sS -m 30 -o /dev/null -H 'content-type: application/json' --data-binary "@$TMP/zw.json" \
	"http://$(cat "$TMP/sl.ready")/v1/messages"
for _ in $(seq 200); do [ "$(grep -c ALERT "$TMP/syslog.got" 2>/dev/null)" = 2 ] && break; sleep 0.05; done
kill $px $rx 2>/dev/null || true
wait 2>/dev/null || true
SH
	env TMP="$TMP" OVERT="$OVERT" MOCK="$mock" unshare -rm bash "$TMP/syslog.sh" || true
	# user (1) * 8 + warning (4) = 12
	[ "$(grep -c '^<12>.*overt\[[0-9]*\]: ALERT #1 POST /v1/messages: medium invisible.zero-width (user)' "$TMP/syslog.got")" = 2 ] \
		&& ok || fail "syslog lines: $(cat "$TMP/syslog.got" 2>/dev/null)"
else
	echo "skip: no user namespaces, syslog not checked" >&2
fi

# ---- configuration errors name the setting ----
printf '{"routes": [{"prefix": "/", "upstream": "http://127.0.0.1:9"}], "policy": [{"rule": "x", "acton": "block"}]}' > "$TMP/typo.json"
run "$OVERT" proxy --config "$TMP/typo.json"
expect_status 3 "policy typo"; expect_err "unknown policy setting 'acton'" "policy typo"
printf '{"routes": [{"prefix": "/", "upstream": "http://127.0.0.1:9"}], "policy": [{"rule": "x"}]}' > "$TMP/noact.json"
run "$OVERT" proxy --config "$TMP/noact.json"
expect_status 3 "policy rule without action"; expect_err "needs an \"action\"" "policy rule without action"
printf '{"routes": [{"prefix": "/", "upstream": "http://127.0.0.1:9"}], "policy": [{"origin": "tools", "action": "log"}]}' > "$TMP/origin.json"
run "$OVERT" proxy --config "$TMP/origin.json"
expect_status 3 "bad origin"; expect_err "tool_result" "bad origin"
run "$OVERT" proxy --upstream http://127.0.0.1:9 --action shout
expect_status 2 "bad --action"; expect_err "normalize" "bad --action"

finish
