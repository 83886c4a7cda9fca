#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-inventory.sh - the inventory benchmark (docs/BENCHMARKS.md): a fake
# machine under one dir whose users' home holds FILES files (500,000 by
# default), nearly all of them in places agents do not live (a source tree,
# node_modules of projects, caches, a mail dir), plus a realistic set of
# installs (global npm, nvm, volta, pnpm, the native installer, extensions,
# state dirs with thousands of session files).  `overt inventory --root`
# over it is timed with hyperfine, cold (page cache dropped, when root) and
# warm.  The target is 1 s: inventory must look only where agents live, so
# its time must not grow with the number of files.
#
# Usage:
#   bench/run-inventory.sh [BUILD_DIR]        # BUILD_DIR defaults to ./build
#
# Environment:
#   FILES=500000   files in the home dirs
#   RUNS=10        hyperfine runs per command (after warm-up runs)
#   OVERT=PATH     the overt binary (default BUILD_DIR/overt)
#   BENCH_DIR=DIR  keep the tree in DIR and reuse it (default: a temporary
#                  dir, removed at exit)
#   RESULTS=DIR    where the hyperfine exports go (default: a new
#                  /tmp/overt-inventory-results.XXXXXX, kept)
#   COLD=1         also time cold runs: drops the page cache before each run
#                  (root only; it slows everything else on the machine)
set -euo pipefail

BUILD=${1:-./build}
FILES=${FILES:-500000}
RUNS=${RUNS:-10}
OVERT=${OVERT:-$BUILD/overt}

die() {
	printf 'run-inventory.sh: %s\n' "$*" >&2
	exit 4
}

command -v hyperfine >/dev/null || die "needs hyperfine (apt-get install hyperfine)"
[ -x "$OVERT" ] || die "no overt binary at '$OVERT'; build first or set OVERT"

if [ -n "${BENCH_DIR:-}" ]; then
	mkdir -p "$BENCH_DIR"
	DIR=$BENCH_DIR
else
	DIR=$(mktemp -d /tmp/overt-inventory-bench.XXXXXX)
	trap 'rm -rf "$DIR"' EXIT
fi
RESULTS=${RESULTS:-$(mktemp -d /tmp/overt-inventory-results.XXXXXX)}
mkdir -p "$RESULTS"
R=$DIR/root

pkg() {
	mkdir -p "$1"
	printf '{"name": "%s", "version": "%s"}\n' "$2" "$3" >"$1/package.json"
}

# The installs: what a developer machine with several agents looks like.
agents() {
	local h=$1
	pkg "$R/usr/local/lib/node_modules/@anthropic-ai/claude-code" @anthropic-ai/claude-code 2.1.100
	pkg "$h/.npm-global/lib/node_modules/@openai/codex" @openai/codex 0.171.0
	pkg "$h/.nvm/versions/node/v22.11.0/lib/node_modules/@google/gemini-cli" @google/gemini-cli 0.20.0
	pkg "$h/.volta/tools/image/packages/@qwen-code/qwen-code/lib/node_modules/@qwen-code/qwen-code" \
		@qwen-code/qwen-code 0.12.0
	pkg "$h/.local/share/pnpm/global/5/node_modules/@github/copilot" @github/copilot 1.0.54
	mkdir -p "$h/.local/share/claude/versions" "$h/.local/bin"
	: >"$h/.local/share/claude/versions/2.1.150"
	ln -sf "$h/.local/share/claude/versions/2.1.150" "$h/.local/bin/claude"
	mkdir -p "$h/.vscode/extensions/anthropic.claude-code-2.0.5-linux-x64" \
		"$h/.cursor/extensions/openai.chatgpt-0.4.12"
	for i in $(seq 1 200); do mkdir -p "$h/.vscode/extensions/pub$i.ext$i-1.0.$i"; done
}

# FILES files spread over unrelated dirs, 1000 per dir, and 5000 session
# files in ~/.claude/projects (state dirs are read one level deep only).
filler() {
	local h=$1 n=$2
	python3 - "$h" "$n" <<'EOF'
import os, sys
home, n = sys.argv[1], int(sys.argv[2])
tops = ["src/linux", "work/app/node_modules", ".cache/pip", "Mail/inbox", "photos"]
made = 0
d = 0
while made < n:
    dir = os.path.join(home, tops[d % len(tops)], "d%05d" % d)
    os.makedirs(dir, exist_ok=True)
    for i in range(min(1000, n - made)):
        open(os.path.join(dir, "f%04d" % i), "w").close()
    made += min(1000, n - made)
    d += 1
proj = os.path.join(home, ".claude", "projects", "p")
os.makedirs(proj, exist_ok=True)
for i in range(5000):
    open(os.path.join(proj, "s%05d.jsonl" % i), "w").close()
EOF
}

if [ ! -f "$DIR/.done-$FILES" ]; then
	rm -rf "$R"
	mkdir -p "$R/etc" "$R/home/dev"
	echo 'dev:x:1000:1000::/home/dev:/bin/bash' >"$R/etc/passwd"
	echo "building a home dir of $FILES files in $R ..." >&2
	agents "$R/home/dev"
	filler "$R/home/dev" "$FILES"
	touch "$DIR/.done-$FILES"
fi
count=$(find "$R" | wc -l)
echo "tree: $count entries under $R" >&2

CMD="$OVERT inventory --root $R --all-users --format json"
$CMD >"$RESULTS/inventory.jsonl" || true
echo "found $(wc -l <"$RESULTS/inventory.jsonl") installs" >&2

PREP=""
if [ "${COLD:-0}" = 1 ] && [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
	PREP="sync; echo 3 > /proc/sys/vm/drop_caches"
	hyperfine --runs "$RUNS" --prepare "$PREP" -i \
		--export-json "$RESULTS/cold.json" -n cold "$CMD"
fi
hyperfine --warmup 3 --runs "$RUNS" -i --export-json "$RESULTS/warm.json" -n warm "$CMD"
uptime
echo "results in $RESULTS" >&2
