#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Secrets and environment details in a capture: found, and never written in
# clear by any output format (the fingerprint and a public prefix only).
. "$(dirname "$0")/lib.sh"
capture=$DATA/secrets.jsonl

# The secrets tests/data/secrets.jsonl holds (made up, real shapes).
secrets=(
	sk-ant-api03-Xk9mPq2RtW7vYz4AbCdEf3GhIjK8LmNoP5qRsTuV6wXyZ1a2B3c4D5e6F7g8H9i0JkLmN0pQrStUvWxYz-AbCdEfGhIjKlMn_OpQrAA
	Xk9mPq2RtW7vYz4AbCdEf3GhIjK8
	ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R
	AKIAQWERTY7UIOPASDFG
	Zx8Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz0Xc2Vb4N
	S3cr3tPw9x
	b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ
)

for format in text json sarif; do
	run "$OVERT" scan --format "$format" "$capture"
	expect_status 1 "$format: findings"
	for rule in secret.anthropic-key secret.aws-access-key secret.aws-secret-key \
		secret.private-key secret.url-credentials secret.github-token env.home-path \
		env.timezone env.locale env.internal-host; do
		expect_out "$rule" "$format: $rule"
	done
	for s in "${secrets[@]}"; do
		if grep -qF -- "$s" "$TMP/out" "$TMP/err"; then
			fail "$format: a secret is in the output in clear: ${s:0:12}..."
		else
			ok
		fi
	done
	expect_out "sha256:" "$format: fingerprints"
done

# JSON lines carry the fingerprint of each secret, and of nothing else.
run "$OVERT" scan --format json "$capture"
python3 - "$TMP/out" <<'PY' && ok || fail "json: fingerprints"
import json, sys
seen = 0
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f["category"] != "secret":
        assert "fingerprint" not in f, f
        continue
    fp = f["fingerprint"]
    assert fp.startswith("sha256:") and len(fp.split(",")[0]) == 23, fp
    seen += 1
assert seen == 6, seen
PY
finish
