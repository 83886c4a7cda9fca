/* SPDX-License-Identifier: MIT */
/*
 * config.c - reading the proxy's JSON configuration file.
 *
 * Strict on purpose: an unknown setting or a value of the wrong type is an
 * error naming the setting, because a typo in a security tool's
 * configuration ("aciton": "block") must not quietly mean "log".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "proxy/config.h"
#include "util/banned.h"

#define MAX_ROUTES 64

struct loader {
	struct proxy_config *cfg;
	struct proxy_file *file;
	char *prefix[MAX_ROUTES];
	char *upstream[MAX_ROUTES];
	size_t nroutes;
	char msg[256];
};

static char *string_value(const struct json_walker *w, size_t start, size_t end)
{
	struct buf b;

	buf_init(&b, 64 * 1024);
	if (json_unescape(w->body + start + 1, end - start - 2, &b)) {
		buf_release(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* Keep @s for the life of the file; NULL when out of room or memory. */
static const char *keep(struct loader *l, char *s)
{
	if (!s || l->file->nstrings == sizeof(l->file->strings) / sizeof(l->file->strings[0])) {
		free(s);
		return NULL;
	}
	l->file->strings[l->file->nstrings++] = s;
	return s;
}

static int bad(struct loader *l, const char *what, const struct json_seg *seg)
{
	snprintf(l->msg, sizeof(l->msg), "%s '%.*s'", what,
		 seg && seg->key ? (int)(seg->keylen > 64 ? 64 : seg->keylen) : 0,
		 seg && seg->key ? (const char *)seg->key : "");
	return -1;
}

static int severity(struct loader *l, const struct json_walker *w, size_t start,
		    size_t end, enum scan_severity *out)
{
	char *s = string_value(w, start, end);
	int v = s ? scan_severity_parse(s) : -1;

	free(s);
	if (v < 0)
		return bad(l, "info, low, medium, high or critical expected for", &w->segs[0]);
	*out = (enum scan_severity)v;
	return 0;
}

static int route_value(struct loader *l, const struct json_walker *w, enum json_kind kind,
		       size_t start, size_t end)
{
	const struct json_seg *seg = &w->segs[2];
	size_t i = w->segs[1].index;
	char **slot;

	if (i >= MAX_ROUTES)
		return bad(l, "too many routes (at most 64) at", &w->segs[0]);
	if (json_seg_is(seg, "prefix"))
		slot = &l->prefix[i];
	else if (json_seg_is(seg, "upstream"))
		slot = &l->upstream[i];
	else
		return bad(l, "unknown route setting", seg);
	if (kind != JSON_STRING)
		return bad(l, "a string expected for route setting", seg);
	free(*slot);
	*slot = string_value(w, start, end);
	if (i + 1 > l->nroutes)
		l->nroutes = i + 1;
	return *slot ? 0 : bad(l, "out of memory at", seg);
}

static int top_value(struct loader *l, const struct json_walker *w, enum json_kind kind,
		     size_t start, size_t end)
{
	const struct json_seg *seg = &w->segs[0];
	struct proxy_config *c = l->cfg;
	const char **str = NULL;

	if (json_seg_is(seg, "routes") || json_seg_is(seg, "schema"))
		return 0; /* routes come element by element; the schema is 1 */
	if (json_seg_is(seg, "fail_open")) {
		if (kind != JSON_TRUE && kind != JSON_FALSE)
			return bad(l, "true or false expected for", seg);
		c->fail_open = kind == JSON_TRUE;
		return 0;
	}
	if (kind != JSON_STRING)
		return bad(l, "a string expected for", seg);
	if (json_seg_is(seg, "block_at"))
		return severity(l, w, start, end, &c->block_at);
	if (json_seg_is(seg, "alert_at"))
		return severity(l, w, start, end, &c->alert_at);
	if (json_seg_is(seg, "action")) {
		char *a = string_value(w, start, end);
		int ok = a && (!strcmp(a, "log") || !strcmp(a, "block"));

		if (ok)
			c->action = a[0] == 'b' ? PROXY_BLOCK : PROXY_LOG;
		free(a);
		return ok ? 0 : bad(l, "log or block expected for", seg);
	}
	if (json_seg_is(seg, "listen"))
		str = &c->listen;
	else if (json_seg_is(seg, "db"))
		str = &c->db;
	else if (json_seg_is(seg, "cacert"))
		str = &c->cacert;
	else
		return bad(l, "unknown setting", seg);
	*str = keep(l, string_value(w, start, end));
	return *str ? 0 : bad(l, "out of memory at", seg);
}

