/* SPDX-License-Identifier: MIT */
/*
 * finish.c - settling what a string, then a whole body, showed.
 *
 * Some findings can only be judged with context that comes later: whether a
 * string holds right-to-left text (then bidi marks are normal), whether line
 * ends vary like bits, whether a look-alike is the request's own style or
 * an anomaly in it, and which role a message has.  This is where that
 * context is applied, and where findings are ordered and capped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/scan.h"
#include "util/banned.h"

void scan_count_variant(struct scan_ctx *c, uint32_t cp, enum drift d)
{
	unsigned i;

	for (i = 0; i < c->nvariants; i++) {
		if (c->variants[i].cp == cp && c->variants[i].drift == d) {
			c->variants[i].n++;
			return;
		}
	}
	if (c->nvariants < MAX_VARIANTS)
		c->variants[c->nvariants++] = (struct variant_count){ cp, (uint8_t)d, 1 };
}

/* Trailing whitespace before the line end at @off, as a small code:
 * spaces + 16 * tabs.  A "\r" escape before it belongs to the line end.
 * *@ws gets where the whitespace starts. */
static unsigned trailing_code(const struct scan_ctx *c, size_t off, size_t *ws)
{
	const struct strstate *s = &c->s;
	const uint8_t *b = c->body;
	unsigned spaces = 0, tabs = 0;
	size_t j = off;

	if (j >= s->start + 2 && b[j - 2] == '\\' && b[j - 1] == 'r')
		j -= 2;
	for (;;) {
		if (j > s->start && (b[j - 1] == ' ' || b[j - 1] == '\t')) {
			b[j - 1] == ' ' ? spaces++ : tabs++;
			j--;
		} else if (j >= s->start + 2 && b[j - 2] == '\\' && b[j - 1] == 't' &&
			   !(j >= s->start + 3 && b[j - 3] == '\\')) {
			tabs++;
			j -= 2;
		} else {
			break;
		}
	}
	*ws = j;
	/* Whitespace alone on its line, or after a line number ("12\t" in a
	 * numbered listing of an empty line), is layout, not a channel. */
	if (j == s->start || b[j - 1] == 'n' || (b[j - 1] >= '0' && b[j - 1] <= '9'))
		return 0;
	return spaces + 16 * tabs;
}

/* The scanner sees only line ends after a space or a tab: note that
 * trailing whitespace exists; count_lines makes the full picture. */
int scan_line_end(struct scan_ctx *c, size_t off, bool escaped)
{
	size_t ws;

	(void)escaped;
	if (trailing_code(c, off, &ws) && !c->s.ntrailing++)
		c->s.first_trailing = ws;
	return 0;
}

/* Every line of the string: its trailing whitespace and its line end.
 * Done only for strings where the scan saw trailing whitespace or CRLF. */
static void count_lines(struct scan_ctx *c)
{
	struct strstate *s = &c->s;
	const uint8_t *b = c->body;
	struct json_char ch;
	unsigned code;
	size_t i, ws;

	s->nlines = s->ntrailing = s->n_lf = s->n_crlf = 0;
	for (i = s->start; i < s->end; i += ch.len) {
		/* Only escapes and raw line feeds can end a line. */
		if (b[i] != '\\' && b[i] != '\n') {
			ch.len = 1;
			continue;
		}
		json_char_decode(b + i, b + s->end, &ch);
		if (ch.cp != '\n')
			continue;
		if ((i >= s->start + 2 && b[i - 2] == '\\' && b[i - 1] == 'r') ||
		    (i > s->start && b[i - 1] == '\r'))
			s->n_crlf++;
		else
			s->n_lf++;
		code = trailing_code(c, i, &ws);
		if (s->nlines < MAX_TRAILING)
			s->trailing[s->nlines] = (uint8_t)(code > 255 ? 255 : code);
		s->nlines++;
		if (code && !s->ntrailing++)
			s->first_trailing = ws;
	}
}

