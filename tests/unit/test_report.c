/* SPDX-License-Identifier: MIT */
/*
 * test_report.c - the output writers of `overt scan`: JSON lines byte for
 * byte, SARIF checked by walking it as JSON, and the text format's snippet
 * (visible ⟨U+XXXX NAME⟩ forms, the caret's column with wide characters,
 * cuts at line breaks and long runs) and colour.
 *
 * Findings are built by hand over small bodies, so these tests pin the
 * report layer alone: whatever the engine finds, this is how it is shown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json/json.h"
#include "report/internal.h"
#include "report/report.h"
#include "util/banned.h"

/* "Today\u2019s date is 2026/06/30." with the escape at byte 16. */
static const char APOS_BODY[] = "{\"system\":\"Today\\u2019s date is 2026/06/30.\"}";
/* A raw ZERO WIDTH SPACE (E2 80 8B) at byte 10. */
static const char ZWSP_BODY[] = "{\"user\":\"a\xE2\x80\x8B" "b\"}";
/* 日本語 then \u200b at byte 18, then テキスト. */
static const char CJK_BODY[] =
	"{\"user\":\"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\\u200b"
	"\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88\"}";

#define RSQ "\xE2\x9F\xA8U+2019 RIGHT SINGLE QUOTATION MARK\xE2\x9F\xA9"
#define ZWS "\xE2\x9F\xA8U+200B ZERO WIDTH SPACE\xE2\x9F\xA9"
#define ELL "\xE2\x80\xA6"

static struct scan_finding apos_finding(void)
{
	return (struct scan_finding){
		.rule = "lookalike.apostrophe",
		.category = "lookalike",
		.severity = SCAN_SEV_MEDIUM,
		.origin = SCAN_ORIGIN_SYSTEM,
		.codepoint = 0x2019,
		.count = 1,
		.byte_offset = 16,
		.byte_length = 6,
		.json_path = "$.system",
		.message = "An apostrophe look-alike (U+2019) in \"Today\xE2\x80\x99s\".",
		.decoded = NULL,
	};
}

static struct scan_finding scheme_finding(void)
{
	return (struct scan_finding){
		.rule = "scheme.date-marker-2026",
		.category = "known-scheme",
		.severity = SCAN_SEV_CRITICAL,
		.origin = SCAN_ORIGIN_SYSTEM,
		.codepoint = SCAN_NO_CODEPOINT,
		.count = 1,
		.byte_offset = 11,
		.byte_length = 32,
		.json_path = "$.system",
		.message = "The 2026 date marker: a look-alike apostrophe in the date sentence.",
		.decoded = "{\"scheme\":\"date-marker-2026\",\"bit\":1}",
	};
}

static struct scan_finding zwsp_finding(size_t off, size_t len, uint32_t count)
{
	return (struct scan_finding){
		.rule = "invisible.zero-width",
		.category = "invisible",
		.severity = SCAN_SEV_HIGH,
		.origin = SCAN_ORIGIN_USER,
		.codepoint = 0x200B,
		.count = count,
		.byte_offset = off,
		.byte_length = len,
		.json_path = "$.user",
		.message = "A zero-width space.",
		.decoded = NULL,
	};
}

static struct scan_report one_report(struct scan_finding *f, size_t n)
{
	struct scan_report sr;

	memset(&sr, 0, sizeof(sr));
	sr.findings = f;
	sr.nfindings = n;
	return sr;
}

/* One body to report: file, entry, bytes, findings. */
struct body {
	const char *file;
	long entry;
	const char *data;
	struct scan_report sr;
};

/* Run a whole report over @bodies into a string (free() it). */
static char *run(enum report_format format, int color, const struct body *bodies,
		 size_t n)
{
	struct report_opts o = { format, color, NULL };
	struct reporter *r;
	char *text = NULL;
	size_t size = 0, i;

	o.out = open_memstream(&text, &size);
	assert_non_null(o.out);
	r = report_new(&o);
	assert_non_null(r);
	for (i = 0; i < n; i++)
		assert_int_equal(report_body(r, bodies[i].file, bodies[i].entry,
					     (const uint8_t *)bodies[i].data,
					     strlen(bodies[i].data), &bodies[i].sr), 0);
	assert_int_equal(report_finish(r), 0);
	report_free(r);
	fclose(o.out);
	return text;
}

