/* SPDX-License-Identifier: MIT */
/*
 * test_probe.c - the pure parts of `overt probe`: the design's cells, the
 * code point diff (word widening, insertions placed alike in every cell),
 * the covert/visible judgement, and the analysis over captures built by
 * hand: attribution to one factor, to a pair, and noise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "probe/probe.h"
#include "util/banned.h"

static void cps(const char *s, uint32_t **v, size_t *n)
{
	assert_int_equal(probe_utf8_cps(s, strlen(s), v, n), 0);
}

static size_t diff(const char *a, const char *b, struct probe_hunk **h)
{
	uint32_t *x, *y;
	size_t nx, ny, nh;

	cps(a, &x, &nx);
	cps(b, &y, &ny);
	assert_int_equal(probe_diff(x, nx, y, ny, h, &nh), 0);
	free(x);
	free(y);
	return nh;
}

static void test_diff_apostrophe(void **state)
{
	struct probe_hunk *h;

	(void)state;
	assert_int_equal(diff("Today's date", "Today\xe2\x80\x99s date", &h), 1);
	assert_int_equal(h[0].ref_start, 5);
	assert_int_equal(h[0].ref_end, 6);
	assert_int_equal(h[0].oth_start, 5);
	assert_int_equal(h[0].oth_end, 6);
	free(h);
}

static void test_diff_widens_words(void **state)
{
	struct probe_hunk *h;

	(void)state;
	/* Random ids share characters by chance: still one edit, the whole id. */
	assert_int_equal(diff("user_a3f9c2 done", "user_b3c1d2 done", &h), 1);
	assert_int_equal(h[0].ref_start, 5);
	assert_int_equal(h[0].ref_end, 11);
	free(h);
	/* A separator between digits is not widened. */
	assert_int_equal(diff("2026-12-01", "2026/12/01", &h), 2);
	assert_int_equal(h[0].ref_start, 4);
	assert_int_equal(h[0].ref_end, 5);
	assert_int_equal(h[1].ref_start, 7);
	free(h);
	assert_int_equal(diff("same", "same", &h), 0);
	free(h);
}

static void test_diff_insertions_line_up(void **state)
{
	struct probe_hunk *h1, *h2;

	(void)state;
	/* The same insertion, with another change elsewhere in one of them. */
	assert_int_equal(diff("x=no hosts=devbox  t", "x=no hosts=devbox api.cn  t", &h1), 1);
	assert_int_equal(diff("x=no hosts=devbox  t", "x=yes hosts=devbox api.cn  t", &h2), 2);
	assert_int_equal(h1[0].ref_start, h2[1].ref_start);
	assert_int_equal(h1[0].ref_end, h2[1].ref_end);
	assert_int_equal(h1[0].ref_start, h1[0].ref_end);
	free(h1);
	free(h2);
}

static enum probe_class classify(const char *a, const char *b, const char **kind)
{
	uint32_t *x, *y;
	size_t nx, ny;
	enum probe_class c;

	cps(a, &x, &nx);
	cps(b, &y, &ny);
	c = probe_classify(x, nx, y, ny, kind);
	free(x);
	free(y);
	return c;
}

static void test_classify(void **state)
{
	const char *k;

	(void)state;
	assert_int_equal(classify("'", "\xe2\x80\x99", &k), PROBE_COVERT);
	assert_string_equal(k, "apostrophe");
	assert_int_equal(classify("", "\xe2\x80\x8b", &k), PROBE_COVERT);
	assert_string_equal(k, "invisible");
	assert_int_equal(classify("-", "/", &k), PROBE_COVERT);
	assert_string_equal(k, "separator");
	assert_int_equal(classify(" ", "  ", &k), PROBE_COVERT);
	assert_string_equal(k, "whitespace");
	assert_int_equal(classify(" ", "\xc2\xa0", &k), PROBE_COVERT);
	assert_string_equal(k, "whitespace");
	assert_int_equal(classify("a", "\xd0\xb0", &k), PROBE_COVERT); /* Cyrillic a */
	assert_string_equal(k, "look-alike");
	assert_int_equal(classify("01", "02", &k), PROBE_VISIBLE);
	assert_int_equal(classify("12/01/2026", "2026-12-01", &k), PROBE_VISIBLE);
	assert_int_equal(classify("unreachable", "reachable", &k), PROBE_VISIBLE);
}

