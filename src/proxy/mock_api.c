/* SPDX-License-Identifier: MIT */
/*
 * mock_api.c - the mock's replies in each API's wire format.
 *
 * The shapes follow what the real services send, event names and field
 * order included, because the proxy relays these bytes and agents parse
 * them: Anthropic Messages (message_start ... message_stop, with a ping),
 * OpenAI Chat Completions chunks ending in "data: [DONE]", OpenAI Responses
 * events (response.created ... response.completed, with sequence numbers),
 * and Gemini generateContent (SSE with CRLF line ends as Google sends them,
 * or one JSON array).  Every string goes through json_write_string, so a
 * model name taken from a request cannot break the JSON we write.
 */
#include <stdarg.h>
#include <string.h>

#include "json/json.h"
#include "proxy/mock_int.h"
#include "util/banned.h"

/* Cut the reply after spaces into at most MOCK_MAX_PIECES deltas: splitting
 * only at ASCII spaces never splits a UTF-8 sequence. */
static size_t pieces(const char *text, size_t *off, size_t max)
{
	size_t n = 0, i, len = strlen(text);

	off[n++] = 0;
	for (i = 1; i < len && n < max; i++)
		if (text[i - 1] == ' ' && text[i] != ' ')
			off[n++] = i;
	off[n] = len;
	return n;
}

static int jstr(struct buf *b, const char *s)
{
	return json_write_string(b, s, strlen(s));
}

static int jstrn(struct buf *b, const char *s, size_t n)
{
	return json_write_string(b, s, n);
}

/* Append one event: "event: NAME\n" when @name, "data: " DATA, end of
 * event.  Gemini ends lines with CRLF. */
static int emit(struct mock_events *ev, const char *name, const struct buf *data,
		const char *eol)
{
	int rc = 0;

	if (ev->n >= MOCK_MAX_EVENTS)
		return BUF_ETOOBIG;
	if (name)
		rc = buf_printf(&ev->data, "event: %s%s", name, eol);
	if (!rc)
		rc = buf_printf(&ev->data, "data: %s%s%s", data->data ? data->data : "", eol, eol);
	if (!rc)
		ev->ends[ev->n++] = ev->data.len;
	return rc;
}

/* A whole body as the only "event". */
static int body(struct mock_events *ev, struct buf *data)
{
	int rc = buf_add(&ev->data, data->data, data->len);

	if (!rc)
		ev->ends[ev->n++] = ev->data.len;
	return rc;
}

static int anthropic_message(struct buf *d, const struct mock_reply *r, int streaming)
{
	int rc = buf_printf(d, "{\"id\":\"msg_mock%06lu\",\"type\":\"message\","
			    "\"role\":\"assistant\",\"model\":", r->seq);

	rc = rc ? rc : jstr(d, r->model);
	if (streaming)
		return rc ? rc : buf_printf(d, ",\"content\":[],\"stop_reason\":null,"
			"\"stop_sequence\":null,\"usage\":{\"input_tokens\":%lu,"
			"\"output_tokens\":1}}", r->input_tokens);
	rc = rc ? rc : buf_adds(d, ",\"content\":[{\"type\":\"text\",\"text\":");
	rc = rc ? rc : jstr(d, r->text);
	return rc ? rc : buf_printf(d, "}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
		"\"usage\":{\"input_tokens\":%lu,\"output_tokens\":%lu}}",
		r->input_tokens, r->output_tokens);
}

