/* SPDX-License-Identifier: MIT */
/*
 * stream.c - inputs that can only be read forward: pipes, FIFOs, terminals.
 *
 * We read until the start of the input tells the format.  JSON Lines are
 * then read line by line through one buffer that never holds more than a
 * line and a read's worth, so `zcat big.jsonl.gz | overt scan -` runs in
 * constant memory; a line longer than max_body is reported and skipped
 * without being kept.  A HAR or RAW input has to be whole before it can be
 * read, so it is kept, but never past max_body.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/reader.h"
#include "util/banned.h"

#define CHUNK ((size_t)64 << 10)

struct stream {
	struct capture_reader *r;
	int fd;
	struct buf in;   /* bytes not yet handed on; in.data[0] is at @base */
	size_t base;     /* input offset of in.data[0] */
	size_t scanned;  /* in.data[0, scanned) holds no '\n' */
	long line;       /* line number of in.data[0] */
	int eof;
	int failed;      /* a read error was reported: give up this input */
	int skipping;    /* inside a line too long to keep */
	uint8_t *chunk;
};

/* Wait for a descriptor someone left non-blocking (a shell's stdin). */
static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/* One read(2) appended to @s->in, which must have room. */
static int fill(struct stream *s)
{
	size_t room = s->in.max - s->in.len;
	ssize_t got;

	if (room > CHUNK)
		room = CHUNK;
	for (;;) {
		got = read(s->fd, s->chunk, room);
		if (got >= 0)
			break;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			wait_readable(s->fd);
		else if (errno != EINTR)
			goto fail;
	}
	if (got == 0)
		s->eof = 1;
	else if (buf_add(&s->in, s->chunk, (size_t)got))
		goto fail;
	return 0;
fail:
	s->failed = 1;
	return capture_error(s->r, -1, s->base + s->in.len, "cannot read '%s': %s",
			     s->r->file, got < 0 ? strerror(errno) : "out of memory");
}

/* Forget the first @n bytes of the buffer. */
static void consume(struct stream *s, size_t n)
{
	if (!n)
		return;
	memmove(s->in.data, s->in.data + n, s->in.len - n);
	s->in.len -= n;
	s->in.data[s->in.len] = '\0';
	s->base += n;
	s->scanned = s->in.len;
}

/* Hand on every complete line in the buffer. */
static int drain_lines(struct stream *s)
{
	const uint8_t *d = (const uint8_t *)s->in.data, *nl;
	size_t pos = 0, from = s->scanned, end;
	int rc = 0;

	if (!s->in.len)
		return 0;
	while (!rc && (nl = memchr(d + from, '\n', s->in.len - from))) {
		end = (size_t)(nl - d);
		if (s->skipping)
			s->skipping = 0; /* the end of a line already reported */
		else
			rc = capture_line(s->r, d + pos, end - pos, s->line,
					  s->base + pos);
		if (s->line < LONG_MAX)
			s->line++;
		pos = from = end + 1;
	}
	consume(s, s->skipping ? s->in.len : pos);
	s->scanned = s->in.len;
	return rc;
}

static int stream_lines(struct stream *s)
{
	struct capture_reader *r = s->r;
	int rc;

	for (;;) {
		rc = drain_lines(s);
		if (rc || s->eof)
			break;
		/* No '\n' in more than a line's worth (its '\r' allowed). */
		if (!s->skipping && s->in.len > r->max_body + 1) {
			rc = capture_error(r, s->line, s->base,
					   "line longer than %zu bytes; raise --max-body",
					   r->max_body);
			s->skipping = 1;
			consume(s, s->in.len);
			if (rc)
				break;
		}
		rc = fill(s);
		if (rc || s->failed)
			break;
	}
	if (rc || s->failed || s->skipping || !s->in.len)
		return rc;
	return capture_line(r, (const uint8_t *)s->in.data, s->in.len, s->line,
			    s->base);
}

static int stream_single(struct stream *s)
{
	int rc;

	while (!s->eof) {
		if (s->in.len > s->r->max_body)
			return capture_too_big(s->r, -1, SIZE_MAX);
		rc = fill(s);
		if (rc || s->failed)
			return rc;
	}
	if (s->in.len > s->r->max_body)
		return capture_too_big(s->r, -1, SIZE_MAX);
	return capture_single(s->r, (const uint8_t *)s->in.data, s->in.len);
}

/* Read until the format is known, keeping every byte. */
static int stream_sniff(struct stream *s, struct capture_sniff *sn,
			enum capture_sniff_result *k)
{
	int rc;

	for (;;) {
		*k = capture_sniff_feed(sn, (const uint8_t *)s->in.data,
					s->in.len, s->eof);
		/* A first value (with its "\r\n") must fit in max_body. */
		if (*k != SNIFF_MORE || s->in.len >= s->r->max_body + 2)
			break;
		rc = fill(s);
		if (rc || s->failed)
			return rc;
	}
	*k = capture_sniff_decide(s->r, sn, *k);
	return 0;
}

int capture_read_stream(struct capture_reader *r, int fd)
{
	struct stream s = { .r = r, .fd = fd };
	struct capture_sniff sn = { 0 };
	enum capture_sniff_result k;
	int rc;

	buf_init(&s.in, r->max_body + 2 + CHUNK);
	s.chunk = malloc(CHUNK);
	if (!s.chunk) {
		rc = capture_error(r, -1, SIZE_MAX, "cannot read '%s': out of memory",
				   r->file);
		goto out;
	}
	rc = stream_sniff(&s, &sn, &k);
	if (rc || s.failed)
		goto out;
	if (k == SNIFF_LINES)
		rc = stream_lines(&s);
	else if (k == SNIFF_SINGLE)
		rc = stream_single(&s);
	else
		rc = capture_sniff_report(r, &sn, k);
out:
	free(s.chunk);
	buf_release(&s.in);
	return rc;
}
