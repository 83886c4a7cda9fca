/* SPDX-License-Identifier: MIT */
/*
 * action_rewrite.c - the normalize and redact actions: a request body in,
 * the same body with only the affected JSON strings rewritten out.
 *
 * We never re-serialise the JSON: numbers, key order, whitespace and every
 * escape the agent chose stay as they came, because the upstream must see
 * the agent's request, not ours, and the audit log must be able to say
 * exactly which bytes changed.  Each string that holds a finding to act on
 * is rewritten character by character from its raw bytes; a character we
 * keep is copied as it was (an escape stays the escape), a replaced one is
 * written as the plain ASCII character (escaped when it is '"' or '\'), a
 * dropped one is left out.  So the output is valid JSON whenever the input
 * was, and each change has an exact original offset for the record.
 */
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "proxy/action.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/banned.h"

#define MAX_DATE_FIXES 16
#define DATE_WINDOW 256

/* A span of the body a finding covers. */
struct span {
	size_t start, end;
	const char *rule;
};

struct rewriter {
	const uint8_t *body;
	size_t len;
	struct proxy_rewrite *rw;
	struct arena *arena;
	size_t copied;            /* body bytes before this are in rw->body */
	size_t *norm;             /* offsets of findings to normalize, sorted */
	size_t nnorm, ni;
	struct span *dates;       /* date findings to normalize, sorted */
	size_t ndates, di;
	struct span *redact;      /* findings to redact, sorted, disjoint */
	size_t nredact, ri;
	const char *path;         /* of the current string */
	size_t fix[MAX_DATE_FIXES]; /* separators to set to '-' in this string */
	size_t nfix;
	bool nested;              /* the string holds JSON text (tool arguments) */
	bool inner_bs;            /* ... and an escape of that text has begun */
	struct buf tmp;
};

void proxy_rewrite_init(struct proxy_rewrite *rw)
{
	memset(rw, 0, sizeof(*rw));
	buf_init(&rw->body, 0);
}

void proxy_rewrite_release(struct proxy_rewrite *rw)
{
	buf_release(&rw->body);
	free(rw->changes);
	arena_free(rw->arena);
	memset(rw, 0, sizeof(*rw));
}

int proxy_normal_form(uint32_t cp)
{
	struct lookalike la;

	if (cp < 0x80)
		return 0;
	/* En and em dashes are ordinary typography, so the scanner leaves them
	 * alone; a string being normalized gets the plain hyphen anyway. */
	if (cp == 0x2013 || cp == 0x2014)
		return '-';
	switch (scan_classify(cp, &la)) {
	case CC_LOOKALIKE:
	case CC_FULLWIDTH:
		return la.plain < 0x80 ? (int)la.plain : 0;
	case CC_ZW: case CC_FORMAT: case CC_FILLER: case CC_TAG: case CC_VS:
	case CC_BIDI_EMBED: case CC_BIDI_OVERRIDE: case CC_BIDI_POP:
	case CC_BIDI_ISOLATE: case CC_BIDI_POP_ISOLATE: case CC_BIDI_MARK:
		return -1;
	default:
		return 0;
	}
}

int proxy_placeholder(struct buf *out, const char *rule, const uint8_t *secret, size_t n)
{
	char fp[SCAN_FINGERPRINT_MAX];

	/* "sha256:<16 hex>, last4 ...": the scanner's name for the secret,
	 * of which the placeholder keeps the first 8 hex digits. */
	int rc = scan_secret_fingerprint(secret, n, fp, sizeof(fp)) < 15 ? BUF_ENOMEM : 0;

	rc = rc ? rc : buf_printf(out, "[REDACTED:%s:sha256:%.8s]", rule, fp + 7);
	explicit_bzero(fp, sizeof(fp)); /* it ends with the secret's last four */
	return rc;
}

