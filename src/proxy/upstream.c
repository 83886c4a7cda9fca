/* SPDX-License-Identifier: MIT */
/*
 * upstream.c - libcurl's multi interface driven by the proxy's libuv loop.
 *
 * libcurl does what we should not write by hand (TLS with certificate and
 * host name checks, HTTP/2, connection reuse); libuv tells it when its
 * sockets are ready (curl_multi_socket_action), so one thread serves the
 * agents and the upstreams alike and a reply's bytes are handed on the
 * moment they arrive.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "proxy/upstream.h"
#include "util/buf.h"
#include "util/banned.h"

#define MAX_RESPONSE_HEADERS 128

struct upstream {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	struct upstream_opts opt;
	struct upstream_req *reqs;
	struct watch *idle;         /* watches of open sockets curl is not using */
};

/*
 * A socket libcurl asked us to watch.  curl stops watching a kept-alive
 * connection between transfers and starts again on the next; the watch
 * stays (stopped, in u->idle) until curl closes the socket, because
 * creating a uv_poll costs four epoll_ctl calls and an ioctl per request.
 */
struct watch {
	uv_poll_t poll;
	curl_socket_t fd;
	struct upstream *u;
	struct watch *next;         /* in u->idle */
};

struct upstream_req {
	struct upstream *u;
	CURL *easy;
	struct curl_slist *headers;
	struct upstream_callbacks cb;
	void *arg;
	bool head_sent;
	bool finished;
	struct buf head;            /* "name\0value\0" pairs of the reply */
	char errbuf[CURL_ERROR_SIZE];
	struct upstream_req *next, *prev;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

/* libcurl must be initialised once per process, before any thread uses it;
 * this is the one global the proxy keeps, and libcurl's rule, not ours. */
static void init_curl(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int upstream_is_hop_by_hop(const char *name)
{
	static const char *const hop[] = {
		"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
		"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
	};
	size_t i;

	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (!strcasecmp(name, hop[i]))
			return 1;
	return 0;
}

static void unlink_req(struct upstream_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		r->u->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
}

static void finish(struct upstream_req *r, int error, const char *message)
{
	if (r->finished)
		return;
	r->finished = true;
	curl_multi_remove_handle(r->u->multi, r->easy);
	unlink_req(r);
	r->cb.done(r->arg, error, message);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	buf_release(&r->head);
	free(r);
}

static void check_done(struct upstream *u)
{
	struct upstream_req *r;
	char msg[CURL_ERROR_SIZE + 64];
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(u->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (m->data.result == CURLE_OK) {
			finish(r, 0, NULL);
			continue;
		}
		snprintf(msg, sizeof(msg), "%s", r->errbuf[0] ? r->errbuf
					       : curl_easy_strerror(m->data.result));
		finish(r, -(int)m->data.result, msg);
	}
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct watch *w = p->data;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(w->u->multi, w->fd, flags, &running);
	check_done(w->u);
}

static void free_watch(uv_handle_t *h)
{
	free(h->data);
}

/* Take the idle watch of @fd out of u->idle; NULL if there is none. */
static struct watch *take_idle(struct upstream *u, curl_socket_t fd)
{
	struct watch **p, *w;

	for (p = &u->idle; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			w = *p;
			*p = w->next;
			return w;
		}
	}
	return NULL;
}

/* curl closes a socket: its watch goes first, then the descriptor, so
 * no watch ever outlives the descriptor it watches. */
static int on_close_socket(void *arg, curl_socket_t fd)
{
	struct upstream *u = arg;
	struct watch *w = take_idle(u, fd);

	if (w)
		uv_close((uv_handle_t *)&w->poll, free_watch);
	return close(fd);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *uarg, void *sockp)
{
	struct upstream *u = uarg;
	struct watch *w = sockp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w) {
			uv_poll_stop(&w->poll);
			curl_multi_assign(u->multi, fd, NULL);
			w->next = u->idle;
			u->idle = w;
		}
		return 0;
	}
	if (!w && (w = take_idle(u, fd))) {
		curl_multi_assign(u->multi, fd, w);
	} else if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w || uv_poll_init_socket(u->loop, &w->poll, fd)) {
			free(w);
			return -1;
		}
		w->fd = fd;
		w->u = u;
		w->poll.data = w;
		curl_multi_assign(u->multi, fd, w);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	return uv_poll_start(&w->poll, events, on_poll) ? -1 : 0;
}

