/* SPDX-License-Identifier: MIT */
/*
 * fuzz_inspect.c - libFuzzer harness for `overt inspect` on bytes: the
 * executable parsers (ELF, Mach-O, PE, Bun module graph, SEA blob) and
 * every detector run over the input as a blob.  The input is hostile; no
 * read may leave it and every embedded module must lie inside it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "inspect/internal.h"

static struct inspector *in;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct insp_embed e;
	size_t i;
	char err[256];

	if (!in && !(in = inspector_new(NULL, err, sizeof(err))))
		abort();
	if (insp_find_embed(data, size, &e) == 0) {
		for (i = 0; i < e.nmods; i++)
			if (e.mods[i].off > size || e.mods[i].len > size - e.mods[i].off)
				abort();
		insp_embed_release(&e);
	}
	if (insp_bytes(in, "fuzz", NULL, data, size, 1) == INSP_ENOMEM)
		abort();
	/* Findings accumulate: start afresh now and then. */
	if (inspect_findings(in, &i), i > 10000) {
		inspector_free(in);
		in = NULL;
	}
	return 0;
}
