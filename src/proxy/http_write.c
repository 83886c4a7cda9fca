/* SPDX-License-Identifier: MIT */
/*
 * http_write.c - responses and the write queue of the HTTP core.
 *
 * Every write goes straight to uv_write, so a streamed event leaves as soon
 * as the handler writes it.  Only a stream's head waits, until its first
 * body bytes or the end of the loop turn (a check handle), whichever comes
 * first: a proxy gets the upstream's head and first event from one read,
 * and sending them as one write saves a system call and a TCP segment on
 * the way to the agent without delaying either; the bytes handed to libuv and not yet written
 * are counted per connection, and past write_queue_max the producer is told
 * to pause (and refused if it does not), so a client that stops reading
 * cannot make us buffer without bound.  While bytes are queued a stall
 * timer runs: a client that reads nothing for idle_timeout_ms is dropped
 * and the handler's cancel callback runs, as it does when a write fails
 * because the client went away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/http.h"
#include "proxy/http_int.h"
#include "util/banned.h"

struct wreq {
	uv_write_t w;
	struct http_conn *conn;
	char *data;
	size_t len;
};

void http_res_reset(struct http_response *res, struct http_conn *c)
{
	res->conn = c;
	res->state = RES_NONE;
	res->status = 0;
	res->chunked = 0;
	res->no_body = 0;
	res->length = -1;
	buf_reset(&res->head);
	res->drain = NULL;
	res->cancel = NULL;
	res->arg = NULL;
	res->want_drain = 0;
	res->bytes_out = 0;
	free(res->held);
	res->held = NULL;
	res->end_pending = 0;
}

void http_res_summary(struct http_conn *c, int cancelled)
{
	struct http_server *srv = c->srv;
	struct http_summary sum;

	if (!srv->cfg.done)
		return;
	sum.status = c->res.status;
	sum.bytes_out = c->res.bytes_out;
	sum.ms = uv_now(srv->loop) - c->req.start_ms;
	sum.cancelled = cancelled;
	srv->cfg.done(&c->req, &sum, srv->cfg.ctx);
}

void http_res_cancelled(struct http_response *res)
{
	void (*cancel)(void *) = res->cancel;

	res->state = RES_DONE;
	res->cancel = NULL;
	res->drain = NULL;
	if (cancel)
		cancel(res->arg);
	http_res_summary(res->conn, 1);
}

static void on_written(uv_write_t *w, int status)
{
	struct wreq *r = w->data;
	struct http_conn *c = r->conn;
	struct http_response *res = &c->res;

	c->queued -= r->len;
	free(r->data);
	free(r);
	if (c->closing)
		return;
	if (status < 0) {
		http_conn_close(c);
		return;
	}
	if (c->queued)
		http_conn_arm(c, c->srv->cfg.idle_timeout_ms);
	else if (c->phase == PH_HANDLING)
		uv_timer_stop(&c->timer);
	if (res->want_drain && c->queued <= c->srv->cfg.write_queue_max / 2 &&
	    res->state == RES_STREAM) {
		res->want_drain = 0;
		if (res->drain)
			res->drain(res->arg);
		return;
	}
	if (!c->queued && res->state == RES_DONE && c->phase == PH_HANDLING) {
		http_res_summary(c, 0);
		http_conn_response_done(c);
	}
}

/* Hand @data (malloc'd, taken) to libuv.  0 or HTTP_ENOMEM/HTTP_ECLOSED;
 * the data is freed in every case. */
int http_write_raw(struct http_conn *c, char *data, size_t len)
{
	struct wreq *r;
	uv_buf_t b;

	if (c->closing) {
		free(data);
		return HTTP_ECLOSED;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		free(data);
		return HTTP_ENOMEM;
	}
	r->conn = c;
	r->data = data;
	r->len = len;
	r->w.data = r;
	b = uv_buf_init(data, (unsigned)len);
	if (uv_write(&r->w, &c->h.stream, &b, 1, on_written)) {
		free(data);
		free(r);
		return HTTP_ECLOSED;
	}
	c->queued += len;
	http_conn_arm(c, c->srv->cfg.idle_timeout_ms);
	return 0;
}

