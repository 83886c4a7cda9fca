#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-proxy.sh - the proxy benchmark (docs/BENCHMARKS.md, "Proxy benchmark").
# `overt mock` is the upstream.  In front of it, one after the other, on
# 127.0.0.1: nothing (direct), nginx (proxy_pass, no buffering, keep-alive
# to the upstream), mitmproxy in reverse mode, and `overt proxy` with the
# audit log on.  wrk POSTs the same 200 KB Anthropic Messages body (from
# bench_gen, "stream" set to false) through each: one connection for the
# latency, then CONNS connections for the throughput.  Added latency is the
# front's p50/p99 minus the direct p50/p99.  Then:
#   - SSE relay delay: bench_sse_delay streams a reply from a mock started
#     with --chunk-delay-ms 20 through each front, alternating with the same
#     request sent direct, and gives the mean extra arrival delay of each
#     event over the direct path;
#   - idle RSS of `overt proxy` (VmRSS right after it is ready), and after
#     the throughput run;
#   - audit storage: a 30-turn conversation (each turn the previous body plus
#     a ~2 KB assistant/user exchange) through overt, then
#     `overt log stats --format json` gives raw and stored body bytes.
# It prints the machine, one markdown table and the target verdicts.
#
# Usage:
#   bench/run-proxy.sh [BUILD_DIR]          # BUILD_DIR defaults to ./build
#
# Environment:
#   DURATION=10s   each wrk run (after a 2 s warm-up that is not counted)
#   CONNS=8        connections for the throughput run (the latency run uses 1)
#   FRONT_CPU=1    the core the front under test is pinned to (taskset -c)
#   CLIENT_CPU=0   the core wrk, the mock and the SSE client are pinned to
#   SSE_ROUNDS=20  streamed requests per front for the SSE delay
#   TURNS=30       turns of the audit conversation
#   FRONTS="direct nginx mitmproxy overt overt-nodb"   which paths to measure
#                  (overt-nodb: overt proxy without --db, to see the audit
#                  log's share)
#   OVERT=PATH     the overt binary (default BUILD_DIR/overt)
#   RESULTS=DIR    where wrk outputs, logs and the summary go
#                  (default: a new /tmp/overt-proxy-bench.XXXXXX, kept)
#
# Needs wrk, nginx, mitmproxy (mitmdump), python3 and taskset; it installs
# nothing.  On Debian 12: apt-get install -y wrk nginx-light mitmproxy.
# bench_gen and bench_sse_delay are built with the project (cmake --build
# BUILD_DIR --target overt bench_gen bench_sse_delay).  A front that is not
# installed or does not start is reported as such and the rest still run.
#
# On a machine other work shares, `nice -n -10 bench/run-proxy.sh` (as
# root) keeps that work's processes behind the benchmark's (but not work in
# other cgroups, which the kernel balances first); every process of the
# benchmark inherits it, and overt's audit writer still sits four nice
# levels below its proxy (and is SCHED_BATCH: it never preempts it).
#
# With two cores, the front under test has core 1 to itself, and wrk, the
# mock and the SSE client share core 0: the direct row is therefore wrk and
# the mock on one core, and it bounds what any front can reach.  Check
# `uptime` first: another build on the machine moves every number.
set -euo pipefail

BUILD=${1:-./build}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-8}
FRONT_CPU=${FRONT_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
SSE_ROUNDS=${SSE_ROUNDS:-20}
TURNS=${TURNS:-30}
FRONTS=${FRONTS:-direct nginx mitmproxy overt overt-nodb}
OVERT=${OVERT:-$BUILD/overt}
GEN=$BUILD/bench/bench_gen
SSE=$BUILD/bench/bench_sse_delay
# 16 words: the mock cuts its reply after spaces into at most 16 deltas, so
# a streamed reply is 22 events, 20 ms apart.
SSE_REPLY="one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"

die() {
	printf 'run-proxy.sh: %s\n' "$*" >&2
	exit 4
}

note() {
	printf 'run-proxy.sh: %s\n' "$*" >&2
}

# ---- processes -----------------------------------------------------------

PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2> /dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2> /dev/null || true
	done
	rm -rf "$WORK"
}

