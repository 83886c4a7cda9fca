/* SPDX-License-Identifier: MIT */
/*
 * test_action.c - the proxy's policy, body rewrites and body decoding, as
 * the pure functions they are: findings are made by hand here, so each
 * case says exactly which bytes must change and which must not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "json/json.h"
#include "proxy/action.h"
#include "proxy/config.h"
#include "util/banned.h"

static struct scan_finding finding(const char *rule, const char *cat, enum scan_severity sev,
				   enum scan_origin origin, size_t off, size_t len)
{
	struct scan_finding f = { .rule = rule, .category = cat, .severity = sev,
				  .origin = origin, .codepoint = SCAN_NO_CODEPOINT, .count = 1,
				  .byte_offset = off, .byte_length = len, .json_path = "$",
				  .message = "m" };
	return f;
}

static void test_policy_first_match_wins(void **state)
{
	const struct proxy_rule rules[] = {
		{ "tag.smuggled-text", NULL, -1, SCAN_ORIGIN_SYSTEM, PROXY_LOG },
		{ "tag.*", NULL, -1, -1, PROXY_BLOCK },
		{ NULL, "secret", -1, -1, PROXY_REDACT },
		{ NULL, "lookalike", SCAN_SEV_MEDIUM, -1, PROXY_NORMALIZE },
		{ "bidi.override", NULL, -1, -1, PROXY_ALERT },
	};
	struct proxy_config cfg = { .policy = rules, .npolicy = 5, .action = PROXY_BLOCK,
				    .block_at = SCAN_SEV_HIGH };
	struct scan_finding f;

	(void)state;
	f = finding("tag.smuggled-text", "tag", SCAN_SEV_HIGH, SCAN_ORIGIN_SYSTEM, 0, 1);
	assert_int_equal(proxy_policy_action(&cfg, &f), PROXY_LOG);
	f.origin = SCAN_ORIGIN_TOOL_RESULT;
	assert_int_equal(proxy_policy_action(&cfg, &f), PROXY_BLOCK);
	f = finding("tagged", "x", SCAN_SEV_INFO, SCAN_ORIGIN_USER, 0, 1);
	assert_int_equal(proxy_policy_action(&cfg, &f), PROXY_LOG); /* "tag.*" needs the dot */
	f = finding("secret.github-token", "secret", SCAN_SEV_INFO, SCAN_ORIGIN_USER, 0, 1);
	assert_int_equal(proxy_policy_action(&cfg, &f), PROXY_REDACT);
	f = finding("lookalike.quote", "lookalike", SCAN_SEV_LOW, SCAN_ORIGIN_USER, 0, 1);
	assert_int_equal(proxy_policy_action(&cfg, &f), PROXY_LOG); /* below min, below default */
	f.severity = SCAN_SEV_MEDIUM;
	assert_int_equal(proxy_policy_action(&cfg, &f), PROXY_NORMALIZE);
	f = finding("bidi.override", "bidi", SCAN_SEV_CRITICAL, SCAN_ORIGIN_USER, 0, 1);
	assert_int_equal(proxy_policy_action(&cfg, &f), PROXY_ALERT);
	f = finding("invisible.run", "invisible", SCAN_SEV_HIGH, SCAN_ORIGIN_USER, 0, 1);
	assert_int_equal(proxy_policy_action(&cfg, &f), PROXY_BLOCK); /* the default */
	assert_int_equal(proxy_rule_index(&cfg, &f), -1);
	assert_int_equal(proxy_action_parse("redact"), PROXY_REDACT);
	assert_int_equal(proxy_action_parse("Block"), -1);
}

