#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-sandbox.sh - the sandbox benchmark (docs/BENCHMARKS.md, "Sandbox
# benchmark").  Side by side, in the same run, with hyperfine:
#   - /bin/true alone (the floor: fork and exec);
#   - bwrap with a comparable setup: new user, mount, network, PID, UTS and
#     IPC namespaces, system directories read-only, the project read-write,
#     a private /tmp, a new /proc and /dev, hostname, a clean environment;
#   - `overt run --proxy unix:SOCK -- /bin/true`: the same namespaces plus
#     Landlock (files and TCP), seccomp, dropped capabilities and the relay,
#     against an `overt proxy` already running, as bwrap has no proxy;
#   - `overt run --upstream URL -- /bin/true`: the whole session (its own
#     proxy started and stopped, the session recorded in the audit log);
#   - `overt run --proxy 127.0.0.1:PORT`: a proxy on TCP, reached through
#     the forwarder (a fork and a check that the proxy answers);
#   - `overt run --proxy unix:SOCK --fresh-home`: plus a seeded fresh HOME.
# Then overt's own figure: `--timing` prints the time from the first fork
# to the last setup step before exec (the target: <= 20 ms), RUNS times;
# the median and the maximum are reported.
#
# Usage:
#   bench/run-sandbox.sh [BUILD_DIR]        # BUILD_DIR defaults to ./build
#
# Environment:
#   RUNS=50          hyperfine runs per command (after 5 warm-ups), and
#                    --timing samples
#   OVERT=PATH       the overt binary (default BUILD_DIR/overt)
#   RESULTS=DIR      where the outputs go (default: a new
#                    /tmp/overt-sandbox-bench.XXXXXX, kept)
#
# Needs hyperfine and bwrap (Debian: apt-get install -y hyperfine bubblewrap).
set -euo pipefail

BUILD=${1:-build}
OVERT=${OVERT:-$BUILD/overt}
RUNS=${RUNS:-50}
RESULTS=${RESULTS:-$(mktemp -d /tmp/overt-sandbox-bench.XXXXXX)}
for t in hyperfine bwrap; do
	command -v "$t" >/dev/null || { echo "run-sandbox.sh: needs $t" >&2; exit 1; }
done
[ -x "$OVERT" ] || { echo "run-sandbox.sh: no overt at $OVERT" >&2; exit 1; }
OVERT=$(realpath "$OVERT")

PROJ=$RESULTS/proj
mkdir -p "$PROJ"
cd "$PROJ"
"$OVERT" mock -q --ready-file "$RESULTS/mock.addr" &
MOCK=$!
"$OVERT" proxy --upstream http://127.0.0.1:1 --listen "unix:$RESULTS/proxy.sock" \
	--ready-file "$RESULTS/proxy.addr" 2>"$RESULTS/proxy.log" &
PROXY=$!
"$OVERT" proxy --upstream http://127.0.0.1:1 --listen 127.0.0.1:0 \
	--ready-file "$RESULTS/tcp-proxy.addr" 2>"$RESULTS/tcp-proxy.log" &
TCP_PROXY=$!
trap 'kill $MOCK $PROXY $TCP_PROXY 2>/dev/null || true' EXIT
for _ in $(seq 1 500); do
	[ -s "$RESULTS/mock.addr" ] && [ -s "$RESULTS/proxy.addr" ] &&
		[ -s "$RESULTS/tcp-proxy.addr" ] && break
	sleep 0.02
done
UP=http://$(cat "$RESULTS/mock.addr")

BWRAP="bwrap --unshare-user --unshare-net --unshare-pid --unshare-uts --unshare-ipc \
--die-with-parent --hostname overt --ro-bind /usr /usr --ro-bind /etc /etc \
--symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib \
--symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp --bind $PROJ $PROJ \
--chdir $PROJ --clearenv --setenv PATH /usr/bin:/bin --setenv TZ UTC /bin/true"
RUN_PROXY="$OVERT run --proxy unix:$RESULTS/proxy.sock -- /bin/true"
RUN_FULL="$OVERT run --upstream $UP --db $RESULTS/audit.db -- /bin/true"
RUN_TCP="$OVERT run --proxy $(cat "$RESULTS/tcp-proxy.addr") -- /bin/true"
RUN_HOME="$OVERT run --proxy unix:$RESULTS/proxy.sock --fresh-home -- /bin/true"

{
	echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "bwrap: $(bwrap --version), hyperfine: $(hyperfine --version)"
} | tee "$RESULTS/machine.txt"

hyperfine -N --warmup 5 --runs "$RUNS" --export-markdown "$RESULTS/hyperfine.md" \
	-n "/bin/true" "/bin/true" \
	-n "bwrap (namespaces, binds, /proc, /dev, tmpfs)" "$BWRAP" \
	-n "overt run --proxy (namespaces, Landlock, seccomp, relay)" "$RUN_PROXY" \
	-n "overt run --upstream (plus its own proxy and the audit records)" "$RUN_FULL" \
	-n "overt run --proxy HOST:PORT (plus the forwarder)" "$RUN_TCP" \
	-n "overt run --proxy unix: --fresh-home" "$RUN_HOME" \
	>"$RESULTS/hyperfine.txt" 2>&1 || { cat "$RESULTS/hyperfine.txt"; exit 1; }
cat "$RESULTS/hyperfine.md"

for _ in $(seq 1 "$RUNS"); do
	$OVERT run --timing --proxy "unix:$RESULTS/proxy.sock" -- /bin/true 2>&1 >/dev/null | sed -n 's/.*setup took \([0-9.]*\) ms.*/\1/p'
done | sort -n >"$RESULTS/setup-ms.txt"
awk '{ v[NR] = $1 } END {
	printf "overt setup, fork to the last step before exec, %d runs: median %.2f ms, max %.2f ms\n",
	       NR, v[int((NR + 1) / 2)], v[NR]
	printf "target <= 20 ms: %s\n", v[int((NR + 1) / 2)] <= 20 ? "met (median)" : "NOT met"
}' "$RESULTS/setup-ms.txt" | tee "$RESULTS/setup.txt"
echo "results in $RESULTS"
