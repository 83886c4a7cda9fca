/* SPDX-License-Identifier: MIT */
/*
 * mock.c - the mock model API: routing, request parsing and the timing of
 * replies, on the HTTP core.
 *
 * Each request is recorded first (so a record exists even for requests
 * that are refused), then routed by method and path.  The reply is
 * rendered whole (mock_api.c) and then written: at once, after
 * --delay-ms, and for streams one event at a time with --chunk-delay-ms
 * between events, pausing when the core's write queue is full.  A request
 * whose client goes away has its timer closed; the per-request state is
 * freed only in the timer's close callback, so no callback ever sees freed
 * memory, whichever of completion and cancellation comes first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "proxy/mock.h"
#include "proxy/mock_int.h"
#include "util/banned.h"

struct mock {
	uv_loop_t *loop;
	char *reply;
	unsigned delay_ms;
	unsigned chunk_delay_ms;
	FILE *log;
	struct mock_recorder *rec;
	unsigned long seq;
	unsigned long requests;
};

/* One request in progress. */
struct mock_req {
	struct mock *m;
	struct http_response *res;
	uv_timer_t timer;
	struct mock_events ev;
	size_t next;           /* next event to write */
	int status;
	int stream;
	const char *ctype;
	int over;              /* response finished or cancelled */
};

/* What the mock reads from a request body. */
struct body_info {
	int is_object;
	int stream;
	int include_usage;
	struct buf model;
};

static int body_string(void *ctx, const struct json_walker *w, size_t start,
		       size_t end, int is_key)
{
	struct body_info *bi = ctx;

	if (!is_key && w->depth == 1 && json_seg_is(&w->segs[0], "model") && !bi->model.len)
		return json_unescape(w->body + start, end - start, &bi->model) ? 1 : 0;
	return 0;
}

static int body_value(void *ctx, const struct json_walker *w, enum json_kind kind,
		      size_t start, size_t end)
{
	struct body_info *bi = ctx;

	(void)start;
	(void)end;
	if (w->depth == 0)
		bi->is_object = kind == JSON_OBJECT;
	else if (w->depth == 1 && json_seg_is(&w->segs[0], "stream"))
		bi->stream = kind == JSON_TRUE;
	else if (w->depth == 2 && json_seg_is(&w->segs[0], "stream_options") &&
		 json_seg_is(&w->segs[1], "include_usage"))
		bi->include_usage = kind == JSON_TRUE;
	return 0;
}

/* 0, or -1 with @msg set when the body is not a JSON object. */
static int parse_body(const struct http_request *req, struct body_info *bi,
		      char *msg, size_t msglen)
{
	struct json_visitor v = { bi, body_string, body_value, NULL, NULL };
	struct json_error e = { 0 };
	int rc;

	rc = json_walk(req->body, req->body_len, 128, &v, &e);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH) {
		snprintf(msg, msglen, "the request body is not valid JSON: %s", e.msg);
		return -1;
	}
	if (rc) {
		snprintf(msg, msglen, "cannot read the request body");
		return -1;
	}
	if (!bi->is_object) {
		snprintf(msg, msglen, "the request body must be a JSON object");
		return -1;
	}
	return 0;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Which API's error format a request expects, from its path and headers. */
static enum mock_api api_of(const struct http_request *req)
{
	if (req->path && (starts_with(req->path, "/v1beta/") ||
			  (starts_with(req->path, "/v1/models/") && strchr(req->path, ':'))))
		return MOCK_GEMINI;
	if ((req->path && starts_with(req->path, "/v1/messages")) ||
	    http_request_header(req, "anthropic-version") ||
	    http_request_header(req, "x-api-key"))
		return MOCK_ANTHROPIC;
	return MOCK_OPENAI;
}

static void send_error(struct mock *m, struct http_request *req,
		       struct http_response *res, int status, const char *msg)
{
	struct buf b;

	(void)m;
	buf_init(&b, 1 << 16);
	if (mock_render_error(api_of(req), status, msg, &b)) {
		buf_reset(&b);
		buf_adds(&b, "{}");
	}
	http_res_send(res, status, "application/json", b.data, b.len);
	buf_release(&b);
}

static void req_freed(uv_handle_t *h)
{
	struct mock_req *mr = h->data;

	buf_release(&mr->ev.data);
	free(mr);
}

static void req_over(struct mock_req *mr)
{
	if (mr->over)
		return;
	mr->over = 1;
	uv_close((uv_handle_t *)&mr->timer, req_freed);
}

static void on_cancel(void *arg)
{
	req_over(arg);
}

static void pump(struct mock_req *mr);

