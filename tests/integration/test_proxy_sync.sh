#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt proxy --sync: a reply ends only once its exchange's audit record is
# committed.  N requests (plain and streamed) each get their whole reply,
# then the proxy is killed with SIGKILL at once: all N are in the log, which
# verifies; a block (403) is also sent only once recorded.  Also: replies
# are relayed chunked, and "sync": true in a configuration.
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

start() {
	local name=$1
	shift
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "${san_env[@]}" "$OVERT" "$@" \
		--listen 127.0.0.1:0 --ready-file "$TMP/$name.ready" 2>"$TMP/$name.err" &
	pids+=($!)
	last=$!
	for _ in $(seq 400); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
	addr=$(cat "$TMP/$name.ready" 2>/dev/null) || { echo "FAIL: $name did not start" >&2; cat "$TMP/$name.err" >&2; exit 1; }
}

start mock mock
mock=$addr

# post ADDR STREAM: one request; $code, and the reply's headers in $TMP/head.
post() {
	code=$(curl -s -D "$TMP/head" -o "$TMP/reply" -w '%{http_code}' --max-time 30 \
		-H 'content-type: application/json' \
		-d "{\"model\":\"m\",\"max_tokens\":8,\"stream\":$2,\"messages\":[{\"role\":\"user\",\"content\":\"hi $RANDOM\"}]}" \
		"http://$1/v1/messages") || code=000
}

start p1 proxy --upstream "http://$mock" --db "$TMP/s.db" --sync
p1=$addr pid1=$last
n=0
for i in $(seq 24); do
	if [ $((i % 3)) = 0 ]; then post "$p1" true; else post "$p1" false; fi
	[ "$code" = 200 ] && n=$((n + 1))
done
kill -9 "$pid1"
wait "$pid1" 2>/dev/null || true
[ "$n" = 24 ] && ok || fail "--sync: $n of 24 answered"
grep -qi '^transfer-encoding: chunked' "$TMP/head" && ok || fail "--sync reply not chunked: $(cat "$TMP/head")"
run "$OVERT" log verify --db "$TMP/s.db"
expect_status 0 "log verifies after kill -9"
run "$OVERT" log stats --db "$TMP/s.db"
expect_out "exchanges: 24" "every answered exchange is in the log after kill -9"
run "$OVERT" log show --db "$TMP/s.db" 24
expect_status 0 "the last exchange is readable"

# A refusal is held the same way: a block by policy, then kill -9 at once.
start p4 proxy --upstream "http://$mock" --db "$TMP/b.db" --sync --action block
p4=$addr pid4=$last
code=$(curl -s -o "$TMP/blocked" -w '%{http_code}' --max-time 30 -H 'content-type: application/json' \
	-d '{"model":"m","max_tokens":5,"system":"Today\u2019s date is 2026/06/30.","messages":[{"role":"user","content":"hi\u200b"}]}' \
	"http://$p4/v1/messages") || code=000
kill -9 "$pid4"
wait "$pid4" 2>/dev/null || true
[ "$code" = 403 ] && ok || fail "--sync block: $code $(cat "$TMP/blocked")"
run "$OVERT" log list --db "$TMP/b.db" --format json
expect_out '"action":"block"' "a blocked exchange is in the log after kill -9"

# While the writer cannot commit (another process holds the write lock),
# a reply is relayed but never ended: the client times out with a partial
# reply.  Once the lock is gone, the next reply ends normally.
start p3 proxy --upstream "http://$mock" --db "$TMP/l.db" --sync
p3=$addr pid3=$last
python3 -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").write("locked\n")
time.sleep(600)' "$TMP/l.db" "$TMP/lock.ready" &
lock=$!
pids+=($lock)
for _ in $(seq 400); do [ -s "$TMP/lock.ready" ] && break; sleep 0.05; done
cst=0
curl -s -o "$TMP/held" --max-time 1.5 -H 'content-type: application/json' \
	-d '{"model":"m","max_tokens":8,"messages":[{"role":"user","content":"held"}]}' \
	"http://$p3/v1/messages" || cst=$?
[ "$cst" = 28 ] && ok || fail "a reply whose record is not committed ended (curl exit $cst)"
grep -q '"type"' "$TMP/held" && ok || fail "the held reply was not relayed: $(cat "$TMP/held")"
kill "$lock" || true
wait "$lock" 2>/dev/null || true
post "$p3" false
[ "$code" = 200 ] && ok || fail "after the lock: $code"
kill -TERM "$pid3"
wait "$pid3" 2>/dev/null || true
run "$OVERT" log stats --db "$TMP/l.db"
expect_out "exchanges: 2" "the held exchange and the next are both in the log"

# The configuration file says the same; SIGTERM still ends cleanly.
cat > sync.json <<JSON
{"schema": 1, "routes": [{"prefix": "/", "upstream": "http://$mock"}], "db": "$TMP/c.db", "sync": true}
JSON
start p2 proxy --config sync.json
p2=$addr pid2=$last
for i in 1 2 3; do post "$p2" false; done
[ "$code" = 200 ] && ok || fail "config sync: $code"
kill -TERM "$pid2"
st=0; wait "$pid2" 2>/dev/null || st=$?
[ "$st" = 0 ] && ok || fail "--sync proxy exits $st on SIGTERM"
run "$OVERT" log stats --db "$TMP/c.db"
expect_out "exchanges: 3" "\"sync\": true in the configuration"

run "$OVERT" proxy --upstream "http://$mock" --sync
expect_status 2 "--sync without --db"; expect_err "add --db PATH" "--sync without --db"

finish