static void test_policy_from_config(void **state)
{
	const char *text = "{\"policy\": [{\"rule\": \"tag.*\", \"origin\": \"tool_result\","
			   " \"action\": \"block\"}, {\"category\": \"secret\","
			   " \"min_severity\": \"high\", \"action\": \"redact\"}, {\"action\": \"alert\"}],"
			   " \"action\": \"normalize\", \"action_at\": \"low\","
			   " \"syslog_facility\": \"local3\"}";
	struct proxy_config cfg = { .syslog_facility = -1 };
	struct proxy_file file;
	char err[256];

	(void)state;
	assert_int_equal(proxy_config_load("t", text, strlen(text), &cfg, &file, err,
					   sizeof(err)), 0);
	assert_int_equal(cfg.npolicy, 3);
	assert_string_equal(cfg.policy[0].rule, "tag.*");
	assert_int_equal(cfg.policy[0].origin, SCAN_ORIGIN_TOOL_RESULT);
	assert_int_equal(cfg.policy[0].action, PROXY_BLOCK);
	assert_null(cfg.policy[1].rule);
	assert_string_equal(cfg.policy[1].category, "secret");
	assert_int_equal(cfg.policy[1].min_severity, SCAN_SEV_HIGH);
	assert_int_equal(cfg.policy[2].min_severity, -1);
	assert_int_equal(cfg.policy[2].action, PROXY_ALERT);
	assert_int_equal(cfg.action, PROXY_NORMALIZE);
	assert_int_equal(cfg.block_at, SCAN_SEV_LOW);
	assert_int_equal(cfg.syslog_facility, proxy_syslog_facility("local3"));
	proxy_file_release(&file);
	text = "{\"policy\": [{\"action\": \"log\"}, {\"min_severity\": \"huge\"}]}";
	assert_int_equal(proxy_config_load("t", text, strlen(text), &cfg, &file, err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, "'min_severity'"));
	text = "{\"policy\": {\"action\": \"log\"}}";
	assert_int_equal(proxy_config_load("t", text, strlen(text), &cfg, &file, err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, "expected"));
	assert_non_null(strstr(err, "'policy'"));
}

/* Rewrite @body with @n findings, all given action @a; returns the body
 * (static) or NULL when nothing changed. */
static const char *rewrite(const char *body, struct scan_finding *f, size_t n,
			   enum proxy_action a, struct proxy_rewrite *rw)
{
	struct scan_report rep = { .findings = f, .nfindings = n };
	enum proxy_action acts[16];
	size_t i;

	for (i = 0; i < n; i++)
		acts[i] = a;
	proxy_rewrite_init(rw);
	assert_int_equal(proxy_rewrite_body((const uint8_t *)body, strlen(body), &rep, acts, rw), 0);
	return rw->nchanges ? rw->body.data : NULL;
}

static size_t at(const char *body, const char *needle)
{
	const char *p = strstr(body, needle);

	assert_non_null(p);
	return (size_t)(p - body);
}

static void test_normalize_touches_only_the_string(void **state)
{
	/* Escaped and raw forms, a fullwidth backslash and quote, a tag pair
	 * as escapes, an emoji pair that stays, a key that stays. */
	const char *body = "{ \"k\\u200b\" : [1.0e1, \"x\\u2019y \xef\xbc\xbc \xef\xbc\x82 "
			   "\\udb40\\udc41\xf3\xa0\x81\x82 \\ud83d\\ude00 \xe2\x80\x8b\"],"
			   " \"other\": \"a\\u2019b\" }";
	const char *want = "{ \"k\\u200b\" : [1.0e1, \"x'y \\\\ \\\" "
			   " \\ud83d\\ude00 \"], \"other\": \"a\\u2019b\" }";
	struct scan_finding f[1];
	struct proxy_rewrite rw;
	const char *got;

	(void)state;
	f[0] = finding("invisible.zero-width", "invisible", SCAN_SEV_MEDIUM, SCAN_ORIGIN_USER,
		       at(body, "\\u2019y"), 6);
	got = rewrite(body, f, 1, PROXY_NORMALIZE, &rw);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(rw.body.len, strlen(want));
	/* U+2019, U+FF3C, U+FF02, the two tags (one change), U+200B. */
	assert_int_equal(rw.nchanges, 5);
	assert_int_equal(rw.changes[0].codepoint, 0x2019);
	assert_string_equal(rw.changes[0].replacement, "'");
	assert_int_equal(rw.changes[0].offset, at(body, "\\u2019y"));
	assert_int_equal(rw.changes[0].length, 6);
	assert_string_equal(rw.changes[1].replacement, "\\");
	assert_string_equal(rw.changes[2].replacement, "\"");
	assert_int_equal(rw.changes[3].codepoint, 0xE0041);
	assert_int_equal(rw.changes[3].length, 16);
	assert_string_equal(rw.changes[3].replacement, "");
	assert_string_equal(rw.changes[0].json_path, "$[\"k\\u200b\"][1]");
	proxy_rewrite_release(&rw);
}