# stop PID - end one process we started, wait for it, forget it.
stop() {
	local i
	kill "$1" 2> /dev/null || true
	wait "$1" 2> /dev/null || true
	for i in "${!PIDS[@]}"; do
		[[ ${PIDS[$i]} != "$1" ]] || unset 'PIDS[i]'
	done
}

# wait_file FILE PID - until FILE has content (a ready file), or PID died.
wait_file() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -s $1 ]] && return 0
		kill -0 "$2" 2> /dev/null || return 1
		sleep 0.05
	done
	return 1
}

# wait_port PORT PID - until 127.0.0.1:PORT accepts, or PID died (20 s).
wait_port() {
	local i
	for ((i = 0; i < 400; i++)); do
		if (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; then
			return 0
		fi
		kill -0 "$2" 2> /dev/null || return 1
		sleep 0.05
	done
	return 1
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# cpu_ticks PID - user+system clock ticks of PID and its children (nginx's
# worker is a child of the master).
cpu_ticks() {
	local p kids total=0 f
	kids=$(cat /proc/"$1"/task/*/children 2> /dev/null || true)
	for p in $1 $kids; do
		# after "PID (comm) ", field 14 (utime) is the 12th, stime the 13th
		read -r -a f < <(sed 's/^.*) //' /proc/"$p"/stat 2> /dev/null) || continue
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}

# threads_cpu PID - user+system clock ticks of each thread of PID so far.
threads_cpu() {
	local t f
	for t in /proc/"$1"/task/*; do
		read -r -a f < <(sed 's/^.*) //' "$t/stat" 2> /dev/null) || continue
		echo "thread ${t##*/} $(cat "$t/comm") ticks $((f[11] + f[12]))"
	done
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status
}

# start_mock NAME [ARGS...] - an upstream on the client core; sets MOCK_ADDR
# and MOCK_PID.
start_mock() {
	local name=$1
	shift
	taskset -c "$CLIENT_CPU" "$OVERT" mock --listen 127.0.0.1:0 --ready-file "$WORK/$name.addr" \
		--quiet "$@" 2> "$RESULTS/$name.log" &
	MOCK_PID=$!
	PIDS+=("$MOCK_PID")
	wait_file "$WORK/$name.addr" "$MOCK_PID" || die "'overt mock' did not start: see $RESULTS/$name.log"
	MOCK_ADDR=$(cat "$WORK/$name.addr")
}

nginx_conf() {
	local dir=$1 port=$2 upstream=$3 user=""
	# As root, nginx would switch its worker to nobody, who cannot use the
	# temporary directory: run it as the current user instead.
	((EUID == 0)) && user="user $(id -un) $(id -gn);"
	cat > "$dir/nginx.conf" << EOF
$user
worker_processes 1;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	client_max_body_size 64m;
	upstream overt_mock { server $upstream; keepalive 16; }
	server {
		listen 127.0.0.1:$port;
		location / {
			proxy_pass http://overt_mock;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_buffering off;
			proxy_request_buffering off;
		}
	}
}
EOF
}

# start_front KIND UPSTREAM TAG - start a front pinned to FRONT_CPU; sets
# ADDR[KIND] and PID[KIND] (the mock's PID for direct), or returns 1 with
# the reason in WHY[KIND].
declare -A ADDR PID WHY
start_front() {
	local kind=$1 up=$2 tag=$3 dir=$WORK/$1-$3 port db
	mkdir -p "$dir"
	case $kind in
	direct)
		ADDR[$kind]=$up
		PID[$kind]=$MOCK_PID
		return 0
		;;
	nginx)
		command -v nginx > /dev/null || { WHY[$kind]="nginx not installed"; return 1; }
		port=$(free_port)
		nginx_conf "$dir" "$port" "$up"
		taskset -c "$FRONT_CPU" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
			-g "daemon off; pid $dir/nginx.pid;" 2> "$RESULTS/nginx-$tag.log" &
		;;
	mitmproxy)
		command -v mitmdump > /dev/null || { WHY[$kind]="mitmdump not installed"; return 1; }
		port=$(free_port)
		taskset -c "$FRONT_CPU" mitmdump --mode "reverse:http://$up" --listen-host 127.0.0.1 \
			--listen-port "$port" -q --set confdir="$dir" > "$RESULTS/mitmproxy-$tag.log" 2>&1 &
		;;
	overt | overt-nodb)
		[[ -x $OVERT ]] || { WHY[$kind]="$OVERT missing"; return 1; }
		db=(--db "$dir/audit.db")
		[[ $kind == overt ]] || db=()
		taskset -c "$FRONT_CPU" "$OVERT" proxy --upstream "http://$up" "${db[@]}" \
			--listen 127.0.0.1:0 --ready-file "$dir/addr" 2> "$RESULTS/$kind-$tag.log" &
		;;
	*) die "unknown front '$kind'" ;;
	esac
	PID[$kind]=$!
	PIDS+=("${PID[$kind]}")
	if [[ $kind == overt* ]]; then
		wait_file "$dir/addr" "${PID[$kind]}" && ADDR[$kind]=$(cat "$dir/addr") && return 0
	elif wait_port "$port" "${PID[$kind]}"; then
		ADDR[$kind]=127.0.0.1:$port
		return 0
	fi
	WHY[$kind]="did not start: see $RESULTS/$kind-$tag.log"
	stop "${PID[$kind]}"
	return 1
}

