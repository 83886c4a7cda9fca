/* SPDX-License-Identifier: MIT */
/*
 * http.c - listening, accepting, reading and parsing for the HTTP/1.1 core.
 *
 * Each connection reads into its own buffer and feeds llhttp one request at
 * a time: on_message_complete pauses the parser, the handler runs, and the
 * bytes already read behind that request wait in a bounded pending buffer
 * until the response has been written.  Before llhttp sees a byte of the
 * head, our own scanner checks it: llhttp in its default (non-strict) build
 * accepts bare LF line ends and obsolete line folding, both of which let a
 * front end and a back end disagree about where a header ends, so we refuse
 * them here.  llhttp's lenient flags stay off, which keeps its refusals of
 * Content-Length with Transfer-Encoding, duplicate Content-Length and bad
 * chunk sizes.  Responses and the write queue are in http_write.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>

#include "proxy/http.h"
#include "proxy/http_int.h"
#include "util/banned.h"

#define DEF_MAX_BODY ((size_t)32 << 20)
#define DEF_MAX_HEADERS 100
#define DEF_MAX_HEADER_BYTES ((size_t)64 << 10)
#define DEF_HEADER_TIMEOUT 10000
#define DEF_IDLE_TIMEOUT 60000
#define DEF_WRITE_QUEUE ((size_t)1 << 20)
#define LINGER_MS 2000
#define PENDING_PAUSE ((size_t)64 << 10)
#define BODY_RESERVE_MAX ((size_t)4 << 20)

static int on_message_begin(llhttp_t *p);
static int on_url(llhttp_t *p, const char *at, size_t n);
static int on_url_complete(llhttp_t *p);
static int on_header_field(llhttp_t *p, const char *at, size_t n);
static int on_header_field_complete(llhttp_t *p);
static int on_header_value(llhttp_t *p, const char *at, size_t n);
static int on_header_value_complete(llhttp_t *p);
static int on_headers_complete(llhttp_t *p);
static int on_body(llhttp_t *p, const char *at, size_t n);
static int on_message_complete(llhttp_t *p);

static llhttp_settings_t settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_url_complete = on_url_complete,
	.on_header_field = on_header_field,
	.on_header_field_complete = on_header_field_complete,
	.on_header_value = on_header_value,
	.on_header_value_complete = on_header_value_complete,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

static void feed(struct http_conn *c, const char *p, size_t n);

/* ---- parser callbacks ---------------------------------------------- */

/* A parser callback refuses the request: the status and message are kept
 * for fail(), and llhttp stops with HPE_USER. */
static int refuse(llhttp_t *p, int status, const char *msg)
{
	struct http_conn *c = p->data;

	c->err_status = status;
	c->err_msg = msg;
	llhttp_set_error_reason(p, msg);
	return HPE_USER;
}

static int on_message_begin(llhttp_t *p)
{
	struct http_conn *c = p->data;

	buf_reset(&c->head);
	buf_reset(&c->body);
	c->url_end = 0;
	c->nhdr = 0;
	return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n)
{
	struct http_conn *c = p->data;

	if (buf_add(&c->head, at, n))
		return refuse(p, 431, "request line too long");
	return 0;
}

static int on_url_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;

	c->url_end = c->head.len;
	if (buf_addc(&c->head, '\0'))
		return refuse(p, 431, "request line too long");
	return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
	struct http_conn *c = p->data;

	if (c->nhdr >= c->srv->cfg.max_headers)
		return refuse(p, 431, "too many header fields");
	if (c->hdr_off[2 * c->nhdr] == SIZE_MAX)
		c->hdr_off[2 * c->nhdr] = c->head.len;
	if (buf_add(&c->head, at, n))
		return refuse(p, 431, "header fields too large");
	return 0;
}

