/* SPDX-License-Identifier: MIT */
/*
 * actions.c - bench_actions: what the proxy's actions add to a request,
 * on one body already in memory.
 *
 * Times, per body, REPEAT times over: the scan alone (the baseline every
 * request pays), the policy for every finding plus the normalize rewrite
 * (every finding set to normalize, as a worst case), the same with redact,
 * and decoding the body gzip- and zstd-compressed (compressed here, once).
 *
 * With PHASE (scan, normalize, redact, deflate or zstd) only that one
 * runs, for `perf stat -e instructions`, whose counts do not depend on
 * what else the machine is doing.
 *
 * usage: bench_actions FILE [REPEAT [PHASE]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "overt.h"
#include "proxy/action.h"
#include "util/banned.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
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

static void report(const char *what, double secs, long repeat, size_t len)
{
	printf("%-28s %9.1f us/body %8.2f GB/s\n", what, secs / repeat * 1e6,
	       (double)len * repeat / secs / 1e9);
}

static void bench_rewrite(const struct scan_engine *e, const uint8_t *body, size_t len,
			  long repeat, enum proxy_action a, const char *what)
{
	struct proxy_config cfg = { .action = a, .block_at = SCAN_SEV_INFO };
	struct scan_report r;
	struct proxy_rewrite rw;
	enum proxy_action *acts;
	double t;
	size_t i, changes = 0;
	long k;

	scan_report_init(&r);
	proxy_rewrite_init(&rw);
	t = now();
	for (k = 0; k < repeat; k++) {
		scan_body(e, body, len, &r);
		acts = calloc(r.nfindings + 1, sizeof(*acts));
		for (i = 0; i < r.nfindings; i++)
			acts[i] = proxy_policy_action(&cfg, &r.findings[i]);
		if (proxy_rewrite_body(body, len, &r, acts, &rw))
			abort();
		changes = rw.nchanges;
		free(acts);
	}
	report(what, now() - t, repeat, len);
	printf("  (%zu findings, %zu changes)\n", r.nfindings, changes);
	proxy_rewrite_release(&rw);
	scan_report_release(&r);
}

static void bench_decode(const char *enc, const uint8_t *z, size_t zlen, size_t len,
			 long repeat)
{
	struct buf out;
	char err[256], what[64];
	double t;
	long k;

	buf_init(&out, (size_t)64 << 20);
	t = now();
	for (k = 0; k < repeat; k++)
		if (proxy_decode_body(enc, z, zlen, &out, err, sizeof(err)) || out.len != len)
			abort();
	snprintf(what, sizeof(what), "decode %s (%zu bytes)", enc, zlen);
	report(what, now() - t, repeat, len);
	buf_release(&out);
}

static int phase(int argc, char **argv, const char *name)
{
	return argc < 4 || !strcmp(argv[3], name);
}

int main(int argc, char **argv)
{
	struct scan_engine *e;
	struct scan_report r;
	size_t len, zlen;
	uint8_t *body, *z;
	uLongf glen;
	char err[256];
	double t;
	long k, repeat = argc > 2 ? strtol(argv[2], NULL, 10) : 200;

	if (argc < 2 || !(body = slurp(argv[1], &len)) || repeat <= 0 || repeat > 1000000) {
		fprintf(stderr, "usage: bench_actions FILE [REPEAT]\n");
		return 2;
	}
	if (!(e = scan_engine_new(NULL, err, sizeof(err)))) {
		fprintf(stderr, "bench_actions: %s\n", err);
		return 1;
	}
	printf("%s: %zu bytes, %ld repeats\n", argv[1], len, repeat);
	if (phase(argc, argv, "scan")) {
		scan_report_init(&r);
		t = now();
		for (k = 0; k < repeat; k++)
			scan_body(e, body, len, &r);
		report("scan only", now() - t, repeat, len);
		scan_report_release(&r);
	}
	if (phase(argc, argv, "normalize"))
		bench_rewrite(e, body, len, repeat, PROXY_NORMALIZE, "scan + policy + normalize");
	if (phase(argc, argv, "redact"))
		bench_rewrite(e, body, len, repeat, PROXY_REDACT, "scan + policy + redact");
	glen = compressBound(len);
	z = malloc(glen > ZSTD_compressBound(len) ? glen : ZSTD_compressBound(len));
	if (!z || compress2(z, &glen, body, len, 6) != Z_OK)
		abort();
	if (phase(argc, argv, "deflate"))
		bench_decode("deflate", z, glen, len, repeat);
	zlen = ZSTD_compress(z, ZSTD_compressBound(len), body, len, 3);
	if (ZSTD_isError(zlen))
		abort();
	if (phase(argc, argv, "zstd"))
		bench_decode("zstd", z, zlen, len, repeat);
	free(z);
	free(body);
	scan_engine_free(e);
	return 0;
}
