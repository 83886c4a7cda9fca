/* SPDX-License-Identifier: MIT */
/*
 * diff.c - the edits between two strings, code point by code point.
 *
 * Myers' O(ND) difference algorithm on the part between the common prefix
 * and suffix: agents' prompts are long and differ in a few places, so D is
 * small.  Past a bound on D the middle becomes one edit rather than a
 * quadratic table.  Edits that touch a letter or digit are widened to the
 * whole word, so a random id or a date's day is one difference, not a
 * scatter of single characters that happen to match; an apostrophe, a
 * separator or an invisible character between words stays exactly that.
 * Written here because no library we link diffs code point arrays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>

#include "probe/probe.h"
#include "util/utf8.h"
#include "util/banned.h"

#define MAX_D 1000

struct hunks {
	struct probe_hunk *v;
	size_t n, cap;
};

static int push(struct hunks *h, size_t rs, size_t re, size_t os, size_t oe)
{
	struct probe_hunk *v;

	if (h->n && h->v[h->n - 1].ref_end == rs && h->v[h->n - 1].oth_end == os) {
		h->v[h->n - 1].ref_end = re;
		h->v[h->n - 1].oth_end = oe;
		return 0;
	}
	if (h->n == h->cap) {
		v = realloc(h->v, (h->cap ? 2 * h->cap : 8) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = h->cap ? 2 * h->cap : 8;
	}
	h->v[h->n].ref_start = rs;
	h->v[h->n].ref_end = re;
	h->v[h->n].oth_start = os;
	h->v[h->n].oth_end = oe;
	h->n++;
	return 0;
}

/* One-element edits found while backtracking, in reverse order. */
struct edit {
	long x, y;
	int insert;
};

static int backtrack(const long *trace, long d_end, long n, long m, long off,
		     struct hunks *h)
{
	struct edit *e = malloc(((size_t)d_end + 1) * sizeof(*e));
	long x = n, y = m, d, k, pk, px, ne = 0;
	const long *vprev;
	int rc = 0;

	if (!e)
		return -ENOMEM;
	for (d = d_end; d > 0; d--) {
		/* trace for step d-1 starts at (d-1)^2 and is indexed by k+(d-1). */
		vprev = trace + (d - 1) * (d - 1);
		k = x - y;
		if (k == -d || (k != d && vprev[k - 1 + d - 1] < vprev[k + 1 + d - 1]))
			pk = k + 1;
		else
			pk = k - 1;
		px = vprev[pk + d - 1];
		e[ne].insert = pk == k + 1;
		e[ne].x = px;
		e[ne].y = px - pk;
		ne++;
		x = px;
		y = px - pk;
	}
	while (!rc && ne--) {
		if (e[ne].insert)
			rc = push(h, (size_t)(off + e[ne].x), (size_t)(off + e[ne].x),
				  (size_t)(off + e[ne].y), (size_t)(off + e[ne].y + 1));
		else
			rc = push(h, (size_t)(off + e[ne].x), (size_t)(off + e[ne].x + 1),
				  (size_t)(off + e[ne].y), (size_t)(off + e[ne].y));
	}
	free(e);
	return rc;
}

/* Myers on a[0..n) and b[0..m), both starting at offset @off of the
 * originals (the common prefix is the same length in both). */
static int myers(const uint32_t *a, long n, const uint32_t *b, long m, long off,
		 struct hunks *h)
{
	long dmax = n + m < MAX_D ? n + m : MAX_D, d, k, x, y;
	long *v = malloc((size_t)(2 * dmax + 3) * sizeof(*v));
	long *trace = malloc((size_t)(dmax + 1) * (size_t)(dmax + 1) * sizeof(*trace));
	int rc = -ENOMEM;

	if (!v || !trace)
		goto out;
	/* v is indexed by k + dmax + 1. */
	v[dmax + 2] = 0;
	for (d = 0; d <= dmax; d++) {
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[k - 1 + dmax + 1] < v[k + 1 + dmax + 1]))
				x = v[k + 1 + dmax + 1];
			else
				x = v[k - 1 + dmax + 1] + 1;
			y = x - k;
			while (x < n && y < m && a[x] == b[y])
				x++, y++;
			v[k + dmax + 1] = x;
			trace[d * d + k + d] = x;
			if (x >= n && y >= m) {
				rc = backtrack(trace, d, n, m, off, h);
				goto out;
			}
		}
	}
	/* Too different: the whole middle is one edit. */
	rc = push(h, (size_t)off, (size_t)(off + n), (size_t)off, (size_t)(off + m));
