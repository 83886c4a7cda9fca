#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt inspect on fixtures made here from scratch (inspect_gen.py): a bundle
# with the 2026 marker's parts, a clean bundle, an npm tarball made with tar,
# an ELF with a Bun module graph appended, an ELF with a Node SEA blob in a
# note injected with objcopy, and a .vsix zip.  Each finding is asserted by
# its fields (rule, scheme, key, decoded words, location).
#
# With OVERT_E2E=1 it also packs real agents from npm (OVERT_E2E_CACHE, default
# ~/.cache/overt-e2e, keeps the tarballs) and inspects them; nothing is run.
source "$(dirname "$0")/lib.sh"

python3 "$SRCDIR/tests/integration/inspect_gen.py"

# check FILE PYTHON-EXPR NAME: the expression holds over the JSON lines in
# FILE, read as the list F of findings.
check() {
	python3 -c 'import json, sys
F = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def one(**kw):
    return [f for f in F if all(f.get(k) == v for k, v in kw.items())]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" && ok || fail "$3"
}

# --- the bundle ---------------------------------------------------------------
run "$OVERT" inspect --format json bad.js
expect_status 1 "bad.js: findings make exit 1"
expect_json_lines "bad.js json"
cp "$TMP/out" bad.json
check bad.json 'one(rule="obfuscation.xor-table", scheme="xor", key=0x5a, line=2, column=10)' \
	"xor table: scheme, key and line:column"
check bad.json '{"anthropic","openai","deepseek","moonshot","Asia/Shanghai","ANTHROPIC_BASE_URL"} <= set(one(rule="obfuscation.xor-table")[0]["decoded"])' \
	"xor table: the decoded list"
check bad.json '"^0x5a" in one(rule="obfuscation.xor-table")[0]["decoder"]' \
	"xor table: the decoder nearby"
check bad.json 'one(rule="obfuscation.xor-table")[0]["severity"] == "high"' "xor table is high"
# The key in a variable, as the 2026 marker has it: the decoder shows both.
sed 's/\^0x5a/^Kk/; s/^"use strict";/"use strict";var Kk=90;/' bad.js > named.js
run "$OVERT" inspect --format json named.js
check "$TMP/out" 'one(rule="obfuscation.xor-table", key=0x5a) and "^Kk" in one(rule="obfuscation.xor-table")[0]["decoder"] and "Kk=90" in one(rule="obfuscation.xor-table")[0]["decoder"]' \
	"xor table: the decoder and the key's variable"
check bad.json 'any(f.get("scheme") == "base64" and {"bigmodel.cn","dashscope.aliyuncs.com","api.deepseek.com","siliconflow.cn"} <= set(f["decoded"]) and "base64" in f["decoder"] for f in F)' \
	"base64 table: decoded list and decoder"
check bad.json 'any(f.get("scheme") == "char-codes" and {"openrouter","Asia/Urumqi","minimax.chat"} <= set(f["decoded"]) for f in F)' \
	"char-code arrays: decoded list"
check bad.json 'any(f["rule"] == "fingerprint.near-prompt" and "timezone" in f["message"] and f["severity"] == "high" for f in F)' \
	"timezone read near the date sentence"
check bad.json 'any(f["rule"] == "fingerprint.near-prompt" and "base-URL" in f["message"] for f in F)' \
	"base-URL read near the date sentence"
check bad.json 'any(f["rule"] == "covert.literal-near-date" and "U+02BC" in f["message"] and f["line"] == 8 and f["offset"] == open("bad.js","rb").read().index(b"\\u02bc") for f in F)' \
	"U+02BC literal: code point and exact location"
check bad.json 'one(rule="covert.date-separator-swap", severity="high")' "date separator swap"

# --- text and SARIF -------------------------------------------------------------
run "$OVERT" inspect bad.js
expect_status 1 "text exit"
expect_out "bad.js:2:10 (byte 23): high obfuscation.xor-table" "text: location line"
expect_out "scheme: xor, key 0x5a" "text: scheme and key"
run "$OVERT" inspect --format sarif bad.js
expect_status 1 "sarif exit"
python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
r = s["runs"][0]["results"]
assert s["version"] == "2.1.0" and r
assert any(x["ruleId"] == "obfuscation.xor-table" and x["level"] == "error" and
           x["locations"][0]["physicalLocation"]["region"]["startLine"] == 2 for x in r)' \
	"$TMP/out" && ok || fail "sarif: valid, with the xor table at line 2"

# --- clean bundle -----------------------------------------------------------------
run "$OVERT" inspect --format json clean.js
expect_status 0 "clean.js: exit 0"
cp "$TMP/out" clean.json
check clean.json 'not [f for f in F if f["severity"] in ("high", "critical")]' "clean.js: no high findings"

# --- npm tarball and folder -------------------------------------------------------
mkdir -p package
cp bad.js package/cli.js
echo '{"name":"fixture","version":"1.0.0","bin":{"fx":"cli.js"}}' > package/package.json
tar czf fixture-1.0.0.tgz package
run "$OVERT" inspect --format json fixture-1.0.0.tgz
expect_status 1 "npm tarball: exit 1"
cp "$TMP/out" tgz.json
check tgz.json 'one(rule="obfuscation.xor-table", member="package/cli.js", key=0x5a, line=2)' \
	"npm tarball: the member and its line"
run "$OVERT" inspect --format json package
expect_status 1 "npm folder: exit 1"
cp "$TMP/out" dir.json
check dir.json 'one(rule="obfuscation.xor-table", file="package/cli.js", key=0x5a)' "npm folder: the file"

