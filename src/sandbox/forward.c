/* SPDX-License-Identifier: MIT */
/*
 * forward.c - `overt run --proxy HOST:PORT`: a proxy on TCP made reachable
 * from the sandbox.
 *
 * The sandbox's network namespace has loopback only, so the supervisor's
 * relay cannot connect to a TCP address outside.  A Unix socket, though,
 * is reached by path from any network namespace: a forwarder process,
 * started here before the sandbox and left outside it, listens on one in
 * the session's private directory and opens a TCP connection to the proxy
 * for each connection the relay makes (relay.c does the bytes).  The
 * address is resolved once, here, where DNS works: the first one where a
 * proxy answers.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/banned.h"

/* "host:port" or "[v6]:port" into its parts; -1 if it is not one. */
static int split(const char *hostport, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon, *h = hostport;
	size_t n;

	if (*h == '[') {
		colon = strchr(h, ']');
		if (!colon || colon[1] != ':')
			return -1;
		h++;
		n = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(h, ':');
		if (!colon || strchr(h, ':') != colon)
			return -1;
		n = (size_t)(colon - h);
	}
	if (!n || n >= hostlen || !colon[1] || strlen(colon + 1) >= portlen ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, portlen, "%s", colon + 1);
	return 0;
}

/* Whether a proxy answers at @a now: tried before the sandbox, for a
 * clear message, and to pick the address ("localhost" may be ::1 first
 * while the proxy listens on 127.0.0.1 only). */
static int answers(const struct addrinfo *a)
{
	int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = fd >= 0 && !connect(fd, a->ai_addr, a->ai_addrlen) ? 0 : -errno;

	if (fd >= 0)
		close(fd);
	return rc;
}

int sbx_forward_resolve(const char *hostport, struct sockaddr_storage *to, socklen_t *tolen,
			char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL, *a;
	char host[256], port[8];
	int rc;

	if (split(hostport, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "'%s' is not HOST:PORT", hostport);
		return -EINVAL;
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc || !ai) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host,
			 rc ? gai_strerror(rc) : "no address");
		return -EINVAL;
	}
	rc = -ECONNREFUSED;
	for (a = ai; a && rc; a = a->ai_next)
		if (a->ai_addrlen <= sizeof(*to) && !(rc = answers(a))) {
			memcpy(to, a->ai_addr, a->ai_addrlen);
			*tolen = a->ai_addrlen;
		}
	freeaddrinfo(ai);
	if (rc)
		snprintf(err, errlen, "no proxy answers at %s: %s (start one with 'overt proxy "
			 "--listen %s')", hostport, strerror(-rc), hostport);
	return rc;
}

static int listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "the socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
		int e = errno;

		snprintf(err, errlen, "cannot listen on '%s': %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

int sbx_forward_start(const char *sock_path, const char *hostport, pid_t *pid,
		      char *err, size_t errlen)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	pid_t parent = getpid();
	int fd, rc;

	rc = sbx_forward_resolve(hostport, &to, &tolen, err, errlen);
	if (rc)
		return rc;
	fd = listen_unix(sock_path, err, errlen);
	if (fd < 0)
		return fd;
	fflush(NULL);
	*pid = fork();
	if (*pid < 0) {
		rc = -errno;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fd);
		return rc;
	}
	if (*pid == 0) {
		/* Its own process group, like the session's proxy: the terminal's
		 * Ctrl-C is for the command.  It goes when we go. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		signal(SIGINT, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		_exit(sbx_forward_run(fd, (struct sockaddr *)&to, tolen) ? 4 : 0);
	}
	close(fd);
	return 0;
}
