/* SPDX-License-Identifier: MIT */
/*
 * mock_int.h - what the parts of the mock share: the wire formats
 * (mock_api.c) and the recorder (mock_record.c).  Not for callers.
 */
#ifndef OVERT_MOCK_INT_H
#define OVERT_MOCK_INT_H

#include <stddef.h>

#include "proxy/http.h"
#include "util/buf.h"

enum mock_api {
	MOCK_ANTHROPIC,
	MOCK_OPENAI,
	MOCK_GEMINI,
};

/* The most events one response has: a reply is cut into at most
 * MOCK_MAX_PIECES deltas, plus the events around them. */
#define MOCK_MAX_PIECES 16
#define MOCK_MAX_EVENTS (MOCK_MAX_PIECES + 16)

/* A rendered response: one body, or the events of a stream, back to back
 * in @data; event i is [ends[i-1], ends[i]). */
struct mock_events {
	struct buf data;
	size_t ends[MOCK_MAX_EVENTS];
	size_t n;
};

struct mock_reply {
	const char *model;          /* UTF-8, from the request */
	const char *text;           /* the reply */
	unsigned long input_tokens;
	unsigned long output_tokens;
	unsigned long seq;          /* makes ids unique per instance */
	long long created;          /* Unix time */
	int include_usage;          /* OpenAI chat: stream_options.include_usage */
	int sse;                    /* Gemini stream: SSE (alt=sse) or a JSON array */
};

/* The renderers: 0 or BUF_ENOMEM/BUF_ETOOBIG.  @stream chooses events. */
int mock_render_anthropic(const struct mock_reply *r, int stream, struct mock_events *ev);
int mock_render_count_tokens(const struct mock_reply *r, struct mock_events *ev);
int mock_render_chat(const struct mock_reply *r, int stream, struct mock_events *ev);
int mock_render_responses(const struct mock_reply *r, int stream, struct mock_events *ev);
int mock_render_models(const struct mock_reply *r, struct mock_events *ev);
int mock_render_gemini(const struct mock_reply *r, int stream, struct mock_events *ev);
/* An error body in @api's format, @message being plain UTF-8 text. */
int mock_render_error(enum mock_api api, int status, const char *message,
		      struct buf *out);

struct mock_recorder;
/* mock_recorder_open - create @dir (0700) if needed, open its index. */
int mock_recorder_open(const char *dir, struct mock_recorder **out, char *err,
		       size_t errlen);
/* mock_record - write @req as the next NNNNNN.json and index line;
 * 0, or -1 with @err set. */
int mock_record(struct mock_recorder *rec, const struct http_request *req,
		char *err, size_t errlen);
void mock_recorder_close(struct mock_recorder *rec);

#endif
