# SPDX-License-Identifier: MIT
# overt inventory against a fake machine under --root: npm global layouts
# (system prefix, ~/.npm-global, an ~/.npmrc prefix, nvm, volta, pnpm,
# bun), scoped packages, launchers (relative and absolute symlinks), the
# native installer's version dir, editor extensions, a JetBrains plugin,
# Homebrew, /opt, state dirs with set mtimes, and decoys that must not be
# reported.  Then policies and exit codes, and a remove -> restore round
# trip that must leave the tree byte-identical, with audit rows that verify.
source "$(dirname "$0")/lib.sh"

R=$TMP/root
Q=$TMP/quarantine
DB=$TMP/audit.db
mkdir -p "$R/etc"
printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' \
	'alice:x:1000:1000::/home/alice:/bin/bash' \
	'bob:x:1001:1001::/home/bob:/bin/bash' \
	'daemon:x:1:1::/usr/sbin:/usr/sbin/nologin' >"$R/etc/passwd"

# pkg DIR NAME VERSION: a package dir with a package.json and a cli.
pkg() {
	mkdir -p "$1"
	printf '{"name": "%s", "version": "%s", "bin": {"x": "cli.js"}}\n' "$2" "$3" >"$1/package.json"
	printf '#!/usr/bin/env node\nconsole.log("%s %s")\n' "$2" "$3" >"$1/cli.js"
	chmod 755 "$1/cli.js"
}

# System-wide npm: claude 2.1.100 (inside the marker's range).
pkg "$R/usr/local/lib/node_modules/@anthropic-ai/claude-code" @anthropic-ai/claude-code 2.1.100
mkdir -p "$R/usr/local/bin"
ln -s ../lib/node_modules/@anthropic-ai/claude-code/cli.js "$R/usr/local/bin/claude"

A=$R/home/alice
pkg "$A/.npm-global/lib/node_modules/@openai/codex" @openai/codex 0.171.0
mkdir -p "$A/.npm-global/bin"
ln -s ../lib/node_modules/@openai/codex/cli.js "$A/.npm-global/bin/codex"
echo 'prefix = ~/tools/npm' >"$A/.npmrc"
pkg "$A/tools/npm/lib/node_modules/@google/gemini-cli" @google/gemini-cli 0.20.0
pkg "$A/.nvm/versions/node/v22.11.0/lib/node_modules/@qwen-code/qwen-code" @qwen-code/qwen-code 0.12.0
mkdir -p "$A/.nvm/versions/node/v22.11.0/bin"
ln -s ../lib/node_modules/@qwen-code/qwen-code/cli.js "$A/.nvm/versions/node/v22.11.0/bin/qwen"
pkg "$A/.volta/tools/image/packages/@qoder-ai/qodercli/lib/node_modules/@qoder-ai/qodercli" \
	@qoder-ai/qodercli 0.2.4
mkdir -p "$A/.volta/bin"
ln -s volta-shim "$A/.volta/bin/qodercli"
PN=$A/.local/share/pnpm
pkg "$PN/global/5/node_modules/.pnpm/@github+copilot@1.0.54/node_modules/@github/copilot" \
	@github/copilot 1.0.54
mkdir -p "$PN/global/5/node_modules/@github"
ln -s ../.pnpm/@github+copilot@1.0.54/node_modules/@github/copilot \
	"$PN/global/5/node_modules/@github/copilot"
printf '#!/bin/sh\nexec node "$basedir/global/5/node_modules/@github/copilot/cli.js" "$@"\n' >"$PN/copilot"
# Decoys: a package of another name, and one that only claims a name we know.
pkg "$A/.npm-global/lib/node_modules/claude-code-helper" claude-code-helper 1.0.0
mkdir -p "$A/.claude/projects"
touch -d '2026-11-20 10:00:00 UTC' "$A/.claude/projects" "$A/.claude"

B=$R/home/bob
mkdir -p "$B/.local/share/claude/versions" "$B/.local/bin"
printf 'ELF pretend binary 2.1.150\n' >"$B/.local/share/claude/versions/2.1.150"
chmod 755 "$B/.local/share/claude/versions/2.1.150"
ln -s /home/bob/.local/share/claude/versions/2.1.150 "$B/.local/bin/claude"
mkdir -p "$B/.vscode/extensions/anthropic.claude-code-2.0.5-linux-x64" \
	"$B/.cursor/extensions/openai.chatgpt-0.4.12" \
	"$B/.vscode/extensions/ms-python.python-2026.1.0"