int mock_render_anthropic(const struct mock_reply *r, int stream, struct mock_events *ev)
{
	size_t off[MOCK_MAX_PIECES + 1], n = pieces(r->text, off, MOCK_MAX_PIECES), i;
	struct buf d;
	int rc;

	buf_init(&d, 1 << 20);
	if (!stream) {
		rc = anthropic_message(&d, r, 0);
		rc = rc ? rc : body(ev, &d);
		goto out;
	}
	rc = buf_adds(&d, "{\"type\":\"message_start\",\"message\":");
	rc = rc ? rc : anthropic_message(&d, r, 1);
	rc = rc ? rc : buf_addc(&d, '}');
	rc = rc ? rc : emit(ev, "message_start", &d, "\n");
	buf_reset(&d);
	rc = rc ? rc : buf_adds(&d, "{\"type\":\"content_block_start\",\"index\":0,"
				"\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
	rc = rc ? rc : emit(ev, "content_block_start", &d, "\n");
	buf_reset(&d);
	rc = rc ? rc : buf_adds(&d, "{\"type\": \"ping\"}");
	rc = rc ? rc : emit(ev, "ping", &d, "\n");
	for (i = 0; !rc && i < n; i++) {
		buf_reset(&d);
		rc = buf_adds(&d, "{\"type\":\"content_block_delta\",\"index\":0,"
			      "\"delta\":{\"type\":\"text_delta\",\"text\":");
		rc = rc ? rc : jstrn(&d, r->text + off[i], off[i + 1] - off[i]);
		rc = rc ? rc : buf_adds(&d, "}}");
		rc = rc ? rc : emit(ev, "content_block_delta", &d, "\n");
	}
	buf_reset(&d);
	rc = rc ? rc : buf_adds(&d, "{\"type\":\"content_block_stop\",\"index\":0}");
	rc = rc ? rc : emit(ev, "content_block_stop", &d, "\n");
	buf_reset(&d);
	rc = rc ? rc : buf_printf(&d, "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
				  "\"end_turn\",\"stop_sequence\":null},\"usage\":"
				  "{\"output_tokens\":%lu}}", r->output_tokens);
	rc = rc ? rc : emit(ev, "message_delta", &d, "\n");
	buf_reset(&d);
	rc = rc ? rc : buf_adds(&d, "{\"type\":\"message_stop\"}");
	rc = rc ? rc : emit(ev, "message_stop", &d, "\n");
out:
	buf_release(&d);
	return rc;
}

int mock_render_count_tokens(const struct mock_reply *r, struct mock_events *ev)
{
	struct buf d;
	int rc;

	buf_init(&d, 256);
	rc = buf_printf(&d, "{\"input_tokens\":%lu}", r->input_tokens);
	rc = rc ? rc : body(ev, &d);
	buf_release(&d);
	return rc;
}

/* The start of a chat.completion(.chunk) object, up to "choices":[ */
static int chat_head(struct buf *d, const struct mock_reply *r, const char *object)
{
	int rc = buf_printf(d, "{\"id\":\"chatcmpl-mock%06lu\",\"object\":\"%s\","
			    "\"created\":%lld,\"model\":", r->seq, object, r->created);

	rc = rc ? rc : jstr(d, r->model);
	return rc ? rc : buf_adds(d, ",\"system_fingerprint\":null,\"choices\":[");
}

static int chat_chunk(struct mock_events *ev, const struct mock_reply *r,
		      const char *delta, const char *text, size_t n, const char *finish)
{
	struct buf d;
	int rc;

	buf_init(&d, 1 << 20);
	rc = chat_head(&d, r, "chat.completion.chunk");
	rc = rc ? rc : buf_printf(&d, "{\"index\":0,\"delta\":{%s", delta);
	rc = rc || !text ? rc : jstrn(&d, text, n);
	rc = rc ? rc : buf_printf(&d, "},\"logprobs\":null,\"finish_reason\":%s}]}", finish);
	rc = rc ? rc : emit(ev, NULL, &d, "\n");
	buf_release(&d);
	return rc;
}

static int chat_usage(struct buf *d, const struct mock_reply *r)
{
	return buf_printf(d, "\"usage\":{\"prompt_tokens\":%lu,\"completion_tokens\":%lu,"
			  "\"total_tokens\":%lu}", r->input_tokens, r->output_tokens,
			  r->input_tokens + r->output_tokens);
}

int mock_render_chat(const struct mock_reply *r, int stream, struct mock_events *ev)
{
	size_t off[MOCK_MAX_PIECES + 1], n = pieces(r->text, off, MOCK_MAX_PIECES), i;
	struct buf d;
	int rc;

	buf_init(&d, 1 << 20);
	if (!stream) {
		rc = chat_head(&d, r, "chat.completion");
		rc = rc ? rc : buf_adds(&d, "{\"index\":0,\"message\":{\"role\":\"assistant\","
					"\"content\":");
		rc = rc ? rc : jstr(&d, r->text);
		rc = rc ? rc : buf_adds(&d, ",\"refusal\":null},\"logprobs\":null,"
					"\"finish_reason\":\"stop\"}],");
		rc = rc ? rc : chat_usage(&d, r);
		rc = rc ? rc : buf_addc(&d, '}');
		rc = rc ? rc : body(ev, &d);
		goto out;
	}
	rc = chat_chunk(ev, r, "\"role\":\"assistant\",\"content\":\"\",\"refusal\":null",
			NULL, 0, "null");
	for (i = 0; !rc && i < n; i++)
		rc = chat_chunk(ev, r, "\"content\":", r->text + off[i],
				off[i + 1] - off[i], "null");
	rc = rc ? rc : chat_chunk(ev, r, "", NULL, 0, "\"stop\"");
	if (!rc && r->include_usage) {
		rc = chat_head(&d, r, "chat.completion.chunk");
		rc = rc ? rc : buf_adds(&d, "],");
		rc = rc ? rc : chat_usage(&d, r);
		rc = rc ? rc : buf_addc(&d, '}');
		rc = rc ? rc : emit(ev, NULL, &d, "\n");
	}
	buf_reset(&d);
	rc = rc ? rc : buf_adds(&d, "[DONE]");
	rc = rc ? rc : emit(ev, NULL, &d, "\n");
out:
	buf_release(&d);
	return rc;
}

/* The Responses API's message item; @text NULL while in progress. */
static int resp_item(struct buf *d, const struct mock_reply *r, const char *text)
{
	int rc = buf_printf(d, "{\"id\":\"msg_mock%06lu\",\"type\":\"message\",\"status\":\"%s\","
			    "\"role\":\"assistant\",\"content\":[", r->seq,
			    text ? "completed" : "in_progress");

	if (!rc && text) {
		rc = buf_adds(d, "{\"type\":\"output_text\",\"annotations\":[],\"text\":");
		rc = rc ? rc : jstr(d, text);
		rc = rc ? rc : buf_addc(d, '}');
	}
	return rc ? rc : buf_adds(d, "]}");
}

/* The Responses API's response object, in progress or completed. */
static int resp_object(struct buf *d, const struct mock_reply *r, int done)
{
	int rc = buf_printf(d, "{\"id\":\"resp_mock%06lu\",\"object\":\"response\","
			    "\"created_at\":%lld,\"status\":\"%s\",\"error\":null,"
			    "\"incomplete_details\":null,\"model\":", r->seq, r->created,
			    done ? "completed" : "in_progress");

	rc = rc ? rc : jstr(d, r->model);
	rc = rc ? rc : buf_adds(d, ",\"output\":[");
	if (!rc && done)
		rc = resp_item(d, r, r->text);
	rc = rc ? rc : buf_adds(d, "],\"usage\":");
	if (!rc && done)
		rc = buf_printf(d, "{\"input_tokens\":%lu,\"output_tokens\":%lu,"
				"\"total_tokens\":%lu}", r->input_tokens, r->output_tokens,
				r->input_tokens + r->output_tokens);
	else if (!rc)
		rc = buf_adds(d, "null");
	return rc ? rc : buf_addc(d, '}');
}

/* One Responses event: {"type":NAME,"sequence_number":N, REST} */
static int resp_event(struct mock_events *ev, const char *name, const struct buf *rest)
{
	struct buf d;
	int rc;

	buf_init(&d, 1 << 20);
	rc = buf_printf(&d, "{\"type\":\"%s\",\"sequence_number\":%zu,", name, ev->n);
	rc = rc ? rc : buf_add(&d, rest->data, rest->len);
	rc = rc ? rc : buf_addc(&d, '}');
	rc = rc ? rc : emit(ev, name, &d, "\n");
	buf_release(&d);
	return rc;
}

static int resp_text_events(struct mock_events *ev, const struct mock_reply *r,
			    struct buf *d)
{
	size_t off[MOCK_MAX_PIECES + 1], n = pieces(r->text, off, MOCK_MAX_PIECES), i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		buf_reset(d);
		rc = buf_printf(d, "\"item_id\":\"msg_mock%06lu\",\"output_index\":0,"
				"\"content_index\":0,\"delta\":", r->seq);
		rc = rc ? rc : jstrn(d, r->text + off[i], off[i + 1] - off[i]);
		rc = rc ? rc : resp_event(ev, "response.output_text.delta", d);
	}
	buf_reset(d);
	rc = rc ? rc : buf_printf(d, "\"item_id\":\"msg_mock%06lu\",\"output_index\":0,"
				  "\"content_index\":0,\"text\":", r->seq);
	rc = rc ? rc : jstr(d, r->text);
	rc = rc ? rc : resp_event(ev, "response.output_text.done", d);
	buf_reset(d);
	rc = rc ? rc : buf_printf(d, "\"item_id\":\"msg_mock%06lu\",\"output_index\":0,"
				  "\"content_index\":0,\"part\":{\"type\":\"output_text\","
				  "\"annotations\":[],\"text\":", r->seq);
	rc = rc ? rc : jstr(d, r->text);
	rc = rc ? rc : buf_addc(d, '}');
	return rc ? rc : resp_event(ev, "response.content_part.done", d);
}

