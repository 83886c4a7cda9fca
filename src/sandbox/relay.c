/* SPDX-License-Identifier: MIT */
/*
 * relay.c - the sandbox's only way out: 127.0.0.1:PORT inside the network
 * namespace, relayed byte for byte to the proxy's Unix socket outside.
 *
 * The supervisor runs this in the new network namespace, where loopback is
 * the only interface.  A Unix socket is reached by path whatever the
 * network namespace, so each accepted connection gets its own connection to
 * the proxy, and the proxy sees every request and every CONNECT.  Nothing
 * is parsed here: the bytes are the proxy's to judge.  Each direction stops
 * reading while the other side has more than RELAY_QUEUE_MAX bytes queued,
 * so a peer that does not read cannot make the supervisor grow.
 *
 * The same relay, listening on a Unix socket and connecting to TCP, is the
 * forwarder of `overt run --proxy HOST:PORT`, outside every namespace.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <uv.h>

#include "sandbox/sandbox.h"
#include "util/banned.h"

#define RELAY_QUEUE_MAX ((size_t)1 << 20)
#define RELAY_READ ((size_t)64 << 10)

struct side {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	struct pair *pair;
	struct side *peer;
	int eof;        /* no more data will come from this side */
	int reading;
};

struct pair {
	struct side in;     /* the agent's TCP connection */
	struct side out;    /* to the proxy */
	uv_connect_t conn;
	int open;           /* handles not yet closed */
	int closing;
	char rbuf[2][RELAY_READ];
};

struct relay {
	uv_loop_t loop;
	union {
		uv_handle_t handle;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} listener;
	bool listen_unix;          /* the forwarder's: a Unix socket */
	uv_signal_t sigchld, sigterm;
	const char *path;          /* where connections go: a Unix socket, */
	struct sockaddr_storage to; /* or, when path is NULL, this TCP address */
	int child;
	int wstatus;
	int done;
};

struct wreq {
	uv_write_t w;
	struct side *to;
	char data[];
};

static void read_start(struct side *s);

static void pair_freed(uv_handle_t *h)
{
	struct side *s = h->data;
	struct pair *p = s->pair;

	if (--p->open == 0)
		free(p);
}

static void pair_close(struct pair *p)
{
	if (p->closing)
		return;
	p->closing = 1;
	uv_close(&p->in.h.handle, pair_freed);
	uv_close(&p->out.h.handle, pair_freed);
}

static void on_written(uv_write_t *w, int status)
{
	struct wreq *r = w->data;
	struct side *to = r->to;

	free(r);
	if (to->pair->closing)
		return;
	if (status < 0) {
		pair_close(to->pair);
		return;
	}
	/* The queue went down: the side feeding it may read again. */
	if (uv_stream_get_write_queue_size(&to->h.stream) < RELAY_QUEUE_MAX / 2)
		read_start(to->peer);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct side *s = req->data;

	free(req);
	(void)status;
	/* Both directions finished: nothing more will move. */
	if (!s->pair->closing && s->eof && s->peer->eof)
		pair_close(s->pair);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct side *s = h->data;

	(void)hint;
	*b = uv_buf_init(s->pair->rbuf[s == &s->pair->out], RELAY_READ);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct side *s = st->data, *to = s->peer;
	struct wreq *r;
	uv_shutdown_t *sd;
	uv_buf_t wb;

	if (n == 0 || s->pair->closing)
		return;
	if (n < 0) {
		uv_read_stop(st);
		s->reading = 0;
		s->eof = 1;
		/* EOF: pass the half-close on once the queued bytes are out. */
		sd = n == UV_EOF ? malloc(sizeof(*sd)) : NULL;
		if (sd)
			sd->data = to;
		if (!sd || uv_shutdown(sd, &to->h.stream, on_shutdown)) {
			free(sd);
			pair_close(s->pair);
		}
		return;
	}
	r = malloc(sizeof(*r) + (size_t)n);
	if (!r) {
		pair_close(s->pair);
		return;
	}
	memcpy(r->data, b->base, (size_t)n);
	r->to = to;
	r->w.data = r;
	wb = uv_buf_init(r->data, (unsigned)n);
	if (uv_write(&r->w, &to->h.stream, &wb, 1, on_written)) {
		free(r);
		pair_close(s->pair);
		return;
	}
	if (uv_stream_get_write_queue_size(&to->h.stream) >= RELAY_QUEUE_MAX) {
		uv_read_stop(st);
		s->reading = 0;
	}
}

static void read_start(struct side *s)
{
	if (s->reading || s->eof || s->pair->closing)
		return;
	if (uv_read_start(&s->h.stream, alloc_cb, on_read))
		pair_close(s->pair);
	else
		s->reading = 1;
}