static int settle_bidi(struct scan_ctx *c)
{
	struct strstate *s = &c->s;
	struct pending *p;
	char label[160];
	unsigned i;
	int rc = 0;

	if (s->embed_depth > 0 || s->isolate_depth > 0 || s->unbalanced) {
		size_t at = s->unbalanced ? s->unbalanced_at : s->bidi[0].offset;

		rc = scan_add(c, R_BIDI_UNBALANCED, SCAN_SEV_HIGH, SCAN_NO_CODEPOINT,
			      s->nbidi, at, 0, &p);
		if (!rc && p)
			rc = scan_set_message(c, p, "bidirectional controls left unbalanced "
					      "(%d embeddings, %d isolates open): text after "
					      "them displays reordered", s->embed_depth,
					      s->isolate_depth);
	}
	for (i = 0; !rc && i < s->nbidi; i++) {
		const struct bidi_event *e = &s->bidi[i];
		enum rule rule = R_BIDI_EMBEDDING;
		enum scan_severity sev = s->has_rtl ? SCAN_SEV_LOW : SCAN_SEV_MEDIUM;

		if (e->cp == 0x202C || e->cp == 0x2069)
			continue; /* a closer is reported with its opener */
		if (e->cp == 0x202D || e->cp == 0x202E) {
			rule = R_BIDI_OVERRIDE;
			sev = SCAN_SEV_HIGH;
		} else if (e->cp == 0x200E || e->cp == 0x200F || e->cp == 0x061C) {
			if (s->has_rtl)
				continue; /* marks are how RTL text is written */
			rule = R_BIDI_MARK;
			sev = SCAN_SEV_LOW;
		}
		rc = scan_add(c, rule, sev, e->cp, 1, e->offset, e->len, &p);
		if (rc || !p)
			continue;
		scan_char_label(e->cp, label, sizeof(label));
		rc = scan_set_message(c, p, "%s%s", label, s->has_rtl
				      ? " in right-to-left text"
				      : " in text with no right-to-left script");
	}
	return rc;
}

/* Trailing whitespace that varies line by line, as bits would. */
static int settle_trailing(struct scan_ctx *c)
{
	struct strstate *s = &c->s;
	unsigned i, n = s->nlines < MAX_TRAILING ? s->nlines : MAX_TRAILING;
	unsigned forms = 0, form0 = 0, form1 = 0;
	enum scan_severity sev;
	struct pending *p;
	struct buf j;
	int rc;

	for (i = 0; i < n; i++) {
		uint8_t f = s->trailing[i];

		if (!f || f == form0 || f == form1)
			continue;
		if (!form0)
			form0 = f;
		else if (!form1)
			form1 = f;
		forms++;
	}
	if (forms >= 2 && s->ntrailing >= 4)
		sev = SCAN_SEV_MEDIUM;
	else if (forms == 1 && s->ntrailing >= 8 && form0 != 2 && s->ntrailing < s->nlines)
		sev = SCAN_SEV_LOW;
	else
		return 0;
	rc = scan_add(c, R_WS_TRAILING, sev, SCAN_NO_CODEPOINT, s->ntrailing,
		      s->first_trailing, 0, &p);
	if (rc || !p)
		return rc;
	buf_init(&j, 1 << 14);
	/* Per line: 0 none, else the trailing form's code (spaces + 16 tabs). */
	rc = buf_printf(&j, "{\"lines\":%u,\"with_trailing\":%u,\"forms\":%u,\"per_line\":[",
			s->nlines, s->ntrailing, forms);
	for (i = 0; !rc && i < n; i++)
		rc = buf_printf(&j, "%s%u", i ? "," : "", s->trailing[i]);
	rc = rc ? rc : buf_adds(&j, "]}");
	rc = rc ? rc : scan_set_decoded(c, p, &j);
	buf_release(&j);
	return rc ? rc : scan_set_message(c, p, "%u of %u lines end in spaces or tabs, "
					  "in %u different forms", s->ntrailing,
					  s->nlines, forms);
}

