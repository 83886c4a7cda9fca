/* SPDX-License-Identifier: MIT */
/*
 * json.h - a streaming walker over raw JSON bytes.
 *
 * There is no DOM and no re-serialisation: the walker reports every string
 * (keys too) as a span of the original bytes, with the JSON path that leads
 * to it, so findings can name the exact byte offset in the body that went
 * over the wire.  Helpers decode string content one character at a time,
 * escapes included, so "\u2019" and the raw bytes E2 80 99 are the same
 * character at the same place.
 */
#ifndef OVERT_JSON_H
#define OVERT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum json_kind {
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
};

/* One step of a path: an object member (key != NULL) or an array element. */
struct json_seg {
	const uint8_t *key; /* raw key content, escapes not decoded; NULL in arrays */
	size_t keylen;
	size_t index;       /* element index in an array */
};

struct json_walker {
	const uint8_t *body;
	size_t len;
	unsigned depth;        /* number of valid segs */
	struct json_seg *segs; /* segs[0] is the first step below the root */
};

/*
 * Callbacks; any may be NULL.  A non-zero return stops the walk and
 * json_walk returns that value.  @start and @end are body offsets.
 */
struct json_visitor {
	void *ctx;
	/* A string's content lies in [start, end) (quotes excluded).  For a key,
	 * the walker's path already ends with that key. */
	int (*string)(void *ctx, const struct json_walker *w, size_t start,
		      size_t end, int is_key);
	/* Any value, once it is complete; [start, end) spans all of it. */
	int (*value)(void *ctx, const struct json_walker *w,
		     enum json_kind kind, size_t start, size_t end);
	/* A key repeated in one object: [start, end) is the second one's
	 * content, @first the offset of the first one's content. */
	int (*duplicate_key)(void *ctx, const struct json_walker *w,
			     size_t start, size_t end, size_t first);
	/* Optional, for string values only (keys still go to @string): read
	 * the content from @start, just after the opening quote, find the
	 * closing quote in the same pass and store its offset in *@end.
	 * Return 0, or JSON_ESYNTAX with *@end at the bad escape (or at the
	 * end of the body when the quote is missing).  A scanner that looks
	 * at every byte anyway saves the walker a second pass. */
	int (*consume)(void *ctx, const struct json_walker *w, size_t start,
		       size_t *end);
};

#define JSON_ENOMEM (-1)
#define JSON_ESYNTAX (-2)
#define JSON_EDEPTH (-3)

struct json_error {
	size_t offset;
	char msg[128];
};

/*
 * json_walk - walk one JSON value in @body (whitespace around it allowed).
 * Returns 0, JSON_E* with @err filled in, or a callback's return value.
 */
int json_walk(const uint8_t *body, size_t len, unsigned max_depth,
	      const struct json_visitor *v, struct json_error *err);

/* json_seg_is - whether @s is the object member @key (raw comparison). */
int json_seg_is(const struct json_seg *s, const char *key);

/* json_path_format - append the walker's current path ("$.a[0]['b c']"). */
int json_path_format(const struct json_walker *w, struct buf *out);

/* One character of string content. */
enum json_char_kind {
	JSON_CHAR_RAW,            /* a valid UTF-8 character as is */
	JSON_CHAR_ESCAPE,         /* a backslash escape, \uXXXX or \n ... */
	JSON_CHAR_BAD_UTF8,       /* invalid UTF-8; see .utf8 */
	JSON_CHAR_LONE_SURROGATE, /* \uD800..\uDFFF without its pair */
	JSON_CHAR_BAD_ESCAPE,     /* a backslash not followed by a valid escape */
};

struct json_char {
	uint32_t cp;         /* U+FFFD when not decodable */
	uint32_t len;        /* raw bytes spanned, at least 1 */
	enum json_char_kind kind;
	int utf8;            /* enum utf8_status for JSON_CHAR_BAD_UTF8 */
};

/* json_char_decode_slow - json_char_decode for escapes and UTF-8. */
void json_char_decode_slow(const uint8_t *p, const uint8_t *end,
			   struct json_char *c);

/* json_char_decode - decode the character at @p, with @p < @end.  Plain
 * ASCII is answered inline: the scanner calls this for most escapes. */
static inline void json_char_decode(const uint8_t *p, const uint8_t *end,
				    struct json_char *c)
{
	if (*p < 0x80 && *p != '\\') {
		c->cp = *p;
		c->len = 1;
		c->kind = JSON_CHAR_RAW;
		c->utf8 = 0;
		return;
	}
	json_char_decode_slow(p, end, c);
}

/* json_unescape - append the decoded content of [s, s+n) to @out as UTF-8;
 * undecodable characters become U+FFFD. */
int json_unescape(const uint8_t *s, size_t n, struct buf *out);

/* json_string_dup - the decoded content of the string value [start, end)
 * of @body (quotes included in the span, as the walker's value callback
 * gives it) as a NUL-terminated copy to free(), or NULL when it would pass
 * @max bytes or memory ran out. */
char *json_string_dup(const uint8_t *body, size_t start, size_t end, size_t max);

/*
 * json_window - decode the characters of the string content [start, end)
 * that lie within @before bytes before and @after bytes after offset @at.
 * Fills @cps and @offs (body offsets) for at most @max characters and sets
 * offs[count] to the end of the last one, so @offs needs @max + 1 entries.
 * Returns the count.  Decoding restarts on a character boundary, never in
 * the middle of an escape or a UTF-8 sequence.
 */
size_t json_window(const uint8_t *body, size_t start, size_t end, size_t at,
		   size_t before, size_t after, uint32_t *cps, size_t *offs,
		   size_t max);

/* json_write_string - append @s (UTF-8, @n bytes) as a JSON string literal.
 * Output is ASCII: everything else is written as \uXXXX, so no invisible
 * character passes through our own reports. */
int json_write_string(struct buf *out, const char *s, size_t n);

#endif
