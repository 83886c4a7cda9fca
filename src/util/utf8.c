/* SPDX-License-Identifier: MIT */
/*
 * utf8.c - strict UTF-8 decoder (RFC 3629) that says why a sequence fails.
 */
#include "util/utf8.h"
#include "util/banned.h"

enum utf8_status utf8_decode(const uint8_t *p, size_t n, uint32_t *cp,
			     size_t *len)
{
	uint32_t c = p[0], min;
	size_t need, i;

	*len = 1;
	*cp = 0xFFFD;
	if (c < 0x80) {
		*cp = c;
		return UTF8_OK;
	}
	if (c < 0xC0 || c > 0xF7)
		return UTF8_INVALID_BYTE;
	if (c < 0xE0) {
		need = 1;
		c &= 0x1F;
		min = 0x80;
	} else if (c < 0xF0) {
		need = 2;
		c &= 0x0F;
		min = 0x800;
	} else {
		need = 3;
		c &= 0x07;
		min = 0x10000;
	}
	/* Count the continuation bytes that are there, so a truncated
	 * sequence is reported as one finding covering all of it. */
	for (i = 1; i <= need; i++) {
		if (i >= n || (p[i] & 0xC0) != 0x80) {
			*len = i;
			return UTF8_TRUNCATED;
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	*len = need + 1;
	if (c < min)
		return UTF8_OVERLONG;
	if (c > 0x10FFFF)
		return UTF8_TOO_LARGE;
	if (c >= 0xD800 && c <= 0xDFFF)
		return UTF8_SURROGATE;
	*cp = c;
	return UTF8_OK;
}

int utf8_valid(const uint8_t *p, size_t n)
{
	uint32_t cp;
	size_t len;

	while (n) {
		if (*p < 0x80) {
			p++;
			n--;
			continue;
		}
		if (utf8_decode(p, n, &cp, &len) != UTF8_OK)
			return 0;
		p += len;
		n -= len;
	}
	return 1;
}

const char *utf8_status_name(enum utf8_status st)
{
	switch (st) {
	case UTF8_OK:
		return "valid";
	case UTF8_INVALID_BYTE:
		return "invalid byte";
	case UTF8_TRUNCATED:
		return "truncated sequence";
	case UTF8_OVERLONG:
		return "overlong encoding";
	case UTF8_SURROGATE:
		return "encoded surrogate";
	case UTF8_TOO_LARGE:
		return "code point above U+10FFFF";
	}
	return "invalid";
}