static int on_header_field_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;

	if (c->hdr_off[2 * c->nhdr] == SIZE_MAX)
		c->hdr_off[2 * c->nhdr] = c->head.len;
	if (buf_addc(&c->head, '\0'))
		return refuse(p, 431, "header fields too large");
	c->hdr_off[2 * c->nhdr + 1] = c->head.len;
	return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
	struct http_conn *c = p->data;

	if (buf_add(&c->head, at, n))
		return refuse(p, 431, "header fields too large");
	return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;

	if (buf_addc(&c->head, '\0'))
		return refuse(p, 431, "header fields too large");
	c->nhdr++;
	if (c->nhdr < c->srv->cfg.max_headers)
		c->hdr_off[2 * c->nhdr] = SIZE_MAX;
	return 0;
}

/* Point the request at the head buffer; nothing may be added to it after. */
static int build_request(struct http_conn *c)
{
	struct http_request *r = &c->req;
	size_t path_off = 0, i, qlen = 0;
	const char *q = NULL;
	char *copy;
	int has_query = 0, rc;

	if (c->url_end) {
		q = memchr(c->head.data, '?', c->url_end);
		has_query = q != NULL;
		qlen = q ? (size_t)(q - c->head.data) : c->url_end;
		path_off = c->head.len;
		/* Copy through a temporary: buf_add may move the buffer the
		 * source lies in. */
		copy = malloc(qlen + 1);
		if (!copy)
			return HTTP_ENOMEM;
		memcpy(copy, c->head.data, qlen);
		copy[qlen] = '\0';
		rc = buf_add(&c->head, copy, qlen + 1);
		free(copy);
		if (rc)
			return HTTP_ENOMEM;
	}
	r->method = llhttp_method_name((llhttp_method_t)c->parser.method);
	r->target = c->url_end ? c->head.data : NULL;
	r->path = c->url_end ? c->head.data + path_off : NULL;
	r->query = has_query ? c->head.data + qlen + 1 : NULL;
	for (i = 0; i < c->nhdr; i++) {
		c->hdrs[i].name = c->head.data + c->hdr_off[2 * i];
		c->hdrs[i].value = c->head.data + c->hdr_off[2 * i + 1];
	}
	r->headers = c->hdrs;
	r->nheaders = c->nhdr;
	r->http_minor = c->parser.http_minor;
	return 0;
}

/* The token a header carries: "Bearer T" in Proxy-Authorization, the
 * whole value of X-Overt-Token; NULL for other headers. */
static const char *token_in(const struct http_header *h)
{
	if (!strcasecmp(h->name, "x-overt-token"))
		return h->value;
	if (!strcasecmp(h->name, "proxy-authorization") && !strncasecmp(h->value, "bearer ", 7))
		return h->value + 7 + strspn(h->value + 7, " ");
	return NULL;
}

/*
 * With an access token configured, a request passes when one of its token
 * headers matches; the headers that carry tokens are then dropped and
 * their values wiped, so neither the handler nor the upstream sees them.
 * The comparison is of SHA-256 hashes with CRYPTO_memcmp: constant time.
 */
static int access_ok(struct http_conn *c)
{
	struct http_request *r = &c->req;
	unsigned char h[32];
	const char *t;
	size_t i, kept = 0;
	int ok = 0;

	if (!c->srv->has_token)
		return 1;
	for (i = 0; i < r->nheaders; i++) {
		if (!(t = token_in(&c->hdrs[i])))
			continue;
		if (!http_token_hash(t, strlen(t), h) &&
		    !CRYPTO_memcmp(h, c->srv->token_hash, sizeof(h)))
			ok = 1;
	}
	for (i = 0; i < r->nheaders; i++) {
		if (!strcasecmp(c->hdrs[i].name, "x-overt-token") ||
		    !strcasecmp(c->hdrs[i].name, "proxy-authorization")) {
			t = c->hdrs[i].value;
			explicit_bzero((char *)t, strlen(t));
			continue;
		}
		c->hdrs[kept++] = c->hdrs[i];
	}
	r->nheaders = kept;
	return ok;
}