int mock_render_responses(const struct mock_reply *r, int stream, struct mock_events *ev)
{
	struct buf d;
	int rc;

	buf_init(&d, 1 << 20);
	if (!stream) {
		rc = resp_object(&d, r, 1);
		rc = rc ? rc : body(ev, &d);
		goto out;
	}
	rc = buf_adds(&d, "\"response\":");
	rc = rc ? rc : resp_object(&d, r, 0);
	rc = rc ? rc : resp_event(ev, "response.created", &d);
	rc = rc ? rc : resp_event(ev, "response.in_progress", &d);
	buf_reset(&d);
	rc = rc ? rc : buf_adds(&d, "\"output_index\":0,\"item\":");
	rc = rc ? rc : resp_item(&d, r, NULL);
	rc = rc ? rc : resp_event(ev, "response.output_item.added", &d);
	buf_reset(&d);
	rc = rc ? rc : buf_printf(&d, "\"item_id\":\"msg_mock%06lu\",\"output_index\":0,"
				  "\"content_index\":0,\"part\":{\"type\":\"output_text\","
				  "\"annotations\":[],\"text\":\"\"}", r->seq);
	rc = rc ? rc : resp_event(ev, "response.content_part.added", &d);
	rc = rc ? rc : resp_text_events(ev, r, &d);
	buf_reset(&d);
	rc = rc ? rc : buf_adds(&d, "\"output_index\":0,\"item\":");
	rc = rc ? rc : resp_item(&d, r, r->text);
	rc = rc ? rc : resp_event(ev, "response.output_item.done", &d);
	buf_reset(&d);
	rc = rc ? rc : buf_adds(&d, "\"response\":");
	rc = rc ? rc : resp_object(&d, r, 1);
	rc = rc ? rc : resp_event(ev, "response.completed", &d);
out:
	buf_release(&d);
	return rc;
}

