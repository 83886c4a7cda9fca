/* SPDX-License-Identifier: MIT */
/*
 * sarif.c - `--format sarif`: one SARIF 2.1.0 log with one run, for code
 * scanning dashboards.
 *
 * Results are streamed as bodies arrive, so a capture of any size needs
 * memory only for the rules seen so far: the log opens with "results" and
 * the run's "tool" object, which lists those rules, comes after them when
 * the report finishes (SARIF does not fix the order of an object's keys).
 * A result's ruleIndex points into that list, in order of first use.
 */
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "report/internal.h"
#include "util/banned.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define INFORMATION_URI "https://github.com/overt-dev/overt"

static const struct scan_rule_info *builtin_rule(const char *id)
{
	const struct scan_rule_info *t;
	size_t n, i;

	t = scan_rules(&n);
	for (i = 0; t && i < n; i++)
		if (t[i].id && !strcmp(t[i].id, id))
			return &t[i];
	return NULL;
}

static int add_rule(struct reporter *r, const char *id,
		    const struct scan_finding *f)
{
	const struct scan_rule_info *info = builtin_rule(id);
	struct report_rule *rule, *grown;
	size_t cap;

	if (r->nrules == r->rules_cap) {
		cap = r->rules_cap ? r->rules_cap * 2 : 16;
		grown = realloc(r->rules, cap * sizeof(*grown));
		if (!grown)
			return REPORT_ENOMEM;
		r->rules = grown;
		r->rules_cap = cap;
	}
	rule = &r->rules[r->nrules];
	/* Scheme rules ("scheme.*") come from scheme files, not the table:
	 * the first finding's message is the best description there is. */
	rule->id = strdup(id);
	rule->description = strdup(info ? info->summary :
				   f->message ? f->message : id);
	rule->level = info ? info->default_severity : f->severity;
	if (!rule->id || !rule->description) {
		free(rule->id);
		free(rule->description);
		return REPORT_ENOMEM;
	}
	r->nrules++;
	return 0;
}

/* The rule's index in the run's rule list, adding it on first use. */
static int rule_index(struct reporter *r, const char *id,
		      const struct scan_finding *f, size_t *index)
{
	size_t i;
	int rc;

	for (i = 0; i < r->nrules; i++)
		if (!strcmp(r->rules[i].id, id))
			break;
	if (i == r->nrules) {
		rc = add_rule(r, id, f);
		if (rc)
			return rc;
	}
	*index = i;
	return 0;
}

static int is_uri_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-._~/!$&'()*+,;=@", c));
}

/* The path as a URI reference: relative paths stay relative, absolute
 * ones become file:// URIs, and every byte a URI may not hold (space, '%',
 * '#', ':', non-ASCII ...) is percent-encoded so viewers resolve it. */
static int add_uri(struct buf *b, const char *path)
{
	struct buf uri;
	const unsigned char *p;
	int rc = 0;

	buf_init(&uri, REPORT_MAX_OUTPUT);
	if (path[0] == '/')
		TRY(buf_adds(&uri, "file://"));
	for (p = (const unsigned char *)path; *p; p++) {
		if (is_uri_safe(*p))
			TRY(buf_addc(&uri, (char)*p));
		else
			TRY(buf_printf(&uri, "%%%02X", *p));
	}
	TRY(json_write_string(b, uri.data ? uri.data : "", uri.len));
out:
	buf_release(&uri);
	return rc;
}

static int add_location(struct buf *b, const char *file,
			const struct scan_finding *f)
{
	int rc;

	TRY(buf_adds(b, "\"locations\":[{\"physicalLocation\":"
			"{\"artifactLocation\":{\"uri\":"));
	TRY(add_uri(b, file));
	TRY(buf_printf(b, "},\"region\":{\"byteOffset\":%zu,\"byteLength\":%zu}},"
		       "\"logicalLocations\":[{\"fullyQualifiedName\":",
		       f->byte_offset, f->byte_length));
	TRY(report_add_string(b, f->json_path));
	TRY(buf_adds(b, ",\"kind\":\"member\"}]}]"));
out:
	return rc;
}