out:
	free(v);
	free(trace);
	return rc;
}

static int word_char(uint32_t c)
{
	return c < 0x80 ? (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			: u_isalnum((UChar32)c);
}

/* Slide each pure insertion or deletion as far left as it goes: the same
 * insertion may be placed differently in two cells' diffs (" x" after a
 * word or "x " after the space), and the regions of all cells must line up. */
static void slide(struct hunks *h, const uint32_t *a, const uint32_t *b)
{
	size_t i, lo;

	for (i = 0; i < h->n; i++) {
		struct probe_hunk *x = &h->v[i];
		int ins = x->ref_start == x->ref_end, del = x->oth_start == x->oth_end;

		if (ins == del)
			continue;
		lo = i ? h->v[i - 1].ref_end : 0;
		/* The character before equals the last one moved: shift by one. */
		while (x->ref_start > lo && x->oth_start > 0 && x->ref_start > 0 &&
		       (ins ? b[x->oth_end - 1] : a[x->ref_end - 1]) == a[x->ref_start - 1]) {
			x->ref_start--, x->ref_end--, x->oth_start--, x->oth_end--;
			if (!ins)
				x->oth_end = x->oth_start;
			if (ins)
				x->ref_end = x->ref_start;
		}
	}
}

static int first_is_word(const uint32_t *s, size_t from, size_t to)
{
	return from < to && word_char(s[from]);
}

static int last_is_word(const uint32_t *s, size_t from, size_t to)
{
	return from < to && word_char(s[to - 1]);
}

/* Widen edits that start or end inside a word to the whole word, within
 * the equal run around them, then merge edits that touch. */
static void widen(struct hunks *h, const uint32_t *a, size_t na, const uint32_t *b)
{
	size_t i, j, lo, hi;

	for (i = 0; i < h->n; i++) {
		struct probe_hunk *x = &h->v[i];

		lo = i ? h->v[i - 1].ref_end : 0;
		hi = i + 1 < h->n ? h->v[i + 1].ref_start : na;
		if (first_is_word(a, x->ref_start, x->ref_end) ||
		    first_is_word(b, x->oth_start, x->oth_end))
			while (x->ref_start > lo && word_char(a[x->ref_start - 1]))
				x->ref_start--, x->oth_start--;
		if (last_is_word(a, x->ref_start, x->ref_end) ||
		    last_is_word(b, x->oth_start, x->oth_end))
			while (x->ref_end < hi && word_char(a[x->ref_end]))
				x->ref_end++, x->oth_end++;
	}
	for (i = 0, j = 0; i < h->n; i++) {
		if (j && h->v[j - 1].ref_end >= h->v[i].ref_start) {
			h->v[j - 1].ref_end = h->v[i].ref_end;
			h->v[j - 1].oth_end = h->v[i].oth_end;
		} else {
			h->v[j++] = h->v[i];
		}
	}
	h->n = j;
}

int probe_diff(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
	       struct probe_hunk **hunks, size_t *nhunks)
{
	struct hunks h = { 0 };
	size_t pre = 0, suf = 0;
	int rc = 0;

	while (pre < na && pre < nb && a[pre] == b[pre])
		pre++;
	while (suf < na - pre && suf < nb - pre && a[na - 1 - suf] == b[nb - 1 - suf])
		suf++;
	if (pre + suf < na || pre + suf < nb)
		rc = myers(a + pre, (long)(na - pre - suf), b + pre, (long)(nb - pre - suf),
			   (long)pre, &h);
	if (rc) {
		free(h.v);
		return rc;
	}
	slide(&h, a, b);
	widen(&h, a, na, b);
	*hunks = h.v;
	*nhunks = h.n;
	return 0;
}

int probe_utf8_cps(const char *s, size_t n, uint32_t **cps, size_t *ncps)
{
	uint32_t *v = malloc((n + 1) * sizeof(*v)), cp;
	size_t i = 0, k = 0, len;

	if (!v)
		return -ENOMEM;
	while (i < n) {
		if (utf8_decode((const uint8_t *)s + i, n - i, &cp, &len) != UTF8_OK) {
			cp = 0xFFFD;
			len = len ? len : 1;
		}
		v[k++] = cp;
		i += len;
	}
	*cps = v;
	*ncps = k;
	return 0;
}
