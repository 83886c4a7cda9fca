/* SPDX-License-Identifier: MIT */
/*
 * dict.c - the dictionaries that decoded string tables are matched against.
 *
 * The words come from data/inspect (its JSON files, compiled in) and, for timezones,
 * from ICU's list of IANA zone names, so a new zone needs no data update.
 * They are compiled into one Vectorscan literal database of XOR *deltas*:
 * for a word w the pattern is w[i] ^ w[i+1].  XOR with a one-byte key k
 * leaves that sequence unchanged ((w[i]^k) ^ (w[i+1]^k) == w[i]^w[i+1]), so
 * one pass over the deltas of the input finds every word under all 256 keys
 * at once, and the key is read off the first byte of the match.  The
 * alternative, 255 encoded copies of every word in one database, is 255
 * times larger to compile and to hold in cache for the same answer.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/ucal.h>
#include <unicode/uenum.h>

#include "inspect/internal.h"
#include "json/json.h"
#include "util/banned.h"

extern const struct scan_scheme_source inspect_builtin_files[];
extern const size_t inspect_builtin_files_n;

#define MAX_WORDS 4096
#define MAX_WORD 96

struct loader {
	struct inspector *in;
	struct buf store;      /* word texts, NUL-separated */
	size_t *offs;          /* word offsets into store */
	uint32_t *cats;
	size_t n;
	int cat;               /* category of the file being read, -1 if none */
	const uint8_t *body;
};

static int category_index(struct inspector *in, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < in->ncategories; i++)
		if (strlen(in->categories[i]) == n && !memcmp(in->categories[i], name, n))
			return (int)i;
	if (in->ncategories == INSP_MAX_CATEGORIES)
		return -1;
	in->categories[in->ncategories] = strndup(name, n);
	if (!in->categories[in->ncategories])
		return -1;
	return (int)in->ncategories++;
}

static int add_word(struct loader *l, const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MAX_WORD || l->n == MAX_WORDS || l->cat < 0)
		return 0;
	for (i = 0; i < l->n; i++)  /* a few thousand words, once */
		if (!strcmp(l->store.data + l->offs[i], s) && l->cats[i] == (uint32_t)l->cat)
			return 0;
	l->offs[l->n] = l->store.len;
	l->cats[l->n] = (uint32_t)l->cat;
	if (buf_add(&l->store, s, n) || buf_addc(&l->store, 0))
		return INSP_ENOMEM;
	l->n++;
	return 0;
}

static int on_string(void *ctx, const struct json_walker *w, size_t start,
		     size_t end, int is_key)
{
	struct loader *l = ctx;
	struct buf v;
	int rc = 0;

	if (is_key || w->depth == 0 || w->depth > 2)
		return 0;
	buf_init(&v, MAX_WORD * 4 + 16);
	if (json_unescape(l->body + start, end - start, &v) < 0) {
		buf_release(&v);
		return 0;
	}
	if (w->depth == 1 && json_seg_is(&w->segs[0], "category")) {
		l->cat = category_index(l->in, v.data ? v.data : "", v.len);
	} else if (w->depth == 2 && json_seg_is(&w->segs[0], "words") && v.data) {
		rc = add_word(l, v.data, v.len);
	}
	buf_release(&v);
	return rc;
}

/* Every IANA zone ICU knows that has a region ("Asia/Shanghai"). */
static int add_icu_zones(struct loader *l)
{
	UErrorCode st = U_ZERO_ERROR;
	UEnumeration *e = ucal_openTimeZones(&st);
	const char *z;
	int32_t n;
	int rc = 0;

	if (U_FAILURE(st))
		return 0;  /* the data file's names still stand */
	l->cat = category_index(l->in, "timezone", 8);
	while (!rc && (z = uenum_next(e, &n, &st)) && U_SUCCESS(st))
		if (memchr(z, '/', (size_t)n))
			rc = add_word(l, z, (size_t)n);
	uenum_close(e);
	return rc;
}

