/* SPDX-License-Identifier: MIT */
/*
 * analyze.c - align the cells' requests, find what differs, and say which
 * factors explain it.
 *
 * Requests are matched by their alignment key (load.c), leaves by JSON
 * path.  A string that differs is diffed against the reference cell (the
 * first baseline run) code point by code point; the edits of all cells are
 * united into regions of the reference, so one apostrophe and one date
 * separator in the same sentence are two differences, each with its own
 * cause.  A region's values are then explained by the smallest set of
 * factors of which they are a function over the cells that ran: none
 * explains a value that differs between identical baseline runs, which is
 * what noise is.  The condition is written from the cells' levels:
 * "tz ∈ {Asia/Shanghai, Asia/Urumqi} and host ∈ {api.example.cn}".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"
#include "util/banned.h"

#define CONTEXT_CPS 24
/* Regions of one string at most this many code points apart may merge. */
#define MERGE_GAP 8

/* A string -> index map, open addressing; keys are borrowed. */
struct smap {
	const char **keys;
	size_t *idx;
	size_t cap, n;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* Index of @key, inserting it as @next when absent; SIZE_MAX on ENOMEM. */
static size_t smap_get(struct smap *m, const char *key, size_t next)
{
	size_t i, j, h;

	if (2 * (m->n + 1) > m->cap) {
		struct smap g = { 0 };

		g.cap = m->cap ? 2 * m->cap : 64;
		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.idx = calloc(g.cap, sizeof(*g.idx));
		if (!g.keys || !g.idx) {
			free(g.keys);
			free(g.idx);
			return SIZE_MAX;
		}
		for (i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			for (j = hash(m->keys[i]) & (g.cap - 1); g.keys[j]; j = (j + 1) & (g.cap - 1))
				;
			g.keys[j] = m->keys[i];
			g.idx[j] = m->idx[i];
		}
		free(m->keys);
		free(m->idx);
		g.n = m->n;
		*m = g;
	}
	h = hash(key) & (m->cap - 1);
	for (; m->keys[h]; h = (h + 1) & (m->cap - 1))
		if (!strcmp(m->keys[h], key))
			return m->idx[h];
	m->keys[h] = key;
	m->idx[h] = next;
	m->n++;
	return next;
}

static void smap_release(struct smap *m)
{
	free(m->keys);
	free(m->idx);
	memset(m, 0, sizeof(*m));
}

struct ctx {
	const struct probe_plan *plan;
	struct probe_result *res;
	size_t ncells;
	int *ran;          /* cells that ran (setup succeeded) */
	size_t ref;        /* the reference cell: first baseline run that ran */
};

static int same(const struct probe_value *a, const struct probe_value *b)
{
	if (!a->text || !b->text)
		return !a->text && !b->text;
	return a->len == b->len && !memcmp(a->text, b->text, a->len);
}

/* Whether @vals is a function of the factors in @set over cells in @part. */
static int explains(const struct ctx *c, const int *part, const struct probe_value *vals,
		    unsigned set)
{
	size_t i, j;
	int f, eq;

	for (i = 0; i < c->ncells; i++) {
		if (!part[i])
			continue;
		for (j = i + 1; j < c->ncells; j++) {
			if (!part[j] || same(&vals[i], &vals[j]))
				continue;
			for (f = 0, eq = 1; f < PROBE_NFACTORS && eq; f++)
				if ((set >> f & 1) &&
				    c->plan->cells[i].lv[f] != c->plan->cells[j].lv[f])
					eq = 0;
			if (eq)
				return 0;
		}
	}
	return 1;
}

static int popcount(unsigned v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Whether every cell that took part has a value of its own: what no
 * factor explains but a design without repeats would pin on all of them. */
static int all_distinct(const struct ctx *c, const int *part, const struct probe_value *vals)
{
	size_t i, j, n = 0;

	for (i = 0; i < c->ncells; i++) {
		if (!part[i])
			continue;
		n++;
		for (j = i + 1; j < c->ncells; j++)
			if (part[j] && same(&vals[i], &vals[j]))
				return 0;
	}
	return n > 2;
}

/* The smallest explaining factor set, or -1: noise. */
static int attribute(const struct ctx *c, const int *part, const struct probe_value *vals)
{
	unsigned set;
	int k;

	if (all_distinct(c, part, vals))
		return -1;

	for (k = 1; k <= PROBE_NFACTORS; k++)
		for (set = 1; set < 1u << PROBE_NFACTORS; set++)
			if (popcount(set) == k && explains(c, part, vals, set))
				return (int)set;
	return -1;
}

/* "f ∈ {a, b}" with the levels of @f among cells in @rows. */
static int levels_of(const struct ctx *c, const int *rows, int f, struct buf *out)
{
	size_t i, l;
	int first = 1, rc;

	rc = buf_printf(out, "%s \xe2\x88\x88 {", probe_factor_name((enum probe_factor)f));
	for (l = 0; l < c->plan->f[f].n && !rc; l++) {
		for (i = 0; i < c->ncells && !(rows[i] && c->plan->cells[i].lv[f] == l); i++)
			;
		if (i == c->ncells)
			continue;
		rc = buf_printf(out, "%s%s", first ? "" : ", ", c->plan->f[f].v[l]);
		first = 0;
	}
	return rc ? rc : buf_adds(out, "}");
}

/* Whether the cells in @rows show every level of @f the cells in @part do. */
static int covers_all(const struct ctx *c, const int *part, const int *rows, int f)
{
	size_t i, j;

	for (i = 0; i < c->ncells; i++) {
		if (!part[i])
			continue;
		for (j = 0; j < c->ncells && !(rows[j] &&
			     c->plan->cells[j].lv[f] == c->plan->cells[i].lv[f]); j++)
			;
		if (j == c->ncells)
			return 0;
	}
	return 1;
}

/* The condition under which the cells have value @vals[@which]: a product
 * of level sets when the observed cells allow it, else their list. */
static int describe_value(const struct ctx *c, const int *part, const struct probe_value *vals,
			  size_t which, unsigned set, struct buf *out)
{
	int *rows = calloc(c->ncells, sizeof(int)), f, product = 1, first = 1, rc = 0, in;
	size_t i, l;

	if (!rows)
		return -ENOMEM;
	for (i = 0; i < c->ncells; i++)
		rows[i] = part[i] && same(&vals[i], &vals[which]);
	/* Product test: every cell whose levels each occur among rows has the value. */
	for (i = 0; i < c->ncells && product; i++) {
		if (!part[i] || rows[i])
			continue;
		for (f = 0, in = 1; f < PROBE_NFACTORS && in; f++) {
			if (!(set >> f & 1))
				continue;
			for (l = 0; l < c->ncells && !(rows[l] &&
				     c->plan->cells[l].lv[f] == c->plan->cells[i].lv[f]); l++)
				;
			in = l < c->ncells;
		}
		product = !in;
	}
	for (f = 0; f < PROBE_NFACTORS && !rc && product; f++) {
		/* A factor at every level it took does not narrow the condition. */
		if (!(set >> f & 1) || (covers_all(c, part, rows, f) && set != 1u << f))
			continue;
		rc = (first ? 0 : buf_adds(out, " and ")) || levels_of(c, rows, f, out);
		first = 0;
	}
	for (i = 0; i < c->ncells && !rc && !product; i++) {
		if (!rows[i])
			continue;
		rc = buf_adds(out, first ? "(" : " or (");
		for (f = 0, in = 0; f < PROBE_NFACTORS && !rc; f++)
			if (set >> f & 1)
				rc = buf_printf(out, "%s%s=%s", in++ ? ", " : "",
						probe_factor_name((enum probe_factor)f),
						c->plan->f[f].v[c->plan->cells[i].lv[f]]);
		rc = rc ? rc : buf_adds(out, ")");
		first = 0;
		for (l = i + 1; l < c->ncells; l++)
			if (rows[l] && !memcmp(c->plan->cells[l].lv, c->plan->cells[i].lv,
					       sizeof(c->plan->cells[i].lv)))
				rows[l] = 0;
	}
	free(rows);
	return rc ? -ENOMEM : 0;
}

/* One clause per value other than the reference's. */
static char *condition(const struct ctx *c, const int *part, const struct probe_value *vals,
		       unsigned set)
{
	struct buf out;
	size_t i, j, nother = 0;
	int rc = 0;

	buf_init(&out, (size_t)1 << 20);
	for (i = 0; i < c->ncells; i++) {
		if (!part[i] || same(&vals[i], &vals[c->ref]))
			continue;
		for (j = 0; j < i && !(part[j] && same(&vals[j], &vals[i])); j++)
			;
		if (j < i)
			continue;
		if (nother++)
			rc = rc || buf_adds(&out, "; ");
		if (vals[i].text && vals[i].len <= 16) {
			rc = rc || buf_addc(&out, '"') || probe_escape(&out, vals[i].text, vals[i].len) ||
			     buf_adds(&out, "\" when ");
		} else if (!vals[i].text) {
			rc = rc || buf_adds(&out, "absent when ");
		}
		rc = rc || describe_value(c, part, vals, i, set, &out);
	}
	if (rc) {
		buf_release(&out);
		return NULL;
	}
	return out.data ? buf_take(&out) : strdup("");
}

static struct probe_difference *new_diff(struct probe_result *res, size_t ncells)
{
	struct probe_difference *d = realloc(res->diffs, (res->ndiffs + 1) * sizeof(*d));

	if (!d)
		return NULL;
	res->diffs = d;
	d += res->ndiffs;
	memset(d, 0, sizeof(*d));
	d->values = calloc(ncells, sizeof(*d->values));
	if (!d->values)
		return NULL;
	res->ndiffs++;
	return d;
}

/* Record a difference whose values are @vals (taken over). */
static int add_difference(struct ctx *c, const struct probe_request *req, const char *path,
			  size_t offset, char *context, const int *part,
			  struct probe_value *vals, const char *kind_hint)
{
	struct probe_difference *d = new_diff(c->res, c->ncells);
	int set = attribute(c, part, vals);
	uint32_t *a = NULL, *b = NULL;
	size_t na, nb, i;
	const char *kind;

	if (!d) {
		for (i = 0; i < c->ncells; i++)
			free(vals[i].text);
		free(vals);
		free(context);
		return -ENOMEM;
	}
	free(d->values);
	d->values = vals;
	d->took_part = malloc(c->ncells);
	for (i = 0; d->took_part && i < c->ncells; i++)
		d->took_part[i] = part[i] != 0;
	d->endpoint = strdup(req->endpoint);
	d->request = strdup(req->key);
	d->json_path = strdup(path);
	d->offset = offset;
	d->context = context;
	d->kind = kind_hint ? kind_hint : "text";
	if (set < 0) {
		d->cls = PROBE_NOISE;
		c->res->nnoise++;
		return d->endpoint && d->request && d->json_path && d->took_part ? 0 : -ENOMEM;
	}
	d->factors = (unsigned)set;
	d->condition = condition(c, part, vals, (unsigned)set);
	d->cls = PROBE_VISIBLE;
	for (i = 0; i < c->ncells && !kind_hint; i++) {
		if (!part[i] || same(&vals[i], &vals[c->ref]))
			continue;
		if (probe_utf8_cps(vals[c->ref].text, vals[c->ref].len, &a, &na) ||
		    probe_utf8_cps(vals[i].text, vals[i].len, &b, &nb)) {
			free(a);
			return -ENOMEM;
		}
		if (probe_classify(a, na, b, nb, &kind) == PROBE_COVERT && d->cls != PROBE_COVERT) {
			d->cls = PROBE_COVERT;
			d->kind = kind;
		}
		free(a);
		free(b);
		a = b = NULL;
	}
	if (d->cls == PROBE_COVERT)
		c->res->ncovert++;
	else
		c->res->nvisible++;
	return d->endpoint && d->request && d->json_path && d->condition && d->took_part ?
	       0 : -ENOMEM;
}

/* Reference text around [rs, re), escaped, the region in ⟦ ⟧. */
static char *context_of(const uint32_t *s, size_t n, size_t rs, size_t re)
{
	struct buf out;
	size_t i, from = rs > CONTEXT_CPS ? rs - CONTEXT_CPS : 0;
	size_t to = re + CONTEXT_CPS < n ? re + CONTEXT_CPS : n;
	struct buf u;
	int rc = 0;

	buf_init(&out, 4096);
	buf_init(&u, 4096);
	if (from)
		rc = buf_adds(&out, "\xe2\x80\xa6");
	for (i = from; i <= to && !rc; i++) {
		if (i == rs)
			rc = probe_escape(&out, u.data, u.len) || buf_adds(&out, "\xe2\x9f\xa6");
		if (i == rs)
			buf_reset(&u);
		if (i == re)
			rc = rc || probe_escape(&out, u.data, u.len) || buf_adds(&out, "\xe2\x9f\xa7");
		if (i == re)
			buf_reset(&u);
		if (i < to)
			rc = rc || buf_add_utf8(&u, s[i]);
	}
	rc = rc || probe_escape(&out, u.data, u.len);
	if (to < n)
		rc = rc || buf_adds(&out, "\xe2\x80\xa6");
	buf_release(&u);
	if (rc) {
		buf_release(&out);
		return NULL;
	}
	return buf_take(&out);
}

struct region {
	size_t rs, re;
};

static int add_region(struct region **v, size_t *n, size_t rs, size_t re)
{
	struct region *r = realloc(*v, (*n + 1) * sizeof(**v));

	if (!r)
		return -ENOMEM;
	*v = r;
	r[*n].rs = rs;
	r[*n].re = re;
	(*n)++;
	return 0;
}

static int region_cmp(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	return x->rs < y->rs ? -1 : x->rs > y->rs ? 1 : x->re < y->re ? -1 : x->re > y->re;
}

/* A cell's text for the reference region [rs, re]: see the header comment. */
static int cell_text(const uint32_t *cps, const struct probe_hunk *h, size_t nh, size_t rs,
		     size_t re, struct probe_value *out)
{
	long dstart = 0, dend = 0;
	struct buf b;
	size_t i, from, to;

	for (i = 0; i < nh; i++) {
		long delta = (long)(h[i].oth_end - h[i].oth_start) - (long)(h[i].ref_end - h[i].ref_start);

		if (h[i].ref_end < rs)
			dstart += delta;
		if (h[i].ref_start <= re)
			dend += delta;
	}
	from = (size_t)((long)rs + dstart);
	to = (size_t)((long)re + dend);
	buf_init(&b, (size_t)1 << 28);
	for (i = from; i < to; i++)
		if (buf_add_utf8(&b, cps[i]))
			return -ENOMEM;
	out->len = b.len;
	out->text = b.data ? buf_take(&b) : strdup("");
	return out->text ? 0 : -ENOMEM;
}

struct celldiff {
	uint32_t *cps;
	size_t n;
	struct probe_hunk *h;
	size_t nh;
};

/* Whether @a and @b split the cells of @part into the same groups. */
static int same_partition(const struct ctx *c, const int *part, const struct probe_value *a,
			  const struct probe_value *b)
{
	size_t i, j;

	for (i = 0; i < c->ncells; i++)
		for (j = i + 1; part[i] && j < c->ncells; j++)
			if (part[j] && same(&a[i], &a[j]) != same(&b[i], &b[j]))
				return 0;
	return 1;
}

static void free_difference(struct probe_difference *d, size_t ncells)
{
	size_t i;

	free(d->endpoint);
	free(d->request);
	free(d->json_path);
	free(d->context);
	free(d->condition);
	for (i = 0; d->values && i < ncells; i++)
		free(d->values[i].text);
	free(d->values);
	free(d->took_part);
}

/* The last two differences, regions [prs, pre) and [rs, re) of one string
 * close together, change in the same cells for the same reason and in the
 * same way: they are one ("2026/12/01" is one choice of separator, not
 * two).  Merge them, with the reference text between them, and return 1. */
static int merge_last(struct ctx *c, const int *part, const uint32_t *ref, size_t nref,
		      size_t prs, size_t pre, size_t rs, size_t re)
{
	struct probe_result *res = c->res;
	struct probe_difference *a = &res->diffs[res->ndiffs - 2], *b = a + 1;
	struct buf gap, v;
	size_t i;
	int rc = 0;

	if (a->cls == PROBE_NOISE || a->cls != b->cls || strcmp(a->kind, b->kind) ||
	    a->factors != b->factors || rs - pre > MERGE_GAP || !same_partition(c, part, a->values,
									     b->values))
		return 0;
	buf_init(&gap, 64);
	for (i = pre; i < rs && !rc; i++)
		rc = buf_add_utf8(&gap, ref[i]);
	for (i = 0; i < c->ncells && !rc; i++) {
		if (!part[i])
			continue;
		buf_init(&v, (size_t)1 << 28);
		rc = buf_add(&v, a->values[i].text, a->values[i].len) ||
		     buf_add(&v, gap.data ? gap.data : "", gap.len) ||
		     buf_add(&v, b->values[i].text, b->values[i].len);
		free(a->values[i].text);
		a->values[i].len = v.len;
		a->values[i].text = rc ? NULL : buf_take(&v);
		buf_release(&v);
	}
	buf_release(&gap);
	free(a->context);
	free(a->condition);
	a->context = rc ? NULL : context_of(ref, nref, prs, re);
	a->condition = rc ? NULL : condition(c, part, a->values, a->factors);
	if (a->cls == PROBE_COVERT)
		res->ncovert--;
	else
		res->nvisible--;
	free_difference(b, c->ncells);
	res->ndiffs--;
	return rc || !a->context || !a->condition ? -ENOMEM : 1;
}

/* A leaf present in all cells of @part, differing somewhere. */
static int string_leaf(struct ctx *c, const struct probe_request *req, const char *path,
		       const struct probe_leaf **leaves, const int *part)
{
	struct celldiff *cd = calloc(c->ncells, sizeof(*cd));
	struct region *rg = NULL;
	size_t nrg = 0, i, k, j, prs = 0, pre = 0;
	int rc = cd ? 0 : -ENOMEM;

	for (i = 0; i < c->ncells && !rc; i++) {
		if (!part[i])
			continue;
		rc = probe_utf8_cps(leaves[i]->value, leaves[i]->len, &cd[i].cps, &cd[i].n);
		if (!rc && i != c->ref)
			rc = probe_diff(cd[c->ref].cps, cd[c->ref].n, cd[i].cps, cd[i].n, &cd[i].h,
					&cd[i].nh);
		for (k = 0; !rc && k < cd[i].nh; k++)
			rc = add_region(&rg, &nrg, cd[i].h[k].ref_start, cd[i].h[k].ref_end);
	}
	if (!rc && nrg)
		qsort(rg, nrg, sizeof(*rg), region_cmp);
	for (i = 0, j = 0; !rc && i < nrg; i++) {
		if (j && rg[j - 1].re >= rg[i].rs) {
			if (rg[i].re > rg[j - 1].re)
				rg[j - 1].re = rg[i].re;
		} else {
			rg[j++] = rg[i];
		}
	}
	nrg = rc ? 0 : j;
	for (j = 0; j < nrg && !rc; j++) {
		struct probe_value *vals = calloc(c->ncells, sizeof(*vals));

		rc = vals ? 0 : -ENOMEM;
		for (i = 0; i < c->ncells && !rc; i++)
			if (part[i])
				rc = cell_text(cd[i].cps, cd[i].h, cd[i].nh, rg[j].rs, rg[j].re, &vals[i]);
		if (rc) {
			for (i = 0; vals && i < c->ncells; i++)
				free(vals[i].text);
			free(vals);
			break;
		}
		/* add_difference owns vals from here on, even when it fails. */
		rc = add_difference(c, req, path, rg[j].rs,
				    context_of(cd[c->ref].cps, cd[c->ref].n, rg[j].rs, rg[j].re),
				    part, vals, NULL);
		if (!rc && j && merge_last(c, part, cd[c->ref].cps, cd[c->ref].n, prs, pre,
					   rg[j].rs, rg[j].re) == 1) {
			pre = rg[j].re;
			continue;
		}
		prs = rg[j].rs;
		pre = rg[j].re;
	}
	for (i = 0; cd && i < c->ncells; i++) {
		free(cd[i].cps);
		free(cd[i].h);
	}
	free(cd);
	free(rg);
	return rc;
}

static int whole_values(const struct ctx *c, const struct probe_leaf **leaves, const int *part,
			struct probe_value **out)
{
	struct probe_value *vals = calloc(c->ncells, sizeof(*vals));
	size_t i;

	if (!vals)
		return -ENOMEM;
	for (i = 0; i < c->ncells; i++) {
		if (!part[i] || !leaves[i])
			continue;
		vals[i].text = strndup(leaves[i]->value, leaves[i]->len);
		vals[i].len = leaves[i]->len;
		if (!vals[i].text)
			return -ENOMEM;
	}
	*out = vals;
	return 0;
}

/* All cells of one aligned request: leaf by leaf. */
static int request_slot(struct ctx *c, const struct probe_request **per_cell)
{
	const struct probe_request *req = NULL;
	const struct probe_leaf **table = NULL; /* npaths x ncells */
	const char **paths = NULL;
	struct smap m = { 0 };
	size_t npaths = 0, i, k, p;
	int *part = calloc(c->ncells, sizeof(int)), rc = 0, differ;

	if (!part)
		return -ENOMEM;
	for (i = 0; i < c->ncells; i++) {
		part[i] = c->ran[i] && per_cell[i];
		if (part[i] && !req)
			req = per_cell[i];
	}
	for (i = 0; i < c->ncells && !rc; i++) {
		for (k = 0; part[i] && k < per_cell[i]->nleaves && !rc; k++) {
			const struct probe_leaf *l = &per_cell[i]->leaves[k];

			p = smap_get(&m, l->path, npaths);
			if (p == SIZE_MAX) {
				rc = -ENOMEM;
				break;
			}
			if (p == npaths) {
				const struct probe_leaf **t = realloc(table,
						(npaths + 1) * c->ncells * sizeof(*t));
				const char **pv = realloc(paths, (npaths + 1) * sizeof(*pv));

				table = t ? t : table;
				paths = pv ? pv : paths;
				if (!t || !pv) {
					rc = -ENOMEM;
					break;
				}
				memset(&table[npaths * c->ncells], 0, c->ncells * sizeof(*t));
				paths[npaths++] = l->path;
			}
			table[p * c->ncells + i] = l;
		}
	}
	for (p = 0; p < npaths && !rc; p++) {
		const struct probe_leaf **row = &table[p * c->ncells];
		const struct probe_leaf *r0 = row[c->ref];
		struct probe_value *vals;

		for (i = 0, differ = 0; i < c->ncells; i++) {
			if (!part[i])
				continue;
			if (!row[i] || !r0 || row[i]->len != r0->len ||
			    memcmp(row[i]->value, r0->value, r0->len))
				differ = 1;
		}
		if (!differ)
			continue;
		for (i = 0, k = 0; i < c->ncells; i++)
			k += part[i] && !row[i];
		if (k || !r0) {
			rc = whole_values(c, row, part, &vals);
			rc = rc ? rc : add_difference(c, req, paths[p], SIZE_MAX, NULL, part, vals,
						      "presence");
		} else {
			rc = string_leaf(c, req, paths[p], row, part);
		}
	}
	smap_release(&m);
	free(table);
	free(paths);
	free(part);
	return rc;
}

/* A request some cells did not send at all. */
static int request_presence(struct ctx *c, const struct probe_request **per_cell)
{
	struct probe_value *vals = calloc(c->ncells, sizeof(*vals));
	const struct probe_request *req = NULL;
	size_t i, missing = 0;

	if (!vals)
		return -ENOMEM;
	for (i = 0; i < c->ncells; i++) {
		if (!c->ran[i])
			continue;
		if (per_cell[i]) {
			req = per_cell[i];
			vals[i].text = strdup("sent");
			vals[i].len = 4;
			if (!vals[i].text)
				return -ENOMEM;
		} else {
			missing++;
		}
	}
	if (!missing) {
		for (i = 0; i < c->ncells; i++)
			free(vals[i].text);
		free(vals);
		return 0;
	}
	return add_difference(c, req, "(request)", SIZE_MAX, NULL, c->ran, vals, "presence");
}

/* A random value the design cannot show as noise (a request only two
 * cells sent, with no repeat among them) is noise when the same path is
 * noise in another request and the value is its own in every cell here:
 * a session id in the requests a proxy cell sends through the proxy. */
static void noise_elsewhere(struct probe_result *res)
{
	size_t i, j, a, b;
	int distinct;

	for (i = 0; i < res->ndiffs; i++) {
		struct probe_difference *d = &res->diffs[i];

		if (d->cls == PROBE_NOISE || !strcmp(d->kind, "presence"))
			continue;
		for (j = 0; j < res->ndiffs; j++)
			if (res->diffs[j].cls == PROBE_NOISE &&
			    !strcmp(res->diffs[j].json_path, d->json_path) &&
			    strcmp(res->diffs[j].request, d->request))
				break;
		if (j == res->ndiffs)
			continue;
		for (a = 0, distinct = 1; a < res->ncells && distinct; a++)
			for (b = a + 1; d->took_part[a] && b < res->ncells && distinct; b++)
				if (d->took_part[b] && d->values[a].text && d->values[b].text &&
				    d->values[a].len == d->values[b].len &&
				    !memcmp(d->values[a].text, d->values[b].text, d->values[a].len))
					distinct = 0;
		if (!distinct)
			continue;
		if (d->cls == PROBE_COVERT)
			res->ncovert--;
		else
			res->nvisible--;
		res->nnoise++;
		d->cls = PROBE_NOISE;
		d->factors = 0;
		free(d->condition);
		d->condition = NULL;
	}
}

int probe_analyze(const struct probe_plan *plan, const struct probe_capture *caps,
		  struct probe_result *res)
{
	struct ctx c = { plan, res, plan->ncells, NULL, SIZE_MAX };
	const struct probe_request **slots = NULL; /* nslots x ncells */
	struct smap m = { 0 };
	size_t nslots = 0, i, k, s;
	int rc = 0;

	res->ncells = plan->ncells;
	c.ran = calloc(plan->ncells, sizeof(int));
	if (!c.ran)
		return -ENOMEM;
	for (i = 0; i < plan->ncells; i++) {
		c.ran[i] = plan->cells[i].ran && !plan->cells[i].setup_failed;
		if (c.ran[i] && c.ref == SIZE_MAX)
			c.ref = i;
	}
	for (i = 0; i < plan->ncells && !rc && c.ref != SIZE_MAX; i++) {
		for (k = 0; c.ran[i] && k < caps[i].n; k++) {
			s = smap_get(&m, caps[i].v[k].key, nslots);
			if (s == nslots) {
				const struct probe_request **t = realloc(slots,
						(nslots + 1) * plan->ncells * sizeof(*t));

				if (!t) {
					rc = -ENOMEM;
					break;
				}
				slots = t;
				memset(&slots[nslots * plan->ncells], 0, plan->ncells * sizeof(*t));
				nslots++;
			}
			if (s == SIZE_MAX) {
				rc = -ENOMEM;
				break;
			}
			slots[s * plan->ncells + i] = &caps[i].v[k];
		}
	}
	for (s = 0; s < nslots && !rc; s++) {
		const struct probe_request **per_cell = &slots[s * plan->ncells];

		/* Presence is told against the first cell that ran; the leaves
		 * against the first one that holds the request. */
		for (c.ref = 0; !c.ran[c.ref]; c.ref++)
			;
		rc = request_presence(&c, per_cell);
		for (c.ref = 0; c.ref < plan->ncells && !(c.ran[c.ref] && per_cell[c.ref]); c.ref++)
			;
		rc = rc ? rc : request_slot(&c, per_cell);
	}
	if (!rc)
		noise_elsewhere(res);
	smap_release(&m);
	free(slots);
	free(c.ran);
	return rc;
}

void probe_result_release(struct probe_result *res)
{
	size_t i;

	for (i = 0; i < res->ndiffs; i++)
		free_difference(&res->diffs[i], res->ncells);
	free(res->diffs);
	for (i = 0; i < res->nfindings; i++) {
		free(res->findings[i].rule);
		free(res->findings[i].severity);
		free(res->findings[i].endpoint);
		free(res->findings[i].json_path);
		free(res->findings[i].message);
		free(res->findings[i].cells);
	}
	free(res->findings);
	memset(res, 0, sizeof(*res));
}
