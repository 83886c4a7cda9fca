#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt log verify --expect-head: a head recorded earlier must still be in
# the chain.  Appending keeps it; rewriting history with every hash
# recomputed (the formula of docs/AUDIT.md, in python3) passes a plain
# verify but not --expect-head; cutting entries off the end fails too.
. "$(dirname "$0")/lib.sh"

line() {
	printf '{"schema":1,"id":%d,"time":"x","time_ms":%d,"client":"127.0.0.1:1","route":"r","method":"POST","path":"/v1/messages","status":200,"ttfb_ms":1,"total_ms":2,"request_bytes":2,"response_bytes":2,"api_key":null,"action":"log","conversation":null,"request_body":"{}","response_body":"{}","findings":[]}\n' "$1" "$((1782820800000 + $1))"
}
for i in 1 2 3; do line "$i"; done > a.jsonl
for i in 4 5; do line "$i"; done > b.jsonl

run "$OVERT" log import --db h.db a.jsonl
expect_status 0 "import"
run "$OVERT" log verify --db h.db
expect_status 0 "verify"
head=$(sed -n 's/.*head \(sha256:[0-9a-f]*\).*/\1/p' "$TMP/out")
[ ${#head} -eq 71 ] && ok || fail "verify prints the head"

run "$OVERT" log verify --db h.db --expect-head "$head"
expect_status 0 "same head"; expect_out "expected head at seq" "same head"

run "$OVERT" log import --db h.db b.jsonl
expect_status 0 "append"
run "$OVERT" log verify --db h.db --expect-head "$head"
expect_status 0 "appended: head still in the chain"
expect_out "expected head at seq" "appended"
# The bare hex digits are accepted too.
run "$OVERT" log verify --db h.db --expect-head "${head#sha256:}"
expect_status 0 "hex alone"

run "$OVERT" log verify --db h.db --expect-head sha256:1234
expect_status 2 "malformed head"; expect_err "64 hex digits" "malformed head"
run "$OVERT" log verify --db h.db --expect-head "sha256:$(printf '%064d' 0)"
expect_status 1 "unknown head"; expect_err "rewritten or truncated" "unknown head"

# Rewrite history: change exchange 2's path, then recompute every hash
# from its entry on, as an attacker with write access to the file could.
cp h.db r.db
python3 - r.db <<'PY'
import hashlib, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
def ser(v):
    if v is None: return b"N"
    if isinstance(v, int): return b"I" + struct.pack(">q", v)
    if isinstance(v, str):
        b = v.encode()
        return b"T" + struct.pack(">Q", len(b)) + b
    return b"B" + struct.pack(">Q", len(v)) + bytes(v)
db.execute("UPDATE exchanges SET path = '/v1/rewritten' WHERE id = 2")
prev = b"\0" * 32
for seq, tbl, row in db.execute("SELECT seq, tbl, row_id FROM chain ORDER BY seq").fetchall():
    cols = [c[1] for c in db.execute("PRAGMA table_info(%s)" % tbl) if c[1] not in ("prev_hash", "hash")]
    vals = db.execute("SELECT %s FROM %s WHERE id = ?" % (",".join(cols), tbl), (row,)).fetchone()
    h = hashlib.sha256(prev + b"overt-audit-1\0" + struct.pack(">Q", seq) + ser(tbl) + b"".join(ser(v) for v in vals)).digest()
    db.execute("UPDATE chain SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
    db.execute("UPDATE %s SET prev_hash = ?, hash = ? WHERE id = ?" % tbl, (prev, h, row))
    prev = h
db.commit()
PY
run "$OVERT" log verify --db r.db
expect_status 0 "recomputed chain passes a plain verify (the gap --expect-head closes)"
run "$OVERT" log show --db r.db 2
expect_out "/v1/rewritten" "the rewrite took"
run "$OVERT" log verify --db r.db --expect-head "$head"
expect_status 1 "rewritten history"; expect_err "rewritten or truncated" "rewritten history"

# Truncation: cut the last entries (rows and chain) off the end.
cp h.db t.db
run "$OVERT" log verify --db t.db
last=$(sed -n 's/.*head \(sha256:[0-9a-f]*\).*/\1/p' "$TMP/out")
python3 - t.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
top = db.execute("SELECT max(seq) FROM chain").fetchone()[0]
for tbl, row in db.execute("SELECT tbl, row_id FROM chain WHERE seq > ?", (top - 3,)).fetchall():
    db.execute("DELETE FROM %s WHERE id = ?" % tbl, (row,))
db.execute("DELETE FROM chain WHERE seq > ?", (top - 3,))
db.commit()
PY
run "$OVERT" log verify --db t.db
expect_status 0 "truncated chain passes a plain verify"
run "$OVERT" log verify --db t.db --expect-head "$last"
expect_status 1 "truncated"; expect_err "rewritten or truncated" "truncated"

finish
