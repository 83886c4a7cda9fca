/* SPDX-License-Identifier: MIT */
/*
 * jsonl.c - JSON Lines: one request body, or one capture record with the
 * body in request.body, per line.
 *
 * Entries are numbered by physical line, from 0, blank lines included, so
 * "entry 41" is line 42 in any editor whatever the file looks like.  A line
 * that is not JSON is reported with its file offset and skipped; the next
 * line is read as if nothing happened.  An object or array body is handed
 * on as the exact bytes of the line, never re-serialised, so the offsets of
 * findings point into the file and nothing (number spelling, escapes, key
 * order) is normalised away before the scanner sees it.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/reader.h"
#include "json/json.h"
#include "util/banned.h"

/* How far into a line the key of a capture record is looked for. */
#define RECORD_KEY_WINDOW 4096

/* Drop the pages behind us this often, not at every line. */
#define ADVISE_STEP ((size_t)8 << 20)

struct record {
	struct capture_span body;
	struct capture_span method;
	struct capture_span url;
};

/* Members of the record {"request": {"body": ..., "method": ..., "url": ...}}. */
static int record_value(void *ctx, const struct json_walker *w,
			enum json_kind kind, size_t start, size_t end)
{
	struct record *rec = ctx;
	struct capture_span *s;

	if (w->depth != 2 || !capture_key_is(&w->segs[0], "request"))
		return 0;
	if (capture_key_is(&w->segs[1], "body"))
		s = &rec->body;
	else if (capture_key_is(&w->segs[1], "method"))
		s = &rec->method;
	else if (capture_key_is(&w->segs[1], "url"))
		s = &rec->url;
	else
		return 0;
	/* A repeated key: the last one wins, as in JavaScript's JSON.parse;
	 * keys are compared decoded, so "b\u006fdy" cannot hide a body. */
	*s = (struct capture_span){ 1, kind, start, end };
	return 0;
}

static int emit_record(struct capture_reader *r, const uint8_t *p,
		       const struct record *rec, long entry, size_t offset)
{
	const char *method = capture_span_string(p, &rec->method, &r->method);
	const char *url = capture_span_string(p, &rec->url, &r->url);
	const struct capture_span *b = &rec->body;
	int rc;

	if (b->kind == JSON_NULL)
		return 0; /* a request without a body */
	if (b->kind != JSON_STRING)
		return capture_emit(r, CAPTURE_JSONL, entry, p + b->start,
				    b->end - b->start, method, url);
	buf_reset(&r->body);
	rc = json_unescape(p + b->start + 1, b->end - b->start - 2, &r->body);
	if (rc == BUF_ETOOBIG)
		return capture_too_big(r, entry, offset + b->start);
	if (rc)
		return capture_error(r, entry, offset + b->start,
				     "cannot decode request.body: out of memory");
	return capture_emit(r, CAPTURE_JSONL, entry, (const uint8_t *)r->body.data,
			    r->body.len, method, url);
}

static int is_blank(const uint8_t *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++, n--;
	return n == 0;
}

int capture_line(struct capture_reader *r, const uint8_t *p, size_t n,
		 long entry, size_t offset)
{
	struct record rec = { 0 };
	struct json_visitor v = { .ctx = &rec, .value = record_value };
	struct json_error err = { 0 };
	int rc;

	if (n && p[n - 1] == '\r')
		n--;
	if (is_blank(p, n))
		return 0;
	if (n > r->max_body)
		return capture_error(r, entry, offset,
				     "line longer than %zu bytes; raise --max-body",
				     r->max_body);
	/* A line without the key "request" near its start is a body as it is:
	 * no need to walk it here, the scanner walks it (and reports it if it
	 * is not JSON).  This halves the work on the common capture of plain
	 * bodies.  Capture tools write the request before the response; a
	 * record whose "request" comes later than RECORD_KEY_WINDOW bytes is
	 * still scanned, whole, as one body. */
	if (!memmem(p, n < RECORD_KEY_WINDOW ? n : RECORD_KEY_WINDOW, "\"request\"", 9))
		return capture_emit(r, CAPTURE_JSONL, entry, p, n, NULL, NULL);
	rc = json_walk(p, n, CAPTURE_MAX_DEPTH, &v, &err);
	/* Too deep for us is not necessarily too deep for the API: the
	 * scanner sees the line and reports the depth itself. */
	if (rc == JSON_EDEPTH)
		return capture_emit(r, CAPTURE_JSONL, entry, p, n, NULL, NULL);
	if (rc)
		return capture_json_error(r, entry, offset, rc, &err, "line");
	if (rec.body.seen)
		return emit_record(r, p, &rec, entry, offset);
	return capture_emit(r, CAPTURE_JSONL, entry, p, n, NULL, NULL);
}

/* Give back the pages of [*done, upto) rounded down to pages: the sink has
 * seen every body in them, and a mapped file's pages would otherwise stay
 * resident until the unmap, making memory grow with the input. */
static void drop_pages(const uint8_t *map, size_t *done, size_t upto)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), end;

	if (!page || upto - *done < ADVISE_STEP)
		return;
	end = upto / page * page;
	if (end <= *done)
		return;
	/* Failure only costs memory; do not retry it at every line. */
	madvise((void *)(map + *done), end - *done, MADV_DONTNEED);
	*done = end;
}

int capture_lines(struct capture_reader *r, const uint8_t *p, size_t n,
		  int advise)
{
	size_t pos = 0, end, done = 0;
	const uint8_t *nl;
	long line = 0;
	int rc = 0;

	while (pos < n && !rc) {
		nl = memchr(p + pos, '\n', n - pos);
		end = nl ? (size_t)(nl - p) : n;
		rc = capture_line(r, p + pos, end - pos, line, pos);
		if (line < LONG_MAX)
			line++;
		pos = nl ? end + 1 : n;
		if (advise)
			drop_pages(p, &done, pos);
	}
	return rc;
}