static void test_json_line_exact(void **state)
{
	struct scan_finding f[2] = { apos_finding(), scheme_finding() };
	struct body b[2] = {
		{ "samples/a.json", -1, APOS_BODY, one_report(f, 1) },
		{ "samples/x.har", 3, APOS_BODY, one_report(f + 1, 1) },
	};
	char *out;

	(void)state;
	out = run(REPORT_JSON, 1, b, 2);
	assert_string_equal(out,
		"{\"schema\":1,\"file\":\"samples/a.json\",\"entry\":null,"
		"\"json_path\":\"$.system\",\"byte_offset\":16,\"byte_length\":6,"
		"\"codepoint\":\"U+2019\",\"count\":1,\"rule\":\"lookalike.apostrophe\","
		"\"category\":\"lookalike\",\"severity\":\"medium\",\"origin\":\"system\","
		"\"message\":\"An apostrophe look-alike (U+2019) in \\\"Today\\u2019s\\\".\","
		"\"decoded\":null}\n"
		"{\"schema\":1,\"file\":\"samples/x.har\",\"entry\":3,"
		"\"json_path\":\"$.system\",\"byte_offset\":11,\"byte_length\":32,"
		"\"codepoint\":null,\"count\":1,\"rule\":\"scheme.date-marker-2026\","
		"\"category\":\"known-scheme\",\"severity\":\"critical\",\"origin\":\"system\","
		"\"message\":\"The 2026 date marker: a look-alike apostrophe in the date sentence.\","
		"\"decoded\":{\"scheme\":\"date-marker-2026\",\"bit\":1}}\n");
	free(out);
}

static void test_json_codepoint_digits(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(report_add_codepoint(&b, 0x41), 0);
	assert_int_equal(report_add_codepoint(&b, 0xE0041), 0);
	assert_int_equal(report_add_codepoint(&b, 0x10FFFF), 0);
	assert_int_equal(report_add_codepoint(&b, SCAN_NO_CODEPOINT), 0);
	assert_string_equal(b.data, "\"U+0041\"\"U+E0041\"\"U+10FFFF\"null");
	buf_release(&b);
}

static void test_json_no_findings_no_output(void **state)
{
	struct body b[1] = { { "a.json", -1, "{}", one_report(NULL, 0) } };
	char *out;

	(void)state;
	out = run(REPORT_JSON, 0, b, 1);
	assert_string_equal(out, "");
	free(out);
}

/* Walks SARIF output and keeps what the tests look at. */
struct sarif_check {
	size_t nvalues;
	size_t results;           /* elements of runs[0].results */
	size_t rules;             /* elements of runs[0].tool.driver.rules */
	long byte_offset[4];      /* ...results[i]...region.byteOffset */
	char rule_id[4][64];
	char level[4][16];
	char rule_desc[4][160];   /* rules[i].shortDescription.text */
	char version[16];
};

static int path_is(const struct json_walker *w, const char *want)
{
	struct buf p;
	int same;

	buf_init(&p, 4096);
	assert_int_equal(json_path_format(w, &p), 0);
	same = !strcmp(p.data, want);
	buf_release(&p);
	return same;
}

static void copy_string(const struct json_walker *w, size_t start, size_t end,
			char *dst, size_t cap)
{
	struct buf s;

	buf_init(&s, 4096);
	assert_int_equal(json_unescape(w->body + start, end - start, &s), 0);
	snprintf(dst, cap, "%s", s.data ? s.data : "");
	buf_release(&s);
}