# alive KIND - fail, with the front's exit status, when it died under load.
alive() {
	local rc=0
	[[ $1 == direct ]] || kill -0 "${PID[$1]}" 2> /dev/null && return 0
	wait "${PID[$1]}" || rc=$?
	((rc > 128)) && rc="$rc (signal $((rc - 128)))"
	die "$1 died during the run, exit status $rc: see $RESULTS/$1-*.log"
}

stop_front() {
	[[ $1 == direct ]] || stop "${PID[$1]}"
}

# ---- measurements --------------------------------------------------------

# wrk_script BODY - the Lua script: POST BODY, print one parsable line.
wrk_script() {
	cat > "$WORK/post.lua" << EOF
local f = assert(io.open("$1", "rb"))
wrk.method = "POST"
wrk.path = "/v1/messages"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.headers["x-api-key"] = "sk-ant-bench-not-a-key"

done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("result p50_us %d p99_us %d requests %d rps %.1f errors %d\n",
		latency:percentile(50), latency:percentile(99), summary.requests,
		summary.requests / (summary.duration / 1e6),
		e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
}

# run_wrk KIND CONNS - one wrk run against ADDR[KIND]; appends
# "KIND CONNS p50 p99 rps errors cpu_ticks" to wrk.txt.
run_wrk() {
	local kind=$1 c=$2 out=$RESULTS/wrk-$1-c$2.txt before after
	taskset -c "$CLIENT_CPU" wrk -t1 -c"$c" -d2s -s "$WORK/post.lua" "http://${ADDR[$kind]}" > /dev/null
	alive "$kind"
	before=$(cpu_ticks "${PID[$kind]}")
	taskset -c "$CLIENT_CPU" wrk -t1 -c"$c" -d"$DURATION" --latency -s "$WORK/post.lua" \
		"http://${ADDR[$kind]}" > "$out"
	after=$(cpu_ticks "${PID[$kind]}")
	alive "$kind"
	awk -v k="$kind" -v c="$c" -v t=$((after - before)) \
		'$1 == "result" { print k, c, $3, $5, $9, $11, t }' "$out" >> "$RESULTS/wrk.txt"
}

# bench_wrk - every front in turn against one fast mock.
bench_wrk() {
	local kind
	start_mock mock-wrk
	for kind in $FRONTS; do
		if ! start_front "$kind" "$MOCK_ADDR" wrk; then
			note "$kind: ${WHY[$kind]}"
			continue
		fi
		note "wrk: $kind (${ADDR[$kind]})..."
		if [[ $kind == overt ]]; then
			sleep 0.5
			IDLE_RSS=$(rss_kib "${PID[overt]}")
		fi
		run_wrk "$kind" 1
		run_wrk "$kind" "$CONNS"
		if [[ $kind == overt ]]; then
			LOADED_RSS=$(rss_kib "${PID[overt]}")
			threads_cpu "${PID[overt]}" > "$RESULTS/overt-threads.txt"
			sleep 2 # the audit writer trims the heaps after 1 s idle
			IDLED_RSS=$(rss_kib "${PID[overt]}")
		fi
		stop_front "$kind"
	done
	stop "$MOCK_PID"
}

# bench_sse - each front in turn against a slow streaming mock, its
# requests alternating with direct ones, so that one front's leftover work
# (mitmproxy finishing a flow) never lands on another's measurement.
bench_sse() {
	local kind
	start_mock mock-sse --chunk-delay-ms 20 --reply "$SSE_REPLY"
	for kind in $FRONTS; do
		[[ $kind != direct ]] || continue
		if ! start_front "$kind" "$MOCK_ADDR" sse; then
			note "sse: $kind: ${WHY[$kind]}"
			continue
		fi
		note "sse: $kind, $SSE_ROUNDS rounds of 2 x 440 ms..."
		if taskset -c "$CLIENT_CPU" "$SSE" --rounds "$SSE_ROUNDS" "direct=$MOCK_ADDR" \
			"$kind=${ADDR[$kind]}" > "$RESULTS/sse-$kind.txt"; then
			grep "^$kind " "$RESULTS/sse-$kind.txt" >> "$RESULTS/sse.txt"
		else
			note "sse: bench_sse_delay failed on $kind"
		fi
		stop_front "$kind"
	done
	stop "$MOCK_PID"
}

# conversation ADDR BASE TURNS - POST a growing conversation; prints the
# request bytes sent.
conversation() {
	python3 - "$@" << 'EOF'
import http.client, json, random, sys

host, port = sys.argv[1].rsplit(":", 1)
body = json.load(open(sys.argv[2], encoding="utf-8"))
turns = int(sys.argv[3])
words = ("the a to of and in that is for it as with on this be by not are from or "
         "have an they which you were her all she there would their we him been has "
         "when who will more no if out so said what up its about into than them can "
         "only other new some could time these two may then do first any my now such "
         "like our over man me even most made after also did many before must through "
         "back years where much your way well down should because each just those "
         "function return value buffer error file test build config path request "
         "header body stream event proxy scan finding audit log token model").split()
rng = random.Random(1)

def text(n):
    out, size = [], 0
    while size < n:
        w = rng.choice(words)
        out.append(w)
        size += len(w) + 1
    return " ".join(out) + "."

sent = 0
for turn in range(turns):
    if turn:
        body["messages"].append({"role": "assistant", "content": [{"type": "text", "text": text(1000)}]})
        body["messages"].append({"role": "user", "content": [{"type": "text", "text": text(1000)}]})
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request("POST", "/v1/messages", raw, {"Content-Type": "application/json",
              "anthropic-version": "2023-06-01", "x-api-key": "sk-ant-bench-not-a-key"})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"turn {turn + 1}: status {r.status}")
    c.close()
    sent += len(raw)
print(sent)
EOF
}

