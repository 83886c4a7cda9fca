/* SPDX-License-Identifier: MIT */
/*
 * connect.c - CONNECT tunnels to allowed hosts, each attempt recorded.
 *
 * The decision is a plain function (connect_allowed) of the request target
 * and the allow list; the audit event is written whatever it says, so the
 * log shows what an agent tried, not only what it got.  An allowed tunnel
 * takes the client's connection over from the HTTP core (http.c parks the
 * request, with the bytes that came after its head in `pending`) and
 * relays bytes both ways with back-pressure: reading from one side stops
 * while the other side has TUNNEL_QUEUE_MAX bytes waiting.  Nothing in the
 * tunnel is parsed or decrypted.
 *
 * Ending: when one side sends EOF, the other side's write half is shut
 * (the half-close is passed on) and the other direction goes on while it
 * moves bytes; when both are done, or it has been quiet for
 * TUNNEL_DRAIN_MS, both connections close.  The proxy's graceful stop
 * waits for responses in flight, and a tunnel looks like one forever; the
 * core does not tell us it is stopping, so a tick checks the server's flag
 * and ends a tunnel that is half-closed or has been quiet for
 * TUNNEL_STOP_QUIET_MS (one still moving bytes gets until the deadline).
 * Each end is logged with the bytes each way and who closed first.
 *
 * Life cycle: the client's connection belongs to the core.  We end a
 * tunnel by finishing the response ourselves and closing the connection;
 * the core calls our cancel callback only when it closes the connection
 * on its own (its stop deadline).  The tunnel is freed once the client is
 * gone and its own handles (upstream, tick) and shutdown requests are done.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "proxy/connect.h"
#include "proxy/http_int.h"
#include "util/banned.h"

#define TUNNEL_QUEUE_MAX ((size_t)1 << 20)
#define TUNNEL_READ ((size_t)64 << 10)
#define TUNNEL_DRAIN_MS 2000       /* after one side's EOF: the other's quiet limit */
#define TUNNEL_STOP_QUIET_MS 200   /* quiet this long while stopping: end */
#define TUNNEL_TICK_MS 100

enum tunnel_phase { T_RESOLVING, T_CONNECTING, T_OPEN };

struct tunnel {
	const struct connect_policy *pol;
	struct http_conn *c;
	enum tunnel_phase phase;
	int cancelled;
	int up_init;              /* the upstream handle exists */
	int client_eof, up_eof;
	int up_reading, client_reading;
	int refs;                 /* our open handles and shutdowns in flight */
	const char *first_eof;    /* "client" or "upstream", NULL while open */
	uint64_t up_bytes, down_bytes;
	uint64_t open_ms, eof_ms, active_ms;
	uv_timer_t tick;
	int tick_init;
	uv_getaddrinfo_t gai;
	uv_connect_t conn;
	uv_shutdown_t up_sd, client_sd;
	uv_tcp_t up;
	char host[256];
	unsigned port;
	char target[300];
	char client[64];
	char ubuf[TUNNEL_READ];
	char cbuf[TUNNEL_READ];
};

struct twrite {
	uv_write_t w;
	struct tunnel *t;
	char data[];
};

/* ---- the policy: plain functions ---- */

static bool host_char(int ch)
{
	return isalnum(ch) || ch == '.' || ch == '-' || ch == '_';
}

int connect_parse_target(const char *target, char *host, size_t hostlen, unsigned *port)
{
	const char *colon, *h = target, *end;
	unsigned long p;
	char *stop;
	size_t n;

	if (!target)
		return -1;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end || end[1] != ':')
			return -1;
		h++;
		colon = end + 1;
		for (n = 0; h + n < end; n++)
			if (!isxdigit((unsigned char)h[n]) && h[n] != ':' && h[n] != '.')
				return -1;
	} else {
		colon = strrchr(h, ':');
		if (!colon)
			return -1;
		end = colon;
		for (n = 0; h + n < end; n++)
			if (!host_char((unsigned char)h[n]))
				return -1;
	}
	n = (size_t)(end - h);
	if (!n || n >= hostlen || !isdigit((unsigned char)colon[1]))
		return -1;
	p = strtoul(colon + 1, &stop, 10);
	if (*stop || p < 1 || p > 65535)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (unsigned)p;
	return 0;
}

