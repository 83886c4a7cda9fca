/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rewrite.c - libFuzzer harness for the normalize and redact
 * rewrites: whatever the body, the output is the input with exactly the
 * reported changes applied (every other byte identical), and valid JSON
 * stays valid JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "overt.h"
#include "proxy/action.h"

static struct scan_engine *engine;

/* The input with the changes applied, replacements written as JSON
 * string content, as the rewriter must have written them. */
static void replay(const uint8_t *in, size_t len, const struct proxy_rewrite *rw, struct buf *out)
{
	size_t i, at = 0;
	const char *p;
	int inner;

	for (i = 0; i < rw->nchanges; i++) {
		const struct proxy_change *c = &rw->changes[i];

		if (c->offset < at || c->offset + c->length > len)
			abort();
		buf_add(out, in + at, c->offset - at);
		/* An escape of JSON text nested in the string ("\\\\u2019") is
		 * replaced by a character escaped for that text, then again. */
		inner = (c->length == 7 || c->length == 14) && !memcmp(in + c->offset, "\\\\u", 3);
		for (p = c->replacement; *p; p++) {
			if ((*p == '"' || *p == '\\') && inner)
				buf_adds(out, *p == '"' ? "\\\\\\\"" : "\\\\\\\\");
			else if (*p == '"' || *p == '\\')
				buf_addc(out, '\\'), buf_addc(out, *p);
			else
				buf_addc(out, *p);
		}
		at = c->offset + c->length;
	}
	buf_add(out, in + at, len - at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_report r;
	struct proxy_rewrite rw;
	struct json_visitor v = { 0 };
	struct json_error jerr;
	enum proxy_action *acts;
	struct buf want;
	char err[256];
	size_t i;

	if (!engine && !(engine = scan_engine_new(NULL, err, sizeof(err))))
		abort();
	scan_report_init(&r);
	scan_body(engine, data, size, &r);
	acts = calloc(r.nfindings + 1, sizeof(*acts));
	for (i = 0; i < r.nfindings; i++)
		acts[i] = i % 3 == 2 ? PROXY_REDACT : PROXY_NORMALIZE;
	proxy_rewrite_init(&rw);
	if (!proxy_rewrite_body(data, size, &r, acts, &rw) && rw.nchanges) {
		buf_init(&want, size * 2 + (1 << 20));
		replay(data, size, &rw, &want);
		if (want.len != rw.body.len || memcmp(want.data, rw.body.data, want.len))
			abort();
		if (!r.error && json_walk((const uint8_t *)rw.body.data, rw.body.len, 512, &v,
					  &jerr)) {
			fprintf(stderr, "not JSON after the rewrite: %s\n", jerr.msg);
			fwrite(rw.body.data, 1, rw.body.len, stderr);
			abort();
		}
		buf_release(&want);
	}
	proxy_rewrite_release(&rw);
	free(acts);
	scan_report_release(&r);
	return 0;
}
