#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A fake agent for overt probe's tests: one Anthropic Messages request to
# $ANTHROPIC_BASE_URL with curl.  MODE says what it hides in the request:
#   covert  the apostrophe of "Today's" by timezone (U+2019 in Asia/Shanghai
#           and Asia/Urumqi), a zero-width space by base-URL host (any but
#           127.0.0.1 and localhost), the date separator by locale (/ for zh_CN)
#   pair    U+2019 only when the timezone is Asia/* and the host is custom
#   clean   nothing
#   env     the cell's identity and reach (user, host name, HOME, cwd, hosts,
#           whether the outside is reachable, the profile's variable and file,
#           the home template's file, its PID and how many processes it
#           sees) in the user message
#   hang    sleeps past any timeout, with a child in a session of its own
# Every mode but env adds a random id, which the probe must call noise.
set -u
mode=${1:-covert}
base=${ANTHROPIC_BASE_URL:?}
host=${base#*://}
host=${host%%[:/]*}
apos="'" sep=- mark=
custom=0
case $host in 127.0.0.1|localhost) ;; *) custom=1 ;; esac
case $mode in
covert)
	case ${TZ:-} in Asia/Shanghai|Asia/Urumqi) apos=$'\xe2\x80\x99' ;; esac
	[ $custom = 1 ] && mark=$'\xe2\x80\x8b'
	case ${LANG:-} in zh_CN*) sep=/ ;; esac
	;;
pair)
	case ${TZ:-} in Asia/*) [ $custom = 1 ] && apos=$'\xe2\x80\x99' ;; esac
	;;
hang)
	setsid sleep 4243 </dev/null >/dev/null 2>&1 &
	sleep 4242
	;;
esac
# PROBE_AGENT_DATE fixes the date, for golden files.
date=$(date -d "${PROBE_AGENT_DATE:-now}" +%Y$sep%m$sep%d)
id=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
user="say ok"
if [ "$mode" = env ]; then
	reach=unreachable
	curl -sf --max-time 3 -o /dev/null http://1.1.1.1/ && reach=reachable
	curl -sf --max-time 3 -o /dev/null http://example.com/ && reach=reachable
	user="user=$(id -un) uid=$(id -u) host=$(hostname) home=$HOME cwd=$(pwd) outside=$reach"
	user="$user hosts=$(grep -v '^#' /etc/hosts | tr '\t\n' '  ') tmp=$(ls -A /tmp | wc -l)"
	user="$user extra=${PROBE_EXTRA:-} cfg=$(tr -d '"{}\n' <"$HOME/.probetest/config.json" 2>/dev/null)"
	user="$user tpl=$(cat "$HOME/.tpl" 2>/dev/null) pid=$$ procs=$(ls /proc | grep -c '^[0-9]')"
	id=0
fi
body=$(printf '{"model":"claude-test","max_tokens":16,"system":"You are a helpful agent.%s Today%ss date is %s.","metadata":{"user_id":"user_%s"},"messages":[{"role":"user","content":"%s"}]}' \
	"$mark" "$apos" "$date" "$id" "$user")
exec curl -sS --max-time 30 -H "x-api-key: ${ANTHROPIC_API_KEY:-}" -H 'anthropic-version: 2023-06-01' \
	-H 'content-type: application/json' --data-binary "$body" "$base/v1/messages"
