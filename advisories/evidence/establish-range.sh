#!/bin/sh
# SPDX-License-Identifier: MIT
# establish-range.sh WORKDIR VERSION... - how OVERT-2026-0001's range was
# established: for each Claude Code VERSION, `npm pack` the package (and,
# for releases that ship a native executable instead of cli.js, the
# linux-x64 platform package), unpack the bundle and append the evidence
# line of marker-evidence.py to WORKDIR/evidence.jsonl.  Bisecting means
# calling it on the middle of a range whose ends differ.  Nothing is run
# and nothing is installed.
set -eu
W=$1; shift
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$W/cache"
for v in "$@"; do
	x=$W/x/$v
	mkdir -p "$x"
	t=$W/cache/anthropic-ai-claude-code-$v.tgz
	[ -f "$t" ] || npm pack -q "@anthropic-ai/claude-code@$v" --pack-destination "$W/cache" >/dev/null
	if tar tzf "$t" package/cli.js >/dev/null 2>&1; then
		tar xzf "$t" -C "$x" package/cli.js
		f=$x/package/cli.js
	else
		p=$W/cache/anthropic-ai-claude-code-linux-x64-$v.tgz
		[ -f "$p" ] || npm pack -q "@anthropic-ai/claude-code-linux-x64@$v" \
			--pack-destination "$W/cache" >/dev/null
		tar xzf "$p" -C "$x" package/claude
		f=$x/package/claude
	fi
	python3 "$HERE/marker-evidence.py" "$f" "$v" >>"$W/evidence.jsonl"
	rm -rf "$x"
done
