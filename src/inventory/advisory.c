/* SPDX-License-Identifier: MIT */
/*
 * advisory.c - advisories about agent releases, in the OSV format
 * (https://ossf.github.io/osv-schema/), compiled in from advisories/
 * and loadable from a dir.
 *
 * We read what deciding "does this advisory affect that install" needs:
 * id, summary, database_specific.severity (the GitHub advisory convention:
 * LOW, MODERATE or MEDIUM, HIGH, CRITICAL), and for each affected package
 * its ecosystem, name, SEMVER/ECOSYSTEM ranges and explicit versions.
 * Other OSV fields are allowed and ignored, so a file from an OSV database
 * loads as it is.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overt.h"
#include "inventory/internal.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/banned.h"

extern const struct scan_scheme_source advisory_builtin_files[];
extern const size_t advisory_builtin_files_n;

struct osv_loader {
	struct inv_advisory *adv;
	char msg[160];
};

static struct inv_affected *affected_at(struct inv_advisory *a, size_t idx)
{
	return inv_grow_at(&a->affected, &a->naffected, sizeof(*a->affected), idx);
}

static struct inv_range *range_at(struct inv_affected *af, size_t idx)
{
	return inv_grow_at(&af->ranges, &af->nranges, sizeof(*af->ranges), idx);
}

static int add_event(struct inv_range *r, const char *kind, char *version)
{
	struct inv_range_event *v;

	if (!version)
		return -1;
	v = realloc(r->events, (r->nevents + 1) * sizeof(*v));
	if (!v) {
		free(version);
		return -1;
	}
	r->events = v;
	v[r->nevents].kind = kind;
	v[r->nevents++].version = version;
	return 0;
}

static int set_str(char **slot, char *value)
{
	if (!value)
		return -1;
	free(*slot);
	*slot = value;
	return 0;
}

/* affected[i].ranges[j].(type | events[k].KIND) */
static int on_range(struct inv_affected *af, const struct json_walker *w, size_t start,
		    size_t end)
{
	static const char *const kinds[] = { "introduced", "fixed", "last_affected" };
	struct inv_range *r = range_at(af, w->segs[3].index);
	size_t i;

	if (!r)
		return -1;
	if (w->depth == 5 && json_seg_is(&w->segs[4], "type"))
		return set_str(&r->type, inv_json_string(w, start, end));
	if (w->depth != 7 || !json_seg_is(&w->segs[4], "events"))
		return 0;
	for (i = 0; i < 3; i++)
		if (json_seg_is(&w->segs[6], kinds[i]))
			return add_event(r, kinds[i], inv_json_string(w, start, end));
	return 0;
}

/* Every string under affected[i]. */
static int on_affected(struct osv_loader *l, const struct json_walker *w, size_t start,
		       size_t end)
{
	struct inv_affected *af = affected_at(l->adv, w->segs[1].index);

	if (!af)
		return -1;
	if (w->depth == 4 && json_seg_is(&w->segs[2], "package")) {
		if (json_seg_is(&w->segs[3], "ecosystem"))
			return set_str(&af->ecosystem, inv_json_string(w, start, end));
		if (json_seg_is(&w->segs[3], "name"))
			return set_str(&af->name, inv_json_string(w, start, end));
		return 0;
	}
	if (w->depth == 4 && json_seg_is(&w->segs[2], "versions")) {
		char *v = inv_json_string(w, start, end);
		int rc = v ? inv_strv_add(&af->versions, v) : -1;

		free(v);
		return rc;
	}
	if (w->depth >= 5 && json_seg_is(&w->segs[2], "ranges"))
		return on_range(af, w, start, end);
	return 0;
}