static int write_buf(struct http_conn *c, struct buf *b)
{
	size_t len = b->len;
	char *data = buf_take(b);

	if (!data)
		return HTTP_ENOMEM;
	return http_write_raw(c, data, len);
}

static int valid_token(const char *s)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(tchar, *s)))
			return 0;
	return 1;
}

int http_res_header(struct http_response *res, const char *name, const char *value)
{
	if (res->state != RES_NONE || res->conn->closing)
		return HTTP_ESTATE;
	if (!valid_token(name) || strpbrk(value, "\r\n") ||
	    !strcasecmp(name, "content-length") || !strcasecmp(name, "transfer-encoding") ||
	    !strcasecmp(name, "connection"))
		return HTTP_EINVAL;
	/* Appends, not buf_printf: vsnprintf was a tenth of the proxy's
	 * instructions for a small request. */
	if (buf_adds(&res->head, name) || buf_add(&res->head, ": ", 2) ||
	    buf_adds(&res->head, value) || buf_add(&res->head, "\r\n", 2))
		return HTTP_ENOMEM;
	return 0;
}

/* The status line, the handler's headers and ours, up to the blank line. */
static int head_into(struct http_response *res, struct buf *out, int status,
		     const char *ctype)
{
	struct http_conn *c = res->conn;
	int rc;

	if (ctype && strpbrk(ctype, "\r\n"))
		return HTTP_EINVAL;
	rc = buf_printf(out, "HTTP/1.1 %d %s\r\n", status, http_status_reason(status));
	if (!rc && ctype)
		rc = buf_printf(out, "Content-Type: %s\r\n", ctype);
	if (!rc && res->head.len)
		rc = buf_add(out, res->head.data, res->head.len);
	if (!rc && (!c->keep_alive || c->srv->stopping))
		rc = buf_adds(out, "Connection: close\r\n");
	else if (!rc && c->req.http_minor == 0)
		rc = buf_adds(out, "Connection: keep-alive\r\n");
	return rc ? HTTP_ENOMEM : 0;
}

int http_res_send(struct http_response *res, int status, const char *ctype,
		  const void *body, size_t len)
{
	struct http_conn *c = res->conn;
	struct buf out;
	int rc, no_body = status == 204 || status == 304 || status < 200;
	int head_only = c->req.method && !strcmp(c->req.method, "HEAD");

	if (res->state != RES_NONE || c->closing)
		return HTTP_ESTATE;
	buf_init(&out, len + res->head.len + 4096);
	if (c->srv->stopping)
		c->keep_alive = 0;
	rc = head_into(res, &out, status, ctype);
	if (!rc && !no_body && buf_printf(&out, "Content-Length: %zu\r\n", len))
		rc = HTTP_ENOMEM;
	if (!rc && buf_adds(&out, "\r\n"))
		rc = HTTP_ENOMEM;
	if (!rc && !no_body && !head_only && len && buf_add(&out, body, len))
		rc = HTTP_ENOMEM;
	res->status = status;
	res->state = RES_DONE;
	if (!rc) {
		res->bytes_out = no_body ? 0 : len;
		rc = write_buf(c, &out);
	}
	buf_release(&out);
	if (rc)
		http_conn_close(c);
	return rc == HTTP_ECLOSED ? 0 : rc;
}