static int add_change(struct rewriter *r, enum proxy_action a, size_t off, size_t len,
		      uint32_t cp, const char *repl, size_t repl_len)
{
	struct proxy_rewrite *rw = r->rw;
	struct proxy_change *c = rw->nchanges ? &rw->changes[rw->nchanges - 1] : NULL;

	/* A run of dropped characters is one change: a tag payload of a
	 * hundred characters is one line of the report, not a hundred. */
	if (c && !repl_len && !c->replacement[0] && a == c->action &&
	    c->offset + c->length == off && c->json_path == r->path) {
		c->length += len;
		return 0;
	}
	if (rw->nchanges == rw->cap) {
		size_t cap = rw->cap ? rw->cap * 2 : 16;
		struct proxy_change *grown = realloc(rw->changes, cap * sizeof(*grown));

		if (!grown)
			return BUF_ENOMEM;
		rw->changes = grown;
		rw->cap = cap;
	}
	c = &rw->changes[rw->nchanges];
	c->replacement = arena_strndup(r->arena, repl, repl_len);
	if (!c->replacement)
		return BUF_ENOMEM;
	c->action = a;
	c->json_path = r->path;
	c->offset = off;
	c->length = len;
	c->codepoint = cp;
	rw->nchanges++;
	return 0;
}

/* Copy the body up to @to unchanged. */
static int copy_to(struct rewriter *r, size_t to)
{
	int rc = buf_add(&r->rw->body, r->body + r->copied, to - r->copied);

	r->copied = to;
	return rc;
}

static bool digits(const uint32_t *cps, size_t i, size_t n, size_t min, size_t max,
		   size_t *end)
{
	size_t k = 0;

	while (i + k < n && k <= max && cps[i + k] >= '0' && cps[i + k] <= '9')
		k++;
	*end = i + k;
	return k >= min && k <= max;
}

/*
 * The separators of YYYY?MM?DD dates in [s->start, s->end) that are not
 * '-' go to r->fix: a date sentence that should read 2026-06-30.  Dates in
 * another order are left alone: reordering is not ours to guess.
 */
static void find_date_fixes(struct rewriter *r, const struct span *s, size_t str_start,
			    size_t str_end)
{
	uint32_t cps[DATE_WINDOW];
	size_t offs[DATE_WINDOW + 1], n, i, a, b, c;
	size_t start = s->start > str_start ? s->start : str_start;
	size_t end = s->end < str_end ? s->end : str_end;

	if (start >= end)
		return;
	n = json_window(r->body, start, end, start, 0, end - start, cps, offs, DATE_WINDOW);
	/* The shortest date, 2026-6-3, is 8 characters. */
	for (i = 0; i + 8 <= n && r->nfix + 2 <= MAX_DATE_FIXES; i++) {
		if (i && cps[i - 1] >= '0' && cps[i - 1] <= '9')
			continue;
		if (!digits(cps, i, n, 4, 4, &a) || a >= n || !scan_is_date_sep(cps[a]) ||
		    !digits(cps, a + 1, n, 1, 2, &b) || b >= n || cps[b] != cps[a] ||
		    !digits(cps, b + 1, n, 1, 2, &c))
			continue;
		if (cps[a] != '-') {
			r->fix[r->nfix++] = offs[a];
			r->fix[r->nfix++] = offs[b];
		}
		i = c;
	}
}

static bool is_fix(const struct rewriter *r, size_t off)
{
	size_t i;

	for (i = 0; i < r->nfix; i++)
		if (r->fix[i] == off)
			return true;
	return false;
}

/*
 * Replace the redacted span that starts in the character at @at (a
 * character boundary) and ends where the character holding its last byte
 * does: a span that cut an escape or a UTF-8 sequence in two would leave
 * half of it behind, and the JSON broken.  *@next gets the end.
 */
static int redact_span(struct rewriter *r, size_t at, size_t str_end, size_t *next)
{
	const struct span *s = &r->redact[r->ri++];
	size_t end = at, want = s->end, mark = r->rw->body.len;
	struct json_char ch;
	int rc;

	for (;;) {
		while (end < str_end && end < want) {
			json_char_decode(r->body + end, r->body + str_end, &ch);
			end += ch.len;
		}
		if (r->ri == r->nredact || r->redact[r->ri].start >= end)
			break;
		/* The next span starts in this one's last character: one. */
		if (r->redact[r->ri].end > want)
			want = r->redact[r->ri].end;
		r->ri++;
	}

	buf_reset(&r->tmp);
	rc = json_unescape(r->body + at, end - at, &r->tmp);
	rc = rc ? rc : proxy_placeholder(&r->rw->body, s->rule, (const uint8_t *)r->tmp.data,
					 r->tmp.len);
	if (r->tmp.data)
		explicit_bzero(r->tmp.data, r->tmp.len);
	rc = rc ? rc : add_change(r, PROXY_REDACT, at, end - at, SCAN_NO_CODEPOINT,
				  r->rw->body.data + mark, r->rw->body.len - mark);
	*next = end;
	return rc;
}

