#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Golden files: the text, JSON lines and SARIF reports of a few captures,
# byte for byte.  UPDATE_GOLDEN=1 rewrites them (then read the diff).
. "$(dirname "$0")/lib.sh"
golden=$DATA/golden

check() { # NAME FORMAT INPUT (relative to the source tree)
	local name=$1 format=$2 input=$3 want=$golden/$1
	status=0
	(cd "$SRCDIR" && env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 NO_COLOR=1 \
		"$OVERT" scan --format "$format" "$input") >"$TMP/out" 2>"$TMP/err" || status=$?
	out=$(cat "$TMP/out"); err=$(cat "$TMP/err")
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$TMP/out" "$want"
	fi
	if cmp -s "$TMP/out" "$want"; then ok; else
		diff -u "$want" "$TMP/out" | head -40 >&2
		fail "$name differs from its golden file"
	fi
	[ "$status" -eq 1 ] && ok || fail "$name: exit $status, expected 1"
}

for f in text json sarif; do
	ext=$f; [ "$f" = json ] && ext=jsonl
	check "sample.$ext" "$f" samples/date-marker.har
	check "mixed.$ext" "$f" tests/data/mixed.json
	check "captures.$ext" "$f" tests/data/captures.jsonl
	check "secrets.$ext" "$f" tests/data/secrets.jsonl
done
finish
