/* SPDX-License-Identifier: MIT */
/*
 * text.c - `--format text`: findings for a human at a terminal.
 *
 * Each finding is a header line (where, how bad, which rule), its message,
 * the decoded payload when there is one, and a snippet of the string with
 * a caret under the finding (snippet.c); a summary line ends the report.
 * Everything that comes from the input (file names, JSON paths, messages
 * that quote the body) passes through report_add_visible, so no control
 * or bidi character in a capture can act on the terminal.  Colour is the
 * caller's decision and only ever adds SGR sequences around our own words.
 */
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"
#include "util/banned.h"

#define SGR_RESET "\033[0m"
#define SGR_BOLD "\033[1m"
#define INDENT "    "

static const char *severity_color(enum scan_severity sev)
{
	switch (sev) {
	case SCAN_SEV_CRITICAL:
	case SCAN_SEV_HIGH:
		return "\033[1;31m";
	case SCAN_SEV_MEDIUM:
		return "\033[33m";
	case SCAN_SEV_LOW:
		return "\033[36m";
	default:
		return "\033[2m";
	}
}

/* @s made visible; the width is not needed here. */
static int add_visible(struct buf *b, const char *s)
{
	long rc = report_add_visible(b, s, strlen(s));

	return rc < 0 ? (int)rc : 0;
}

/* Wrap @s in an SGR sequence when colour is on. */
static int add_styled(struct reporter *r, const char *sgr, const char *s)
{
	int rc;

	if (r->opts.color)
		TRY(buf_adds(&r->out, sgr));
	TRY(add_visible(&r->out, s));
	if (r->opts.color)
		TRY(buf_adds(&r->out, SGR_RESET));
out:
	return rc;
}

/* "file: entry 2: " or "file: " */
static int add_where(struct reporter *r, const char *file, long entry)
{
	int rc;

	TRY(add_visible(&r->out, strcmp(file, "-") ? file : "(standard input)"));
	TRY(buf_adds(&r->out, ": "));
	if (entry >= 0)
		TRY(buf_printf(&r->out, "entry %ld: ", entry));
out:
	return rc;
}

static int add_header(struct reporter *r, const char *file, long entry,
		      const struct scan_finding *f)
{
	struct buf *b = &r->out;
	int rc;

	TRY(add_where(r, file, entry));
	TRY(add_visible(b, f->json_path ? f->json_path : "$"));
	TRY(buf_printf(b, ": byte %zu: ", f->byte_offset));
	TRY(add_styled(r, severity_color(f->severity),
		       scan_severity_name(f->severity)));
	TRY(buf_adds(b, ": "));
	TRY(add_styled(r, SGR_BOLD, f->rule ? f->rule : "?"));
	TRY(buf_adds(b, " ("));
	TRY(add_visible(b, scan_origin_name(f->origin)));
	TRY(buf_adds(b, ")\n"));
out:
	return rc;
}

static int add_snippet(struct reporter *r, const uint8_t *data,
		       struct report_extent ext, const struct scan_finding *f)
{
	int rc;

	TRY(report_snippet(r, data, ext, f, &r->line, &r->caret));
	TRY(buf_printf(&r->out, INDENT "%s\n" INDENT "%s\n", r->line.data,
		       r->caret.data));
out:
	return rc;
}

static int add_finding(struct reporter *r, const char *file, long entry,
		       const uint8_t *data, struct report_extent ext,
		       const struct scan_finding *f)
{
	struct buf *b = &r->out;
	int rc;

	TRY(add_header(r, file, entry, f));
	if (f->message) {
		TRY(buf_adds(b, INDENT));
		TRY(add_visible(b, f->message));
		TRY(buf_addc(b, '\n'));
	}
	if (f->decoded) {
		TRY(buf_adds(b, INDENT "decoded: "));
		TRY(add_visible(b, f->decoded));
		TRY(buf_addc(b, '\n'));
	}
	/* A finding outside every string (none is expected) has no snippet. */
	if (data && ext.start != SIZE_MAX)
		TRY(add_snippet(r, data, ext, f));
out:
	return rc;
}

/* The strings that hold the findings, or none when there is no body. */
static int find_extents(const uint8_t *data, size_t len,
			const struct scan_report *sr, struct report_extent **out)
{
	size_t *at = NULL, i;
	int rc = 0;

	*out = NULL;
	if (!data || !sr->nfindings)
		return 0;
	at = calloc(sr->nfindings, sizeof(*at));
	*out = calloc(sr->nfindings, sizeof(**out));
	if (!at || !*out) {
		rc = REPORT_ENOMEM;
		goto out;
	}
	for (i = 0; i < sr->nfindings; i++)
		at[i] = sr->findings[i].byte_offset;
	rc = report_string_extents(data, len, at, sr->nfindings, *out);
out:
	free(at);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int report_text_body(struct reporter *r, const char *file, long entry,
		     const uint8_t *data, size_t len,
		     const struct scan_report *sr)
{
	struct report_extent *ext = NULL, none = { SIZE_MAX, SIZE_MAX };
	size_t i;
	int rc;

	TRY(find_extents(data, len, sr, &ext));
	TRY(report_note_secrets(r, sr));
	for (i = 0; i < sr->nfindings; i++) {
		TRY(add_finding(r, file, entry, data, ext ? ext[i] : none,
				&sr->findings[i]));
		TRY(report_flush(r));
	}
	if (sr->suppressed) {
		TRY(add_where(r, file, entry));
		TRY(buf_printf(&r->out, "(+%zu more findings not shown: per-body cap)\n",
			       sr->suppressed));
		TRY(report_flush(r));
	}
out:
	free(ext);
	return rc;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int report_text_finish(struct reporter *r)
{
	const size_t *c = r->nseverity;
	size_t total = 0, i;
	struct buf *b = &r->out;
	int rc;

	for (i = 0; i < NSEVERITIES; i++)
		total += c[i];
	if (total)
		TRY(buf_printf(b, "%zu %s (%zu critical, %zu high, %zu medium, "
			       "%zu low, %zu info)", total,
			       plural(total, "finding", "findings"),
			       c[SCAN_SEV_CRITICAL], c[SCAN_SEV_HIGH],
			       c[SCAN_SEV_MEDIUM], c[SCAN_SEV_LOW], c[SCAN_SEV_INFO]));
	else
		TRY(buf_adds(b, "no findings"));
	TRY(buf_printf(b, " in %zu %s from %zu %s", r->nbodies,
		       plural(r->nbodies, "body", "bodies"), r->nfiles,
		       plural(r->nfiles, "file", "files")));
	if (r->suppressed)
		TRY(buf_printf(b, ", +%zu more not shown (per-body cap)",
			       r->suppressed));
	TRY(buf_addc(b, '\n'));
out:
	return rc;
}