static void on_timer(uv_timer_t *t)
{
	struct upstream *u = t->data;
	int running;

	curl_multi_socket_action(u->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(u);
}

static int on_timeout(CURLM *multi, long ms, void *uarg)
{
	struct upstream *u = uarg;

	(void)multi;
	if (ms < 0)
		uv_timer_stop(&u->timer);
	else
		uv_timer_start(&u->timer, on_timer, (uint64_t)ms, 0);
	return 0;
}

int upstream_new(uv_loop_t *loop, const struct upstream_opts *opt,
		 struct upstream **out, char *err, size_t errlen)
{
	struct upstream *u;

	pthread_once(&curl_once, init_curl);
	if (curl_init_result != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl: %s",
			 curl_easy_strerror(curl_init_result));
		return UPSTREAM_ECURL;
	}
	u = calloc(1, sizeof(*u));
	if (!u || !(u->multi = curl_multi_init())) {
		free(u);
		snprintf(err, errlen, "out of memory");
		return UPSTREAM_ENOMEM;
	}
	u->loop = loop;
	if (opt)
		u->opt = *opt;
	if (!u->opt.connect_timeout_ms)
		u->opt.connect_timeout_ms = 10000;
	if (!u->opt.idle_timeout_ms)
		u->opt.idle_timeout_ms = 300000;
	uv_timer_init(loop, &u->timer);
	u->timer.data = u;
	curl_multi_setopt(u->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(u->multi, CURLMOPT_SOCKETDATA, u);
	curl_multi_setopt(u->multi, CURLMOPT_TIMERFUNCTION, on_timeout);
	curl_multi_setopt(u->multi, CURLMOPT_TIMERDATA, u);
	*out = u;
	return 0;
}

/* Hand the collected head to the caller: pointers into r->head. */
static int send_head(struct upstream_req *r)
{
	struct http_header h[MAX_RESPONSE_HEADERS];
	const char *p = r->head.data, *end = p + r->head.len;
	size_t n = 0;
	long status = 0;

	r->head_sent = true;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	while (p && p < end && n < MAX_RESPONSE_HEADERS) {
		h[n].name = p;
		p += strlen(p) + 1;
		h[n].value = p;
		p += strlen(p) + 1;
		n++;
	}
	return r->cb.head(r->arg, (int)status, h, n);
}

/* One header line of the reply.  A new status line starts a new head (1xx
 * interim replies come before the real one); the blank line ends it. */
static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct upstream_req *r = arg;
	size_t len = size * n, k = len, name;
	const char *colon;
	long status = 0;

	while (k && (line[k - 1] == '\r' || line[k - 1] == '\n'))
		k--;
	if (k >= 5 && !memcmp(line, "HTTP/", 5)) {
		buf_reset(&r->head);
		return len;
	}
	if (k == 0) {
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && !r->head_sent && send_head(r))
			return 0; /* the caller cancelled: abort the transfer */
		return len;
	}
	colon = memchr(line, ':', k);
	if (!colon || r->head_sent)
		return len;
	name = (size_t)(colon - line);
	colon++;
	while (colon < line + k && (*colon == ' ' || *colon == '\t'))
		colon++;
	if (buf_add(&r->head, line, name) || buf_addc(&r->head, '\0') ||
	    buf_add(&r->head, colon, (size_t)(line + k - colon)) || buf_addc(&r->head, '\0'))
		return 0;
	return len;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct upstream_req *r = arg;
	int rc;

	if (!r->head_sent && send_head(r))
		return 0;
	rc = r->cb.data(r->arg, (const uint8_t *)p, size * n);
	/* A chunk returned with CURL_WRITEFUNC_PAUSE is delivered again on
	 * resume, so a chunk that was taken is consumed and receiving paused
	 * from here instead; only a chunk not taken is handed back. */
	if (rc == 1) {
		curl_easy_pause(r->easy, CURLPAUSE_RECV);
		return size * n;
	}
	if (rc == 2)
		return CURL_WRITEFUNC_PAUSE;
	return rc ? 0 : size * n;
}

