# SPDX-License-Identifier: MIT
# Shared helpers for the integration tests: each test runs the real overt
# binary ($OVERT) in a temporary directory with a clean environment.
set -euo pipefail

: "${OVERT:?OVERT must name the overt binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"
DATA=${DATA:-$SRCDIR/tests/data}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
failures=0
passes=0

# run CMD...: run with a clean environment; sets $status, $out, $err.
run() {
	status=0
	env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 NO_COLOR=1 "$@" >"$TMP/out" 2>"$TMP/err" || status=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

ok() { passes=$((passes + 1)); }
fail() {
	echo "FAIL: $*" >&2
	echo "  status=$status" >&2
	echo "  stdout: ${out:0:2000}" >&2
	echo "  stderr: ${err:0:2000}" >&2
	failures=$((failures + 1))
}

expect_status() { [ "$status" -eq "$1" ] && ok || fail "$2: expected exit $1"; }
expect_out() { grep -qF -- "$1" "$TMP/out" && ok || fail "$2: stdout lacks '$1'"; }
expect_err() { grep -qF -- "$1" "$TMP/err" && ok || fail "$2: stderr lacks '$1'"; }

# Every line of stdout must be a JSON object.
expect_json_lines() {
	python3 -c 'import json,sys
for n, l in enumerate(open(sys.argv[1]), 1):
    o = json.loads(l)
    assert isinstance(o, dict), n' "$TMP/out" && ok || fail "$1: stdout is not JSON lines"
}

finish() {
	echo "$passes passed, $failures failed"
	[ "$failures" -eq 0 ]
}
