/* SPDX-License-Identifier: MIT */
/*
 * jsonl.c - `--format json`: one JSON object per finding per line.
 *
 * The keys and their order are a contract (docs/overt.1, OUTPUT FORMATS):
 * scripts may read the lines with anything from jq to a regular
 * expression, so a new key is only ever added at the end and the "schema"
 * number changes when a meaning does.  Strings go through
 * json_write_string, whose output is ASCII, so a finding's own invisible
 * characters never reach the log that reports them.
 */
#include "report/internal.h"
#include "util/banned.h"

int report_jsonl_finding(struct reporter *r, const char *file, long entry,
			 const struct scan_finding *f)
{
	struct buf *b = &r->out;
	int rc;

	TRY(buf_printf(b, "{\"schema\":%d,\"file\":", OVERT_SCHEMA));
	TRY(report_add_string(b, file));
	TRY(buf_adds(b, ",\"entry\":"));
	TRY(report_add_entry(b, entry));
	TRY(buf_adds(b, ",\"json_path\":"));
	TRY(report_add_string(b, f->json_path));
	TRY(buf_printf(b, ",\"byte_offset\":%zu,\"byte_length\":%zu,"
		       "\"codepoint\":", f->byte_offset, f->byte_length));
	TRY(report_add_codepoint(b, f->codepoint));
	TRY(buf_printf(b, ",\"count\":%lu,\"rule\":", (unsigned long)f->count));
	TRY(report_add_string(b, f->rule));
	TRY(buf_adds(b, ",\"category\":"));
	TRY(report_add_string(b, f->category));
	TRY(buf_adds(b, ",\"severity\":"));
	TRY(report_add_string(b, scan_severity_name(f->severity)));
	TRY(buf_adds(b, ",\"origin\":"));
	TRY(report_add_string(b, scan_origin_name(f->origin)));
	TRY(buf_adds(b, ",\"message\":"));
	TRY(report_add_string(b, f->message));
	TRY(buf_adds(b, ",\"decoded\":"));
	TRY(report_add_raw_json(b, f->decoded));
	/* Only secrets have one: the lines of every other finding stay as
	 * they were. */
	if (f->fingerprint) {
		TRY(buf_adds(b, ",\"fingerprint\":"));
		TRY(report_add_string(b, f->fingerprint));
	}
	TRY(buf_adds(b, "}\n"));
out:
	return rc;
}