JB=$B/.local/share/JetBrains/IntelliJIdea2025.2/claude-code-jetbrains-plugin/lib
mkdir -p "$JB"
touch "$JB/claude-code-jetbrains-plugin-0.1.11-beta.jar" "$JB/kotlin-stdlib-2.1.20.jar"
pkg "$B/.bun/install/global/node_modules/@openai/codex" @openai/codex 0.100.0
pkg "$B/.npm-global/lib/node_modules/@anthropic-ai/claude-code" not-claude 9.9.9
mkdir -p "$B/.local/lib/node_modules/@google/gemini-cli"
mkfifo "$B/.local/lib/node_modules/@google/gemini-cli/package.json"
mkdir -p "$B/.claude" "$B/.config/opencode"
touch "$B/.claude.json"
touch -d '2026-06-30 12:00:00 UTC' "$B/.claude" "$B/.claude.json"
touch -d '2026-05-01 08:00:00 UTC' "$B/.config/opencode"

mkdir -p "$R/home/linuxbrew/.linuxbrew/Cellar/gemini-cli/0.19.1/bin" "$R/home/linuxbrew/.linuxbrew/bin"
ln -s ../Cellar/gemini-cli/0.19.1/bin/gemini "$R/home/linuxbrew/.linuxbrew/bin/gemini"
touch "$R/home/linuxbrew/.linuxbrew/Cellar/gemini-cli/0.19.1/bin/gemini"
mkdir -p "$R/opt/qwen-code-0.10.2" "$R/opt/unrelated"
# More layouts: a Homebrew cask, yarn, asdf and fnm.
mkdir -p "$R/opt/homebrew/Caskroom/claude-code/2.0.1"
: >"$R/opt/homebrew/Caskroom/claude-code/2.0.1/claude"
pkg "$B/.config/yarn/global/node_modules/@qwen-code/qwen-code" @qwen-code/qwen-code 0.11.0
mkdir -p "$B/.yarn/bin"
ln -s ../../.config/yarn/global/node_modules/@qwen-code/qwen-code/cli.js "$B/.yarn/bin/qwen"
pkg "$A/.asdf/installs/nodejs/22.1.0/lib/node_modules/@google/gemini-cli" @google/gemini-cli 0.21.0
pkg "$B/.local/share/fnm/node-versions/v24.0.0/installation/lib/node_modules/@github/copilot" \
	@github/copilot 1.0.50
# A launcher into a prefix no list names, and one into a wrapper other
# programs share (which must never count as the agent's own file).
pkg "$R/srv/tools/lib/node_modules/@openai/codex" @openai/codex 0.150.0
ln -s /srv/tools/lib/node_modules/@openai/codex/cli.js "$R/usr/local/bin/codex"
printf '#!/bin/sh\nexec "$@"\n' >"$R/usr/local/bin/wrapper"
mkdir -p "$B/bin"
ln -s /usr/local/bin/wrapper "$B/bin/gemini"

INV=("$OVERT" inventory --root "$R" --all-users --quarantine "$Q" --db "$DB")

# field AGENT METHOD USER KEY: one install's field from the JSON lines.
field() {
	python3 - "$TMP/out" "$@" <<'EOF'
import json, sys
path, agent, method, user, key = sys.argv[1:6]
hits = [o for o in map(json.loads, open(path)) if o["agent"] == agent and
        o["method"] == method and o["user"] == user]
if len(hits) != 1:
    print("<%d matches>" % len(hits)); sys.exit(0)
v = hits[0][key]
print(json.dumps(v) if isinstance(v, (list, dict)) or v is None else v)
EOF
}

# expect_field AGENT METHOD USER KEY WANT
expect_field() {
	local got
	got=$(field "$1" "$2" "$3" "$4")
	[ "$got" = "$5" ] && ok || fail "$1 via $2 ($3): $4 is '$got', want '$5'"
}