# bench_audit - the conversation through a fresh overt, then its log stats.
bench_audit() {
	local db=$WORK/overt-audit/audit.db
	[[ " $FRONTS " == *" overt "* ]] || return 0
	start_mock mock-audit
	start_front overt "$MOCK_ADDR" audit || { note "audit: ${WHY[overt]}"; return 0; }
	note "audit: $TURNS turns..."
	SENT_BYTES=$(conversation "${ADDR[overt]}" "$WORK/first-turn.json" "$TURNS")
	stop_front overt # SIGTERM: the writer thread commits what is queued
	stop "$MOCK_PID"
	"$OVERT" log stats --db "$db" --format json > "$RESULTS/audit-stats.json"
	"$OVERT" log verify --db "$db" > "$RESULTS/audit-verify.txt" 2>&1 || note "audit: verify failed"
	DB_BYTES=$(du -cb "$db"* | awk 'END { print $1 }')
}

# ---- report --------------------------------------------------------------

table() {
	awk -v conns="$CONNS" -v hz="$(getconf CLK_TCK)" -v dur="$DURATION" \
		-v ssef="$RESULTS/sse.txt" -v fronts="$FRONTS" '
		BEGIN {
			while ((getline l < ssef) > 0) { split(l, a, " "); sse[a[1]] = a[11] }
			d = dur; sub(/s$/, "", d)
		}
		{ p50[$1, $2] = $3; p99[$1, $2] = $4; rps[$1, $2] = $5; err[$1, $2] = $6; cpu[$1, $2] = $7; seen[$1] = 1 }
		END {
			printf "| path | p50 c1 (µs) | p99 c1 (µs) | added p50 | added p99 | req/s c%d | p50 c%d (µs) | p99 c%d (µs) | front CPU c%d | req per CPU-s | SSE extra per event (µs) |\n", conns, conns, conns, conns
			print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
			n = split(fronts, f, " ")
			for (i = 1; i <= n; i++) {
				k = f[i]
				if (!(k in seen)) { printf "| %s | not run | | | | | | | | | |\n", k; continue }
				busy = cpu[k, conns] / hz / d
				add50 = add99 = ssex = ""
				if (k != "direct") {
					add50 = sprintf("%+d", p50[k, 1] - p50["direct", 1])
					add99 = sprintf("%+d", p99[k, 1] - p99["direct", 1])
					ssex = (k in sse) ? sprintf("%+.0f", sse[k]) : "n/a"
				}
				rate = (busy > 0) ? rps[k, conns] / busy : 0
				printf "| %s | %d | %d | %s | %s | %.0f | %d | %d | %.0f%% | %.0f | %s |\n", k,
				       p50[k, 1], p99[k, 1], add50, add99, rps[k, conns], p50[k, conns], p99[k, conns],
				       100 * busy, rate, ssex
				if (err[k, 1] + err[k, conns] > 0)
					errors = errors sprintf(" %s: %d failed requests;", k, err[k, 1] + err[k, conns])
			}
			if (errors != "")
				print "\nwrk errors (non-2xx, timeouts):" errors
		}' "$RESULTS/wrk.txt"
}