int mock_render_models(const struct mock_reply *r, struct mock_events *ev)
{
	static const char *const ids[] = { "gpt-4o", "gpt-4o-mini", "o3", "gpt-5" };
	struct buf d;
	size_t i;
	int rc;

	buf_init(&d, 4096);
	rc = buf_adds(&d, "{\"object\":\"list\",\"data\":[");
	for (i = 0; !rc && i < sizeof(ids) / sizeof(ids[0]); i++)
		rc = buf_printf(&d, "%s{\"id\":\"%s\",\"object\":\"model\",\"created\":%lld,"
				"\"owned_by\":\"system\"}", i ? "," : "", ids[i], r->created);
	rc = rc ? rc : buf_adds(&d, "]}");
	rc = rc ? rc : body(ev, &d);
	buf_release(&d);
	return rc;
}

/* One GenerateContentResponse with @n bytes of text; @last adds the finish. */
static int gemini_chunk(struct buf *d, const struct mock_reply *r, const char *text,
			size_t n, int last)
{
	int rc = buf_adds(d, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":");

	rc = rc ? rc : jstrn(d, text, n);
	rc = rc ? rc : buf_adds(d, "}],\"role\":\"model\"}");
	if (!rc && last)
		rc = buf_adds(d, ",\"finishReason\":\"STOP\"");
	rc = rc ? rc : buf_printf(d, ",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":%lu,"
				  "\"candidatesTokenCount\":%lu,\"totalTokenCount\":%lu},"
				  "\"modelVersion\":", r->input_tokens, r->output_tokens,
				  r->input_tokens + r->output_tokens);
	rc = rc ? rc : jstr(d, r->model);
	return rc ? rc : buf_printf(d, ",\"responseId\":\"mock%06lu\"}", r->seq);
}