run "${INV[@]}" --format json
expect_status 1 "the default policy bans what a critical advisory affects"
expect_json_lines "json lines"
expect_field claude npm system version 2.1.100
expect_field claude npm system verdict banned
expect_field claude npm system launchers "[\"$R/usr/local/bin/claude\"]"
expect_field claude npm system last_use 2026-11-20T10:00:00Z
expect_field codex npm alice version 0.171.0
expect_field codex npm alice launchers "[\"$A/.npm-global/bin/codex\"]"
expect_field codex npm alice package @openai/codex
expect_field gemini npm alice path "$A/tools/npm/lib/node_modules/@google/gemini-cli"
expect_field qwen nvm alice version 0.12.0
expect_field qwen nvm alice launchers "[\"$A/.nvm/versions/node/v22.11.0/bin/qwen\"]"
expect_field qoder volta alice version 0.2.4
expect_field qoder volta alice launchers "[\"$A/.volta/bin/qodercli\"]"
expect_field copilot pnpm alice version 1.0.54
expect_field copilot pnpm alice launchers "[\"$PN/copilot\"]"
expect_field codex bun bob version 0.100.0
expect_field claude native bob version 2.1.150
expect_field claude native bob launchers "[\"$B/.local/bin/claude\"]"
expect_field claude native bob last_use 2026-06-30T12:00:00Z
expect_field claude native bob verdict banned
expect_field claude native bob state "[\"$B/.claude\", \"$B/.claude.json\"]"
expect_field claude vscode bob version 2.0.5
expect_field claude vscode bob verdict allowed
expect_field codex cursor bob version 0.4.12
expect_field claude jetbrains bob version 0.1.11-beta
expect_field claude jetbrains bob detail IntelliJIdea2025.2
expect_field gemini homebrew system version 0.19.1
expect_field gemini homebrew system launchers "[\"$R/home/linuxbrew/.linuxbrew/bin/gemini\"]"
expect_field qwen opt system version 0.10.2
expect_field codex npm system path "$R/srv/tools/lib/node_modules/@openai/codex"
expect_field codex npm system version 0.150.0
expect_field codex npm system launchers "[\"$R/usr/local/bin/codex\"]"
expect_field gemini binary bob path "$B/bin/gemini"
expect_field gemini binary bob launchers "[]"
expect_field claude homebrew system version 2.0.1
expect_field claude homebrew system path "$R/opt/homebrew/Caskroom/claude-code/2.0.1"
expect_field qwen yarn bob version 0.11.0
expect_field qwen yarn bob launchers "[\"$B/.yarn/bin/qwen\"]"
expect_field gemini asdf alice version 0.21.0
expect_field copilot fnm bob version 1.0.50
expect_field opencode state bob verdict traces
expect_field opencode state bob last_use 2026-05-01T08:00:00Z
n=$(wc -l <"$TMP/out")
[ "$n" -eq 20 ] && ok || fail "20 installs and traces expected, got $n"
grep -q 'claude-code-helper\|not-claude\|9\.9\.9\|ms-python' "$TMP/out" && fail "a decoy was reported" || ok

run "${INV[@]}"
expect_status 1 "text"
expect_out "BANNED  claude 2.1.100 (Claude Code) via npm, system" "text: banned line"
expect_out "advisory: OVERT-2026-0001 (critical)" "text: the advisory"
expect_out "traces  opencode (opencode): state only" "text: traces"
expect_out "19 installs (2 banned), 1 with state only, in 2 homes" "text: summary"

# A home dir whose name holds an escape sequence: shown escaped, not sent
# to the terminal.
E=$TMP/root-esc
mkdir -p "$E/etc" "$E/home/ev"$'\e'"[2Jil/.codex"
printf 'eve:x:1002:1002::/home/ev\033[2Jil:/bin/sh\n' >"$E/etc/passwd"
run "$OVERT" inventory --root "$E" --all-users
expect_status 0 "escaped path"
expect_out '/home/ev\u{001B}[2Jil/.codex' "the escape is shown as \\u{001B}"
grep -q $'\e' "$TMP/out" && fail "a raw ESC reached the output" || ok

# The caller's environment moves npm's prefix and pnpm's home.
E2=$TMP/root-env
mkdir -p "$E2/etc"
: >"$E2/etc/passwd"
pkg "$E2/srv/npm/lib/node_modules/@openai/codex" @openai/codex 0.160.0
pkg "$E2/srv/pnpm/global/5/node_modules/@google/gemini-cli" @google/gemini-cli 0.30.0
run env NPM_CONFIG_PREFIX=/srv/npm PNPM_HOME=/srv/pnpm "$OVERT" inventory --root "$E2" --format json
expect_status 0 "installs where the environment says"
expect_field codex npm "$(id -un)" version 0.160.0
expect_field gemini pnpm "$(id -un)" path "$E2/srv/pnpm/global/5/node_modules/@google/gemini-cli"