static int on_headers_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;
	const char *expect;

	if (build_request(c))
		return refuse(p, 431, "header fields too large");
	if (!access_ok(c))
		return refuse(p, 401, "this proxy needs an access token: send it as "
			      "'X-Overt-Token: TOKEN' or 'Proxy-Authorization: Bearer TOKEN'");
	if (p->method == HTTP_CONNECT ? !c->srv->cfg.connect : p->upgrade)
		return refuse(p, 501, "protocol upgrades and CONNECT are not supported");
	if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->srv->cfg.max_body)
		return refuse(p, 413, "request body too large");
	/* The whole body in one block from the start: growing by doubling
	 * copied a 200 KB body about once more.  Up to a point only, so a
	 * client that announces 32 MiB and sends nothing holds little. */
	if ((p->flags & F_CONTENT_LENGTH) && p->content_length &&
	    buf_reserve(&c->body, p->content_length < BODY_RESERVE_MAX ?
			(size_t)p->content_length : BODY_RESERVE_MAX))
		return refuse(p, 500, "out of memory");
	c->phase = PH_BODY;
	http_conn_arm(c, c->srv->cfg.idle_timeout_ms);
	/* Clients that wait for "100 Continue" (curl, above 1 MiB) get it only
	 * once the size has been accepted. */
	expect = http_request_header(&c->req, "expect");
	if (expect && !strcasecmp(expect, "100-continue") && p->http_minor == 1) {
		char *cont = strdup("HTTP/1.1 100 Continue\r\n\r\n");

		if (!cont || http_write_raw(c, cont, strlen(cont)))
			return refuse(p, 500, "out of memory");
	}
	return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
	struct http_conn *c = p->data;
	int rc;

	/* Read in place by alloc_cb: the bytes are already where they go. */
	if (c->body.data && at == c->body.data + c->body.len && n < c->body.cap - c->body.len) {
		c->body.len += n;
		c->body.data[c->body.len] = '\0';
		return 0;
	}
	rc = buf_add(&c->body, at, n);

	if (rc == BUF_ETOOBIG)
		return refuse(p, 413, "request body too large");
	if (rc)
		return refuse(p, 500, "out of memory");
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;

	c->keep_alive = llhttp_should_keep_alive(p);
	/* One request at a time: stop here, hand it over, resume afterwards. */
	return HPE_PAUSED;
}

/* ---- the head scanner ---------------------------------------------- */

/*
 * Check the bytes of a request head before llhttp parses them: lines end
 * in CRLF only, no line after the request line starts with SP or HT
 * (obs-fold), and the head fits max_header_bytes.  Empty lines before the
 * request line are skipped, as RFC 9112 allows.  Sets *@used to the bytes
 * that belong to the head (all of @n, or up to the blank line included)
 * and returns 0 or the HTTP status to refuse the request with.
 */
static int head_scan(struct http_conn *c, const char *p, size_t n, size_t *used)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (++c->head_bytes > c->srv->cfg.max_header_bytes) {
			c->err_msg = "request head too large";
			return 431;
		}
		if (c->cr) {
			c->cr = 0;
			if (ch != '\n') {
				c->err_msg = "bare CR in the request head";
				return 400;
			}
			if (c->line_len == 0 && c->lines > 0) {
				*used = i + 1;
				return 0;
			}
			c->lines += c->line_len > 0;
			c->line_len = 0;
			continue;
		}
		if (ch == '\r') {
			c->cr = 1;
			continue;
		}
		if (ch == '\n') {
			c->err_msg = "bare LF in the request head";
			return 400;
		}
		if (c->line_len == 0 && c->lines > 0 && (ch == ' ' || ch == '\t')) {
			c->err_msg = "obsolete line folding in the request head";
			return 400;
		}
		c->line_len++;
	}
	*used = n;
	return 0;
}

/* ---- connection life cycle ----------------------------------------- */

static void on_timer(uv_timer_t *t);

void http_conn_arm(struct http_conn *c, unsigned ms)
{
	if (!c->closing)
		uv_timer_start(&c->timer, on_timer, ms, 0);
}

