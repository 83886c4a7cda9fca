/* SPDX-License-Identifier: MIT */
/*
 * nested.c - JSON text inside a string: tool-call arguments.
 *
 * OpenAI Chat Completions and Responses carry a tool call's arguments as a
 * JSON document encoded in a string.  An agent that writes them with
 * ensure_ascii (Python's json.dumps does by default) turns a hidden U+200B
 * into "\u200b" inside the document, which the request then carries as
 * "\\u200b": six plain characters to a scanner of the outer body.  So such
 * strings are decoded and scanned as bodies of their own, and what is found
 * is reported at the place in the outer body where it went over the wire.
 */
#include <stdlib.h>
#include <string.h>

#include "scan/scan.h"
#include "util/utf8.h"
#include "util/banned.h"

static size_t utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* The raw offset in [start, end) of decoded byte @inner, replaying how
 * json_unescape produced the decoded text. */
static size_t outer_offset(const uint8_t *b, size_t start, size_t end, size_t inner)
{
	struct json_char ch;
	size_t i = start, pos = 0;

	while (i < end) {
		json_char_decode(b + i, b + end, &ch);
		pos += ch.kind == JSON_CHAR_RAW ? ch.len : utf8_len(ch.cp);
		if (pos > inner)
			return i;
		i += ch.len;
	}
	return end;
}

void scan_raw_span(const uint8_t *b, size_t start, size_t end, size_t ds, size_t de,
		   size_t *rs, size_t *re)
{
	size_t last = outer_offset(b, start, end, de > ds ? de - 1 : ds);
	struct json_char ch;

	*rs = outer_offset(b, start, end, ds);
	if (last < end) {
		json_char_decode(b + last, b + end, &ch);
		last += ch.len;
	}
	*re = last > *rs ? last : *rs;
}

static int adopt(struct scan_ctx *c, const struct scan_finding *f, size_t start,
		 size_t end)
{
	size_t off, last;
	struct pending *p;
	int rc;

	scan_raw_span(c->body, start, end, f->byte_offset, f->byte_offset + f->byte_length,
		      &off, &last);
	rc = scan_add(c, R_SCHEME, f->severity, f->codepoint, f->count, off,
		      last > off ? last - off : 0, &p);
	if (rc || !p)
		return rc;
	/* Rule and category as the inner scan named them; the strings live in
	 * the inner report's arena or the rule table, so copy them. */
	p->f.rule = arena_strndup(c->arena, f->rule, strlen(f->rule));
	p->f.category = arena_strndup(c->arena, f->category, strlen(f->category));
	if (f->decoded)
		p->f.decoded = arena_strndup(c->arena, f->decoded, strlen(f->decoded));
	if (!p->f.rule || !p->f.category || (f->decoded && !p->f.decoded))
		return c->error = SCAN_ENOMEM;
	return scan_set_message(c, p, "in the JSON text of this string, at %s: %s",
				f->json_path, f->message);
}

int scan_nested(struct scan_ctx *c, size_t start, size_t end)
{
	const uint8_t *b = c->body;
	size_t i = start, k;
	int rc;

	while (i < end && (b[i] == ' ' || b[i] == '\\'))
		i += b[i] == '\\' ? 2 : 1; /* blanks, and escaped \n \t */
	if (i >= end || (b[i] != '{' && b[i] != '['))
		return 0;
	if (!c->inner) {
		c->inner = calloc(1, sizeof(*c->inner));
		if (!c->inner)
			return c->error = SCAN_ENOMEM;
		scan_report_init(c->inner);
		c->inner->nested = 1;
	}
	buf_reset(&c->inner_body);
	if (json_unescape(b + start, end - start, &c->inner_body))
		return c->error = SCAN_ENOMEM;
	/* Text that only looks like JSON is already scanned as text. */
	if (scan_body(c->e, (const uint8_t *)c->inner_body.data, c->inner_body.len, c->inner))
		return c->inner->error == SCAN_ENOMEM ? (c->error = SCAN_ENOMEM) : 0;
	for (k = 0, rc = 0; !rc && k < c->inner->nfindings; k++)
		rc = adopt(c, &c->inner->findings[k], start, end);
	return rc;
}