# Only one user.
run "$OVERT" inventory --root "$R" --user alice --format json
expect_status 1 "--user alice still sees the system claude"
grep -q '"user":"bob"' "$TMP/out" && fail "--user alice reported bob" || ok
run "$OVERT" inventory --root "$R" --user nobody
expect_status 2 "--user of nobody"
expect_err "no user 'nobody'" "--user of nobody: message"

# Policies.
cat >"$TMP/allow.json" <<'EOF'
{"schema": 1, "default": "allow", "advisories": {"ban_at": "none"}}
EOF
run "${INV[@]}" --policy "$TMP/allow.json"
expect_status 0 "allow everything"
cat >"$TMP/org.json" <<'EOF'
{
  "schema": 1,
  "name": "test org",
  "default": "ban",
  "advisories": {"ban_at": "high"},
  "rules": [
    {"agent": "qoder", "action": "ban", "reason": "not approved by legal"},
    {"agent": "claude", "methods": ["vscode", "jetbrains"], "action": "allow"},
    {"agent": "claude", "versions": ">=2.1.91 <2.1.198", "action": "ban", "reason": "date marker"},
    {"agent": "codex", "versions": "^0.171", "action": "allow"},
    {"agent": "*", "methods": ["homebrew", "opt"], "action": "allow"}
  ]
}
EOF
run "${INV[@]}" --policy "$TMP/org.json" --format json
expect_status 1 "org policy"
expect_field qoder volta alice reason "not approved by legal"
expect_field claude native bob reason "date marker"
expect_field claude vscode bob verdict allowed
expect_field codex npm alice verdict allowed
expect_field codex bun bob verdict banned
expect_field codex bun bob reason "not allowed by policy (default ban)"
expect_field gemini homebrew system verdict allowed
run "${INV[@]}" --policy "$SRCDIR/docs/inventory-policy.example.json" --format json
expect_status 1 "the example policy in docs/ loads and bans"
expect_field qoder volta alice reason "not approved: no data-processing agreement (ticket SEC-1432)"
expect_field claude vscode bob verdict allowed
expect_field codex cursor bob verdict banned
printf '{"rules": [{"agent": "x", "action": "forbid"}]}' >"$TMP/bad.json"
run "${INV[@]}" --policy "$TMP/bad.json"
expect_status 3 "bad policy"
expect_err "\"action\" takes allow or ban" "bad policy: message"
run "${INV[@]}" --policy "$TMP/missing.json"
expect_status 3 "missing policy"
run "${INV[@]}" --format yaml
expect_status 2 "bad format"
run "${INV[@]}" --yes
expect_status 2 "--yes without --remove"
run "$OVERT" help inventory
expect_status 0 "overt help inventory"
expect_out "--remove" "help lists --remove"

# The tree's state: paths, types, modes, owners, link targets, content hashes,
# and the mtimes of all but dirs (a rename in or out of a dir is a change
# of that dir, and restores do not hide that).
snapshot() {
	(cd "$R" && find . ! -type d -printf '%p %y %m %U:%G %T@ %l\n' | sort &&
		find . -type d -printf '%p %y %m %U:%G\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k 2)
}
snapshot >"$TMP/before"

run "${INV[@]}" --remove
expect_status 1 "--remove alone only shows"
expect_out "would quarantine claude 2.1.100 (npm)" "--remove: plan"
expect_out "nothing was moved; add --yes" "--remove: says nothing moved"
grep -q '^    state ' "$TMP/out" && fail "--remove without --include-state plans to move state" || ok
snapshot >"$TMP/after-dry"
cmp -s "$TMP/before" "$TMP/after-dry" && ok || fail "--remove without --yes changed the tree"
[ ! -e "$DB" ] && ok || fail "--remove without --yes wrote the audit log"

# A quarantine on another file system: rename cannot get there, so nothing
# moves (what moved goes back) and the user is told what to do.
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$TMP")" ]; then
	XQ=/dev/shm/overt-test-inventory.$$
	run "$OVERT" inventory --root "$R" --all-users --quarantine "$XQ" --db "$DB" --remove --yes
	expect_status 4 "quarantine on another file system"
	expect_err "on the same file system" "EXDEV: what to do"
	expect_err "stays installed" "EXDEV: nothing removed"
	snapshot >"$TMP/after-exdev"
	cmp -s "$TMP/before" "$TMP/after-exdev" && ok || fail "a failed quarantine changed the tree"
	[ -z "$(ls -A "$XQ")" ] && ok || fail "a failed quarantine left an entry"
	rm -rf "$XQ"