static int parse_severity(const char *s)
{
	char lower[16];
	size_t i;

	for (i = 0; s[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	lower[i] = '\0';
	if (!strcmp(lower, "moderate"))
		return SCAN_SEV_MEDIUM;
	return s[i] ? -1 : scan_severity_parse(lower);
}

static int on_osv_value(void *ctx, const struct json_walker *w, enum json_kind kind,
			size_t start, size_t end)
{
	struct osv_loader *l = ctx;
	struct inv_advisory *a = l->adv;
	char *s;

	if (kind != JSON_STRING || w->depth == 0)
		return 0;
	if (w->depth == 1 && json_seg_is(&w->segs[0], "id"))
		return set_str(&a->id, inv_json_string(w, start, end));
	if (w->depth == 1 && json_seg_is(&w->segs[0], "summary"))
		return set_str(&a->summary, inv_json_string(w, start, end));
	if (w->depth == 2 && json_seg_is(&w->segs[0], "database_specific") &&
	    json_seg_is(&w->segs[1], "severity")) {
		s = inv_json_string(w, start, end);
		a->severity = s ? parse_severity(s) : -1;
		if (a->severity < 0)
			snprintf(l->msg, sizeof(l->msg), "database_specific.severity '%s' is not "
				 "LOW, MODERATE, MEDIUM, HIGH or CRITICAL", s ? s : "");
		free(s);
		return a->severity < 0 ? -1 : 0;
	}
	if (w->depth >= 3 && json_seg_is(&w->segs[0], "affected"))
		return on_affected(l, w, start, end);
	return 0;
}

static void advisory_free(struct inv_advisory *a)
{
	size_t i, j, k;

	for (i = 0; i < a->naffected; i++) {
		struct inv_affected *af = &a->affected[i];

		for (j = 0; j < af->nranges; j++) {
			for (k = 0; k < af->ranges[j].nevents; k++)
				free(af->ranges[j].events[k].version);
			free(af->ranges[j].events);
			free(af->ranges[j].type);
		}
		free(af->ranges);
		free(af->ecosystem);
		free(af->name);
		inv_strv_free(&af->versions);
	}
	free(a->affected);
	free(a->id);
	free(a->summary);
	memset(a, 0, sizeof(*a));
}

int inv_advisory_parse(struct inv_advisories *set, const char *name, const char *text,
		       size_t len, char *err, size_t errlen)
{
	struct inv_advisory adv = { .severity = SCAN_SEV_MEDIUM }, *v;
	struct osv_loader l = { &adv, "" };
	struct json_visitor vis = { .ctx = &l, .value = on_osv_value };
	struct json_error jerr;
	int rc = json_walk((const uint8_t *)text, len, 64, &vis, &jerr);

	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
		snprintf(l.msg, sizeof(l.msg), "%s", jerr.msg);
	else if (!rc && (!adv.id || !adv.naffected))
		snprintf(l.msg, sizeof(l.msg), "an OSV advisory needs \"id\" and \"affected\"");
	else if (rc && !l.msg[0])
		snprintf(l.msg, sizeof(l.msg), "out of memory");
	if (rc || l.msg[0]) {
		snprintf(err, errlen, "%s: %s", name, l.msg);
		advisory_free(&adv);
		return INV_EFORMAT;
	}
	v = realloc(set->v, (set->n + 1) * sizeof(*v));
	if (!v) {
		advisory_free(&adv);
		snprintf(err, errlen, "out of memory");
		return INV_ENOMEM;
	}
	set->v = v;
	v[set->n++] = adv;
	return 0;
}

int inv_advisories_load_builtin(struct inv_advisories *a, char *err, size_t errlen)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < advisory_builtin_files_n; i++)
		rc = inv_advisory_parse(a, advisory_builtin_files[i].name,
					advisory_builtin_files[i].text,
					advisory_builtin_files[i].len, err, errlen);
	return rc;
}

static int load_file(struct inv_advisories *a, const char *dir, const char *name,
		     char *err, size_t errlen)
{
	char *path = inv_path_join(dir, name), *text;
	size_t len;
	int rc;

	if (!path)
		return INV_ENOMEM;
	text = inv_read_file(path, INV_MAX_SMALL_FILE, &len);
	if (!text) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		free(path);
		return INV_EIO;
	}
	rc = inv_advisory_parse(a, path, text, len, err, errlen);
	free(text);
	free(path);
	return rc;
}

int inv_advisories_load_dir(struct inv_advisories *a, const char *dir, char *err,
			    size_t errlen)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort), i, rc = 0;
	size_t len;

	if (n < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", dir, strerror(errno));
		return INV_EIO;
	}
	for (i = 0; i < n; i++) {
		len = strlen(names[i]->d_name);
		if (!rc && len > 5 && !strcmp(names[i]->d_name + len - 5, ".json"))
			rc = load_file(a, dir, names[i]->d_name, err, errlen);
		free(names[i]);
	}
	free(names);
	return rc;
}

void inv_advisories_free(struct inv_advisories *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		advisory_free(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static int event_cmp(const void *pa, const void *pb)
{
	const struct inv_range_event *a = *(const struct inv_range_event *const *)pa;
	const struct inv_range_event *b = *(const struct inv_range_event *const *)pb;
	int za = !strcmp(a->version, "0"), zb = !strcmp(b->version, "0");

	if (za || zb)
		return zb - za;
	return inv_semver_cmp(a->version, b->version);
}

/* OSV's evaluation of one range: walk the events in version order;
 * "introduced" opens, "fixed" closes at, "last_affected" closes after. */
static int range_affects(const struct inv_range *r, const char *version)
{
	const struct inv_range_event *sorted[64];
	size_t i, n = r->nevents < 64 ? r->nevents : 64;
	int affected = 0;

	if (!r->type || (strcmp(r->type, "SEMVER") && strcmp(r->type, "ECOSYSTEM")))
		return 0;
	for (i = 0; i < n; i++)
		sorted[i] = &r->events[i];
	qsort(sorted, n, sizeof(sorted[0]), event_cmp);
	for (i = 0; i < n; i++) {
		const struct inv_range_event *e = sorted[i];
		int c = !strcmp(e->version, "0") ? 1 : inv_semver_cmp(version, e->version);

		if (!strcmp(e->kind, "introduced") && c >= 0)
			affected = 1;
		else if (!strcmp(e->kind, "fixed") && c >= 0)
			affected = 0;
		else if (!strcmp(e->kind, "last_affected") && c > 0)
			affected = 0;
	}
	return affected;
}

int inv_advisory_affects(const struct inv_advisory *adv, const char *package,
			 const char *version)
{
	size_t i, j;

	for (i = 0; i < adv->naffected; i++) {
		const struct inv_affected *af = &adv->affected[i];

		if (!af->name || strcmp(af->name, package))
			continue;
		for (j = 0; j < af->versions.n; j++)
			if (!inv_semver_cmp(af->versions.v[j], version) &&
			    !strcmp(af->versions.v[j], version))
				return 1;
		for (j = 0; j < af->nranges; j++)
			if (range_affects(&af->ranges[j], version))
				return 1;
	}
	return 0;
}
