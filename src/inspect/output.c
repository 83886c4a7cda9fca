/* SPDX-License-Identifier: MIT */
/*
 * output.c - the inspector's findings as text, JSON lines or SARIF 2.1.0.
 *
 * JSON strings go through json_write_string, which writes ASCII only, and
 * text output shows control and bidi characters in names as escapes
 * (util/term.c): file and member names come from the inspected package,
 * and a name may hold terminal escapes.
 */
#include <string.h>

#include "inspect/internal.h"
#include "json/json.h"
#include "util/term.h"
#include "util/banned.h"

static const struct insp_rule rules[] = {
	{ "obfuscation.xor-table", "a list of dictionary words hidden with a one-byte XOR key" },
	{ "obfuscation.encoded-table", "a list of dictionary words in base64, char codes or escapes" },
	{ "fingerprint.near-prompt", "an environment read next to prompt-building code" },
	{ "fingerprint.timezone", "reads the system timezone" },
	{ "fingerprint.base-url", "reads API base-URL variables" },
	{ "fingerprint.proxy", "reads proxy variables" },
	{ "fingerprint.hostname", "reads the host name" },
	{ "fingerprint.username", "reads the user name" },
	{ "fingerprint.network", "reads the network interfaces" },
	{ "fingerprint.machine-id", "reads the machine id" },
	{ "fingerprint.locale", "reads the locale" },
	{ "covert.literal-near-date", "a look-alike or invisible character next to a date sentence or a character swap" },
	{ "covert.literal-near-swap", "a look-alike or invisible character next to code that swaps quote characters" },
	{ "covert.date-separator-swap", "code that swaps date separators next to a date sentence" },
	{ "covert.invisible-literal", "an invisible character in a code literal" },
	{ "covert.lookalike-literal", "a look-alike character escape in a code literal" },
	{ "embed.bun", "JavaScript embedded by Bun in a single-file executable" },
	{ "embed.node-sea", "JavaScript embedded as a Node single executable application" },
	{ "inspect.external-filter", "an archive only an external program decompresses (lrzip, lzop, grzip); not inspected" },
	{ "inspect.truncated", "a blob with more candidate matches than overt keeps; only partly inspected" },
};

const struct insp_rule *inspect_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

/* Names come from inside archives and decoded strings from hostile code. */
static void put_safe(FILE *out, const char *s)
{
	if (s)
		term_put_safe(out, s, strlen(s), 0);
}

static const char *sev_color(enum scan_severity s)
{
	return s >= SCAN_SEV_HIGH ? "\033[1;31m" : s == SCAN_SEV_MEDIUM ? "\033[33m" : "\033[36m";
}

static void text_one(const struct insp_finding *f, FILE *out, bool color)
{
	size_t i;

	put_safe(out, f->loc.file);
	if (f->loc.member) {
		fputc('!', out);
		put_safe(out, f->loc.member);
	}
	if (f->loc.line)
		fprintf(out, ":%u:%u", f->loc.line, f->loc.col);
	fprintf(out, " (byte %llu): %s%s%s %s\n", (unsigned long long)f->loc.offset,
		color ? sev_color(f->severity) : "", scan_severity_name(f->severity),
		color ? "\033[0m" : "", f->rule);
	fprintf(out, "  %s\n", f->message ? f->message : "");
	if (f->scheme) {
		fprintf(out, "  scheme: %s", f->scheme);
		if (f->key >= 0)
			fprintf(out, ", key 0x%02x", (unsigned)f->key);
		fprintf(out, ", words: %s\n", f->category ? f->category : "?");
	}
	if (f->ndecoded) {
		fputs("  decoded:", out);
		for (i = 0; i < f->ndecoded; i++) {
			fputs(i ? ", " : " ", out);
			put_safe(out, f->decoded[i]);
		}
		fputc('\n', out);
	}
	if (f->decoder)
		fprintf(out, "  decoder: %s\n", f->decoder);
	if (f->evidence)
		fprintf(out, "  evidence: %s\n", f->evidence);
}

static int add_str(struct buf *b, const char *key, const char *v)
{
	if (!v)
		return 0;
	return buf_printf(b, ",\"%s\":", key) || json_write_string(b, v, strlen(v));
}