static int add_properties(struct buf *b, long entry,
			  const struct scan_finding *f)
{
	int rc;

	TRY(buf_adds(b, "\"properties\":{\"severity\":"));
	TRY(report_add_string(b, scan_severity_name(f->severity)));
	TRY(buf_adds(b, ",\"origin\":"));
	TRY(report_add_string(b, scan_origin_name(f->origin)));
	TRY(buf_adds(b, ",\"category\":"));
	TRY(report_add_string(b, f->category));
	TRY(buf_adds(b, ",\"codepoint\":"));
	TRY(report_add_codepoint(b, f->codepoint));
	TRY(buf_printf(b, ",\"count\":%lu,\"entry\":", (unsigned long)f->count));
	TRY(report_add_entry(b, entry));
	TRY(buf_adds(b, ",\"decoded\":"));
	TRY(report_add_raw_json(b, f->decoded));
	if (f->fingerprint) {
		TRY(buf_adds(b, ",\"fingerprint\":"));
		TRY(report_add_string(b, f->fingerprint));
	}
	TRY(buf_addc(b, '}'));
out:
	return rc;
}

static int begin(struct reporter *r)
{
	r->started = 1;
	return buf_adds(&r->out, "{\"$schema\":\"" SARIF_SCHEMA "\","
				 "\"version\":\"2.1.0\",\"runs\":[{\"results\":[");
}

int report_sarif_finding(struct reporter *r, const char *file, long entry,
			 const struct scan_finding *f)
{
	const char *id = f->rule ? f->rule : "unknown";
	struct buf *b = &r->out;
	size_t index;
	int rc = 0;

	if (!r->started)
		TRY(begin(r));
	TRY(rule_index(r, id, f, &index));
	TRY(buf_adds(b, r->nresults ? ",\n" : "\n"));
	TRY(buf_adds(b, "{\"ruleId\":"));
	TRY(report_add_string(b, id));
	TRY(buf_printf(b, ",\"ruleIndex\":%zu,\"level\":\"%s\",\"message\":{\"text\":",
		       index, report_sarif_level(f->severity)));
	TRY(report_add_string(b, f->message));
	TRY(buf_adds(b, "},"));
	TRY(add_location(b, file, f));
	TRY(buf_addc(b, ','));
	TRY(add_properties(b, entry, f));
	TRY(buf_addc(b, '}'));
	r->nresults++;
out:
	return rc;
}

static int add_rule_json(struct buf *b, const struct report_rule *rule)
{
	int rc;

	TRY(buf_adds(b, "{\"id\":"));
	TRY(report_add_string(b, rule->id));
	TRY(buf_adds(b, ",\"name\":"));
	TRY(report_add_string(b, rule->id));
	TRY(buf_adds(b, ",\"shortDescription\":{\"text\":"));
	TRY(report_add_string(b, rule->description));
	TRY(buf_printf(b, "},\"defaultConfiguration\":{\"level\":\"%s\"}}",
		       report_sarif_level(rule->level)));
out:
	return rc;
}

int report_sarif_finish(struct reporter *r)
{
	struct buf *b = &r->out;
	size_t i;
	int rc = 0;

	if (!r->started)
		TRY(begin(r));
	TRY(buf_adds(b, r->nresults ? "\n]," : "],"));
	TRY(buf_adds(b, "\"tool\":{\"driver\":{\"name\":\"overt\",\"version\":\""
			OVERT_VERSION "\",\"informationUri\":\"" INFORMATION_URI
			"\",\"rules\":["));
	for (i = 0; i < r->nrules; i++) {
		TRY(buf_adds(b, i ? ",\n" : "\n"));
		TRY(add_rule_json(b, &r->rules[i]));
	}
	TRY(buf_adds(b, r->nrules ? "\n]}}}]}\n" : "]}}}]}\n"));
out:
	return rc;
}
