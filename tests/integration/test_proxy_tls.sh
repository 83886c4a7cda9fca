#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt proxy to an HTTPS upstream: a CA and server certificates made here
# with openssl, socat terminating TLS in front of overt mock on 127.0.0.1.
# With --cacert the request succeeds and SSE events stream through TLS as
# they come; without it, or with a certificate for another name, the agent
# gets a 502 in the API's error format that names the problem.  A client
# speaking TLS to the proxy's plain port gets a 400 that says so.
. "$(dirname "$0")/lib.sh"

command -v socat >/dev/null || { echo "socat is not installed (scripts/setup)" >&2; exit 1; }

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap 'stop_all; rm -rf "$TMP"' EXIT

# start NAME ARGS...: overt in the background; $addr gets where it listens.
start() {
	local name=$1
	shift
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$OVERT" "$@" --listen 127.0.0.1:0 \
		--ready-file "$TMP/$name.ready" 2>"$TMP/$name.err" &
	pids+=($!)
	for _ in $(seq 200); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
	addr=$(cat "$TMP/$name.ready" 2>/dev/null)
}

# tls NAME CERT KEY UPSTREAM: socat terminating TLS on a free port; $port.
tls() {
	local name=$1 cert=$2 key=$3 up=$4 try
	for try in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		socat "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,cert=$cert,key=$key,verify=0" \
			"TCP:$up" 2>"$TMP/$name.err" &
		pids+=($!)
		for _ in $(seq 100); do
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
			kill -0 "$!" 2>/dev/null || break
			sleep 0.05
		done
	done
	echo "socat did not start: $(cat "$TMP/$name.err")" >&2
	exit 1
}

post() { # NAME URL [curl args...]: reply in $TMP/NAME.out, status in $code
	local name=$1 url=$2
	shift 2
	code=$(curl -sS -m 20 -o "$TMP/$name.out" -w '%{http_code}' -H 'content-type: application/json' \
		--data-binary '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}' \
		"$@" "$url")
}

# A CA, a server certificate for localhost and 127.0.0.1, and one for
# another name, both signed by it.
ossl() { openssl "$@" 2>>"$TMP/openssl.err"; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=overt test CA" \
	-keyout ca.key -out ca.pem
cert() { # NAME SAN
	ossl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" > "$1.ext"
	ossl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.pem"
}
cert localhost "DNS:localhost,IP:127.0.0.1"
cert other "DNS:other.example"
[ -s localhost.pem ] && [ -s other.pem ] && ok || fail "openssl could not make the certificates"

start mock mock --record "$TMP/rec" --chunk-delay-ms 300
mock=$addr
tls good "$TMP/localhost.pem" "$TMP/localhost.key" "$mock"
good=$port
tls bad "$TMP/other.pem" "$TMP/other.key" "$mock"
bad=$port

# Trusted through --cacert: the request goes through TLS and back.
start proxy proxy --upstream "https://localhost:$good" --cacert "$TMP/ca.pem"
proxy=$addr
post ok "http://$proxy/v1/messages"
[ "$code" = 200 ] && ok || fail "TLS upstream with --cacert: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["type"] == "message"' \
	"$TMP/ok.out" && ok || fail "TLS upstream reply is not a message"
[ "$(ls "$TMP/rec" | grep -c '^[0-9]')" = 1 ] && ok || fail "the mock behind TLS got no request"

# SSE through TLS: the first event long before the last (300 ms apart).
python3 - "http://$proxy/v1/messages" <<'PY' && ok || fail "SSE events held back through TLS"
import sys, time, urllib.request
req = urllib.request.Request(sys.argv[1], method="POST", headers={"content-type": "application/json"},
    data=b'{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}')
t0 = time.monotonic()
events = 0
with urllib.request.urlopen(req, timeout=30) as r:
    assert r.headers["content-type"].startswith("text/event-stream"), r.headers
    first = None
    for line in r:
        if line.startswith(b"event:"):
            events += 1
            if first is None:
                first = time.monotonic() - t0
    end = time.monotonic() - t0
assert events >= 3 and first is not None and end - first > 0.5, (events, first, end)
PY

# Not trusted: the system store does not know the test CA.
start untrusted proxy --upstream "https://localhost:$good"
post untrusted "http://$addr/v1/messages"
[ "$code" = 502 ] && ok || fail "untrusted certificate: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["error"]
assert d["type"] == "error" and e["type"] == "api_error", d
assert "certificate" in e["message"] and "localhost" in e["message"], e' \
	"$TMP/untrusted.out" && ok || fail "untrusted certificate: 502 does not name the certificate problem"

# Trusted CA, but the certificate is for other.example.
start wrongname proxy --upstream "https://localhost:$bad" --cacert "$TMP/ca.pem"
post wrongname "http://$addr/v1/chat/completions"
[ "$code" = 502 ] && ok || fail "wrong host name: status $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["error"]["message"]
assert "host name" in m and "'"'"'localhost'"'"'" in m, m' \
	"$TMP/wrongname.out" && ok || fail "wrong host name: 502 does not name the host name"
[ "$(ls "$TMP/rec" | grep -c '^[0-9]')" = 2 ] && ok || fail "a request went through an unverified TLS connection"

# TLS spoken to the proxy's plain-HTTP port: a 400 that says so.
status=0
curl -sS -m 10 --cacert "$TMP/ca.pem" "https://$proxy/v1/messages" >/dev/null 2>"$TMP/curl.err" || status=$?
[ "$status" != 0 ] && ok || fail "TLS to the plain port succeeded"
printf '\026\003\001\002\000\001\000\001\374\003\003' | socat -t 5 - "TCP:$proxy" >"$TMP/hello.out" || true
head -1 "$TMP/hello.out" | grep -q "^HTTP/1.1 400 " && ok || fail "TLS hello on the plain port: $(head -1 "$TMP/hello.out")"
grep -q "not TLS" "$TMP/hello.out" && ok || fail "TLS hello on the plain port: the 400 does not say why"

finish
