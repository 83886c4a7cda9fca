/* SPDX-License-Identifier: MIT */
/*
 * action.c - the policy: which action a finding gets, and alert lines.
 *
 * The policy is a list of rules an organisation writes in the proxy's
 * configuration (rule id or prefix, category, minimum severity, origin ->
 * action), tried in order, first match wins, and a default action for
 * findings no rule names.  It is a plain function of the finding, so it is
 * tested without sockets and reads the same in the docs as in the code.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "proxy/action.h"
#include "util/banned.h"

static const char *const action_names[] = {
	[PROXY_LOG] = "log", [PROXY_ALERT] = "alert", [PROXY_NORMALIZE] = "normalize",
	[PROXY_REDACT] = "redact", [PROXY_BLOCK] = "block",
};

const char *proxy_action_name(enum proxy_action a)
{
	return (unsigned)a <= PROXY_BLOCK ? action_names[a] : "log";
}

int proxy_action_parse(const char *name)
{
	int i;

	for (i = 0; name && i <= PROXY_BLOCK; i++)
		if (!strcmp(name, action_names[i]))
			return i;
	return -1;
}

/* "tag.*" matches every rule id starting with "tag."; "*" matches all. */
static bool rule_id_matches(const char *pattern, const char *id)
{
	size_t n = strlen(pattern);

	if (n >= 1 && pattern[n - 1] == '*')
		return !strncmp(pattern, id, n - 1);
	return !strcmp(pattern, id);
}

static bool rule_matches(const struct proxy_rule *r, const struct scan_finding *f)
{
	return (!r->rule || rule_id_matches(r->rule, f->rule)) &&
	       (!r->category || !strcmp(r->category, f->category)) &&
	       (r->min_severity < 0 || (int)f->severity >= r->min_severity) &&
	       (r->origin < 0 || (int)f->origin == r->origin);
}

int proxy_rule_index(const struct proxy_config *cfg, const struct scan_finding *f)
{
	size_t i;

	for (i = 0; i < cfg->npolicy; i++)
		if (rule_matches(&cfg->policy[i], f))
			return (int)i;
	return -1;
}

enum proxy_action proxy_policy_action(const struct proxy_config *cfg,
				      const struct scan_finding *f)
{
	int i = proxy_rule_index(cfg, f);

	if (i >= 0)
		return cfg->policy[i].action;
	return f->severity >= cfg->block_at ? cfg->action : PROXY_LOG;
}

void proxy_alert(FILE *log, int syslog_on, uint64_t id, const char *method,
		 const char *path, const struct scan_finding *f)
{
	char line[1024], what[128];
	/* A secret's message could quote part of it; its place is enough. */
	bool secret = !strcmp(f->category, "secret");

	snprintf(what, sizeof(what), "a secret, %s", f->fingerprint ? f->fingerprint
								    : "not shown");
	snprintf(line, sizeof(line), "ALERT #%llu %s %s: %s %s (%s) %s byte %zu: %s",
		 (unsigned long long)id, method, path, scan_severity_name(f->severity),
		 f->rule, scan_origin_name(f->origin), f->json_path, f->byte_offset,
		 secret ? what : f->message);
	if (log)
		fprintf(log, "overt: %s\n", line);
	if (syslog_on)
		syslog(LOG_WARNING, "%s", line);
}
