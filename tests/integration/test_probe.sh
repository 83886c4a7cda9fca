#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt probe with a test agent (probe_agent.sh, curl against the mock in
# each cell): the covert markers it hides by timezone, host and locale are
# found and attributed to exactly those factors, its random ids are noise,
# a marker needing two conditions is attributed to the pair, the clean
# variant comes out clean, the cells are isolated (fixed identity, private
# /etc/hosts, no way out, a PID namespace) and the machine's /etc/hosts is
# untouched, the
# proxy recorder sees the agent's proxy use, a timeout kills the agent, a
# signal stops the probe cleanly, and agent profiles, --home-template and
# {url} in the command reach the agent.
. "$(dirname "$0")/lib.sh"

# Each cell has a fresh /tmp and /home: the agent lives outside both, even
# when the source tree was cloned under /tmp.
outside_tmp
AGENT=$OUTSIDE/probe_agent.sh
cp "$SRCDIR/tests/integration/probe_agent.sh" "$AGENT"
if ! unshare -rn true 2>/dev/null; then
	echo "SKIP: user namespaces are not available here"
	exit 0
fi
base=(--base-url-env ANTHROPIC_BASE_URL --key-env ANTHROPIC_API_KEY -j 2 --timeout 60)
small=(--tz UTC,Asia/Shanghai,America/New_York --lang en_US.UTF-8,zh_CN.UTF-8
       --host 127.0.0.1,api.example.cn)
hosts_before=$(sha256sum /etc/hosts)

run "$OVERT" probe --help
expect_status 0 "probe --help"; expect_out "--home-template" "probe --help"
run "$OVERT" probe
expect_status 2 "no command"; expect_err "give the agent's COMMAND" "no command"
run "$OVERT" probe --host "bad host" -- true
expect_status 2 "bad --host"; expect_err "is not a host name" "bad --host"
run "$OVERT" probe --agent no-such-agent
expect_status 2 "unknown agent"; expect_err "--base-url-env" "unknown agent"
run "$OVERT" probe --format xml -- true
expect_status 2 "bad --format"
run "$OVERT" probe -- /no/such/agent
expect_status 2 "missing command"; expect_err "cannot find" "missing command"

run "$OVERT" probe --base-url-env X --tz UTC --lang en_US.UTF-8 --host 127.0.0.1 --repeat 1 \
	--home-template "$TMP/no-such-dir" -- true
expect_status 4 "cells that cannot be set up"
expect_err "cannot copy the home template" "cells that cannot be set up"
expect_err "no cell could be set up" "cells that cannot be set up"

# A locale the C library does not have is said to be missing; C.UTF-8,
# which glibc always has, is not.
run "$OVERT" probe --base-url-env X --tz UTC --lang C.UTF-8,xx_XX.UTF-8 --host 127.0.0.1 \
	--repeat 1 --home-template "$TMP/no-such-dir" -- true
expect_err "locale 'xx_XX.UTF-8' is not installed" "a missing locale is named"
grep -q "locale 'C.UTF-8'" "$TMP/err" && fail "C.UTF-8 is said to be missing" || ok

# covert_factors: the factor sets of covert differences, one per line, sorted.
covert_factors() {
	python3 -c 'import json,sys
s = set()
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "difference" and o["class"] == "covert":
        s.add(o["kind"] + ":" + "+".join(o["factors"]))
print("\n".join(sorted(s)))' "$TMP/out"
}
# json_check PYTHON-EXPR over `d`, the list of difference objects.
json_check() {
	python3 -c 'import json,sys
d = [json.loads(l) for l in open(sys.argv[1])]
d = [o for o in d if o["type"] == "difference"]
assert eval(sys.argv[2]), d' "$TMP/out" "$1" && ok || fail "$2: $1"
}

