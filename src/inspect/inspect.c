/* SPDX-License-Identifier: MIT */
/*
 * inspect.c - the inspector: building it, running the detectors over one
 * blob, and the findings store they write into.
 *
 * Findings own their strings (plain malloc): inputs come and go (archive
 * members are decoded into buffers that are reused), so nothing a finding
 * keeps may point into them.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inspect/internal.h"
#include "util/term.h"
#include "util/banned.h"

/* Findings past this many are dropped: a hostile input must not grow the
 * store without bound. */
#define MAX_FINDINGS INSP_MAX_FINDINGS

struct inspector *inspector_new(const struct insp_options *opt, char *err, size_t errlen)
{
	struct inspector *in = calloc(1, sizeof(*in));
	struct scan_options so = { .max_findings = 64 };

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (opt)
		in->opt = *opt;
	if (!in->opt.max_depth)
		in->opt.max_depth = 3;
	scan_report_init(&in->report);
	if (insp_dict_load(in, err, errlen) || insp_js_build(in, err, errlen))
		goto fail;
	in->engine = scan_engine_new(&so, err, errlen);
	if (!in->engine)
		goto fail;
	return in;
fail:
	inspector_free(in);
	return NULL;
}

static void finding_release(struct insp_finding *f)
{
	size_t i;

	free((char *)f->loc.file);
	free((char *)f->loc.member);
	free(f->message);
	free(f->evidence);
	free(f->decoder);
	for (i = 0; i < f->ndecoded; i++)
		free(f->decoded[i]);
	free(f->decoded);
}

void inspector_free(struct inspector *in)
{
	size_t i;

	if (!in)
		return;
	for (i = 0; i < in->nfindings; i++)
		finding_release(&in->findings[i]);
	free(in->findings);
	for (i = 0; i < in->nextracted; i++)
		free(in->extracted[i]);
	free(in->extracted);
	insp_dict_free(in);
	hs_free_database(in->js_db);
	hs_free_scratch(in->js_scratch);
	scan_engine_free(in->engine);
	scan_report_release(&in->report);
	free(in);
}

const struct insp_finding *inspect_findings(const struct inspector *in, size_t *n)
{
	*n = in->nfindings;
	return in->findings;
}

bool insp_full(const struct inspector *in)
{
	return in->nfindings == MAX_FINDINGS;
}

size_t inspect_dropped(const struct inspector *in)
{
	return in->dropped;
}

char *insp_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *insp_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Bytes [at-before, at+after) made safe to print on one line: printable
 * ASCII as is, everything else as \xNN, so a finding's evidence can never
 * carry the invisible characters it is about into a terminal or a report. */
char *insp_excerpt(const uint8_t *p, size_t len, size_t at, size_t before, size_t after)
{
	size_t s = at > before ? at - before : 0;
	size_t e = at + after < len ? at + after : len;
	struct buf b;
	size_t i;

	buf_init(&b, 4 * (before + after) + 16);
	for (i = s; i < e; i++) {
		int rc = p[i] >= 0x20 && p[i] < 0x7F ? buf_addc(&b, (char)p[i])
			: p[i] == '\n' ? buf_adds(&b, "\\n")
			: buf_printf(&b, "\\x%02x", p[i]);
		if (rc) {
			buf_release(&b);
			return NULL;
		}
	}
	return b.data ? buf_take(&b) : strdup("");
}

/* Line and column (1-based, bytes) of @off in the text @p. */
static void line_col(const uint8_t *p, size_t off, uint32_t *line, uint32_t *col)
{
	const uint8_t *q = p, *end = p + off, *nl;
	uint32_t n = 1;

	while ((nl = memchr(q, '\n', (size_t)(end - q)))) {
		n++;
		q = nl + 1;
	}
	*line = n;
	*col = (uint32_t)(end - q) + 1;
}

