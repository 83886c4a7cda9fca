/* SPDX-License-Identifier: MIT */
/*
 * sbx_probe.c - tries one thing from inside `overt run` and says what
 * happened, for tests/integration/test_run.sh.
 *
 *   sbx_probe connect HOST PORT   TCP connect
 *   sbx_probe read PATH           open and read
 *   sbx_probe write PATH          create or truncate and write
 *   sbx_probe env NAME            the variable's value
 *   sbx_probe ptrace              attach to a child of ours
 *   sbx_probe unshare             a new user namespace
 *
 * Prints "ok ..." and exits 0 when it worked, or "denied ERRNO-NAME" and
 * exits 1, so a test can tell Landlock's EACCES from a missing route.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int result(int ok, const char *what)
{
	if (ok) {
		printf("ok %s\n", what);
		return 0;
	}
	printf("denied %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	return 1;
}

static int do_connect(const char *host, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_port = htons((uint16_t)strtoul(port, NULL, 10));
	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return result(0, "");
	return result(!connect(fd, (struct sockaddr *)&a, sizeof(a)), "connected");
}

static int do_read(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return result(0, "");
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return result(0, "");
	buf[n] = '\0';
	return result(1, buf);
}

static int do_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	return result(fd >= 0 && write(fd, "x\n", 2) == 2, "written");
}

static int do_ptrace(void)
{
	pid_t child = fork();
	int ok;

	if (child == 0) {
		pause();
		_exit(0);
	}
	ok = ptrace(PTRACE_ATTACH, child, NULL, NULL) == 0;
	{
		int e = errno;

		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		errno = e;
	}
	return result(ok, "attached");
}

int main(int argc, char **argv)
{
	const char *v;

	if (argc == 4 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return do_read(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "write"))
		return do_write(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "env")) {
		v = getenv(argv[2]);
		printf("%s %s\n", v ? "ok" : "absent", v ? v : "");
		return v ? 0 : 1;
	}
	if (argc == 2 && !strcmp(argv[1], "ptrace"))
		return do_ptrace();
	if (argc == 2 && !strcmp(argv[1], "unshare"))
		return result(!unshare(CLONE_NEWUSER), "unshared");
	fprintf(stderr, "usage: sbx_probe connect|read|write|env|ptrace|unshare ...\n");
	return 2;
}