/* X-Overt-Token is the proxy's own access token: it never goes further. */
static int skip_request_header(const char *name)
{
	return upstream_is_hop_by_hop(name) || !strcasecmp(name, "host") ||
	       !strcasecmp(name, "x-overt-token") ||
	       !strcasecmp(name, "content-length") || !strcasecmp(name, "expect");
}

/* The agent's headers as they were, and no header it did not send: curl
 * adds Accept and Expect of its own unless told not to. */
static int build_headers(struct upstream_req *r, const struct http_header *h, size_t n)
{
	struct buf line;
	bool accept = false;
	size_t i;
	int rc = 0;

	buf_init(&line, 64 * 1024);
	for (i = 0; !rc && i < n; i++) {
		struct curl_slist *next;

		if (skip_request_header(h[i].name))
			continue;
		accept |= !strcasecmp(h[i].name, "accept");
		buf_reset(&line);
		/* "Name;" is curl's way of sending a header with no value. */
		rc = buf_adds(&line, h[i].name);
		if (!rc && h[i].value[0])
			rc = buf_add(&line, ": ", 2) || buf_adds(&line, h[i].value);
		else if (!rc)
			rc = buf_addc(&line, ';');
		next = rc ? NULL : curl_slist_append(r->headers, line.data);
		if (!next)
			rc = UPSTREAM_ENOMEM;
		else
			r->headers = next;
	}
	if (!rc && !(r->headers = curl_slist_append(r->headers, "Expect:")))
		rc = UPSTREAM_ENOMEM;
	if (!rc && !accept && !(r->headers = curl_slist_append(r->headers, "Accept:")))
		rc = UPSTREAM_ENOMEM;
	buf_release(&line);
	return rc;
}

static void set_options(struct upstream_req *r, const char *method, const char *url,
			const uint8_t *body, size_t len)
{
	const struct upstream_opts *o = &r->u->opt;
	CURL *e = r->easy;

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
	/* Streams may last long; silence may not. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(o->idle_timeout_ms / 1000 + 1));
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, r->u);
	if (!strcmp(method, "HEAD")) {
		/* Otherwise curl waits for the body the reply's length
		 * announces, which never comes. */
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (len || strcmp(method, "GET")) {
		/* The body as it is, not copied; the caller keeps it alive. */
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, len ? (const char *)body : "");
	}
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
}

int upstream_start(struct upstream *u, const char *method, const char *url,
		   const struct http_header *headers, size_t nheaders,
		   const uint8_t *body, size_t len,
		   const struct upstream_callbacks *cb, void *arg,
		   struct upstream_req **out)
{
	struct upstream_req *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return UPSTREAM_ENOMEM;
	r->u = u;
	r->cb = *cb;
	r->arg = arg;
	buf_init(&r->head, 256 * 1024);
	r->easy = curl_easy_init();
	rc = r->easy ? build_headers(r, headers, nheaders) : UPSTREAM_ENOMEM;
	if (rc)
		goto fail;
	set_options(r, method, url, body, len);
	if (curl_multi_add_handle(u->multi, r->easy) != CURLM_OK) {
		rc = UPSTREAM_ECURL;
		goto fail;
	}
	r->next = u->reqs;
	if (u->reqs)
		u->reqs->prev = r;
	u->reqs = r;
	*out = r;
	return 0;
fail:
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	buf_release(&r->head);
	free(r);
	return rc;
}

void upstream_resume(struct upstream_req *r)
{
	curl_easy_pause(r->easy, CURLPAUSE_CONT);
}

void upstream_cancel(struct upstream_req *r)
{
	finish(r, -(int)CURLE_ABORTED_BY_CALLBACK, "cancelled: the client went away");
}

static void free_upstream(uv_handle_t *h)
{
	free(h->data);
}

void upstream_free(struct upstream *u)
{
	if (!u)
		return;
	while (u->reqs)
		finish(u->reqs, -(int)CURLE_ABORTED_BY_CALLBACK, "cancelled: shutting down");
	curl_multi_cleanup(u->multi); /* closes the kept sockets: on_close_socket */
	while (u->idle) {
		struct watch *w = u->idle;

		u->idle = w->next;
		uv_close((uv_handle_t *)&w->poll, free_watch);
	}
	uv_timer_stop(&u->timer);
	uv_close((uv_handle_t *)&u->timer, free_upstream);
}
