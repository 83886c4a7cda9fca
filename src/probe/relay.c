/* SPDX-License-Identifier: MIT */
/*
 * relay.c - the proxy recorder of a proxy cell: what HTTP_PROXY and
 * HTTPS_PROXY point at.
 *
 * It records every attempt to use the proxy (method, target, headers) as
 * a JSON line, so the probe sees which hosts an agent tries to reach once
 * a proxy is configured.  CONNECT is refused with 403: the cell has no
 * network, and a tunnel would only hide the bytes.  A plain request in
 * absolute form (`POST http://host/v1/messages`) is passed to the mock in
 * origin form with `Connection: close`, so the mock records its body like
 * any other and the agent still gets an answer.
 *
 * This is a tiny dedicated listener rather than the HTTP core, because the
 * core refuses CONNECT by design.  It is blocking, one thread per
 * connection: a cell sees a handful of connections, and the runner exits
 * (taking the threads with it) as soon as the agent has.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>

#include "json/json.h"
#include "probe/probe.h"
#include "util/banned.h"

#define HEAD_MAX 65536
#define SEND_LIT(fd, s) send_all(fd, s, sizeof(s) - 1)

struct relay {
	char host[256];      /* the cell's base-URL host: the only one passed on */
	int lfd;
	int log_fd;
	unsigned mock_port;
	pthread_mutex_t lock;
};

struct conn {
	struct relay *relay;
	int fd;
};

static const char *const secret_headers[] = {
	"proxy-authorization", "authorization", "x-api-key", "x-goog-api-key", "api-key",
};

static int is_secret(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(secret_headers) / sizeof(*secret_headers); i++)
		if (strlen(secret_headers[i]) == n && !strncasecmp(name, secret_headers[i], n))
			return 1;
	return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One JSON line: method, target and headers (credentials left out). */
static void log_head(struct relay *r, const char *head, size_t n)
{
	const char *p = head, *end = head + n, *eol, *colon;
	struct buf line;
	size_t namelen;
	int rc, first = 1;

	buf_init(&line, HEAD_MAX * 7);
	eol = memchr(p, '\r', (size_t)(end - p));
	rc = buf_adds(&line, "{\"schema\":1,\"request_line\":");
	rc = rc ? rc : json_write_string(&line, p, eol ? (size_t)(eol - p) : 0);
	rc = rc ? rc : buf_adds(&line, ",\"headers\":[");
	for (p = eol ? eol + 2 : end; !rc && p < end; p = eol + 2) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (!eol || eol == p)
			break;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			continue;
		namelen = (size_t)(colon - p);
		rc = buf_adds(&line, first ? "[" : ",[");
		rc = rc ? rc : json_write_string(&line, p, namelen);
		rc = rc ? rc : buf_addc(&line, ',');
		for (colon++; colon < eol && *colon == ' '; colon++)
			;
		if (is_secret(p, namelen))
			rc = rc ? rc : buf_adds(&line, "\"(redacted)\"");
		else
			rc = rc ? rc : json_write_string(&line, colon, (size_t)(eol - colon));
		rc = rc ? rc : buf_addc(&line, ']');
		first = 0;
	}
	rc = rc ? rc : buf_adds(&line, "]}\n");
	if (!rc) {
		pthread_mutex_lock(&r->lock);
		if (write(r->log_fd, line.data, line.len) < 0)
			rc = -1;
		pthread_mutex_unlock(&r->lock);
	}
	buf_release(&line);
}

/* Copy both ways until the mock closes. */
static void pump(int a, int b)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
	char buf[16384];
	ssize_t n;
	int i;

	for (;;) {
		if (poll(p, 2, 120000) <= 0)
			return;
		for (i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = recv(p[i].fd, buf, sizeof(buf), 0);
			if (n <= 0) {
				if (i == 1)
					return; /* the mock is done */
				shutdown(b, SHUT_WR);
				p[0].fd = -1;
				continue;
			}
			if (send_all(p[1 - i].fd, buf, (size_t)n))
				return;
		}
	}
}