/* One allow-list entry against host and port. */
static bool entry_matches(const char *e, const char *host, unsigned port)
{
	char name[256];
	const char *colon, *pat;
	size_t n, hl = strlen(host);
	unsigned want = 443;

	if (*e == '[') {
		colon = strchr(e, ']');
		colon = colon && colon[1] == ':' ? colon + 1 : NULL;
		pat = e + 1;
		n = colon ? (size_t)(colon - 1 - pat) : strcspn(pat, "]");
	} else {
		colon = strrchr(e, ':');
		pat = e;
		n = colon ? (size_t)(colon - e) : strlen(e);
	}
	if (colon && strcmp(colon + 1, "*")) {
		char *stop;
		unsigned long p = strtoul(colon + 1, &stop, 10);

		if (*stop || !p || p > 65535)
			return false;
		want = (unsigned)p;
	}
	if ((!colon || strcmp(colon + 1, "*")) && port != want)
		return false;
	if (n >= sizeof(name))
		return false;
	memcpy(name, pat, n);
	name[n] = '\0';
	if (name[0] == '*' && name[1] == '.')  /* subdomains, not the name itself */
		return hl > n - 1 && !strcasecmp(host + hl - (n - 1), name + 1);
	return !strcasecmp(name, host);
}

bool connect_allowed(const struct connect_policy *pol, const char *host, unsigned port)
{
	size_t i;

	for (i = 0; i < pol->nallow; i++)
		if (entry_matches(pol->allow[i], host, port))
			return true;
	return false;
}

static void record(const struct connect_policy *pol, const char *client, const char *target,
		   const char *verdict, const char *detail)
{
	struct audit_event ev = { 0 };
	struct timespec now;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	ev.time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	ev.kind = "connect";
	ev.client = client;
	ev.target = target;
	ev.verdict = verdict;
	ev.detail = detail;
	if (pol->log)
		fprintf(pol->log, "overt: CONNECT %s: %s (%s)\n", target, verdict, detail);
	if (pol->audit && (rc = audit_submit_event(pol->audit, &ev)) && pol->log)
		fprintf(pol->log, "overt: CONNECT %s not recorded in the audit log: %s\n",
			target, audit_strerror(rc));
}

