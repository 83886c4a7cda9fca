# SPDX-License-Identifier: MIT
# Shared helpers for the integration tests: each test runs the real overt
# binary ($OVERT) in a temporary directory with a clean environment.
set -euo pipefail

: "${OVERT:?OVERT must name the overt binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"
DATA=${DATA:-$SRCDIR/tests/data}
TMP=$(mktemp -d)
OUTSIDE=
# lib_cleanup: what leaves with the test; a test that sets its own EXIT
# trap calls it.
lib_cleanup() { rm -rf "$TMP" ${OUTSIDE:+"$OUTSIDE"}; }
trap lib_cleanup EXIT

# outside_tmp: set $OUTSIDE to a new directory (0755) that is not under
# /tmp, /var/tmp, /dev/shm, /run or /home, which overt run and overt probe
# replace with private ones: a source tree cloned under /tmp must not
# change what the tests see.  Removed on exit.
outside_tmp() {
	local base
	for base in /var/lib "${HOME:-}"; do
		case $base in "" | /tmp* | /var/tmp* | /dev/shm* | /run* | /home*) continue ;; esac
		OUTSIDE=$(mktemp -d "$base/.overt-test.XXXXXX" 2>/dev/null) || continue
		chmod 0755 "$OUTSIDE"
		return 0
	done
	echo "lib.sh: no writable directory outside /tmp and /home for this test" >&2
	return 1
}
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
