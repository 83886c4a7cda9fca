/* SPDX-License-Identifier: MIT */
/*
 * test_scan.c - the scan engine, detector by detector: each covert
 * technique must be found, and benign text in many scripts must stay below
 * medium.  Bodies are real request shapes, written as C strings; "\\u2019"
 * is a JSON escape, "\u2019" the raw UTF-8 bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "overt.h"

static struct scan_engine *engine;
static struct scan_report report;

static int setup(void **state)
{
	char err[256];

	(void)state;
	engine = scan_engine_new(NULL, err, sizeof(err));
	if (!engine)
		fprintf(stderr, "%s\n", err);
	scan_report_init(&report);
	return engine ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	scan_report_release(&report);
	scan_engine_free(engine);
	return 0;
}

static int scan(const char *body)
{
	return scan_body(engine, (const uint8_t *)body, strlen(body), &report);
}

static const struct scan_finding *find(const char *rule)
{
	size_t i;

	for (i = 0; i < report.nfindings; i++)
		if (!strcmp(report.findings[i].rule, rule))
			return &report.findings[i];
	return NULL;
}

static size_t count(const char *rule)
{
	size_t i, n = 0;

	for (i = 0; i < report.nfindings; i++)
		n += !strcmp(report.findings[i].rule, rule);
	return n;
}

static int worst(void)
{
	int w = -1;
	size_t i;

	for (i = 0; i < report.nfindings; i++)
		if ((int)report.findings[i].severity > w)
			w = (int)report.findings[i].severity;
	return w;
}

/* Benign text: nothing at medium or above, and say what was found if so. */
static void assert_benign(const char *body)
{
	size_t i;

	assert_int_equal(scan(body), 0);
	for (i = 0; i < report.nfindings; i++)
		if (report.findings[i].severity >= SCAN_SEV_MEDIUM)
			fprintf(stderr, "unexpected: %s %s at %zu: %s\n",
				report.findings[i].rule,
				scan_severity_name(report.findings[i].severity),
				report.findings[i].byte_offset, report.findings[i].message);
	assert_true(worst() < SCAN_SEV_MEDIUM);
}

#define PROMPT_HEAD "{\"model\":\"m\",\"system\":\"You are a coding agent. Don't guess; " \
		    "it's better to ask. You're careful.\\n"

static void marker_variants(void **state)
{
	static const struct {
		const char *apos, *sep, *meaning;
		enum scan_severity sev;
	} cases[] = {
		{ "\\u2019", "-", "hidden domain list", SCAN_SEV_CRITICAL },
		{ "\u02bc", "-", "AI-lab keyword list", SCAN_SEV_CRITICAL },
		{ "\\u02b9", "/", "both hidden lists", SCAN_SEV_CRITICAL },
		{ "'", "/", "Asia/Shanghai or Asia/Urumqi", SCAN_SEV_CRITICAL },
	};
	char body[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scan_finding *f;

		snprintf(body, sizeof(body), PROMPT_HEAD "Today%ss date is 2026%s06%s30.\"}",
			 cases[i].apos, cases[i].sep, cases[i].sep);
		assert_int_equal(scan(body), 0);
		f = find("scheme.date-marker-2026");
		assert_non_null(f);
		assert_int_equal(f->severity, cases[i].sev);
		assert_int_equal(f->origin, SCAN_ORIGIN_SYSTEM);
		assert_string_equal(f->json_path, "$.system");
		assert_int_equal(f->byte_offset, (size_t)(strstr(body, "Today") - body));
		assert_non_null(strstr(f->message, cases[i].meaning));
		assert_non_null(f->decoded);
	}
	/* The default sentence, in nearly every request, encodes nothing and
	 * is not reported. */
	snprintf(body, sizeof(body), PROMPT_HEAD "Today's date is 2026-06-30.\"}");
	assert_int_equal(scan(body), 0);
	assert_null(find("scheme.date-marker-2026"));
}

