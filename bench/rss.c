/* SPDX-License-Identifier: MIT */
/*
 * rss.c - run a command and report its peak resident set size, for
 * bench/run-scan.sh: `bench_rss [-o FILE] CMD [ARG...]` forks, execs CMD,
 * waits for it with wait4() and writes ru_maxrss in KiB to FILE (or a line
 * to stderr).  It exists because /usr/bin/time is not installed everywhere,
 * and so every tool in the benchmark is measured the same way.  The exit
 * status is the command's (128 + signal when it was killed), so a caller
 * can still tell findings from failures.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/banned.h"

static int usage(FILE *fp, int rc)
{
	fputs("usage: bench_rss [-o FILE] CMD [ARG...]\n"
	      "Runs CMD and reports its peak resident memory in KiB.\n",
	      fp);
	return rc;
}

static int report(const char *out, long kib)
{
	FILE *fp;

	if (!out) {
		fprintf(stderr, "bench_rss: max RSS %ld KiB\n", kib);
		return 0;
	}
	fp = fopen(out, "w");
	if (!fp || fprintf(fp, "%ld\n", kib) < 0 || fclose(fp) != 0) {
		fprintf(stderr, "bench_rss: cannot write '%s': %s\n", out,
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	struct rusage ru;
	int status, c;
	pid_t pid;

	/* '+': stop at the command, whose own options are not ours */
	while ((c = getopt(argc, argv, "+o:h")) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'h')
			return usage(stdout, 0);
		else
			return usage(stderr, 2);
	}
	if (optind >= argc)
		return usage(stderr, 2);

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "bench_rss: cannot fork: %s\n", strerror(errno));
		return 4;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "bench_rss: cannot run '%s': %s\n", argv[optind],
			strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "bench_rss: cannot wait: %s\n",
				strerror(errno));
			return 4;
		}
	}
	if (report(out, ru.ru_maxrss))
		return 4;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
