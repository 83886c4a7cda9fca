/* SPDX-License-Identifier: MIT */
/*
 * fuzz_probe_diff.c - libFuzzer harness for overt probe's code point diff
 * and its covert/visible judgement.  The input is two strings split at the
 * first NUL (agents control both).  The hunks must be in order, within both
 * strings, not touching, and the equal runs between them must really be
 * equal, so that applying the hunks to the first string gives the second.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

static void check(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
		  const struct probe_hunk *h, size_t nh)
{
	size_t i, ra = 0, rb = 0;

	for (i = 0; i < nh; i++) {
		if (h[i].ref_start < ra || h[i].oth_start < rb || (i && h[i].ref_start == ra) ||
		    h[i].ref_end < h[i].ref_start || h[i].oth_end < h[i].oth_start ||
		    h[i].ref_end > na || h[i].oth_end > nb ||
		    h[i].ref_start - ra != h[i].oth_start - rb ||
		    memcmp(a + ra, b + rb, (h[i].ref_start - ra) * sizeof(*a)))
			abort();
		ra = h[i].ref_end;
		rb = h[i].oth_end;
	}
	if (na - ra != nb - rb || memcmp(a + ra, b + rb, (na - ra) * sizeof(*a)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t la = nul ? (size_t)(nul - data) : size / 2, na, nb, nh;
	const uint8_t *sb = nul ? nul + 1 : data + la;
	uint32_t *a, *b;
	struct probe_hunk *h;
	const char *kind;

	if (size > 4096)
		return 0;
	if (probe_utf8_cps((const char *)data, la, &a, &na))
		return 0;
	if (probe_utf8_cps((const char *)sb, size - (size_t)(sb - data), &b, &nb)) {
		free(a);
		return 0;
	}
	if (!probe_diff(a, na, b, nb, &h, &nh)) {
		check(a, na, b, nb, h, nh);
		free(h);
	}
	probe_classify(a, na, b, nb, &kind);
	free(a);
	free(b);
	return 0;
}
