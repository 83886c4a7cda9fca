/* SPDX-License-Identifier: MIT */
/*
 * http_server.c - the listening side of the HTTP core: parsing --listen
 * addresses, binding (port 0 reports the port the kernel chose), signals,
 * and the graceful stop that lets responses in flight finish up to a
 * deadline before the loop is left with nothing of ours.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "proxy/http.h"
#include "proxy/http_int.h"
#include "util/banned.h"

static int parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	if (!*s || strlen(s) > 5)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* "127.0.0.1:8080", "[::1]:0", "localhost:9", ":9" or "9" into @sa. */
static int parse_inet(const char *addr, struct sockaddr_storage *sa)
{
	char host[64];
	const char *colon, *port_s;
	unsigned port;
	size_t hl;

	if (addr[0] == '[') {
		colon = strstr(addr, "]:");
		if (!colon || (size_t)(colon - addr - 1) >= sizeof(host))
			return -1;
		hl = (size_t)(colon - addr - 1);
		memcpy(host, addr + 1, hl);
		host[hl] = '\0';
		if (parse_port(colon + 2, &port))
			return -1;
		return uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)sa) ? -1 : 0;
	}
	colon = strrchr(addr, ':');
	port_s = colon ? colon + 1 : addr;
	hl = colon ? (size_t)(colon - addr) : 0;
	if (hl >= sizeof(host) || parse_port(port_s, &port))
		return -1;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	if (hl == 0 || !strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)sa) ? -1 : 0;
}

static void set_address(struct http_server *srv)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";

	if (srv->is_unix) {
		snprintf(srv->address, sizeof(srv->address), "unix:%s", srv->unix_path);
		return;
	}
	uv_tcp_getsockname(&srv->listener.tcp, (struct sockaddr *)&ss, &len);
	if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
		snprintf(srv->address, sizeof(srv->address), "[%s]:%u", ip,
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
		snprintf(srv->address, sizeof(srv->address), "%s:%u", ip,
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
}

static void handle_closed(uv_handle_t *h)
{
	struct http_server *srv = h->data;

	srv->open_handles--;
	http_server_maybe_stopped(srv);
}

static void close_handle(struct http_server *srv, uv_handle_t *h)
{
	h->data = srv;
	if (!uv_is_closing(h))
		uv_close(h, handle_closed);
}

static int bind_listener(struct http_server *srv, const char *listen, char *err,
			 size_t errlen)
{
	struct sockaddr_storage sa;
	int rc;

	if (!strncmp(listen, "unix:", 5)) {
		if (strlen(listen + 5) >= sizeof(srv->unix_path) || !listen[5]) {
			snprintf(err, errlen, "unix socket path in '%s' is empty or too long", listen);
			return HTTP_EINVAL;
		}
		snprintf(srv->unix_path, sizeof(srv->unix_path), "%s", listen + 5);
		srv->is_unix = 1;
		uv_pipe_init(srv->loop, &srv->listener.pipe, 0);
		rc = uv_pipe_bind(&srv->listener.pipe, srv->unix_path);
		if (!rc)
			chmod(srv->unix_path, 0600);
	} else {
		if (parse_inet(listen, &sa)) {
			snprintf(err, errlen, "cannot listen on '%s': not an address such as "
				 "127.0.0.1:8080, [::1]:0 or unix:/path", listen);
			return HTTP_EINVAL;
		}
		uv_tcp_init(srv->loop, &srv->listener.tcp);
		rc = uv_tcp_bind(&srv->listener.tcp, (struct sockaddr *)&sa, 0);
	}
	srv->open_handles++;
	srv->listener.handle.data = srv;
	if (!rc)
		rc = uv_listen(&srv->listener.stream, 128, http_on_connection);
	if (rc) {
		snprintf(err, errlen, "cannot listen on '%s': %s%s", listen, uv_strerror(rc),
			 rc == UV_EADDRINUSE ? "; choose another port, or 0 for a free one" : "");
		if (srv->is_unix)
			srv->unix_path[0] = '\0'; /* not ours to unlink */
		return HTTP_ELISTEN;
	}
	return 0;
}

static void apply_defaults(struct http_config *cfg)
{
	if (!cfg->max_body)
		cfg->max_body = (size_t)32 << 20;
	if (!cfg->max_headers)
		cfg->max_headers = 100;
	if (!cfg->max_header_bytes)
		cfg->max_header_bytes = (size_t)64 << 10;
	if (!cfg->header_timeout_ms)
		cfg->header_timeout_ms = 10000;
	if (!cfg->idle_timeout_ms)
		cfg->idle_timeout_ms = 60000;
	if (!cfg->write_queue_max)
		cfg->write_queue_max = (size_t)1 << 20;
	cfg->listen = NULL;
}

/* Tokens are compared as SHA-256 hashes, so the comparison takes the same
 * time whatever the length and content of what a client sent. */
int http_token_hash(const char *token, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	if (!EVP_Digest(token, len, out, &n, EVP_sha256(), NULL) || n != 32)
		return HTTP_ENOMEM;
	return 0;
}

/* Keep a hash of the access token, never the token. */
static int set_token(struct http_server *srv, char *err, size_t errlen)
{
	const char *t = srv->cfg.access_token;

	srv->cfg.access_token = NULL;
	if (!t)
		return 0;
	if (!*t || strpbrk(t, " \t\r\n") || http_token_hash(t, strlen(t), srv->token_hash)) {
		snprintf(err, errlen, "the access token is empty, has white space, or "
			 "cannot be hashed");
		return HTTP_EINVAL;
	}
	srv->has_token = 1;
	return 0;
}

int http_server_new(uv_loop_t *loop, const struct http_config *cfg,
		    struct http_server **out, char *err, size_t errlen)
{
	struct http_server *srv;
	const char *listen = cfg->listen ? cfg->listen : "127.0.0.1:0";
	int rc;

	/* A client that closes while we write must cost us a write error, not
	 * the process: libuv writes with write(2), which raises SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	*out = NULL;
	if (!cfg->handler) {
		snprintf(err, errlen, "no request handler");
		return HTTP_EINVAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return HTTP_ENOMEM;
	}
	srv->loop = loop;
	srv->cfg = *cfg;
	apply_defaults(&srv->cfg);
	if ((rc = set_token(srv, err, errlen))) {
		free(srv);
		return rc;
	}
	uv_timer_init(loop, &srv->stop_timer);
	srv->stop_timer.data = srv;
	srv->open_handles = 1;
	rc = bind_listener(srv, listen, err, errlen);
	if (rc) {
		/* Close what was opened and let the loop release it now, so
		 * the caller gets back a loop with nothing of ours in it. */
		srv->stopping = 1;
		close_handle(srv, (uv_handle_t *)&srv->stop_timer);
		if (srv->open_handles > 1)
			close_handle(srv, &srv->listener.handle);
		uv_run(loop, UV_RUN_NOWAIT);
		free(srv);
		return rc;
	}
	set_address(srv);
	uv_check_init(loop, &srv->flush);
	srv->flush.data = srv; /* also says it is initialised */
	srv->open_handles++;
	*out = srv;
	return 0;
}