static void test_normalize_fixes_the_date(void **state)
{
	const char *body = "{\"s\":\"Today\\u2019s date is 2026\\/06/30; 2026.6.30 and 30/06/2026\"}";
	const char *want = "{\"s\":\"Today's date is 2026-06-30; 2026.6.30 and 30/06/2026\"}";
	struct scan_finding f[2];
	struct proxy_rewrite rw;

	(void)state;
	f[0] = finding("scheme.date-marker-2026", "known-scheme", SCAN_SEV_CRITICAL,
		       SCAN_ORIGIN_SYSTEM, at(body, "Today"), at(body, ";") - at(body, "Today"));
	/* A date outside every date finding's span keeps its separators. */
	f[1] = finding("invisible.zero-width", "invisible", SCAN_SEV_MEDIUM, SCAN_ORIGIN_SYSTEM,
		       at(body, "\\u2019"), 6);
	assert_string_equal(rewrite(body, f, 2, PROXY_NORMALIZE, &rw), want);
	assert_int_equal(rw.nchanges, 3);
	assert_int_equal(rw.changes[1].codepoint, '/');
	assert_int_equal(rw.changes[1].length, 2); /* the escape \/ */
	proxy_rewrite_release(&rw);
}

static void test_normalize_nothing_to_do(void **state)
{
	const char *body = "{\"a\":\"plain text\",\"b\":\"caf\xc3\xa9\"}";
	struct scan_finding f[1];
	struct proxy_rewrite rw;

	(void)state;
	f[0] = finding("whitespace.trailing-pattern", "whitespace", SCAN_SEV_MEDIUM,
		       SCAN_ORIGIN_USER, 7, 1);
	assert_null(rewrite(body, f, 1, PROXY_NORMALIZE, &rw));
	assert_int_equal(rw.nchanges, 0);
	proxy_rewrite_release(&rw);
}

static void test_redact_stable_placeholders(void **state)
{
	/* The same secret raw and escaped, and two overlapping findings. */
	const char *body = "{\"a\":\"key sk-ABCDEFGH end\",\"b\":[\"\\u0073k-ABCDEFGH\"],"
			   "\"c\":\"x sk-OTHER1234 y\"}";
	struct scan_finding f[4];
	struct proxy_rewrite rw;
	struct buf ph;
	const char *got;
	char want[512];

	(void)state;
	f[0] = finding("secret.test", "secret", SCAN_SEV_HIGH, SCAN_ORIGIN_USER,
		       at(body, "sk-ABC"), 11);
	f[1] = finding("secret.test", "secret", SCAN_SEV_HIGH, SCAN_ORIGIN_USER,
		       at(body, "\\u0073k"), 16);
	f[2] = finding("secret.test", "secret", SCAN_SEV_HIGH, SCAN_ORIGIN_USER,
		       at(body, "sk-OTHER"), 6);
	f[3] = finding("secret.test", "secret", SCAN_SEV_HIGH, SCAN_ORIGIN_USER,
		       at(body, "sk-OTHER") + 3, 9);
	got = rewrite(body, f, 4, PROXY_REDACT, &rw);
	assert_non_null(got);
	buf_init(&ph, 4096);
	assert_int_equal(proxy_placeholder(&ph, "secret.test", (const uint8_t *)"sk-ABCDEFGH", 11), 0);
	assert_int_equal(ph.len, strlen("[REDACTED:secret.test:sha256:12345678]"));
	snprintf(want, sizeof(want), "{\"a\":\"key %s end\",\"b\":[\"%s\"],\"c\":\"x ", ph.data,
		 ph.data);
	assert_memory_equal(got, want, strlen(want));
	assert_int_equal(rw.nchanges, 3);
	assert_int_equal(rw.changes[2].length, 12); /* the merged span */
	assert_int_equal(rw.changes[0].codepoint, SCAN_NO_CODEPOINT);
	assert_string_equal(rw.changes[1].replacement, ph.data);
	assert_null(strstr(got, "sk-"));
	buf_release(&ph);
	proxy_rewrite_release(&rw);
}

