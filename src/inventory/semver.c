/* SPDX-License-Identifier: MIT */
/*
 * semver.c - Semantic Versioning 2.0.0 precedence and npm-style ranges,
 * for policy files and OSV "SEMVER" ranges.
 *
 * Hand-written: Debian ships no C library for npm's range grammar.  We
 * take what organisations write in policies: comparators (>= <= > < =),
 * caret and tilde ranges, x-ranges ("2.1.x", "2", "*"), hyphen ranges
 * ("2.1.0 - 2.1.116") and "||" between sets.  Prerelease versions compare
 * by SemVer precedence (npm's rule that excludes them from ranges without
 * a prerelease is not applied: an installed 2.2.0-beta is in ">=2.1").
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/internal.h"
#include "util/banned.h"

#define MAX_PRE 64

struct ver {
	long part[3];
	int given;          /* how many of the three parts were written (x counts not) */
	char pre[MAX_PRE];  /* prerelease, "" for none */
};

/* Parses a (possibly partial) version at *@s, moving *@s past it. */
static int parse_ver(const char **s, struct ver *v)
{
	const char *p = *s;
	size_t n;
	int i;

	memset(v, 0, sizeof(*v));
	if (*p == 'v' || *p == 'V' || *p == '=')
		p++;
	for (i = 0; i < 3; i++) {
		if (*p == 'x' || *p == 'X' || *p == '*') {
			p++;
		} else if (isdigit((unsigned char)*p)) {
			char *end;

			v->part[i] = strtol(p, &end, 10);
			if (v->part[i] < 0 || end - p > 15)
				return -1;
			p = end;
			v->given = i + 1;
		} else {
			return i ? -1 : (v->given = 0, *s = p, *p && !isspace((unsigned char)*p) &&
					 *p != '|' ? -1 : 0);
		}
		if (v->given < i + 1)
			break;  /* "1.x.x": the rest is a wildcard too */
		if (i < 2 && *p != '.')
			break;
		if (i < 2)
			p++;
	}
	while (*p == '.' || *p == 'x' || *p == 'X' || *p == '*')
		p++;
	if (*p == '-' && v->given == 3) {
		n = strcspn(p + 1, "+ \t|");
		if (!n || n >= MAX_PRE)
			return -1;
		memcpy(v->pre, p + 1, n);
		p += 1 + n;
	}
	if (*p == '+')
		p += 1 + strcspn(p + 1, " \t|");
	*s = p;
	return 0;
}

static int cmp_ident(const char *a, size_t na, const char *b, size_t nb)
{
	int da = na && strspn(a, "0123456789") >= na, db = nb && strspn(b, "0123456789") >= nb;
	int c;

	if (da && db) {
		if (na != nb)
			return na < nb ? -1 : 1;
		c = memcmp(a, b, na);
		return c < 0 ? -1 : c > 0;
	}
	if (da != db)
		return da ? -1 : 1;
	c = memcmp(a, b, na < nb ? na : nb);
	if (c)
		return c < 0 ? -1 : 1;
	return na == nb ? 0 : na < nb ? -1 : 1;
}

static int cmp_pre(const char *a, const char *b)
{
	size_t na, nb;
	int c;

	if (!*a || !*b)
		return !*a && !*b ? 0 : !*a ? 1 : -1;
	for (;;) {
		na = strcspn(a, ".");
		nb = strcspn(b, ".");
		if ((c = cmp_ident(a, na, b, nb)))
			return c;
		a += na;
		b += nb;
		if (!*a || !*b)
			return !*a && !*b ? 0 : !*a ? -1 : 1;
		a++;
		b++;
	}
}

static int cmp_ver(const struct ver *a, const struct ver *b)
{
	int i;

	for (i = 0; i < 3; i++)
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	return cmp_pre(a->pre, b->pre);
}

static int full_ver(const char *s, struct ver *v)
{
	while (isspace((unsigned char)*s))
		s++;
	if (parse_ver(&s, v) || v->given != 3)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	return *s ? -1 : 0;
}

int inv_semver_cmp(const char *a, const char *b)
{
	struct ver va, vb;
	int ba = !a || full_ver(a, &va), bb = !b || full_ver(b, &vb);

	if (ba || bb)
		return ba && bb ? 0 : ba ? -1 : 1;
	return cmp_ver(&va, &vb);
}

/* The bounds of one range element: lo (inclusive or not) .. hi. */
struct bounds {
	struct ver lo, hi;
	int has_lo, lo_incl, has_hi, hi_incl;
};

/* The first version above every version that matches partial @v. */
static struct ver bump(const struct ver *v, int at)
{
	struct ver r = { { 0, 0, 0 }, 3, "0" };
	int i;

	for (i = 0; i < at; i++)
		r.part[i] = v->part[i];
	r.part[at] = v->part[at] + 1;
	return r;  /* "-0": below every release of that version */
}