static void conn_freed(uv_handle_t *h)
{
	struct http_conn *c = h->data;
	struct http_server *srv = c->srv;

	if (--c->open_handles > 0)
		return;
	buf_release(&c->head);
	buf_release(&c->body);
	buf_release(&c->pending);
	buf_release(&c->res.head);
	free(c->hdr_off);
	free(c->hdrs);
	free(c);
	srv->nconns--;
	http_server_maybe_stopped(srv);
}

/* Close now: a response the handler still owns is cancelled first. */
void http_conn_close(struct http_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->phase == PH_HANDLING && c->res.state != RES_DONE)
		http_res_cancelled(&c->res);
	http_res_forget_held(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	uv_timer_stop(&c->timer);
	uv_close(&c->h.handle, conn_freed);
	uv_close((uv_handle_t *)&c->timer, conn_freed);
}

static void on_shutdown(uv_shutdown_t *s, int status)
{
	struct http_conn *c = s->data;

	if (status < 0)
		http_conn_close(c);
}

/*
 * Where the next read goes.  In a body of known length whose buffer is
 * reserved, straight into the body's free space, no further than the body
 * ends (so no byte of a pipelined request lands there): on_body then sees
 * its bytes already in place and copies nothing.  Otherwise rbuf.
 */
static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct http_conn *c = h->data;
	const llhttp_t *p = &c->parser;
	size_t room = c->body.cap > c->body.len ? c->body.cap - c->body.len - 1 : 0;

	(void)hint;
	if (c->phase == PH_BODY && (p->flags & F_CONTENT_LENGTH) && !(p->flags & F_CHUNKED) &&
	    p->content_length && room) {
		if (room > p->content_length)
			room = (size_t)p->content_length;
		*b = uv_buf_init(c->body.data + c->body.len, (unsigned)(room < UINT32_MAX ? room
									  : UINT32_MAX));
		return;
	}
	*b = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

/* Half-close: the client reads our last response to EOF; what it still
 * sends is read and dropped for a while, so the kernel does not answer it
 * with a reset that could destroy the response in flight. */
static void start_reading(struct http_conn *c);

static void linger(struct http_conn *c)
{
	c->phase = PH_LINGER;
	c->shutdown.data = c;
	if (uv_shutdown(&c->shutdown, &c->h.stream, on_shutdown)) {
		http_conn_close(c);
		return;
	}
	http_conn_arm(c, LINGER_MS);
	start_reading(c);
}

static void reset_request(struct http_conn *c)
{
	memset(&c->req, 0, sizeof(c->req));
	c->req.peer = c->peer;
	c->head_bytes = 0;
	c->line_len = 0;
	c->lines = 0;
	c->cr = 0;
	c->err_status = 0;
	c->err_msg = NULL;
	c->nhdr = 0;
	c->url_end = 0;
	c->hdr_off[0] = SIZE_MAX;
	buf_reset(&c->head);
	buf_release(&c->body);
	http_res_reset(&c->res, c);
}

/* The response is written: read the next request, or close. */
void http_conn_response_done(struct http_conn *c)
{
	struct buf in;

	if (!c->keep_alive || c->srv->stopping) {
		linger(c);
		return;
	}
	reset_request(c);
	c->phase = PH_IDLE;
	llhttp_resume(&c->parser);
	http_conn_arm(c, c->srv->cfg.idle_timeout_ms);
	start_reading(c);
	in = c->pending;
	buf_init(&c->pending, c->pending.max);
	feed(c, in.data, in.len);
	buf_release(&in);
}

static void default_error(struct http_request *req, struct http_response *res,
			  int status, const char *message, void *ctx)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "%d %s: %s\n", status,
			 http_status_reason(status), message);

	(void)req;
	(void)ctx;
	http_res_send(res, status, "text/plain; charset=utf-8", body,
		      n > 0 ? (size_t)n : 0);
}

/* The core refuses the request: the error callback renders it, and the
 * connection closes once it is written. */