static void plan_with(struct probe_plan *p, const char *tz, const char *lang,
		      const char *proxy, const char *host)
{
	const char *lists[PROBE_NFACTORS] = { tz, lang, proxy, host };
	char err[200];
	int f;

	memset(p, 0, sizeof(*p));
	for (f = 0; f < PROBE_NFACTORS; f++)
		assert_int_equal(probe_levels_parse((enum probe_factor)f, lists[f], &p->f[f], err,
						    sizeof(err)), 0);
}

static void test_plan(void **state)
{
	struct probe_plan p;
	struct buf b;
	int f;

	(void)state;
	plan_with(&p, "UTC,Asia/Shanghai,Asia/Urumqi", "en_US.UTF-8,zh_CN.UTF-8", "off,on",
		  "127.0.0.1,a.cn");
	assert_int_equal(probe_plan_cells(&p, PROBE_DESIGN_SINGLE, 2), 0);
	assert_int_equal(p.ncells, 2 + 2 + 1 + 1 + 1);
	assert_int_equal(probe_plan_cells(&p, PROBE_DESIGN_PAIRS, 2), 0);
	/* + tz*lang 2, tz*proxy 2, tz*host 2, lang*proxy 1, lang*host 1, proxy*host 1 */
	assert_int_equal(p.ncells, 7 + 9);
	assert_int_equal(probe_plan_cells(&p, PROBE_DESIGN_FULL, 3), 0);
	assert_int_equal(p.ncells, 3 + 3 * 2 * 2 * 2 - 1);
	buf_init(&b, 1024);
	assert_int_equal(probe_cell_describe(&p, 3, &b), 0);
	assert_string_equal(b.data, "host=a.cn");
	buf_release(&b);
	probe_plan_release(&p);
	/* Bad levels. */
	for (f = 0; f < PROBE_NFACTORS; f++)
		memset(&p.f[f], 0, sizeof(p.f[f]));
	assert_int_equal(probe_levels_parse(PROBE_HOST, "a.cn,bad host", &p.f[PROBE_HOST], NULL, 0),
			 -22);
	assert_int_equal(probe_levels_parse(PROBE_TZ, "UTC,,X", &p.f[PROBE_TZ], NULL, 0), -22);
	assert_int_equal(probe_levels_parse(PROBE_PROXY, "maybe", &p.f[PROBE_PROXY], NULL, 0), -22);
	probe_plan_release(&p);
}

/* One request per cell with a system prompt and an id. */
static void fill(struct probe_capture *c, const char *system, const char *id)
{
	struct probe_request *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->endpoint = strdup("POST /v1/messages");
	r->key = strdup("POST /v1/messages model=m #1");
	r->leaves = calloc(2, sizeof(*r->leaves));
	r->leaves[0].path = strdup("$.system");
	r->leaves[0].value = strdup(system);
	r->leaves[0].len = strlen(system);
	r->leaves[0].is_string = 1;
	r->leaves[1].path = strdup("$.metadata.user_id");
	r->leaves[1].value = strdup(id);
	r->leaves[1].len = strlen(id);
	r->leaves[1].is_string = 1;
	r->nleaves = 2;
	c->v = r;
	c->n = 1;
}

static void test_analyze(void **state)
{
	struct probe_plan p;
	struct probe_capture caps[16];
	struct probe_result res = { 0 };
	size_t i, covert = 0;
	char id[32];

	(void)state;
	plan_with(&p, "UTC,Asia/Shanghai", "en_US.UTF-8", "off", "127.0.0.1,a.cn");
	assert_int_equal(probe_plan_cells(&p, PROBE_DESIGN_PAIRS, 2), 0);
	assert_int_equal(p.ncells, 5);
	memset(caps, 0, sizeof(caps));
	for (i = 0; i < p.ncells; i++) {
		int sh = p.cells[i].lv[PROBE_TZ] == 1, cn = p.cells[i].lv[PROBE_HOST] == 1;

		p.cells[i].ran = 1;
		snprintf(id, sizeof(id), "u%zux%zu", i * 7919 % 97, i * 31);
		/* U+2019 only for Shanghai and a.cn together; a ZWSP for a.cn. */
		fill(&caps[i], sh && cn ? "Hi.\xe2\x80\x8b Today\xe2\x80\x99s" :
			       cn ? "Hi.\xe2\x80\x8b Today's" : "Hi. Today's", id);
	}
	assert_int_equal(probe_analyze(&p, caps, &res), 0);
	assert_int_equal(res.nnoise, 1);
	for (i = 0; i < res.ndiffs; i++) {
		const struct probe_difference *d = &res.diffs[i];

		if (d->cls == PROBE_NOISE) {
			assert_string_equal(d->json_path, "$.metadata.user_id");
			continue;
		}
		assert_int_equal(d->cls, PROBE_COVERT);
		covert++;
		if (!strcmp(d->kind, "invisible")) {
			assert_int_equal(d->factors, 1u << PROBE_HOST);
			assert_string_equal(d->condition,
					    "\"\xe2\x9f\xa8U+200B\xe2\x9f\xa9\" when host \xe2\x88\x88 {a.cn}");
		} else {
			assert_string_equal(d->kind, "apostrophe");
			assert_int_equal(d->factors, 1u << PROBE_TZ | 1u << PROBE_HOST);
			assert_non_null(strstr(d->condition, "tz \xe2\x88\x88 {Asia/Shanghai} and "
							     "host \xe2\x88\x88 {a.cn}"));
		}
	}
	assert_int_equal(covert, 2);
	assert_int_equal(res.ncovert, 2);
	probe_result_release(&res);
	for (i = 0; i < p.ncells; i++)
		probe_capture_release(&caps[i]);
	probe_plan_release(&p);
}

