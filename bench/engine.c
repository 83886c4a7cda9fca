/* SPDX-License-Identifier: MIT */
/*
 * engine.c - bench_engine: the scan engine alone, without reading files.
 *
 * Scans each line of a JSON Lines file, already in memory, REPEAT times and
 * prints the throughput of scan_body.  Set beside `overt scan` on the same
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

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
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
	char err[256], *data, *line, *nl;
	size_t len = 0, bytes = 0, findings = 0;
	unsigned long repeat = argc > 2 ? strtoul(argv[2], NULL, 10) : 3, i;
	double t0, t;

	if (argc < 2 || !repeat) {
		fprintf(stderr, "usage: bench_engine FILE [REPEAT]\n");
		return 2;
	}
	data = slurp(argv[1], &len);
	e = scan_engine_new(NULL, err, sizeof(err));
	if (!data || !e) {
		fprintf(stderr, "bench_engine: cannot read '%s' or start: %s\n", argv[1], err);
		return 4;
	}
	scan_report_init(&r);
	t0 = now();
	for (i = 0; i < repeat; i++) {
		for (line = data; line < data + len; line = nl + 1) {
			nl = memchr(line, '\n', (size_t)(data + len - line));
			if (!nl)
				nl = data + len;
			scan_body(e, (const uint8_t *)line, (size_t)(nl - line), &r);
			bytes += (size_t)(nl - line);
			findings += r.nfindings;
		}
	}
	t = now() - t0;
	printf("%zu bytes, %zu findings, %.3f s, %.0f MB/s\n", bytes, findings, t,
	       (double)bytes / t / 1e6);
	scan_report_release(&r);
	scan_engine_free(e);
	free(data);
	return 0;
}