/* One character under normalize: kept, replaced or dropped. */
static int normalize_char(struct rewriter *r, size_t at, const struct json_char *ch)
{
	char plain[3] = { 0 };
	int form = ch->kind == JSON_CHAR_RAW || ch->kind == JSON_CHAR_ESCAPE
			   ? proxy_normal_form(ch->cp) : 0;
	int rc;

	if (is_fix(r, at) && ch->cp != '-')
		form = '-';
	if (!form)
		return buf_add(&r->rw->body, r->body + at, ch->len);
	if (form > 0) {
		plain[0] = (char)form;
		if (form == '"' || form == '\\')
			rc = buf_addc(&r->rw->body, '\\');
		else
			rc = 0;
		rc = rc ? rc : buf_addc(&r->rw->body, (char)form);
	} else {
		rc = 0;
	}
	return rc ? rc : add_change(r, PROXY_NORMALIZE, at, ch->len, ch->cp, plain,
				    strlen(plain));
}

/* JSON text inside the string, as in tool-call arguments: the same test
 * as the scanner's (src/scan/nested.c), blanks then '{' or '['. */
static bool looks_nested(const uint8_t *b, size_t i, size_t end)
{
	while (i < end && (b[i] == ' ' || b[i] == '\\'))
		i += b[i] == '\\' ? 2 : 1;
	return i < end && (b[i] == '{' || b[i] == '[');
}

