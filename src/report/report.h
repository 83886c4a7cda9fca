/* SPDX-License-Identifier: MIT */
/*
 * report.h - the output writers of `overt scan`: JSON lines, text for
 * humans, and SARIF 2.1.0.
 *
 * A reporter receives the findings of one body at a time, in the order the
 * bodies were read, and writes them out at once, so memory stays bounded by
 * one body's findings whatever the size of the input.  The JSON lines and
 * SARIF layouts are a stable contract that other tools parse (docs/overt.1);
 * output is deterministic, byte for byte, for the same findings.  Every
 * string we write is made safe first: JSON output is ASCII only, and text
 * output shows invisible and control characters as ⟨U+200B ZERO WIDTH
 * SPACE⟩ or \n, so a report never carries the covert channel it reports.
 */
#ifndef OVERT_REPORT_H
#define OVERT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "overt.h"

enum report_format {
	REPORT_TEXT,  /* for humans: header, message, snippet with a caret */
	REPORT_JSON,  /* one JSON object per finding per line ("schema": 1) */
	REPORT_SARIF, /* one SARIF 2.1.0 log with one run */
};

struct report_opts {
	enum report_format format;
	int color;  /* ANSI colour in text output; the caller decides
		     * (a terminal and no NO_COLOR) */
	FILE *out;  /* where the report goes; not closed by the reporter */
};

#define REPORT_ENOMEM (-1) /* allocation failed */
#define REPORT_ETOOBIG (-2) /* one finding's output passed REPORT_MAX_OUTPUT */
#define REPORT_EIO (-3)     /* writing to @out failed; errno says why */

/* The largest output one finding may produce (paths and payloads come from
 * the input, so this is the ceiling on what input can make us buffer). */
#define REPORT_MAX_OUTPUT ((size_t)1 << 30)

struct reporter;

/*
 * report_format_parse - "text", "json" or "sarif" to the enum; -1 when
 * @name is none of them.
 */
int report_format_parse(const char *name);

/* report_strerror - a lowercase phrase for a REPORT_E* code. */
const char *report_strerror(int rc);

/*
 * report_new - a reporter writing to @o->out as @o->format says.  The
 * options are copied.  Nothing is written yet.  Returns NULL when out of
 * memory.
 */
struct reporter *report_new(const struct report_opts *o);

/*
 * report_body - write the findings of one body.  Call it for every body
 * scanned, findings or not, so the text summary counts bodies and files
 * right.  @file is the path as given ("-" for standard input), @entry the
 * HAR entry or JSONL line index or -1, @data and @len the raw body bytes the
 * findings' offsets refer to (used for text snippets; may be NULL and 0).
 * @sr is only read; its error fields are the caller's to report.
 * Returns 0 or a negative REPORT_E* code.
 */
int report_body(struct reporter *r, const char *file, long entry,
		const uint8_t *data, size_t len, const struct scan_report *sr);

/*
 * report_finish - end the report: the summary line in text mode, the tool
 * and rule metadata that close the log in SARIF mode, nothing in JSON mode;
 * then flush @out.  Call it once, after the last report_body, also when
 * there were no bodies.  Returns 0, or a negative REPORT_E* code, in
 * particular REPORT_EIO when any write to @out failed.
 */
int report_finish(struct reporter *r);

/* report_free - release a reporter; NULL is accepted.  Does not close @out. */
void report_free(struct reporter *r);

#endif