/* "\u2019" and E2 80 99 are one character at their own raw offsets. */
static void escaped_and_raw_are_the_same(void **state)
{
	const char *esc = "{\"system\":\"Don't. It's. We're. Today\\u2019s date is 2026-06-30.\"}";
	const char *raw = "{\"system\":\"Don't. It's. We're. Today\u2019s date is 2026-06-30.\"}";
	const struct scan_finding *f;
	size_t at = (size_t)(strstr(esc, "\\u2019") - esc);

	(void)state;
	assert_int_equal(scan(esc), 0);
	f = find("lookalike.apostrophe");
	assert_non_null(f);
	assert_int_equal(f->codepoint, 0x2019);
	assert_int_equal(f->byte_offset, at);
	assert_int_equal(f->byte_length, 6);
	assert_int_equal(f->severity, SCAN_SEV_MEDIUM);
	assert_int_equal(scan(raw), 0);
	f = find("lookalike.apostrophe");
	assert_non_null(f);
	assert_int_equal(f->codepoint, 0x2019);
	assert_int_equal(f->byte_offset, at);
	assert_int_equal(f->byte_length, 3);
}

/* A marker hidden in a user-role reminder block is found there. */
static void marker_in_user_reminder(void **state)
{
	const struct scan_finding *f;

	(void)state;
	assert_int_equal(scan("{\"messages\":[{\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
			      "{\"type\":\"text\",\"text\":\"<system-reminder>Today\\u02bcs date "
			      "is 2026/01/05.</system-reminder>\"}],\"role\":\"user\"}]}"), 0);
	f = find("scheme.date-marker-2026");
	assert_non_null(f);
	assert_int_equal(f->origin, SCAN_ORIGIN_USER);
	assert_string_equal(f->json_path, "$.messages[0].content[1].text");
	assert_non_null(strstr(f->decoded, "\"value\":\"U+02BC\""));
	assert_non_null(strstr(f->decoded, "\"value\":\"/\""));
}

static void invalid_utf8(void **state)
{
	static const char *bodies[] = {
		"{\"a\":\"x\xc0\xafy\"}",        /* overlong '/' */
		"{\"a\":\"x\xed\xa0\x80y\"}",    /* encoded surrogate */
		"{\"a\":\"x\xe2\x80\"}",         /* truncated */
		"{\"a\":\"x\xff\xfey\"}",        /* invalid bytes */
		"{\"a\":\"x\xf4\x90\x80\x80y\"}", /* above U+10FFFF */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		assert_int_equal(scan(bodies[i]), 0);
		assert_int_equal(count("utf8.invalid"), 1);
		assert_int_equal(find("utf8.invalid")->byte_offset, 7);
	}
	assert_int_equal(scan("{\"a\":\"x\xef\xb7\x90y\"}"), 0);
	assert_non_null(find("utf8.noncharacter"));
	assert_int_equal(scan("{\"a\":\"x\\ud800y\\u0000\"}"), 0);
	assert_non_null(find("json.lone-surrogate"));
	assert_non_null(find("json.nul"));
}

static void invisible_characters(void **state)
{
	(void)state;
	assert_int_equal(scan("{\"a\":\"pass\\u200bword and wo\u2060rd\"}"), 0);
	assert_int_equal(count("invisible.zero-width"), 2);
	assert_int_equal(find("invisible.zero-width")->severity, SCAN_SEV_MEDIUM);
	assert_int_equal(scan("{\"a\":\"x\u2062y\u3164z\u180e\"}"), 0);
	assert_non_null(find("invisible.zero-width"));
	assert_non_null(find("invisible.filler"));
	assert_int_equal(scan("{\"a\":\"in\xc2\xadvisible\"}"), 0);
	assert_int_equal(find("invisible.soft-hyphen")->severity, SCAN_SEV_LOW);
	assert_int_equal(scan("{\"a\":\"text\\ufeffinside\"}"), 0);
	assert_int_equal(find("invisible.bom")->severity, SCAN_SEV_MEDIUM);
	assert_int_equal(scan("{\"a\":\"\\u2028line\"}"), 0);
	assert_non_null(find("whitespace.line-separator"));
}

static void zero_width_payload(void **state)
{
	const struct scan_finding *f;

	(void)state;
	/* 'H' = 01001000 with ZWSP = 0 and ZWNJ = 1 */
	assert_int_equal(scan("{\"a\":\"ok\u200b\u200c\u200b\u200b\u200c\u200b\u200b\u200bok\"}"), 0);
	f = find("invisible.run");
	assert_non_null(f);
	assert_int_equal(f->count, 8);
	assert_int_equal(f->severity, SCAN_SEV_HIGH);
	assert_non_null(strstr(f->decoded, "\"text\":\"H\""));
}

