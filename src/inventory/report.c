/* SPDX-License-Identifier: MIT */
/*
 * report.c - the inventory for people (text) and for fleet collection
 * (JSON lines, "schema":1, one object per install with host, user and
 * time, so lines from many machines can be concatenated and queried).
 *
 * Paths come from users' home dirs and may hold anything a file name can:
 * control and bidi characters are printed as escapes in the text format
 * (JSON escapes everything that is not ASCII anyway).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "overt.h"
#include "inventory/report.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/term.h"
#include "util/banned.h"

void inv_put_text(FILE *out, const char *s)
{
	if (s)
		term_put_safe(out, s, strlen(s), 0);
	else
		fputs("-", out);
}

static void iso_time(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || !gmtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, n, "never");
}

static const char *verdict_name(enum inv_verdict v)
{
	return v == INV_BANNED ? "banned" : v == INV_TRACES ? "traces" : "allowed";
}

static void text_list(FILE *out, const char *label, const struct inv_strv *v)
{
	size_t i;

	if (!v->n)
		return;
	fprintf(out, "    %s:", label);
	for (i = 0; i < v->n; i++) {
		fputc(' ', out);
		inv_put_text(out, v->v[i]);
	}
	fputc('\n', out);
}

static void text_install(FILE *out, const struct inv_install *in)
{
	char when[32];
	size_t i;

	if (in->verdict == INV_TRACES)
		fprintf(out, "traces  %s (%s): state only, nothing installed",
			in->agent->name, in->agent->title ? in->agent->title : in->agent->name);
	else {
		/* The version is a user's package.json's word: escaped too. */
		fprintf(out, "%-7s %s ", in->verdict == INV_BANNED ? "BANNED" :
			verdict_name(in->verdict), in->agent->name);
		inv_put_text(out, in->version ? in->version : "?");
		fprintf(out, " (%s) via %s", in->agent->title ? in->agent->title : in->agent->name,
			in->method);
	}
	if (in->detail) {
		fputs(" ", out);
		inv_put_text(out, in->detail);
	}
	fputs(", ", out);
	inv_put_text(out, in->user);
	fputs("\n    path: ", out);
	inv_put_text(out, in->path);
	fputc('\n', out);
	text_list(out, "launchers", &in->bins);
	text_list(out, "state", &in->state);
	iso_time(in->last_use, when, sizeof(when));
	fprintf(out, "    last use: %s\n", when);
	for (i = 0; i < in->nadvisories; i++) {
		fprintf(out, "    advisory: %s (%s) ", in->advisories[i]->id,
			scan_severity_name((enum scan_severity)in->advisories[i]->severity));
		inv_put_text(out, in->advisories[i]->summary);
		fputc('\n', out);
	}
	if (in->reason) {
		fputs(in->verdict == INV_BANNED ? "    banned: " : "    note: ", out);
		inv_put_text(out, in->reason);
		fputc('\n', out);
	}
}

void inv_print_text(FILE *out, const struct inv_report *r)
{
	size_t i, installs = 0, banned = 0, traces = 0;

	for (i = 0; i < r->n; i++) {
		text_install(out, &r->v[i]);
		traces += r->v[i].verdict == INV_TRACES;
		banned += r->v[i].verdict == INV_BANNED;
	}
	installs = r->n - traces;
	fprintf(out, "%zu install%s (%zu banned), %zu with state only, in %zu home%s\n",
		installs, installs == 1 ? "" : "s", banned, traces, r->homes,
		r->homes == 1 ? "" : "s");
}

static int json_str(struct buf *b, const char *key, const char *v)
{
	int rc = buf_printf(b, ",\"%s\":", key);

	if (rc)
		return rc;
	return v ? json_write_string(b, v, strlen(v)) : buf_adds(b, "null");
}

static int json_list(struct buf *b, const char *key, const struct inv_strv *v)
{
	size_t i;
	int rc = buf_printf(b, ",\"%s\":[", key);

	for (i = 0; !rc && i < v->n; i++) {
		rc = i ? buf_addc(b, ',') : 0;
		rc = rc ? rc : json_write_string(b, v->v[i], strlen(v->v[i]));
	}
	return rc ? rc : buf_addc(b, ']');
}

static int json_advisories(struct buf *b, const struct inv_install *in)
{
	size_t i;
	int rc = buf_adds(b, ",\"advisories\":[");

	for (i = 0; !rc && i < in->nadvisories; i++) {
		rc = buf_adds(b, i ? ",{\"id\":" : "{\"id\":");
		rc = rc ? rc : json_write_string(b, in->advisories[i]->id,
						 strlen(in->advisories[i]->id));
		rc = rc ? rc : json_str(b, "severity", scan_severity_name(
					(enum scan_severity)in->advisories[i]->severity));
		rc = rc ? rc : json_str(b, "summary", in->advisories[i]->summary);
		rc = rc ? rc : buf_addc(b, '}');
	}
	return rc ? rc : buf_addc(b, ']');
}

static int json_install(struct buf *b, const struct inv_install *in,
			const struct inv_host *h)
{
	char when[32], now[32];
	int rc;

	iso_time(h->time, now, sizeof(now));
	iso_time(in->last_use, when, sizeof(when));
	rc = buf_printf(b, "{\"schema\":1,\"time\":\"%s\"", now);
	rc = rc ? rc : json_str(b, "host", h->host);
	rc = rc ? rc : json_str(b, "scanned_by", h->user);
	rc = rc ? rc : json_str(b, "agent", in->agent->name);
	rc = rc ? rc : json_str(b, "title", in->agent->title);
	rc = rc ? rc : json_str(b, "vendor", in->agent->vendor);
	rc = rc ? rc : json_str(b, "version", in->version);
	rc = rc ? rc : json_str(b, "method", in->method);
	rc = rc ? rc : json_str(b, "detail", in->detail);
	rc = rc ? rc : json_str(b, "package", in->package);
	rc = rc ? rc : json_str(b, "path", in->path);
	rc = rc ? rc : json_str(b, "user", in->user);
	rc = rc ? rc : json_str(b, "last_use", in->last_use >= 0 ? when : NULL);
	rc = rc ? rc : json_str(b, "last_use_path", in->last_use_path);
	rc = rc ? rc : json_list(b, "launchers", &in->bins);
	rc = rc ? rc : json_list(b, "state", &in->state);
	rc = rc ? rc : json_str(b, "verdict", verdict_name(in->verdict));
	rc = rc ? rc : json_str(b, "reason", in->reason);
	rc = rc ? rc : json_advisories(b, in);
	return rc ? rc : buf_adds(b, "}\n");
}

int inv_print_json(FILE *out, const struct inv_report *r, const struct inv_host *h)
{
	struct buf b;
	size_t i;
	int rc = 0;

	buf_init(&b, 64u << 20);
	for (i = 0; !rc && i < r->n; i++) {
		buf_reset(&b);
		rc = json_install(&b, &r->v[i], h);
		if (!rc && fwrite(b.data, 1, b.len, out) != b.len)
			rc = -1;
	}
	buf_release(&b);
	return rc;
}