static void refuse(struct http_response *res, int status, const char *msg)
{
	res->conn->keep_alive = 0;
	http_res_send(res, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

/* ---- the tunnel ---- */

static void release(struct tunnel *t)
{
	if (--t->refs == 0)
		free(t);
}

static void handle_closed(uv_handle_t *h)
{
	release(h->data);
}

/* The client is gone (or never had a tunnel): close what is ours. */
static void tunnel_free(struct tunnel *t)
{
	t->refs++; /* not freed by a close callback run from here */
	if (t->up_init)
		uv_close((uv_handle_t *)&t->up, handle_closed);
	if (t->tick_init)
		uv_close((uv_handle_t *)&t->tick, handle_closed);
	release(t);
}

/* "closed (client closed first; 12 bytes up, 3400 down, 1520 ms)", to the
 * log and the audit log, so a tunnel's end is as visible as its start. */
static void record_end(struct tunnel *t, const char *how)
{
	struct audit_event ev = { 0 };
	struct timespec now;
	char detail[256];
	uint64_t ms = uv_now(t->pol->loop) - t->open_ms;

	snprintf(detail, sizeof(detail), "%s; %llu bytes up, %llu down, %llu ms", how,
		 (unsigned long long)t->up_bytes, (unsigned long long)t->down_bytes,
		 (unsigned long long)ms);
	if (t->pol->log)
		fprintf(t->pol->log, "overt: CONNECT %s: closed (%s)\n", t->target, detail);
	clock_gettime(CLOCK_REALTIME, &now);
	ev.time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	ev.kind = "connect.end";
	ev.client = t->client;
	ev.target = t->target;
	ev.verdict = "closed";
	ev.detail = detail;
	if (t->pol->audit)
		audit_submit_event(t->pol->audit, &ev);
}

/* The core closed the client's connection (its stop deadline); after
 * this, t->c is gone. */
static void on_cancel(void *arg)
{
	struct tunnel *t = arg;

	t->cancelled = 1;
	t->c = NULL;
	if (t->phase == T_RESOLVING) {
		uv_cancel((uv_req_t *)&t->gai); /* on_resolved frees */
		return;
	}
	if (t->phase == T_OPEN)
		record_end(t, "cut by the proxy's stop");
	tunnel_free(t);
}

/* End an open tunnel: the response is over (not cancelled: the access log
 * shows the status and the bytes sent to the client), both sides close.
 * @then says why, when it is not that both sides closed. */
static void tunnel_finish(struct tunnel *t, const char *then)
{
	struct http_conn *c = t->c;
	char why[128];

	if (!c || t->cancelled)
		return;
	if (t->first_eof)
		snprintf(why, sizeof(why), "%s closed first%s%s", t->first_eof,
			 then ? ", then " : "", then ? then : "");
	else
		snprintf(why, sizeof(why), "%s", then ? then : "closed");
	record_end(t, why);
	t->cancelled = 1;
	t->c = NULL;
	http_res_callbacks(&c->res, NULL, NULL, NULL);
	c->res.state = RES_DONE;
	http_res_summary(c, 0);
	http_conn_close(c);
	tunnel_free(t);
}

static void tunnel_end(struct tunnel *t)
{
	tunnel_finish(t, "a read or write error");
}

/* Half-closed and quiet too long, or the server is stopping and we are
 * quiet.  The drain counts from the last byte, not from the EOF: a client
 * that half-closes after its request still gets a long download whole. */
static void on_tick(uv_timer_t *tm)
{
	struct tunnel *t = tm->data;
	uint64_t now = uv_now(t->pol->loop);
	uint64_t last = t->eof_ms > t->active_ms ? t->eof_ms : t->active_ms;

	if (t->cancelled || !t->c)
		return;
	if (t->first_eof && now - last >= TUNNEL_DRAIN_MS)
		tunnel_finish(t, "the other side quiet for 2 s");
	else if (t->c->srv->stopping && (t->first_eof || now - t->active_ms >= TUNNEL_STOP_QUIET_MS))
		tunnel_finish(t, "the proxy stopping");
}

/* One side sent EOF: note who, and start the drain clock. */
static void side_eof(struct tunnel *t, const char *who)
{
	if (t->first_eof)
		return;
	t->first_eof = who;
	t->eof_ms = uv_now(t->pol->loop);
}

static void up_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);
static void client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

static void up_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct tunnel *t = h->data;

	(void)hint;
	*b = uv_buf_init(t->ubuf, sizeof(t->ubuf));
}

static void client_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct http_conn *c = h->data;
	struct tunnel *t = c->res.arg;

	(void)hint;
	*b = uv_buf_init(t->cbuf, sizeof(t->cbuf));
}

static void up_reading(struct tunnel *t, int on)
{
	if (t->cancelled || t->up_eof || on == t->up_reading)
		return;
	t->up_reading = on;
	if (on ? uv_read_start((uv_stream_t *)&t->up, up_alloc, up_read)
	       : uv_read_stop((uv_stream_t *)&t->up))
		tunnel_end(t);
}

static void client_reading(struct tunnel *t, int on)
{
	if (t->cancelled || t->client_eof || on == t->client_reading)
		return;
	t->client_reading = on;
	if (on ? uv_read_start(&t->c->h.stream, client_alloc, client_read)
	       : uv_read_stop(&t->c->h.stream))
		tunnel_end(t);
}

/* The core calls this when the client's write queue is down to half. */
static void on_drain(void *arg)
{
	up_reading(arg, 1);
}

static void up_written(uv_write_t *w, int status)
{
	struct twrite *r = w->data;
	struct tunnel *t = r->t;

	free(r);
	if (t->cancelled)
		return;
	t->active_ms = uv_now(t->pol->loop);
	if (status < 0)
		tunnel_end(t);
	else if (uv_stream_get_write_queue_size((uv_stream_t *)&t->up) < TUNNEL_QUEUE_MAX / 2)
		client_reading(t, 1);
}

