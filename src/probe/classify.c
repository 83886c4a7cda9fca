/* SPDX-License-Identifier: MIT */
/*
 * classify.c - is a change a reader would see, or one made to slip past?
 *
 * Given the reference text and another cell's text of one difference, the
 * common prefix and suffix are set aside and the rest is judged: an
 * invisible character, a whitespace-only change, an apostrophe or quote
 * swapped for a look-alike (ICU's confusable skeletons), or one
 * punctuation separator swapped for another (2026/06/30 for 2026-06-30) is
 * covert; anything else (other words, other digits, a date in another
 * format) is visible.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "probe/probe.h"
#include "util/banned.h"

static const uint32_t apostrophes[] = {
	0x0027, 0x2019, 0x2018, 0x02BC, 0x02B9, 0x02BB, 0x00B4, 0x0060, 0xFF07, 0x2032,
	0x055A, 0x05F3, 0xA78C, 0x201B,
};

static int is_apostrophe(uint32_t c)
{
	size_t i;

	for (i = 0; i < sizeof(apostrophes) / sizeof(*apostrophes); i++)
		if (apostrophes[i] == c)
			return 1;
	return 0;
}

static int is_invisible(uint32_t c)
{
	if (c == '\t' || c == '\n' || c == '\r' || c == ' ')
		return 0;
	return u_hasBinaryProperty((UChar32)c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
	       u_charType((UChar32)c) == U_FORMAT_CHAR || u_charType((UChar32)c) == U_CONTROL_CHAR ||
	       u_charType((UChar32)c) == U_UNASSIGNED || u_charType((UChar32)c) == U_PRIVATE_USE_CHAR ||
	       (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0000 && c <= 0xE0FFF);
}

static int is_space(uint32_t c)
{
	return u_isUWhiteSpace((UChar32)c);
}

static int is_separator(uint32_t c)
{
	int t = u_charType((UChar32)c);

	return u_ispunct((UChar32)c) || t == U_MATH_SYMBOL || t == U_CURRENCY_SYMBOL ||
	       t == U_MODIFIER_SYMBOL || t == U_OTHER_SYMBOL;
}

static int all(const uint32_t *s, size_t n, int (*pred)(uint32_t))
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!pred(s[i]))
			return 0;
	return 1;
}

static int any(const uint32_t *s, size_t n, int (*pred)(uint32_t))
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pred(s[i]))
			return 1;
	return 0;
}

/* Confusable skeletons of two short texts are equal. */
static int look_alike(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	UChar ua[64], ub[64], sa[256], sb[256];
	int32_t la = 0, lb = 0, ka, kb;
	UErrorCode e = U_ZERO_ERROR;
	USpoofChecker *sc;
	size_t i;
	int same = 0;

	if (na > 30 || nb > 30)
		return 0;
	for (i = 0; i < na; i++)
		U16_APPEND_UNSAFE(ua, la, (UChar32)a[i]);
	for (i = 0; i < nb; i++)
		U16_APPEND_UNSAFE(ub, lb, (UChar32)b[i]);
	sc = uspoof_open(&e);
	if (U_FAILURE(e))
		return 0;
	ka = uspoof_getSkeleton(sc, 0, ua, la, sa, 256, &e);
	kb = U_SUCCESS(e) ? uspoof_getSkeleton(sc, 0, ub, lb, sb, 256, &e) : 0;
	if (U_SUCCESS(e) && ka == kb && !memcmp(sa, sb, (size_t)ka * sizeof(UChar)))
		same = 1;
	uspoof_close(sc);
	return same;
}

enum probe_class probe_classify(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
				const char **kind)
{
	size_t pre = 0, suf = 0;

	while (pre < na && pre < nb && a[pre] == b[pre])
		pre++;
	while (suf < na - pre && suf < nb - pre && a[na - 1 - suf] == b[nb - 1 - suf])
		suf++;
	a += pre;
	b += pre;
	na -= pre + suf;
	nb -= pre + suf;
	*kind = "text";
	if (!na && !nb)
		return PROBE_VISIBLE;
	if (any(a, na, is_invisible) || any(b, nb, is_invisible))
		*kind = "invisible";
	else if (all(a, na, is_space) && all(b, nb, is_space))
		*kind = "whitespace";
	else if (na == 1 && nb == 1 && is_apostrophe(a[0]) && is_apostrophe(b[0]))
		*kind = "apostrophe";
	else if (look_alike(a, na, b, nb))
		*kind = "look-alike";
	else if (na && na == nb && all(a, na, is_separator) && all(b, nb, is_separator))
		*kind = "separator";
	else
		return PROBE_VISIBLE;
	return PROBE_COVERT;
}