/* Ordinary and look-alike spaces between words, read as bits. */
static int settle_spaces(struct scan_ctx *c)
{
	struct strstate *s = &c->s;
	const uint8_t *b = c->body;
	struct json_char ch;
	struct lookalike la;
	unsigned zeros = 0, ones = 0;
	struct pending *p;
	struct buf j;
	size_t i, k;
	int rc;

	buf_init(&j, 1 << 14);
	rc = buf_adds(&j, "{\"bits\":\"");
	for (i = s->start; !rc && i < s->end; i += ch.len) {
		json_char_decode(b + i, b + s->end, &ch);
		if (ch.cp == ' ') {
			zeros++;
			rc = zeros + ones <= 4096 ? buf_addc(&j, '0') : 0;
		} else if (ch.cp >= 0x80 && scan_classify(ch.cp, &la) == CC_LOOKALIKE &&
			   la.drift == DRIFT_SPACE) {
			ones++;
			rc = zeros + ones <= 4096 ? buf_addc(&j, '1') : 0;
		}
	}
	if (rc || !zeros || ones < 8)
		goto out;
	rc = scan_add(c, R_WS_SPACE_PATTERN, SCAN_SEV_HIGH, SCAN_NO_CODEPOINT,
		      zeros + ones, s->start, s->end - s->start, &p);
	if (rc || !p)
		goto out;
	rc = buf_printf(&j, "\",\"ordinary\":%u,\"lookalike\":%u}", zeros, ones);
	rc = rc ? rc : scan_set_decoded(c, p, &j);
	rc = rc ? rc : scan_set_message(c, p, "%u look-alike spaces among %u ordinary "
					"ones between words: a bit pattern", ones, zeros);
	/* The pattern says it all; drop the single-space findings under it. */
	for (k = s->first_pending; k < c->npend; k++)
		if (c->pend[k].rule == R_LOOKALIKE_SPACE)
			c->pend[k].dropped = true;
out:
	buf_release(&j);
	return rc;
}

static int settle_newlines(struct scan_ctx *c)
{
	struct strstate *s = &c->s;
	struct pending *p;
	int rc = 0;

	if (s->n_cr) {
		rc = scan_add(c, R_WS_LINE_SEPARATOR, SCAN_SEV_LOW, '\r', s->n_cr,
			      s->first_cr, 2, &p);
		if (!rc && p)
			rc = scan_set_message(c, p, "%u carriage returns not followed by a "
					      "line feed", s->n_cr);
	}
	if (!rc && s->n_crlf && s->n_lf) {
		rc = scan_add(c, R_WS_MIXED_NEWLINES, SCAN_SEV_LOW, SCAN_NO_CODEPOINT,
			      s->n_crlf + s->n_lf, s->start, s->end - s->start, &p);
		if (!rc && p)
			rc = scan_set_message(c, p, "%u CRLF and %u LF line ends in one string",
					      s->n_crlf, s->n_lf);
	}
	return rc;
}

int scan_string_finish(struct scan_ctx *c)
{
	int rc = scan_run_flush(c);

	if (!rc && c->s.nbidi)
		rc = settle_bidi(c);
	if (c->s.ntrailing || c->s.saw_crlf)
		count_lines(c);
	if (!rc && c->s.ntrailing)
		rc = settle_trailing(c);
	if (!rc && (c->s.n_cr || c->s.n_crlf))
		rc = settle_newlines(c);
	if (!rc && c->s.n_spacevar >= 8)
		rc = settle_spaces(c);
	return rc ? rc : c->error;
}

/* ---- the body --------------------------------------------------------- */

static uint32_t variant_n(const struct scan_ctx *c, uint32_t cp, enum drift d,
			  uint32_t *others)
{
	uint32_t n = 0;
	unsigned i;

	*others = 0;
	for (i = 0; i < c->nvariants; i++) {
		if (c->variants[i].drift != d)
			continue;
		if (c->variants[i].cp == cp)
			n = c->variants[i].n;
		else
			*others += c->variants[i].n;
	}
	return n;
}

