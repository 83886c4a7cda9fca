#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-probe.sh - the probe benchmark (docs/BENCHMARKS.md, "Probe benchmark").
#
# 1. Per-cell overhead: overt probe runs the test agent
#    (tests/integration/probe_agent.sh covert: bash, date, od and one curl
#    request to the mock) over CELLS cells, -j 1 and then -j JOBS.  For every
#    cell the JSON report gives total_ms (the parent's fork of the runner to
#    its reaping: directory and HOME preparation, namespaces, mounts,
#    loopback, the in-process mock, the agent, teardown) and agent_ms (the
#    agent's spawn to its exit); overhead = total_ms - agent_ms.  The wall
#    time of the whole run (planning, cells, loading, analysis, report) is
#    given too.
# 2. A 16-cell matrix on a real agent (Claude Code from npm, when `claude`
#    is found in AGENT_PATH or PATH): 3 timezones x 2 locales x 3 hosts in the
#    pairs design with 3 baseline runs, -j JOBS; the wall time is the target.
#
# Usage:
#   bench/run-probe.sh [BUILD_DIR]          # BUILD_DIR defaults to ./build
#
# Environment:
#   CELLS=40       cells for the overhead runs (--full over a tz list)
#   JOBS=2         parallel cells
#   AGENT_PATH=DIR where `claude` is (default: ~/.cache/overt-e2e/node_modules/.bin)
#   OVERT=PATH     the overt binary (default BUILD_DIR/overt)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
OVERT=${OVERT:-$build/overt}
CELLS=${CELLS:-40}
JOBS=${JOBS:-2}
AGENT_PATH=${AGENT_PATH:-$HOME/.cache/overt-e2e/node_modules/.bin}
out=$(mktemp -d /tmp/overt-probe-bench.XXXXXX)

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "kernel: $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "overt: $("$OVERT" --version)"

# CELLS cells: --full over CELLS-1 timezone names plus the repeat (all are
# valid TZ strings to the agent; the plain ones read as UTC offsets of 0).
tzs=UTC
for i in $(seq 1 $((CELLS - 1))); do tzs="$tzs,Etc/GMT+$((i % 12))x$i"; done

stats() { # FILE LABEL WALL
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys, statistics as st
cells = [json.loads(l) for l in open(sys.argv[1])]
cells = [c for c in cells if c["type"] == "cell"]
ov = sorted(c["total_ms"] - c["agent_ms"] for c in cells)
ag = [c["agent_ms"] for c in cells]
bad = [c for c in cells if c["setup_failed"] or c["requests"] < 1]
p95 = ov[min(len(ov) - 1, int(round(0.95 * (len(ov) - 1))))]
print(f"| {sys.argv[2]} | {len(cells)} | {st.mean(ov):.1f} | {st.median(ov):.1f} | {p95:.1f} "
      f"| {ov[-1]:.1f} | {st.mean(ag):.1f} | {float(sys.argv[3]):.2f} | {len(bad)} |")
EOF
}

echo
echo "| run | cells | overhead mean ms | p50 | p95 | max | agent mean ms | wall s | cells without a request |"
echo "|---|---|---|---|---|---|---|---|---|"
for j in 1 "$JOBS"; do
	t0=$(date +%s.%N)
	"$OVERT" probe --base-url-env ANTHROPIC_BASE_URL --key-env ANTHROPIC_API_KEY \
		--tz "$tzs" --lang en_US.UTF-8 --host 127.0.0.1 --repeat 1 --full -j "$j" \
		--format json -- bash "$here/tests/integration/probe_agent.sh" covert \
		>"$out/overhead-j$j.jsonl" 2>"$out/overhead-j$j.err" || true
	t1=$(date +%s.%N)
	stats "$out/overhead-j$j.jsonl" "test agent, -j $j" "$(echo "$t1 - $t0" | bc)"
done

claude=$(PATH="$AGENT_PATH:$PATH" command -v claude || true)
if [ -z "$claude" ]; then
	echo
	echo "real agent: skipped (no claude in $AGENT_PATH or PATH; npm install @anthropic-ai/claude-code)"
	exit 0
fi
echo
echo "real agent: $claude $("$claude" --version 2>/dev/null)"
t0=$(date +%s.%N)
PATH="$AGENT_PATH:$PATH" "$OVERT" probe --agent claude \
	--tz UTC,Asia/Shanghai,America/New_York --lang en_US.UTF-8,zh_CN.UTF-8 \
	--host 127.0.0.1,api.example.cn,api.deepseek.com --repeat 3 -j "$JOBS" --timeout 120 \
	--format json >"$out/claude.jsonl" 2>"$out/claude.err" || true
t1=$(date +%s.%N)
echo
echo "| run | cells | overhead mean ms | p50 | p95 | max | agent mean ms | wall s | cells without a request |"
echo "|---|---|---|---|---|---|---|---|---|"
stats "$out/claude.jsonl" "Claude Code, -j $JOBS" "$(echo "$t1 - $t0" | bc)"
python3 - "$out/claude.jsonl" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "summary":
        print(f"\nreport: {o['covert']} covert, {o['visible']} visible, {o['noise']} noise, "
              f"{o['findings']} scanner findings")
EOF
echo "results in $out"
