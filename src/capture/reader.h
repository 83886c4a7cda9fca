/* SPDX-License-Identifier: MIT */
/*
 * reader.h - what the files of src/capture share and nobody else sees.
 *
 * One capture_reader lives for one capture_read_path/_buffer call and is
 * reused for every file below it, so the decode buffers keep their storage
 * from body to body.  Every function here returns 0 to go on reading or the
 * non-zero value a sink callback returned, which the caller passes straight
 * up: problems with the input never stop the reading, they are reported
 * through the sink's error callback and the reader moves to the next body,
 * line or file.
 */
#ifndef OVERT_CAPTURE_READER_H
#define OVERT_CAPTURE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "json/json.h"
#include "util/buf.h"

/* Nesting limit for our own walks; deeper lines still go to the scanner,
 * which applies its own limit and reports it. */
#define CAPTURE_MAX_DEPTH 512

struct capture_reader {
	const struct capture_sink *sink;
	size_t max_body;
	const char *file;   /* the input being read, as named to the sink */
	int jsonl_name;     /* the name ends in .jsonl or .ndjson */
	struct buf body;    /* a decoded body: JSON string or base64 */
	struct buf text;    /* HAR postData.text before base64 decoding */
	struct buf method;  /* HAR or JSONL request.method, decoded */
	struct buf url;     /* HAR or JSONL request.url, decoded */
};

/* capture_error - report a problem to the sink (see capture_sink.error). */
int capture_error(struct capture_reader *r, long entry, size_t offset,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* capture_too_big - the "body larger than N bytes" error. */
int capture_too_big(struct capture_reader *r, long entry, size_t offset);

/* capture_emit - hand one body to the sink; @method and @url may be NULL. */
int capture_emit(struct capture_reader *r, enum capture_format format,
		 long entry, const uint8_t *data, size_t len,
		 const char *method, const char *url);

/* capture_json_error - report a failed json_walk of bytes that start at
 * file offset @base: "@what is not JSON: <the walker's reason>". */
int capture_json_error(struct capture_reader *r, long entry, size_t base,
		       int rc, const struct json_error *err,
		       const char *what);

/* A value seen by a walk: its kind and span [start, end) in the document. */
struct capture_span {
	int seen;
	enum json_kind kind;
	size_t start;
	size_t end;
};

/* capture_key_is - whether path step @s is the member @key, with the key's
 * escapes decoded as every JSON parser decodes them. */
int capture_key_is(const struct json_seg *s, const char *key);

/* capture_span_string - the decoded content of a string value of @doc, in
 * @out; NULL when @s is not a string or does not fit in @out. */
const char *capture_span_string(const uint8_t *doc, const struct capture_span *s,
				struct buf *out);

/* Format detection: a resumable scan of the start of an input. */
enum capture_sniff_result {
	SNIFF_MORE,     /* feed more bytes */
	SNIFF_EMPTY,    /* nothing but whitespace */
	SNIFF_NOT_JSON, /* the first byte is not '{' or '['; see .start */
	SNIFF_SINGLE,   /* one value, or the first value never ends: RAW/HAR */
	SNIFF_LINES,    /* a value, a newline, then more: JSON Lines */
};

struct capture_sniff {
	size_t pos;     /* bytes examined so far */
	size_t start;   /* offset of the first non-whitespace byte */
	size_t depth;   /* open brackets in the first value */
	int phase;
	int in_string;
	int escape;
	int multiline;  /* a newline was seen inside the first value */
	int closed;     /* the first value ended */
};

/* capture_sniff_feed - examine @p[pos, n); @p[0, pos) must be unchanged
 * since the last call.  @eof says no byte follows @p[n - 1]. */
enum capture_sniff_result capture_sniff_feed(struct capture_sniff *s,
					     const uint8_t *p, size_t n,
					     int eof);

/* capture_sniff_decide - apply the file name hint to a sniff result. */
enum capture_sniff_result capture_sniff_decide(const struct capture_reader *r,
					       const struct capture_sniff *s,
					       enum capture_sniff_result k);

/* capture_sniff_report - the error for an input that is empty, not JSON,
 * or whose first value is longer than max_body (SNIFF_MORE). */
int capture_sniff_report(struct capture_reader *r, const struct capture_sniff *s,
			 enum capture_sniff_result k);

/* capture_single - one whole input (at most max_body bytes) that is not
 * JSON Lines: HAR when it has log.entries, else one RAW body. */
int capture_single(struct capture_reader *r, const uint8_t *p, size_t n);

/* capture_har - read @p as HAR; *@is_har says whether it was one (when
 * it was not, nothing has been reported or emitted). */
int capture_har(struct capture_reader *r, const uint8_t *p, size_t n,
		int *is_har);

/* capture_line - one physical line (without its '\n') at file offset
 * @offset, line number @entry. */
int capture_line(struct capture_reader *r, const uint8_t *p, size_t n,
		 long entry, size_t offset);

/* capture_lines - JSON Lines held in memory.  With @advise, @p is a
 * page-aligned mapping whose pages are dropped once read. */
int capture_lines(struct capture_reader *r, const uint8_t *p, size_t n,
		  int advise);

/* capture_read_mem - a whole input in memory: detect and dispatch. */
int capture_read_mem(struct capture_reader *r, const uint8_t *p, size_t n,
		     int advise);

/* capture_read_stream - an input that can only be read forward (a pipe);
 * reads JSON Lines line by line and anything else whole, bounded. */
int capture_read_stream(struct capture_reader *r, int fd);

#endif
