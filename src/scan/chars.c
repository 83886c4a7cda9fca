/* SPDX-License-Identifier: MIT */
/*
 * chars.c - what a non-ASCII character is, for the scanner.
 *
 * The common letters of the world's scripts are answered from ranges
 * before anything else, because CJK text is one such character every three
 * bytes.  The look-alike tables are ours (no library lists "characters an
 * agent could swap for an apostrophe"); everything about general categories,
 * scripts and emoji comes from ICU.
 */
#include <unicode/uchar.h>

#include "scan/scan.h"
#include "util/utf8.h"
#include "util/banned.h"

struct la_entry {
	uint32_t cp;
	enum drift drift;
	uint32_t plain;
	bool typographic;
};

/* Sorted by code point. */
static const struct la_entry lookalikes[] = {
	{ 0x00A0, DRIFT_SPACE, ' ', true },       /* NO-BREAK SPACE */
	{ 0x00B4, DRIFT_APOSTROPHE, '\'', false }, /* ACUTE ACCENT */
	{ 0x02B9, DRIFT_APOSTROPHE, '\'', false }, /* MODIFIER LETTER PRIME */
	{ 0x02BA, DRIFT_QUOTE, '"', false },       /* MODIFIER LETTER DOUBLE PRIME */
	{ 0x02BB, DRIFT_APOSTROPHE, '\'', false }, /* MODIFIER LETTER TURNED COMMA */
	{ 0x02BC, DRIFT_APOSTROPHE, '\'', false }, /* MODIFIER LETTER APOSTROPHE */
	{ 0x02BD, DRIFT_APOSTROPHE, '\'', false },
	{ 0x02C8, DRIFT_APOSTROPHE, '\'', false }, /* MODIFIER LETTER VERTICAL LINE */
	{ 0x02D7, DRIFT_DASH, '-', false },        /* MODIFIER LETTER MINUS SIGN */
	{ 0x055A, DRIFT_APOSTROPHE, '\'', false }, /* ARMENIAN APOSTROPHE */
	{ 0x1680, DRIFT_SPACE, ' ', false },
	{ 0x1FBF, DRIFT_APOSTROPHE, '\'', false },
	{ 0x2000, DRIFT_SPACE, ' ', false },
	{ 0x2001, DRIFT_SPACE, ' ', false },
	{ 0x2002, DRIFT_SPACE, ' ', false },
	{ 0x2003, DRIFT_SPACE, ' ', false },
	{ 0x2004, DRIFT_SPACE, ' ', false },
	{ 0x2005, DRIFT_SPACE, ' ', false },
	{ 0x2006, DRIFT_SPACE, ' ', false },
	{ 0x2007, DRIFT_SPACE, ' ', false },
	{ 0x2008, DRIFT_SPACE, ' ', false },
	{ 0x2009, DRIFT_SPACE, ' ', true },       /* THIN SPACE */
	{ 0x200A, DRIFT_SPACE, ' ', false },
	{ 0x2010, DRIFT_DASH, '-', true },        /* HYPHEN */
	{ 0x2011, DRIFT_DASH, '-', true },        /* NON-BREAKING HYPHEN */
	{ 0x2012, DRIFT_DASH, '-', false },       /* FIGURE DASH */
	{ 0x2015, DRIFT_DASH, '-', false },       /* HORIZONTAL BAR */
	{ 0x2018, DRIFT_APOSTROPHE, '\'', true }, /* LEFT SINGLE QUOTATION MARK */
	{ 0x2019, DRIFT_APOSTROPHE, '\'', true }, /* RIGHT SINGLE QUOTATION MARK */
	{ 0x201A, DRIFT_QUOTE, '\'', true },
	{ 0x201B, DRIFT_APOSTROPHE, '\'', false },
	{ 0x201C, DRIFT_QUOTE, '"', true },
	{ 0x201D, DRIFT_QUOTE, '"', true },
	{ 0x201E, DRIFT_QUOTE, '"', true },
	{ 0x201F, DRIFT_QUOTE, '"', false },
	{ 0x202F, DRIFT_SPACE, ' ', true },       /* NARROW NO-BREAK SPACE */
	{ 0x2032, DRIFT_APOSTROPHE, '\'', false }, /* PRIME */
	{ 0x2033, DRIFT_QUOTE, '"', false },      /* DOUBLE PRIME */
	{ 0x2043, DRIFT_DASH, '-', false },
	{ 0x2044, DRIFT_SLASH, '/', false },      /* FRACTION SLASH */
	{ 0x205F, DRIFT_SPACE, ' ', false },
	{ 0x2212, DRIFT_DASH, '-', true },        /* MINUS SIGN */
	{ 0x2215, DRIFT_SLASH, '/', false },      /* DIVISION SLASH */
	{ 0x2571, DRIFT_SLASH, '/', false },
	{ 0x29F8, DRIFT_SLASH, '/', false },
	{ 0x3000, DRIFT_SPACE, ' ', false },      /* IDEOGRAPHIC SPACE */
	{ 0xA78C, DRIFT_APOSTROPHE, '\'', false },
	{ 0xFE58, DRIFT_DASH, '-', false },
	{ 0xFE63, DRIFT_DASH, '-', false },
	{ 0xFF02, DRIFT_QUOTE, '"', false },
	{ 0xFF07, DRIFT_APOSTROPHE, '\'', false },
	{ 0xFF0D, DRIFT_DASH, '-', false },
	{ 0xFF0F, DRIFT_SLASH, '/', false },
};

