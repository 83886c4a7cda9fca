/* SPDX-License-Identifier: MIT */
/*
 * date.c - dates, their styles, and the sentences they sit in.
 *
 * A date carries a bit or two without anyone noticing: 2026-06-30 and
 * 2026/06/30 read the same.  Every date in a body is recorded with its
 * order and separator; at the end of the body, dates whose style differs
 * from the body's own, and date sentences ("Today's date is ...") in an
 * unusual shape, are reported.
 */
#include <stdio.h>
#include <string.h>

#include "scan/scan.h"
#include "util/banned.h"

#define WINDOW 64

bool scan_is_date_sep(uint32_t cp)
{
	switch (cp) {
	case '-': case '/': case '.':
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2212:
	case 0xFE58: case 0xFE63: case 0xFF0D: case 0x2044: case 0x2215:
	case 0xFF0F: case 0x2571: case 0x29F8: case 0xFF0E:
		return true;
	}
	return false;
}

static bool digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}

/* Digits at cps[*i...]: their count and value. */
static size_t group(const uint32_t *cps, size_t n, size_t *i, unsigned *value)
{
	size_t k = 0;

	*value = 0;
	while (*i < n && digit(cps[*i]) && k < 5) {
		*value = *value * 10 + (cps[*i] - '0');
		(*i)++;
		k++;
	}
	return k;
}

bool scan_date_parse(const uint32_t *cps, size_t n, struct date_parsed *d)
{
	size_t i = 0, len[3];
	unsigned v[3];
	uint32_t sep = 0;
	int g;

	for (g = 0; g < 3; g++) {
		len[g] = group(cps, n, &i, &v[g]);
		if (!len[g])
			return false;
		if (g == 2)
			break;
		if (i >= n || !scan_is_date_sep(cps[i]) || (g == 1 && cps[i] != sep))
			return false;
		sep = cps[i++];
	}
	if (i < n && (digit(cps[i]) || (scan_is_date_sep(cps[i]) && i + 1 < n &&
					digit(cps[i + 1]))))
		return false; /* more groups: a version number or an address */
	if (len[0] == 4 && len[1] <= 2 && len[2] <= 2) {
		if (v[0] < 1900 || v[0] > 2199 || v[1] < 1 || v[1] > 12 ||
		    v[2] < 1 || v[2] > 31)
			return false;
		d->order = DATE_YMD;
	} else if (len[0] <= 2 && len[1] <= 2 && len[2] == 4) {
		if (v[2] < 1900 || v[2] > 2199 || !v[0] || !v[1] || v[0] > 31 ||
		    v[1] > 31 || (v[0] > 12 && v[1] > 12))
			return false;
		d->order = DATE_XXY;
	} else {
		return false;
	}
	d->len = i;
	d->sep = sep;
	return true;
}

/* Whether the 40 bytes before the date name it as today's date.  The
 * words are ASCII, so raw bytes do, escapes and all. */
static bool in_sentence(const struct scan_ctx *c, size_t off)
{
	size_t from = off - c->s.start > 40 ? off - 40 : c->s.start, i;
	uint32_t date, toda, w;

	/* four bytes at a time, case folded: dates are common in code and
	 * logs, and this runs for each of them */
	memcpy(&date, "date", 4);
	memcpy(&toda, "toda", 4);
	for (i = from; i + 4 <= off; i++) {
		memcpy(&w, c->body + i, 4);
		w |= 0x20202020u;
		if (w == date || (w == toda && i + 5 <= off && (c->body[i + 4] | 0x20) == 'y'))
			return true;
	}
	return false;
}

static int record(struct scan_ctx *c, const struct date_parsed *d, size_t off,
		  size_t len, bool sentence)
{
	struct date_seen *ds;

	if (c->ndates >= 65536)
		return 0; /* enough to know the body's style */
	if (scan_grow((void **)&c->dates, &c->dates_cap, c->ndates, sizeof(*c->dates)))
		return c->error = SCAN_ENOMEM;
	ds = &c->dates[c->ndates++];
	ds->offset = off;
	ds->length = len;
	ds->sep = d->sep;
	ds->order = d->order;
	ds->sentence = sentence;
	ds->place = *scan_place(c);
	ds->path = scan_path(c);
	return 0;
}

static bool ascii_sep(uint8_t b)
{
	return b == '-' || b == '/' || b == '.';
}

static int found(struct scan_ctx *c, const struct date_parsed *d, size_t off,
		 size_t end, size_t *next)
{
	bool sentence = in_sentence(c, off);
	int rc = record(c, d, off, end - off, sentence);

	c->s.skip_to = end;
	*next = end;
	if (!rc && sentence)
		rc = scan_scheme_try(c, off, SCAN_DATE_EVENT);
	return rc;
}

/* The common case: an ASCII separator among plain ASCII digits, parsed
 * from the raw bytes.  Returns false when escapes or non-ASCII characters
 * are near, for the decoding path to handle. */
