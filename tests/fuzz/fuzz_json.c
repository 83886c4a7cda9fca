/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c - libFuzzer harness for the JSON walker and the string
 * helpers: spans stay inside the input, paths format, every string decodes
 * and windows around each of its bytes stay on character boundaries.
 */
#include <stdint.h>
#include <stdlib.h>

#include "json/json.h"

struct ctx {
	struct buf path;
	struct buf text;
};

static int on_string(void *p, const struct json_walker *w, size_t start,
		     size_t end, int is_key)
{
	struct ctx *c = p;
	uint32_t cps[65];
	size_t offs[66], n, k, at;

	(void)is_key;
	if (start > end || end >= w->len || w->body[end] != '"')
		abort();
	buf_reset(&c->path);
	buf_reset(&c->text);
	if (json_path_format(w, &c->path) || json_unescape(w->body + start, end - start, &c->text))
		abort();
	for (at = start; at < end && at < start + 64; at++) {
		n = json_window(w->body, start, end, at, 16, 16, cps, offs, 64);
		for (k = 0; k < n; k++)
			if (offs[k] < start || offs[k + 1] <= offs[k] || offs[k + 1] > end)
				abort();
	}
	return 0;
}

static int on_value(void *p, const struct json_walker *w, enum json_kind kind,
		    size_t start, size_t end)
{
	(void)p;
	(void)kind;
	if (start >= end || end > w->len)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c;
	struct json_visitor v = { .ctx = &c, .string = on_string, .value = on_value };
	struct json_error err;

	buf_init(&c.path, 1 << 20);
	buf_init(&c.text, 1 << 24);
	if (json_walk(data, size, 64, &v, &err) == JSON_ESYNTAX && err.offset > size)
		abort();
	buf_release(&c.path);
	buf_release(&c.text);
	return 0;
}
