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
#include <syslog.h>

#include "json/json.h"
#include "proxy/action.h"
#include "proxy/config.h"
#include "util/banned.h"

#define MAX_ROUTES 64
#define MAX_RULES 256

struct loader {
	struct proxy_config *cfg;
	struct proxy_file *file;
	char *prefix[MAX_ROUTES];
	char *upstream[MAX_ROUTES];
	size_t nroutes;
	struct proxy_rule *policy; /* MAX_RULES, allocated on first use */
	bool has_action[MAX_RULES];
	size_t npolicy;
	char msg[256];
};

static char *string_value(const struct json_walker *w, size_t start, size_t end)
{
	return json_string_dup(w->body, start, end, 64 * 1024);
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

/* A string value that @parse turns into a non-negative number, or an
 * error naming what was @expected. */
static int named(struct loader *l, const struct json_walker *w, size_t start, size_t end,
		 int (*parse)(const char *), const char *expected, int *out)
{
	char *s = string_value(w, start, end);
	int v = s ? parse(s) : -1;

	free(s);
	if (v < 0)
		return bad(l, expected, &w->segs[w->depth - 1]);
	*out = v;
	return 0;
}

static int severity(struct loader *l, const struct json_walker *w, size_t start,
		    size_t end, enum scan_severity *out)
{
	int v;

	if (named(l, w, start, end, scan_severity_parse,
		  "info, low, medium, high or critical expected for", &v))
		return -1;
	*out = (enum scan_severity)v;
	return 0;
}

static int action(struct loader *l, const struct json_walker *w, size_t start,
		  size_t end, enum proxy_action *out)
{
	int v;

	if (named(l, w, start, end, proxy_action_parse,
		  "log, alert, normalize, redact or block expected for", &v))
		return -1;
	*out = (enum proxy_action)v;
	return 0;
}

static int origin(struct loader *l, const struct json_walker *w, size_t start,
		  size_t end, int *out)
{
	char *s = string_value(w, start, end);
	int i;

	for (i = SCAN_ORIGIN_UNKNOWN; s && i <= SCAN_ORIGIN_METADATA; i++)
		if (!strcmp(s, scan_origin_name((enum scan_origin)i)))
			break;
	free(s);
	if (!s || i > SCAN_ORIGIN_METADATA)
		return bad(l, "system, user, assistant, tool_definition, tool_result, "
			   "metadata or unknown expected for", &w->segs[2]);
	*out = i;
	return 0;
}

/* The policy rule the walker is in, made when first seen; NULL with a
 * message when there are too many or memory is short. */
static struct proxy_rule *rule_at(struct loader *l, const struct json_walker *w)
{
	size_t i = w->segs[1].index;

	if (i >= MAX_RULES)
		return bad(l, "too many policy rules (at most 256) at", &w->segs[0]), NULL;
	if (!l->policy && !(l->policy = calloc(MAX_RULES, sizeof(*l->policy))))
		return bad(l, "out of memory at", &w->segs[0]), NULL;
	for (; l->npolicy <= i; l->npolicy++)
		l->policy[l->npolicy] = (struct proxy_rule){ NULL, NULL, -1, -1, PROXY_LOG };
	return &l->policy[i];
}

/* One setting of a policy rule: {"rule", "category", "min_severity",
 * "origin", "action"}. */
static int policy_value(struct loader *l, const struct json_walker *w, enum json_kind kind,
			size_t start, size_t end)
{
	const struct json_seg *seg = &w->segs[2];
	struct proxy_rule *r = rule_at(l, w);
	enum scan_severity sev;
	const char **str;

	if (!r)
		return -1;
	if (kind != JSON_STRING)
		return bad(l, "a string expected for policy setting", seg);
	if (json_seg_is(seg, "action")) {
		l->has_action[w->segs[1].index] = true;
		return action(l, w, start, end, &r->action);
	}
	if (json_seg_is(seg, "min_severity")) {
		if (severity(l, w, start, end, &sev))
			return -1;
		r->min_severity = (int)sev;
		return 0;
	}
	if (json_seg_is(seg, "origin"))
		return origin(l, w, start, end, &r->origin);
	if (json_seg_is(seg, "rule"))
		str = &r->rule;
	else if (json_seg_is(seg, "category"))
		str = &r->category;
	else
		return bad(l, "unknown policy setting", seg);
	free((char *)*str);
	*str = string_value(w, start, end);
	return *str ? 0 : bad(l, "out of memory at", seg);
}

static int facility(struct loader *l, const struct json_walker *w, size_t start,
		    size_t end, int *out)
{
	char *s = string_value(w, start, end);
	int v = s ? proxy_syslog_facility(s) : -2;

	free(s);
	if (v == -2)
		return bad(l, "authpriv, auth, user, daemon, local0..local7 or none "
			   "expected for", &w->segs[0]);
	*out = v;
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

	if (json_seg_is(seg, "routes") || json_seg_is(seg, "policy"))
		return kind == JSON_ARRAY ? 0 : bad(l, "a list expected for", seg);
	if (json_seg_is(seg, "schema"))
		return 0; /* the schema is 1 */
	if (json_seg_is(seg, "fail_open") || json_seg_is(seg, "sync")) {
		if (kind != JSON_TRUE && kind != JSON_FALSE)
			return bad(l, "true or false expected for", seg);
		*(json_seg_is(seg, "sync") ? &c->sync : &c->fail_open) = kind == JSON_TRUE;
		return 0;
	}
	if (kind != JSON_STRING)
		return bad(l, "a string expected for", seg);
	if (json_seg_is(seg, "block_at") || json_seg_is(seg, "action_at"))
		return severity(l, w, start, end, &c->block_at);
	if (json_seg_is(seg, "alert_at"))
		return severity(l, w, start, end, &c->alert_at);
	if (json_seg_is(seg, "action"))
		return action(l, w, start, end, &c->action);
	if (json_seg_is(seg, "syslog_facility"))
		return facility(l, w, start, end, &c->syslog_facility);
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
	if (w->depth == 3 && json_seg_is(&w->segs[0], "policy"))
		return policy_value(l, w, kind, start, end);
	if (w->depth >= 2 && !json_seg_is(&w->segs[0], "routes") &&
	    !json_seg_is(&w->segs[0], "policy"))
		return bad(l, "a plain value expected for", &w->segs[0]);
	if (w->depth == 2 && kind != JSON_OBJECT)
		return bad(l, "an object expected in", &w->segs[0]);
	if (w->depth == 2 && json_seg_is(&w->segs[0], "policy") && !rule_at(l, w))
		return -1;
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

/* Hand the policy over to the file: every rule needs an action. */
static int take_policy(struct loader *l)
{
	size_t i;

	for (i = 0; i < l->npolicy; i++)
		if (!l->has_action[i])
			return snprintf(l->msg, sizeof(l->msg), "policy rule %zu needs an "
					"\"action\": log, alert, normalize, redact or block",
					i), -1;
	l->file->policy = l->policy;
	l->file->npolicy = l->npolicy;
	l->policy = NULL;
	l->cfg->policy = l->file->policy;
	l->cfg->npolicy = l->file->npolicy;
	return 0;
}

static void free_rules(struct proxy_rule *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++) {
		free((char *)r[i].rule);
		free((char *)r[i].category);
	}
	free(r);
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
	if (!rc)
		rc = take_policy(&l);
	free_rules(l.policy, l.npolicy);
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
	free_rules(file->policy, file->npolicy);
	for (i = 0; i < file->nstrings; i++)
		free(file->strings[i]);
	memset(file, 0, sizeof(*file));
}

int proxy_syslog_facility(const char *name)
{
	static const struct { const char *name; int facility; } names[] = {
		{ "authpriv", LOG_AUTHPRIV }, { "auth", LOG_AUTH }, { "user", LOG_USER },
		{ "daemon", LOG_DAEMON }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
		{ "none", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return names[i].facility;
	return -2;
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
