/* SPDX-License-Identifier: MIT */
/*
 * fuzz_utf8.c - libFuzzer harness for the UTF-8 decoder: every input must
 * decode to a sequence of characters and errors that covers it exactly,
 * and what it calls valid must re-encode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;
	size_t i = 0, len;
	uint32_t cp;

	buf_init(&b, 8);
	while (i < size) {
		enum utf8_status st = utf8_decode(data + i, size - i, &cp, &len);

		if (len < 1 || len > 4 || len > size - i)
			abort();
		if (st == UTF8_OK) {
			if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
				abort();
			buf_reset(&b);
			if (buf_add_utf8(&b, cp) || b.len != len || memcmp(b.data, data + i, len))
				abort();
		} else if (cp != 0xFFFD) {
			abort();
		}
		i += len;
	}
	buf_release(&b);
	return 0;
}