/* Two separators of one date, changing together: one difference. */
static void test_analyze_merges(void **state)
{
	struct probe_plan p;
	struct probe_capture caps[4];
	struct probe_result res = { 0 };
	size_t i;

	(void)state;
	plan_with(&p, "UTC,Asia/Shanghai", "en_US.UTF-8", "off", "127.0.0.1");
	assert_int_equal(probe_plan_cells(&p, PROBE_DESIGN_PAIRS, 2), 0);
	assert_int_equal(p.ncells, 3);
	memset(caps, 0, sizeof(caps));
	for (i = 0; i < p.ncells; i++) {
		p.cells[i].ran = 1;
		fill(&caps[i], p.cells[i].lv[PROBE_TZ] ? "date 2026/12/01." : "date 2026-12-01.",
		     "same");
	}
	assert_int_equal(probe_analyze(&p, caps, &res), 0);
	assert_int_equal(res.ndiffs, 1);
	assert_int_equal(res.ncovert, 1);
	assert_string_equal(res.diffs[0].kind, "separator");
	assert_string_equal(res.diffs[0].values[0].text, "-12-");
	assert_string_equal(res.diffs[0].values[2].text, "/12/");
	assert_int_equal(res.diffs[0].offset, 9);
	probe_result_release(&res);
	for (i = 0; i < p.ncells; i++)
		probe_capture_release(&caps[i]);
	probe_plan_release(&p);
}

/* A session id in a request only two cells send: noise, as it is in the
 * request every cell sends, not the doing of the factor telling them apart. */
static void test_analyze_noise_elsewhere(void **state)
{
	struct probe_plan p;
	struct probe_capture caps[8];
	struct probe_result res = { 0 };
	size_t i, k;
	char id[32];

	(void)state;
	plan_with(&p, "UTC,Asia/Shanghai", "en_US.UTF-8", "off", "127.0.0.1,a.cn");
	assert_int_equal(probe_plan_cells(&p, PROBE_DESIGN_PAIRS, 2), 0);
	memset(caps, 0, sizeof(caps));
	for (i = 0; i < p.ncells; i++) {
		p.cells[i].ran = 1;
		snprintf(id, sizeof(id), "s%zu", i * 7 + 3);
		fill(&caps[i], "Hi.", id);
		if (p.cells[i].lv[PROBE_HOST]) {
			struct probe_request *r = realloc(caps[i].v, 2 * sizeof(*r));

			assert_non_null(r);
			caps[i].v = r;
			r[1] = r[0];
			r[1].key = strdup("POST /v1/other #1");
			r[1].endpoint = strdup("POST /v1/other");
			r[1].leaves = calloc(2, sizeof(*r->leaves));
			for (k = 0; k < 2; k++) {
				r[1].leaves[k].path = strdup(r[0].leaves[k].path);
				r[1].leaves[k].value = strdup(r[0].leaves[k].value);
				r[1].leaves[k].len = r[0].leaves[k].len;
			}
			caps[i].n = 2;
		}
	}
	assert_int_equal(probe_analyze(&p, caps, &res), 0);
	assert_int_equal(res.ncovert, 0);
	/* The other request is sent only for a.cn: visible, by host. */
	assert_int_equal(res.nvisible, 1);
	assert_int_equal(res.nnoise, 2);
	for (i = 0; i < res.ndiffs; i++)
		if (res.diffs[i].cls == PROBE_VISIBLE) {
			assert_string_equal(res.diffs[i].json_path, "(request)");
			assert_int_equal(res.diffs[i].factors, 1u << PROBE_HOST);
		}
	probe_result_release(&res);
	for (i = 0; i < p.ncells; i++)
		probe_capture_release(&caps[i]);
	probe_plan_release(&p);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const struct probe_leaf *leaf(const struct probe_request *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->nleaves; i++)
		if (!strcmp(r->leaves[i].path, path))
			return &r->leaves[i];
	return NULL;
}

