#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# proxy-instructions.sh - user-space instructions per request of `overt
# proxy`, counted by valgrind's callgrind (docs/BENCHMARKS.md, "Proxy
# benchmark").  Unlike wall-clock figures, the count does not move when
# other work shares the machine, so it compares two builds fairly on a busy
# one.  The proxy runs under callgrind in front of `overt mock`; after 20
# warm-up requests counting is switched on, N requests go through one
# keep-alive connection (curl --next), and after 1.5 s more (the audit
# writer commits its batch and goes idle) counting stops.  The kernel's
# share (socket copies, epoll) is not counted.
#
# Usage:
#   bench/proxy-instructions.sh [BUILD_DIR] [N]     # defaults: ./build 100
#
# Prints one line per case: the 200 KB bench_gen body and a small streamed
# request, each with and without --db.  Needs valgrind and curl.
set -euo pipefail

BUILD=${1:-./build}
N=${2:-100}
OVERT=${OVERT:-$BUILD/overt}
GEN=$BUILD/bench/bench_gen
for t in valgrind callgrind_control curl; do
	command -v "$t" > /dev/null || { echo "proxy-instructions.sh: '$t' not found (apt-get install -y valgrind curl)" >&2; exit 4; }
done
[[ -x $OVERT && -x $GEN ]] || { echo "proxy-instructions.sh: build overt and bench_gen in $BUILD first" >&2; exit 4; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/overt-proxy-instr.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
	wait 2> /dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

wait_file() {
	local i
	for i in $(seq 300); do [[ -s $1 ]] && return 0; sleep 0.1; done
	return 1
}

"$GEN" --kind ascii --size 200K --format raw --out "$WORK/big.tmp" 2> /dev/null
sed 's/"stream":true/"stream":false/' "$WORK/big.tmp" > "$WORK/big.json"
printf '%s' '{"model":"m","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}' \
	> "$WORK/small.json"

"$OVERT" mock --listen 127.0.0.1:0 --ready-file "$WORK/mock.addr" --quiet 2> /dev/null &
PIDS+=($!)
wait_file "$WORK/mock.addr" || { echo "proxy-instructions.sh: overt mock did not start" >&2; exit 4; }

# count NAME BODY [PROXY ARGS...] - one case; prints instructions per request.
count() {
	local name=$1 body=$2 dir=$WORK/$1 pid url i
	local hdr=(-H 'content-type: application/json' -H 'anthropic-version: 2023-06-01'
		-H 'x-api-key: sk-ant-bench-not-a-key')
	local reqs=()
	shift 2
	mkdir -p "$dir"
	valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$dir/cg.out" \
		"$OVERT" proxy --upstream "http://$(cat "$WORK/mock.addr")" --listen 127.0.0.1:0 \
		--ready-file "$dir/addr" "$@" 2> "$dir/log" &
	pid=$!
	PIDS+=("$pid")
	wait_file "$dir/addr" || { echo "proxy-instructions.sh: $name: the proxy did not start" >&2; exit 4; }
	url=http://$(cat "$dir/addr")/v1/messages
	for i in $(seq 20); do curl -sS -o /dev/null "${hdr[@]}" --data-binary @"$body" "$url"; done
	callgrind_control -i on "$pid" > /dev/null 2>&1
	for i in $(seq "$N"); do reqs+=(--next -sS -o /dev/null "${hdr[@]}" --data-binary @"$body" "$url"); done
	curl "${reqs[@]:1}"
	sleep 1.5
	callgrind_control -i off "$pid" > /dev/null 2>&1
	kill "$pid"
	wait "$pid" 2> /dev/null || true
	awk -v n="$N" -v name="$name" '/Collected :/ { printf "%-14s %9.0f instructions per request\n", name, $4 / n }' "$dir/log"
}

echo "overt: $OVERT, $N requests per case"
count big-db "$WORK/big.json" --db "$WORK/big-db.sqlite"
count big-nodb "$WORK/big.json"
count small-db "$WORK/small.json" --db "$WORK/small-db.sqlite"
count small-nodb "$WORK/small.json"
