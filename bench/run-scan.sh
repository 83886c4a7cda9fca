#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-scan.sh - the scan throughput and memory benchmark (docs/BENCHMARKS.md).
# Generates an ASCII-heavy and a CJK-heavy JSONL corpus of agent request
# bodies with bench_gen, then, pinned to one core, times three scanners over
# each with hyperfine: `overt scan`, ripgrep searching for the same
# invisible/format character classes, and bench_naive (UTF-8 decode + ICU per
# code point).  Peak RSS is measured with bench_rss, and overt's RSS on a
# corpus a quarter of the size shows whether memory is bounded by the largest
# body rather than by the input.
#
# Usage:
#   bench/run-scan.sh [BUILD_DIR]          # BUILD_DIR defaults to ./build
#
# Environment:
#   SIZE=1G        corpus size, bench_gen syntax (K/M/G = powers of 1024);
#                  SIZE=256M or SIZE=64M for a quick run
#   RUNS=5         hyperfine runs per command (after one warm-up run)
#   CPU=1          the core everything is pinned to (taskset -c)
#   OVERT=PATH     the overt binary (default BUILD_DIR/overt)
#   BENCH_DIR=DIR  keep the corpora in DIR and reuse them on the next run
#                  (default: a temporary directory, removed at exit)
#   RESULTS=DIR    where the hyperfine JSON/CSV exports and the table go
#                  (default: a new /tmp/overt-bench-results.XXXXXX, kept)
#
# Other processes on the pinned core stretch wall times: the table also
# gives CPU MB/s (user+sys time), and `uptime` before a run says whether the
# machine is quiet enough to trust the wall-clock column.
#
# Needs hyperfine, ripgrep (rg) and taskset (util-linux); the bench_* tools
# are built with the project (cmake --build BUILD_DIR --target bench_gen
# bench_naive bench_rss, and bench_engine for the engine's own CPU MB/s).
# The MB/s column is 10^6 bytes per second of the median run, so the
# 3 GB/s target reads as 3000 MB/s.
set -euo pipefail

BUILD=${1:-./build}
SIZE=${SIZE:-1G}
RUNS=${RUNS:-5}
CPU=${CPU:-1}
OVERT=${OVERT:-$BUILD/overt}
GEN=$BUILD/bench/bench_gen
NAIVE=$BUILD/bench/bench_naive
RSS=$BUILD/bench/bench_rss
ENGINE=$BUILD/bench/bench_engine
# Cf covers the zero-width and bidi format characters and the tag block
# (U+E0001, U+E0020..E007F); the explicit ranges add the unassigned tags and
# the variation selectors, which are Mn.  Checked with ripgrep 13.
RG_CLASS='[\p{Cf}\p{Zl}\p{Zp}\x{E0000}-\x{E007F}\x{FE00}-\x{FE0F}\x{E0100}-\x{E01EF}]'

die() {
	printf 'run-scan.sh: %s\n' "$*" >&2
	exit 4
}

# to_bytes - bench_gen's size syntax (plain, K, M, G) as a byte count.
to_bytes() {
	local n=${1%[kKmMgG]} unit=${1#"${1%[kKmMgG]}"}
	[[ $n =~ ^[0-9]+$ ]] || die "invalid size '$1': use a number with an optional K, M or G"
	case $unit in
	k | K) echo $((n << 10)) ;;
	m | M) echo $((n << 20)) ;;
	g | G) echo $((n << 30)) ;;
	*) echo "$n" ;;
	esac
}

check_tools() {
	local t
	for t in hyperfine rg taskset awk; do
		command -v "$t" > /dev/null || die "'$t' not found: install it (apt-get install hyperfine ripgrep util-linux)"
	done
	for t in "$GEN" "$NAIVE" "$RSS"; do
		[[ -x $t ]] || die "'$t' not found: build it with 'cmake --build $BUILD --target bench_gen bench_naive bench_rss'"
	done
}

