/* SPDX-License-Identifier: MIT */
/*
 * policy.c - an organisation's rules for agents: allow, ban, or allow on
 * conditions, by agent, version range, install method and advisory
 * severity; and the verdict for each install.
 *
 * Rules are tried in order and the first that matches decides, as in a
 * firewall, so "ban claude 2.1.91 - 2.1.118" before "allow claude" reads
 * the way it acts.  The file is strict (an unknown key is an error): a
 * misspelt "versions" would otherwise turn a narrow ban into a total one,
 * or the reverse.  The format is in docs/INVENTORY.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overt.h"
#include "inventory/internal.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/banned.h"

struct rule {
	char *agent;            /* name or "*" */
	char *versions;         /* range, or NULL for any */
	struct inv_strv methods;        /* install methods it applies to; empty: any */
	int ban;
	char *reason;
	int max_severity;       /* condition: advisories above it ban; -1 none */
	struct inv_strv only_methods;   /* condition: allowed methods; empty: any */
};

struct inv_policy {
	char *name;
	int default_ban;
	int ban_at;             /* advisories at or above ban; -1 none */
	struct rule *v;
	size_t n;
};

struct inv_policy *inv_policy_default(void)
{
	struct inv_policy *p = calloc(1, sizeof(*p));

	if (p)
		p->ban_at = SCAN_SEV_CRITICAL;
	return p;
}

void inv_policy_free(struct inv_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].agent);
		free(p->v[i].versions);
		free(p->v[i].reason);
		inv_strv_free(&p->v[i].methods);
		inv_strv_free(&p->v[i].only_methods);
	}
	free(p->v);
	free(p->name);
	free(p);
}

struct ploader {
	struct inv_policy *p;
	char msg[200];
};

static int fail(struct ploader *l, const char *what, const struct json_walker *w)
{
	struct buf path;

	buf_init(&path, 256);
	json_path_format(w, &path);
	snprintf(l->msg, sizeof(l->msg), "%s at %s", what, path.data ? path.data : "$");
	buf_release(&path);
	return -1;
}

static struct rule *rule_at(struct inv_policy *p, size_t idx)
{
	size_t before = p->n;
	struct rule *r = inv_grow_at(&p->v, &p->n, sizeof(*p->v), idx);

	if (r && p->n != before)
		r->max_severity = -1;  /* new: no condition yet */
	return r;
}

static int set_string(struct ploader *l, const struct json_walker *w, enum json_kind kind,
		      size_t start, size_t end, char **slot)
{
	if (kind != JSON_STRING)
		return fail(l, "a string expected", w);
	free(*slot);
	*slot = inv_json_string(w, start, end);
	return *slot ? 0 : fail(l, "out of memory", w);
}

static int add_string(struct ploader *l, const struct json_walker *w, enum json_kind kind,
		      size_t start, size_t end, struct inv_strv *v)
{
	char *s;
	int rc;

	if (kind != JSON_STRING)
		return fail(l, "a string expected", w);
	s = inv_json_string(w, start, end);
	rc = s ? inv_strv_add(v, s) : -1;
	free(s);
	return rc ? fail(l, "out of memory", w) : 0;
}

static int severity_of(struct ploader *l, const struct json_walker *w, enum json_kind kind,
		       size_t start, size_t end, int *out)
{
	char *s = NULL;
	int none;

	if (set_string(l, w, kind, start, end, &s))
		return -1;
	none = !strcmp(s, "none");
	*out = none ? -1 : scan_severity_parse(s);
	free(s);
	if (*out < 0 && !none)
		return fail(l, "a severity (info, low, medium, high, critical or none) expected", w);
	return 0;
}

/* rules[i].conditions.* */
static int on_condition(struct ploader *l, struct rule *r, const struct json_walker *w,
			enum json_kind kind, size_t start, size_t end)
{
	const struct json_seg *key = &w->segs[3];

	if (w->depth == 3)
		return kind == JSON_OBJECT ? 0 : fail(l, "an object expected", w);
	if (json_seg_is(key, "max_severity")) {
		if (w->depth != 4)
			return fail(l, "a severity expected", w);
		return severity_of(l, w, kind, start, end, &r->max_severity);
	}
	if (json_seg_is(key, "methods")) {
		if (w->depth == 4)
			return kind == JSON_ARRAY ? 0 : fail(l, "a list expected", w);
		return add_string(l, w, kind, start, end, &r->only_methods);
	}
	return fail(l, "unknown condition", w);
}

