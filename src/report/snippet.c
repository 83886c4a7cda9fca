/* SPDX-License-Identifier: MIT */
/*
 * snippet.c - the text format's view of a finding: the decoded string
 * around it, with everything that does not show on a screen made visible,
 * and a caret line under the finding.
 *
 * A terminal is the last place a covert character should reach intact: a
 * bidi override in a snippet would reorder the report itself, and a zero
 * width space would hide the very thing we point at.  So every character
 * that is invisible, a control, a format character or unassigned is
 * written as ⟨U+200B ZERO WIDTH SPACE⟩, control characters with a short
 * escape as \n, and the finding's own characters always as ⟨...⟩.  Columns
 * are counted as a terminal counts them (East Asian wide characters take
 * two, combining marks none) so the caret lands under the finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>

#include "json/json.h"
#include "report/internal.h"
#include "util/utf8.h"
#include "util/banned.h"

/* Context on each side of a finding, in characters and in raw bytes (a
 * character takes at most 12 bytes, as a surrogate-pair escape). */
#define CONTEXT_CHARS 40
#define CONTEXT_BYTES (CONTEXT_CHARS * 12)
/* How much of a finding is shown before it is cut with ⟨…⟩: enough for a
 * date sentence in full, a few markers of a long invisible run. */
#define FINDING_CHARS 80
#define FINDING_BYTES (FINDING_CHARS * 12)
#define FINDING_COLUMNS 100

_Static_assert(CONTEXT_BYTES + FINDING_BYTES < SNIPPET_WINDOW,
	       "a snippet window must hold the context and the finding");

#define ELLIPSIS "\xE2\x80\xA6"     /* U+2026 */
#define OPEN_MARK "\xE2\x9F\xA8"    /* U+27E8, East Asian width narrow */
#define CLOSE_MARK "\xE2\x9F\xA9"   /* U+27E9 */

/* Characters that show as nothing or as something else on a terminal. */
static int is_hidden(uint32_t cp)
{
	if (cp == ' ')
		return 0;
	switch (u_charType((UChar32)cp)) {
	case U_FORMAT_CHAR:
	case U_CONTROL_CHAR:
	case U_LINE_SEPARATOR:
	case U_PARAGRAPH_SEPARATOR:
	case U_PRIVATE_USE_CHAR:
	case U_UNASSIGNED:
	case U_SURROGATE:
	case U_SPACE_SEPARATOR:
		return 1;
	default:
		break;
	}
	/* Tag characters are Cf already; U+2800 BRAILLE PATTERN BLANK is a
	 * symbol that draws nothing, the filler of choice for hiding text. */
	return u_hasBinaryProperty((UChar32)cp, UCHAR_VARIATION_SELECTOR) ||
	       u_hasBinaryProperty((UChar32)cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
	       (cp >= 0xE0000 && cp <= 0xE007F) || cp == 0x2800;
}

static int is_line_break(uint32_t cp)
{
	return (cp >= 0x0A && cp <= 0x0D) || cp == 0x85 || cp == 0x2028 ||
	       cp == 0x2029;
}

int report_cp_width(uint32_t cp)
{
	int type = u_charType((UChar32)cp);
	int ea, hst;

	if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK)
		return 0;
	/* Hangul vowel and final jamo join the syllable before them. */
	hst = u_getIntPropertyValue((UChar32)cp, UCHAR_HANGUL_SYLLABLE_TYPE);
	if (hst == U_HST_VOWEL_JAMO || hst == U_HST_TRAILING_JAMO)
		return 0;
	ea = u_getIntPropertyValue((UChar32)cp, UCHAR_EAST_ASIAN_WIDTH);
	return ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
}

/* Controls have no Unicode name, and ICU's alias lookup gives only the
 * corrections: these are the control aliases of NameAliases.txt. */