# The covert agent: exactly the three markers, each on its own factor.
run "$OVERT" probe "${base[@]}" "${small[@]}" --format json -- bash "$AGENT" covert
expect_status 1 "covert agent"
expect_json_lines "covert agent"
got=$(covert_factors)
want=$'apostrophe:tz\ninvisible:host\nseparator:lang'
[ "$got" = "$want" ] && ok || fail "covert agent: covert factors are '$got', not '$want'"
json_check 'any(o["class"] == "noise" and o["json_path"] == "$.metadata.user_id" for o in d)' \
	"the random id is noise"
json_check 'all(o["json_path"] != "$.metadata.user_id" or o["class"] == "noise" for o in d)' \
	"the random id is only noise"
json_check 'any(o["kind"] == "apostrophe" and "Asia/Shanghai" in o["condition"] and
	any(v["codepoints"] == ["U+2019"] for v in o["values"]) for o in d)' "apostrophe values"
json_check 'all(len(o["values"]) == 11 for o in d)' "one value per cell"

# The same in text: tables with code points, the noise in one line.
run "$OVERT" probe "${base[@]}" "${small[@]}" -- bash "$AGENT" covert
expect_status 1 "covert agent, text"
expect_out "covert difference 1: invisible, explained by host" "text report"
expect_out '"⟨U+2019⟩" when tz ∈ {Asia/Shanghai}' "text report"
expect_out "noise: 1 difference between identical runs" "text report"
expect_out "3 covert, 0 visible, 1 noise" "text report"
expect_out "critical scheme.date-marker-2026" "scanner findings"

# The text report, byte for byte, with the date fixed.
run "$OVERT" probe "${base[@]}" "${small[@]}" -e PROBE_AGENT_DATE=2026-06-30 -- bash "$AGENT" covert
expect_status 1 "golden text report"
diff -u "$DATA/golden/probe.text" "$TMP/out" >"$TMP/golden.diff" && ok ||
	{ cat "$TMP/golden.diff" >&2; fail "the text report differs from tests/data/golden/probe.text"; }
run "$OVERT" probe "${base[@]}" "${small[@]}" --show-noise -- bash "$AGENT" covert
expect_out "noise difference 4: text, differs between identical runs" "--show-noise"
expect_out "POST /v1/messages model=claude-test #1  \$.metadata.user_id" "--show-noise"

# A marker that needs a custom host and an Asian timezone at once.
run "$OVERT" probe "${base[@]}" "${small[@]}" --format json -- bash "$AGENT" pair
expect_status 1 "pair agent"
got=$(covert_factors)
[ "$got" = "apostrophe:tz+host" ] && ok || fail "pair agent: covert factors are '$got'"
json_check 'any("tz ∈ {Asia/Shanghai} and host ∈ {api.example.cn}" in (o["condition"] or "")
	for o in d)' "pair condition"

# The clean variant: no covert difference, exit 0, ids still noise.
run "$OVERT" probe "${base[@]}" "${small[@]}" --format json -- bash "$AGENT" clean
expect_status 0 "clean agent"
[ -z "$(covert_factors)" ] && ok || fail "clean agent has covert differences"
json_check 'all(o["class"] != "covert" for o in d)' "clean agent"

# Isolation: what the agent sees inside a cell.
run "$OVERT" probe "${base[@]}" --tz UTC --lang en_US.UTF-8 --host 127.0.0.1,api.example.cn \
	--repeat 1 --keep "$TMP/keep" -- bash "$AGENT" env
expect_status 0 "env agent"
python3 - "$TMP/keep" <<'EOF' && ok || fail "isolation"
import json, sys, glob
seen = 0
for f in sorted(glob.glob(sys.argv[1] + "/cell-*/out/rec/0*.json")):
    body = json.loads(json.load(open(f))["body"])
    text = body["messages"][0]["content"]
    for want in ("user=user ", "uid=1000 ", "host=devbox ", "home=/home/user ",
                 "cwd=/home/user/project ", "outside=unreachable ", "tmp=0", " pid=2 "):
        assert want in text, (want, text)
    # Its own PID namespace: init, the agent, and what it runs now.
    assert int(text.split("procs=")[1].split()[0]) <= 6, text
    if "cell-002" in f:
        assert "api.example.cn" in text.split("hosts=")[1], text
    seen += 1