static const struct la_entry *find_lookalike(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(lookalikes) / sizeof(lookalikes[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (lookalikes[mid].cp == cp)
			return &lookalikes[mid];
		if (lookalikes[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const enum rule drift_rule[DRIFT_COUNT] = {
	[DRIFT_NONE] = R_LOOKALIKE_FULLWIDTH,
	[DRIFT_APOSTROPHE] = R_LOOKALIKE_APOSTROPHE,
	[DRIFT_QUOTE] = R_LOOKALIKE_QUOTE,
	[DRIFT_DASH] = R_LOOKALIKE_DASH,
	[DRIFT_SLASH] = R_LOOKALIKE_SLASH,
	[DRIFT_SPACE] = R_LOOKALIKE_SPACE,
};

static enum cclass classify_special(uint32_t cp)
{
	switch (cp) {
	case 0x00AD: case 0x034F: case 0x180E: case 0x200B: case 0x200C:
	case 0x200D: case 0x2060: case 0x2061: case 0x2062: case 0x2063:
	case 0x2064: case 0xFEFF: case 0x17B4: case 0x17B5:
		return CC_ZW;
	case 0x115F: case 0x1160: case 0x3164: case 0xFFA0: case 0x2800:
		return CC_FILLER;
	case 0x202A: case 0x202B:
		return CC_BIDI_EMBED;
	case 0x202D: case 0x202E:
		return CC_BIDI_OVERRIDE;
	case 0x202C:
		return CC_BIDI_POP;
	case 0x2066: case 0x2067: case 0x2068:
		return CC_BIDI_ISOLATE;
	case 0x2069:
		return CC_BIDI_POP_ISOLATE;
	case 0x200E: case 0x200F: case 0x061C:
		return CC_BIDI_MARK;
	case 0x2028: case 0x2029: case 0x0085:
		return CC_LINESEP;
	}
	return CC_PLAIN;
}

/* Scripts whose letters pass for Latin ones. */
static bool lookalike_script(uint32_t cp)
{
	return (cp >= 0x0370 && cp <= 0x058F) || (cp >= 0x13A0 && cp <= 0x13FF) ||
	       (cp >= 0x1F00 && cp <= 0x1FFF) || (cp >= 0x2C80 && cp <= 0x2CFF);
}

static enum cclass classify_icu(uint32_t cp)
{
	switch (u_charType((UChar32)cp)) {
	case U_FORMAT_CHAR:
		return CC_FORMAT;
	case U_UNASSIGNED:
		return u_hasBinaryProperty((UChar32)cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)
			       ? CC_FORMAT : CC_UNASSIGNED;
	case U_CONTROL_CHAR:
		return CC_CONTROL;
	case U_PRIVATE_USE_CHAR:
		return CC_PRIVATE;
	case U_LINE_SEPARATOR:
	case U_PARAGRAPH_SEPARATOR:
		return CC_LINESEP;
	default:
		break;
	}
	if (u_hasBinaryProperty((UChar32)cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
		return CC_FORMAT;
	return CC_PLAIN;
}

enum cclass scan_classify(uint32_t cp, struct lookalike *la)
{
	const struct la_entry *e;
	enum cclass cc;

	/* The bulk of CJK and Hangul text, answered first. */
	if ((cp >= 0x3040 && cp <= 0x9FFF && cp != 0x3164) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3))
		return CC_PLAIN;
	if (cp >= 0x80 && cp <= 0x9F && cp != 0x85)
		return CC_CONTROL;
	if (cp >= 0xE0000 && cp <= 0xE007F)
		return CC_TAG;
	if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF))
		return CC_VS;
	if (utf8_is_noncharacter(cp))
		return CC_NONCHAR;
	e = find_lookalike(cp);
	if (e) {
		la->drift = e->drift;
		la->plain = e->plain;
		la->typographic = e->typographic;
		la->rule = drift_rule[e->drift];
		return CC_LOOKALIKE;
	}
	if (cp >= 0xFF01 && cp <= 0xFF5E) {
		la->drift = DRIFT_NONE;
		la->plain = cp - 0xFEE0;
		la->typographic = false;
		la->rule = R_LOOKALIKE_FULLWIDTH;
		return CC_FULLWIDTH;
	}
	cc = classify_special(cp);
	if (cc != CC_PLAIN)
		return cc;
	if (cp < 0x0300)
		return CC_PLAIN; /* Latin-1 and Latin Extended letters */
	if (lookalike_script(cp))
		return u_isalpha((UChar32)cp) ? CC_FOREIGN_LETTER : CC_PLAIN;
	return classify_icu(cp);
}

bool scan_is_cjk(uint32_t cp)
{
	return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	       (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

bool scan_is_rtl(uint32_t cp)
{
	return (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) ||
	       (cp >= 0xFE70 && cp <= 0xFEFF) || (cp >= 0x10800 && cp <= 0x10FFF) ||
	       (cp >= 0x1E800 && cp <= 0x1EFFF);
}

/* Scripts in which ZWJ and ZWNJ select letter forms and so carry meaning:
 * Arabic and Syriac, the Indic scripts, Myanmar, Khmer, Mongolian ... */
bool scan_is_joining_script(uint32_t cp)
{
	return (cp >= 0x0600 && cp <= 0x08FF && cp != 0x061C) ||
	       (cp >= 0x0900 && cp <= 0x0DFF) || (cp >= 0x0F00 && cp <= 0x109F) ||
	       (cp >= 0x1780 && cp <= 0x18AF) || (cp >= 0xA840 && cp <= 0xA87F) ||
	       (cp >= 0xA8E0 && cp <= 0xA8FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
	       (cp >= 0xFE70 && cp <= 0xFEFF && cp != 0xFEFF) ||
	       (cp >= 0x11000 && cp <= 0x111FF);
}

bool scan_is_pictographic(uint32_t cp)
{
	return u_hasBinaryProperty((UChar32)cp, UCHAR_EXTENDED_PICTOGRAPHIC);
}

/* Whatever may stand before a ZWJ inside an emoji ZWJ sequence. */
bool scan_is_emoji_part(uint32_t cp)
{
	return cp == 0xFE0F || cp == 0x20E3 || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
	       (cp >= 0x1F1E6 && cp <= 0x1F1FF) || scan_is_pictographic(cp);
}

bool scan_is_ideograph(uint32_t cp)
{
	return u_hasBinaryProperty((UChar32)cp, UCHAR_IDEOGRAPHIC);
}

bool scan_is_letter(uint32_t cp)
{
	if (cp < 0x80)
		return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
	return u_isalpha((UChar32)cp);
}
