/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the files of src/inspect/ share.
 */
#ifndef OVERT_INSPECT_INTERNAL_H
#define OVERT_INSPECT_INTERNAL_H

#include <limits.h>

#include <hs/hs.h>

#include "inspect/inspect.h"
#include "util/buf.h"

/* A dictionary word; categories come from the data files' "category". */
struct insp_word {
	const char *text;
	uint32_t len;
	uint32_t category;   /* index into inspector.categories */
};

#define INSP_MAX_CATEGORIES 16
/* Words shorter than this are matched only as whole decoded items: a
 * four-byte pattern under 255 keys matches noise in a 200 MB binary. */
#define INSP_MIN_SUBSTRING 5

struct inspector {
	struct insp_options opt;
	/* What failed, for an INSP_EIO from deep inside (a write in --extract):
	 * inspect_file shows it rather than a generic "read error". */
	char failure[PATH_MAX + 256];
	/* Names --extract wrote in this run: two modules whose names clean to
	 * the same file ("a/b.js", "a_b.js") must not overwrite each other. */
	char **extracted;
	size_t nextracted;
	struct insp_word *words;
	size_t nwords;
	char *word_store;
	const char *categories[INSP_MAX_CATEGORIES];
	size_t ncategories;
	/* Dictionary words as XOR deltas (see tables.c), block and stream mode. */
	hs_database_t *delta_block, *delta_stream;
	hs_scratch_t *delta_scratch;
	/* JavaScript candidates, fingerprints, prompt code, covert literals. */
	hs_database_t *js_db;
	hs_scratch_t *js_scratch;
	struct scan_engine *engine;
	struct scan_report report;
	struct insp_finding *findings;
	size_t nfindings, capfindings;
	size_t dropped;    /* findings past MAX_FINDINGS, not kept */
	/* Progress: bytes done of the current input, on stderr. */
	const char *progress_name;
	uint64_t progress_done, progress_total;
	double progress_last;
	bool progress_shown;
};

/* One stretch of bytes to inspect and where it comes from. */
struct insp_blob {
	const char *file;
	const char *member;
	const uint8_t *p;
	size_t len;
	uint64_t base;  /* offset of p[0] in the member (or file) */
	bool text;      /* JavaScript or other text: report line:column */
};

/* inspect.c */
int insp_blob_run(struct inspector *in, const struct insp_blob *b);
struct insp_finding *insp_add(struct inspector *in, const struct insp_blob *b,
			      const char *rule, enum scan_severity sev,
			      size_t off, size_t len);
/* Whether the findings are at their cap: insp_add's NULL then means
 * "not kept" (counted in dropped), not out of memory. */
bool insp_full(const struct inspector *in);
char *insp_excerpt(const uint8_t *p, size_t len, size_t at, size_t before,
		   size_t after);
char *insp_strdup(const char *s);
char *insp_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void insp_progress(struct inspector *in, uint64_t done);
/* insp_js_literal - the content [*s, *e) of the string literal around @at
 * (quotes excluded), looking back no further than @lowest; 0, or -1 when
 * @at is not inside one we can find. */
int insp_js_literal(const uint8_t *p, size_t len, size_t at, size_t lowest, size_t *s,
		    size_t *e);
/* insp_js_unescape - decode JavaScript string content into @out: as UTF-8,
 * or with @bytes, code units up to 0xFF as single bytes (what a decoder
 * loop calling charCodeAt sees).  0 or a BUF_E* code. */
int insp_js_unescape(const uint8_t *p, size_t n, struct buf *out, bool bytes);

/* dict.c */
int insp_dict_load(struct inspector *in, char *err, size_t errlen);
void insp_dict_free(struct inspector *in);

/* tables.c */
struct insp_events;
int insp_tables_run(struct inspector *in, const struct insp_blob *b,
		    const struct insp_events *ev);

/* js.c */
int insp_js_build(struct inspector *in, char *err, size_t errlen);
struct insp_events *insp_js_events(struct inspector *in,
				   const struct insp_blob *b);
int insp_js_judge(struct inspector *in, const struct insp_blob *b,
		  const struct insp_events *ev);
void insp_events_free(struct insp_events *ev);
/* Candidates the table detector decodes (found by the same pass). */
enum insp_cand { CAND_BASE64, CAND_ARRAY, CAND_ESCAPE };
size_t insp_events_cands(const struct insp_events *ev, enum insp_cand kind,
			 const size_t **offsets);

/* exe.c */
struct insp_module {
	char *name;
	uint64_t off, len;   /* in the executable */
};
struct insp_embed {
	const char *kind;    /* "bun", "node-sea" or NULL */
	const char *how;     /* "ELF section .bun", "trailer", ... */
	uint64_t off, len;   /* the whole payload */
	struct insp_module *mods;
	size_t nmods;
};
bool insp_is_executable(const uint8_t *p, size_t len, const char **format);
int insp_find_embed(const uint8_t *p, size_t len, struct insp_embed *e);
void insp_embed_release(struct insp_embed *e);

/* container.c */
int insp_bytes(struct inspector *in, const char *file, const char *member,
	       const uint8_t *p, size_t len, int depth);

#endif