static const char *const c0_names[] = {
	"NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT",
	"END OF TRANSMISSION", "ENQUIRY", "ACKNOWLEDGE", "ALERT", "BACKSPACE",
	"CHARACTER TABULATION", "LINE FEED", "LINE TABULATION", "FORM FEED",
	"CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN", "DATA LINK ESCAPE",
	"DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
	"DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE",
	"END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE",
	"ESCAPE", "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE",
	"INFORMATION SEPARATOR TWO", "INFORMATION SEPARATOR ONE",
};

static const char *const c1_names[] = {
	"PADDING CHARACTER", "HIGH OCTET PRESET", "BREAK PERMITTED HERE",
	"NO BREAK HERE", "INDEX", "NEXT LINE", "START OF SELECTED AREA",
	"END OF SELECTED AREA", "CHARACTER TABULATION SET",
	"CHARACTER TABULATION WITH JUSTIFICATION", "LINE TABULATION SET",
	"PARTIAL LINE FORWARD", "PARTIAL LINE BACKWARD", "REVERSE LINE FEED",
	"SINGLE SHIFT TWO", "SINGLE SHIFT THREE", "DEVICE CONTROL STRING",
	"PRIVATE USE ONE", "PRIVATE USE TWO", "SET TRANSMIT STATE",
	"CANCEL CHARACTER", "MESSAGE WAITING", "START OF GUARDED AREA",
	"END OF GUARDED AREA", "START OF STRING",
	"SINGLE GRAPHIC CHARACTER INTRODUCER", "SINGLE CHARACTER INTRODUCER",
	"CONTROL SEQUENCE INTRODUCER", "STRING TERMINATOR",
	"OPERATING SYSTEM COMMAND", "PRIVACY MESSAGE",
	"APPLICATION PROGRAM COMMAND",
};

static const char *control_name(uint32_t cp)
{
	if (cp < 0x20)
		return c0_names[cp];
	if (cp == 0x7F)
		return "DELETE";
	if (cp >= 0x80 && cp <= 0x9F)
		return c1_names[cp - 0x80];
	return NULL;
}

/* The character's name, its control alias, or what it is when it has
 * neither. */
static void char_name(uint32_t cp, char *name, size_t size)
{
	UErrorCode err = U_ZERO_ERROR;
	const char *control = control_name(cp);
	int32_t n;

	if (control) {
		snprintf(name, size, "%s", control);
		return;
	}
	n = u_charName((UChar32)cp, U_UNICODE_CHAR_NAME, name, (int32_t)size, &err);
	if (U_SUCCESS(err) && n > 0 && (size_t)n < size)
		return;
	err = U_ZERO_ERROR;
	n = u_charName((UChar32)cp, U_CHAR_NAME_ALIAS, name, (int32_t)size, &err);
	if (U_SUCCESS(err) && n > 0 && (size_t)n < size)
		return;
	switch (u_charType((UChar32)cp)) {
	case U_PRIVATE_USE_CHAR:
		snprintf(name, size, "private use");
		break;
	case U_SURROGATE:
		snprintf(name, size, "surrogate");
		break;
	case U_UNASSIGNED:
		snprintf(name, size, utf8_is_noncharacter(cp) ? "noncharacter" :
				     "unassigned");
		break;
	default:
		name[0] = '\0';
	}
}

/* ⟨label⟩; @label is ASCII or the ellipsis, one column a byte or a
 * character. */
static int add_marker(struct buf *b, const char *label, size_t *width)
{
	int rc;

	TRY(buf_adds(b, OPEN_MARK));
	TRY(buf_adds(b, label));
	TRY(buf_adds(b, CLOSE_MARK));
	*width += (strcmp(label, ELLIPSIS) ? strlen(label) : 1) + 2;
out:
	return rc;
}

static int add_named(struct buf *b, uint32_t cp, size_t *width)
{
	char name[128], label[160];

	char_name(cp, name, sizeof(name));
	snprintf(label, sizeof(label), "U+%04X%s%s", (unsigned)cp,
		 *name ? " " : "", name);
	return add_marker(b, label, width);
}