/* A Content-Length value: digits only, at most 18 of them; -1 otherwise. */
static int64_t parse_length(const char *s)
{
	int64_t v = 0;
	size_t i;

	if (!s || !*s || strlen(s) > 18)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* How the body of a streamed response is delimited, from the request, the
 * status and a length if one is known; returns the Content-Length to
 * announce, or -1. */
static int64_t stream_framing(struct http_response *res, int status, int64_t length)
{
	struct http_conn *c = res->conn;

	res->no_body = status < 200 || status == 204 || status == 304 ||
		       (c->req.method && !strcmp(c->req.method, "HEAD"));
	res->length = res->no_body ? 0 : length;
	res->chunked = !res->no_body && length < 0 && c->req.http_minor >= 1;
	if (!res->no_body && length < 0 && !res->chunked)
		c->keep_alive = 0; /* close-delimited */
	/* A reply to HEAD says how long the body would have been. */
	return status >= 200 && status != 204 ? length : -1;
}

static void on_flush(uv_check_t *h)
{
	struct http_server *srv = h->data;
	struct http_conn *c;
	char *data;
	int rc;

	while ((c = srv->flushq)) {
		srv->flushq = c->flush_next;
		c->flush_queued = 0;
		data = c->res.held;
		c->res.held = NULL;
		if (data && (rc = http_write_raw(c, data, c->res.held_len)) && rc != HTTP_ECLOSED)
			http_conn_close(c);
		if (c->res.end_pending) {
			c->res.end_pending = 0;
			if (!c->closing && !c->queued && c->res.state == RES_DONE &&
			    c->phase == PH_HANDLING) {
				http_res_summary(c, 0);
				http_conn_response_done(c);
			}
		}
	}
	uv_check_stop(h);
}

static void queue_flush(struct http_conn *c)
{
	struct http_server *srv = c->srv;

	if (!c->flush_queued) {
		c->flush_next = srv->flushq;
		srv->flushq = c;
		c->flush_queued = 1;
	}
	uv_check_start(&srv->flush, on_flush);
}

/* Keep @out (a stream's head) until the first body bytes or on_flush. */
static int hold(struct http_conn *c, struct buf *out)
{
	size_t len = out->len;
	char *data = buf_take(out);

	if (!data)
		return HTTP_ENOMEM;
	c->res.held = data;
	c->res.held_len = len;
	queue_flush(c);
	return 0;
}

/* The held head goes first into @out. */
static int add_held(struct http_response *res, struct buf *out)
{
	int rc = 0;

	if (res->held) {
		rc = buf_add(out, res->held, res->held_len);
		free(res->held);
		res->held = NULL;
	}
	return rc;
}

/* The connection is closing: drop its held head and leave the queue. */
void http_res_forget_held(struct http_conn *c)
{
	struct http_conn **p;

	free(c->res.held);
	c->res.held = NULL;
	for (p = &c->srv->flushq; c->flush_queued && *p; p = &(*p)->flush_next) {
		if (*p == c) {
			*p = c->flush_next;
			c->flush_queued = 0;
			break;
		}
	}
}

int http_res_stream_start_length(struct http_response *res, int status, const char *ctype,
				 const char *content_length)
{
	struct http_conn *c = res->conn;
	int64_t announce;
	struct buf out;
	int rc;

	if (res->state != RES_NONE || c->closing)
		return HTTP_ESTATE;
	if (c->srv->stopping)
		c->keep_alive = 0;
	buf_init(&out, res->head.len + 4096);
	announce = stream_framing(res, status, parse_length(content_length));
	rc = head_into(res, &out, status, ctype);
	if (!rc && announce >= 0)
		rc = buf_printf(&out, "Content-Length: %lld\r\n", (long long)announce);
	if (!rc && res->chunked)
		rc = buf_adds(&out, "Transfer-Encoding: chunked\r\n");
	/* An event stream must not be cached on the way; anything else keeps
	 * whatever caching headers the handler set (a proxy relays them). */
	if (!rc && ctype && !strncmp(ctype, "text/event-stream", 17) &&
	    buf_adds(&out, "Cache-Control: no-cache\r\n"))
		rc = HTTP_ENOMEM;
	if (!rc && buf_adds(&out, "\r\n"))
		rc = HTTP_ENOMEM;
	res->status = status;
	res->state = RES_STREAM;
	if (!rc)
		rc = hold(c, &out);
	buf_release(&out);
	if (rc) {
		http_conn_close(c);
		return rc;
	}
	return 0;
}

int http_res_stream_start(struct http_response *res, int status, const char *ctype)
{
	return http_res_stream_start_length(res, status, ctype, NULL);
}

/* "%zx\r\n" without printf, once per relayed chunk. */
static int add_chunk_size(struct buf *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[2 * sizeof(size_t) + 2];
	size_t i = sizeof(tmp);

	tmp[--i] = '\n';
	tmp[--i] = '\r';
	do {
		tmp[--i] = hex[len & 15];
		len >>= 4;
	} while (len);
	return buf_add(out, tmp + i, sizeof(tmp) - i);
}

int http_res_stream_write(struct http_response *res, const void *data, size_t len)
{
	struct http_conn *c = res->conn;
	size_t max = c->srv->cfg.write_queue_max;
	struct buf out;
	int rc = 0;

	if (res->state != RES_STREAM)
		return HTTP_ESTATE;
	if (c->closing)
		return HTTP_ECLOSED;
	if (c->queued >= max) {
		res->want_drain = 1;
		return HTTP_EFULL;
	}
	if (res->no_body)
		return 0;
	if (res->length >= 0 && len > (uint64_t)res->length - res->bytes_out) {
		/* More than the length announced: never let the excess reach
		 * the client, where it would read as the next response. */
		len = (size_t)((uint64_t)res->length - res->bytes_out);
		c->keep_alive = 0;
	}
	if (!len)
		return 0;
	buf_init(&out, len + 64 + (res->held ? res->held_len : 0));
	rc = add_held(res, &out);
	if (!rc && res->chunked)
		rc = add_chunk_size(&out, len);
	if (!rc)
		rc = buf_add(&out, data, len);
	if (!rc && res->chunked)
		rc = buf_adds(&out, "\r\n");
	rc = rc ? HTTP_ENOMEM : write_buf(c, &out);
	buf_release(&out);
	if (rc) {
		http_conn_close(c);
		return rc == HTTP_ENOMEM ? rc : HTTP_ECLOSED;
	}
	res->bytes_out += len;
	if (c->queued >= max) {
		res->want_drain = 1;
		return 1;
	}
	return 0;
}

int http_res_stream_end(struct http_response *res)
{
	struct http_conn *c = res->conn;
	struct buf end;
	int rc;

	if (res->state != RES_STREAM || c->closing)
		return HTTP_ESTATE;
	res->state = RES_DONE;
	res->drain = NULL;
	res->cancel = NULL;
	/* Shorter than announced: only closing tells the client. */
	if (res->length >= 0 && res->bytes_out < (uint64_t)res->length)
		c->keep_alive = 0;
	/* Close-delimited: the end of the stream is the end of the
	 * connection; sized: the length ends it; chunked: the last chunk. */
	if (!res->chunked && res->length < 0)
		c->keep_alive = 0;
	buf_init(&end, 16 + (res->held ? res->held_len : 0));
	rc = add_held(res, &end);
	if (!rc && res->chunked)
		rc = buf_add(&end, "0\r\n\r\n", 5);
	if (!rc && !end.len) {
		/* Nothing to write: the last write in flight finishes the
		 * response, or, with none, on_flush does at the end of this
		 * loop turn (not here, inside the handler's call). */
		res->end_pending = !c->queued;
		if (res->end_pending)
			queue_flush(c);
	} else {
		rc = rc ? HTTP_ENOMEM : write_buf(c, &end);
	}
	buf_release(&end);
	if (rc && rc != HTTP_ECLOSED) {
		http_conn_close(c);
		return rc;
	}
	return 0;
}

void http_res_abort(struct http_response *res)
{
	res->cancel = NULL;
	res->drain = NULL;
	http_conn_close(res->conn);
}

void http_res_callbacks(struct http_response *res, void (*drain)(void *arg),
			void (*cancel)(void *arg), void *arg)
{
	res->drain = drain;
	res->cancel = cancel;
	res->arg = arg;
}

uint8_t *http_request_body_take(struct http_response *res)
{
	struct http_conn *c = res->conn;

	if (!c->body.len || c->req.body != (const uint8_t *)c->body.data)
		return NULL;
	c->req.body = (const uint8_t *)"";
	c->req.body_len = 0;
	return (uint8_t *)buf_take(&c->body);
}

struct http_request *http_res_request(struct http_response *res)
{
	return &res->conn->req;
}

const char *http_status_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 529: return "Overloaded";
	default: return "";
	}
}
