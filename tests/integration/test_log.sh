#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt log against real SQLite files: import from JSON Lines, list, show,
# export (round trip byte for byte), HAR, stats, verify, tampering with the
# sqlite3 CLI, kill -9 in the middle of a write, and the exit codes.
. "$(dirname "$0")/lib.sh"

# 60 exchanges: two growing conversations, findings, a body that is not UTF-8.
# Written the way overt writes JSON: everything outside printable ASCII as
# \uXXXX, so the export can be compared byte for byte.
python3 - > gen.jsonl <<'PY'
import base64, datetime, json
def enc(v):
    if v is None: return "null"
    if isinstance(v, int): return str(v)
    if isinstance(v, list): return "[" + ",".join(enc(x) for x in v) + "]"
    if isinstance(v, dict): return "{" + ",".join(enc(k) + ":" + enc(x) for k, x in v.items()) + "}"
    out = []
    for ch in v:
        c = ord(ch)
        if ch in '"\\': out.append("\\" + ch)
        elif 0x20 <= c < 0x7f: out.append(ch)
        elif c >= 0x10000:
            c -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff)))
        else: out.append("\\u%04x" % c)
    return '"' + "".join(out) + '"'
hist = {"a": "", "b": ""}
for i in range(1, 61):
    conv = "ab"[i % 2]
    hist[conv] += "turn %d: %s\n" % (i, "lorem ipsum \u2019 dolor \U0001F600 " * (i % 7 + 3))
    req = json.dumps({"messages": [{"role": "user", "content": hist[conv]}]})
    ms = 1782820800000 + i * 1500
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    o = {"schema": 1, "id": i,
         "time": t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000),
         "time_ms": ms, "client": "127.0.0.1:%d" % (40000 + i),
         "route": ["anthropic", "openai", "gemini"][i % 3], "method": "POST",
         "path": "/v1/messages", "status": 200 if i % 10 else 503,
         "ttfb_ms": 100 + i, "total_ms": 900 + i, "request_bytes": len(req.encode()),
         "response_bytes": 20,
         "api_key": {"fingerprint": "sha256:00112233445566%02x" % i, "last4": "ab%02d" % i} if i % 4 else None,
         "action": ["log", "alert", "normalize", "redact", "block"][i % 5],
         "conversation": "conv-" + conv, "request_body": req}
    if i % 9 == 0:
        o["response_body"] = base64.b64encode(b"\xff\xfe binary \x00").decode()
        o["response_body_encoding"] = "base64"
    else:
        o["response_body"] = 'data: {"type":"message_stop"}\n\n' if i % 5 else None
    o["findings"] = [{"rule": "lookalike.apostrophe", "category": "lookalike",
                      "severity": ["info", "low", "medium", "high", "critical"][(i + k) % 5],
                      "origin": "user", "json_path": "$.messages[0].content",
                      "byte_offset": 40 + k, "codepoint": "U+2019" if k else None,
                      "action": "alert"} for k in range(i % 3)]
    print(enc(o))
PY

run "$OVERT" log import --db a.db gen.jsonl
expect_status 0 "import"
[ "$(stat -c %a a.db)" = 600 ] && ok || fail "a.db is not mode 600"
sum_before=$(sha256sum a.db)

# Reading: list, filters, show, stats; the file is never changed.
run "$OVERT" log list --db a.db
expect_status 0 "list"
[ "$(wc -l < "$TMP/out")" -eq 60 ] && ok || fail "list: expected 60 lines"
expect_out "anthropic  POST /v1/messages  200" "list"
run "$OVERT" log list --db a.db --format json --min-severity critical --route openai
expect_status 0 "list filtered"
expect_json_lines "list filtered"
expect_out '"route":"openai"' "list filtered"
grep -q '"route":"gemini"' "$TMP/out" && fail "--route let gemini through" || ok
run "$OVERT" log list --db a.db --since 1782820800000 --limit 5
[ "$(wc -l < "$TMP/out")" -eq 5 ] && ok || fail "--limit 5"
run "$OVERT" log list --db a.db --since 2100-01-01
expect_status 0 "since the future"; [ -z "$out" ] && ok || fail "--since in the future lists something"
run "$OVERT" log show --db a.db 9
expect_status 0 "show"
expect_out "exchange 9" "show"; expect_out "\\xFF\\xFE binary \\u{0000}" "show escapes the binary body"
expect_out "api key: sha256:0011223344556609 (ends ab09)" "show key"
run "$OVERT" log show --db a.db --format json 5
expect_status 0 "show json"; expect_json_lines "show json"
run "$OVERT" log show --db a.db 999
expect_status 4 "show missing id"; expect_err "no exchange 999" "show missing id"
run "$OVERT" log stats --db a.db
expect_status 0 "stats"; expect_out "exchanges: 60" "stats"; expect_out "ratio" "stats"
run "$OVERT" log stats --db a.db --format json
expect_status 0 "stats json"; expect_json_lines "stats json"
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1 and d["exchanges"] == 60, d
assert d["by_route"] == {"anthropic": 20, "gemini": 20, "openai": 20}, d
assert d["compression_ratio"] > 3, d' "$TMP/out" && ok || fail "stats json content"

