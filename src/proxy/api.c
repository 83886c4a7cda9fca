/* SPDX-License-Identifier: MIT */
/*
 * api.c - API recognition by path, and each API's error body.
 *
 * Anthropic: {"type":"error","error":{"type":...,"message":...}};
 * OpenAI: {"error":{"message":...,"type":...,"param":null,"code":null}};
 * Gemini: {"error":{"code":N,"message":...,"status":...}}.
 */
#include <string.h>

#include "json/json.h"
#include "proxy/api.h"
#include "util/banned.h"

enum api_kind api_of_path(const char *path)
{
	if (!path)
		return API_OPENAI;
	if (!strncmp(path, "/v1/messages", 12) || !strncmp(path, "/v1/complete", 12))
		return API_ANTHROPIC;
	if (strstr(path, ":generateContent") || strstr(path, ":streamGenerateContent") ||
	    !strncmp(path, "/v1beta/", 8))
		return API_GEMINI;
	return API_OPENAI;
}

/* The API's own name for the kind of error a status means. */
static const char *error_type(enum api_kind api, int status)
{
	switch (status) {
	case 413:
		/* Anthropic's own type for an oversized request. */
		if (api == API_ANTHROPIC)
			return "request_too_large";
		/* fall through */
	case 400: case 415:
		return api == API_GEMINI ? "INVALID_ARGUMENT" : "invalid_request_error";
	case 401:
		return api == API_GEMINI ? "UNAUTHENTICATED" : "authentication_error";
	case 403:
		return api == API_GEMINI ? "PERMISSION_DENIED" : "permission_error";
	case 404:
		return api == API_GEMINI ? "NOT_FOUND" : "not_found_error";
	case 503:
		return api == API_GEMINI ? "UNAVAILABLE" : "overloaded_error";
	}
	return api == API_GEMINI ? "INTERNAL" : "api_error";
}

int api_error_json(struct buf *out, enum api_kind api, int status, const char *message)
{
	const char *type = error_type(api, status);
	int rc;

	switch (api) {
	case API_ANTHROPIC:
		rc = buf_printf(out, "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":", type);
		rc = rc ? rc : json_write_string(out, message, strlen(message));
		return rc ? rc : buf_adds(out, "}}");
	case API_GEMINI:
		rc = buf_printf(out, "{\"error\":{\"code\":%d,\"message\":", status);
		rc = rc ? rc : json_write_string(out, message, strlen(message));
		return rc ? rc : buf_printf(out, ",\"status\":\"%s\"}}", type);
	case API_OPENAI:
		break;
	}
	rc = buf_adds(out, "{\"error\":{\"message\":");
	rc = rc ? rc : json_write_string(out, message, strlen(message));
	return rc ? rc : buf_printf(out, ",\"type\":\"%s\",\"param\":null,\"code\":null}}", type);
}
