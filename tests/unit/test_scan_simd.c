/* SPDX-License-Identifier: MIT */
/*
 * test_scan_simd.c - the block pass has an AVX-512BW, an AVX2 and an SSE2
 * form, and a machine runs only the widest it has.  Each form scans the
 * same generated bodies here (pieces that need a closer look, placed at
 * every offset of a 64-byte block and in strings of every short length)
 * and must give the same findings, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "overt.h"

static const char *const pieces[] = {
	"Don't ", "it's", "\\n", "\\\"", " \\n", "\\t", "\\\\", "\\/", "'", "x",
	"2026-06-30 ", "1.2.3", "caf\\u00e9 ", "\xE2\x80\x99", "\xE4\xB8\xAD\xE6\x96\x87",
	"\xEF\xBC\x8C", "\xE3\x81\x82", "\xE2\x80\x8B", "\\u200b", "Today's date is 2026/06/30. ",
	"sk-ant-api03-Zq8vL3xN9pR2tY7wK4mB6cD1fG5hJ0sA8eU3iO9yT2 ", "/home/alice/src ",
	"https://u:S3cr3tPw9x@10.0.0.7/x ", "password=Tr0ub4dor!3xyzQ ", "-----BEGIN ",
	"AKIAQWERTY7UIOPASDFG ", "toolu_01ABCDEFGHIJKLMNOPQRSTUV", "abcdefghijklmnopqrstuvwxyz0123",
	"machine-id: 0123456789abcdef0123456789abcdef ", "=", ":", "  ", "\xF3\xA0\x81\x81",
};

static uint64_t rng = 42;

static unsigned below(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng >> 33) % n);
}

/* A body: a system prompt and a user message of random pieces, then a key
 * and a value of @len plain bytes after @shift bytes of padding. */
static size_t make_body(char *b, size_t cap, unsigned len, unsigned shift)
{
	size_t n = 0, want = below(400);
	unsigned i;

	n += (size_t)snprintf(b + n, cap - n, "{\"system\":\"%.*s",
			      (int)shift, "................................................................");
	while (n < want && n + 80 < cap / 2)
		n += (size_t)snprintf(b + n, cap - n, "%s", pieces[below(sizeof(pieces) /
								     sizeof(pieces[0]))]);
	n += (size_t)snprintf(b + n, cap - n, "\",\"messages\":[{\"role\":\"user\",\"content\":\"");
	for (i = 0; i < len && n + 80 < cap; i++)
		n += (size_t)snprintf(b + n, cap - n, "%s",
				      below(3) ? "a" : pieces[below(sizeof(pieces) / sizeof(pieces[0]))]);
	n += (size_t)snprintf(b + n, cap - n, "\"}],\"k%u\":\"v\"}", len);
	return n;
}

static void describe(const struct scan_report *r, char *out, size_t cap)
{
	size_t i, n = 0;

	out[0] = 0;
	for (i = 0; i < r->nfindings && n < cap; i++) {
		const struct scan_finding *f = &r->findings[i];
		int k = snprintf(out + n, cap - n, "%s %zu+%zu x%u %s|%s\n", f->rule,
				 f->byte_offset, f->byte_length, f->count, f->message,
				 f->decoded ? f->decoded : "-");

		n += k > 0 ? (size_t)k : 0;
	}
}

static void same_findings_everywhere(void **state)
{
	static char body[8192], want[65536], got[65536];
	struct scan_engine *e[3];
	struct scan_options opt[3];
	struct scan_report r;
	unsigned k, len, shift;
	size_t total = 0;
	char err[256];

	(void)state;
	for (k = 0; k < 3; k++) {
		memset(&opt[k], 0, sizeof(opt[k]));
		opt[k].simd_max = k + 1; /* SSE2, AVX2, the widest */
		opt[k].self.hostname = "devbox42";
		e[k] = scan_engine_new(&opt[k], err, sizeof(err));
		assert_non_null(e[k]);
	}
	scan_report_init(&r);
	for (len = 0; len < 200; len++) {
		for (shift = 0; shift < 64; shift += 7) {
			size_t n = make_body(body, sizeof(body), len, shift);

			assert_int_equal(scan_body(e[2], (const uint8_t *)body, n, &r), 0);
			describe(&r, want, sizeof(want));
			total += r.nfindings;
			for (k = 0; k < 2; k++) {
				assert_int_equal(scan_body(e[k], (const uint8_t *)body, n, &r), 0);
				describe(&r, got, sizeof(got));
				if (strcmp(want, got))
					fprintf(stderr, "simd_max %u differs on %.*s\n--- widest\n%s"
						"--- this\n%s", k + 1, (int)n, body, want, got);
				assert_string_equal(want, got);
			}
		}
	}
	fprintf(stderr, "%zu findings compared\n", total);
	assert_true(total > 5000); /* the bodies do hold what is looked for */
	scan_report_release(&r);
	for (k = 0; k < 3; k++)
		scan_engine_free(e[k]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_findings_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
