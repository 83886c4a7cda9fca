# SPDX-License-Identifier: MIT
# overt inventory run as root over users' homes: what a user puts in their
# home must not make root read files the user cannot.  A package.json or
# .npmrc that is a symlink is not followed, and a package.json that belongs
# to another user (a hard link, or a planted file) is not read.  Also the
# text report's escaping of a hostile path (shared util/term.c).
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "skipped: needs root to own files as other users"
	exit 0
fi

R=$TMP/root
mkdir -p "$R/etc" "$R/secret"
printf '%s\n' 'alice:x:1000:1000::/home/alice:/bin/bash' \
	'bob:x:1001:1001::/home/bob:/bin/bash' >"$R/etc/passwd"

pkg() {
	mkdir -p "$1"
	printf '{"name": "%s", "version": "%s"}\n' "$2" "$3" >"$1/package.json"
}

# A root-only file whose "name" matches an agent: its version is the secret.
printf '{"name": "@openai/codex", "version": "6.6.6-rootonly"}\n' >"$R/secret/data.json"
chmod 600 "$R/secret/data.json"
printf 'prefix = /secret/prefix\n' >"$R/secret/npmrc"
pkg "$R/secret/prefix/lib/node_modules/@google/gemini-cli" @google/gemini-cli 5.5.5-viarc

A=$R/home/alice
mkdir -p "$A/.npm-global/lib/node_modules/@openai/codex"
ln -s /secret/data.json "$A/.npm-global/lib/node_modules/@openai/codex/package.json"
mkdir -p "$A/.local/lib/node_modules/@openai/codex"
ln -s "$R/secret/data.json" "$A/.local/lib/node_modules/@openai/codex/package.json"
ln -s "$R/secret/npmrc" "$A/.npmrc"
# Alice's own package: read.
pkg "$A/.nvm/versions/node/v22.0.0/lib/node_modules/@qwen-code/qwen-code" @qwen-code/qwen-code 0.12.0
chown -R 1000:1000 "$A"

B=$R/home/bob
# A file in bob's home that belongs to alice (uid 1000): not bob's to show.
pkg "$B/.npm-global/lib/node_modules/@anthropic-ai/claude-code" @anthropic-ai/claude-code 4.4.4-alices
chown -R 1001:1001 "$B"
chown 1000:1000 "$B/.npm-global/lib/node_modules/@anthropic-ai/claude-code/package.json"
# Root's file in bob's home is fine (an admin installed it).
pkg "$B/.bun/install/global/node_modules/@openai/codex" @openai/codex 0.100.0

# A Linuxbrew prefix belongs to the linuxbrew user: its packages are read,
# a symlinked package.json there is not.
LB=$R/home/linuxbrew/.linuxbrew/lib/node_modules
pkg "$LB/@qoder-ai/qodercli" @qoder-ai/qodercli 0.3.1-brew
mkdir -p "$LB/@openai/codex"
ln -s /secret/data.json "$LB/@openai/codex/package.json"
chown -R 1500:1500 "$R/home/linuxbrew"

run "$OVERT" inventory --root "$R" --all-users --format json
[ "$status" -le 1 ] && ok || fail "inventory ran"
expect_out '"version":"0.3.1-brew"' "a Linuxbrew package owned by its user is read"
expect_json_lines "json lines"
grep -q 'rootonly' "$TMP/out" && fail "a symlinked package.json was followed" || ok
grep -q 'viarc' "$TMP/out" && fail "a symlinked .npmrc was followed" || ok
grep -q 'alices' "$TMP/out" && fail "another user's package.json in bob's home was read" || ok
expect_out '"version":"0.12.0"' "alice's own package.json is read"
expect_out '"version":"0.100.0"' "a root-owned package.json in bob's home is read"

# Owned by the right user, the same file is read.
chown 1001:1001 "$B/.npm-global/lib/node_modules/@anthropic-ai/claude-code/package.json"
run "$OVERT" inventory --root "$R" --all-users --format json
expect_out '"version":"4.4.4-alices"' "bob's own package.json is read"

# A version with a terminal escape, from alice's own package.json, is
# shown escaped in the text report and in the quarantine plan.
mkdir -p "$A/.bun/install/global/node_modules/@github/copilot"
printf '{"name": "@github/copilot", "version": "1.0\\u001b]0;pwn\\u0007"}\n' \
	>"$A/.bun/install/global/node_modules/@github/copilot/package.json"
printf '{"schema": 1, "default": "allow", "rules": [{"agent": "copilot", "action": "ban"}]}\n' >"$TMP/ban.json"
run "$OVERT" inventory --root "$R" --all-users --policy "$TMP/ban.json" --remove \
	--quarantine "$TMP/q" --db "$TMP/audit.db"
expect_out 'BANNED  copilot 1.0\u{001B}]0;pwn\u{0007} (' "the version is escaped in the report"
expect_out 'would quarantine copilot 1.0\u{001B}]0;pwn\u{0007} (bun)' "and in the plan"
grep -q $'\e' "$TMP/out" && fail "an escape in a version reached the terminal" || ok

# A launcher whose target's name holds an escape, and a quarantine that
# fails (another file system): the error names the path escaped.
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$TMP")" ]; then
	X=$'/opt/x\e[2J'
	mkdir -p "$R$X" "$A/.local/bin"
	printf 'x' >"$R$X/claude"
	ln -s "$X/claude" "$A/.local/bin/claude"
	printf '{"schema": 1, "default": "allow", "rules": [{"agent": "claude", "action": "ban"}]}\n' \
		>"$TMP/ban2.json"
	XQ=/dev/shm/overt-test-owner.$$
	run "$OVERT" inventory --root "$R" --all-users --policy "$TMP/ban2.json" --remove --yes \
		--quarantine "$XQ" --db "$TMP/audit.db"
	rm -rf "$XQ"
	expect_status 4 "a quarantine on another file system fails"
	expect_err '/opt/x\u{001B}[2J/claude' "the error shows the path escaped"
	grep -q $'\e' "$TMP/err" && fail "an escape in a path reached the terminal on stderr" || ok
	rm -f "$A/.local/bin/claude"
fi

# A home with a terminal escape and a bidi override in its name is shown
# escaped in text (util/term.c).
C=$'/home/c\e]0;pwn\a\u202eol'
printf 'carol:x:1002:1002::%s:/bin/bash\n' "$C" >>"$R/etc/passwd"
mkdir -p "$R$C/.gemini"
run "$OVERT" inventory --root "$R" --all-users
expect_out '/home/c\u{001B}]0;pwn\u{0007}\u{202E}ol/.gemini' "escapes shown"
grep -q $'\e' "$TMP/out" && fail "an escape reached the terminal" || ok
finish
