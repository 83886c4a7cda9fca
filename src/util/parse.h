/* SPDX-License-Identifier: MIT */
/*
 * parse.h - strict number parsing for command lines and configuration:
 * the whole string must be a number, in range, or it is an error.
 */
#ifndef OVERT_PARSE_H
#define OVERT_PARSE_H

#include <stdint.h>

/* parse_size - "1024", "64K", "32M", "2G" (powers of 1024) into *@out;
 * 0 on success, -1 when @s is not such a size or exceeds @max. */
int parse_size(const char *s, uint64_t max, uint64_t *out);

#endif