static void test_redact_in_a_key(void **state)
{
	const char *body = "{\"sk-KEYINKEY\":\"v\",\"x\":\"a\\u200bb\"}";
	struct scan_finding f[2];
	struct proxy_rewrite rw;
	const char *got;

	(void)state;
	f[0] = finding("secret.test", "secret", SCAN_SEV_HIGH, SCAN_ORIGIN_USER, 2, 11);
	f[1] = finding("invisible.zero-width", "invisible", SCAN_SEV_MEDIUM, SCAN_ORIGIN_USER,
		       at(body, "\\u200b"), 6);
	got = rewrite(body, f, 1, PROXY_REDACT, &rw);
	assert_non_null(got);
	assert_true(!strncmp(got, "{\"[REDACTED:secret.test:sha256:", 31));
	proxy_rewrite_release(&rw);
	/* A key is never normalized. */
	body = "{\"a\\u200bb\":\"v\"}";
	f[1].byte_offset = 3;
	assert_null(rewrite(body, &f[1], 1, PROXY_NORMALIZE, &rw));
	proxy_rewrite_release(&rw);
}

/* A span that starts inside an escape or a UTF-8 sequence (a scanner's
 * word boundary can fall there) takes the whole character. */
static void test_redact_span_on_character_boundaries(void **state)
{
	const char *body = "{\"a\":\"x\\nToday\xc3\xa9 y\"}";
	struct scan_finding f[1];
	struct proxy_rewrite rw;
	const char *got;

	(void)state;
	f[0] = finding("homoglyph.mixed-script", "homoglyph", SCAN_SEV_MEDIUM, SCAN_ORIGIN_USER,
		       at(body, "nToday"), 7);
	got = rewrite(body, f, 1, PROXY_REDACT, &rw);
	assert_non_null(got);
	assert_true(!strncmp(got, "{\"a\":\"x[REDACTED:homoglyph.mixed-script:sha256:", 46));
	assert_non_null(strstr(got, "] y\"}"));
	assert_int_equal(rw.changes[0].offset, at(body, "\\n"));
	assert_int_equal(rw.changes[0].length, 9); /* \n, Today, both bytes of U+00E9 */
	proxy_rewrite_release(&rw);
}

/* JSON text in a string (tool-call arguments written with ensure_ascii):
 * its own escapes are normalized, an escaped backslash before "u2019" is
 * not an escape, and the result is still JSON inside JSON. */
static void test_normalize_nested_json(void **state)
{
	const char *body = "{\"arguments\":\"{\\\"a\\\":\\\"x\\\\u200by \\\\u2019 \\\\\\\\u2019 \\\\ud83d\\\\ude00 \\\\udb40\\\\udc41 \\\\uff02\\\"}\"}";
	const char *want = "{\"arguments\":\"{\\\"a\\\":\\\"xy ' \\\\\\\\u2019 \\\\ud83d\\\\ude00  \\\\\\\"\\\"}\"}";
	struct scan_finding f[1];
	struct proxy_rewrite rw;

	(void)state;
	f[0] = finding("invisible.zero-width", "invisible", SCAN_SEV_MEDIUM, SCAN_ORIGIN_ASSISTANT,
		       at(body, "\\\\u200b"), 7);
	assert_string_equal(rewrite(body, f, 1, PROXY_NORMALIZE, &rw), want);
	assert_int_equal(rw.nchanges, 4);
	assert_int_equal(rw.changes[0].codepoint, 0x200B);
	assert_int_equal(rw.changes[0].length, 7);
	assert_int_equal(rw.changes[2].codepoint, 0xE0041);
	assert_int_equal(rw.changes[2].length, 14);
	assert_string_equal(rw.changes[3].replacement, "\"");
	proxy_rewrite_release(&rw);
}

