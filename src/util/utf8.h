/* SPDX-License-Identifier: MIT */
/*
 * utf8.h - strict UTF-8 decoding of one character, with the reason when a
 * sequence is not valid.
 *
 * Written by hand rather than taken from ICU because the scanner needs to
 * know *why* a sequence is invalid (overlong, surrogate, truncated) and how
 * many bytes to report, and because it sits in the hot loop.
 */
#ifndef OVERT_UTF8_H
#define OVERT_UTF8_H

#include <stddef.h>
#include <stdint.h>

enum utf8_status {
	UTF8_OK = 0,
	UTF8_INVALID_BYTE, /* a byte that cannot start a sequence (80-BF, C0, C1, F5-FF) */
	UTF8_TRUNCATED,    /* a lead byte not followed by enough continuation bytes */
	UTF8_OVERLONG,     /* a longer encoding than the code point needs */
	UTF8_SURROGATE,    /* U+D800..U+DFFF encoded directly */
	UTF8_TOO_LARGE,    /* above U+10FFFF */
};

/*
 * utf8_decode - decode the character at @p (at most @n > 0 bytes).
 * Stores the code point in *@cp (U+FFFD when invalid) and the number of
 * bytes the character or the invalid sequence spans in *@len (at least 1).
 */
enum utf8_status utf8_decode(const uint8_t *p, size_t n, uint32_t *cp,
			     size_t *len);

/* utf8_is_noncharacter - U+FDD0..U+FDEF and the last two of every plane. */
static inline int utf8_is_noncharacter(uint32_t cp)
{
	return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

/* utf8_valid - whether all of @p (@n bytes) is valid UTF-8. */
int utf8_valid(const uint8_t *p, size_t n);

/* utf8_status_name - "overlong" and so on, for messages. */
const char *utf8_status_name(enum utf8_status st);

#endif