static void legitimate_joiners(void **state)
{
	(void)state;
	/* family emoji, Persian with ZWNJ, Devanagari with ZWJ */
	assert_benign("{\"a\":\"family \U0001F468\u200d\U0001F469\u200d\U0001F467 done\"}");
	assert_benign("{\"a\":\"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645\"}");
	assert_benign("{\"a\":\"\u0915\u094d\u200d\u0937\"}");
	assert_int_equal(report.nfindings, 0);
}

static void tag_smuggling(void **state)
{
	const struct scan_finding *f;

	(void)state;
	/* "hi!" in tag characters after a visible word */
	assert_int_equal(scan("{\"a\":\"hello\U000E0068\U000E0069\U000E0021\"}"), 0);
	f = find("tag.smuggled-text");
	assert_non_null(f);
	assert_int_equal(f->count, 3);
	assert_int_equal(f->byte_offset, 11);
	assert_non_null(strstr(f->decoded, "\"text\":\"hi!\""));
	/* escaped as surrogate pairs */
	assert_int_equal(scan("{\"a\":\"x\\udb40\\udc6f\\udb40\\udc6b\"}"), 0);
	assert_non_null(strstr(find("tag.smuggled-text")->decoded, "\"text\":\"ok\""));
	/* the flag of England is a legitimate tag sequence */
	assert_benign("{\"a\":\"go \U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F team\"}");
	assert_int_equal(report.nfindings, 0);
}

static void variation_selectors(void **state)
{
	const struct scan_finding *f;

	(void)state;
	/* bytes "AB" = 0x41 0x42 -> VS17+0x31, VS17+0x32 */
	assert_int_equal(scan("{\"a\":\"\U0001F600\U000E0131\U000E0132\"}"), 0);
	f = find("variation.payload");
	assert_non_null(f);
	assert_non_null(strstr(f->decoded, "\"text\":\"AB\""));
	assert_int_equal(f->severity, SCAN_SEV_HIGH);
	/* emoji presentation, a CJK ideographic variation sequence */
	assert_benign("{\"a\":\"I \u2764\ufe0f it, \u845b\U000E0100 too\"}");
	assert_int_equal(report.nfindings, 0);
	assert_int_equal(scan("{\"a\":\"plain a\ufe0f\"}"), 0);
	assert_int_equal(find("variation.stray")->severity, SCAN_SEV_LOW);
}

static void bidi_controls(void **state)
{
	(void)state;
	assert_int_equal(scan("{\"a\":\"access = \\u202eresu\\u202c ok\"}"), 0);
	assert_int_equal(find("bidi.override")->severity, SCAN_SEV_HIGH);
	assert_null(find("bidi.unbalanced"));
	assert_int_equal(scan("{\"a\":\"if x \\u2067 then\"}"), 0);
	assert_non_null(find("bidi.unbalanced"));
	/* Hebrew and Arabic with their marks are normal */
	assert_benign("{\"a\":\"\u05e9\u05dc\u05d5\u05dd \u200f(1)\u200f \u0645\u0631\u062d\u0628\u0627\u061c\"}");
	/* in a tool definition, an isolate is Trojan Source */
	assert_int_equal(scan("{\"tools\":[{\"name\":\"x\",\"description\":\"a \\u2066b\\u2069 c\"}]}"), 0);
	assert_int_equal(find("bidi.embedding")->severity, SCAN_SEV_HIGH);
	assert_int_equal(find("bidi.embedding")->origin, SCAN_ORIGIN_TOOL_DEFINITION);
}

static void style_drift(void **state)
{
	(void)state;
	/* one U+02BC among ASCII apostrophes */
	assert_int_equal(scan("{\"a\":\"don't, can't, won't, it\u02bcs\"}"), 0);
	assert_int_equal(find("lookalike.apostrophe")->severity, SCAN_SEV_MEDIUM);
	assert_non_null(strstr(find("lookalike.apostrophe")->message, "1 of 4"));
	/* consistently curly English is a style, not a finding */
	assert_benign("{\"a\":\"It\u2019s what they\u2019d call \u2018good\u2019. Don\u2019t \u201cworry\u201d.\"}");
	assert_null(find("lookalike.apostrophe"));
	/* full-width letters in Latin text */
	assert_int_equal(scan("{\"a\":\"run \uff53udo now\"}"), 0);
	assert_int_equal(find("lookalike.fullwidth")->severity, SCAN_SEV_MEDIUM);
	assert_int_equal(scan("{\"a\":\"path a\u2215b\"}"), 0);
	assert_int_equal(find("lookalike.slash")->severity, SCAN_SEV_MEDIUM);
}

