# SPDX-License-Identifier: MIT
# Opt-in (OVERT_E2E=1): a real agent from npm, Claude Code, runs a one-shot
# prompt inside `overt run` against `overt mock`.  npm installs it outside
# the sandbox into a cache directory (OVERT_E2E_CACHE, default
# ~/.cache/overt-e2e); the agent itself runs only in overt's sandbox, whose
# network namespace has loopback alone.
source "$(dirname "$0")/lib.sh"

if [ "${OVERT_E2E:-}" != 1 ]; then
	echo "skipped: set OVERT_E2E=1 to run a real agent from npm"
	exit 0
fi
CACHE=${OVERT_E2E_CACHE:-$HOME/.cache/overt-e2e}
CLAUDE=$CACHE/node_modules/.bin/claude
if [ ! -x "$CLAUDE" ]; then
	mkdir -p "$CACHE"
	npm install --no-audit --no-fund --prefix "$CACHE" @anthropic-ai/claude-code >&2
fi
VERSION=$(node -p "require('$CACHE/node_modules/@anthropic-ai/claude-code/package.json').version")
echo "claude-code $VERSION"

mkdir -p "$TMP/home" "$TMP/proj"
"$OVERT" mock -q --ready-file "$TMP/mock.addr" &
MOCK=$!
trap 'kill $MOCK 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 500); do [ -s "$TMP/mock.addr" ] && break; sleep 0.02; done

cd "$TMP/proj"
run env HOME="$TMP/home" TERM=dumb "$OVERT" run --upstream "http://$(cat "$TMP/mock.addr")" \
	--db "$TMP/audit.db" --allow-read "$CACHE" --env ANTHROPIC_API_KEY=sk-ant-e2e-dummy \
	-- "$CLAUDE" -p "say ok" </dev/null
cd "$TMP"
expect_status 0 "claude -p inside overt run"
expect_out "ok" "the mock's reply is printed"
run "$OVERT" log list --db "$TMP/audit.db"
expect_out "POST /v1/messages" "the model exchange is in the audit log"
run "$OVERT" log events --db "$TMP/audit.db"
expect_out '"agent":"claude"' "the session names the agent"
expect_out "exit 0" "and its status"

# The same with a fresh HOME: the agent's first run, in a HOME of its own
# that goes away with the session; the real one is left as it was.
ls -A "$TMP/home" | sort >"$TMP/home-before"
cd "$TMP/proj"
run env HOME="$TMP/home" TERM=dumb "$OVERT" run --upstream "http://$(cat "$TMP/mock.addr")" \
	--db "$TMP/audit.db" --allow-read "$CACHE" --env ANTHROPIC_API_KEY=sk-ant-e2e-dummy \
	--fresh-home -- "$CLAUDE" -p "say ok" </dev/null
cd "$TMP"
expect_status 0 "claude -p inside overt run --fresh-home"
expect_out "ok" "the mock's reply is printed"
ls -A "$TMP/home" | sort | cmp -s - "$TMP/home-before" && ok ||
	fail "the real HOME changed under --fresh-home"
finish