static void test_rewrite_stops_at_bad_json(void **state)
{
	const char *body = "{\"a\":\"x\\u200by\", \"b\": nope \"\xe2\x80\x8b\"";
	const char *want = "{\"a\":\"xy\", \"b\": nope \"\xe2\x80\x8b\"";
	struct scan_finding f[1];
	struct proxy_rewrite rw;

	(void)state;
	f[0] = finding("invisible.zero-width", "invisible", SCAN_SEV_MEDIUM, SCAN_ORIGIN_USER,
		       at(body, "\\u200b"), 6);
	assert_string_equal(rewrite(body, f, 1, PROXY_NORMALIZE, &rw), want);
	proxy_rewrite_release(&rw);
}

static void test_mask_secrets_keeps_length(void **state)
{
	char body[] = "{\"a\":\"token sk-0123456789abcdefghijklmnopqrstuvwxyz0123 x\",\"b\":\"ab\"}";
	struct scan_finding f[2];
	struct scan_report rep = { .findings = f, .nfindings = 2 };
	size_t len = strlen(body);

	(void)state;
	f[0] = finding("secret.long", "secret", SCAN_SEV_HIGH, SCAN_ORIGIN_USER,
		       at(body, "sk-"), strlen("sk-0123456789abcdefghijklmnopqrstuvwxyz0123"));
	f[1] = finding("secret.short", "secret", SCAN_SEV_HIGH, SCAN_ORIGIN_USER,
		       at(body, "ab\""), 2);
	assert_int_equal(proxy_mask_secrets((uint8_t *)body, len, &rep), 0);
	assert_int_equal(strlen(body), len);
	assert_null(strstr(body, "sk-0123"));
	assert_non_null(strstr(body, "token [REDACTED:secret.long:sha256:"));
	assert_non_null(strstr(body, "]***"));
	assert_non_null(strstr(body, "*** x\""));
	assert_non_null(strstr(body, "\"b\":\"**\""));
}

/* A span that starts inside an escape is masked whole characters at a
 * time, so the recorded body is still JSON. */
static void test_mask_secrets_on_character_boundaries(void **state)
{
	char body[] = "{\"a\":\"x\\nsecretvalue123 y\"}";
	struct scan_finding f[1];
	struct scan_report rep = { .findings = f, .nfindings = 1 };
	struct json_visitor v = { 0 };
	struct json_error jerr;
	size_t len = strlen(body);

	(void)state;
	f[0] = finding("secret.assignment", "secret", SCAN_SEV_HIGH, SCAN_ORIGIN_USER,
		       at(body, "nsecret"), 15);
	assert_int_equal(proxy_mask_secrets((uint8_t *)body, len, &rep), 0);
	assert_int_equal(strlen(body), len);
	assert_null(strstr(body, "secretvalue"));
	assert_non_null(strstr(body, "\"x**************** y\""));
	assert_int_equal(json_walk((const uint8_t *)body, len, 8, &v, &jerr), 0);
}

/* Mask with the scanner's report as given (a parsed body: masked string
 * by string) and as if the body had not parsed (masked after a walk):
 * both must give the same bytes. */
static void mask_both_ways(const char *body, struct scan_finding *f, size_t n)
{
	struct scan_report rep = { .findings = f, .nfindings = n };
	size_t len = strlen(body);
	char *fast = strdup(body), *walked = strdup(body);

	assert_non_null(fast);
	assert_non_null(walked);
	assert_int_equal(proxy_mask_secrets((uint8_t *)fast, len, &rep), 0);
	rep.error = SCAN_EJSON;
	assert_int_equal(proxy_mask_secrets((uint8_t *)walked, len, &rep), 0);
	if (memcmp(fast, walked, len))
		fail_msg("masks differ for '%s':\n  '%s'\n  '%s'", body, fast, walked);
	free(fast);
	free(walked);
}

/* Every span of one to seven bytes, alone and with a second one after
 * it, over strings with escapes, UTF-8, surrogate pairs, escaped quotes
 * and secrets in keys, masks as the walk does. */