# --- Bun executable -------------------------------------------------------------------
run "$OVERT" inspect --format json --extract extracted bun.elf
expect_status 1 "bun.elf: exit 1"
cp "$TMP/out" bun.json
check bun.json 'one(rule="embed.bun", severity="info") and "appended" in one(rule="embed.bun")[0]["message"]' \
	"bun.elf: the Bun embedding and how it was found"
check bun.json 'one(rule="obfuscation.xor-table", member="/$bunfs/root/cli.js", key=0x5a, line=2, column=10)' \
	"bun.elf: the table inside the embedded module, with line:column"
cmp -s extracted/root_cli.js bad.js && ok || fail "--extract wrote the embedded module"

# --- Node SEA executable (postject puts the blob in an ELF note) ------------------------
cp /bin/true sea.elf
objcopy --add-section .note.node_sea=sea.note sea.elf sea-note.elf
run "$OVERT" inspect --format json sea-note.elf
expect_status 1 "sea: exit 1"
cp "$TMP/out" sea.json
check sea.json 'one(rule="embed.node-sea") and "NODE_SEA_BLOB" in one(rule="embed.node-sea")[0]["message"]' \
	"sea: the SEA embedding"
check sea.json 'one(rule="obfuscation.xor-table", member="/app/main.js", key=0x5a)' "sea: the table in the main script"
run "$OVERT" inspect --format json sea.elf
expect_status 0 "a plain ELF: exit 0"
check "$TMP/out" 'not one(rule="embed.node-sea") and not one(rule="embed.bun")' "a plain ELF has no embedding"

# --- .vsix ----------------------------------------------------------------------------
run "$OVERT" inspect --format json ext.vsix
expect_status 1 "vsix: exit 1"
cp "$TMP/out" vsix.json
check vsix.json 'one(rule="obfuscation.xor-table", member="extension/out/extension.js", key=0x5a)' \
	"vsix: the member"

# --- progress: on a terminal only -------------------------------------------------------
if command -v script > /dev/null; then
	script -qec "'$OVERT' inspect --format json bad.js > /dev/null" /dev/null < /dev/null > tty.txt 2>&1 || true
	grep -q "inspecting bad.js" tty.txt && ok || { status=-1; fail "progress on a terminal"; }
	run "$OVERT" inspect --format json bad.js
	[[ $err != *inspecting* ]] && ok || fail "no progress when stderr is not a terminal"
fi

# --- errors and usage -------------------------------------------------------------------
run "$OVERT" inspect missing.js bad.js
expect_status 4 "a missing input: exit 4"
expect_err "cannot open 'missing.js'" "a missing input: message"
expect_out "obfuscation.xor-table" "the other inputs are still inspected"
mkdir -p tree/sub
cp bad.js tree/sub/a.js
printf 'PK\003\004not a zip' > tree/broken.zip
run "$OVERT" inspect --format json tree
expect_status 4 "a damaged archive in a folder: exit 4"
expect_err "cannot read 'tree/broken.zip'" "a damaged archive in a folder: named"
expect_out '"file":"tree/sub/a.js"' "the rest of the folder is still inspected"
run "$OVERT" inspect --format yaml bad.js
expect_status 2 "bad format: usage"
run "$OVERT" inspect
expect_status 2 "no path: usage"
run "$OVERT" inspect --fail-on critical bad.js
expect_status 0 "--fail-on critical: exit 0"
run "$OVERT" inspect --min-severity high --format json bad.js
check "$TMP/out" 'F and all(f["severity"] in ("high", "critical") for f in F)' "--min-severity filters"

# --- real agents from npm (opt-in) -------------------------------------------------------
if [[ ${OVERT_E2E:-} == 1 ]]; then
	cache=${OVERT_E2E_CACHE:-$HOME/.cache/overt-e2e}
	mkdir -p "$cache"
	# 2.1.90 and 2.1.100 bracket the start of the 2026 marker (docs/INSPECT.md).
	for spec in ${OVERT_E2E_PACKAGES:-@anthropic-ai/claude-code@2.1.90 @anthropic-ai/claude-code@2.1.100 \
		@qwen-code/qwen-code@0.24.4 @qoder-ai/qodercli@1.1.52}; do
		# npm's own name for the tarball: @scope/name@1.2 -> scope-name-1.2.tgz
		tgz=$cache/$(echo "${spec#@}" | tr '/@' '--').tgz
		if [[ ! -s $tgz ]]; then
			(cd "$cache" && npm pack --silent "$spec" > /dev/null) && [[ -s $tgz ]] ||
				{ fail "npm pack $spec"; continue; }
		fi
		run "$OVERT" inspect --format json "$tgz"
		[[ $status -le 1 ]] && ok || fail "e2e: inspect $spec"
		echo "e2e $spec: exit $status, $(grep -c '"severity":"high"' "$TMP/out" || true) high findings" >&2
		python3 -c 'import json, sys, collections
F = [json.loads(l) for l in open(sys.argv[1])]
for (r, s), n in sorted(collections.Counter((f["rule"], f["severity"]) for f in F).items()):
    print("   ", s, r, n, file=sys.stderr)' "$TMP/out"
		marker='one(rule="obfuscation.xor-table", key=0x5b, scheme="base64+xor") and one(rule="covert.date-separator-swap")'
		case $spec in
		@anthropic-ai/claude-code@2.1.100) check "$TMP/out" "$marker" "e2e: the marker in $spec" ;;
		@anthropic-ai/claude-code@2.1.90) check "$TMP/out" "not ($marker)" "e2e: no marker in $spec" ;;
		esac
	done
fi

finish
