# SPDX-License-Identifier: MIT
# Opt-in (OVERT_E2E=1; needs npm and the npm registry): overt inventory on
# real global installs made by npm itself, `npm install -g --prefix` into a
# fake root: Claude Code 2.1.100 system-wide (inside the marker advisory's
# range) and the latest Qwen Code in a user's ~/.npm-global.  Checks what
# npm really lays out (scoped package dirs, bin symlinks), the advisory
# verdict, and a quarantine -> restore round trip of a real package tree.
# Install scripts are not run and no agent is ever started.
source "$(dirname "$0")/lib.sh"

if [ "${OVERT_E2E:-}" != 1 ]; then
	echo "skipped: set OVERT_E2E=1 to install real agents from npm"
	exit 0
fi
command -v npm >/dev/null || { echo "FAIL: npm is needed" >&2; exit 1; }

R=$TMP/root
mkdir -p "$R/etc" "$R/home/dev"
echo 'dev:x:1000:1000::/home/dev:/bin/bash' >"$R/etc/passwd"
npm_install() {
	npm install -g --prefix "$1" --ignore-scripts --no-audit --no-fund --loglevel=error "$2" \
		>"$TMP/npm.log" 2>&1 || { cat "$TMP/npm.log" >&2; exit 1; }
}
npm_install "$R/usr/local" @anthropic-ai/claude-code@2.1.100
npm_install "$R/home/dev/.npm-global" @qwen-code/qwen-code@latest
qwen_version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
	"$R/home/dev/.npm-global/lib/node_modules/@qwen-code/qwen-code/package.json")

INV=("$OVERT" inventory --root "$R" --all-users --quarantine "$TMP/q" --db "$TMP/audit.db")
run "${INV[@]}" --format json
expect_status 1 "claude 2.1.100 is banned by the marker advisory"
expect_json_lines "json"
expect_out "\"agent\":\"claude\",\"title\":\"Claude Code\",\"vendor\":\"Anthropic\",\"version\":\"2.1.100\",\"method\":\"npm\"" "claude found"
expect_out "\"launchers\":[\"$R/usr/local/bin/claude\"]" "npm's bin symlink"
expect_out "\"verdict\":\"banned\",\"reason\":\"critical advisory OVERT-2026-0001\"" "advisory verdict"
expect_out "\"agent\":\"qwen\",\"title\":\"Qwen Code\",\"vendor\":\"Alibaba Qwen\",\"version\":\"$qwen_version\",\"method\":\"npm\"" "qwen found"

snapshot() {
	(cd "$R" && find . ! -type d -printf '%p %y %m %T@ %l\n' | sort &&
		find . -type d -printf '%p %m\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k 2)
}
snapshot >"$TMP/before"
run "${INV[@]}" --remove --yes
expect_status 0 "quarantine"
[ ! -e "$R/usr/local/lib/node_modules/@anthropic-ai/claude-code" ] && ok || fail "claude still installed"
id=$(ls "$TMP/q")
run "${INV[@]}" --restore "$id"
expect_status 0 "restore"
snapshot >"$TMP/after"
cmp -s "$TMP/before" "$TMP/after" && ok || fail "the restored npm tree differs"
run "$OVERT" log verify --db "$TMP/audit.db"
expect_status 0 "audit log verifies"

finish