assert seen == 2, seen
EOF
[ "$(sha256sum /etc/hosts)" = "$hosts_before" ] && ok || fail "the machine's /etc/hosts changed"
[ -e "$TMP/keep/cell-001/etc/hosts" ] && ok || fail "--keep kept the cells"

# An agent profile from --agents-dir, with no COMMAND: its executable and
# prompt arguments, its variables and HOME files ({url} expanded), and a
# home template.
mkdir -p "$TMP/agents" "$TMP/tpl"
cat >"$TMP/agents/probetest.json" <<'EOF'
{"name": "probetest", "title": "probe test agent", "vendor": "overt", "api": "anthropic",
 "bin": ["bash"], "base_url": {"env": "ANTHROPIC_BASE_URL", "value": "{url}"},
 "key_env": "ANTHROPIC_API_KEY", "env": {"PROBE_EXTRA": "via-{url}"},
 "files": {"~/.probetest/config.json": "{\"url\": \"{url}\"}\n"},
 "prompt": ["-c", "{prompt}"]}
EOF
echo template-file >"$TMP/tpl/.tpl"
run "$OVERT" probe --agent probetest --agents-dir "$TMP/agents" --prompt "exec bash $AGENT env" \
	--home-template "$TMP/tpl" --tz UTC --lang en_US.UTF-8 --host 127.0.0.1,api.example.cn \
	--repeat 1 -j 2 --keep "$TMP/keep2"
expect_status 0 "agent profile"
python3 - "$TMP/keep2" <<'EOF' && ok || fail "agent profile: env, files, template"
import json, sys, glob
f = glob.glob(sys.argv[1] + "/cell-002/out/rec/0*.json")[0]
text = json.loads(json.load(open(f))["body"])["messages"][0]["content"]
for want in ("extra=via-http://api.example.cn ", "cfg=url: http://api.example.cn ",
             "tpl=template-file"):
    assert want in text, (want, text)
EOF

# {url} in the command line, for an agent that takes its base URL as an argument.
run "$OVERT" probe --tz UTC --lang en_US.UTF-8 --host 127.0.0.1,api.example.cn --format json \
	-- env "ANTHROPIC_BASE_URL={url}" bash "$AGENT" covert
expect_status 1 "{url} in the command"
[ "$(covert_factors)" = "invisible:host" ] && ok || fail "{url} in the command: $(covert_factors)"

# The proxy factor: the recorder sees the agent's plain-HTTP proxy use and
# passes it on to the mock; the content does not change.
run "$OVERT" probe "${base[@]}" --tz UTC --lang en_US.UTF-8 --host 127.0.0.1,api.example.cn \
	--proxy --format json -- bash "$AGENT" clean
expect_status 0 "proxy cells"
json_check 'any(o["request"].startswith("PROXY POST http://{host}/v1/messages") and
	o["json_path"] == "(request)" and o["factors"] == ["proxy"] and o["class"] == "visible"
	for o in d)' "proxy use attributed to the proxy factor"
json_check 'not any(o["request"].startswith("POST /v1/messages") and o["class"] != "noise"
	for o in d)' "the body is the same through the proxy"

# A hanging agent: killed at the timeout, with its process group.
start=$(date +%s)
run "$OVERT" probe "${base[@]}" --tz UTC --lang en_US.UTF-8 --host 127.0.0.1 --repeat 1 \
	--timeout 1 -- bash "$AGENT" hang
expect_status 0 "hanging agent"
expect_out "timed out" "hanging agent"
[ $(($(date +%s) - start)) -lt 30 ] && ok || fail "the timeout did not stop the agent"
pgrep -f "sleep 4242" >/dev/null && fail "the agent's child survived the timeout" || ok
pgrep -f "sleep 4243" >/dev/null && fail "the agent's daemon survived the timeout" || ok

