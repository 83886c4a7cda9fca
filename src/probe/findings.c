/* SPDX-License-Identifier: MIT */
/*
 * findings.c - the scanner over every body a probe captured.
 *
 * The differences say what changes with the environment; the scanner says
 * what is suspicious in any single request, changing or not (a marker
 * present in every cell is no difference at all).  Findings are grouped by
 * rule, request and path, with the cells they were found in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "overt.h"
#include "probe/probe.h"
#include "util/banned.h"

static struct probe_finding *find_or_add(struct probe_result *res, const char *rule,
					 const char *endpoint, const char *path, uint32_t cp,
					 int *added)
{
	struct probe_finding *f;
	size_t i;

	*added = 0;
	for (i = 0; i < res->nfindings; i++) {
		f = &res->findings[i];
		if (!strcmp(f->rule, rule) && !strcmp(f->endpoint, endpoint) &&
		    !strcmp(f->json_path, path) && f->codepoint == cp)
			return f;
	}
	f = realloc(res->findings, (res->nfindings + 1) * sizeof(*f));
	if (!f)
		return NULL;
	res->findings = f;
	f += res->nfindings++;
	memset(f, 0, sizeof(*f));
	*added = 1;
	return f;
}

static int add_cell(struct probe_finding *f, size_t cell)
{
	char num[24], *v;
	size_t n = f->cells ? strlen(f->cells) : 0;
	int k = snprintf(num, sizeof(num), "%s%zu", n ? "," : "", cell + 1);

	v = realloc(f->cells, n + (size_t)k + 1);
	if (!v)
		return -ENOMEM;
	memcpy(v + n, num, (size_t)k + 1);
	f->cells = v;
	f->ncells++;
	return 0;
}

static int record(struct probe_result *res, const struct probe_request *r,
		  const struct scan_finding *sf, size_t cell)
{
	int added;
	struct probe_finding *f = find_or_add(res, sf->rule, r->key, sf->json_path, sf->codepoint,
					      &added);

	if (!f)
		return -ENOMEM;
	if (added) {
		f->rule = strdup(sf->rule);
		f->severity = strdup(scan_severity_name(sf->severity));
		f->endpoint = strdup(r->key);
		f->json_path = strdup(sf->json_path);
		f->message = strdup(sf->message);
		f->codepoint = sf->codepoint;
		if (!f->rule || !f->severity || !f->endpoint || !f->json_path || !f->message)
			return -ENOMEM;
	}
	/* One mention per cell, however many times it occurs there. */
	if (f->cells) {
		char num[24];
		const char *p = f->cells;
		size_t k = (size_t)snprintf(num, sizeof(num), "%zu", cell + 1);

		while ((p = strstr(p, num))) {
			if ((p == f->cells || p[-1] == ',') && (p[k] == ',' || !p[k]))
				return 0;
			p++;
		}
	}
	return add_cell(f, cell);
}

int probe_scan(const struct probe_plan *plan, const struct probe_capture *caps,
	       struct probe_result *res, char *err, size_t errlen)
{
	struct scan_engine *e = scan_engine_new(NULL, err, errlen);
	struct scan_report rep;
	size_t i, k, j;
	int rc = 0;

	if (!e)
		return -EINVAL;
	scan_report_init(&rep);
	for (i = 0; i < plan->ncells && !rc; i++) {
		for (k = 0; k < caps[i].n && !rc; k++) {
			const struct probe_request *r = &caps[i].v[k];

			if (!r->body_len)
				continue;
			/* A body that is not JSON still has its findings up to
			 * the error; the error itself is not the probe's business. */
			scan_body(e, r->body, r->body_len, &rep);
			for (j = 0; j < rep.nfindings && !rc; j++)
				rc = record(res, r, &rep.findings[j], i);
		}
	}
	scan_report_release(&rep);
	scan_engine_free(e);
	if (rc)
		snprintf(err, errlen, "out of memory");
	return rc;
}