/* Raw bytes that are no character: printable ASCII as is, others as 0xNN,
 * then what is wrong with them. */
static int add_bytes(struct buf *b, const uint8_t *p, size_t n,
		     const char *what, size_t *width)
{
	char label[96];
	size_t i, used = 0;

	for (i = 0; i < n && i < 8 && used < 48; i++) {
		if (p[i] > 0x20 && p[i] < 0x7F && p[0] == '\\')
			used += (size_t)snprintf(label + used, sizeof(label) - used,
						 "%c", p[i]);
		else
			used += (size_t)snprintf(label + used, sizeof(label) - used,
						 "%s0x%02X", i ? " " : "", p[i]);
	}
	snprintf(label + used, sizeof(label) - used, " %s", what);
	return add_marker(b, label, width);
}

static const char *short_escape(uint32_t cp)
{
	switch (cp) {
	case '\t': return "\\t";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\b': return "\\b";
	case '\f': return "\\f";
	default: return NULL;
	}
}

/*
 * Append code point @cp as it should show: a short escape, ⟨...⟩ when
 * @show or when it does not show by itself, else as is.  In a snippet
 * (@quoted) backslash and quote are escaped too, so the line reads as the
 * string literal it comes from.
 */
static int add_cp(struct buf *b, uint32_t cp, int show, int quoted,
		  size_t *width)
{
	const char *esc = short_escape(cp);
	int rc;

	if (quoted && (cp == '\\' || cp == '"'))
		esc = cp == '"' ? "\\\"" : "\\\\";
	if (esc) {
		*width += 2;
		return buf_adds(b, esc);
	}
	if (show || is_hidden(cp))
		return add_named(b, cp, width);
	TRY(buf_add_utf8(b, cp));
	*width += (size_t)report_cp_width(cp);
out:
	return rc;
}

long report_add_visible(struct buf *b, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;
	size_t width = 0, len;
	uint32_t cp;
	int rc = 0;

	while (p < end) {
		if (utf8_decode(p, (size_t)(end - p), &cp, &len) == UTF8_OK)
			TRY(add_cp(b, cp, 0, 0, &width));
		else
			TRY(add_bytes(b, p, len, "invalid UTF-8", &width));
		p += len;
	}
out:
	return rc ? rc : (long)width;
}

/* One character of string content at body offset @off. */
static int add_content_char(struct buf *b, const uint8_t *body, size_t off,
			    size_t end, int show, size_t *width)
{
	struct json_char c;

	json_char_decode(body + off, body + end, &c);
	switch (c.kind) {
	case JSON_CHAR_BAD_UTF8:
		return add_bytes(b, body + off, c.len, "invalid UTF-8", width);
	case JSON_CHAR_LONE_SURROGATE:
		return add_bytes(b, body + off, c.len, "lone surrogate", width);
	case JSON_CHAR_BAD_ESCAPE:
		return add_bytes(b, body + off, c.len, "invalid escape", width);
	default:
		return add_cp(b, c.cp, show, 1, width);
	}
}

/* What a snippet is being built from: the string, the finding's bytes in
 * it, and the columns used so far. */
struct snippet {
	struct reporter *r;
	const uint8_t *body;
	struct report_extent ext;
	const struct scan_finding *f;
	size_t fstart, fend;   /* the finding's bytes, clipped to the string */
	struct buf *line;
	size_t width;          /* columns of the line so far */
	size_t masked_to;      /* a secret shown as ⟨secret⟩ ends here */
};