/* One U+2019 among forty ASCII apostrophes is an anomaly; forty U+2019 are
 * a typographic style.  Hyphens, slashes and spaces have ASCII forms in
 * every request, so their look-alikes are never the style. */
static int settle_drift(struct scan_ctx *c, struct pending *p)
{
	uint32_t others, n = variant_n(c, p->f.codepoint, p->drift, &others);
	uint32_t plain = c->plain_count[p->drift], total = n + others + plain;
	bool styled = p->drift == DRIFT_APOSTROPHE || p->drift == DRIFT_QUOTE;
	char label[160], plabel[160];

	if (styled && n * 2 > total) {
		p->dropped = true;
		return 0;
	}
	/* A typographic apostrophe is mixed style when it is a real share of
	 * them, or when there are too few ASCII ones to call a style; alone
	 * among many ASCII ones it is the anomaly of the 2026 marker. */
	if (p->typographic && (p->drift != DRIFT_APOSTROPHE || plain < 3 ||
			       (n >= 2 && n * 4 >= total)))
		p->f.severity = SCAN_SEV_LOW;
	else
		p->f.severity = SCAN_SEV_MEDIUM;
	scan_char_label(p->f.codepoint, label, sizeof(label));
	scan_char_label(p->plain, plabel, sizeof(plabel));
	if (styled)
		return scan_set_message(c, p, "%s where the request otherwise writes %s "
					"(%u of %u %s in this request are this character)",
					label, plabel, n, total,
					p->drift == DRIFT_APOSTROPHE ? "apostrophes" : "quote marks");
	return scan_set_message(c, p, "%s in place of %s", label, plabel);
}

static int cmp_severity(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->f.severity != y->f.severity)
		return x->f.severity > y->f.severity ? -1 : 1;
	return x->f.byte_offset < y->f.byte_offset ? -1 : x->f.byte_offset > y->f.byte_offset;
}

static int cmp_offset(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->f.byte_offset != y->f.byte_offset)
		return x->f.byte_offset < y->f.byte_offset ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Keep the most severe max_findings, then order by place in the body. */
static int publish(struct scan_ctx *c)
{
	struct scan_report *r = c->r;
	size_t i, n = 0, max = c->e->max_findings;

	for (i = 0; i < c->npend; i++)
		if (!c->pend[i].dropped)
			c->pend[n++] = c->pend[i];
	if (n > max) {
		qsort(c->pend, n, sizeof(*c->pend), cmp_severity);
		r->suppressed += n - max;
		n = max;
	}
	if (n > 1)
		qsort(c->pend, n, sizeof(*c->pend), cmp_offset);
	r->findings = arena_alloc(c->arena, (n ? n : 1) * sizeof(*r->findings));
	if (!r->findings)
		return SCAN_ENOMEM;
	for (i = 0; i < n; i++)
		r->findings[i] = c->pend[i].f;
	r->nfindings = n;
	return 0;
}

int scan_body_finish(struct scan_ctx *c)
{
	size_t i;
	int rc = c->error;

	if (!rc)
		rc = scan_dates_finish(c);
	scan_roles_sort(c);
	for (i = 0; !rc && i < c->npend; i++) {
		struct pending *p = &c->pend[i];

		if (p->drift != DRIFT_NONE)
			rc = settle_drift(c, p);
		p->f.origin = scan_resolve_origin(c, &p->place);
		/* Bidi controls in tool definitions are Trojan Source in code. */
		if (p->f.origin == SCAN_ORIGIN_TOOL_DEFINITION &&
		    !strncmp(p->f.rule, "bidi.", 5) && p->f.severity < SCAN_SEV_HIGH)
			p->f.severity = SCAN_SEV_HIGH;
	}
	if (!rc)
		rc = publish(c);
	return rc;
}
