/* SPDX-License-Identifier: MIT */
/*
 * buf.h - the one growable byte buffer, with a hard maximum.
 *
 * Modelled on curl's dynbuf: every buffer that input can make grow has a
 * ceiling, so no hostile body makes us allocate without bound.  The data is
 * always NUL-terminated so it can be printed.
 */
#ifndef OVERT_BUF_H
#define OVERT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_ENOMEM (-1) /* allocation failed */
#define BUF_ETOOBIG (-2) /* the addition would pass the buffer's maximum */

/* buf_init - an empty buffer that may hold up to @max bytes. */
void buf_init(struct buf *b, size_t max);
/* buf_release - free the storage; the buffer is empty and usable again. */
void buf_release(struct buf *b);
/* buf_reset - empty the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* buf_add and friends - append; 0 or BUF_ENOMEM / BUF_ETOOBIG, in which
 * case the buffer is unchanged. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* buf_add_utf8 - append code point @cp encoded as UTF-8. */
int buf_add_utf8(struct buf *b, unsigned long cp);
/* buf_reserve - make room for @n more bytes now, so that adding them later
 * neither reallocates nor copies; 0 or BUF_ENOMEM / BUF_ETOOBIG. */
int buf_reserve(struct buf *b, size_t n);
/* buf_take - hand the data to the caller (free() it); the buffer is empty. */
char *buf_take(struct buf *b);

#endif