static int sarif_string(void *ctx, const struct json_walker *w, size_t start,
			size_t end, int is_key)
{
	struct sarif_check *c = ctx;
	char path[160];
	size_t i;

	if (is_key)
		return 0;
	if (path_is(w, "$.version"))
		copy_string(w, start, end, c->version, sizeof(c->version));
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "$.runs[0].results[%zu].ruleId", i);
		if (path_is(w, path))
			copy_string(w, start, end, c->rule_id[i], sizeof(c->rule_id[i]));
		snprintf(path, sizeof(path), "$.runs[0].results[%zu].level", i);
		if (path_is(w, path))
			copy_string(w, start, end, c->level[i], sizeof(c->level[i]));
		snprintf(path, sizeof(path),
			 "$.runs[0].tool.driver.rules[%zu].shortDescription.text", i);
		if (path_is(w, path))
			copy_string(w, start, end, c->rule_desc[i],
				    sizeof(c->rule_desc[i]));
	}
	return 0;
}

static int sarif_value(void *ctx, const struct json_walker *w,
		       enum json_kind kind, size_t start, size_t end)
{
	struct sarif_check *c = ctx;
	char path[160], num[32];
	size_t i;

	c->nvalues++;
	for (i = 0; i < 4 && kind == JSON_NUMBER; i++) {
		snprintf(path, sizeof(path), "$.runs[0].results[%zu].locations[0]"
			 ".physicalLocation.region.byteOffset", i);
		if (!path_is(w, path))
			continue;
		snprintf(num, sizeof(num), "%.*s", (int)(end - start), w->body + start);
		c->byte_offset[i] = strtol(num, NULL, 10);
	}
	if (kind == JSON_OBJECT) {
		snprintf(path, sizeof(path), "$.runs[0].results[%zu]", c->results);
		if (path_is(w, path))
			c->results++;
		snprintf(path, sizeof(path), "$.runs[0].tool.driver.rules[%zu]", c->rules);
		if (path_is(w, path))
			c->rules++;
	}
	return 0;
}

static void walk_sarif(const char *text, struct sarif_check *c)
{
	struct json_visitor v = { .ctx = c, .string = sarif_string, .value = sarif_value };
	struct json_error err;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = json_walk((const uint8_t *)text, strlen(text), 64, &v, &err);
	if (rc)
		fail_msg("SARIF is not valid JSON at %zu: %s", err.offset, err.msg);
}

static void test_sarif_valid(void **state)
{
	struct scan_finding f[3] = { apos_finding(), scheme_finding(),
				     apos_finding() };
	struct body b[2] = {
		{ "samples/a b.json", -1, APOS_BODY, one_report(f, 2) },
		{ "samples/x.har", 0, APOS_BODY, one_report(f + 2, 1) },
	};
	struct sarif_check c;
	char *out;

	(void)state;
	f[2].byte_offset = 17;
	out = run(REPORT_SARIF, 1, b, 2);
	walk_sarif(out, &c);
	assert_string_equal(c.version, "2.1.0");
	assert_int_equal(c.results, 3);
	assert_int_equal(c.rules, 2);
	assert_string_equal(c.rule_id[0], "lookalike.apostrophe");
	assert_string_equal(c.level[0], "warning");
	assert_int_equal(c.byte_offset[0], 16);
	assert_string_equal(c.rule_id[1], "scheme.date-marker-2026");
	assert_string_equal(c.level[1], "error");
	assert_int_equal(c.byte_offset[1], 11);
	assert_int_equal(c.byte_offset[2], 17);
	/* Built-in rules take the table's summary, scheme rules the message. */
	assert_string_equal(c.rule_desc[1], scheme_finding().message);
	assert_true(strlen(c.rule_desc[0]) > 0);
	assert_string_not_equal(c.rule_desc[0], apos_finding().message);
	assert_non_null(strstr(out, "\"ruleIndex\":1,"));
	assert_non_null(strstr(out, "\"uri\":\"samples/a%20b.json\""));
	assert_non_null(strstr(out, "\"logicalLocations\":[{\"fullyQualifiedName\":"
				    "\"$.system\",\"kind\":\"member\"}]"));
	assert_non_null(strstr(out, "\"decoded\":{\"scheme\":\"date-marker-2026\",\"bit\":1}"));
	assert_non_null(strstr(out, "\"entry\":0,"));
	assert_null(strstr(out, "\033"));
	free(out);
}