static bool hex4(const uint8_t *p, uint32_t *v)
{
	int k;

	for (*v = 0, k = 0; k < 4; k++) {
		uint8_t c = p[k];

		if (c >= '0' && c <= '9')
			*v = *v * 16 + (c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v = *v * 16 + ((c | 0x20) - 'a' + 10);
		else
			return false;
	}
	return true;
}

/*
 * An escape of the nested text, "\\uXXXX" in the raw body (an escaped
 * backslash, then u and four hex digits), or a surrogate pair of two: its
 * raw length (7 or 14) and code point, or 0.  A nested text written with
 * ensure_ascii carries every covert character this way.
 */
static size_t inner_escape(const uint8_t *b, size_t at, size_t end, uint32_t *cp)
{
	uint32_t hi, lo;

	if (at + 7 > end || memcmp(b + at, "\\\\u", 3) || !hex4(b + at + 3, &hi))
		return 0;
	*cp = hi;
	if (hi < 0xD800 || hi > 0xDBFF || at + 14 > end || memcmp(b + at + 7, "\\\\u", 3) ||
	    !hex4(b + at + 10, &lo) || lo < 0xDC00 || lo > 0xDFFF)
		return 7;
	*cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
	return 14;
}

/* Normalize the nested escape of @cp, @len raw bytes at @at: the plain
 * form is escaped for the nested text and again for the body. */
static int normalize_inner(struct rewriter *r, size_t at, size_t len, uint32_t cp)
{
	char plain[2] = { 0 };
	int form = proxy_normal_form(cp), rc = 0;

	if (!form)
		return buf_add(&r->rw->body, r->body + at, len);
	if (form == '"')
		rc = buf_adds(&r->rw->body, "\\\\\\\"");      /* \\\" */
	else if (form == '\\')
		rc = buf_adds(&r->rw->body, "\\\\\\\\"); /* \\\\ */
	else if (form > 0)
		rc = buf_addc(&r->rw->body, (char)form);
	plain[0] = form > 0 ? (char)form : 0;
	return rc ? rc : add_change(r, PROXY_NORMALIZE, at, len, cp, plain, strlen(plain));
}

/* Under normalize, one character of the body at @at: the nested text's
 * escapes are followed so that "\\\\u200b" (an escaped backslash, then
 * u200b) is told from "\\u200b". */
static int normalize_at(struct rewriter *r, size_t at, size_t end, const struct json_char *ch,
			size_t *next)
{
	uint32_t cp;
	size_t len;

	*next = at + ch->len;
	if (!r->nested || ch->cp != '\\' || ch->kind != JSON_CHAR_ESCAPE) {
		r->inner_bs = false;
		return normalize_char(r, at, ch);
	}
	if (r->inner_bs) {
		r->inner_bs = false;
		return buf_add(&r->rw->body, r->body + at, ch->len);
	}
	len = inner_escape(r->body, at, end, &cp);
	if (len) {
		*next = at + len;
		return normalize_inner(r, at, len, cp);
	}
	r->inner_bs = true;
	return buf_add(&r->rw->body, r->body + at, ch->len);
}

/*
 * How many bytes from @i on can be copied as they are: plain ASCII up to
 * the next redaction, and under normalize also up to the next date
 * separator to fix.  Most of a long string is plain, and
 * copying it in one piece keeps the rewrite close to memcpy speed.
 */
static size_t plain_run(const struct rewriter *r, size_t i, size_t end, bool normalize)
{
	size_t stop = end, k, j;

	if (r->ri < r->nredact && r->redact[r->ri].start < stop)
		stop = r->redact[r->ri].start;
	for (k = 0; normalize && k < r->nfix; k++)
		if (r->fix[k] >= i && r->fix[k] < stop)
			stop = r->fix[k];
	/* Escapes and UTF-8 sequences go one character at a time, so a span
	 * is only ever entered on a character boundary. */
	for (j = i; j < stop && r->body[j] < 0x80 && r->body[j] != '\\'; j++)
		;
	return j - i;
}

static int rewrite_string(struct rewriter *r, const struct json_walker *w, size_t start,
			  size_t end, bool normalize)
{
	struct json_char ch;
	size_t i = start, run;
	int rc;

	buf_reset(&r->tmp);
	rc = copy_to(r, start);
	rc = rc ? rc : json_path_format(w, &r->tmp);
	if (rc)
		return rc;
	r->path = arena_strndup(r->arena, r->tmp.data, r->tmp.len);
	if (!r->path)
		return BUF_ENOMEM;
	r->nfix = 0;
	r->nested = normalize && looks_nested(r->body, start, end);
	r->inner_bs = false;
	for (; normalize && r->di < r->ndates && r->dates[r->di].start < end; r->di++)
		find_date_fixes(r, &r->dates[r->di], start, end);
	while (!rc && i < end) {
		run = plain_run(r, i, end, normalize);
		if (run) {
			rc = buf_add(&r->rw->body, r->body + i, run);
			i += run;
			r->inner_bs = false; /* the escaped character was plain */
			continue;
		}
		json_char_decode(r->body + i, r->body + end, &ch);
		if (r->ri < r->nredact && r->redact[r->ri].start < i + ch.len) {
			rc = redact_span(r, i, end, &i);
			continue;
		}
		if (normalize) {
			rc = normalize_at(r, i, end, &ch, &i);
			continue;
		}
		rc = buf_add(&r->rw->body, r->body + i, ch.len);
		i += ch.len;
	}
	r->copied = end;
	return rc;
}

static int on_string(void *ctx, const struct json_walker *w, size_t start, size_t end,
		     int is_key)
{
	struct rewriter *r = ctx;
	bool norm, red;

	while (r->ni < r->nnorm && r->norm[r->ni] < start)
		r->ni++;
	while (r->ri < r->nredact && r->redact[r->ri].end <= start)
		r->ri++;
	while (r->di < r->ndates && r->dates[r->di].end <= start)
		r->di++;
	/* Keys are names, not content: normalizing one could make two equal,
	 * but a secret is redacted wherever it is. */
	norm = !is_key && r->ni < r->nnorm && r->norm[r->ni] < end;
	red = r->ri < r->nredact && r->redact[r->ri].start < end;
	return norm || red ? rewrite_string(r, w, start, end, norm) : 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort the spans and merge those that overlap. */
static size_t merge_spans(struct span *s, size_t n)
{
	size_t i, k = 0;

	qsort(s, n, sizeof(*s), cmp_span);
	for (i = 0; i < n; i++) {
		if (k && s[i].start < s[k - 1].end) {
			if (s[i].end > s[k - 1].end)
				s[k - 1].end = s[i].end;
			continue;
		}
		s[k++] = s[i];
	}
	return k;
}

static bool is_date_finding(const struct scan_finding *f)
{
	return !strcmp(f->category, "date-format") || !strcmp(f->category, "known-scheme");
}

/* The findings to act on, sorted by offset. */
static int collect(struct rewriter *r, const struct scan_report *rep,
		   const enum proxy_action *acts)
{
	size_t i, n = rep->nfindings ? rep->nfindings : 1;

	r->norm = malloc(n * sizeof(*r->norm));
	r->dates = malloc(n * sizeof(*r->dates));
	r->redact = malloc(n * sizeof(*r->redact));
	if (!r->norm || !r->dates || !r->redact)
		return BUF_ENOMEM;
	for (i = 0; i < rep->nfindings; i++) {
		const struct scan_finding *f = &rep->findings[i];
		struct span s = { f->byte_offset, f->byte_offset + f->byte_length, f->rule };

		if (f->byte_offset >= r->len || s.end > r->len)
			continue;
		if (acts[i] == PROXY_NORMALIZE) {
			r->norm[r->nnorm++] = f->byte_offset;
			if (is_date_finding(f) && f->byte_length)
				r->dates[r->ndates++] = s;
		} else if (acts[i] == PROXY_REDACT && f->byte_length) {
			r->redact[r->nredact++] = s;
		}
	}
	qsort(r->norm, r->nnorm, sizeof(*r->norm), cmp_size);
	r->ndates = merge_spans(r->dates, r->ndates);
	r->nredact = merge_spans(r->redact, r->nredact);
	return 0;
}

int proxy_rewrite_body(const uint8_t *body, size_t len, const struct scan_report *rep,
		       const enum proxy_action *acts, struct proxy_rewrite *rw)
{
	struct rewriter r = { .body = body, .len = len, .rw = rw };
	struct json_visitor v = { .ctx = &r, .string = on_string };
	struct json_error jerr;
	int rc;

	proxy_rewrite_release(rw);
	/* Placeholders may be longer than what they replace. */
	buf_init(&rw->body, len * 2 + ((size_t)1 << 20));
	buf_init(&r.tmp, len + 1024);
	rw->arena = r.arena = arena_new();
	rc = r.arena ? collect(&r, rep, acts) : BUF_ENOMEM;
	if (!rc && (r.nnorm || r.nredact)) {
		/* A body that stops being JSON part way was scanned only that
		 * far: rewrite what was seen and copy the rest as it is. */
		rc = json_walk(body, len, 512, &v, &jerr);
		if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
			rc = 0;
		rc = rc ? rc : copy_to(&r, len);
	}
	free(r.norm);
	free(r.dates);
	free(r.redact);
	buf_release(&r.tmp);
	if (!rc && !rw->nchanges)
		buf_release(&rw->body);
	return rc;
}

/*
 * The strings of a JSON text, for masking without a walk.  In JSON that
 * parsed, no backslash stands outside a string, and a quote inside one is
 * escaped exactly when an odd run of backslashes comes before it, so
 * memchr for quotes finds every string's bounds.  *@s and *@e get the
 * content of the next string from @at (between the quotes); false at the
 * end.
 */
static bool next_string(const uint8_t *b, size_t len, size_t at, size_t *s, size_t *e)
{
	const uint8_t *q = at < len ? memchr(b + at, '"', len - at) : NULL;
	size_t i, k;

	if (!q)
		return false;
	*s = (size_t)(q - b) + 1;
	for (i = *s; i < len && (q = memchr(b + i, '"', len - i)); i = (size_t)(q - b) + 1) {
		for (k = (size_t)(q - b); k > *s && b[k - 1] == '\\'; k--)
			;
		if (!(((size_t)(q - b) - k) & 1)) {
			*e = (size_t)(q - b);
			return true;
		}
	}
	*e = len; /* unterminated: cannot happen in JSON that parsed */
	return true;
}

/* Plain ASCII from @i up to @stop, eight bytes at a time: no byte there
 * starts an escape or a UTF-8 sequence, so each is a character. */
static size_t skip_plain(const uint8_t *b, size_t i, size_t stop)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t w, bs;

	for (; i + 8 <= stop; i += 8) {
		memcpy(&w, b + i, 8);
		bs = w ^ (ones * '\\');
		if ((w | ((bs - ones) & ~bs)) & highs)
			break;
	}
	while (i < stop && b[i] < 0x80 && b[i] != '\\')
		i++;
	return i;
}

/*
 * Mask the spans that start in the string [@s, @e), from r->ri on, as
 * rewrite_string and redact_span would replace them: the same characters
 * are decoded from the string's start, so each span grows to the same
 * whole characters and gets the same placeholder.
 */
static int mask_string(struct rewriter *r, uint8_t *body, size_t s, size_t e)
{
	struct json_char ch;
	size_t i = s, at, k, n, p;
	int rc = 0;

	while (!rc && r->ri < r->nredact && r->redact[r->ri].start < e) {
		for (;;) {
			i = skip_plain(body, i, r->redact[r->ri].start < s ? s
					: r->redact[r->ri].start);
			json_char_decode(body + i, body + e, &ch);
			if (r->redact[r->ri].start < i + ch.len)
				break;
			i += ch.len;
		}
		at = i;
		buf_reset(&r->rw->body);
		r->rw->nchanges = 0;
		rc = redact_span(r, at, e, &i);
		if (rc)
			break;
		n = i - at;
		p = strlen(r->rw->changes[0].replacement);
		for (k = 0; k < n; k++)
			body[at + k] = p == n || (p < n && k < p) ? (uint8_t)r->rw->changes[0].replacement[k]
								  : '*';
	}
	return rc;
}

/* proxy_mask_secrets without the walk, for a body the scanner parsed. */
static int mask_parsed(uint8_t *body, size_t len, const struct scan_report *rep,
		       const enum proxy_action *acts)
{
	struct proxy_rewrite rw;
	struct rewriter r = { .body = body, .len = len, .rw = &rw };
	size_t s, e = 0;
	int rc;

	proxy_rewrite_init(&rw);
	buf_init(&rw.body, (size_t)1 << 20);
	buf_init(&r.tmp, len + 1024);
	rw.arena = r.arena = arena_new();
	rc = r.arena ? collect(&r, rep, acts) : BUF_ENOMEM;
	r.path = "";
	while (!rc && r.ri < r.nredact && next_string(body, len, e ? e + 1 : 0, &s, &e)) {
		while (r.ri < r.nredact && r.redact[r.ri].end <= s)
			r.ri++;
		rc = mask_string(&r, body, s, e);
	}
	free(r.norm);
	free(r.dates);
	free(r.redact);
	buf_release(&r.tmp);
	proxy_rewrite_release(&rw);
	return rc;
}

/*
 * The audit log must never hold a secret in clear, whatever the action:
 * each finding of category "secret" in @body (a copy the caller owns) is
 * overwritten in place by its placeholder, cut or padded with '*' to the
 * same length, so every offset the record holds still points where it
 * did.  The spans are those the redact rewrite takes, whole characters of
 * one string, so the JSON stays valid.  A body the scanner parsed is
 * masked string by string (mask_parsed); any other goes through the
 * rewrite, whose walk stops where the scanner's did.
 */
int proxy_mask_secrets(uint8_t *body, size_t len, const struct scan_report *rep)
{
	struct proxy_rewrite rw;
	enum proxy_action *acts = calloc(rep->nfindings + 1, sizeof(*acts));
	size_t i, k, n, p;
	int rc;

	if (!acts)
		return BUF_ENOMEM;
	for (i = 0; i < rep->nfindings; i++)
		acts[i] = strcmp(rep->findings[i].category, "secret") ? PROXY_LOG : PROXY_REDACT;
	if (!rep->error) {
		rc = mask_parsed(body, len, rep, acts);
		free(acts);
		return rc;
	}
	proxy_rewrite_init(&rw);
	rc = proxy_rewrite_body(body, len, rep, acts, &rw);
	for (i = 0; !rc && i < rw.nchanges; i++) {
		const struct proxy_change *c = &rw.changes[i];

		n = c->length;
		p = strlen(c->replacement);
		for (k = 0; k < n; k++)
			body[c->offset + k] = p == n || (p < n && k < p) ? (uint8_t)c->replacement[k]
								     : '*';
	}
	proxy_rewrite_release(&rw);
	free(acts);
	return rc;
}
