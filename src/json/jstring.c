/* SPDX-License-Identifier: MIT */
/*
 * jstring.c - decoding JSON string content one character at a time.
 *
 * An escape and the raw bytes it stands for are the same character to every
 * JSON parser, so they must be the same character to the scanner: "\u2019"
 * and E2 80 99 both decode to U+2019, and both are reported at the offset of
 * their first raw byte.
 */
#include <string.h>

#include "json/json.h"
#include "util/utf8.h"
#include "util/banned.h"

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Four hex digits at @p, or -1. */
static long hex4(const uint8_t *p, const uint8_t *end)
{
	long v = 0;
	int i, d;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		d = hexval(p[i]);
		if (d < 0)
			return -1;
		v = (v << 4) | d;
	}
	return v;
}

static void decode_escape(const uint8_t *p, const uint8_t *end,
			  struct json_char *c)
{
	long hi, lo;

	c->kind = JSON_CHAR_ESCAPE;
	c->len = 2;
	if (end - p < 2) {
		c->kind = JSON_CHAR_BAD_ESCAPE;
		c->len = 1;
		c->cp = 0xFFFD;
		return;
	}
	switch (p[1]) {
	case '"': c->cp = '"'; return;
	case '\\': c->cp = '\\'; return;
	case '/': c->cp = '/'; return;
	case 'b': c->cp = '\b'; return;
	case 'f': c->cp = '\f'; return;
	case 'n': c->cp = '\n'; return;
	case 'r': c->cp = '\r'; return;
	case 't': c->cp = '\t'; return;
	case 'u': break;
	default:
		c->kind = JSON_CHAR_BAD_ESCAPE;
		c->cp = 0xFFFD;
		return;
	}
	hi = hex4(p + 2, end);
	if (hi < 0) {
		c->kind = JSON_CHAR_BAD_ESCAPE;
		c->cp = 0xFFFD;
		return;
	}
	c->len = 6;
	c->cp = (uint32_t)hi;
	if (hi < 0xD800 || hi > 0xDFFF)
		return;
	/* A high surrogate must be followed by an escaped low surrogate. */
	if (hi <= 0xDBFF && end - p >= 12 && p[6] == '\\' && p[7] == 'u') {
		lo = hex4(p + 8, end);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			c->cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) +
				((uint32_t)lo - 0xDC00);
			c->len = 12;
			return;
		}
	}
	c->kind = JSON_CHAR_LONE_SURROGATE;
}

void json_char_decode_slow(const uint8_t *p, const uint8_t *end,
			   struct json_char *c)
{
	size_t len;
	enum utf8_status st;

	c->utf8 = UTF8_OK;
	if (*p < 0x80) {
		if (*p == '\\') {
			decode_escape(p, end, c);
			return;
		}
		c->cp = *p;
		c->len = 1;
		c->kind = JSON_CHAR_RAW;
		return;
	}
	st = utf8_decode(p, (size_t)(end - p), &c->cp, &len);
	c->len = (uint32_t)len;
	c->kind = st == UTF8_OK ? JSON_CHAR_RAW : JSON_CHAR_BAD_UTF8;
	c->utf8 = (int)st;
}

int json_unescape(const uint8_t *s, size_t n, struct buf *out)
{
	const uint8_t *p = s, *end = s + n, *run = s;
	struct json_char c;
	int rc;

	while (p < end) {
		if (*p != '\\' && *p < 0x80) {
			p++;
			continue;
		}
		/* Copy the plain run, then the decoded character. */
		rc = buf_add(out, run, (size_t)(p - run));
		if (rc)
			return rc;
		json_char_decode(p, end, &c);
		if (c.kind == JSON_CHAR_RAW)
			rc = buf_add(out, p, c.len);
		else
			rc = buf_add_utf8(out, c.cp);
		if (rc)
			return rc;
		p += c.len;
		run = p;
	}
	return buf_add(out, run, (size_t)(p - run));
}

char *json_string_dup(const uint8_t *body, size_t start, size_t end, size_t max)
{
	struct buf b;

	buf_init(&b, max);
	if (end < start + 2 || json_unescape(body + start + 1, end - start - 2, &b)) {
		buf_release(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* Whether @i (start <= i < end) begins a character: not a UTF-8
 * continuation byte and not inside an escape.  An escape is at most six
 * bytes, so looking back five bytes for its backslash is enough; the
 * backslash starts an escape only if the run of backslashes before it has
 * even length. */
static int at_boundary(const uint8_t *b, size_t start, size_t i)
{
	size_t j, run;

	if ((b[i] & 0xC0) == 0x80)
		return 0;
	for (j = i; j > start && i - j < 6; j--) {
		if (b[j - 1] != '\\')
			continue;
		for (run = 0; j - 1 - run > start && b[j - 2 - run] == '\\'; run++)
			;
		if (run % 2)
			continue; /* this backslash is itself escaped */
		/* An escape starts at j - 1; escapes do not overlap, so @i is
		 * a boundary exactly when it lies past this one. */
		return i - (j - 1) >= (b[j] == 'u' ? 6u : 2u);
	}
	return 1;
}

size_t json_window(const uint8_t *body, size_t start, size_t end, size_t at,
		   size_t before, size_t after, uint32_t *cps, size_t *offs,
		   size_t max)
{
	size_t i = at > start + before ? at - before : start, n = 0, stop;
	struct json_char c;

	if (i > end)
		i = end;
	while (i > start && i < end && !at_boundary(body, start, i))
		i--;
	stop = end - at > after ? at + after : end;
	while (i < stop && n < max) {
		json_char_decode(body + i, body + end, &c);
		cps[n] = c.cp;
		offs[n++] = i;
		i += c.len;
	}
	offs[n] = i;
	return n;
}

int json_write_string(struct buf *out, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;
	uint32_t cp;
	size_t len;
	int rc = buf_addc(out, '"');

	while (!rc && p < end) {
		if (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\') {
			rc = buf_addc(out, (char)*p++);
			continue;
		}
		if (*p == '"' || *p == '\\') {
			rc = buf_addc(out, '\\');
			rc = rc ? rc : buf_addc(out, (char)*p++);
			continue;
		}
		if (utf8_decode(p, (size_t)(end - p), &cp, &len) != UTF8_OK)
			cp = 0xFFFD;
		p += len;
		if (cp >= 0x10000)
			rc = buf_printf(out, "\\u%04x\\u%04x",
					0xD800 + ((cp - 0x10000) >> 10),
					0xDC00 + ((cp - 0x10000) & 0x3FF));
		else
			rc = buf_printf(out, "\\u%04x", cp);
	}
	return rc ? rc : buf_addc(out, '"');
}
