/* SPDX-License-Identifier: MIT */
/*
 * file.h - reading a small file (configuration, scheme) whole.
 */
#ifndef OVERT_FILE_H
#define OVERT_FILE_H

#include "util/buf.h"

#define READ_EIO (-3) /* cannot open or read the file; errno says why */

/*
 * read_small_file - append the content of @path to @out, at most @out's
 * maximum.  Returns 0, READ_EIO with errno set, BUF_ETOOBIG or BUF_ENOMEM.
 */
int read_small_file(const char *path, struct buf *out);

#endif
