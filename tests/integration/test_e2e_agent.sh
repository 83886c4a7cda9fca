#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A real agent behind overt proxy (opt-in: OVERT_E2E=1).  Claude Code from
# npm, cached in $OVERT_E2E_CACHE (default ~/.cache/overt-e2e), runs
# `claude -p "say ok"` with ANTHROPIC_BASE_URL at `overt proxy --db`, which
# forwards to `overt mock`; all three run inside `unshare -rn`, a network
# namespace with nothing but loopback, so the agent cannot reach anything
# else.  The mock's reply text must come back as the agent's answer, and
# the exchange must be in a verifying audit log.  Then the same through a
# proxy that wants an access token, sent with ANTHROPIC_CUSTOM_HEADERS.
if [ "${OVERT_E2E:-}" != 1 ]; then
	echo "skipped: set OVERT_E2E=1 to run Claude Code from npm behind the proxy"
	exit 0
fi
. "$(dirname "$0")/lib.sh"

cache=${OVERT_E2E_CACHE:-${HOME:-/root}/.cache/overt-e2e}
claude=$cache/node_modules/.bin/claude
for t in npm node unshare ip; do
	command -v "$t" >/dev/null || { echo "e2e: '$t' is needed" >&2; exit 1; }
done
# The only step that uses the network, outside the namespace: npm's registry.
if [ ! -x "$claude" ]; then
	mkdir -p "$cache"
	npm install --prefix "$cache" --no-audit --no-fund @anthropic-ai/claude-code >"$TMP/npm.log" 2>&1 ||
		{ cat "$TMP/npm.log" >&2; exit 1; }
fi
version=$("$claude" --version 2>/dev/null || echo unknown)
echo "e2e: Claude Code $version"

reply="overt mock says the e2e answer is ok"
key=sk-ant-e2e-dummy-key-0123456789
mkdir -p "$TMP/home"
cat >"$TMP/inside.sh" <<'SH'
# Runs inside the namespace: lo up, mock, proxy, agent; then stop both.
set -u
ip link set lo up
wait_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
"$OVERT" mock --listen 127.0.0.1:0 --ready-file mock.addr --record rec --reply "$REPLY" 2>mock.err &
mock=$!
wait_file mock.addr || exit 10
"$OVERT" proxy --upstream "http://$(cat mock.addr)" --db audit.db --listen 127.0.0.1:0 \
	--ready-file proxy.addr 2>proxy.err &
proxy=$!
wait_file proxy.addr || exit 11
rc=0
env -i PATH=/usr/bin:/bin HOME="$PWD/home" ANTHROPIC_BASE_URL="http://$(cat proxy.addr)" \
	ANTHROPIC_API_KEY="$KEY" CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
	timeout 180 "$CLAUDE" -p "say ok" >claude.out 2>claude.err || rc=$?
kill -TERM "$proxy"
wait "$proxy" || rc=20
# The same agent through a proxy that wants an access token, which Claude
# Code sends with ANTHROPIC_CUSTOM_HEADERS as docs/PROXY.md says.
OVERT_PROXY_TOKEN=$TOKEN "$OVERT" proxy --upstream "http://$(cat mock.addr)" \
	--listen 127.0.0.1:0 --ready-file token.addr 2>token.err &
proxy=$!
wait_file token.addr || exit 12
env -i PATH=/usr/bin:/bin HOME="$PWD/home" ANTHROPIC_BASE_URL="http://$(cat token.addr)" \
	ANTHROPIC_API_KEY="$KEY" ANTHROPIC_CUSTOM_HEADERS="X-Overt-Token: $TOKEN" \
	CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
	timeout 180 "$CLAUDE" -p "say ok" >token.out 2>&1 || rc=30
kill -TERM "$proxy" "$mock"
wait "$proxy" || rc=21
exit "$rc"
SH
status=0
token=$(openssl rand -hex 24)
OVERT=$OVERT CLAUDE=$claude REPLY=$reply KEY=$key TOKEN=$token timeout 400 unshare -rn bash "$TMP/inside.sh" || status=$?
out=$(cat "$TMP/claude.out" 2>/dev/null); err=$(cat "$TMP/claude.err" "$TMP/proxy.err" 2>/dev/null)
[ "$status" = 0 ] && ok || fail "claude -p or the proxy failed inside the namespace"
grep -qF "$reply" "$TMP/claude.out" && ok || fail "the agent did not print the mock's answer"
ls "$TMP/rec" | grep -q '^[0-9].*\.json$' && ok || fail "the mock recorded no request"
grep -q '"path":"/v1/messages' "$TMP/rec/index.jsonl" && ok || fail "no /v1/messages request reached the mock"

run "$OVERT" log verify --db "$TMP/audit.db"
expect_status 0 "the audit log verifies"
run "$OVERT" log list --db "$TMP/audit.db" --format json
python3 - "$TMP/out" <<'PY' && ok || fail "the audit log lacks the agent's /v1/messages exchange"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert any(r["path"].startswith("/v1/messages") and r["status"] == 200 for r in rows), rows
PY
grep -qF -- "$key" "$TMP/audit.db" "$TMP/audit.db-wal" 2>/dev/null && fail "the API key is in the audit log" || ok
grep -qF "$reply" "$TMP/token.out" && ok || fail "with ANTHROPIC_CUSTOM_HEADERS the token did not pass: $(head -c 500 "$TMP/token.out")"
grep -q "POST /v1/messages -> 200" "$TMP/token.err" && ok || fail "the token proxy did not relay /v1/messages"
# Claude Code's HEAD / reachability check goes without the custom headers
# (a 401 it ignores); every other request must carry the token.
grep -- "-> 401" "$TMP/token.err" | grep -qv "HEAD / " && fail "a request other than the HEAD preflight lacked the token" || ok
finish