static void fail(struct http_conn *c, int status, const char *msg)
{
	struct http_server *srv = c->srv;

	if (c->closing || c->phase == PH_HANDLING || c->phase == PH_LINGER)
		return;
	if (!c->req.path && c->url_end)
		build_request(c);
	c->req.body = (const uint8_t *)"";
	c->req.body_len = 0;
	c->keep_alive = 0;
	c->phase = PH_HANDLING;
	uv_timer_stop(&c->timer);
	if (srv->cfg.error)
		srv->cfg.error(&c->req, &c->res, status, msg, srv->cfg.ctx);
	if (!c->closing && c->res.state == RES_NONE)
		default_error(&c->req, &c->res, status, msg, NULL);
}

static void dispatch(struct http_conn *c)
{
	struct http_server *srv = c->srv;

	c->req.body = c->body.data ? (const uint8_t *)c->body.data : (const uint8_t *)"";
	c->req.body_len = c->body.len;
	c->phase = PH_HANDLING;
	uv_timer_stop(&c->timer);
	/* A CONNECT handler takes the connection over (connect.c). */
	if (c->parser.method == HTTP_CONNECT)
		srv->cfg.connect(&c->req, &c->res, srv->cfg.ctx);
	else
		srv->cfg.handler(&c->req, &c->res, srv->cfg.ctx);
}

/* The status and message for a request llhttp refused. */
static int parser_status(struct http_conn *c, llhttp_errno_t e, const char **msg)
{
	/* A refusal of ours (HPE_USER, or HPE_CB_HEADERS_COMPLETE when it
	 * came from on_headers_complete) carries its own status. */
	*msg = c->err_msg ? c->err_msg : llhttp_get_error_reason(&c->parser);
	if (c->err_status)
		return c->err_status;
	/* Not a method we do not implement (501) but not HTTP at all; a TLS
	 * handshake record starts with 0x16, which is the usual mistake. */
	if (e == HPE_INVALID_METHOD)
		*msg = c->first_byte == 0x16 ? "this port speaks plain HTTP, not TLS: use an "
		       "http:// URL for it, not https://" : "invalid request method: "
		       "this is not an HTTP/1.1 request";
	return 400;
}

/* Start a request at its first byte: the header deadline runs from here. */
static void begin_request(struct http_conn *c, char first)
{
	c->phase = PH_HEAD;
	c->first_byte = (unsigned char)first;
	c->req.id = ++c->srv->next_id;
	c->req.start_ms = uv_now(c->srv->loop);
	http_conn_arm(c, c->srv->cfg.header_timeout_ms);
}

static void feed(struct http_conn *c, const char *p, size_t n)
{
	llhttp_errno_t e;
	size_t k, used;
	const char *msg;
	int status;

	while (n && !c->closing && c->phase != PH_HANDLING && c->phase != PH_LINGER) {
		k = n;
		if (c->phase == PH_IDLE)
			begin_request(c, *p);
		if (c->phase == PH_HEAD && (status = head_scan(c, p, n, &k))) {
			fail(c, status, c->err_msg);
			return;
		}
		e = llhttp_execute(&c->parser, p, k);
		if (e == HPE_PAUSED) {
			used = (size_t)(llhttp_get_error_pos(&c->parser) - p);
			p += used;
			n -= used;
			dispatch(c);
			break;
		}
		if (e != HPE_OK) {
			status = parser_status(c, e, &msg);
			fail(c, status, msg);
			return;
		}
		p += k;
		n -= k;
	}
	if (n && !c->closing && c->phase != PH_LINGER && buf_add(&c->pending, p, n))
		http_conn_close(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct http_conn *c = s->data;

	if (nread == 0)
		return;
	if (nread < 0) {
		/* EOF or error: the client is gone (a half-close counts too:
		 * the proxy must be able to cancel its upstream). */
		http_conn_close(c);
		return;
	}
	if (c->phase == PH_LINGER)
		return;
	if (c->phase == PH_HANDLING) {
		if (buf_add(&c->pending, b->base, (size_t)nread)) {
			http_conn_close(c);
			return;
		}
		if (c->pending.len >= PENDING_PAUSE) {
			uv_read_stop(s);
			c->reading = 0;
		}
		return;
	}
	if (c->phase == PH_BODY)
		http_conn_arm(c, c->srv->cfg.idle_timeout_ms);
	feed(c, b->base, (size_t)nread);
}

static void start_reading(struct http_conn *c)
{
	if (c->reading || c->closing)
		return;
	if (uv_read_start(&c->h.stream, alloc_cb, on_read))
		http_conn_close(c);
	else
		c->reading = 1;
}

static void on_timer(uv_timer_t *t)
{
	struct http_conn *c = t->data;

	switch (c->phase) {
	case PH_HEAD:
	case PH_BODY:
		fail(c, 408, c->phase == PH_HEAD ? "request headers not received in time"
			     : "request body stalled");
		break;
	case PH_HANDLING:
		/* Armed only while writes are queued: the client stopped reading. */
		http_conn_close(c);
		break;
	default:
		http_conn_close(c);
		break;
	}
}

static void peer_name(struct http_conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";

	if (c->srv->is_unix || uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &len)) {
		snprintf(c->peer, sizeof(c->peer), "unix");
		return;
	}
	if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", ip,
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", ip,
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
}