# overt_status - "ok" when overt exists and scans (exit 0 or 1), else why not.
overt_status() {
	local probe=$WORK/probe.jsonl rc=0
	[[ -x $OVERT ]] || { echo "missing ($OVERT)"; return; }
	"$GEN" --kind ascii --size 64K --out "$probe" 2> /dev/null
	"$OVERT" scan --format json --fail-on critical "$probe" > /dev/null 2>&1 || rc=$?
	if ((rc == 0 || rc == 1)); then echo ok; else echo "error (exit $rc)"; fi
}

# corpus KIND BYTES - the path of a generated corpus, made if not there yet.
corpus() {
	local f=$WORK/$1-$2.jsonl
	if [[ ! -s $f ]]; then
		"$GEN" --kind "$1" --size "$2" --out "$f.tmp" >&2
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# max_rss NAME CMD... - peak RSS in KiB of one run, pinned like the timings.
max_rss() {
	local out=$RESULTS/rss-$1.txt rc=0
	shift
	taskset -c "$CPU" "$RSS" -o "$out" "$@" > /dev/null 2>> "$RESULTS/stderr.log" || rc=$?
	((rc <= 1)) || { echo "n/a"; return; }
	cat "$out"
}

# bench_corpus KIND FILE - time every scanner on FILE, then measure its RSS.
bench_corpus() {
	local kind=$1 f=$2 cmds=()
	cat "$f" > /dev/null # warm the page cache: we measure scanning, not the disk
	if [[ $OVERT_OK == ok ]]; then
		cmds+=(-n overt "$OVERT scan --format json --fail-on critical $f")
	fi
	cmds+=(-n ripgrep "rg -c -j1 --no-mmap '$RG_CLASS' $f")
	cmds+=(-n naive "$NAIVE $f")
	# -N: no shell in between; -i: overt exits 1 on findings, rg on no match.
	taskset -c "$CPU" hyperfine -N -i --runs "$RUNS" --warmup 1 --style basic \
		--export-json "$RESULTS/$kind.json" --export-csv "$RESULTS/$kind.csv" \
		"${cmds[@]}" >> "$RESULTS/hyperfine.log" 2>&1 ||
		die "hyperfine failed on '$f': see $RESULTS/hyperfine.log"
	if [[ $OVERT_OK == ok ]]; then
		echo "overt,$kind,$(max_rss "overt-$kind" "$OVERT" scan --format json --fail-on critical "$f")" >> "$RESULTS/rss.csv"
	fi
	echo "ripgrep,$kind,$(max_rss "ripgrep-$kind" rg -c -j1 --no-mmap "$RG_CLASS" "$f")" >> "$RESULTS/rss.csv"
	echo "naive,$kind,$(max_rss "naive-$kind" "$NAIVE" "$f")" >> "$RESULTS/rss.csv"
}

# table - one markdown row per tool and corpus.  MB/s is the size over the
# median wall time; CPU MB/s is the size over the mean user+sys time, which
# other processes sharing the core disturb much less.
table() {
	local kind f bytes
	echo "| tool | corpus | size (MiB) | median (s) | MB/s | CPU MB/s | max RSS (MiB) |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
	for kind in ascii cjk; do
		f=${FILES[$kind]}
		bytes=$(stat -c %s "$f")
		awk -F, -v kind="$kind" -v bytes="$bytes" -v rssf="$RESULTS/rss.csv" '
			BEGIN { while ((getline l < rssf) > 0) { split(l, a, ","); rss[a[1] "," a[2]] = a[3] } }
			NR > 1 {
				r = rss[$1 "," kind]
				printf "| %s | %s | %.0f | %.3f | %.0f | %.0f | %s |\n", $1, kind, bytes / 1048576,
				       $4, bytes / 1e6 / $4, bytes / 1e6 / ($5 + $6),
				       (r ~ /^[0-9]+$/) ? sprintf("%.1f", r / 1024) : "n/a"
			}' "$RESULTS/$kind.csv"
		if [[ $OVERT_OK != ok ]]; then
			echo "| overt | $kind | $((bytes >> 20)) | pending | pending | pending | pending |"
		fi
	done
}

# bounded - overt's peak RSS on the full ASCII corpus and on a quarter of it.
bounded() {
	local small big
	[[ $OVERT_OK == ok ]] || { echo "overt memory boundedness: pending (overt $OVERT_OK)"; return; }
	big=$(awk -F, '$1 == "overt" && $2 == "ascii" { print $3 }' "$RESULTS/rss.csv")
	small=$(max_rss overt-ascii-small "$OVERT" scan --format json --fail-on critical "$SMALL_FILE")
	printf 'overt max RSS: %s KiB on %d MiB, %s KiB on %d MiB (ASCII JSONL)\n' \
		"$small" $((SMALL_BYTES >> 20)) "$big" $((SIZE_BYTES >> 20))
}

# targets - the issue's goals, checked against the measured medians.
targets() {
	[[ $OVERT_OK == ok ]] || { echo "targets: pending (overt $OVERT_OK)"; return; }
	awk -F, -v a="$(stat -c %s "${FILES[ascii]}")" -v c="$(stat -c %s "${FILES[cjk]}")" \
		-v fa="$RESULTS/ascii.csv" -v fc="$RESULTS/cjk.csv" '
		function load(file, into) { while ((getline l < file) > 0) { split(l, f, ","); into[f[1]] = f[4] } }
		function v(ok) { return ok ? "met" : "NOT met" }
		BEGIN {
			load(fa, A); load(fc, C)
			oa = a / 1e6 / A["overt"]; oc = c / 1e6 / C["overt"]; ra = a / 1e6 / A["ripgrep"]
			printf "target ascii >= 3000 MB/s: %.0f MB/s, %s\n", oa, v(oa >= 3000)
			printf "target cjk >= 1000 MB/s: %.0f MB/s, %s\n", oc, v(oc >= 1000)
			printf "target faster than ripgrep on ascii: %.0f vs %.0f MB/s, %s\n", oa, ra, v(oa > ra)
		}'
}

# engine - bench_engine's CPU MB/s on each corpus (the engine alone, no file
# reading or report), when it is built.
engine() {
	local kind
	[[ -x $ENGINE ]] || { echo "engine: pending ($ENGINE not built)"; return; }
	for kind in ascii cjk; do
		printf 'engine %s: %s\n' "$kind" \
			"$(taskset -c "$CPU" "$ENGINE" "${FILES[$kind]}" 3 | sed 's/.*, CPU/CPU/')"
	done
}

machine() {
	echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), nproc $(nproc), pinned to core $CPU"
	echo "kernel: $(uname -sr), load average at start: $LOAD_AT_START"
	echo "tools: $(rg --version | awk 'NR == 1'), $(hyperfine --version)"
	echo "overt: $OVERT ($OVERT_OK)"
}

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
check_tools
SIZE_BYTES=$(to_bytes "$SIZE")
SMALL_BYTES=$((SIZE_BYTES / 4))
((SMALL_BYTES > 0)) || die "SIZE '$SIZE' is too small"
if [[ -n ${BENCH_DIR:-} ]]; then
	WORK=$BENCH_DIR
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/overt-bench.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
fi
RESULTS=${RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/overt-bench-results.XXXXXX")}
mkdir -p "$RESULTS"
: > "$RESULTS/rss.csv"

OVERT_OK=$(overt_status)
declare -A FILES
FILES[ascii]=$(corpus ascii "$SIZE_BYTES")
FILES[cjk]=$(corpus cjk "$SIZE_BYTES")
SMALL_FILE=$(corpus ascii "$SMALL_BYTES")

for kind in ascii cjk; do
	echo "benchmarking $kind ($(stat -c %s "${FILES[$kind]}") bytes)..." >&2
	bench_corpus "$kind" "${FILES[$kind]}"
done

{
	machine
	echo
	table
	echo
	bounded
	engine
	targets
} | tee "$RESULTS/summary.md"
echo "results: $RESULTS" >&2