static void on_drain(void *arg)
{
	struct mock_req *mr = arg;

	if (!mr->over && !uv_is_active((uv_handle_t *)&mr->timer))
		pump(mr);
}

static void on_tick(uv_timer_t *t)
{
	pump(t->data);
}

static const char *event_at(struct mock_req *mr, size_t i, size_t *len)
{
	size_t start = i ? mr->ev.ends[i - 1] : 0;

	*len = mr->ev.ends[i] - start;
	return mr->ev.data.data + start;
}

/* Write the next events: all that fit, or one per tick with a delay. */
static void pump(struct mock_req *mr)
{
	const char *p;
	size_t len;
	int rc;

	while (!mr->over && mr->next < mr->ev.n) {
		p = event_at(mr, mr->next, &len);
		rc = http_res_stream_write(mr->res, p, len);
		if (rc == HTTP_EFULL)
			return; /* on_drain resumes */
		if (rc < 0) {
			req_over(mr);
			return;
		}
		mr->next++;
		if (rc == 1)
			return;
		if (mr->m->chunk_delay_ms && mr->next < mr->ev.n) {
			uv_timer_start(&mr->timer, on_tick, mr->m->chunk_delay_ms, 0);
			return;
		}
	}
	if (!mr->over) {
		http_res_stream_end(mr->res);
		req_over(mr);
	}
}

static void respond(struct mock_req *mr)
{
	size_t len;
	const char *p;

	if (mr->over)
		return;
	if (!mr->stream) {
		p = event_at(mr, 0, &len);
		http_res_send(mr->res, mr->status, mr->ctype, p, len);
		req_over(mr);
		return;
	}
	if (http_res_stream_start(mr->res, mr->status, mr->ctype)) {
		req_over(mr);
		return;
	}
	pump(mr);
}

static void on_delay(uv_timer_t *t)
{
	respond(t->data);
}

/* Route a parsed request to its renderer; 404 when nothing matches. */
static int render(struct mock_req *mr, const struct http_request *req,
		  struct mock_reply *r, const struct body_info *bi, int *status)
{
	const char *p = req->path, *colon;
	int post = !strcmp(req->method, "POST");

	*status = 200;
	mr->stream = 0;
	if (post && !strcmp(p, "/v1/messages"))
		return mock_render_anthropic(r, mr->stream = bi->stream, &mr->ev);
	if (post && !strcmp(p, "/v1/messages/count_tokens"))
		return mock_render_count_tokens(r, &mr->ev);
	if (post && !strcmp(p, "/v1/chat/completions"))
		return mock_render_chat(r, mr->stream = bi->stream, &mr->ev);
	if (post && !strcmp(p, "/v1/responses"))
		return mock_render_responses(r, mr->stream = bi->stream, &mr->ev);
	if (!strcmp(req->method, "GET") && !strcmp(p, "/v1/models"))
		return mock_render_models(r, &mr->ev);
	colon = strrchr(p, ':');
	if (post && colon && api_of(req) == MOCK_GEMINI) {
		if (!strcmp(colon, ":generateContent"))
			return mock_render_gemini(r, 0, &mr->ev);
		if (!strcmp(colon, ":streamGenerateContent")) {
			mr->stream = 1;
			return mock_render_gemini(r, 1, &mr->ev);
		}
	}
	*status = 404;
	return 0;
}

/* The model a Gemini path names: /v1beta/models/{model}:method. */
static int gemini_model(const char *path, struct buf *out)
{
	const char *m = strstr(path, "/models/"), *colon;

	if (!m)
		return 0;
	m += 8;
	colon = strchr(m, ':');
	return buf_add(out, m, colon ? (size_t)(colon - m) : strlen(m));
}

static int has_param(const char *query, const char *param)
{
	size_t n = strlen(param);
	const char *q = query;

	while (q && *q) {
		if (!strncmp(q, param, n) && (q[n] == '&' || !q[n]))
			return 1;
		q = strchr(q, '&');
		q = q ? q + 1 : NULL;
	}
	return 0;
}

static void fill_reply(struct mock *m, const struct http_request *req,
		       struct body_info *bi, struct mock_reply *r)
{
	if (!bi->model.len && api_of(req) == MOCK_GEMINI)
		gemini_model(req->path, &bi->model);
	r->model = bi->model.len ? bi->model.data : "mock-model";
	r->text = m->reply;
	/* Plausible usage: about four bytes a token, as the tokenizers go. */
	r->input_tokens = req->body_len / 4 + 1;
	r->output_tokens = strlen(m->reply) / 4 + 1;
	r->seq = ++m->seq;
	r->created = (long long)time(NULL);
	r->include_usage = bi->include_usage;
	r->sse = req->query && has_param(req->query, "alt=sse");
}