static struct http_conn *conn_new(struct http_server *srv)
{
	const struct http_config *cfg = &srv->cfg;
	struct http_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->hdr_off = calloc(2 * (size_t)cfg->max_headers + 2, sizeof(*c->hdr_off));
	c->hdrs = calloc((size_t)cfg->max_headers + 1, sizeof(*c->hdrs));
	if (!c->hdr_off || !c->hdrs) {
		free(c->hdr_off);
		free(c->hdrs);
		free(c);
		return NULL;
	}
	c->srv = srv;
	/* Room for the head itself, the NULs between its parts and a copy
	 * of the path: the scanner refuses a larger head first. */
	buf_init(&c->head, 2 * cfg->max_header_bytes + 2 * cfg->max_headers + 64);
	buf_init(&c->body, cfg->max_body);
	buf_init(&c->pending, PENDING_PAUSE + sizeof(c->rbuf) + 1024);
	buf_init(&c->res.head, 16 << 10);
	llhttp_init(&c->parser, HTTP_REQUEST, &settings);
	c->parser.data = c;
	c->h.handle.data = c;
	c->timer.data = c;
	reset_request(c);
	return c;
}

void http_on_connection(uv_stream_t *l, int status)
{
	struct http_server *srv = l->data;
	struct http_conn *c;
	int rc;

	if (status < 0 || srv->stopping)
		return;
	c = conn_new(srv);
	if (!c)
		return;
	rc = srv->is_unix ? uv_pipe_init(srv->loop, &c->h.pipe, 0)
			  : uv_tcp_init(srv->loop, &c->h.tcp);
	if (rc) {
		http_res_reset(&c->res, c);
		buf_release(&c->res.head);
		free(c->hdr_off);
		free(c->hdrs);
		free(c);
		return;
	}
	uv_timer_init(srv->loop, &c->timer);
	c->open_handles = 2;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	if (uv_accept(l, &c->h.stream)) {
		http_conn_close(c);
		return;
	}
	/* Each SSE event must leave when it is written, not when Nagle's
	 * algorithm decides: a proxy that batches events changes timing. */
	if (!srv->is_unix)
		uv_tcp_nodelay(&c->h.tcp, 1);
	peer_name(c);
	c->phase = PH_IDLE;
	http_conn_arm(c, srv->cfg.idle_timeout_ms);
	start_reading(c);
}

/* Stopping: idle connections and half-read requests close now; those with
 * a response in flight close when it is written. */
void http_conn_stop(struct http_conn *c)
{
	c->keep_alive = 0;
	if (c->phase != PH_HANDLING)
		http_conn_close(c);
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}
