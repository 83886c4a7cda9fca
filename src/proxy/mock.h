/* SPDX-License-Identifier: MIT */
/*
 * mock.h - a mock model API (Anthropic Messages, OpenAI Chat Completions
 * and Responses, Gemini generateContent) on the HTTP core.
 *
 * It answers with short, valid replies in each API's real wire format,
 * streamed or not, echoes the model named in the request, and can record
 * every request exactly as it arrived (API keys hashed, never in clear).
 * `overt mock` runs it as a command; `overt proxy` tests and `overt probe`
 * run it in-process as an upstream.
 */
#ifndef OVERT_MOCK_H
#define OVERT_MOCK_H

#include <stdio.h>

#include <uv.h>

#include "proxy/http.h"

struct mock_config {
	const char *reply;          /* the reply text; NULL means "ok" */
	const char *record_dir;     /* NULL: no recording */
	unsigned delay_ms;          /* before the response head */
	unsigned chunk_delay_ms;    /* between streamed events */
	FILE *log;                  /* one line per request; NULL: none */
};

struct mock;

/*
 * mock_new - a mock serving in @loop.  With a record_dir, creates it (0700)
 * if needed and opens its index.  Numbering continues after the highest
 * NNNNNN.json already there.  Returns 0 with *@out set, or a negative
 * HTTP_E* code with a message in @err.  @cfg strings are copied.
 */
int mock_new(uv_loop_t *loop, const struct mock_config *cfg, struct mock **out,
	     char *err, size_t errlen);

/* mock_http_config - fill handler, error, done and ctx of @cfg so an HTTP
 * server serves @m; the other fields are left as they are. */
void mock_http_config(struct mock *m, struct http_config *cfg);

/* mock_requests - how many requests @m has answered or refused. */
unsigned long mock_requests(const struct mock *m);

/* mock_free - release @m once its loop has run to the end; NULL is accepted. */
void mock_free(struct mock *m);

#endif
