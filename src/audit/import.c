/* SPDX-License-Identifier: MIT */
/*
 * import.c - read back the JSON Lines that export.c writes and submit each
 * line as an exchange.  A developer tool (`overt log import`): it builds a
 * log from the shell, for tests and for moving a log between machines,
 * without a proxy.
 *
 * Lines are parsed with the streaming walker, keyed by JSON path; "id" and
 * "time" are ignored (the store assigns ids, and "time" repeats time_ms).
 * Every line is bounded before it is buffered, and every number must be a
 * whole integer in range.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "json/json.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/banned.h"

#define IMPORT_LINE_MAX ((size_t)3 << 30)
#define IMPORT_MAX_FINDINGS 100000

struct line {
	struct arena *a;
	const uint8_t *text;
	struct audit_exchange x;
	struct audit_finding *f;
	size_t capf;
	struct audit_change *c;
	size_t capc;
	struct buf body[2];     /* request, response as decoded strings */
	int has_body[2], base64[2], schema;
	char err[160];
};

static int fail(struct line *l, const char *msg)
{
	if (!l->err[0])
		snprintf(l->err, sizeof(l->err), "%s", msg);
	return 1;
}

static int get_int(struct line *l, enum json_kind k, size_t s, size_t e, int64_t *v)
{
	char num[32], *end;

	if (k != JSON_NUMBER || e - s >= sizeof(num))
		return fail(l, "a field that takes an integer has something else");
	memcpy(num, l->text + s, e - s);
	num[e - s] = '\0';
	errno = 0;
	*v = strtoll(num, &end, 10);
	if (errno || *end)
		return fail(l, "an integer field is not a whole number in range");
	return 0;
}

/* The string's decoded content in the arena; NULL for JSON null. */
static int get_str(struct line *l, enum json_kind k, size_t s, size_t e, const char **v)
{
	struct buf b;
	int rc;

	*v = NULL;
	if (k == JSON_NULL)
		return 0;
	if (k != JSON_STRING)
		return fail(l, "a field that takes a string has something else");
	buf_init(&b, IMPORT_LINE_MAX);
	rc = json_unescape(l->text + s + 1, e - s - 2, &b);
	if (!rc)
		*v = arena_strndup(l->a, b.data ? b.data : "", b.len);
	buf_release(&b);
	return rc || !*v ? fail(l, "out of memory") : 0;
}

static int get_enum(struct line *l, enum json_kind k, size_t s, size_t e,
		    int (*parse)(const char *), int *v)
{
	const char *name;

	if (get_str(l, k, s, e, &name))
		return 1;
	*v = parse(name);
	return *v < 0 ? fail(l, "an unknown severity, origin or action name") : 0;
}

static int parse_sev(const char *n) { return n ? scan_severity_parse(n) : -1; }

static int on_finding(struct line *l, const struct json_walker *w, enum json_kind k,
		      size_t s, size_t e)
{
	struct json_seg *g = &w->segs[2];
	struct audit_finding *f;
	const char *cp;
	int64_t v = 0;
	int en;

	if (w->segs[1].key || w->segs[1].index >= IMPORT_MAX_FINDINGS)
		return fail(l, "too many findings");
	while (w->segs[1].index >= l->x.nfindings) {
		if (l->x.nfindings == l->capf) {
			struct audit_finding *n = arena_alloc(l->a, 2 * (l->capf + 8) * sizeof(*n));

			if (!n)
				return fail(l, "out of memory");
			if (l->x.nfindings)
				memcpy(n, l->f, l->x.nfindings * sizeof(*n));
			l->f = n;
			l->capf = 2 * (l->capf + 8);
		}
		memset(&l->f[l->x.nfindings], 0, sizeof(*l->f));
		l->f[l->x.nfindings++].codepoint = SCAN_NO_CODEPOINT;
	}
	f = &l->f[w->segs[1].index];
	if (json_seg_is(g, "rule"))
		return get_str(l, k, s, e, &f->rule);
	if (json_seg_is(g, "category"))
		return get_str(l, k, s, e, &f->category);
	if (json_seg_is(g, "json_path"))
		return get_str(l, k, s, e, &f->json_path);
	if (json_seg_is(g, "severity")) {
		if (get_enum(l, k, s, e, parse_sev, &en))
			return 1;
		f->severity = (enum scan_severity)en;
	} else if (json_seg_is(g, "origin")) {
		if (get_enum(l, k, s, e, audit_origin_parse, &en))
			return 1;
		f->origin = (enum scan_origin)en;
	} else if (json_seg_is(g, "action")) {
		if (get_enum(l, k, s, e, audit_action_parse, &en))
			return 1;
		f->action = (enum audit_action)en;
	} else if (json_seg_is(g, "byte_offset")) {
		if (get_int(l, k, s, e, &v) || v < 0)
			return fail(l, "byte_offset must be a non-negative integer");
		f->byte_offset = (uint64_t)v;
	} else if (json_seg_is(g, "codepoint")) {
		if (get_str(l, k, s, e, &cp))
			return 1;
		if (cp && (strncmp(cp, "U+", 2) || (v = strtol(cp + 2, NULL, 16)) > 0x10FFFF))
			return fail(l, "codepoint must be \"U+XXXX\" or null");
		f->codepoint = cp ? (uint32_t)v : SCAN_NO_CODEPOINT;
	}
	return 0;
}