static void test_mask_secrets_without_walk_as_with(void **state)
{
	static const char *const bodies[] = {
		"{\"a\":\"x\\nsecret\\\"q\\\\\",\"k\\\"ey sk-1\":[\"\\u00e9t\xc3\xa9 \\ud83d\\ude00z\"]}",
		" [\"\\\\\",\"\\\\\\\"x\", 12, {\"\xe2\x80\x8b\": \"ab\\/cd\\u0041\"}, \"\"] ",
		"{\"t\":\"{\\\"key\\\":\\\"sk-abc\\\\\\\"def\\\"}\",\"n\":null}",
	};
	struct scan_finding f[2];
	size_t b, i, k, len;

	(void)state;
	for (b = 0; b < sizeof(bodies) / sizeof(*bodies); b++) {
		len = strlen(bodies[b]);
		for (i = 0; i < len; i++)
			for (k = 1; k < 8 && i + k <= len; k++) {
				f[0] = finding("secret.a", "secret", SCAN_SEV_HIGH,
					       SCAN_ORIGIN_USER, i, k);
				mask_both_ways(bodies[b], f, 1);
				if (i + k + 2 >= len)
					continue;
				f[1] = finding("secret.b", "secret", SCAN_SEV_HIGH,
					       SCAN_ORIGIN_USER, i + k + (k & 1), 3);
				mask_both_ways(bodies[b], f, 2);
			}
	}
}

static void gzip_of(const void *in, size_t n, struct buf *out, int window)
{
	z_stream z;
	uint8_t chunk[4096];
	int zr;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = deflate(&z, Z_FINISH);
		assert_int_equal(buf_add(out, chunk, sizeof(chunk) - z.avail_out), 0);
	} while (zr == Z_OK);
	assert_int_equal(zr, Z_STREAM_END);
	deflateEnd(&z);
}

static void test_decode_layers_and_limits(void **state)
{
	const char *text = "{\"a\":\"hello hello hello\"}";
	struct buf gz, twice, out;
	char err[256];
	char *zeros = calloc(1, 4 << 20);

	(void)state;
	buf_init(&gz, 1 << 24);
	buf_init(&twice, 1 << 24);
	buf_init(&out, 1 << 20);
	gzip_of(text, strlen(text), &gz, 31);
	assert_int_equal(proxy_decode_body("gzip", (const uint8_t *)gz.data, gz.len, &out,
					   err, sizeof(err)), 0);
	assert_string_equal(out.data, text);
	/* "gzip, deflate": gzip applied first, so undone last. */
	gzip_of(gz.data, gz.len, &twice, 15);
	assert_int_equal(proxy_decode_body("gzip, identity, deflate", (const uint8_t *)twice.data,
					   twice.len, &out, err, sizeof(err)), 0);
	assert_string_equal(out.data, text);
	assert_int_equal(proxy_decode_body("compress", (const uint8_t *)gz.data, gz.len, &out,
					   err, sizeof(err)), DECODE_EUNKNOWN);
	assert_non_null(strstr(err, "'compress'"));
	assert_int_equal(proxy_decode_body("gzip", (const uint8_t *)gz.data, gz.len - 3, &out,
					   err, sizeof(err)), DECODE_ECORRUPT);
	/* 4 MiB of zeros against a 1 MiB limit. */
	buf_reset(&gz);
	gzip_of(zeros, 4 << 20, &gz, 31);
	assert_true(gz.len < 8192);
	assert_int_equal(proxy_decode_body("gzip", (const uint8_t *)gz.data, gz.len, &out,
					   err, sizeof(err)), DECODE_ETOOBIG);
	assert_true(out.len <= out.max);
	free(zeros);
	buf_release(&gz);
	buf_release(&twice);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_first_match_wins),
		cmocka_unit_test(test_policy_from_config),
		cmocka_unit_test(test_normalize_touches_only_the_string),
		cmocka_unit_test(test_normalize_fixes_the_date),
		cmocka_unit_test(test_normalize_nothing_to_do),
		cmocka_unit_test(test_redact_stable_placeholders),
		cmocka_unit_test(test_redact_in_a_key),
		cmocka_unit_test(test_redact_span_on_character_boundaries),
		cmocka_unit_test(test_normalize_nested_json),
		cmocka_unit_test(test_rewrite_stops_at_bad_json),
		cmocka_unit_test(test_mask_secrets_keeps_length),
		cmocka_unit_test(test_mask_secrets_on_character_boundaries),
		cmocka_unit_test(test_mask_secrets_without_walk_as_with),
		cmocka_unit_test(test_decode_layers_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
