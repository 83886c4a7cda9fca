/* SPDX-License-Identifier: MIT */
/*
 * report.c - the reporter's life cycle and the dispatch to the three
 * formats (jsonl.c, text.c, sarif.c).
 *
 * Each finding is built in one buffer and written with one fwrite, so a
 * failing write is noticed at once and a half-built line never reaches the
 * output.  Totals for the text summary are kept here whatever the format,
 * since they cost nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "report/internal.h"
#include "util/banned.h"

int report_format_parse(const char *name)
{
	if (!strcmp(name, "text"))
		return REPORT_TEXT;
	if (!strcmp(name, "json"))
		return REPORT_JSON;
	if (!strcmp(name, "sarif"))
		return REPORT_SARIF;
	return -1;
}

const char *report_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "success";
	case REPORT_ENOMEM:
		return "out of memory";
	case REPORT_ETOOBIG:
		return "a finding is too large to report";
	case REPORT_EIO:
		return "write error";
	default:
		return "unknown error";
	}
}

/* buf_* failures pass through the writers unchanged, so the codes agree. */
_Static_assert(BUF_ENOMEM == REPORT_ENOMEM && BUF_ETOOBIG == REPORT_ETOOBIG,
	       "buffer and report error codes must agree");

struct reporter *report_new(const struct report_opts *o)
{
	struct reporter *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->opts = *o;
	buf_init(&r->out, REPORT_MAX_OUTPUT);
	buf_init(&r->line, REPORT_MAX_OUTPUT);
	buf_init(&r->caret, REPORT_MAX_OUTPUT);
	return r;
}

void report_free(struct reporter *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nrules; i++) {
		free(r->rules[i].id);
		free(r->rules[i].description);
	}
	free(r->rules);
	free(r->last_file);
	free(r->secrets);
	buf_release(&r->out);
	buf_release(&r->line);
	buf_release(&r->caret);
	free(r);
}

int report_flush(struct reporter *r)
{
	size_t n = r->out.len;
	int rc = 0;

	if (n && fwrite(r->out.data, 1, n, r->opts.out) != n)
		rc = REPORT_EIO;
	buf_reset(&r->out);
	return rc;
}

int report_add_codepoint(struct buf *b, uint32_t cp)
{
	/* The contract promises 4 to 6 hex digits, so nothing past U+10FFFF. */
	if (cp > 0x10FFFF)
		return buf_adds(b, "null");
	return buf_printf(b, "\"U+%04X\"", (unsigned)cp);
}

int report_add_string(struct buf *b, const char *s)
{
	if (!s)
		return buf_adds(b, "null");
	return json_write_string(b, s, strlen(s));
}

int report_add_raw_json(struct buf *b, const char *json)
{
	return buf_adds(b, json && *json ? json : "null");
}

int report_add_entry(struct buf *b, long entry)
{
	if (entry < 0)
		return buf_adds(b, "null");
	return buf_printf(b, "%ld", entry);
}

const char *report_sarif_level(enum scan_severity sev)
{
	if (sev >= SCAN_SEV_HIGH)
		return "error";
	return sev == SCAN_SEV_MEDIUM ? "warning" : "note";
}

/* Count the body and, when its file differs from the last one, the file.
 * Bodies of one file arrive together, so comparing with the previous name
 * is enough (a path given twice counts twice). */
static int count_body(struct reporter *r, const char *file,
		      const struct scan_report *sr)
{
	size_t i;
	char *copy;

	r->nbodies++;
	r->suppressed += sr->suppressed;
	for (i = 0; i < sr->nfindings; i++)
		if ((unsigned)sr->findings[i].severity < NSEVERITIES)
			r->nseverity[sr->findings[i].severity]++;
	if (r->last_file && !strcmp(r->last_file, file))
		return 0;
	copy = strdup(file);
	if (!copy)
		return REPORT_ENOMEM;
	free(r->last_file);
	r->last_file = copy;
	r->nfiles++;
	return 0;
}

int report_body(struct reporter *r, const char *file, long entry,
		const uint8_t *data, size_t len, const struct scan_report *sr)
{
	size_t i;
	int rc = 0;

	TRY(count_body(r, file, sr));
	if (r->opts.format == REPORT_TEXT) {
		TRY(report_text_body(r, file, entry, data, len, sr));
		goto out;
	}
	for (i = 0; i < sr->nfindings; i++) {
		if (r->opts.format == REPORT_JSON)
			rc = report_jsonl_finding(r, file, entry, &sr->findings[i]);
		else
			rc = report_sarif_finding(r, file, entry, &sr->findings[i]);
		TRY(rc);
		TRY(report_flush(r));
	}
out:
	buf_reset(&r->out);
	return rc;
}

int report_finish(struct reporter *r)
{
	int rc = 0;

	if (r->finished)
		return 0;
	r->finished = 1;
	if (r->opts.format == REPORT_TEXT)
		TRY(report_text_finish(r));
	else if (r->opts.format == REPORT_SARIF)
		TRY(report_sarif_finish(r));
	TRY(report_flush(r));
out:
	buf_reset(&r->out);
	if (fflush(r->opts.out) || ferror(r->opts.out))
		rc = rc ? rc : REPORT_EIO;
	return rc;
}
