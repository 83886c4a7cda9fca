/* SPDX-License-Identifier: MIT */
/*
 * file.c - reading a small file whole (see file.h).
 */
#include <errno.h>
#include <stdio.h>

#include "util/file.h"
#include "util/banned.h"

int read_small_file(const char *path, struct buf *out)
{
	char chunk[8192];
	size_t got;
	FILE *f = fopen(path, "rb");
	int rc = 0, saved;

	if (!f)
		return READ_EIO;
	while (!rc && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_add(out, chunk, got);
	if (!rc && ferror(f))
		rc = READ_EIO;
	saved = errno;
	fclose(f);
	errno = saved;
	return rc;
}