static void test_sarif_empty_valid(void **state)
{
	struct body b[1] = { { "a.json", -1, "{}", one_report(NULL, 0) } };
	struct sarif_check c;
	char *out;

	(void)state;
	out = run(REPORT_SARIF, 0, b, 1);
	walk_sarif(out, &c);
	assert_int_equal(c.results, 0);
	assert_int_equal(c.rules, 0);
	free(out);
	out = run(REPORT_SARIF, 0, NULL, 0);
	walk_sarif(out, &c);
	assert_string_equal(c.version, "2.1.0");
	free(out);
}

static void test_sarif_absolute_uri(void **state)
{
	struct scan_finding f = apos_finding();
	struct body b[1] = { { "/tmp/caf\xC3\xA9#1.json", -1, APOS_BODY,
			       one_report(&f, 1) } };
	char *out;

	(void)state;
	out = run(REPORT_SARIF, 0, b, 1);
	assert_non_null(strstr(out, "\"uri\":\"file:///tmp/caf%C3%A9%231.json\""));
	free(out);
}

/* The display column of byte @pos in a line of narrow characters. */
static size_t narrow_column(const char *line, size_t pos)
{
	size_t i, col = 0;

	for (i = 0; i < pos; i++)
		if (((unsigned char)line[i] & 0xC0) != 0x80)
			col++;
	return col;
}

/* The caret line: @col spaces, '^', then @width - 1 tildes. */
static char *caret_line(size_t col, size_t width)
{
	char *s = malloc(col + width + 1);
	size_t i;

	assert_non_null(s);
	memset(s, ' ', col);
	s[col] = '^';
	for (i = 1; i < width; i++)
		s[col + i] = '~';
	s[col + (width ? width : 1)] = '\0';
	return s;
}

static void snippet_of(const char *body, struct scan_finding *f, char **line,
		       char **caret)
{
	struct report_opts o = { REPORT_TEXT, 0, stdout };
	struct reporter *r = report_new(&o);
	struct report_extent ext;
	struct buf l, c;

	assert_non_null(r);
	assert_int_equal(report_string_extents((const uint8_t *)body, strlen(body),
					       &f->byte_offset, 1, &ext), 0);
	assert_true(ext.start != SIZE_MAX);
	buf_init(&l, 1 << 20);
	buf_init(&c, 1 << 20);
	assert_int_equal(report_snippet(r, (const uint8_t *)body, ext, f, &l, &c), 0);
	*line = buf_take(&l);
	*caret = buf_take(&c);
	report_free(r);
}

static void test_text_snippet_apostrophe(void **state)
{
	struct scan_finding f = apos_finding();
	char *line, *caret, *want;
	const char *mark;

	(void)state;
	snippet_of(APOS_BODY, &f, &line, &caret);
	assert_string_equal(line, "\"Today" RSQ "s date is 2026/06/30.\"");
	mark = strstr(line, RSQ);
	assert_non_null(mark);
	want = caret_line(narrow_column(line, (size_t)(mark - line)),
			  narrow_column(RSQ, strlen(RSQ)));
	assert_string_equal(caret, want);
	assert_int_equal(strchr(caret, '^') - caret, 6);
	free(want);
	free(line);
	free(caret);
}

static void test_text_snippet_raw_zwsp(void **state)
{
	struct scan_finding f = zwsp_finding(10, 3, 1);
	char *line, *caret, *want;

	(void)state;
	snippet_of(ZWSP_BODY, &f, &line, &caret);
	assert_string_equal(line, "\"a" ZWS "b\"");
	want = caret_line(2, narrow_column(ZWS, strlen(ZWS)));
	assert_string_equal(caret, want);
	free(want);
	free(line);
	free(caret);
}