struct insp_finding *insp_add(struct inspector *in, const struct insp_blob *b,
			      const char *rule, enum scan_severity sev, size_t off, size_t len)
{
	struct insp_finding *f;

	if (in->nfindings == MAX_FINDINGS) {
		in->dropped++;
		return NULL;
	}
	if (in->nfindings == in->capfindings) {
		size_t cap = in->capfindings ? in->capfindings * 2 : 64;
		struct insp_finding *n = realloc(in->findings, cap * sizeof(*n));

		if (!n)
			return NULL;
		in->findings = n;
		in->capfindings = cap;
	}
	f = &in->findings[in->nfindings];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = sev;
	f->key = -1;
	f->length = len;
	f->loc.file = insp_strdup(b->file);
	f->loc.member = insp_strdup(b->member);
	f->loc.offset = b->base + off;
	if (b->text && off <= b->len)
		line_col(b->p, off, &f->loc.line, &f->loc.col);
	in->nfindings++;
	return f;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void insp_progress(struct inspector *in, uint64_t done)
{
	double t;

	if (!in->opt.progress)
		return;
	t = now();
	if (t - in->progress_last < 0.2)
		return;
	in->progress_last = t;
	in->progress_done = done;
	/* The name may come from the package: control and bidi characters
	 * are shown as escapes (util/term.c), and only its last 40 bytes fit
	 * the line. */
	if (in->progress_name) {
		size_t n = strlen(in->progress_name);
		const char *s = in->progress_name + (n > 40 ? n - 40 : 0);

		fputs(in->progress_total ? "\rinspecting " : "\runpacking ", stderr);
		term_put_safe(stderr, s, strlen(s), 0);
	}
	if (in->progress_total)
		fprintf(stderr, ": %.1f of %.1f MB\033[K", (double)done / 1e6,
			(double)in->progress_total / 1e6);
	else
		fprintf(stderr, ": %.1f MB\033[K", (double)done / 1e6);
	in->progress_shown = true;
}

int insp_blob_run(struct inspector *in, const struct insp_blob *b)
{
	struct insp_events *ev;
	int rc;

	if (!b->len)
		return 0;
	in->progress_name = b->member ? b->member : b->file;
	in->progress_total = b->len;
	ev = insp_js_events(in, b);
	if (!ev)
		return INSP_ENOMEM;
	rc = insp_tables_run(in, b, ev);
	if (!rc)
		rc = insp_js_judge(in, b, ev);
	insp_events_free(ev);
	return rc;
}

static size_t backslashes_before(const uint8_t *p, size_t i)
{
	size_t n = 0;

	while (i > n && p[i - n - 1] == '\\')
		n++;
	return n;
}

/* The closing quote @q of a literal whose content starts at @s, or 0. */
static size_t literal_end(const uint8_t *p, size_t len, size_t s, uint8_t q)
{
	size_t i;

	for (i = s; i < len && i - s < (64u << 10); i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] == q)
			return i;
		if (p[i] == '\n' && q != '`')
			return 0;
	}
	return 0;
}

int insp_js_literal(const uint8_t *p, size_t len, size_t at, size_t lowest, size_t *s,
		    size_t *e)
{
	size_t i, end;

	for (i = at; i > lowest && at - i < 8192; i--) {
		uint8_t c = p[i - 1];

		if (c == '\n')
			return -1;
		if ((c != '"' && c != '\'' && c != '`') || backslashes_before(p, i - 1) % 2)
			continue;
		end = literal_end(p, len, i, c);
		if (end > at) {
			*s = i;
			*e = end;
			return 0;
		}
	}
	return -1;
}

static int hexval(const uint8_t *p, size_t n, uint32_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isxdigit(p[i]))
			return -1;
		*v = *v * 16 + (uint32_t)(isdigit(p[i]) ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
	}
	return 0;
}

/* One escape at @p (just after the backslash); its code unit in *@cp and
 * the bytes it spans in *@n. */
static void escape(const uint8_t *p, size_t avail, uint32_t *cp, size_t *n)
{
	static const char from[] = "nrtbfv0", to[] = "\n\r\t\b\f\v";
	const char *k;
	const uint8_t *close;

	*n = 1;
	*cp = p[0];
	if (p[0] == 'x' && avail >= 3 && !hexval(p + 1, 2, cp)) {
		*n = 3;
	} else if (p[0] == 'u' && avail >= 5 && !hexval(p + 1, 4, cp)) {
		*n = 5;
	} else if (p[0] == 'u' && avail >= 4 && p[1] == '{' &&
		   (close = memchr(p, '}', avail < 10 ? avail : 10)) &&
		   !hexval(p + 2, (size_t)(close - p - 2), cp) && *cp <= 0x10FFFF) {
		*n = (size_t)(close - p) + 1;
	} else if ((k = strchr(from, p[0])) && p[0]) {
		*cp = (uint32_t)(k - from < 6 ? (unsigned char)to[k - from] : 0);
	}
}

int insp_js_unescape(const uint8_t *p, size_t n, struct buf *out, bool bytes)
{
	size_t i = 0, m;
	uint32_t cp, lo;
	int rc = 0;

	while (i < n && !rc) {
		if (p[i] != '\\' || i + 1 >= n) {
			rc = buf_addc(out, (char)p[i++]);
			continue;
		}
		escape(p + i + 1, n - i - 1, &cp, &m);
		i += 1 + m;
		if (bytes && cp <= 0xFF) {
			rc = buf_addc(out, (char)cp);
			continue;
		}
		/* A surrogate pair written as two \u escapes is one character. */
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && p[i] == '\\' && p[i + 1] == 'u' &&
		    !hexval(p + i + 2, 4, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 6;
		}
		rc = buf_add_utf8(out, cp);
	}
	return rc;
}