static void benign_scripts(void **state)
{
	(void)state;
	assert_benign("{\"messages\":[{\"role\":\"user\",\"content\":\"\u4f60\u597d\uff0c\u8bf7\u5e2e\u6211"
		      "\u4fee\u590d\u8fd9\u4e2a\u51fd\u6570\uff1a\uff08\u7b2c\u4e00\u6b65\uff09\u3002"
		      "\u300c\u6ce8\u610f\u300d\uff01\u3000\u8c22\u8c22\"}]}");
	assert_benign("{\"a\":\"\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c\uff01\u300c\u30c6"
		      "\u30b9\u30c8\u300d\u3067\u3059\u3002\"}");
	assert_benign("{\"a\":\"\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645\u060c "
		      "\u0634\u0643\u0631\u0627\u064b\"}");
	assert_benign("{\"a\":\"Use \u2014 dashes \u2013 arrows \u2192 \u00d7 3\u2026 and \U0001F680\u2728 emoji\"}");
	/* code with typographic quotes in a comment */
	assert_benign("{\"a\":\"// don\u2019t \u201cfix\u201d this\\nint main(void) { return 0; }\\n"
		      "printf(\\\"it's %d\\\\n\\\", x); s = 'a';\"}");
	assert_benign("{\"a\":\"\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! and English\"}");
}

static void homoglyphs(void **state)
{
	const struct scan_finding *f;

	(void)state;
	assert_int_equal(scan("{\"a\":\"visit \u0440\u0430ypal.com\"}"), 0);
	f = find("homoglyph.mixed-script");
	assert_non_null(f);
	assert_int_equal(f->severity, SCAN_SEV_HIGH);
	assert_int_equal(f->byte_offset, 12);
	assert_int_equal(count("homoglyph.mixed-script"), 1);
}

static void dates(void **state)
{
	(void)state;
	assert_int_equal(scan("{\"a\":\"released 2026-01-02, fixed 2026-02-03, tagged 2026.03.04\"}"), 0);
	assert_int_equal(count("date.mixed-styles"), 1);
	assert_int_equal(find("date.mixed-styles")->byte_offset, 52);
	assert_int_equal(scan("{\"a\":\"The current date is 2026/06/30\"}"), 0);
	assert_int_equal(find("date.sentence-variant")->severity, SCAN_SEV_MEDIUM);
	/* version numbers and addresses are not dates */
	assert_int_equal(scan("{\"a\":\"v1.2.3 at 127.0.0.1 and 2026-13-45\"}"), 0);
	assert_int_equal(report.nfindings, 0);
	/* a look-alike separator in a date */
	assert_int_equal(scan("{\"a\":\"due 2026\u221506\u221530 ok\"}"), 0);
	assert_int_equal(find("date.mixed-styles")->severity, SCAN_SEV_HIGH);
}

static void whitespace_channels(void **state)
{
	const struct scan_finding *f;

	(void)state;
	assert_int_equal(scan("{\"a\":\"one \\ntwo  \\nthree\\t\\nfour \\nfive  \\nsix\"}"), 0);
	f = find("whitespace.trailing-pattern");
	assert_non_null(f);
	assert_int_equal(f->severity, SCAN_SEV_MEDIUM);
	assert_non_null(strstr(f->decoded, "\"per_line\":[1,2,16,1,2]"));
	assert_int_equal(scan("{\"a\":\"a\u00a0b c\u00a0d\u00a0e f\u00a0g\u00a0h\u00a0i j\u00a0k\u00a0l\u00a0m n\"}"), 0);
	f = find("whitespace.space-pattern");
	assert_non_null(f);
	assert_non_null(strstr(f->decoded, "\"bits\":\"1011011101110\""));
	assert_null(find("lookalike.space"));
	assert_int_equal(scan("{\"a\":\"a\\r\\nb\\nc\"}"), 0);
	assert_non_null(find("whitespace.mixed-newlines"));
	/* markdown hard breaks are one form only */
	assert_benign("{\"a\":\"a  \\nb  \\nc  \\nd  \\ne  \\nf\"}");
}