static void on_connected(uv_connect_t *c, int status)
{
	struct pair *p = c->data;

	if (p->closing)
		return;
	if (status < 0) {
		pair_close(p);
		return;
	}
	read_start(&p->in);
	read_start(&p->out);
}

static void on_accept(uv_stream_t *l, int status)
{
	struct relay *r = l->data;
	struct pair *p;

	if (status < 0 || !(p = calloc(1, sizeof(*p))))
		return;
	p->in.pair = p->out.pair = p;
	p->in.peer = &p->out;
	p->out.peer = &p->in;
	p->in.h.handle.data = &p->in;
	if (r->listen_unix)
		uv_pipe_init(&r->loop, &p->in.h.pipe, 0);
	else
		uv_tcp_init(&r->loop, &p->in.h.tcp);
	if (r->path)
		uv_pipe_init(&r->loop, &p->out.h.pipe, 0);
	else
		uv_tcp_init(&r->loop, &p->out.h.tcp);
	p->out.h.handle.data = &p->out;
	p->open = 2;
	if (uv_accept(l, &p->in.h.stream)) {
		pair_close(p);
		return;
	}
	if (!r->listen_unix)
		uv_tcp_nodelay(&p->in.h.tcp, 1);
	p->conn.data = p;
	if (r->path) {
		uv_pipe_connect(&p->conn, &p->out.h.pipe, r->path, on_connected);
	} else {
		uv_tcp_nodelay(&p->out.h.tcp, 1);
		if (uv_tcp_connect(&p->conn, &p->out.h.tcp, (struct sockaddr *)&r->to,
				   on_connected))
			pair_close(p);
	}
}

static void on_sigchld(uv_signal_t *sig, int signum)
{
	struct relay *r = sig->data;
	int st;

	(void)signum;
	if (waitpid(r->child, &st, WNOHANG) != r->child)
		return;
	r->wstatus = st;
	r->done = 1;
	uv_stop(&r->loop);
}

static void on_sigterm(uv_signal_t *sig, int signum)
{
	struct relay *r = sig->data;

	(void)signum;
	r->done = 1;
	uv_stop(&r->loop);
}

/*
 * The forwarder: outside the sandbox, from a Unix socket the supervisor
 * reaches by path to a proxy on TCP, which the network namespace cannot
 * reach.  One TCP connection per relayed connection, made on demand, so a
 * proxy restarted between two requests is found again.  It runs until
 * SIGTERM or until its parent dies.
 */
int sbx_forward_run(int listen_fd, const struct sockaddr *to, socklen_t tolen)
{
	struct relay *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	if (tolen > sizeof(r->to)) {
		free(r);
		return -EINVAL;
	}
	memcpy(&r->to, to, tolen);
	r->listen_unix = true;
	rc = uv_loop_init(&r->loop);
	if (!rc) {
		uv_signal_init(&r->loop, &r->sigterm);
		r->sigterm.data = r;
		rc = uv_signal_start(&r->sigterm, on_sigterm, SIGTERM);
	}
	if (!rc) {
		uv_pipe_init(&r->loop, &r->listener.pipe, 0);
		r->listener.handle.data = r;
		rc = uv_pipe_open(&r->listener.pipe, listen_fd);
		rc = rc ? rc : uv_listen((uv_stream_t *)&r->listener, 64, on_accept);
	}
	while (!rc && !r->done)
		uv_run(&r->loop, UV_RUN_DEFAULT);
	free(r);
	return rc;
}

int sbx_relay_run(int listen_fd, const char *path, int child, int *wstatus)
{
	struct relay *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	r->path = path;
	r->child = child;
	rc = uv_loop_init(&r->loop);
	if (!rc) {
		uv_signal_init(&r->loop, &r->sigchld);
		r->sigchld.data = r;
		rc = uv_signal_start(&r->sigchld, on_sigchld, SIGCHLD);
	}
	if (!rc && listen_fd >= 0) {
		uv_tcp_init(&r->loop, &r->listener.tcp);
		r->listener.handle.data = r;
		rc = uv_tcp_open(&r->listener.tcp, listen_fd);
		rc = rc ? rc : uv_listen((uv_stream_t *)&r->listener, 64, on_accept);
	}
	/* The child may have exited before the handler was in place. */
	if (!rc && waitpid(child, &r->wstatus, WNOHANG) == child)
		r->done = 1;
	while (!rc && !r->done)
		uv_run(&r->loop, UV_RUN_DEFAULT);
	while (rc && waitpid(child, &r->wstatus, 0) < 0 && errno == EINTR)
		;
	*wstatus = r->wstatus;
	/* The supervisor exits next (_exit): the connections and the loop go
	 * with it, and the proxy sees each one closed. */
	free(r);
	return 0;
}