/* Make room for change @i in l->c. */
static struct audit_change *change_at(struct line *l, size_t i)
{
	while (i >= l->x.nchanges) {
		if (l->x.nchanges == l->capc) {
			struct audit_change *n = arena_alloc(l->a, 2 * (l->capc + 8) * sizeof(*n));

			if (!n)
				return NULL;
			if (l->x.nchanges)
				memcpy(n, l->c, l->x.nchanges * sizeof(*n));
			l->c = n;
			l->capc = 2 * (l->capc + 8);
		}
		memset(&l->c[l->x.nchanges], 0, sizeof(*l->c));
		l->c[l->x.nchanges++].codepoint = SCAN_NO_CODEPOINT;
	}
	return &l->c[i];
}

static int on_change(struct line *l, const struct json_walker *w, enum json_kind k,
		     size_t s, size_t e)
{
	struct json_seg *g = &w->segs[2];
	struct audit_change *c;
	const char *cp;
	int64_t v = 0;
	int en;

	if (w->segs[1].key || w->segs[1].index >= IMPORT_MAX_FINDINGS)
		return fail(l, "too many changes");
	if (!(c = change_at(l, w->segs[1].index)))
		return fail(l, "out of memory");
	if (json_seg_is(g, "json_path"))
		return get_str(l, k, s, e, &c->json_path);
	if (json_seg_is(g, "replacement"))
		return get_str(l, k, s, e, &c->replacement);
	if (json_seg_is(g, "action")) {
		if (get_enum(l, k, s, e, audit_action_parse, &en))
			return 1;
		c->action = (enum audit_action)en;
	} else if (json_seg_is(g, "byte_offset") || json_seg_is(g, "byte_length")) {
		if (get_int(l, k, s, e, &v) || v < 0)
			return fail(l, "a change's byte_offset and byte_length are "
				    "non-negative integers");
		*(json_seg_is(g, "byte_offset") ? &c->byte_offset : &c->byte_length) =
			(uint64_t)v;
	} else if (json_seg_is(g, "codepoint")) {
		if (get_str(l, k, s, e, &cp))
			return 1;
		if (cp && (strncmp(cp, "U+", 2) || (v = strtol(cp + 2, NULL, 16)) > 0x10FFFF))
			return fail(l, "codepoint must be \"U+XXXX\" or null");
		c->codepoint = cp ? (uint32_t)v : SCAN_NO_CODEPOINT;
	}
	return 0;
}

static int on_body(struct line *l, int which, enum json_kind k, size_t s, size_t e)
{
	if (k == JSON_NULL)
		return 0;
	if (k != JSON_STRING)
		return fail(l, "a body must be a string or null");
	l->has_body[which] = 1;
	buf_reset(&l->body[which]);
	return json_unescape(l->text + s + 1, e - s - 2, &l->body[which]) ?
	       fail(l, "a body is too large") : 0;
}

