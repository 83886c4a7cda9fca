#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-inspect.sh - the `overt inspect` speed benchmark (docs/BENCHMARKS.md).
# Target: a 230 MB agent binary in at most 2 s on one core.
#
# Builds a synthetic single-file agent of SIZE MB the way Bun lays one out:
# a real ELF (/bin/true), native-looking bytes (pseudo-random, from AES-CTR
# so every run gets the same file), then a Bun standalone module graph whose
# one module is JavaScript (the JavaScript files the machine has, repeated,
# with the test fixture's hidden tables in the middle), Offsets and the
# trailer.  About a third of the file is JavaScript, as in real agents.
# Pinned to one core with taskset, hyperfine times `overt inspect` on it and,
# with BINARY=PATH, on a real agent binary too (e.g. the claude executable of
# @anthropic-ai/claude-code-linux-x64, 400 MB).
#
# Usage:
#   bench/run-inspect.sh [BUILD_DIR]     # BUILD_DIR defaults to ./build
# Environment:
#   SIZE=230     synthetic binary size in MB (10^6 bytes)
#   RUNS=5       hyperfine runs (after one warm-up)
#   CPU=0        the core everything is pinned to
#   BINARY=PATH  also time this real binary
#   OVERT=PATH   the overt binary (default BUILD_DIR/overt)
#
# Wall time on a shared machine is stretched by other processes; the table
# also gives user+sys CPU seconds, which they disturb much less, and judges
# the target on them when the wall time is over (the load average at the
# start is printed to tell a busy machine from a slow program).
set -euo pipefail

BUILD=${1:-./build}
SIZE=${SIZE:-230}
RUNS=${RUNS:-5}
CPU=${CPU:-0}
OVERT=${OVERT:-$BUILD/overt}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)

die() {
	printf 'run-inspect.sh: %s\n' "$*" >&2
	exit 4
}

for t in hyperfine taskset python3 openssl; do
	command -v "$t" > /dev/null || die "'$t' not found: install it (apt-get install hyperfine util-linux python3 openssl)"
done
[[ -x $OVERT ]] || die "'$OVERT' not found: build it with 'cmake --build $BUILD --target overt'"
[[ $SIZE =~ ^[0-9]+$ ]] && ((SIZE >= 10)) || die "SIZE must be a number of MB, at least 10"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/overt-bench-inspect.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# synth OUT - the synthetic Bun executable of SIZE MB.
synth() {
	local out=$1 js_mb=$((SIZE / 3)) native
	(cd "$WORK" && python3 "$SRCDIR/tests/integration/inspect_gen.py")
	# JavaScript: every .js file under the global npm root, repeated.
	find "$(npm root -g 2> /dev/null || echo /usr/lib/node_modules)" -name '*.js' -size +1k 2> /dev/null |
		sort | head -2000 | xargs cat > "$WORK/corpus.js" 2> /dev/null || true
	[[ -s $WORK/corpus.js ]] || cp "$WORK/clean.js" "$WORK/corpus.js"
	python3 - "$WORK" "$js_mb" << 'EOF'
import sys
work, mb = sys.argv[1], int(sys.argv[2])
corpus = open(work + "/corpus.js", "rb").read()
bad = open(work + "/bad.js", "rb").read()
out = bytearray()
while len(out) < mb * 500000:
    out += corpus
out += b"\n" + bad + b"\n"
while len(out) < mb * 1000000:
    out += corpus
open(work + "/module.js", "wb").write(bytes(out[:mb * 1000000]))
EOF
	native=$((SIZE * 1000000 - js_mb * 1000000 - $(stat -c %s /bin/true)))
	cp /bin/true "$out"
	# openssl dies of SIGPIPE when head has enough: that is the point.
	openssl enc -aes-128-ctr -nosalt -pass pass:overt-bench -pbkdf2 < /dev/zero 2> /dev/null |
		head -c "$native" >> "$out" || true
	(($(stat -c %s "$out") >= native)) || die "could not write the native part of '$out'"
	python3 - "$WORK/module.js" >> "$out" << 'EOF'
import struct, sys
js = open(sys.argv[1], "rb").read()
name = b"/$bunfs/root/cli.js"
strings = name + b"\0" + js + b"\0"
record = struct.pack("<8I4B", 0, len(name), len(name) + 1, len(js), 0, 0, 0, 0, 1, 1, 1, 0)
graph = strings + record
offsets = struct.pack("<QIIIIII", len(graph), len(strings), len(record), 0, len(graph), 0, 0)
payload = graph + offsets + b"\n---- Bun! ----\n"
sys.stdout.buffer.write(payload + struct.pack("<Q", len(payload) + 8))
EOF
}

# row NAME FILE - one markdown row: median wall, mean user+sys, max RSS.
row() {
	local name=$1 f=$2 json=$WORK/$1.json rss
	cat "$f" > /dev/null # the page cache: we measure inspecting, not the disk
	taskset -c "$CPU" hyperfine -N -i --runs "$RUNS" --warmup 1 --style basic \
		--export-json "$json" "$OVERT inspect --format json $f" > "$WORK/hyperfine.log" 2>&1 ||
		die "hyperfine failed: $(tail -3 "$WORK/hyperfine.log")"
	# overt exits 1 on findings: that is not a failure here.
	rss=$( { /usr/bin/time -f %M taskset -c "$CPU" "$OVERT" inspect --format json "$f" > /dev/null; } 2>&1 | tail -1 || true)
	python3 - "$json" "$name" "$(stat -c %s "$f")" "$rss" << 'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
cpu = r["user"] + r["system"]  # hyperfine: means over the runs
size = int(sys.argv[3])
print("| %s | %.0f | %.3f | %.3f | %.0f | %.0f | %s |" % (
    sys.argv[2], size / 1e6, r["median"], cpu, size / 1e6 / cpu,
    int(sys.argv[4]) / 1024,
    "met" if r["median"] <= 2.0 else
    "met in CPU time; wall stretched by load" if cpu <= 2.0 else "NOT met"))
EOF
}

echo "building a ${SIZE} MB synthetic Bun executable..." >&2
synth "$WORK/agent.bin"
echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), pinned to core $CPU"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(hyperfine --version)"
echo
echo "| input | MB | median wall (s) | CPU user+sys (s) | CPU MB/s | max RSS (MiB) | 2 s target |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
row synthetic "$WORK/agent.bin"
if [[ -n ${BINARY:-} ]]; then
	[[ -r $BINARY ]] || die "cannot read BINARY '$BINARY'"
	row "$(basename "$BINARY")" "$BINARY"
fi