static void test_text_snippet_cjk_width(void **state)
{
	struct scan_finding f = zwsp_finding(18, 6, 1);
	char *line, *caret, *want;

	(void)state;
	snippet_of(CJK_BODY, &f, &line, &caret);
	assert_non_null(strstr(line, ZWS));
	/* '"' and three wide characters: column 7, not 4. */
	want = caret_line(7, narrow_column(ZWS, strlen(ZWS)));
	assert_string_equal(caret, want);
	free(want);
	free(line);
	free(caret);
	assert_int_equal(report_cp_width(0x65E5), 2);  /* 日 */
	assert_int_equal(report_cp_width(0xFF21), 2);  /* Ａ */
	assert_int_equal(report_cp_width(0x0301), 0);  /* combining acute */
	assert_int_equal(report_cp_width(0x1161), 0);  /* Hangul vowel jamo */
	assert_int_equal(report_cp_width('a'), 1);
	assert_int_equal(report_cp_width(0x2026), 1);  /* ambiguous: narrow */
}

/* Context is cut after 40 characters and at line breaks, with an ellipsis. */
static void test_text_snippet_cuts(void **state)
{
	const char *body = "{\"t\":\"0123456789012345678901234567890123456789ABCDE"
			   "\\u200b" "xyz\\nmore\"}";
	struct scan_finding f = zwsp_finding(51, 6, 1);
	char *line, *caret;

	(void)state;
	snippet_of(body, &f, &line, &caret);
	assert_string_equal(line, ELL "56789012345678901234567890123456789ABCDE"
				  ZWS "xyz" ELL);
	assert_int_equal(strchr(caret, '^') - caret, 41);
	free(line);
	free(caret);
}

/* A line break inside the finding is shown, not cut; controls as \n. */
static void test_text_snippet_escapes(void **state)
{
	const char *body = "{\"t\":\"a\\\\b\\\"c\\t\xE2\x80\xA8" "d\"}";
	struct scan_finding f = zwsp_finding(15, 3, 1);
	char *line, *caret;

	(void)state;
	f.codepoint = 0x2028;
	snippet_of(body, &f, &line, &caret);
	assert_string_equal(line, "\"a\\\\b\\\"c\\t\xE2\x9F\xA8U+2028 LINE SEPARATOR"
				  "\xE2\x9F\xA9" "d\"");
	assert_int_equal(strchr(caret, '^') - caret, 10);
	free(line);
	free(caret);
}

/* A run longer than the snippet shows is cut and the caret covers the cut. */
#define TAG_A "\xE2\x9F\xA8U+E0041 TAG LATIN CAPITAL LETTER A\xE2\x9F\xA9"

static void test_text_snippet_long_run(void **state)
{
	const char *tag = TAG_A;
	char body[512];
	struct scan_finding f = zwsp_finding(8, 30 * 4, 30);
	char *line, *caret;
	size_t n, i;

	(void)state;
	n = (size_t)snprintf(body, sizeof(body), "{\"t\":\"a ");
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "\xF3\xA0\x81\x81");
	snprintf(body + n, sizeof(body) - n, " z\"}");
	f.codepoint = 0xE0041;
	snippet_of(body, &f, &line, &caret);
	assert_non_null(strstr(line, tag));
	/* Markers up to 100 columns, then ⟨…⟩ for the rest of the run, and
	 * the caret under all of it. */
	assert_non_null(strstr(line, TAG_A TAG_A TAG_A "\xE2\x9F\xA8" ELL "\xE2\x9F\xA9 z\""));
	assert_null(strstr(line, TAG_A TAG_A TAG_A TAG_A));
	assert_int_equal(strlen(caret), 3 + 3 * narrow_column(tag, strlen(tag)) + 3);
	free(line);
	free(caret);
}