static int on_int_field(struct line *l, const struct json_seg *g, enum json_kind k,
			size_t s, size_t e)
{
	static const char *const names[] = {
		"time_ms", "status", "ttfb_ms", "total_ms", "request_bytes", "response_bytes",
		"schema",
	};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (json_seg_is(g, names[i]))
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		return 0;
	if (get_int(l, k, s, e, &v))
		return 1;
	switch (i) {
	case 0: l->x.time_ms = v; break;
	case 1: l->x.status = (int)v; break;
	case 2: l->x.ttfb_ms = v; break;
	case 3: l->x.total_ms = v; break;
	case 4: l->x.request_bytes = (uint64_t)v; break;
	case 5: l->x.response_bytes = (uint64_t)v; break;
	default: l->schema = (int)v; break;
	}
	return 0;
}

static int on_top(struct line *l, const struct json_seg *g, enum json_kind k,
		  size_t s, size_t e)
{
	const char *enc;
	int en;

	if (json_seg_is(g, "client"))
		return get_str(l, k, s, e, &l->x.client);
	if (json_seg_is(g, "route"))
		return get_str(l, k, s, e, &l->x.route);
	if (json_seg_is(g, "method"))
		return get_str(l, k, s, e, &l->x.method);
	if (json_seg_is(g, "path"))
		return get_str(l, k, s, e, &l->x.path);
	if (json_seg_is(g, "conversation"))
		return get_str(l, k, s, e, &l->x.conversation);
	if (json_seg_is(g, "request_body"))
		return on_body(l, 0, k, s, e);
	if (json_seg_is(g, "response_body"))
		return on_body(l, 1, k, s, e);
	if (json_seg_is(g, "request_body_encoding") || json_seg_is(g, "response_body_encoding")) {
		if (get_str(l, k, s, e, &enc) || !enc || strcmp(enc, "base64"))
			return fail(l, "a body encoding must be \"base64\"");
		l->base64[json_seg_is(g, "response_body_encoding")] = 1;
		return 0;
	}
	if (json_seg_is(g, "action")) {
		if (get_enum(l, k, s, e, audit_action_parse, &en))
			return 1;
		l->x.action = (enum audit_action)en;
		return 0;
	}
	return on_int_field(l, g, k, s, e);
}

static int on_value(void *ctx, const struct json_walker *w, enum json_kind k,
		    size_t s, size_t e)
{
	struct line *l = ctx;

	if (w->depth == 1 && w->segs[0].key)
		return on_top(l, &w->segs[0], k, s, e);
	if (w->depth == 2 && json_seg_is(&w->segs[0], "api_key")) {
		if (json_seg_is(&w->segs[1], "fingerprint"))
			return get_str(l, k, s, e, &l->x.key_fingerprint);
		if (json_seg_is(&w->segs[1], "last4"))
			return get_str(l, k, s, e, &l->x.key_last4);
	}
	if (w->depth == 3 && json_seg_is(&w->segs[0], "findings"))
		return on_finding(l, w, k, s, e);
	if (w->depth == 3 && json_seg_is(&w->segs[0], "changes"))
		return on_change(l, w, k, s, e);
	return 0;
}

/* Replace a base64 body with its bytes. */
static int unbase64(struct buf *b)
{
	size_t n = b->len, pad = 0;
	unsigned char *out;
	int got;

	if (n % 4 || n > (size_t)INT32_MAX)
		return -1;
	while (pad < 2 && n > pad && b->data[n - 1 - pad] == '=')
		pad++;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return -1;
	got = n ? EVP_DecodeBlock(out, (unsigned char *)b->data, (int)n) : 0;
	if (got < 0) {
		free(out);
		return -1;
	}
	buf_reset(b);
	got = buf_add(b, out, (size_t)got - pad);
	free(out);
	return got;
}