static int cmp_extent(const void *a, const void *b)
{
	const struct report_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int report_note_secrets(struct reporter *r, const struct scan_report *sr)
{
	size_t i, n = 0;
	void *p;

	r->nsecrets = 0;
	for (i = 0; i < sr->nfindings; i++)
		n += sr->findings[i].category && !strcmp(sr->findings[i].category, "secret");
	if (!n)
		return 0;
	p = realloc(r->secrets, n * sizeof(*r->secrets));
	if (!p)
		return REPORT_ENOMEM;
	r->secrets = p;
	for (i = 0; i < sr->nfindings; i++) {
		const struct scan_finding *f = &sr->findings[i];

		if (f->category && !strcmp(f->category, "secret"))
			r->secrets[r->nsecrets++] = (struct report_extent){
				f->byte_offset, f->byte_offset + f->byte_length };
	}
	qsort(r->secrets, r->nsecrets, sizeof(*r->secrets), cmp_extent);
	return 0;
}

/* The end of the secret that covers body offset @off, or 0 when none does. */
static size_t secret_end(const struct reporter *r, size_t off)
{
	size_t lo = 0, hi = r->nsecrets, end = 0;

	while (lo < hi) { /* the last secret that starts at or before @off */
		size_t mid = lo + (hi - lo) / 2;

		if (r->secrets[mid].start <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Spans do not overlap, but look back a few in case they do. */
	for (hi = lo; hi > 0 && lo - hi < 4; hi--)
		if (off < r->secrets[hi - 1].end && r->secrets[hi - 1].end > end)
			end = r->secrets[hi - 1].end;
	return end;
}

/* Context shows what hides and, wherever it recurs, the finding's own
 * non-ASCII character; inside the finding every non-ASCII character shows,
 * and the finding's character even when it is ASCII (a run of spaces). */
static int must_show(const struct snippet *s, uint32_t cp, int in_finding)
{
	if (in_finding)
		return cp >= 0x80 || cp == s->f->codepoint;
	return cp >= 0x80 && cp == s->f->codepoint;
}

static int add_range(struct snippet *s, size_t from, size_t to, int in_finding)
{
	const struct reporter *r = s->r;
	size_t i;
	int rc = 0;

	for (i = from; i < to; i++) {
		size_t end = secret_end(r, r->offs[i]);

		/* A secret never reaches the terminal, in the finding or
		 * around another one: one marker stands for all of it. */
		if (end) {
			if (s->masked_to < end)
				TRY(add_marker(s->line, "secret", &s->width));
			s->masked_to = end;
			continue;
		}
		TRY(add_content_char(s->line, s->body, r->offs[i], s->ext.end,
				     must_show(s, r->cps[i], in_finding),
				     &s->width));
	}
out:
	return rc;
}

/* The quote where the string really begins or ends, else an ellipsis. */
static int add_edge(struct snippet *s, int at_edge)
{
	s->width++;
	return buf_adds(s->line, at_edge ? "\"" : ELLIPSIS);
}

/* The context before the finding and the finding itself, from one window
 * around its start.  Sets *@fwidth to the finding's columns. */
static int add_before_and_finding(struct snippet *s, size_t *fwidth)
{
	struct reporter *r = s->r;
	size_t n, k, from, to, flen = s->fend - s->fstart;
	int rc;

	n = json_window(s->body, s->ext.start, s->ext.end, s->fstart,
			CONTEXT_BYTES, flen < FINDING_BYTES ? flen : FINDING_BYTES,
			r->cps, r->offs, SNIPPET_WINDOW);
	for (k = 0; k < n && r->offs[k] < s->fstart; k++)
		;
	from = k;
	while (from > 0 && k - from < CONTEXT_CHARS && !is_line_break(r->cps[from - 1]))
		from--;
	/* A window that does not begin at the string's start may begin in
	 * the second half of a surrogate pair: never show its first character. */
	if (from == 0 && k > 0 && r->offs[0] != s->ext.start)
		from = 1;
	TRY(add_edge(s, (from < k ? r->offs[from] : s->fstart) == s->ext.start));
	TRY(add_range(s, from, k, 0));
	*fwidth = s->width;
	for (to = k; to < n && r->offs[to] < s->fend && to - k < FINDING_CHARS &&
		     s->width - *fwidth < FINDING_COLUMNS; to++)
		TRY(add_range(s, to, to + 1, 1));
	if ((to > k ? r->offs[to] : s->fstart) < s->fend && s->masked_to < s->fend)
		TRY(add_marker(s->line, ELLIPSIS, &s->width)); /* a long run, cut */
	*fwidth = s->width - *fwidth;
out:
	return rc;
}

static int add_after(struct snippet *s)
{
	struct reporter *r = s->r;
	size_t n, to;
	int rc;

	n = json_window(s->body, s->ext.start, s->ext.end, s->fend, 0,
			CONTEXT_BYTES, r->cps, r->offs, SNIPPET_WINDOW);
	for (to = 0; to < n && to < CONTEXT_CHARS && !is_line_break(r->cps[to]); to++)
		;
	TRY(add_range(s, 0, to, 0));
	TRY(add_edge(s, (to > 0 ? r->offs[to] : s->fend) == s->ext.end));
out:
	return rc;
}

static int add_caret(struct buf *caret, size_t col, size_t width)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < col; i++)
		TRY(buf_addc(caret, ' '));
	TRY(buf_addc(caret, '^'));
	for (i = 1; i < width; i++)
		TRY(buf_addc(caret, '~'));
out:
	return rc;
}

int report_snippet(struct reporter *r, const uint8_t *body,
		   struct report_extent ext, const struct scan_finding *f,
		   struct buf *line, struct buf *caret)
{
	struct snippet s = { r, body, ext, f, f->byte_offset, 0, line, 0, 0 };
	size_t col, fwidth;
	int rc;

	buf_reset(line);
	buf_reset(caret);
	s.fend = ext.end - s.fstart < f->byte_length ? ext.end :
						       s.fstart + f->byte_length;
	TRY(add_before_and_finding(&s, &fwidth));
	col = s.width - fwidth;
	TRY(add_after(&s));
	TRY(add_caret(caret, col, fwidth));
out:
	return rc;
}

/* One pending lookup: a finding's offset and its place in the caller's
 * arrays, sorted by offset so that one pass over the body serves all. */
struct lookup {
	size_t at;
	size_t index;
};

static int by_offset(const void *a, const void *b)
{
	const struct lookup *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Where the string whose content starts at @s ends: its closing quote, or
 * the body's end when it has none.  A backslash always takes the byte
 * after it, so an escaped quote never closes the string. */
static size_t string_end(const uint8_t *body, size_t len, size_t s)
{
	size_t j;

	for (j = s; j < len; j++) {
		if (body[j] == '\\')
			j++;
		else if (body[j] == '"')
			return j;
	}
	return len;
}

/*
 * A forward pass rather than a search backwards from each offset: going
 * back from an offset cannot tell a string's opening quote from the closing
 * quote of the string before it when the offset is not inside a string, and
 * would cost the string's length for every finding in it.
 */
int report_string_extents(const uint8_t *body, size_t len, const size_t *at,
			  size_t n, struct report_extent *out)
{
	struct lookup *q = n ? calloc(n, sizeof(*q)) : NULL;
	const uint8_t *quote;
	size_t i, k = 0, s, e;

	if (n && !q)
		return REPORT_ENOMEM;
	for (i = 0; i < n; i++) {
		q[i] = (struct lookup){ at[i], i };
		out[i] = (struct report_extent){ SIZE_MAX, SIZE_MAX };
	}
	if (n)
		qsort(q, n, sizeof(*q), by_offset);
	for (i = 0; k < n && i < len; i = e + 1) {
		quote = memchr(body + i, '"', len - i);
		if (!quote)
			break;
		s = (size_t)(quote - body) + 1;
		e = string_end(body, len, s);
		for (; k < n && q[k].at < s; k++)
			; /* outside every string */
		for (; k < n && q[k].at < e; k++)
			out[q[k].index] = (struct report_extent){ s, e };
	}
	free(q);
	return 0;
}
