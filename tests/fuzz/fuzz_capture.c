/* SPDX-License-Identifier: MIT */
/*
 * fuzz_capture.c - libFuzzer harness for the capture readers.
 *
 * The input is read as a buffer under three names, so the same bytes go
 * through RAW/HAR detection and through the .jsonl name hint, and with a
 * small max_body so the size limits are exercised too.  The sink reads
 * every byte of every body and every message, so a span that runs past
 * the input or a string without its NUL shows up under ASan.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capture/capture.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	uint64_t sum;
	size_t bodies;
};

static void touch_string(struct tally *t, const char *s)
{
	if (s)
		t->sum += strlen(s);
}

static int on_body(void *ctx, const struct capture_body *b)
{
	struct tally *t = ctx;
	size_t i;

	if (!b->data || (b->entry < -1))
		__builtin_trap();
	for (i = 0; i < b->len; i++)
		t->sum += b->data[i];
	touch_string(t, b->file);
	touch_string(t, b->method);
	touch_string(t, b->url);
	t->bodies++;
	return 0;
}

static int on_error(void *ctx, const char *file, long entry, size_t offset,
		    const char *msg)
{
	struct tally *t = ctx;

	(void)offset;
	if (!msg[0] || entry < -1)
		__builtin_trap();
	touch_string(t, file);
	touch_string(t, msg);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally t = { 0, 0 };
	struct capture_sink sink = { &t, on_body, on_error };
	struct capture_opts big = { 0 }, small = { .max_body = 64 };

	capture_read_buffer("fuzz.json", data, size, &big, &sink);
	capture_read_buffer("fuzz.jsonl", data, size, &big, &sink);
	capture_read_buffer("fuzz.json", data, size, &small, &sink);
	/* Keep the sum alive so the reads above are not optimised away. */
	__asm__ volatile("" : : "r"(t.sum) : "memory");
	return 0;
}