static int to_upstream(struct tunnel *t, const char *p, size_t n)
{
	struct twrite *r = malloc(sizeof(*r) + n);
	uv_buf_t b;

	if (!r)
		return -1;
	memcpy(r->data, p, n);
	t->up_bytes += n;
	r->t = t;
	r->w.data = r;
	b = uv_buf_init(r->data, (unsigned)n);
	if (uv_write(&r->w, (uv_stream_t *)&t->up, &b, 1, up_written)) {
		free(r);
		return -1;
	}
	if (uv_stream_get_write_queue_size((uv_stream_t *)&t->up) >= TUNNEL_QUEUE_MAX)
		client_reading(t, 0);
	return 0;
}

/* A shut write half: when both directions are done, the tunnel is. */
static void both_done(uv_shutdown_t *sd, int status)
{
	struct tunnel *t = sd->data;

	if (!t->cancelled && status < 0)
		tunnel_end(t);
	else if (!t->cancelled && t->client_eof && t->up_eof)
		tunnel_finish(t, NULL);
	release(t);
}

static int shut(struct tunnel *t, uv_shutdown_t *sd, uv_stream_t *s)
{
	sd->data = t;
	if (uv_shutdown(sd, s, both_done))
		return -1;
	t->refs++;
	return 0;
}

static void client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct http_conn *c = s->data;
	struct tunnel *t = c->res.arg;

	if (n == 0 || t->cancelled)
		return;
	if (n < 0) {
		/* The client is done sending: pass the half-close on. */
		client_reading(t, 0);
		t->client_eof = 1;
		side_eof(t, "client");
		if (n != UV_EOF || shut(t, &t->up_sd, (uv_stream_t *)&t->up))
			tunnel_end(t);
		return;
	}
	t->active_ms = uv_now(t->pol->loop);
	if (to_upstream(t, b->base, (size_t)n))
		tunnel_end(t);
}

static void up_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct tunnel *t = s->data;
	struct http_conn *c = t->c;
	char *copy;

	if (n == 0 || t->cancelled)
		return;
	if (n < 0) {
		up_reading(t, 0);
		t->up_eof = 1;
		side_eof(t, "upstream");
		if (n != UV_EOF || shut(t, &t->client_sd, &c->h.stream))
			tunnel_end(t);
		return;
	}
	t->active_ms = uv_now(t->pol->loop);
	t->down_bytes += (uint64_t)n;
	copy = malloc((size_t)n);
	if (!copy) {
		tunnel_end(t);
		return;
	}
	memcpy(copy, b->base, (size_t)n);
	c->res.bytes_out += (uint64_t)n;
	if (http_write_raw(c, copy, (size_t)n)) {
		tunnel_end(t);
		return;
	}
	if (c->queued >= c->srv->cfg.write_queue_max) {
		c->res.want_drain = 1;
		up_reading(t, 0);
	}
}

/* Connected: answer 200, send what the client sent early, relay. */
static void open_tunnel(struct tunnel *t)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	struct http_conn *c = t->c;
	char *head = malloc(sizeof(ok) - 1);

	t->phase = T_OPEN;
	t->open_ms = t->active_ms = uv_now(t->pol->loop);
	record(t->pol, t->client, t->target, "allow", "tunnel open");
	uv_timer_init(t->pol->loop, &t->tick);
	t->tick.data = t;
	t->tick_init = 1;
	t->refs++;
	uv_timer_start(&t->tick, on_tick, TUNNEL_TICK_MS, TUNNEL_TICK_MS);
	/* The core sees a stream in progress: its drain callback and the
	 * cancel on close work for us; no chunked framing is written. */
	c->res.state = RES_STREAM;
	c->res.status = 200;
	c->res.chunked = 0;
	if (!head) {
		tunnel_end(t);
		return;
	}
	memcpy(head, ok, sizeof(ok) - 1);
	if (http_write_raw(c, head, sizeof(ok) - 1) ||
	    (c->pending.len && to_upstream(t, c->pending.data, c->pending.len))) {
		tunnel_end(t);
		return;
	}
	buf_reset(&c->pending);
	/* The core reads no more: the bytes are the tunnel's. */
	uv_read_stop(&c->h.stream);
	c->reading = 0;
	client_reading(t, 1);
	up_reading(t, 1);
}