static int compile_deltas(struct inspector *in, char *err, size_t errlen)
{
	char **exprs = calloc(in->nwords, sizeof(*exprs));
	size_t *lens = calloc(in->nwords, sizeof(*lens));
	unsigned *ids = calloc(in->nwords, sizeof(*ids));
	unsigned *flags = calloc(in->nwords, sizeof(*flags));
	hs_compile_error_t *ce = NULL;
	size_t i, n = 0;
	int rc = INSP_ENOMEM;

	if (!exprs || !lens || !ids || !flags)
		goto out;
	for (i = 0; i < in->nwords; i++) {
		const struct insp_word *w = &in->words[i];
		uint32_t j, skip;

		if (w->len < INSP_MIN_SUBSTRING)
			continue;
		if (!(exprs[n] = malloc(w->len)))
			goto out;
		for (j = 0; j + 1 < w->len; j++)
			exprs[n][j] = (char)(w->text[j] ^ w->text[j + 1]);
		/* The literal API rejects a pattern that starts with NUL ("llama"
		 * begins with a zero delta): drop leading zeros, which only
		 * shortens the pattern at its start; matches still end where the
		 * word ends, and on_delta checks the whole word. */
		for (skip = 0; skip + 1 < w->len && !exprs[n][skip]; skip++)
			;
		if (skip + 1 >= w->len) {
			free(exprs[n]);
			continue;
		}
		memmove(exprs[n], exprs[n] + skip, w->len - 1 - skip);
		lens[n] = w->len - 1 - skip;
		ids[n++] = (unsigned)i;
	}
	rc = INSP_EDATA;
	if (hs_compile_lit_multi((const char *const *)exprs, flags, ids, lens,
				 (unsigned)n, HS_MODE_BLOCK, NULL, &in->delta_block, &ce) ||
	    hs_compile_lit_multi((const char *const *)exprs, flags, ids, lens,
				 (unsigned)n, HS_MODE_STREAM, NULL, &in->delta_stream, &ce)) {
		snprintf(err, errlen, "cannot compile the dictionaries: %s",
			 ce ? ce->message : "unknown error");
		hs_free_compile_error(ce);
		goto out;
	}
	if (hs_alloc_scratch(in->delta_block, &in->delta_scratch) ||
	    hs_alloc_scratch(in->delta_stream, &in->delta_scratch)) {
		rc = INSP_ENOMEM;
		goto out;
	}
	rc = 0;
out:
	for (i = 0; exprs && i < n; i++)
		free(exprs[i]);
	free(exprs);
	free(lens);
	free(ids);
	free(flags);
	return rc;
}

static int load_files(struct loader *l, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < inspect_builtin_files_n; i++) {
		const struct scan_scheme_source *f = &inspect_builtin_files[i];
		struct json_visitor v = { .ctx = l, .string = on_string };
		struct json_error je;
		int rc;

		l->cat = -1;
		l->body = (const uint8_t *)f->text;
		rc = json_walk(l->body, f->len, 16, &v, &je);
		if (rc == INSP_ENOMEM)
			return rc;
		if (rc) {
			snprintf(err, errlen, "built-in dictionary '%s': %s", f->name, je.msg);
			return INSP_EDATA;
		}
	}
	return 0;
}

int insp_dict_load(struct inspector *in, char *err, size_t errlen)
{
	struct loader l = { .in = in, .cat = -1 };
	size_t i;
	int rc = INSP_ENOMEM;

	buf_init(&l.store, (size_t)MAX_WORDS * (MAX_WORD + 1));
	l.offs = calloc(MAX_WORDS, sizeof(*l.offs));
	l.cats = calloc(MAX_WORDS, sizeof(*l.cats));
	if (!l.offs || !l.cats)
		goto out;
	if ((rc = load_files(&l, err, errlen)) || (rc = add_icu_zones(&l)))
		goto out;
	rc = INSP_ENOMEM;
	in->words = calloc(l.n ? l.n : 1, sizeof(*in->words));
	if (!in->words)
		goto out;
	in->word_store = buf_take(&l.store);
	for (i = 0; i < l.n; i++) {
		in->words[i].text = in->word_store + l.offs[i];
		in->words[i].len = (uint32_t)strlen(in->words[i].text);
		in->words[i].category = l.cats[i];
	}
	in->nwords = l.n;
	rc = compile_deltas(in, err, errlen);
out:
	if (rc == INSP_ENOMEM)
		snprintf(err, errlen, "out of memory loading the dictionaries");
	buf_release(&l.store);
	free(l.offs);
	free(l.cats);
	return rc;
}

void insp_dict_free(struct inspector *in)
{
	size_t i;

	hs_free_database(in->delta_block);
	hs_free_database(in->delta_stream);
	hs_free_scratch(in->delta_scratch);
	free(in->words);
	free(in->word_store);
	for (i = 0; i < in->ncategories; i++) {
		free((char *)in->categories[i]);
	}
}