static int on_value(void *ctx, const struct json_walker *w, enum json_kind kind,
		    size_t start, size_t end)
{
	struct loader *l = ctx;

	if (w->depth == 1)
		return top_value(l, w, kind, start, end);
	if (w->depth == 3 && json_seg_is(&w->segs[0], "routes"))
		return route_value(l, w, kind, start, end);
	if (w->depth >= 2 && !json_seg_is(&w->segs[0], "routes"))
		return bad(l, "a plain value expected for", &w->segs[0]);
	if (w->depth == 2 && kind != JSON_OBJECT)
		return bad(l, "an object expected in", &w->segs[0]);
	return 0;
}

static int upstream_url_ok(const char *u)
{
	return !strncmp(u, "http://", 7) || !strncmp(u, "https://", 8);
}

/* Hand the routes over to the file, checked. */
static int take_routes(struct loader *l)
{
	struct proxy_file *f = l->file;
	size_t i;

	if (!l->nroutes)
		return 0;
	f->routes = calloc(l->nroutes, sizeof(*f->routes));
	if (!f->routes)
		return snprintf(l->msg, sizeof(l->msg), "out of memory"), -1;
	for (i = 0; i < l->nroutes; i++) {
		if (!l->prefix[i] || l->prefix[i][0] != '/' || !l->upstream[i] ||
		    !upstream_url_ok(l->upstream[i]))
			return snprintf(l->msg, sizeof(l->msg), "route %zu needs a \"prefix\" "
					"starting with '/' and an http:// or https:// "
					"\"upstream\"", i), -1;
		f->routes[i] = (struct proxy_route){ l->prefix[i], l->upstream[i] };
		l->prefix[i] = l->upstream[i] = NULL;
	}
	f->nroutes = l->nroutes;
	l->cfg->routes = f->routes;
	l->cfg->nroutes = f->nroutes;
	return 0;
}

int proxy_config_load(const char *name, const char *text, size_t len,
		      struct proxy_config *cfg, struct proxy_file *file,
		      char *err, size_t errlen)
{
	struct loader l = { .cfg = cfg, .file = file };
	struct json_visitor v = { .ctx = &l, .value = on_value };
	struct json_error jerr = { 0 };
	size_t i;
	int rc;

	memset(file, 0, sizeof(*file));
	rc = json_walk((const uint8_t *)text, len, 8, &v, &jerr);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
		snprintf(l.msg, sizeof(l.msg), "%s", jerr.msg);
	if (!rc)
		rc = take_routes(&l);
	for (i = 0; i < MAX_ROUTES; i++) {
		free(l.prefix[i]);
		free(l.upstream[i]);
	}
	if (rc) {
		snprintf(err, errlen, "bad configuration '%s': %s", name,
			 l.msg[0] ? l.msg : "out of memory");
		proxy_file_release(file);
		return -1;
	}
	return 0;
}

void proxy_file_release(struct proxy_file *file)
{
	size_t i;

	for (i = 0; i < file->nroutes; i++) {
		free((char *)file->routes[i].prefix);
		free((char *)file->routes[i].upstream);
	}
	free(file->routes);
	for (i = 0; i < file->nstrings; i++)
		free(file->strings[i]);
	memset(file, 0, sizeof(*file));
}

const struct proxy_route *proxy_route_for(const struct proxy_config *cfg, const char *path)
{
	const struct proxy_route *best = NULL;
	size_t i, n, bestn = 0;

	for (i = 0; path && i < cfg->nroutes; i++) {
		n = strlen(cfg->routes[i].prefix);
		if (n >= bestn && !strncmp(path, cfg->routes[i].prefix, n)) {
			best = &cfg->routes[i];
			bestn = n;
		}
	}
	return best;
}