/* rules[i].* */
static int on_rule(struct ploader *l, const struct json_walker *w, enum json_kind kind,
		   size_t start, size_t end)
{
	struct rule *r;
	const struct json_seg *key;
	char *action = NULL;
	int rc;

	if (w->depth == 1)
		return kind == JSON_ARRAY ? 0 : fail(l, "a list of rules expected", w);
	if (!(r = rule_at(l->p, w->segs[1].index)))
		return fail(l, "out of memory", w);
	if (w->depth == 2)
		return kind == JSON_OBJECT ? 0 : fail(l, "a rule object expected", w);
	key = &w->segs[2];
	if (json_seg_is(key, "conditions"))
		return on_condition(l, r, w, kind, start, end);
	if (json_seg_is(key, "methods"))
		return w->depth == 3 ? (kind == JSON_ARRAY ? 0 : fail(l, "a list expected", w)) :
		       add_string(l, w, kind, start, end, &r->methods);
	if (w->depth != 3)
		return fail(l, "too deep a value", w);
	if (json_seg_is(key, "agent"))
		return set_string(l, w, kind, start, end, &r->agent);
	if (json_seg_is(key, "versions")) {
		if (set_string(l, w, kind, start, end, &r->versions))
			return -1;
		return inv_semver_satisfies("0.0.0", r->versions) < 0 ?
		       fail(l, "not a version range", w) : 0;
	}
	if (json_seg_is(key, "reason"))
		return set_string(l, w, kind, start, end, &r->reason);
	if (!json_seg_is(key, "action"))
		return fail(l, "unknown rule key", w);
	if (set_string(l, w, kind, start, end, &action))
		return -1;
	r->ban = !strcmp(action, "ban");
	rc = r->ban || !strcmp(action, "allow") ? 0 :
	     fail(l, "\"action\" takes allow or ban", w);
	free(action);
	return rc;
}

static int on_top(struct ploader *l, const struct json_walker *w, enum json_kind kind,
		  size_t start, size_t end)
{
	const struct json_seg *key = &w->segs[0];
	char *def = NULL;
	int rc;

	if (json_seg_is(key, "rules"))
		return on_rule(l, w, kind, start, end);
	if (json_seg_is(key, "advisories")) {
		if (w->depth == 1)
			return kind == JSON_OBJECT ? 0 : fail(l, "an object expected", w);
		if (w->depth != 2 || !json_seg_is(&w->segs[1], "ban_at"))
			return fail(l, "unknown key", w);
		return severity_of(l, w, kind, start, end, &l->p->ban_at);
	}
	if (w->depth != 1)
		return fail(l, "unknown key", w);
	if (json_seg_is(key, "schema"))
		return kind == JSON_NUMBER && end - start == 1 && w->body[start] == '1' ? 0 :
		       fail(l, "this overt reads policy schema 1", w);
	if (json_seg_is(key, "name"))
		return set_string(l, w, kind, start, end, &l->p->name);
	if (!json_seg_is(key, "default"))
		return fail(l, "unknown key", w);
	if (set_string(l, w, kind, start, end, &def))
		return -1;
	l->p->default_ban = !strcmp(def, "ban");
	rc = l->p->default_ban || !strcmp(def, "allow") ? 0 :
	     fail(l, "\"default\" takes allow or ban", w);
	free(def);
	return rc;
}

static int on_policy_value(void *ctx, const struct json_walker *w, enum json_kind kind,
			   size_t start, size_t end)
{
	struct ploader *l = ctx;

	if (w->depth == 0)
		return kind == JSON_OBJECT ? 0 : fail(l, "an object expected", w);
	if (!w->segs[0].key)
		return fail(l, "an object expected", w);
	return on_top(l, w, kind, start, end);
}