static void json_structure(void **state)
{
	(void)state;
	assert_int_equal(scan("{\"a\":1,\"b\":2,\"\\u0061\":3}"), 0);
	assert_int_equal(count("json.duplicate-key"), 1);
	assert_int_equal(find("json.duplicate-key")->byte_offset, 14);
	assert_int_equal(scan("{\"a\":[1,2,}"), SCAN_EJSON);
	assert_int_equal(report.error_offset, 10);
	assert_non_null(strstr(report.error_msg, "byte 10"));
	assert_int_equal(scan("{\"a\":\"x\\q\"}"), SCAN_EJSON);
	assert_int_equal(report.error_offset, 7);
	/* a body that is one string, or nothing but a number */
	assert_int_equal(scan("\"\""), 0);
	assert_int_equal(scan("\"x\\u200b\""), 0);
	assert_non_null(find("invisible.zero-width"));
	assert_int_equal(scan("-1.5e3"), 0);
	/* findings before the error are kept */
	assert_int_equal(scan("{\"a\":\"x\\u200by\", \"b\": tru}"), SCAN_EJSON);
	assert_non_null(find("invisible.zero-width"));
}

static void depth_limit(void **state)
{
	char body[2100];
	struct scan_options o = { .max_depth = 100 };
	struct scan_engine *e;
	char err[128];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		body[i] = '[';
	for (i = 0; i < 1000; i++)
		body[1000 + i] = ']';
	body[2000] = '\0';
	assert_int_equal(scan(body), SCAN_EDEPTH);
	e = scan_engine_new(&o, err, sizeof(err));
	assert_non_null(e);
	memset(body, '[', 100);
	memset(body + 100, ']', 100);
	body[200] = '\0';
	assert_int_equal(scan_body(e, (const uint8_t *)body, 200, &report), 0);
	scan_engine_free(e);
}

static void origins(void **state)
{
	(void)state;
	/* OpenAI chat: role after content, tool messages */
	assert_int_equal(scan("{\"messages\":[{\"content\":\"a\\u200bb\",\"role\":\"system\"},"
			      "{\"role\":\"tool\",\"content\":\"c\\u200bd\"}]}"), 0);
	assert_int_equal(report.nfindings, 2);
	assert_int_equal(report.findings[0].origin, SCAN_ORIGIN_SYSTEM);
	assert_int_equal(report.findings[1].origin, SCAN_ORIGIN_TOOL_RESULT);
	/* Anthropic tool_result and tool_use blocks */
	assert_int_equal(scan("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
			      "\"content\":\"x\\u200b\"}]},{\"role\":\"assistant\",\"content\":[{\"type\":"
			      "\"tool_use\",\"input\":{\"cmd\":\"y\\u200b\"}}]}]}"), 0);
	assert_int_equal(report.findings[0].origin, SCAN_ORIGIN_TOOL_RESULT);
	assert_int_equal(report.findings[1].origin, SCAN_ORIGIN_ASSISTANT);
	/* OpenAI Responses */
	assert_int_equal(scan("{\"instructions\":\"a\\u200b\",\"input\":[{\"type\":\"function_call_output\","
			      "\"output\":\"b\\u200b\"}]}"), 0);
	assert_int_equal(report.findings[0].origin, SCAN_ORIGIN_SYSTEM);
	assert_int_equal(report.findings[1].origin, SCAN_ORIGIN_TOOL_RESULT);
	/* Gemini */
	assert_int_equal(scan("{\"systemInstruction\":{\"parts\":[{\"text\":\"a\\u200b\"}]},\"contents\":"
			      "[{\"role\":\"model\",\"parts\":[{\"text\":\"b\\u200b\"}]},{\"role\":\"user\","
			      "\"parts\":[{\"functionResponse\":{\"response\":{\"r\":\"c\\u200b\"}}}]}],"
			      "\"generationConfig\":{\"stop\":\"d\\u200b\"}}"), 0);
	assert_int_equal(report.nfindings, 4);
	assert_int_equal(report.findings[0].origin, SCAN_ORIGIN_SYSTEM);
	assert_int_equal(report.findings[1].origin, SCAN_ORIGIN_ASSISTANT);
	assert_int_equal(report.findings[2].origin, SCAN_ORIGIN_TOOL_RESULT);
	assert_int_equal(report.findings[3].origin, SCAN_ORIGIN_METADATA);
	assert_string_equal(report.findings[2].json_path,
			    "$.contents[1].parts[0].functionResponse.response.r");
}