targets() {
	local raw stored
	raw=$(sed -n 's/.*"body_raw_bytes":\([0-9]*\).*/\1/p' "$RESULTS/audit-stats.json" 2> /dev/null || true)
	stored=$(sed -n 's/.*"body_stored_bytes":\([0-9]*\).*/\1/p' "$RESULTS/audit-stats.json" 2> /dev/null || true)
	awk -v conns="$CONNS" -v ssef="$RESULTS/sse.txt" -v idle="${IDLE_RSS:-}" \
		-v loaded="${LOADED_RSS:-}" -v idled="${IDLED_RSS:-}" -v raw="$raw" -v stored="$stored" -v sent="${SENT_BYTES:-}" \
		-v dbb="${DB_BYTES:-}" -v turns="$TURNS" \
		-v dropped="$(grep -c 'not recorded in the audit log' "$RESULTS/overt-wrk.log" 2> /dev/null)" '
		function v(ok) { return ok ? "met" : "NOT met" }
		BEGIN { while ((getline l < ssef) > 0) { split(l, a, " "); sse[a[1]] = a[11] } }
		{ p50[$1, $2] = $3; p99[$1, $2] = $4; rps[$1, $2] = $5; seen[$1] = 1 }
		END {
			if (("overt" in seen) && ("nginx" in seen) && ("direct" in seen)) {
				o = p50["overt", 1] - p50["direct", 1]; g = p50["nginx", 1] - p50["direct", 1]
				printf "target added p50 <= nginx + 100 us (1 connection): overt %+d us, nginx %+d us, %s\n", o, g, v(o <= g + 100)
			} else
				print "target added p50 <= nginx + 100 us: not measured (overt, nginx or direct missing)"
			if (("overt" in seen) && ("direct" in seen)) {
				o = p99["overt", 1] - p99["direct", 1]
				printf "target added p99 <= 1000 us (1 connection): overt %+d us, %s\n", o, v(o <= 1000)
				printf "target >= 2000 req/s on one core (%d connections): overt %.0f req/s, %s\n", conns, rps["overt", conns], v(rps["overt", conns] >= 2000)
			}
			if (("overt" in sse) && ("nginx" in sse))
				printf "target SSE delay per event <= nginx + 50 us: overt %+.0f us, nginx %+.0f us, %s\n", sse["overt"], sse["nginx"], v(sse["overt"] <= sse["nginx"] + 50)
			else
				print "target SSE delay: not measured (overt or nginx missing)"
			if (idle != "")
				printf "target idle RSS <= 16 MiB: %d KiB (%.1f MiB; %d KiB after the throughput run, %d KiB 2 s later), %s\n", idle, idle / 1024, loaded, idled, v(idle <= 16384)
			if (raw != "" && stored > 0)
				printf "target audit <= 1/10 of raw (%d turns): %d raw, %d stored body bytes, 1/%.1f, %s (request bytes sent %d; database files %d bytes)\n", turns, raw, stored, raw / stored, v(stored * 10 <= raw), sent, dbb
			else
				print "target audit ratio: not measured"
			if (dropped != "")
				printf "audit records dropped (queue full) during the wrk runs: %d\n", dropped
		}' "$RESULTS/wrk.txt"
}