const char *http_server_address(const struct http_server *srv)
{
	return srv->address;
}

static void on_deadline(uv_timer_t *t)
{
	struct http_server *srv = t->data;

	while (srv->conns)
		http_conn_close(srv->conns);
	http_server_maybe_stopped(srv);
}

void http_server_maybe_stopped(struct http_server *srv)
{
	if (!srv->stopping || srv->nconns)
		return;
	close_handle(srv, (uv_handle_t *)&srv->stop_timer);
	if (srv->flush.data)
		close_handle(srv, (uv_handle_t *)&srv->flush);
	if (srv->signals) {
		close_handle(srv, (uv_handle_t *)&srv->sig[0]);
		close_handle(srv, (uv_handle_t *)&srv->sig[1]);
	}
}

void http_server_stop(struct http_server *srv, unsigned deadline_ms)
{
	struct http_conn *c, *next;

	if (srv->stopping)
		return;
	srv->stopping = 1;
	close_handle(srv, &srv->listener.handle);
	if (srv->is_unix && srv->unix_path[0])
		unlink(srv->unix_path);
	for (c = srv->conns; c; c = next) {
		next = c->next;
		http_conn_stop(c);
	}
	uv_timer_start(&srv->stop_timer, on_deadline, deadline_ms, 0);
	http_server_maybe_stopped(srv);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct http_server *srv = s->data;

	(void)signum;
	http_server_stop(srv, srv->signal_deadline_ms);
}

int http_server_catch_signals(struct http_server *srv, unsigned deadline_ms)
{
	static const int signums[2] = { SIGTERM, SIGINT };
	int i;

	if (srv->signals || srv->stopping)
		return HTTP_EINVAL;
	srv->signal_deadline_ms = deadline_ms;
	for (i = 0; i < 2; i++) {
		uv_signal_init(srv->loop, &srv->sig[i]);
		srv->sig[i].data = srv;
		srv->open_handles++;
		uv_signal_start(&srv->sig[i], on_signal, signums[i]);
	}
	srv->signals = 1;
	return 0;
}

int http_server_stopped(const struct http_server *srv)
{
	return srv->stopping && !srv->nconns && !srv->open_handles;
}

void http_server_free(struct http_server *srv)
{
	if (!srv)
		return;
	if (!http_server_stopped(srv))
		abort();
	free(srv);
}
