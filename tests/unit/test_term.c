/* SPDX-License-Identifier: MIT */
/*
 * test_term.c - untrusted text printed on a terminal: controls, C1, bidi
 * controls, invisible characters and invalid UTF-8 come out as visible
 * escapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/term.h"
#include "util/banned.h"

static char *shown(const char *s, size_t n, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	term_put_safe(f, s, n, flags);
	fclose(f);
	return text;
}

static void test_escapes(void **state)
{
	/* ESC, C1 CSI (U+009B), RLO (U+202E), an isolate, invalid bytes. */
	static const char in[] = "a\033[2J\xc2\x9b\xe2\x80\xae" "b\xe2\x81\xa6\xff\xc3";
	char *out = shown(in, sizeof(in) - 1, 0);

	(void)state;
	assert_string_equal(out, "a\\u{001B}[2J\\u{009B}\\u{202E}b\\u{2066}\\xFF\\xC3");
	free(out);
}

static void test_lines(void **state)
{
	char *one = shown("x\ny\tz\x7f", 6, 0), *multi = shown("x\ny\tz\x7f", 6, TERM_KEEP_LINES);

	(void)state;
	assert_string_equal(one, "x\\u{000A}y\\u{0009}z\\u{007F}");
	assert_string_equal(multi, "x\ny\tz\\u{007F}");
	free(one);
	free(multi);
	/* Printable non-ASCII stays as it is; a NUL in the middle is escaped. */
	one = shown("\xc3\xa9t\xc3\xa9\0!", 7, TERM_KEEP_LINES);
	assert_string_equal(one, "\xc3\xa9t\xc3\xa9\\u{0000}!");
	free(one);
}

static void test_invisible(void **state)
{
	/* ZWSP, tag 'A' (U+E0041), VS16, soft hyphen, BOM, Hangul filler, a
	 * private-use character; U+2019 and CJK stay as they are. */
	static const char in[] = "a\xe2\x80\x8b\xf3\xa0\x81\x81\xef\xb8\x8f\xc2\xad"
				 "\xef\xbb\xbf\xe3\x85\xa4\xee\x80\x80\xe2\x80\x99\xe6\x97\xa5";
	char *out = shown(in, sizeof(in) - 1, TERM_KEEP_LINES);

	(void)state;
	assert_string_equal(out, "a\\u{200B}\\u{E0041}\\u{FE0F}\\u{00AD}\\u{FEFF}\\u{3164}"
				 "\\u{E000}\xe2\x80\x99\xe6\x97\xa5");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_invisible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