static void add_lo(struct bounds *b, const struct ver *v, int incl)
{
	if (!b->has_lo || cmp_ver(v, &b->lo) > 0 || (!cmp_ver(v, &b->lo) && !incl)) {
		b->lo = *v;
		b->lo_incl = incl;
		b->has_lo = 1;
	}
}

static void add_hi(struct bounds *b, const struct ver *v, int incl)
{
	if (!b->has_hi || cmp_ver(v, &b->hi) < 0 || (!cmp_ver(v, &b->hi) && !incl)) {
		b->hi = *v;
		b->hi_incl = incl;
		b->has_hi = 1;
	}
}

static int caret_at(const struct ver *v)
{
	if (v->given < 2 || v->part[0])
		return 0;
	if (v->given < 3 || v->part[1])
		return 1;
	return 2;
}

/* One comparator @op @v narrows @b. */
static void apply(struct bounds *b, const char *op, const struct ver *v)
{
	struct ver hi;

	if (!v->given)
		return;  /* "*", ">=x": anything */
	if (!strcmp(op, "^")) {
		add_lo(b, v, 1);
		hi = bump(v, caret_at(v));
		add_hi(b, &hi, 0);
	} else if (!strcmp(op, "~")) {
		add_lo(b, v, 1);
		hi = bump(v, v->given < 2 ? 0 : 1);
		add_hi(b, &hi, 0);
	} else if (!strcmp(op, ">=")) {
		add_lo(b, v, 1);
	} else if (!strcmp(op, ">")) {
		if (v->given < 3)
			hi = bump(v, v->given - 1), add_lo(b, &hi, 1);
		else
			add_lo(b, v, 0);
	} else if (!strcmp(op, "<")) {
		hi = *v;
		if (v->given < 3)
			memcpy(hi.pre, "0", 2);  /* "<2" is below 2.0.0-0 */
		add_hi(b, &hi, 0);
	} else if (!strcmp(op, "<=")) {
		if (v->given < 3)
			hi = bump(v, v->given - 1), add_hi(b, &hi, 0);
		else
			add_hi(b, v, 1);
	} else if (v->given < 3) {
		add_lo(b, v, 1);
		hi = bump(v, v->given - 1);
		add_hi(b, &hi, 0);
	} else {
		add_lo(b, v, 1);
		add_hi(b, v, 1);
	}
}

static const char *read_op(const char **s)
{
	static const char *const ops[] = { ">=", "<=", ">", "<", "^", "~", "=" };
	size_t i, n;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		n = strlen(ops[i]);
		if (!strncmp(*s, ops[i], n)) {
			*s += n;
			if (**s == '>' && !strcmp(ops[i], "~"))
				(*s)++;  /* "~>" is "~" */
			return ops[i];
		}
	}
	return "";
}

static int in_bounds(const struct ver *v, const struct bounds *b)
{
	int c;

	if (b->has_lo && ((c = cmp_ver(v, &b->lo)) < 0 || (!c && !b->lo_incl)))
		return 0;
	if (b->has_hi && ((c = cmp_ver(v, &b->hi)) > 0 || (!c && !b->hi_incl)))
		return 0;
	return 1;
}

/* One "||"-separated set of comparators, from *@s up to "||" or the end. */
static int parse_set(const char **s, struct bounds *b)
{
	const char *p = *s, *op, *start;
	struct ver v, hi;

	memset(b, 0, sizeof(*b));
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || (p[0] == '|' && p[1] == '|'))
			break;
		start = p;
		op = read_op(&p);
		while (isspace((unsigned char)*p))
			p++;
		if (parse_ver(&p, &v) || p == start)
			return -1;  /* also a lone '|': nothing was read */
		while (!*op && isspace((unsigned char)*p))
			p++;
		if (!*op && p[0] == '-' && isspace((unsigned char)p[1])) {
			p += 2;  /* hyphen range: "A - B" */
			while (isspace((unsigned char)*p))
				p++;
			if (parse_ver(&p, &hi))
				return -1;
			apply(b, ">=", &v);
			apply(b, "<=", &hi);
		} else {
			apply(b, op, &v);
		}
		if (*p && !isspace((unsigned char)*p) && *p != '|')
			return -1;
	}
	*s = p;
	return 0;
}

int inv_semver_satisfies(const char *version, const char *range)
{
	const char *p = range;
	struct bounds b;
	struct ver v;
	int hit = 0, have = 0;

	if (!range)
		return -1;
	if (!version || full_ver(version, &v))
		v = (struct ver){ { -1, -1, -1 }, 0, "" };
	for (;;) {
		if (parse_set(&p, &b))
			return -1;
		have = 1;
		if (v.part[0] >= 0 && in_bounds(&v, &b))
			hit = 1;
		if (!*p)
			break;
		p += 2;  /* "||" */
	}
	return have ? hit : -1;
}