int mock_render_gemini(const struct mock_reply *r, int stream, struct mock_events *ev)
{
	size_t off[MOCK_MAX_PIECES + 1], n = pieces(r->text, off, MOCK_MAX_PIECES), i;
	struct buf d;
	int rc = 0;

	buf_init(&d, 1 << 20);
	if (!stream) {
		rc = gemini_chunk(&d, r, r->text, strlen(r->text), 1);
		rc = rc ? rc : body(ev, &d);
		goto out;
	}
	for (i = 0; !rc && i < n; i++) {
		buf_reset(&d);
		/* Without alt=sse the stream is one JSON array, sent piecewise. */
		if (!r->sse)
			rc = buf_adds(&d, i ? ",\r\n" : "[");
		rc = rc ? rc : gemini_chunk(&d, r, r->text + off[i], off[i + 1] - off[i],
					    i + 1 == n);
		if (!rc && !r->sse && i + 1 == n)
			rc = buf_adds(&d, "]");
		if (!rc)
			rc = r->sse ? emit(ev, NULL, &d, "\r\n") : body(ev, &d);
	}
out:
	buf_release(&d);
	return rc;
}

/* The error "type" each API gives a status. */
static const char *error_type(enum mock_api api, int status)
{
	switch (status) {
	case 401: return api == MOCK_ANTHROPIC ? "authentication_error" : "invalid_request_error";
	case 404: return api == MOCK_ANTHROPIC ? "not_found_error" : "invalid_request_error";
	case 413: return api == MOCK_ANTHROPIC ? "request_too_large" : "invalid_request_error";
	case 429: return api == MOCK_ANTHROPIC ? "rate_limit_error" : "rate_limit_exceeded";
	default:
		if (status >= 500)
			return api == MOCK_ANTHROPIC ? "api_error" : "server_error";
		return "invalid_request_error";
	}
}

static const char *gemini_status(int status)
{
	switch (status) {
	case 404: return "NOT_FOUND";
	case 408: return "DEADLINE_EXCEEDED";
	case 429: return "RESOURCE_EXHAUSTED";
	case 501: return "UNIMPLEMENTED";
	default: return status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
	}
}

int mock_render_error(enum mock_api api, int status, const char *message,
		      struct buf *out)
{
	int rc;

	switch (api) {
	case MOCK_ANTHROPIC:
		rc = buf_printf(out, "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":",
				error_type(api, status));
		rc = rc ? rc : jstr(out, message);
		return rc ? rc : buf_adds(out, "}}");
	case MOCK_GEMINI:
		rc = buf_printf(out, "{\"error\":{\"code\":%d,\"message\":", status);
		rc = rc ? rc : jstr(out, message);
		return rc ? rc : buf_printf(out, ",\"status\":\"%s\"}}", gemini_status(status));
	default:
		rc = buf_adds(out, "{\"error\":{\"message\":");
		rc = rc ? rc : jstr(out, message);
		return rc ? rc : buf_printf(out, ",\"type\":\"%s\",\"param\":null,\"code\":null}}",
					    error_type(api, status));
	}
}
