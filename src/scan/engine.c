/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the scan engine's life cycle and the entry point scan_body.
 *
 * scan_body walks the body once; every string goes through scan_string,
 * whose candidates are settled by scan_body_finish once the whole body has
 * been seen.  Per-body working memory stays in the report between bodies,
 * so scanning a stream of bodies allocates only when a body is the largest
 * yet.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>

#include "scan/scan.h"
#include "util/banned.h"

extern const struct scan_scheme_source scan_builtin_schemes[];
extern const size_t scan_builtin_schemes_n;

struct scan_engine *scan_engine_new(const struct scan_options *opt,
				    char *err, size_t errlen)
{
	struct scan_engine *e = calloc(1, sizeof(*e));
	const struct scan_scheme_source *src = scan_builtin_schemes;
	size_t n = scan_builtin_schemes_n;
	UErrorCode uerr = U_ZERO_ERROR;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->max_depth = 512;
	e->max_findings = 1000;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	e->avx2 = __builtin_cpu_supports("avx2");
#endif
	if (opt) {
		if (opt->max_depth)
			e->max_depth = opt->max_depth;
		if (opt->max_findings)
			e->max_findings = opt->max_findings;
		if (opt->schemes) {
			src = opt->schemes;
			n = opt->nschemes;
		}
	}
	e->spoof = uspoof_open(&uerr);
	if (U_FAILURE(uerr)) {
		snprintf(err, errlen, "cannot open the ICU spoof checker: %s",
			 u_errorName(uerr));
		goto fail;
	}
	if (scan_schemes_load(e, src, n, err, errlen))
		goto fail;
	if (scan_secrets_load(e, opt ? &opt->self : NULL, err, errlen))
		goto fail;
	return e;
fail:
	scan_engine_free(e);
	return NULL;
}

void scan_engine_free(struct scan_engine *e)
{
	if (!e)
		return;
	scan_schemes_free(e);
	scan_secrets_free(e);
	if (e->spoof)
		uspoof_close(e->spoof);
	free(e);
}

void scan_report_init(struct scan_report *r)
{
	memset(r, 0, sizeof(*r));
}

static void ctx_free(struct scan_ctx *c)
{
	if (!c)
		return;
	free(c->pend);
	free(c->dates);
	free(c->roles);
	if (c->inner) {
		scan_report_release(c->inner);
		free(c->inner);
	}
	buf_release(&c->inner_body);
	if (c->tmp.data)
		explicit_bzero(c->tmp.data, c->tmp.len);
	buf_release(&c->tmp);
	scan_secrets_ctx_free(c);
	free(c);
}

void scan_report_release(struct scan_report *r)
{
	arena_free(r->arena);
	ctx_free(r->scratch);
	memset(r, 0, sizeof(*r));
}

int scan_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * size);
	if (!p)
		return SCAN_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

const char *scan_path(struct scan_ctx *c)
{
	if (c->path)
		return c->path;
	buf_reset(&c->tmp);
	if (json_path_format(c->w, &c->tmp) == 0)
		c->path = arena_strndup(c->arena, c->tmp.data, c->tmp.len);
	if (!c->path) {
		c->error = SCAN_ENOMEM;
		return "$";
	}
	return c->path;
}

/* Worked out on first use: most strings have no finding. */
const struct place *scan_place(struct scan_ctx *c)
{
	if (c->have_place)
		return &c->place;
	scan_place_of(c->w, &c->place);
	if (c->s.is_key && c->place.origin == SCAN_ORIGIN_UNKNOWN &&
	    c->place.list == LIST_NONE)
		c->place.origin = SCAN_ORIGIN_METADATA;
	c->have_place = true;
	return &c->place;
}

int scan_add(struct scan_ctx *c, enum rule rule, enum scan_severity sev,
	     uint32_t cp, uint32_t count, size_t off, size_t len,
	     struct pending **out)
{
	size_t hard = c->e->max_findings * 16;
	struct pending *p;

	*out = NULL;
	if (c->npend >= (hard > 4096 ? hard : 4096)) {
		c->r->suppressed++;
		return 0;
	}
	if (scan_grow((void **)&c->pend, &c->pend_cap, c->npend, sizeof(*c->pend)))
		return c->error = SCAN_ENOMEM;
	p = &c->pend[c->npend++];
	memset(p, 0, sizeof(*p));
	p->rule = rule;
	p->f.rule = scan_rule_table[rule].id;
	p->f.category = scan_rule_table[rule].category;
	p->f.severity = sev;
	p->f.codepoint = cp;
	p->f.count = count;
	p->f.byte_offset = off;
	p->f.byte_length = len;
	p->f.json_path = scan_path(c);
	p->f.message = scan_rule_table[rule].summary;
	p->place = *scan_place(c);
	*out = p;
	return 0;
}

int scan_set_message(struct scan_ctx *c, struct pending *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	p->f.message = arena_strndup(c->arena, msg, (size_t)n);
	if (!p->f.message) {
		p->f.message = scan_rule_table[p->rule].summary;
		return c->error = SCAN_ENOMEM;
	}
	return 0;
}

int scan_set_decoded(struct scan_ctx *c, struct pending *p, const struct buf *json)
{
	p->f.decoded = arena_strndup(c->arena, json->data ? json->data : "{}", json->len);
	return p->f.decoded ? 0 : (c->error = SCAN_ENOMEM);
}

