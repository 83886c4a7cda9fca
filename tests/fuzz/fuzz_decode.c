/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decode.c - libFuzzer harness for request-body decoding: any bytes
 * under any encoding decode or fail cleanly, never past the limit.
 */
#include <stdint.h>
#include <stdlib.h>

#include "proxy/action.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const encodings[] = { "gzip", "deflate", "zstd", "br", "gzip, br" };
	struct buf out;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
		buf_init(&out, 1 << 20);
		if (!proxy_decode_body(encodings[i], data, size, &out, err, sizeof(err)) &&
		    out.len > out.max)
			abort();
		buf_release(&out);
	}
	return 0;
}