/* What the mock and the proxy recorder write, read back. */
static void test_load(void **state)
{
	char dir[] = "/tmp/overt-test-probe-XXXXXX", sub[600], err[200];
	struct probe_capture cap = { 0 };
	const struct probe_leaf *l;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/out", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/out/rec", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(sub, "000001.json",
		   "{\"schema\":1,\"method\":\"POST\",\"path\":\"/v1/messages\",\"query\":\"beta=true\","
		   "\"headers\":[[\"Host\",\"a.cn\"],[\"User-Agent\",\"x/1\"],"
		   "[\"X-Id\",\"1\"],[\"x-id\",\"2\"]],"
		   "\"body\":\"{\\\"model\\\":\\\"m\\\",\\\"n\\\":[1,true,{}],"
		   "\\\"s\\\":\\\"a\\\\u2019\\u2019\\\"}\"}");
	/* Not UTF-8: the bytes come from body_base64 ("a\xff" is Yf8=). */
	write_file(sub, "000002.json",
		   "{\"method\":\"POST\",\"path\":\"/v1/messages\",\"headers\":[],"
		   "\"body\":\"a\\ufffd\",\"body_base64\":\"Yf8=\"}");
	snprintf(sub, sizeof(sub), "%s/out", dir);
	write_file(sub, "proxy.jsonl",
		   "{\"schema\":1,\"request_line\":\"POST http://a.cn/v1/messages HTTP/1.1\","
		   "\"headers\":[[\"Host\",\"a.cn\"]]}\n"
		   "{\"schema\":1,\"request_line\":\"CONNECT t.example:443 HTTP/1.1\","
		   "\"headers\":[]}\n");
	assert_int_equal(probe_load(dir, "a.cn", &cap, err, sizeof(err)), 0);
	assert_int_equal(cap.n, 4);
	assert_string_equal(cap.v[0].endpoint, "POST /v1/messages");
	assert_string_equal(cap.v[0].key, "POST /v1/messages model=m #1");
	assert_null(leaf(&cap.v[0], "header:host"));
	assert_string_equal(leaf(&cap.v[0], "query")->value, "beta=true");
	assert_null(leaf(&cap.v[1], "query"));
	assert_string_equal(leaf(&cap.v[0], "header:user-agent")->value, "x/1");
	assert_string_equal(leaf(&cap.v[0], "header:x-id")->value, "1");
	assert_string_equal(leaf(&cap.v[0], "header:x-id#2")->value, "2");
	assert_string_equal(leaf(&cap.v[0], "$.n[0]")->value, "1");
	assert_string_equal(leaf(&cap.v[0], "$.n[1]")->value, "true");
	assert_string_equal(leaf(&cap.v[0], "$.n[2]")->value, "{}");
	/* An escape and the raw bytes are the same character. */
	l = leaf(&cap.v[0], "$.s");
	assert_non_null(l);
	assert_string_equal(l->value, "a\xe2\x80\x99\xe2\x80\x99");
	assert_int_equal(cap.v[1].body_len, 2);
	assert_memory_equal(cap.v[1].body, "a\xff", 2);
	assert_string_equal(leaf(&cap.v[1], "$")->value, "a\xff");
	assert_string_equal(cap.v[1].key, "POST /v1/messages #1");
	assert_string_equal(cap.v[2].endpoint, "PROXY POST http://{host}/v1/messages");
	assert_string_equal(cap.v[3].key, "PROXY CONNECT t.example:443 #1");
	probe_capture_release(&cap);
	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	assert_int_equal(system(sub), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_apostrophe),
		cmocka_unit_test(test_diff_widens_words),
		cmocka_unit_test(test_diff_insertions_line_up),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_analyze),
		cmocka_unit_test(test_analyze_merges),
		cmocka_unit_test(test_analyze_noise_elsewhere),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