void scan_char_label(uint32_t cp, char *out, size_t n)
{
	char name[128];
	UErrorCode err = U_ZERO_ERROR;
	int32_t len;

	len = u_charName((UChar32)cp, U_UNICODE_CHAR_NAME, name, sizeof(name), &err);
	if (U_FAILURE(err) || len <= 0) {
		err = U_ZERO_ERROR;
		len = u_charName((UChar32)cp, U_EXTENDED_CHAR_NAME, name,
				 sizeof(name), &err);
	}
	if (U_FAILURE(err) || len <= 0 || len >= (int32_t)sizeof(name))
		snprintf(out, n, "U+%04X", cp);
	else
		snprintf(out, n, "U+%04X %s", cp, name);
}

static int on_string(void *ctx, const struct json_walker *w, size_t start,
		     size_t end, int is_key)
{
	struct scan_ctx *c = ctx;
	int rc;

	c->w = w;
	c->path = NULL;
	c->have_place = false;
	if (!is_key && w->depth == 3) {
		rc = scan_note_role(c, start, end);
		if (rc)
			return rc;
	}
	c->s.is_key = is_key;
	rc = scan_string(c, start, end);
	if (!rc)
		rc = scan_secrets_string(c, start, end);
	return rc ? rc : c->error;
}

static int on_value_string(void *ctx, const struct json_walker *w, size_t start,
			   size_t *end)
{
	struct scan_ctx *c = ctx;
	int rc;

	c->w = w;
	c->path = NULL;
	c->have_place = false;
	c->s.is_key = false;
	rc = scan_string_consume(c, start, end);
	if (rc == SCAN_EJSON)
		return JSON_ESYNTAX;
	if (!rc)
		rc = scan_secrets_string(c, start, *end);
	if (!rc && w->depth == 3)
		rc = scan_note_role(c, start, *end);
	if (!rc && !c->r->nested && w->depth && json_seg_is(&w->segs[w->depth - 1], "arguments"))
		rc = scan_nested(c, start, *end);
	return rc ? rc : c->error;
}

static int on_duplicate(void *ctx, const struct json_walker *w, size_t start,
			size_t end, size_t first)
{
	struct scan_ctx *c = ctx;
	struct pending *p;
	int rc;

	c->w = w;
	c->path = NULL;
	c->have_place = false;
	c->s.is_key = true;
	rc = scan_add(c, R_JSON_DUPLICATE_KEY, SCAN_SEV_MEDIUM, SCAN_NO_CODEPOINT,
		      1, start, end - start, &p);
	if (rc || !p)
		return rc;
	return scan_set_message(c, p, "key \"%.*s\" appears twice in this object "
				"(first at byte %zu); parsers disagree on which value wins",
				(int)(end - start > 64 ? 64 : end - start),
				(const char *)c->body + start, first);
}

static struct scan_ctx *ctx_get(struct scan_report *r)
{
	struct scan_ctx *c = r->scratch;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		buf_init(&c->tmp, 1 << 20);
		buf_init(&c->inner_body, SIZE_MAX / 2);
		buf_init(&c->sec_text, SIZE_MAX / 2);
		r->scratch = c;
	}
	if (!r->arena) {
		r->arena = arena_new();
		if (!r->arena)
			return NULL;
	}
	arena_reset(r->arena);
	return c;
}

static void ctx_reset(struct scan_ctx *c, const struct scan_engine *e,
		      struct scan_report *r, const uint8_t *body, size_t len)
{
	c->e = e;
	c->r = r;
	c->arena = r->arena;
	c->body = body;
	c->len = len;
	c->w = NULL;
	c->path = NULL;
	c->npend = 0;
	c->ndates = 0;
	c->nroles = 0;
	c->nvariants = 0;
	c->last_scheme_match = SIZE_MAX;
	c->have_place = false;
	c->error = 0;
	c->sec_on = false;
	c->ncand = 0;
	c->nhits = 0;
	memset(c->plain_count, 0, sizeof(c->plain_count));
	memset(&c->s, 0, sizeof(c->s));
}

struct scan_ctx *scan_ctx_start(const struct scan_engine *e, struct scan_report *r,
				const uint8_t *body, size_t len)
{
	struct scan_ctx *c = ctx_get(r);

	r->findings = NULL;
	r->nfindings = 0;
	r->suppressed = 0;
	r->error = 0;
	r->error_offset = 0;
	r->error_msg[0] = '\0';
	if (!c) {
		r->error = SCAN_ENOMEM;
		snprintf(r->error_msg, sizeof(r->error_msg), "out of memory");
		return NULL;
	}
	ctx_reset(c, e, r, body, len);
	return c;
}

int scan_body(const struct scan_engine *e, const uint8_t *body, size_t len,
	      struct scan_report *r)
{
	struct json_visitor v = { 0 };
	struct json_error jerr = { 0 };
	struct scan_ctx *c = scan_ctx_start(e, r, body, len);
	int rc;

	if (!c)
		return r->error;
	if (scan_secrets_body(c)) {
		snprintf(r->error_msg, sizeof(r->error_msg), "out of memory");
		return r->error = SCAN_ENOMEM;
	}
	v.ctx = c;
	v.string = on_string;
	v.consume = on_value_string;
	v.duplicate_key = on_duplicate;
	rc = json_walk(body, len, e->max_depth, &v, &jerr);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH) {
		r->error = rc == JSON_ESYNTAX ? SCAN_EJSON : SCAN_EDEPTH;
		r->error_offset = jerr.offset;
		snprintf(r->error_msg, sizeof(r->error_msg), "invalid JSON: %s", jerr.msg);
	} else if (rc) {
		r->error = SCAN_ENOMEM;
		snprintf(r->error_msg, sizeof(r->error_msg), "out of memory");
		return r->error;
	}
	rc = scan_body_finish(c);
	if (rc && !r->error) {
		r->error = rc;
		snprintf(r->error_msg, sizeof(r->error_msg), "out of memory");
	}
	return r->error;
}
