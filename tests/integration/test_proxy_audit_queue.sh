#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt proxy with a full audit queue: a tiny queue (OVERT_AUDIT_QUEUE_MAX)
# and a writer held up by another process holding SQLite's write lock
# (BEGIN EXCLUSIVE from python3).  Once the queue has no room, requests get
# a 503 in the API's error format and never reach the upstream (overt mock
# --record); with --fail-open they are forwarded with an ALARM line.
. "$(dirname "$0")/lib.sh"

pids=()
stop_all() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap 'stop_all; rm -rf "$TMP"' EXIT

san_env=()
[ -n "${ASAN_OPTIONS:-}" ] && san_env+=("ASAN_OPTIONS=$ASAN_OPTIONS")
[ -n "${UBSAN_OPTIONS:-}" ] && san_env+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")

# start NAME ENV... -- ARGS...: overt ARGS in the background; $addr is where.
start() {
	local name=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "${san_env[@]}" "${envs[@]}" "$OVERT" "$@" \
		--listen 127.0.0.1:0 --ready-file "$TMP/$name.ready" 2>"$TMP/$name.err" &
	pids+=($!)
	for _ in $(seq 400); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
	addr=$(cat "$TMP/$name.ready" 2>/dev/null) || { echo "FAIL: $name did not start" >&2; cat "$TMP/$name.err" >&2; exit 1; }
}

# lock DB: hold DB's write lock until killed; $lock is the holder's pid.
lock() {
	rm -f "$TMP/lock.ready"
	python3 -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").write("locked\n")
time.sleep(600)' "$1" "$TMP/lock.ready" &
	lock=$!
	pids+=($lock)
	for _ in $(seq 400); do [ -s "$TMP/lock.ready" ] && break; sleep 0.05; done
	[ -s "$TMP/lock.ready" ] || { echo "FAIL: cannot lock $1" >&2; exit 1; }
}

body='{"model":"m","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}'
post() {
	code=$(curl -s -o "$TMP/reply" -w '%{http_code}' --max-time 30 -H 'content-type: application/json' \
		-d "$body" "http://$1/v1/messages") || code=000
}
recorded() { find "$1" -name '[0-9]*.json' | wc -l; }

start mock -- mock --record "$TMP/rec"
mock=$addr

# 1. Fail closed.  The writer takes what arrives within its batch time into
# a transaction and blocks on the lock; the records after it fill the queue
# and stay there.  Send requests one at a time until three in a row are
# refused (a refusal before the writer blocked may be followed by room).
start p1 OVERT_AUDIT_QUEUE_MAX=2 -- proxy --upstream "http://$mock" --db "$TMP/q.db"
p1=$addr
lock "$TMP/q.db"
status=0 out= err=
answered=0 refused=0 inarow=0
for _ in $(seq 40); do
	post "$p1"
	if [ "$code" = 200 ]; then
		answered=$((answered + 1)) inarow=0
	else
		[ "$refused" -eq 0 ] && cp "$TMP/reply" "$TMP/first503"
		refused=$((refused + 1)) inarow=$((inarow + 1))
		[ "$code" = 503 ] || break
		[ "$inarow" -eq 3 ] && break
	fi
done
[ "$code" = 503 ] && [ "$inarow" -eq 3 ] && ok \
	|| fail "a full audit queue: got $code, $answered answered, $refused refused"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["error"]
assert d["type"] == "error" and e["type"] == "overloaded_error", d
assert "audit log" in e["message"] and "queue is full" in e["message"], e' "$TMP/first503" \
	&& ok || fail "503 reply: $(cat "$TMP/first503")"
[ "$answered" -ge 2 ] && ok || fail "only $answered answered before the queue was full"
# Nothing refused reached the upstream: it saw exactly the answered ones.
[ "$(recorded "$TMP/rec")" -eq "$answered" ] && ok \
	|| fail "upstream saw $(recorded "$TMP/rec") requests, $answered answered"
grep -q "refused: its write queue is full" "$TMP/p1.err" && ok || fail "no stderr line: $(cat "$TMP/p1.err")"
kill "$lock" || true
wait "$lock" 2>/dev/null || true
run "$OVERT" log verify --db "$TMP/q.db"
expect_status 0 "log verifies after a full queue"

# 2. Fail open: the same, but requests go on being forwarded, with an alarm.
before=$(recorded "$TMP/rec")
start p2 OVERT_AUDIT_QUEUE_MAX=2 -- proxy --upstream "http://$mock" --db "$TMP/o.db" --fail-open
p2=$addr
lock "$TMP/o.db"
answered=0
for _ in $(seq 6); do
	post "$p2"
	[ "$code" = 200 ] && answered=$((answered + 1))
done
[ "$answered" -eq 6 ] && ok || fail "fail-open: $answered of 6 answered"
[ "$(recorded "$TMP/rec")" -eq $((before + 6)) ] && ok || fail "fail-open: upstream did not see all 6"
grep -q "ALARM: .* forwarded without an audit record: its write queue is full" "$TMP/p2.err" \
	&& ok || fail "fail-open: no alarm: $(cat "$TMP/p2.err")"
kill "$lock" || true

# 3. A bad value is a configuration error.
run env OVERT_AUDIT_QUEUE_MAX=lots "$OVERT" proxy --upstream http://127.0.0.1:1
expect_status 3 "bad OVERT_AUDIT_QUEUE_MAX"; expect_err "OVERT_AUDIT_QUEUE_MAX" "bad value"

finish