static bool date_raw(struct scan_ctx *c, size_t off, struct date_parsed *d,
		     size_t *lo_out)
{
	const uint8_t *b = c->body;
	size_t lo = off, hi = off + 1, i;
	uint32_t cps[26];

	while (lo > c->s.start && off - lo < 12 && (digit(b[lo - 1]) || ascii_sep(b[lo - 1])))
		lo--;
	while (hi < c->s.end && hi - off < 12 && (digit(b[hi]) || ascii_sep(b[hi])))
		hi++;
	/* An escape right after the date ends it ("\n"), unless it is an
	 * escaped slash or a \u escape, which may continue it. */
	if ((lo > c->s.start && (b[lo - 1] == '\\' || b[lo - 1] >= 0x80)) ||
	    (hi < c->s.end && (b[hi] >= 0x80 || (b[hi] == '\\' && hi + 1 < c->s.end &&
						 (b[hi + 1] == '/' || b[hi + 1] == 'u')))))
		return false;
	while (lo < off && !digit(b[lo]))
		lo++;
	for (i = lo; i < hi; i++)
		cps[i - lo] = b[i];
	d->len = 0;
	if (!scan_date_parse(cps, hi - lo, d) || lo + d->len <= off)
		d->len = 0;
	*lo_out = lo;
	return true;
}

int scan_date_at(struct scan_ctx *c, size_t off, size_t *next)
{
	uint32_t cps[WINDOW + 1];
	size_t offs[WINDOW + 2], n, k, t;
	struct date_parsed d;

	*next = off + 1;
	if (off < c->s.skip_to)
		return 0;
	if (ascii_sep(c->body[off]) && date_raw(c, off, &d, &t))
		return d.len ? found(c, &d, t, t + d.len, next) : 0;
	n = json_window(c->body, c->s.start, c->s.end, off, 48, 24, cps, offs, WINDOW);
	for (k = 0; k < n && offs[k] < off; k++)
		;
	if (k == n || offs[k] != off)
		return 0;
	*next = offs[k + 1];
	/* Back to the first digit of the token around the separator. */
	for (t = k; t > 0 && (digit(cps[t - 1]) || scan_is_date_sep(cps[t - 1])); t--)
		;
	while (t < k && !digit(cps[t]))
		t++;
	if (!scan_date_parse(cps + t, n - t, &d) || t + d.len <= k)
		return 0;
	return found(c, &d, offs[t], offs[t + d.len], next);
}

static unsigned style_of(const struct date_seen *d)
{
	return d->order * 0x110000u + d->sep;
}

/* The style most dates use; ties go to ISO 8601. */
static unsigned majority(const struct scan_ctx *c)
{
	const unsigned iso = DATE_YMD * 0x110000u + '-';
	unsigned style[16], count[16], nstyles = 0, best = iso, bestn = 0, k;
	size_t i;

	for (i = 0; i < c->ndates; i++) {
		unsigned st = style_of(&c->dates[i]);

		for (k = 0; k < nstyles && style[k] != st; k++)
			;
		if (k == nstyles) {
			if (nstyles == 16)
				continue; /* so many styles: the first ones decide */
			style[nstyles] = st;
			count[nstyles++] = 0;
		}
		count[k]++;
	}
	for (k = 0; k < nstyles; k++) {
		if (count[k] > bestn || (count[k] == bestn && style[k] == iso)) {
			best = style[k];
			bestn = count[k];
		}
	}
	return best;
}

static void sep_label(uint32_t sep, char *out, size_t n)
{
	if (sep < 0x80)
		snprintf(out, n, "'%c'", (char)sep);
	else
		scan_char_label(sep, out, n);
}

static int report_date(struct scan_ctx *c, const struct date_seen *d,
		       unsigned usual)
{
	bool odd = style_of(d) != usual;
	enum scan_severity sev;
	enum rule rule = d->sentence ? R_DATE_SENTENCE : R_DATE_MIXED;
	char sep[160], usep[160];
	struct pending *p;
	int rc;

	if (d->sep >= 0x80)
		sev = SCAN_SEV_HIGH;
	else if (odd)
		sev = d->sentence ? SCAN_SEV_MEDIUM : SCAN_SEV_LOW;
	else if (d->sentence && d->order == DATE_YMD && d->sep != '-')
		sev = SCAN_SEV_MEDIUM;
	else if (d->sentence && d->order == DATE_XXY)
		sev = SCAN_SEV_LOW;
	else
		return 0;
	c->path = d->path;
	c->place = d->place;
	c->have_place = true;
	rc = scan_add(c, rule, sev, d->sep < 0x80 ? SCAN_NO_CODEPOINT : d->sep, 1,
		      d->offset, d->length, &p);
	if (rc || !p)
		return rc;
	sep_label(d->sep, sep, sizeof(sep));
	sep_label(usual % 0x110000u, usep, sizeof(usep));
	if (odd)
		return scan_set_message(c, p, "date \"%.*s\" uses %s as separator%s; "
					"most dates in this request are %s with %s",
					(int)d->length, (const char *)c->body + d->offset, sep,
					d->sentence ? " in a date sentence" : "",
					usual / 0x110000u == DATE_YMD ? "year-month-day" : "day-month-year or month-day-year",
					usep);
	return scan_set_message(c, p, "date sentence writes \"%.*s\" with %s%s, "
				"not the ISO form YYYY-MM-DD",
				(int)d->length, (const char *)c->body + d->offset, sep,
				d->order == DATE_YMD ? "" : " in day/month order");
}

int scan_dates_finish(struct scan_ctx *c)
{
	unsigned usual;
	size_t i;
	int rc = 0;

	if (!c->ndates)
		return 0;
	usual = majority(c);
	for (i = 0; !rc && i < c->ndates; i++)
		rc = report_date(c, &c->dates[i], usual);
	return rc;
}