# Export: the input again, byte for byte, and a HAR that parses.
run "$OVERT" log export --db a.db
expect_status 0 "export"
cmp -s "$TMP/out" gen.jsonl && ok || fail "export differs from the imported file: $(diff <(echo "$out") gen.jsonl | head -5)"
cp "$TMP/out" e1.jsonl
run "$OVERT" log import --db b.db e1.jsonl
run "$OVERT" log export --db b.db
cmp -s "$TMP/out" e1.jsonl && ok || fail "second round trip differs"
run "$OVERT" log export --db a.db --format har --rule lookalike.apostrophe
expect_status 0 "har"
python3 -c 'import json,sys
h = json.load(open(sys.argv[1]))["log"]
assert h["version"] == "1.2"
assert len(h["entries"]) == 40, len(h["entries"])
e = h["entries"][0]
assert json.loads(e["request"]["postData"]["text"])["messages"]
assert e["response"]["status"] in (200, 503)' "$TMP/out" && ok || fail "har structure"

# Verify: clean, then tampered with the sqlite3 CLI.
run "$OVERT" log verify --db a.db
expect_status 0 "verify"; expect_out "ok: " "verify"
[ "$(sha256sum a.db)" = "$sum_before" ] && ok || fail "reading changed the file"
cp a.db t.db; chmod 600 t.db
sqlite3 t.db "UPDATE findings SET severity = (severity + 1) % 5 WHERE id = 3"
run "$OVERT" log verify --db t.db
expect_status 1 "verify edited"; expect_err "findings row 3 does not match its hash" "verify edited"
expect_err "seq " "verify edited"
cp a.db t.db
sqlite3 t.db "DELETE FROM exchanges WHERE id = 10"
run "$OVERT" log verify --db t.db
expect_status 1 "verify deleted"; expect_err "exchanges row 10 is missing" "verify deleted"
cp a.db t.db
sqlite3 t.db "INSERT INTO findings SELECT 9999, exchange_id, rule, category, 4, origin, json_path, byte_offset, codepoint, action, prev_hash, hash FROM findings LIMIT 1"
run "$OVERT" log verify --db t.db
expect_status 1 "verify inserted"; expect_err "findings row 9999 is not in the chain" "verify inserted"

# kill -9 in the middle of a large import: what was committed verifies.
python3 - > big.jsonl <<'PY'
import json
body = ""
for i in range(1, 20001):
    body = body[-60000:] + "x%d " % i * 50
    print(json.dumps({"schema": 1, "time_ms": i, "route": "r", "action": "log",
                      "conversation": "c%d" % (i % 4), "request_body": body,
                      "findings": []}, separators=(",", ":")))
PY
"$OVERT" log import --db k.db big.jsonl & pid=$!
sleep 0.7
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
run "$OVERT" log verify --db k.db
expect_status 0 "verify after kill -9"
run "$OVERT" log stats --db k.db
expect_status 0 "stats after kill -9"; echo "kill -9 left: $(head -1 "$TMP/out")"

# The file's safety: world-readable and symlinked logs are refused for writing.
cp a.db w.db; chmod 644 w.db
run "$OVERT" log import --db w.db gen.jsonl
expect_status 4 "world-readable"; expect_err "chmod 600" "world-readable"
ln -s a.db l.db
run "$OVERT" log import --db l.db gen.jsonl
expect_status 4 "symlink"; expect_err "symlink" "symlink"

# Exit codes.
run "$OVERT" log verify --db missing.db
expect_status 4 "missing db"; expect_err "missing.db" "missing db"
printf 'not a database at all, just text that is long enough to be a header....' > junk.db
run "$OVERT" log list --db junk.db
expect_status 4 "not a database"; expect_err "junk.db" "not a database"
run "$OVERT" log frobnicate --db a.db
expect_status 2 "bad subcommand"
run "$OVERT" log
expect_status 2 "no subcommand"
run "$OVERT" log list
expect_status 2 "no --db"; expect_err "--db" "no --db"
run "$OVERT" log list --db a.db --format xml
expect_status 2 "bad format"
run "$OVERT" log export --db a.db --format text
expect_status 2 "export text"
run "$OVERT" log verify --db a.db --rule x
expect_status 2 "option that does not apply"
run "$OVERT" log show --db a.db abc
expect_status 2 "bad id"
run "$OVERT" log list --db a.db --min-severity severe
expect_status 2 "bad severity"
run "$OVERT" log --help
expect_status 0 "--help"; expect_out "usage: overt log" "--help"
run "$OVERT" log list --help
expect_status 0 "list --help"
run "$OVERT" help log
expect_status 0 "help log"
printf '{"schema":2}\n' > bad.jsonl
run "$OVERT" log import --db c.db bad.jsonl
expect_status 4 "import bad schema"; expect_err "bad.jsonl' line 1" "import bad schema"

finish