static int finish_line(struct line *l)
{
	int i;

	if (l->schema != OVERT_SCHEMA)
		return fail(l, "\"schema\" must be 1");
	for (i = 0; i < 2; i++)
		if (l->has_body[i] && l->base64[i] && unbase64(&l->body[i]))
			return fail(l, "a base64 body does not decode");
	for (i = 0; (size_t)i < l->x.nfindings; i++)
		if (!l->f[i].rule || !l->f[i].category)
			return fail(l, "a finding lacks its rule or category");
	for (i = 0; (size_t)i < l->x.nchanges; i++)
		if (!l->c[i].replacement)
			return fail(l, "a change lacks its replacement");
	l->x.findings = l->f;
	l->x.changes = l->c;
	l->x.request_body = l->has_body[0] ? (const uint8_t *)(l->body[0].data ?
				l->body[0].data : "") : NULL;
	l->x.request_len = l->has_body[0] ? l->body[0].len : 0;
	l->x.response_body = l->has_body[1] ? (const uint8_t *)(l->body[1].data ?
				l->body[1].data : "") : NULL;
	l->x.response_len = l->has_body[1] ? l->body[1].len : 0;
	return 0;
}

static int submit_waiting(struct audit_store *s, const struct audit_exchange *x)
{
	int rc;

	while ((rc = audit_submit(s, x)) == AUDIT_EFULL)
		if ((rc = audit_sync(s)) != 0)
			break;
	return rc;
}

/* Read one line into @b (without its newline); 1 at end of input. */
static int read_line(FILE *in, struct buf *b)
{
	char chunk[65536];
	size_t n;

	buf_reset(b);
	while (fgets(chunk, sizeof(chunk), in)) {
		n = strlen(chunk);
		if (n && chunk[n - 1] == '\n')
			return buf_add(b, chunk, n - 1) ? -1 : 0;
		if (buf_add(b, chunk, n))
			return -1;
	}
	return b->len ? 0 : 1;
}

static int import_line(struct audit_store *s, struct line *l, const struct buf *text)
{
	struct json_visitor v = { .ctx = l, .value = on_value };
	struct json_error je;
	int rc;

	arena_reset(l->a);
	memset(&l->x, 0, sizeof(l->x));
	l->x.ttfb_ms = l->x.total_ms = -1;
	l->f = NULL;
	l->capf = 0;
	l->c = NULL;
	l->capc = 0;
	l->has_body[0] = l->has_body[1] = l->base64[0] = l->base64[1] = 0;
	l->schema = -1;
	l->err[0] = '\0';
	l->text = (const uint8_t *)text->data;
	rc = json_walk(l->text, text->len, 8, &v, &je);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
		snprintf(l->err, sizeof(l->err), "byte %zu: %s", je.offset, je.msg);
	if (rc || finish_line(l))
		return AUDIT_EINVAL;
	rc = submit_waiting(s, &l->x);
	if (rc)
		snprintf(l->err, sizeof(l->err), "%s", audit_strerror(rc));
	return rc;
}

int audit_import_jsonl(struct audit_store *s, FILE *in, const char *name,
		       char *err, size_t errlen)
{
	struct line l = { 0 };
	struct buf text;
	unsigned long lineno = 0;
	int rc = 0, got;

	if (!(l.a = arena_new()))
		return AUDIT_ENOMEM;
	buf_init(&text, IMPORT_LINE_MAX);
	buf_init(&l.body[0], IMPORT_LINE_MAX);
	buf_init(&l.body[1], IMPORT_LINE_MAX);
	while (!rc && (got = read_line(in, &text)) == 0) {
		lineno++;
		if (text.len == 0)
			continue;
		rc = import_line(s, &l, &text);
		if (rc)
			audit_set_err(err, errlen, "'%s' line %lu: %s", name, lineno,
				      l.err[0] ? l.err : audit_strerror(rc));
	}
	if (!rc && got < 0) {
		audit_set_err(err, errlen, "'%s' line %lu: the line is too long",
			      name, lineno + 1);
		rc = AUDIT_ETOOBIG;
	}
	if (!rc && ferror(in)) {
		audit_set_err(err, errlen, "cannot read '%s': %s", name, strerror(errno));
		rc = AUDIT_EIO;
	}
	buf_release(&text);
	buf_release(&l.body[0]);
	buf_release(&l.body[1]);
	arena_free(l.a);
	return rc;
}