struct inv_policy *inv_policy_parse(const char *name, const char *text, size_t len,
				    char *err, size_t errlen)
{
	struct ploader l = { inv_policy_default(), "" };
	struct json_visitor v = { .ctx = &l, .value = on_policy_value };
	struct json_error jerr;
	size_t i;
	int rc;

	if (!l.p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l.p->ban_at = -1;
	rc = json_walk((const uint8_t *)text, len, 32, &v, &jerr);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
		snprintf(l.msg, sizeof(l.msg), "%s", jerr.msg);
	for (i = 0; !rc && i < l.p->n; i++)
		if (!l.p->v[i].agent) {
			snprintf(l.msg, sizeof(l.msg), "rule %zu has no \"agent\" (use \"*\" for "
				 "every agent)", i + 1);
			rc = -1;
		}
	if (rc) {
		snprintf(err, errlen, "%s: %s", name, l.msg[0] ? l.msg : "out of memory");
		inv_policy_free(l.p);
		return NULL;
	}
	return l.p;
}

struct inv_policy *inv_policy_load(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = inv_read_file(path, INV_MAX_SMALL_FILE, &len);
	struct inv_policy *p;

	if (!text) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	p = inv_policy_parse(path, text, len, err, errlen);
	free(text);
	return p;
}

static int rule_matches(const struct rule *r, const struct inv_install *in)
{
	if (strcmp(r->agent, "*") && strcmp(r->agent, in->agent->name))
		return 0;
	if (r->methods.n && !inv_strv_has(&r->methods, in->method))
		return 0;
	/* A version range says nothing about an install of unknown version. */
	return !r->versions || (in->version && inv_semver_satisfies(in->version, r->versions) == 1);
}

static int worst_advisory(const struct inv_install *in)
{
	int worst = -1;
	size_t i;

	for (i = 0; i < in->nadvisories; i++)
		if (in->advisories[i]->severity > worst)
			worst = in->advisories[i]->severity;
	return worst;
}

static char *reason_for(const struct rule *r, const struct inv_install *in, int ban_at,
			int *ban)
{
	char text[512];
	int worst = worst_advisory(in), limit = r && r->max_severity >= 0 ? r->max_severity : -1;

	text[0] = '\0';
	if (r && r->ban) {
		snprintf(text, sizeof(text), "%s", r->reason ? r->reason : "banned by policy");
	} else if (r && r->only_methods.n && !inv_strv_has(&r->only_methods, in->method)) {
		snprintf(text, sizeof(text), "installed by %s, which the policy does not allow%s%s",
			 in->method, r->reason ? ": " : "", r->reason ? r->reason : "");
	} else if (limit >= 0 && worst > limit) {
		snprintf(text, sizeof(text), "%s advisory %s is above the allowed %s",
			 scan_severity_name(worst), in->advisories[0]->id, scan_severity_name(limit));
	} else if (limit < 0 && ban_at >= 0 && worst >= ban_at) {
		snprintf(text, sizeof(text), "%s advisory %s", scan_severity_name(worst),
			 in->advisories[0]->id);
	} else if (!r && *ban) {
		snprintf(text, sizeof(text), "not allowed by policy (default ban)");
	} else {
		*ban = 0;
		return r && r->reason ? strdup(r->reason) : NULL;
	}
	*ban = 1;
	return strdup(text);
}

/* Editor extensions and plugins are versioned on their own: only an
 * advisory that names the extension itself applies to them. */
static int is_plugin(const struct inv_install *in)
{
	size_t i;

	if (!in->package || !strcmp(in->method, "jetbrains"))
		return in->package != NULL;
	for (i = 0; i < in->agent->extensions.n; i++)
		if (!strcmp(in->agent->extensions.v[i], in->package))
			return 1;
	return 0;
}

static int match_advisories(struct inv_install *in, const struct inv_advisories *adv)
{
	const struct agent_list *names = &in->agent->npm;
	const char *pkg;
	size_t i, k, first = is_plugin(in) ? names->n : 0;

	for (i = 0; in->version && i < adv->n; i++)
		for (k = first; k < names->n + (in->package ? 1 : 0); k++) {
			pkg = k < names->n ? names->v[k] : in->package;
			if (inv_advisory_affects(&adv->v[i], pkg, in->version)) {
				const struct inv_advisory **v = realloc(in->advisories,
					(in->nadvisories + 1) * sizeof(*v));

				if (!v)
					return INV_ENOMEM;
				in->advisories = v;
				v[in->nadvisories++] = &adv->v[i];
				break;
			}
		}
	return 0;
}

int inv_judge(struct inv_report *r, const struct inv_advisories *adv,
	      const struct inv_policy *p)
{
	const struct rule *rule;
	size_t i, k;
	int banned = 0, ban;

	for (i = 0; i < r->n; i++) {
		struct inv_install *in = &r->v[i];

		if (in->verdict == INV_TRACES)
			continue;
		if (match_advisories(in, adv))
			return INV_ENOMEM;
		for (rule = NULL, k = 0; !rule && k < p->n; k++)
			if (rule_matches(&p->v[k], in))
				rule = &p->v[k];
		ban = rule ? rule->ban : p->default_ban;
		free(in->reason);
		in->reason = reason_for(rule, in, p->ban_at, &ban);
		in->verdict = ban ? INV_BANNED : INV_ALLOWED;
		banned += ban;
	}
	return banned;
}
