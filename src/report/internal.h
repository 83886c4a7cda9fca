/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the report writers share: the reporter itself, the
 * per-format entry points that report.c dispatches to, and the snippet
 * helpers of the text format (declared here so unit tests can reach them).
 * Nothing outside src/report/ and its tests includes this file.
 */
#ifndef OVERT_REPORT_INTERNAL_H
#define OVERT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "overt.h"
#include "report/report.h"
#include "util/buf.h"

/* Go to out: with rc set when a step fails (buf_* and our own helpers all
 * return 0 or a negative code). */
#define TRY(expr)                        \
	do {                             \
		rc = (expr);             \
		if (rc)                  \
			goto out;        \
	} while (0)

#define NSEVERITIES (SCAN_SEV_CRITICAL + 1)

/* A rule that occurred, for the SARIF rule table (in order of first use). */
struct report_rule {
	char *id;
	char *description;
	enum scan_severity level;
};

/* Characters one snippet window can hold: the context before a finding and
 * the part of it shown, even when every character is a single byte. */
#define SNIPPET_WINDOW 2048

struct reporter {
	struct report_opts opts;
	struct buf out;        /* what one finding writes; flushed after each */
	int started;           /* SARIF: the opening of the log is written */
	int finished;
	/* Totals for the text summary. */
	size_t nseverity[NSEVERITIES];
	size_t nbodies;
	size_t nfiles;
	size_t suppressed;
	char *last_file;
	/* SARIF. */
	size_t nresults;
	struct report_rule *rules;
	size_t nrules;
	size_t rules_cap;
	/* Text snippets: the body's secrets, by offset, which no snippet may
	 * show; scratch kept across bodies. */
	struct report_extent *secrets;
	size_t nsecrets;
	struct buf line;
	struct buf caret;
	uint32_t cps[SNIPPET_WINDOW];
	size_t offs[SNIPPET_WINDOW + 1];
};

/* report_flush - write r->out to the output and empty it. */
int report_flush(struct reporter *r);

/* report_add_codepoint - "U+2019" with quotes, or null. */
int report_add_codepoint(struct buf *b, uint32_t cp);

/* report_add_string - @s as a JSON string (ASCII), or null for NULL. */
int report_add_string(struct buf *b, const char *s);
/* report_add_raw_json - JSON text made by the engine, as it is, or null.
 * The engine writes "decoded" with json_write_string, so it is ASCII. */
int report_add_raw_json(struct buf *b, const char *json);
/* report_add_entry - the entry number, or null when negative. */
int report_add_entry(struct buf *b, long entry);

/* report_sarif_level - "error", "warning" or "note" for @sev. */
const char *report_sarif_level(enum scan_severity sev);

/* Per format: one finding, and the end of the report. */
int report_jsonl_finding(struct reporter *r, const char *file, long entry,
			 const struct scan_finding *f);
int report_sarif_finding(struct reporter *r, const char *file, long entry,
			 const struct scan_finding *f);
int report_sarif_finish(struct reporter *r);
int report_text_body(struct reporter *r, const char *file, long entry,
		     const uint8_t *data, size_t len,
		     const struct scan_report *sr);
int report_text_finish(struct reporter *r);

/* The content [start, end) of a JSON string in a body; start == end ==
 * SIZE_MAX when an offset lies outside every string. */
struct report_extent {
	size_t start;
	size_t end;
};

/*
 * report_string_extents - for each of the @n body offsets @at (any order),
 * the string whose content holds it, found in one forward pass over @body
 * that honours escapes.  Returns 0 or REPORT_ENOMEM.
 */
int report_string_extents(const uint8_t *body, size_t len, const size_t *at,
			  size_t n, struct report_extent *out);

/*
 * report_note_secrets - remember the spans of @sr's secret findings in
 * @data, so that snippets show ⟨secret⟩ in their place.  Returns 0 or
 * REPORT_ENOMEM.
 */
int report_note_secrets(struct reporter *r, const struct scan_report *sr);

/*
 * report_snippet - render the decoded string around finding @f (inside
 * string content @ext of @body) into @line, and into @caret the marks that
 * go under it: spaces, then '^' and '~' over the finding's columns.  Both
 * buffers are emptied first.  Uses r->cps and r->offs as scratch.
 */
int report_snippet(struct reporter *r, const uint8_t *body,
		   struct report_extent ext, const struct scan_finding *f,
		   struct buf *line, struct buf *caret);

/* report_add_visible - append UTF-8 @s for a terminal: characters that do
 * not show (controls, format, invisible) become ⟨U+XXXX NAME⟩ and invalid
 * bytes ⟨0xNN⟩.  Returns the width added in columns, or a negative code. */
long report_add_visible(struct buf *b, const char *s, size_t n);

/* report_cp_width - terminal columns of code point @cp shown as is. */
int report_cp_width(uint32_t cp);

#endif
