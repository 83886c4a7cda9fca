/* SPDX-License-Identifier: MIT */
/*
 * sniff.c - telling a request body, a HAR file and JSON Lines apart.
 *
 * We look for the end of the first JSON value by matching brackets outside
 * strings (not validating: the walker does that later) and then at what
 * follows it.  A newline and more data means JSON Lines; only whitespace
 * means one value, a HAR file or a RAW body.  The scan is resumable so a
 * pipe can be sniffed as its bytes arrive without examining any byte twice,
 * and it stops at the first line of a JSON Lines file however large it is.
 */
#include <stdint.h>
#include <string.h>

#include "capture/reader.h"
#include "util/banned.h"

enum { LEAD, VALUE, AFTER, NEXTLINE };

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Inside the first value: returns 1 when it closed at @s->pos - 1. */
static int scan_value(struct capture_sniff *s, const uint8_t *p, size_t n)
{
	while (s->pos < n) {
		uint8_t c = p[s->pos++];

		if (s->in_string) {
			if (s->escape)
				s->escape = 0;
			else if (c == '\\')
				s->escape = 1;
			else if (c == '"')
				s->in_string = 0;
			continue;
		}
		if (c == '"') {
			s->in_string = 1;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if (c == '}' || c == ']') {
			if (--s->depth == 0)
				return 1;
		} else if (c == '\n') {
			s->multiline = 1;
		}
	}
	return 0;
}

static enum capture_sniff_result step(struct capture_sniff *s,
				      const uint8_t *p, size_t n)
{
	switch (s->phase) {
	case LEAD:
		while (s->pos < n && is_ws(p[s->pos]))
			s->pos++;
		if (s->pos == n)
			return SNIFF_MORE;
		s->start = s->pos;
		if (p[s->pos] != '{' && p[s->pos] != '[')
			return SNIFF_NOT_JSON;
		s->phase = VALUE;
		return SNIFF_MORE;
	case VALUE:
		if (!scan_value(s, p, n))
			return SNIFF_MORE;
		s->closed = 1;
		s->phase = AFTER;
		return SNIFF_MORE;
	case AFTER:
		while (s->pos < n && (p[s->pos] == ' ' || p[s->pos] == '\t' ||
				      p[s->pos] == '\r'))
			s->pos++;
		if (s->pos == n)
			return SNIFF_MORE;
		if (p[s->pos] != '\n')
			return SNIFF_SINGLE; /* trailing data: the walker says where */
		s->phase = NEXTLINE;
		return SNIFF_MORE;
	default:
		while (s->pos < n && is_ws(p[s->pos]))
			s->pos++;
		return s->pos == n ? SNIFF_MORE : SNIFF_LINES;
	}
}

enum capture_sniff_result capture_sniff_feed(struct capture_sniff *s,
					     const uint8_t *p, size_t n,
					     int eof)
{
	enum capture_sniff_result k;

	do {
		k = step(s, p, n);
	} while (k == SNIFF_MORE && s->pos < n);
	if (k != SNIFF_MORE || !eof)
		return k;
	/* At the end: all whitespace, or one value (complete or not). */
	return s->phase == LEAD ? SNIFF_EMPTY : SNIFF_SINGLE;
}

/*
 * A file named *.jsonl or *.ndjson is JSON Lines unless it holds one value
 * spread over several lines.  Content alone cannot tell a one-line JSONL
 * file from a RAW body, nor a JSONL file whose first line is broken from a
 * broken body; the name can, and then one bad line loses nothing else.
 */
enum capture_sniff_result capture_sniff_decide(const struct capture_reader *r,
					       const struct capture_sniff *s,
					       enum capture_sniff_result k)
{
	if (!r->jsonl_name || k == SNIFF_EMPTY || k == SNIFF_LINES)
		return k;
	if (k == SNIFF_SINGLE && s->closed && s->multiline)
		return k;
	return SNIFF_LINES;
}

int capture_sniff_report(struct capture_reader *r, const struct capture_sniff *s,
			 enum capture_sniff_result k)
{
	if (k == SNIFF_EMPTY)
		return capture_error(r, -1, SIZE_MAX, "empty file");
	if (k == SNIFF_NOT_JSON)
		return capture_error(r, -1, s->start,
				     "not JSON (expected '{' or '['); "
				     "overt scan reads request bodies, JSON Lines and HAR");
	/* The first value did not end within max_body bytes. */
	return capture_too_big(r, -1, SIZE_MAX);
}
