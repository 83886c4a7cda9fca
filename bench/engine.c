/* SPDX-License-Identifier: MIT */
/*
 * engine.c - bench_engine: the scan engine alone, without reading files.
 *
 * Scans each line of a JSON Lines file, already in memory, REPEAT times and
 * prints the throughput of scan_body, by the wall clock and by the CPU time
 * of this process (less disturbed when other work shares the core).  Lines
 * are split before the clock starts.  Set beside `overt scan` on the same
 * corpus it separates what the engine costs from what reading the input
 * (first touch of the page cache, line splitting) and writing reports cost.
 *
 * usage: bench_engine FILE [REPEAT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "overt.h"
#include "util/banned.h"

static double now(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The start of each line, and one past the end of the last. */
static size_t *split_lines(const char *data, size_t len, size_t *nlines)
{
	size_t n = 0, cap = 1024, *at = malloc(cap * sizeof(*at));
	const char *p = data, *nl;

	while (at && p < data + len) {
		if (n + 2 > cap) {
			size_t *q = realloc(at, 2 * cap * sizeof(*at));

			if (!q) {
				free(at);
				return NULL;
			}
			at = q;
			cap *= 2;
		}
		at[n++] = (size_t)(p - data);
		nl = memchr(p, '\n', (size_t)(data + len - p));
		p = nl ? nl + 1 : data + len;
	}
	if (at)
		at[n] = len + 1; /* as if a newline followed the last line */
	*nlines = n;
	return at;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	*len = (size_t)n;
out:
	if (f)
		fclose(f);
	return p;
}

int main(int argc, char **argv)
{
	struct scan_report r;
	struct scan_engine *e;
	char err[256] = "", *data;
	size_t len = 0, bytes = 0, findings = 0, nlines = 0, *at = NULL, k;
	unsigned long repeat = argc > 2 ? strtoul(argv[2], NULL, 10) : 3, i;
	double t0, c0, t, cpu;

	if (argc < 2 || !repeat) {
		fprintf(stderr, "usage: bench_engine FILE [REPEAT]\n");
		return 2;
	}
	data = slurp(argv[1], &len);
	if (data)
		at = split_lines(data, len, &nlines);
	e = scan_engine_new(NULL, err, sizeof(err));
	if (!data || !at || !e) {
		fprintf(stderr, "bench_engine: cannot read '%s' or start: %s\n", argv[1], err);
		return 4;
	}
	scan_report_init(&r);
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < repeat; i++) {
		for (k = 0; k < nlines; k++) {
			size_t n = at[k + 1] - 1 - at[k];

			scan_body(e, (const uint8_t *)data + at[k], n, &r);
			bytes += n;
			findings += r.nfindings;
		}
	}
	cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	t = now(CLOCK_MONOTONIC) - t0;
	printf("%zu bytes, %zu findings, %.3f s, %.0f MB/s, CPU %.3f s, %.0f CPU MB/s\n",
	       bytes, findings, t, (double)bytes / t / 1e6, cpu, (double)bytes / cpu / 1e6);
	scan_report_release(&r);
	scan_engine_free(e);
	free(at);
	free(data);
	return 0;
}
