/* SPDX-License-Identifier: MIT */
/*
 * capture.h - readers for captured requests: raw JSON bodies, JSON Lines,
 * HAR 1.2, directories of them, and standard input.
 *
 * A JSON Lines line that is not a capture record (no "request" key) is
 * handed on as a body without being parsed here: the scanner parses it
 * anyway and reports it when it is not JSON.
 *
 * A reader finds request bodies in its input and hands each to a callback,
 * one at a time, so memory is bounded by the largest single body rather than
 * by the size of the input.  Problems with one body or one line are reported
 * through the error callback and reading goes on, so one bad line in a large
 * capture loses nothing else.
 */
#ifndef OVERT_CAPTURE_H
#define OVERT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

enum capture_format {
	CAPTURE_RAW,   /* the file is one request body */
	CAPTURE_JSONL, /* one body, or one {"request": {"body": ...}}, per line */
	CAPTURE_HAR,   /* HAR 1.2: log.entries[].request.postData.text */
};

struct capture_body {
	const char *file;        /* the path as given, "-" for standard input */
	enum capture_format format;
	long entry;              /* HAR entry or JSONL line index (0-based); -1 for RAW */
	const uint8_t *data;     /* the request body, exactly as it was sent */
	size_t len;
	const char *method;      /* HAR request.method, or NULL */
	const char *url;         /* HAR request.url, or NULL */
};

struct capture_opts {
	size_t max_body;         /* largest body accepted; 0 means 256 MiB */
};

/* Return non-zero from either callback to stop reading; the reader then
 * returns that value.  Everything a callback is given (the body, its data,
 * method, url and file name, the message) is valid only during the call. */
struct capture_sink {
	void *ctx;
	int (*body)(void *ctx, const struct capture_body *b);
	/* A problem that skips one body, line or file: @entry is -1 when not
	 * inside an entry, @offset is a byte offset in the file (or SIZE_MAX
	 * when none applies), @msg is lowercase with the cause last. */
	int (*error)(void *ctx, const char *file, long entry, size_t offset,
		     const char *msg);
};

/*
 * capture_read_path - read @path: a file, a directory (recursively, in
 * sorted order, regular files only, symlinks not followed below it) or "-"
 * for standard input.  Returns 0 when every input was read (errors reported
 * through the sink still return 0), or the value a callback returned.
 */
int capture_read_path(const char *path, const struct capture_opts *opt,
		      const struct capture_sink *sink);

/*
 * capture_read_buffer - the same for input already in memory, named @name.
 */
int capture_read_buffer(const char *name, const uint8_t *data, size_t len,
			const struct capture_opts *opt,
			const struct capture_sink *sink);

#endif