static void fail_tunnel(struct tunnel *t, int status, const char *why)
{
	char msg[512];

	record(t->pol, t->client, t->target, "error", why);
	snprintf(msg, sizeof(msg), "overt: cannot reach %s: %s\n", t->target, why);
	http_res_callbacks(&t->c->res, NULL, NULL, NULL);
	refuse(&t->c->res, status, msg);
	tunnel_free(t);
}

static void on_connected(uv_connect_t *req, int status)
{
	struct tunnel *t = req->data;

	if (t->cancelled)
		return; /* the handle is closed; its close callback frees */
	if (status < 0) {
		fail_tunnel(t, 502, uv_strerror(status));
		return;
	}
	open_tunnel(t);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
	struct tunnel *t = req->data;
	uv_loop_t *loop = t->pol->loop;
	int rc;

	if (t->cancelled) {
		uv_freeaddrinfo(ai);
		free(t);
		return;
	}
	if (status < 0 || !ai) {
		uv_freeaddrinfo(ai);
		fail_tunnel(t, 502, status < 0 ? uv_strerror(status) : "no address");
		return;
	}
	uv_tcp_init(loop, &t->up);
	t->up.data = t;
	t->up_init = 1;
	t->refs++;
	t->phase = T_CONNECTING;
	t->conn.data = t;
	rc = uv_tcp_connect(&t->conn, &t->up, ai->ai_addr, on_connected);
	uv_freeaddrinfo(ai);
	if (rc)
		fail_tunnel(t, 502, uv_strerror(rc));
	else
		uv_tcp_nodelay(&t->up, 1);
}

void connect_handle(const struct connect_policy *pol, struct http_request *req,
		    struct http_response *res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct tunnel *t = calloc(1, sizeof(*t));
	const char *target = req->target ? req->target : "";
	char port[8], msg[800];

	if (!t) {
		refuse(res, 503, "overt: out of memory\n");
		return;
	}
	snprintf(t->target, sizeof(t->target), "%s", target);
	snprintf(t->client, sizeof(t->client), "%s", req->peer ? req->peer : "");
	t->pol = pol;
	t->c = res->conn;
	if (connect_parse_target(target, t->host, sizeof(t->host), &t->port)) {
		record(pol, t->client, t->target, "deny", "not a host:port target");
		refuse(res, 400, "overt: CONNECT takes host:port\n");
		free(t);
		return;
	}
	if (!connect_allowed(pol, t->host, t->port)) {
		record(pol, t->client, t->target, "deny", "not in the allow list");
		snprintf(msg, sizeof(msg), "overt: CONNECT to %s is not allowed; overt run "
			 "--allow-host %s allows it\n", t->target, t->target);
		refuse(res, 403, msg);
		free(t);
		return;
	}
	http_res_callbacks(res, on_drain, on_cancel, t);
	t->gai.data = t;
	snprintf(port, sizeof(port), "%u", t->port);
	if (uv_getaddrinfo(pol->loop, &t->gai, on_resolved, t->host, port, &hints)) {
		http_res_callbacks(res, NULL, NULL, NULL);
		record(pol, t->client, t->target, "error", "cannot resolve");
		refuse(res, 502, "overt: cannot resolve the host\n");
		free(t);
	}
}

void connect_refuse_plain(const struct connect_policy *pol, struct http_request *req,
			  struct http_response *res)
{
	const char *t = req->target ? req->target : "";
	char target[300];
	size_t n = strncasecmp(t, "http://", 7) ? 0 : 7;

	/* The record keeps the scheme and authority, not the path and query,
	 * which may carry whatever the command wanted to send. */
	n += strcspn(t + n, "/?#");
	snprintf(target, sizeof(target), "%.*s", (int)(n < 256 ? n : 256), t);
	record(pol, req->peer, target, "deny", "plain HTTP through the proxy; only CONNECT "
	       "tunnels to allowed hosts");
	refuse(res, 403, "overt: plain HTTP proxying is refused; only CONNECT tunnels "
	       "(https) to allowed hosts go out\n");
}
