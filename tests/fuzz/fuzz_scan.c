/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scan.c - libFuzzer harness for the whole scan engine: any body,
 * valid JSON or not, gives findings that point inside it, never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overt.h"

static struct scan_engine *engine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_report r;
	char err[256];
	size_t i;

	if (!engine) {
		engine = scan_engine_new(NULL, err, sizeof(err));
		if (!engine)
			abort();
	}
	scan_report_init(&r);
	scan_body(engine, data, size, &r);
	for (i = 0; i < r.nfindings; i++) {
		const struct scan_finding *f = &r.findings[i];

		if (f->byte_offset > size || f->byte_length > size - f->byte_offset ||
		    !f->rule || !f->json_path || !f->message || strlen(f->message) > 4096)
			abort();
		if (i && f->byte_offset < r.findings[i - 1].byte_offset)
			abort();
	}
	scan_report_release(&r);
	return 0;
}