machine() {
	echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), nproc $(nproc)"
	echo "pinning: front on core $FRONT_CPU; wrk, mock and SSE client on core $CLIENT_CPU"
	echo "kernel: $(uname -sr), load average at start: $LOAD_AT_START, at end: $(cut -d' ' -f1-3 /proc/loadavg), nice $(nice)"
	echo "tools: $(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }'), $(nginx -v 2>&1 || echo 'nginx missing'), mitmproxy $(mitmdump --version 2> /dev/null | awk '/^Mitmproxy/ { print $2 }')"
	echo "body: $(stat -c %s "$WORK/body.json") bytes (bench_gen --kind ascii --size 200K --format raw, stream false); wrk -t1 -c1 and -c$CONNS, $DURATION each after 2 s warm-up"
	echo "overt: $OVERT"
}

# ---- main ----------------------------------------------------------------

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
for t in wrk taskset python3 awk; do
	command -v "$t" > /dev/null || die "'$t' not found: install it (apt-get install -y wrk nginx-light mitmproxy)"
done
for t in "$OVERT" "$GEN" "$SSE"; do
	[[ -x $t ]] || die "'$t' not found: build it with 'cmake --build $BUILD --target overt bench_gen bench_sse_delay'"
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/overt-proxy-bench.work.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
RESULTS=${RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/overt-proxy-bench.XXXXXX")}
mkdir -p "$RESULTS"
: > "$RESULTS/wrk.txt"
: > "$RESULTS/sse.txt"

# The wrk body: one ~200 KB body, not streamed, so latency is the request
# path; the conversation starts from a first-turn body (system prompt, tools,
# one user message, ~29 KB) and is streamed, as agents do.
"$GEN" --kind ascii --size 200K --format raw --out "$WORK/body.json.tmp" 2> /dev/null
sed 's/"stream":true/"stream":false/' "$WORK/body.json.tmp" > "$WORK/body.json"
"$GEN" --kind ascii --size 1 --format raw --out "$WORK/first-turn.json" 2> /dev/null
wrk_script "$WORK/body.json"

bench_wrk
bench_sse
bench_audit

{
	machine
	echo
	table
	echo
	targets
} | tee "$RESULTS/summary.md"
echo "results: $RESULTS" >&2