static void test_text_snippet_bad_bytes(void **state)
{
	const char *body = "{\"t\":\"x\xC0\xAFy\\uD800z\"}";
	struct scan_finding f = zwsp_finding(7, 2, 1);
	char *line, *caret;

	(void)state;
	f.codepoint = 0xFFFD;
	snippet_of(body, &f, &line, &caret);
	assert_non_null(strstr(line, "\xE2\x9F\xA8" "0xC0"));
	assert_non_null(strstr(line, "\xE2\x9F\xA8\\uD800 lone surrogate\xE2\x9F\xA9"));
	assert_int_equal(strchr(caret, '^') - caret, 2);
	free(line);
	free(caret);
}

static void test_string_extents(void **state)
{
	/* {"a\\":"x\"y","b":"z"} and an unterminated "w */
	const char *body = "{\"a\\\\\":\"x\\\"y\",\"b\":\"z\"} \"w";
	size_t at[] = { 19, 9, 2, 6, 11, 24, 14 };
	struct report_extent e[7];

	(void)state;
	assert_int_equal(report_string_extents((const uint8_t *)body, strlen(body),
					       at, 7, e), 0);
	assert_int_equal(e[0].start, 19);   /* "z" */
	assert_int_equal(e[0].end, 20);
	assert_int_equal(e[1].start, 8);    /* "x\"y": the escaped quote */
	assert_int_equal(e[1].end, 12);     /* does not close it */
	assert_int_equal(e[2].start, 2);    /* the key a\\ */
	assert_int_equal(e[2].end, 5);
	assert_int_equal(e[3].start, SIZE_MAX); /* ':' is in no string */
	assert_int_equal(e[4].start, 8);
	assert_int_equal(e[5].start, 24);   /* unterminated: to the end */
	assert_int_equal(e[5].end, 25);
	assert_int_equal(e[6].start, SIZE_MAX); /* the opening quote itself */
}

static void test_text_report(void **state)
{
	struct scan_finding f = apos_finding();
	struct scan_report sr = one_report(&f, 1);
	struct body b[2] = {
		{ "t.json", -1, APOS_BODY, sr },
		{ "t.json", -1, "{}", one_report(NULL, 0) },
	};
	char *out;

	(void)state;
	out = run(REPORT_TEXT, 0, b, 2);
	assert_string_equal(out,
		"t.json: $.system: byte 16: medium: lookalike.apostrophe (system)\n"
		"    An apostrophe look-alike (U+2019) in \"Today\xE2\x80\x99s\".\n"
		"    \"Today" RSQ "s date is 2026/06/30.\"\n"
		"          ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
		"1 finding (0 critical, 0 high, 1 medium, 0 low, 0 info) "
		"in 2 bodies from 1 file\n");
	free(out);
}

static void test_text_color(void **state)
{
	struct scan_finding f[2] = { apos_finding(), scheme_finding() };
	struct body b[1] = { { "t.json", 2, APOS_BODY, one_report(f, 2) } };
	char *out;

	(void)state;
	out = run(REPORT_TEXT, 1, b, 1);
	assert_non_null(strstr(out, "t.json: entry 2: $.system: byte 16: "
				    "\033[33mmedium\033[0m: "
				    "\033[1mlookalike.apostrophe\033[0m (system)\n"));
	assert_non_null(strstr(out, "\033[1;31mcritical\033[0m"));
	assert_non_null(strstr(out, "    decoded: {\"scheme\":\"date-marker-2026\",\"bit\":1}\n"));
	free(out);
	out = run(REPORT_TEXT, 0, b, 1);
	assert_null(strstr(out, "\033"));
	free(out);
}

static void test_text_summary_and_cap(void **state)
{
	struct scan_finding f = zwsp_finding(10, 3, 1);
	struct body b[3] = {
		{ "-", 0, ZWSP_BODY, one_report(&f, 1) },
		{ "-", 1, "{}", one_report(NULL, 0) },
		{ "b.jsonl", 0, "{}", one_report(NULL, 0) },
	};
	char *out;

	(void)state;
	b[0].sr.suppressed = 5;
	out = run(REPORT_TEXT, 0, b, 3);
	assert_non_null(strstr(out, "(standard input): entry 0: "
				    "(+5 more findings not shown: per-body cap)\n"));
	assert_non_null(strstr(out, "\n1 finding (0 critical, 1 high, 0 medium, 0 low, "
				    "0 info) in 3 bodies from 2 files, "
				    "+5 more not shown (per-body cap)\n"));
	free(out);
	out = run(REPORT_TEXT, 0, b + 1, 1);
	assert_string_equal(out, "no findings in 1 body from 1 file\n");
	free(out);
}