static void paths_with_odd_keys(void **state)
{
	(void)state;
	assert_int_equal(scan("{\"a b\":{\"k\\u200b\":\"x\\u200by\"}}"), 0);
	assert_int_equal(report.nfindings, 2);
	assert_string_equal(report.findings[1].json_path, "$[\"a b\"][\"k\\u200b\"]");
}

/* Tool-call arguments are JSON in a string; an ensure_ascii encoder
 * turns a hidden character into an escape inside that JSON. */
static void nested_arguments(void **state)
{
	const char *body = "{\"input\":[{\"type\":\"function_call\",\"arguments\":"
			   "\"{\\\"cmd\\\": \\\"ls\\\\u200b -la\\\"}\"}]}";
	const struct scan_finding *f;

	(void)state;
	assert_int_equal(scan(body), 0);
	f = find("invisible.zero-width");
	assert_non_null(f);
	assert_int_equal(f->byte_offset, (size_t)(strstr(body, "\\\\u200b") - body));
	assert_int_equal(f->byte_length, 7);
	assert_int_equal(f->origin, SCAN_ORIGIN_ASSISTANT);
	assert_string_equal(f->json_path, "$.input[0].arguments");
	assert_non_null(strstr(f->message, "$.cmd"));
}

static void findings_cap(void **state)
{
	struct scan_options o = { .max_findings = 5 };
	struct scan_engine *e;
	char body[4096], err[128];
	size_t n = 0;
	int i;

	(void)state;
	n += (size_t)snprintf(body, sizeof(body), "{\"a\":\"");
	for (i = 0; i < 50; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "x\\u200b");
	n += (size_t)snprintf(body + n, sizeof(body) - n, "%s", "\",\"b\":\"\\u202e\\u202c\"}");
	e = scan_engine_new(&o, err, sizeof(err));
	assert_non_null(e);
	assert_int_equal(scan_body(e, (const uint8_t *)body, n, &report), 0);
	assert_int_equal(report.nfindings, 5);
	assert_int_equal(report.suppressed, 46);
	assert_non_null(find("bidi.override")); /* the most severe are kept */
	scan_engine_free(e);
}

static void bad_scheme_file(void **state)
{
#define BAD_SCHEME "{\"id\":\"x\",\"name\":\"n\",\"template\":\"A{nope}\"}"
	static const struct scan_scheme_source bad[] = {
		{ "bad.json", BAD_SCHEME, sizeof(BAD_SCHEME) - 1 },
	};
	struct scan_options o = { .schemes = bad, .nschemes = 1 };
	char err[256];

	(void)state;
	assert_null(scan_engine_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "bad.json"));
	assert_non_null(strstr(err, "nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(marker_variants),
		cmocka_unit_test(escaped_and_raw_are_the_same),
		cmocka_unit_test(marker_in_user_reminder),
		cmocka_unit_test(invalid_utf8),
		cmocka_unit_test(invisible_characters),
		cmocka_unit_test(zero_width_payload),
		cmocka_unit_test(legitimate_joiners),
		cmocka_unit_test(tag_smuggling),
		cmocka_unit_test(variation_selectors),
		cmocka_unit_test(bidi_controls),
		cmocka_unit_test(style_drift),
		cmocka_unit_test(benign_scripts),
		cmocka_unit_test(homoglyphs),
		cmocka_unit_test(dates),
		cmocka_unit_test(whitespace_channels),
		cmocka_unit_test(json_structure),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(origins),
		cmocka_unit_test(paths_with_odd_keys),
		cmocka_unit_test(nested_arguments),
		cmocka_unit_test(findings_cap),
		cmocka_unit_test(bad_scheme_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