/* "POST http://host:80/v1/messages HTTP/1.1" -> origin form to the mock. */
static void forward(struct relay *r, int fd, const char *head, size_t hlen, size_t have)
{
	const char *sp1 = memchr(head, ' ', hlen), *host, *path, *sp2, *eol, *p, *end = head + hlen;
	size_t hn;
	struct sockaddr_in sa;
	struct buf out;
	int m = -1, rc;

	eol = memchr(head, '\r', hlen);
	host = sp1 ? strstr(sp1 + 1, "://") : NULL;
	host = host && host < eol ? host + 3 : NULL;
	path = host ? memchr(host, '/', (size_t)(eol - host)) : NULL;
	sp2 = path ? memchr(path, ' ', (size_t)(eol - path)) : NULL;
	if (!sp2) {
		SEND_LIT(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
			     "Connection: close\r\n\r\n");
		return;
	}
	/* Only the mock is there: any other host is as unreachable through
	 * the proxy as without it. */
	hn = strcspn(host, ":/");
	if (hn != strlen(r->host) || strncasecmp(host, r->host, hn)) {
		SEND_LIT(fd, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
			     "Connection: close\r\n\r\n");
		return;
	}
	buf_init(&out, HEAD_MAX * 2);
	rc = buf_add(&out, head, (size_t)(sp1 - head + 1)) || buf_add(&out, path, (size_t)(eol - path)) ||
	     buf_adds(&out, "\r\n");
	/* Headers but the hop-by-hop ones; then ours, and the body bytes read so far. */
	for (p = eol + 2; !rc && p < end && (eol = memchr(p, '\r', (size_t)(end - p))) && eol != p;
	     p = eol + 2)
		if (strncasecmp(p, "connection:", 11) && strncasecmp(p, "proxy-connection:", 17) &&
		    strncasecmp(p, "proxy-authorization:", 20) && strncasecmp(p, "keep-alive:", 11))
			rc = buf_add(&out, p, (size_t)(eol + 2 - p));
	rc = rc || buf_adds(&out, "Connection: close\r\n\r\n") ||
	     buf_add(&out, head + hlen + 2, have - hlen - 2);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)r->mock_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	m = rc ? -1 : socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m >= 0 && !connect(m, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !send_all(m, out.data, out.len))
		pump(fd, m);
	if (m >= 0)
		close(m);
	buf_release(&out);
}

static void *serve_conn(void *arg)
{
	struct conn *c = arg;
	char *head = malloc(HEAD_MAX + 1);
	size_t have = 0;
	char *end = NULL;
	ssize_t n;

	while (head && have < HEAD_MAX) {
		n = recv(c->fd, head + have, HEAD_MAX - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		head[have] = '\0';
		if ((end = strstr(head, "\r\n\r\n")))
			break;
	}
	if (end) {
		log_head(c->relay, head, (size_t)(end - head + 2));
		if (!strncmp(head, "CONNECT ", 8))
			SEND_LIT(c->fd, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
					"Connection: close\r\n\r\n");
		else
			forward(c->relay, c->fd, head, (size_t)(end - head + 2), have);
	}
	free(head);
	close(c->fd);
	free(c);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct relay *r = arg;
	pthread_t t;
	struct conn *c;
	int fd;

	for (;;) {
		fd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->relay = r;
		c->fd = fd;
		if (pthread_create(&t, NULL, serve_conn, c)) {
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}

int probe_relay_start(unsigned port, unsigned mock_port, const char *host, int log_fd)
{
	struct relay *r = calloc(1, sizeof(*r));
	struct sockaddr_in sa;
	pthread_t t;
	int one = 1;

	if (!r)
		return -ENOMEM;
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->log_fd = log_fd;
	r->mock_port = mock_port;
	pthread_mutex_init(&r->lock, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->lfd < 0 || setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(r->lfd, 64) ||
	    pthread_create(&t, NULL, accept_loop, r)) {
		int e = errno ? errno : EAGAIN;

		if (r->lfd >= 0)
			close(r->lfd);
		free(r);
		return -e;
	}
	pthread_detach(t);
	/* r lives until the runner exits. */
	return 0;
}