/* Nothing from the input reaches the terminal raw: not in the file name,
 * not in the path, not in the message. */
static void test_text_header_is_visible(void **state)
{
	struct scan_finding f = zwsp_finding(10, 3, 1);
	struct body b[1] = { { "evil\xE2\x80\xAE.json\x1B[2J", -1, ZWSP_BODY,
			       one_report(&f, 1) } };
	char *out;

	(void)state;
	f.json_path = "$['\xE2\x80\x8B']";
	f.message = "bell\a and \xFF";
	out = run(REPORT_TEXT, 0, b, 1);
	assert_null(strstr(out, "\xE2\x80\xAE"));
	assert_null(strstr(out, "\xE2\x80\x8B"));
	assert_null(strstr(out, "\x1B"));
	assert_null(strstr(out, "\a"));
	assert_non_null(strstr(out, "evil\xE2\x9F\xA8U+202E RIGHT-TO-LEFT OVERRIDE"
				    "\xE2\x9F\xA9.json\xE2\x9F\xA8U+001B ESCAPE\xE2\x9F\xA9[2J: "));
	assert_non_null(strstr(out, "$['" ZWS "']"));
	assert_non_null(strstr(out, "bell\xE2\x9F\xA8U+0007 ALERT\xE2\x9F\xA9 and "
				    "\xE2\x9F\xA8" "0xFF invalid UTF-8\xE2\x9F\xA9"));
	free(out);
}

static void test_format_parse(void **state)
{
	(void)state;
	assert_int_equal(report_format_parse("text"), REPORT_TEXT);
	assert_int_equal(report_format_parse("json"), REPORT_JSON);
	assert_int_equal(report_format_parse("sarif"), REPORT_SARIF);
	assert_int_equal(report_format_parse("xml"), -1);
	assert_string_equal(report_strerror(REPORT_EIO), "write error");
}

/* A full output is an error at report_finish, not silence. */
static void test_write_error(void **state)
{
	struct report_opts o = { REPORT_JSON, 0, NULL };
	struct scan_finding f = apos_finding();
	struct scan_report sr = one_report(&f, 1);
	struct reporter *r;
	int rc;

	(void)state;
	o.out = fopen("/dev/full", "w");
	if (!o.out)
		skip();
	r = report_new(&o);
	assert_non_null(r);
	rc = report_body(r, "a", -1, (const uint8_t *)APOS_BODY,
			 strlen(APOS_BODY), &sr);
	if (!rc)
		rc = report_finish(r);
	assert_int_equal(rc, REPORT_EIO);
	report_free(r);
	report_free(NULL);
	fclose(o.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_line_exact),
		cmocka_unit_test(test_json_codepoint_digits),
		cmocka_unit_test(test_json_no_findings_no_output),
		cmocka_unit_test(test_sarif_valid),
		cmocka_unit_test(test_sarif_empty_valid),
		cmocka_unit_test(test_sarif_absolute_uri),
		cmocka_unit_test(test_text_snippet_apostrophe),
		cmocka_unit_test(test_text_snippet_raw_zwsp),
		cmocka_unit_test(test_text_snippet_cjk_width),
		cmocka_unit_test(test_text_snippet_cuts),
		cmocka_unit_test(test_text_snippet_escapes),
		cmocka_unit_test(test_text_snippet_long_run),
		cmocka_unit_test(test_text_snippet_bad_bytes),
		cmocka_unit_test(test_string_extents),
		cmocka_unit_test(test_text_report),
		cmocka_unit_test(test_text_color),
		cmocka_unit_test(test_text_summary_and_cap),
		cmocka_unit_test(test_text_header_is_visible),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