/* The members every format shares, after an opening brace. */
static int json_body(struct buf *b, const struct insp_finding *f)
{
	size_t i;
	int rc = buf_printf(b, "\"schema\":%d,\"rule\":\"%s\",\"severity\":\"%s\"", OVERT_SCHEMA,
			    f->rule, scan_severity_name(f->severity));

	rc = rc || add_str(b, "file", f->loc.file) || add_str(b, "member", f->loc.member);
	rc = rc || buf_printf(b, ",\"offset\":%llu,\"length\":%llu",
			      (unsigned long long)f->loc.offset, (unsigned long long)f->length);
	if (f->loc.line)
		rc = rc || buf_printf(b, ",\"line\":%u,\"column\":%u", f->loc.line, f->loc.col);
	rc = rc || add_str(b, "message", f->message) || add_str(b, "evidence", f->evidence);
	rc = rc || add_str(b, "scheme", f->scheme) || add_str(b, "category", f->category);
	if (f->key >= 0)
		rc = rc || buf_printf(b, ",\"key\":%d", f->key);
	rc = rc || add_str(b, "decoder", f->decoder);
	if (f->ndecoded) {
		rc = rc || buf_adds(b, ",\"decoded\":[");
		for (i = 0; i < f->ndecoded; i++)
			rc = rc || (i && buf_addc(b, ',')) ||
			     json_write_string(b, f->decoded[i], strlen(f->decoded[i]));
		rc = rc || buf_addc(b, ']');
	}
	return rc;
}

static const char *sarif_level(enum scan_severity s)
{
	return s >= SCAN_SEV_HIGH ? "error" : s == SCAN_SEV_MEDIUM ? "warning" : "note";
}

static int sarif_result(struct buf *b, const struct insp_finding *f)
{
	int rc = buf_printf(b, "{\"ruleId\":\"%s\",\"level\":\"%s\",\"message\":{\"text\":",
			    f->rule, sarif_level(f->severity));

	rc = rc || json_write_string(b, f->message ? f->message : "", f->message ? strlen(f->message) : 0);
	rc = rc || buf_adds(b, "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
	rc = rc || json_write_string(b, f->loc.file, strlen(f->loc.file));
	rc = rc || buf_printf(b, "},\"region\":{\"byteOffset\":%llu,\"byteLength\":%llu",
			      (unsigned long long)f->loc.offset, (unsigned long long)f->length);
	if (f->loc.line && !f->loc.member)
		rc = rc || buf_printf(b, ",\"startLine\":%u,\"startColumn\":%u", f->loc.line, f->loc.col);
	rc = rc || buf_adds(b, "}}");
	if (f->loc.member)
		rc = rc || buf_adds(b, ",\"logicalLocations\":[{\"kind\":\"module\",\"name\":") ||
		     json_write_string(b, f->loc.member, strlen(f->loc.member)) || buf_adds(b, "}]");
	rc = rc || buf_adds(b, "}],\"properties\":{") || json_body(b, f) || buf_adds(b, "}}");
	return rc;
}

static int sarif(const struct inspector *in, struct buf *b, int min_sev)
{
	size_t i, n, shown = 0;
	const struct insp_rule *r = inspect_rules(&n);
	int rc = buf_adds(b, "{\"version\":\"2.1.0\",\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
			     "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"overt inspect\",\"version\":\""
			     OVERT_VERSION "\",\"rules\":[");

	for (i = 0; i < n; i++)
		rc = rc || buf_printf(b, "%s{\"id\":\"%s\",\"shortDescription\":{\"text\":\"%s\"}}",
				      i ? "," : "", r[i].id, r[i].summary);
	rc = rc || buf_adds(b, "]}},\"results\":[");
	for (i = 0; i < in->nfindings; i++)
		if ((int)in->findings[i].severity >= min_sev)
			rc = rc || (shown++ && buf_addc(b, ',')) || sarif_result(b, &in->findings[i]);
	return rc || buf_adds(b, "]}]}\n");
}

int inspect_write(const struct inspector *in, const char *format, FILE *out, bool color,
		  int min_sev)
{
	struct buf b;
	size_t i;
	int rc = 0;

	if (!strcmp(format, "text")) {
		for (i = 0; i < in->nfindings; i++)
			if ((int)in->findings[i].severity >= min_sev)
				text_one(&in->findings[i], out, color);
		return ferror(out) ? -1 : 0;
	}
	buf_init(&b, (size_t)1 << 30);
	if (!strcmp(format, "sarif")) {
		rc = sarif(in, &b, min_sev);
	} else {
		for (i = 0; i < in->nfindings && !rc; i++)
			if ((int)in->findings[i].severity >= min_sev)
				rc = buf_addc(&b, '{') || json_body(&b, &in->findings[i]) ||
				     buf_adds(&b, "}\n");
	}
	if (!rc && b.len && fwrite(b.data, 1, b.len, out) != b.len)
		rc = -1;
	buf_release(&b);
	return rc ? -1 : 0;
}