/* Start the answer: now, or after --delay-ms. */
static void start(struct mock *m, struct http_response *res, struct mock_req *mr)
{
	uv_timer_init(m->loop, &mr->timer);
	mr->timer.data = mr;
	http_res_callbacks(res, on_drain, on_cancel, mr);
	if (m->delay_ms)
		uv_timer_start(&mr->timer, on_delay, m->delay_ms, 0);
	else
		respond(mr);
}

/* Streams are SSE, except Gemini's without alt=sse: one JSON array. */
static const char *content_type(const struct mock_req *mr)
{
	if (mr->stream && mr->ev.data.len && mr->ev.data.data[0] != '[')
		return "text/event-stream";
	return "application/json";
}

static void handle(struct http_request *req, struct http_response *res, void *ctx)
{
	struct mock *m = ctx;
	struct body_info bi = { 0, 0, 0, { 0 } };
	struct mock_reply r = { 0 };
	struct mock_req *mr = NULL;
	char msg[300];
	int status = 400;

	m->requests++;
	buf_init(&bi.model, 4096);
	if (m->rec && mock_record(m->rec, req, msg, sizeof(msg))) {
		if (m->log)
			fprintf(m->log, "overt mock: %s\n", msg);
		send_error(m, req, res, 500, "the mock could not record this request");
		goto out;
	}
	if (!strcmp(req->method, "POST") && parse_body(req, &bi, msg, sizeof(msg))) {
		send_error(m, req, res, 400, msg);
		goto out;
	}
	mr = calloc(1, sizeof(*mr));
	if (!mr) {
		send_error(m, req, res, 500, "out of memory");
		goto out;
	}
	mr->m = m;
	mr->res = res;
	buf_init(&mr->ev.data, 8 << 20);
	fill_reply(m, req, &bi, &r);
	if (render(mr, req, &r, &bi, &status)) {
		send_error(m, req, res, 500, "cannot render the reply");
	} else if (status == 404) {
		snprintf(msg, sizeof(msg), "the mock has no %s %.200s", req->method, req->path);
		send_error(m, req, res, 404, msg);
	} else {
		mr->status = status;
		mr->ctype = content_type(mr);
		start(m, res, mr);
		mr = NULL;
	}
out:
	if (mr) {
		buf_release(&mr->ev.data);
		free(mr);
	}
	buf_release(&bi.model);
}

static void on_error(struct http_request *req, struct http_response *res, int status,
		     const char *message, void *ctx)
{
	struct mock *m = ctx;

	m->requests++;
	send_error(m, req, res, status, message);
}

/* Control characters and non-ASCII in a logged path become '?'. */
static void clean(char *dst, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < n; i++)
		dst[i] = ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F) ? '?' : s[i];
	dst[i] = '\0';
}

static void on_done(const struct http_request *req, const struct http_summary *sum,
		    void *ctx)
{
	struct mock *m = ctx;
	char path[200];

	if (!m->log)
		return;
	clean(path, sizeof(path), req->path ? req->path : "-");
	fprintf(m->log, "overt mock: %s %s %d %llu bytes %llu ms%s\n",
		req->method ? req->method : "-", path, sum->status,
		(unsigned long long)sum->bytes_out, (unsigned long long)sum->ms,
		sum->cancelled ? " (client gone)" : "");
	fflush(m->log);
}

int mock_new(uv_loop_t *loop, const struct mock_config *cfg, struct mock **out,
	     char *err, size_t errlen)
{
	struct mock *m = calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (!m || !(m->reply = strdup(cfg->reply ? cfg->reply : "ok"))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return HTTP_ENOMEM;
	}
	m->loop = loop;
	m->delay_ms = cfg->delay_ms;
	m->chunk_delay_ms = cfg->chunk_delay_ms;
	m->log = cfg->log;
	if (cfg->record_dir) {
		rc = mock_recorder_open(cfg->record_dir, &m->rec, err, errlen);
		if (rc) {
			free(m->reply);
			free(m);
			return rc;
		}
	}
	*out = m;
	return 0;
}

void mock_http_config(struct mock *m, struct http_config *cfg)
{
	cfg->handler = handle;
	cfg->error = on_error;
	cfg->done = on_done;
	cfg->ctx = m;
}

unsigned long mock_requests(const struct mock *m)
{
	return m->requests;
}

void mock_free(struct mock *m)
{
	if (!m)
		return;
	mock_recorder_close(m->rec);
	free(m->reply);
	free(m);
}