fi

run "${INV[@]}" --remove --yes --include-state
expect_status 0 "--remove --yes"
expect_out "quarantined claude 2.1.100 (npm) as " "--remove --yes: system claude"
expect_out "quarantined claude 2.1.150 (native) as " "--remove --yes: bob's claude"
[ ! -e "$R/usr/local/lib/node_modules/@anthropic-ai/claude-code" ] && [ ! -L "$R/usr/local/bin/claude" ] &&
	[ ! -L "$B/.local/bin/claude" ] && [ ! -e "$B/.claude" ] && ok ||
	fail "banned files are still in place"
[ -e "$B/.vscode/extensions/anthropic.claude-code-2.0.5-linux-x64" ] && ok ||
	fail "an allowed install was moved"
[ "$(stat -c %a "$Q")" = 700 ] && ok || fail "the quarantine dir is not 0700"
ids=$(ls "$Q")
[ "$(echo "$ids" | wc -l)" -eq 2 ] && ok || fail "two quarantine entries expected: $ids"

run "${INV[@]}" --format json
expect_status 0 "after removal nothing banned is left"
run "$OVERT" inventory --quarantine "$Q" --list-quarantine
expect_status 0 "--list-quarantine"
expect_out "claude 2.1.150 (native) $B/.local/share/claude/versions/2.1.150, 4 items" "list: bob's entry"

run "$OVERT" log verify --db "$DB"
expect_status 0 "audit log verifies after removal"
rows() {
	python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for r in db.execute("select action, agent, version, method, owner, reason from inventory_actions order by id"):
    print("|".join("" if x is None else str(x) for x in r))' "$DB"
}
rows >"$TMP/rows"
grep -qx 'quarantine|claude|2.1.100|npm|system|critical advisory OVERT-2026-0001' "$TMP/rows" &&
	ok || fail "audit row for the system claude: $(cat "$TMP/rows")"
grep -qx 'quarantine|claude|2.1.150|native|bob|critical advisory OVERT-2026-0001' "$TMP/rows" &&
	ok || fail "audit row for bob's claude"

# Something in the way: nothing is restored.
bob_id=$(cd "$Q" && grep -l '"version":"2.1.150"' */manifest.json | cut -d/ -f1)
mkdir "$B/.claude"
run "${INV[@]}" --restore "$bob_id"
expect_status 4 "restore over a reinstall"
expect_err "exists again" "restore over a reinstall: message"
[ ! -e "$B/.local/share/claude/versions/2.1.150" ] && ok || fail "a partial restore happened"
rmdir "$B/.claude"

for id in $ids; do
	run "${INV[@]}" --restore "$id"
	expect_status 0 "restore $id"
	expect_out "restored claude" "restore $id: message"
done
snapshot >"$TMP/after"
cmp -s "$TMP/before" "$TMP/after" && ok || { fail "the restored tree differs"; diff "$TMP/before" "$TMP/after" | head >&2; }
[ -z "$(ls "$Q")" ] && ok || fail "the quarantine is not empty after restoring"
run "${INV[@]}" --restore "$bob_id"
expect_status 4 "restoring twice"
run "${INV[@]}" --restore ../etc
expect_status 4 "a path as ID"
run "$OVERT" log verify --db "$DB"
expect_status 0 "audit log verifies after restores"
rows >"$TMP/rows"
[ "$(grep -c '^restore|claude|' "$TMP/rows")" -eq 2 ] && ok || fail "two restore rows expected"
run "$OVERT" inventory --history --db "$DB"
expect_status 0 "--history"
[ "$(grep -c ' quarantine ' "$TMP/out")" -eq 2 ] && [ "$(grep -c ' restore ' "$TMP/out")" -eq 2 ] &&
	ok || fail "--history lists two quarantines and two restores"
expect_out "reason: critical advisory OVERT-2026-0001" "--history: the reason"

# An edited row is found.
python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("update inventory_actions set owner = ? where id = 1", ("eve",)); db.commit()' "$DB"
run "$OVERT" log verify --db "$DB"
expect_status 1 "an edited inventory row"
grep -q "inventory_actions row 1 does not match its hash" "$TMP/err" &&
	grep -q "(inventory_actions row 1)" "$TMP/err" && ok ||
	fail "verify does not name the edited inventory row"

finish