# Unprivileged: as root here, run the probe again as nobody.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 \
	--clear-groups test -x "$OVERT" 2>/dev/null && setpriv --reuid=65534 --regid=65534 \
	--clear-groups test -r "$AGENT" 2>/dev/null; then
	chmod 0711 "$TMP"
	mkdir -m 0777 "$TMP/nobody"
	status=0
	setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin \
		HOME="$TMP/nobody" TMPDIR="$TMP/nobody" "$OVERT" probe "${base[@]}" --tz UTC,Asia/Shanghai \
		--lang en_US.UTF-8 --host 127.0.0.1,api.example.cn --format json -- bash "$AGENT" covert \
		>"$TMP/out" 2>"$TMP/err" || status=$?
	out=$(cat "$TMP/out"); err=$(cat "$TMP/err")
	expect_status 1 "unprivileged"
	got=$(covert_factors)
	[ "$got" = $'apostrophe:tz\ninvisible:host' ] && ok || fail "unprivileged: covert factors '$got'"
else
	echo "note: not root, or nobody cannot reach the binary: the whole test ran unprivileged"
fi

# On a terminal (script(1) gives one), a progress line goes to stderr, and
# none into the report on stdout.
if command -v script >/dev/null; then
	script -qec "env -i PATH=/usr/bin:/bin '$OVERT' probe ${base[*]} --tz UTC \
		--lang en_US.UTF-8 --host 127.0.0.1 --repeat 2 -- bash '$AGENT' clean \
		>'$TMP/out'" "$TMP/typescript" >/dev/null || true
	grep -q "cells done" "$TMP/typescript" && ok || fail "no progress line on a terminal"
	grep -q "cells done" "$TMP/out" && fail "progress line on stdout" || ok
fi

# SIGTERM to the probe: runners and agents go, the cells' directory too.
mkdir "$TMP/w"
env -i PATH=/usr/bin:/bin TMPDIR="$TMP/w" "$OVERT" probe "${base[@]}" --tz UTC --lang en_US.UTF-8 \
	--host 127.0.0.1 --repeat 1 --timeout 600 -- bash "$AGENT" hang >"$TMP/out" 2>"$TMP/err" &
probe_pid=$!
for _ in $(seq 200); do pgrep -f "sleep 4242" >/dev/null && break; sleep 0.05; done
pgrep -f "sleep 4242" >/dev/null && ok || fail "the hanging agent did not start"
kill -TERM "$probe_pid"
status=0
wait "$probe_pid" || status=$?
out=$(cat "$TMP/out"); err=$(cat "$TMP/err")
expect_status 143 "SIGTERM"
expect_err "stopped by signal 15" "SIGTERM"
for _ in $(seq 100); do pgrep -f "sleep 4242" >/dev/null || break; sleep 0.05; done
pgrep -f "sleep 4242" >/dev/null && fail "the agent survived the probe's SIGTERM" || ok
pgrep -f "sleep 4243" >/dev/null && fail "the agent's daemon survived the probe's SIGTERM" || ok
[ -z "$(ls -A "$TMP/w")" ] && ok || fail "the cells' directory was left behind: $(ls -A "$TMP/w")"

# An agent script under /tmp (covered by each cell's fresh /tmp) is bound
# back, read-only; the rest of /tmp is not there.
cp "$AGENT" "$TMP/agent-in-tmp.sh"
echo "not for cells" >"$TMP/other-in-tmp.txt"
run "$OVERT" probe "${base[@]}" --tz UTC --lang en_US.UTF-8 --host 127.0.0.1 --repeat 1 \
	-- bash -c "cat '$TMP/other-in-tmp.txt' 2>/dev/null && exit 9;"' echo x >>"$1" 2>/dev/null && exit 8;
		    exec bash "$1" clean' sh "$TMP/agent-in-tmp.sh"
expect_status 0 "an agent script in /tmp"
grep -q "agent exited with status" "$TMP/out" && fail "in /tmp: $(cat "$TMP/out")" || ok
grep -q "no request reached" "$TMP/out" "$TMP/err" && fail "in /tmp: the agent did not run" || ok

finish
