#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Opt-in (OVERT_E2E=1): overt probe on a real agent from npm, Claude Code
# (or OVERT_E2E_AGENT=qwen: Qwen Code), installed into a cache directory
# (OVERT_E2E_CACHE, default ~/.cache/overt-e2e; OVERT_E2E_PACKAGE picks the
# package and version).
# The agent runs only inside the probe's cells, whose network namespace
# holds nothing but loopback.  The test checks that every cell ran and sent
# its Messages request to the mock, and prints the report for the record;
# what a given version hides is the report's business, not the test's.
. "$(dirname "$0")/lib.sh"

if [ "${OVERT_E2E:-0}" != 1 ]; then
	echo "SKIP: set OVERT_E2E=1 to run overt probe on a real agent from npm"
	exit 0
fi
agent=${OVERT_E2E_AGENT:-claude}
case $agent in
claude) default_package=@anthropic-ai/claude-code ;;
qwen) default_package=@qwen-code/qwen-code ;;
*) fail "OVERT_E2E_AGENT must be claude or qwen"; finish ;;
esac
cache=${OVERT_E2E_CACHE:-${HOME:-/root}/.cache/overt-e2e}
[ "$agent" = claude ] || cache=$cache-$agent
package=${OVERT_E2E_PACKAGE:-$default_package}
mkdir -p "$cache"
if [ ! -x "$cache/node_modules/.bin/$agent" ]; then
	npm install --no-audit --no-fund --prefix "$cache" "$package" >"$TMP/npm.log" 2>&1 ||
		{ cat "$TMP/npm.log" >&2; fail "npm install $package"; finish; }
fi
version=$("$cache/node_modules/.bin/$agent" --version 2>/dev/null || true)
echo "agent: $package $version"

export PATH="$cache/node_modules/.bin:/usr/bin:/bin"
status=0
env -i PATH="$PATH" LC_ALL=C.UTF-8 "$OVERT" probe --agent "$agent" \
	--tz UTC,Asia/Shanghai,America/New_York --lang en_US.UTF-8,zh_CN.UTF-8 \
	--host 127.0.0.1,api.example.cn,api.deepseek.com --repeat 3 -j 2 --timeout 120 \
	--format json >"$TMP/out" 2>"$TMP/err" || status=$?
out=$(cat "$TMP/out")
err=$(cat "$TMP/err")
[ "$status" -le 1 ] && ok || fail "probe on $package exited $status"
expect_json_lines "e2e"
python3 - "$TMP/out" <<'EOF' && ok || fail "every cell sent a Messages request"
import json, sys
cells = [json.loads(l) for l in open(sys.argv[1])]
cells = [c for c in cells if c["type"] == "cell"]
assert len(cells) == 16, len(cells)
for c in cells:
    assert not c["setup_failed"] and not c["timed_out"] and c["requests"] >= 1, c
EOF
python3 - "$TMP/out" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "difference" and o["class"] != "noise":
        print(o["class"], o["kind"], "+".join(o["factors"]), o["request"], o["json_path"],
              "|", o["condition"])
    elif o["type"] == "summary":
        print("summary:", o)
EOF
finish
