/* SPDX-License-Identifier: MIT */
/*
 * plan.c - the environment matrix of `overt probe`: factors, their levels
 * and the cells of the design.
 *
 * Level 0 of every factor is the baseline.  The baseline cell is repeated
 * so that run-to-run noise (ids, timestamps) shows up as a difference
 * between cells whose factors are all equal.  Then each factor is changed
 * alone, and, by default, every pair of non-baseline levels of two factors
 * is tried too: a hidden marker may need two conditions at once (a custom
 * host and a timezone), which one-at-a-time cells never show.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"
#include "util/banned.h"

static const char *const factor_names[PROBE_NFACTORS] = { "tz", "lang", "proxy", "host" };

static const char *const default_tz[] = {
	"UTC", "America/New_York", "Asia/Shanghai", "Asia/Urumqi", "Europe/Moscow",
};
static const char *const default_lang[] = { "en_US.UTF-8", "zh_CN.UTF-8" };
static const char *const default_proxy[] = { "off", "on" };
/* 127.0.0.1 first (what a user pointing an agent at a local proxy writes),
 * then localhost, a .cn name, a name like a public API relay, and names
 * with AI-lab words, which a hidden domain list would match. */
static const char *const default_host[] = {
	"127.0.0.1", "localhost", "api.example.cn", "api.openai-proxy.org",
	"api.deepseek.com", "dashscope.aliyuncs.com",
};

const char *probe_factor_name(enum probe_factor f)
{
	return f < PROBE_NFACTORS ? factor_names[f] : "?";
}

static void levels_free(struct probe_levels *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int levels_add(struct probe_levels *l, const char *s, size_t n)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n] = strndup(s, n);
	if (!v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

int probe_levels_default(enum probe_factor f, struct probe_levels *l)
{
	static const struct {
		const char *const *v;
		size_t n;
	} d[PROBE_NFACTORS] = {
		{ default_tz, sizeof(default_tz) / sizeof(*default_tz) },
		{ default_lang, sizeof(default_lang) / sizeof(*default_lang) },
		{ default_proxy, sizeof(default_proxy) / sizeof(*default_proxy) },
		{ default_host, sizeof(default_host) / sizeof(*default_host) },
	};
	size_t i;

	levels_free(l);
	for (i = 0; i < d[f].n; i++)
		if (levels_add(l, d[f].v[i], strlen(d[f].v[i])))
			return -ENOMEM;
	return 0;
}

/* A level goes into an environment variable or /etc/hosts: printable
 * ASCII without spaces or commas, and host names only what DNS allows. */
static int level_ok(enum probe_factor f, const char *s, size_t n)
{
	size_t i;

	if (!n || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f)
			return 0;
		if (f == PROBE_HOST && !(c == '-' || c == '.' || (c >= '0' && c <= '9') ||
					 (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return 0;
	}
	if (f == PROBE_PROXY)
		return (n == 3 && !memcmp(s, "off", 3)) || (n == 2 && !memcmp(s, "on", 2));
	return 1;
}

int probe_levels_parse(enum probe_factor f, const char *list, struct probe_levels *l,
		       char *err, size_t errlen)
{
	const char *p = list, *comma;
	size_t n, i;

	levels_free(l);
	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (!level_ok(f, p, n)) {
			snprintf(err, errlen, "--%s: '%.*s' is not a %s", factor_names[f], (int)n, p,
				 f == PROBE_HOST ? "host name" :
				 f == PROBE_PROXY ? "proxy level (off, on)" : "value");
			return -EINVAL;
		}
		for (i = 0; i < l->n; i++)
			if (strlen(l->v[i]) == n && !memcmp(l->v[i], p, n))
				break;
		if (i == l->n && levels_add(l, p, n))
			return -ENOMEM;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int add_cell(struct probe_plan *plan, const unsigned *lv, unsigned repeat)
{
	struct probe_cell *c = realloc(plan->cells, (plan->ncells + 1) * sizeof(*c));

	if (!c)
		return -ENOMEM;
	plan->cells = c;
	c += plan->ncells++;
	memset(c, 0, sizeof(*c));
	memcpy(c->lv, lv, sizeof(c->lv));
	c->repeat = repeat;
	return 0;
}

/* Every combination: an odometer over the factors' levels. */
static int full_factorial(struct probe_plan *plan)
{
	unsigned lv[PROBE_NFACTORS] = { 0 };
	int f;

	for (;;) {
		if (lv[0] | lv[1] | lv[2] | lv[3])
			if (add_cell(plan, lv, 0))
				return -ENOMEM;
		for (f = PROBE_NFACTORS - 1; f >= 0; f--) {
			if (++lv[f] < plan->f[f].n)
				break;
			lv[f] = 0;
		}
		if (f < 0)
			return 0;
	}
}

int probe_plan_cells(struct probe_plan *plan, enum probe_design design, unsigned repeat)
{
	unsigned lv[PROBE_NFACTORS] = { 0 }, r, a, b;
	int f, g;

	free(plan->cells);
	plan->cells = NULL;
	plan->ncells = 0;
	for (r = 1; r <= (repeat ? repeat : 1); r++)
		if (add_cell(plan, lv, r))
			return -ENOMEM;
	if (design == PROBE_DESIGN_FULL)
		return full_factorial(plan);
	for (f = 0; f < PROBE_NFACTORS; f++)
		for (a = 1; a < plan->f[f].n; a++) {
			lv[f] = a;
			if (add_cell(plan, lv, 0))
				return -ENOMEM;
			lv[f] = 0;
		}
	if (design == PROBE_DESIGN_SINGLE)
		return 0;
	for (f = 0; f < PROBE_NFACTORS; f++)
		for (g = f + 1; g < PROBE_NFACTORS; g++)
			for (a = 1; a < plan->f[f].n; a++)
				for (b = 1; b < plan->f[g].n; b++) {
					lv[f] = a;
					lv[g] = b;
					if (add_cell(plan, lv, 0))
						return -ENOMEM;
					lv[f] = lv[g] = 0;
				}
	return 0;
}

void probe_plan_release(struct probe_plan *plan)
{
	int f;

	for (f = 0; f < PROBE_NFACTORS; f++)
		levels_free(&plan->f[f]);
	free(plan->cells);
	plan->cells = NULL;
	plan->ncells = 0;
}

int probe_cell_describe(const struct probe_plan *plan, size_t cell, struct buf *out)
{
	const struct probe_cell *c = &plan->cells[cell];
	int f, rc = 0, any = 0;

	if (c->repeat)
		return buf_printf(out, "baseline #%u", c->repeat);
	for (f = 0; f < PROBE_NFACTORS && !rc; f++) {
		if (!c->lv[f])
			continue;
		rc = buf_printf(out, "%s%s=%s", any ? " " : "", factor_names[f],
				plan->f[f].v[c->lv[f]]);
		any = 1;
	}
	return rc;
}
