/* SPDX-License-Identifier: MIT */
/*
 * api.h - which model API a request speaks, and its error format.
 *
 * Errors sent back to an agent must be in its API's own JSON error format,
 * or the agent shows a parse failure instead of our message.
 */
#ifndef OVERT_API_H
#define OVERT_API_H

#include "util/buf.h"

enum api_kind {
	API_ANTHROPIC,
	API_OPENAI,
	API_GEMINI,
};

/* api_of_path - the API a request path belongs to; OpenAI's format is the
 * default, since most gateways speak it. */
enum api_kind api_of_path(const char *path);

/*
 * api_error_json - append the API's JSON error body for @status with
 * @message (UTF-8) to @out.  Returns 0 or a BUF_E* code.
 */
int api_error_json(struct buf *out, enum api_kind api, int status, const char *message);

#endif
