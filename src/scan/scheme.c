/* SPDX-License-Identifier: MIT */
/*
 * scheme.c - known covert schemes, kept as data.
 *
 * A scheme is a sentence template with slots, e.g. "Today{apostrophe}s date
 * is {date}", where each slot lists the variants an agent may write and
 * what each one reveals.  The format is in docs/FORMATS.md; new schemes are
 * new files, not new code.  Matching is triggered by the scanner when it
 * meets a character one of the slots lists, or a date sentence, so a
 * scheme costs nothing on bytes that cannot be part of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/scan.h"
#include "util/utf8.h"
#include "util/banned.h"

#define MAX_SLOTS 8
#define MAX_VARIANTS_PER_SLOT 16
#define MAX_TOKENS 16
#define MAX_LITERAL 64

enum slot_type { SLOT_CHAR, SLOT_DATE };

struct variant {
	uint32_t cp;       /* the character, or the date separator */
	char *meaning;     /* NULL: the default, which reveals nothing */
};

struct slot {
	char *name;
	enum slot_type type;
	struct variant v[MAX_VARIANTS_PER_SLOT];
	size_t nv;
};

struct token {
	int slot;          /* -1 for a literal */
	uint32_t lit[MAX_LITERAL];
	size_t nlit;
};

struct scheme {
	char *id;
	char *rule;        /* "scheme.<id>" */
	char *name;
	char *reference;
	enum scan_severity severity;
	struct slot slots[MAX_SLOTS];
	size_t nslots;
	struct token toks[MAX_TOKENS];
	size_t ntoks;
	char *template;
};

/* ---- loading ---------------------------------------------------------- */

struct loader {
	struct scheme *s;
	struct buf val;
	char err[200];
};

static char *dup_value(struct loader *l, const uint8_t *p, size_t n)
{
	char *s;

	buf_reset(&l->val);
	if (json_unescape(p, n, &l->val))
		return NULL;
	s = malloc(l->val.len + 1);
	if (s)
		memcpy(s, l->val.data ? l->val.data : "", l->val.len + 1);
	return s;
}

static struct slot *slot_named(struct loader *l, const uint8_t *key, size_t n)
{
	struct scheme *s = l->s;
	size_t i;

	for (i = 0; i < s->nslots; i++)
		if (strlen(s->slots[i].name) == n && !memcmp(s->slots[i].name, key, n))
			return &s->slots[i];
	if (s->nslots == MAX_SLOTS)
		return NULL;
	s->slots[s->nslots].name = dup_value(l, key, n);
	if (!s->slots[s->nslots].name)
		return NULL;
	return &s->slots[s->nslots++];
}

/* A variant key: "U+2019" for a character slot, the separator itself
 * (one character) for a date slot. */
static int parse_variant_key(const char *k, uint32_t *cp)
{
	size_t len;
	char *end;
	unsigned long v;

	if (k[0] == 'U' && k[1] == '+') {
		v = strtoul(k + 2, &end, 16);
		if (*end || end == k + 2 || v > 0x10FFFF)
			return -1;
		*cp = (uint32_t)v;
		return 0;
	}
	if (!*k || utf8_decode((const uint8_t *)k, strlen(k), cp, &len) != UTF8_OK ||
	    k[len])
		return -1;
	return 0;
}

static int on_slot_value(struct loader *l, const struct json_walker *w,
			 enum json_kind kind, size_t start, size_t end)
{
	const struct json_seg *sg = w->segs;
	struct slot *sl = slot_named(l, sg[1].key, sg[1].keylen);
	char *key, *text;

	if (!sl) {
		snprintf(l->err, sizeof(l->err), "too many slots (at most %d)", MAX_SLOTS);
		return -1;
	}
	if (w->depth == 3 && json_seg_is(&sg[2], "type") && kind == JSON_STRING) {
		text = dup_value(l, w->body + start + 1, end - start - 2);
		sl->type = text && !strcmp(text, "date") ? SLOT_DATE : SLOT_CHAR;
		free(text);
		return 0;
	}
	if (w->depth != 4 || !(json_seg_is(&sg[2], "variants") ||
			       json_seg_is(&sg[2], "separators")))
		return 0;
	if (sl->nv == MAX_VARIANTS_PER_SLOT) {
		snprintf(l->err, sizeof(l->err), "slot '%s' has too many variants", sl->name);
		return -1;
	}
	key = dup_value(l, sg[3].key, sg[3].keylen);
	if (!key || parse_variant_key(key, &sl->v[sl->nv].cp)) {
		snprintf(l->err, sizeof(l->err), "slot '%s': variant '%s' is neither "
			 "U+XXXX nor one character", sl->name, key ? key : "?");
		free(key);
		return -1;
	}
	free(key);
	sl->v[sl->nv].meaning = kind == JSON_STRING
		? dup_value(l, w->body + start + 1, end - start - 2) : NULL;
	sl->nv++;
	return 0;
}

static int on_value(void *ctx, const struct json_walker *w, enum json_kind kind,
		    size_t start, size_t end)
{
	struct loader *l = ctx;
	struct scheme *s = l->s;
	char **field = NULL;

	if (w->depth >= 3 && json_seg_is(&w->segs[0], "slots"))
		return on_slot_value(l, w, kind, start, end);
	if (w->depth != 1 || kind != JSON_STRING)
		return 0;
	if (json_seg_is(&w->segs[0], "id"))
		field = &s->id;
	else if (json_seg_is(&w->segs[0], "name"))
		field = &s->name;
	else if (json_seg_is(&w->segs[0], "reference"))
		field = &s->reference;
	else if (json_seg_is(&w->segs[0], "template"))
		field = &s->template;
	else if (json_seg_is(&w->segs[0], "severity")) {
		char *sev = dup_value(l, w->body + start + 1, end - start - 2);
		int v = sev ? scan_severity_parse(sev) : -1;

		free(sev);
		if (v < 0) {
			snprintf(l->err, sizeof(l->err), "severity must be info, low, "
				 "medium, high or critical");
			return -1;
		}
		s->severity = (enum scan_severity)v;
		return 0;
	}
	if (!field)
		return 0;
	free(*field);
	*field = dup_value(l, w->body + start + 1, end - start - 2);
	return *field ? 0 : -1;
}

/* Split the template into literals and {slot} references. */
static int compile_template(struct loader *l)
{
	struct scheme *s = l->s;
	const uint8_t *p = (const uint8_t *)s->template, *end = p + strlen(s->template);
	struct token *t = NULL;
	size_t len, i, dates = 0;
	uint32_t cp;

	while (p < end) {
		if (s->ntoks == MAX_TOKENS)
			return snprintf(l->err, sizeof(l->err), "template too long"), -1;
		if (*p == '{') {
			const uint8_t *close = memchr(p, '}', (size_t)(end - p));

			if (!close)
				return snprintf(l->err, sizeof(l->err), "unclosed '{' in template"), -1;
			t = &s->toks[s->ntoks++];
			t->slot = -1;
			for (i = 0; i < s->nslots; i++)
				if (strlen(s->slots[i].name) == (size_t)(close - p - 1) &&
				    !memcmp(s->slots[i].name, p + 1, (size_t)(close - p - 1)))
					t->slot = (int)i;
			if (t->slot < 0)
				return snprintf(l->err, sizeof(l->err), "template names slot "
						"'%.*s', which 'slots' does not define",
						(int)(close - p - 1), (const char *)p + 1), -1;
			dates += s->slots[t->slot].type == SLOT_DATE;
			p = close + 1;
			t = NULL;
			continue;
		}
		if (!t) {
			t = &s->toks[s->ntoks++];
			t->slot = -1;
			t->nlit = 0;
		}
		if (utf8_decode(p, (size_t)(end - p), &cp, &len) != UTF8_OK || t->nlit == MAX_LITERAL)
			return snprintf(l->err, sizeof(l->err), "template is not valid UTF-8 or too long"), -1;
		t->lit[t->nlit++] = cp;
		p += len;
	}
	if (!s->ntoks || s->toks[0].slot >= 0 || dates > 1)
		return snprintf(l->err, sizeof(l->err), "template must start with text "
				"and hold at most one date slot"), -1;
	return 0;
}

static int load_one(struct scheme *s, const struct scan_scheme_source *src,
		    char *err, size_t errlen)
{
	struct loader l = { .s = s };
	struct json_visitor v = { .ctx = &l, .value = on_value };
	struct json_error jerr = { 0 };
	struct buf rule;
	int rc;

	buf_init(&l.val, 1 << 16);
	buf_init(&rule, 256);
	s->severity = SCAN_SEV_CRITICAL;
	rc = json_walk((const uint8_t *)src->text, src->len, 16, &v, &jerr);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
		snprintf(l.err, sizeof(l.err), "%s", jerr.msg);
	else if (!rc && (!s->id || !s->template || !s->name))
		snprintf(l.err, sizeof(l.err), "'id', 'name' and 'template' are required");
	else if (!rc)
		rc = compile_template(&l);
	if (!rc && !l.err[0] && !buf_printf(&rule, "scheme.%s", s->id))
		s->rule = buf_take(&rule);
	if (rc || l.err[0] || !s->rule) {
		snprintf(err, errlen, "scheme '%s': %s", src->name ? src->name : "?",
			 l.err[0] ? l.err : "out of memory");
		rc = SCAN_ESCHEME;
	}
	buf_release(&l.val);
	buf_release(&rule);
	return rc;
}

static const struct variant *find_variant(const struct slot *sl, uint32_t cp);

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The bytes after which an ASCII apostrophe may fill a slot: the last
 * character of the text before each slot that lists U+0027, both cases. */
static void apostrophe_context(struct scan_engine *e)
{
	size_t i, t, n = 0;

	for (i = 0; i < e->nschemes; i++) {
		const struct scheme *s = &e->schemes[i];

		for (t = 0; t < s->ntoks; t++) {
			const struct token *prev = t ? &s->toks[t - 1] : NULL;
			uint32_t last;

			if (s->toks[t].slot < 0 || s->slots[s->toks[t].slot].type != SLOT_CHAR ||
			    !find_variant(&s->slots[s->toks[t].slot], '\''))
				continue;
			last = prev && prev->slot < 0 ? prev->lit[prev->nlit - 1] : 0;
			if (last >= 'A' && last <= 'Z')
				last += 32;
			if (!last || last >= 0x80 || (n && e->apos_after[0] != last)) {
				e->apos_all = true;
				continue;
			}
			e->apos_after[0] = (uint8_t)last;
			e->apos_after[1] = (uint8_t)(last >= 'a' && last <= 'z' ? last - 32 : last);
			n = 2;
		}
	}
}

/* The characters of every character slot, for scan_scheme_trigger. */
static int collect_triggers(struct scan_engine *e, char *err, size_t errlen)
{
	const size_t max = sizeof(e->triggers) / sizeof(e->triggers[0]);
	size_t i, k, v, t;

	for (i = 0; i < e->nschemes; i++) {
		for (k = 0; k < e->schemes[i].nslots; k++) {
			const struct slot *sl = &e->schemes[i].slots[k];

			for (v = 0; sl->type == SLOT_CHAR && v < sl->nv; v++) {
				for (t = 0; t < e->ntriggers && e->triggers[t] != sl->v[v].cp; t++)
					;
				if (t < e->ntriggers)
					continue;
				if (e->ntriggers == max)
					return snprintf(err, errlen, "schemes list more than %zu "
							"distinct characters", max), SCAN_ESCHEME;
				e->triggers[e->ntriggers++] = sl->v[v].cp;
			}
		}
	}
	qsort(e->triggers, e->ntriggers, sizeof(e->triggers[0]), cmp_u32);
	apostrophe_context(e);
	return 0;
}

int scan_schemes_load(struct scan_engine *e, const struct scan_scheme_source *src,
		      size_t n, char *err, size_t errlen)
{
	size_t i;

	e->schemes = n ? calloc(n, sizeof(*e->schemes)) : NULL;
	if (n && !e->schemes)
		return snprintf(err, errlen, "out of memory"), SCAN_ENOMEM;
	for (i = 0; i < n; i++) {
		e->nschemes = i + 1;
		if (load_one(&e->schemes[i], &src[i], err, errlen))
			return SCAN_ESCHEME;
	}
	return collect_triggers(e, err, errlen);
}

void scan_schemes_free(struct scan_engine *e)
{
	size_t i, k, v;

	for (i = 0; i < e->nschemes; i++) {
		struct scheme *s = &e->schemes[i];

		for (k = 0; k < s->nslots; k++) {
			free(s->slots[k].name);
			for (v = 0; v < s->slots[k].nv; v++)
				free(s->slots[k].v[v].meaning);
		}
		free(s->id);
		free(s->rule);
		free(s->name);
		free(s->reference);
		free(s->template);
	}
	free(e->schemes);
	e->schemes = NULL;
	e->nschemes = 0;
}

/* ---- matching --------------------------------------------------------- */

static const struct variant *find_variant(const struct slot *sl, uint32_t cp)
{
	size_t i;

	for (i = 0; i < sl->nv; i++)
		if (sl->v[i].cp == cp)
			return &sl->v[i];
	return NULL;
}

static uint32_t fold(uint32_t cp)
{
	return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}

/* Characters the template has before token @t (all tokens before it must
 * have a fixed length: literals and character slots). */
static long prefix_length(const struct scheme *s, size_t t)
{
	long n = 0;
	size_t i;

	for (i = 0; i < t; i++) {
		if (s->toks[i].slot < 0)
			n += (long)s->toks[i].nlit;
		else if (s->slots[s->toks[i].slot].type == SLOT_CHAR)
			n += 1;
		else
			return -1;
	}
	return n;
}

struct signal {
	const struct slot *slot;
	uint32_t value;
	const struct variant *v; /* NULL: a variant the scheme does not list */
};

/* Match the whole template from cps[at]; fills @sig, one per slot token. */
static size_t match(const struct scheme *s, const uint32_t *cps, size_t n,
		    size_t at, struct signal *sig, size_t *nsig)
{
	size_t t, i, k = at;
	struct date_parsed d;

	*nsig = 0;
	for (t = 0; t < s->ntoks; t++) {
		const struct token *tok = &s->toks[t];
		const struct slot *sl;

		if (tok->slot < 0) {
			for (i = 0; i < tok->nlit; i++, k++)
				if (k >= n || fold(cps[k]) != fold(tok->lit[i]))
					return 0;
			continue;
		}
		sl = &s->slots[tok->slot];
		if (sl->type == SLOT_DATE) {
			if (k >= n || !scan_date_parse(cps + k, n - k, &d))
				return 0;
			sig[*nsig] = (struct signal){ sl, d.sep, find_variant(sl, d.sep) };
			k += d.len;
		} else {
			struct lookalike la;

			if (k >= n)
				return 0;
			sig[*nsig] = (struct signal){ sl, cps[k], find_variant(sl, cps[k]) };
			/* An unlisted character of the same kind still fills the
			 * slot: a new variant of a known scheme. */
			if (!sig[*nsig].v && !(scan_classify(cps[k], &la) == CC_LOOKALIKE &&
					       sl->nv && la.plain == sl->v[0].cp))
				return 0;
			k++;
		}
		(*nsig)++;
	}
	return k - at;
}

static int add_signal_json(struct buf *j, const struct signal *g, bool first)
{
	char value[16];
	int rc;

	if (g->slot->type == SLOT_DATE && g->value < 0x80)
		snprintf(value, sizeof(value), "%c", (char)g->value);
	else
		snprintf(value, sizeof(value), "U+%04X", g->value);
	rc = buf_printf(j, "%s{\"slot\":", first ? "" : ",");
	rc = rc ? rc : json_write_string(j, g->slot->name, strlen(g->slot->name));
	rc = rc ? rc : buf_adds(j, ",\"value\":");
	rc = rc ? rc : json_write_string(j, value, strlen(value));
	rc = rc ? rc : buf_adds(j, ",\"meaning\":");
	if (!rc && g->v && g->v->meaning)
		rc = json_write_string(j, g->v->meaning, strlen(g->v->meaning));
	else if (!rc)
		rc = buf_adds(j, g->v ? "null" : "\"a variant this scheme does not list\"");
	return rc ? rc : buf_addc(j, '}');
}

static int report_match(struct scan_ctx *c, const struct scheme *s, size_t off,
			size_t len, const struct signal *sig, size_t nsig)
{
	enum scan_severity sev = SCAN_SEV_INFO;
	struct buf j, msg;
	uint32_t cp = SCAN_NO_CODEPOINT;
	struct pending *p;
	size_t i;
	int rc;

	/* Any signal that is not the default, listed or not, is the scheme's
	 * channel carrying something. */
	for (i = 0; i < nsig; i++) {
		if (sig[i].v && !sig[i].v->meaning)
			continue;
		sev = s->severity;
		if (cp == SCAN_NO_CODEPOINT && sig[i].slot->type == SLOT_CHAR)
			cp = sig[i].value;
	}
	/* Every slot at its default: the sentence carries nothing, and the
	 * plain "Today's date is 2026-12-01" is in nearly every request of
	 * some agents.  A finding there would only be noise. */
	if (sev == SCAN_SEV_INFO)
		return 0;
	rc = scan_add(c, R_SCHEME, sev, cp, 1, off, len, &p);
	if (rc || !p)
		return rc;
	p->f.rule = arena_strndup(c->arena, s->rule, strlen(s->rule));
	buf_init(&j, 1 << 16);
	buf_init(&msg, 4096);
	rc = buf_adds(&j, "{\"scheme\":");
	rc = rc ? rc : json_write_string(&j, s->id, strlen(s->id));
	rc = rc ? rc : buf_adds(&j, ",\"name\":");
	rc = rc ? rc : json_write_string(&j, s->name, strlen(s->name));
	rc = rc ? rc : buf_printf(&j, ",\"default\":%s,\"signals\":[",
				  sev == SCAN_SEV_INFO ? "true" : "false");
	for (i = 0; !rc && i < nsig; i++)
		rc = add_signal_json(&j, &sig[i], i == 0);
	rc = rc ? rc : buf_adds(&j, "]");
	if (!rc && s->reference) {
		rc = buf_adds(&j, ",\"reference\":");
		rc = rc ? rc : json_write_string(&j, s->reference, strlen(s->reference));
	}
	rc = rc ? rc : buf_addc(&j, '}');
	rc = rc ? rc : scan_set_decoded(c, p, &j);
	/* The message: what each non-default signal reveals. */
	rc = rc ? rc : buf_printf(&msg, "%s", s->name);
	for (i = 0; !rc && i < nsig; i++) {
		if (sig[i].v && !sig[i].v->meaning)
			continue;
		if (sig[i].slot->type == SLOT_DATE && sig[i].value < 0x80)
			rc = buf_printf(&msg, "; %s '%c'", sig[i].slot->name, (char)sig[i].value);
		else
			rc = buf_printf(&msg, "; %s U+%04X", sig[i].slot->name, sig[i].value);
		rc = rc ? rc : buf_printf(&msg, " means %s", sig[i].v ? sig[i].v->meaning
					  : "something new: a variant this scheme does not list");
	}
	rc = rc ? rc : scan_set_message(c, p, "%s", msg.data);
	buf_release(&j);
	buf_release(&msg);
	return rc;
}

/* Quick raw-byte check of the literal right before slot token @t. */
static bool literal_before(const struct scan_ctx *c, const struct scheme *s,
			   size_t t, size_t off)
{
	const struct token *lit;
	size_t i;

	if (t == 0 || s->toks[t - 1].slot >= 0)
		return true;
	lit = &s->toks[t - 1];
	if (off - c->s.start < lit->nlit)
		return false;
	for (i = 0; i < lit->nlit; i++) {
		uint8_t b = c->body[off - lit->nlit + i];

		if (b == '\\' || b >= 0x80 || lit->lit[i] >= 0x80)
			return true; /* escapes or non-ASCII: let the full match decide */
		if (fold(b) != fold(lit->lit[i]))
			return false;
	}
	return true;
}

static int try_scheme(struct scan_ctx *c, const struct scheme *s, size_t off,
		      uint32_t cp)
{
	uint32_t cps[257];
	size_t offs[258], n, k, t, len, nsig;
	struct signal sig[MAX_TOKENS];
	long pre;

	for (t = 0; t < s->ntoks; t++) {
		const struct slot *sl = s->toks[t].slot >= 0 ? &s->slots[s->toks[t].slot] : NULL;

		if (!sl || (cp == SCAN_DATE_EVENT) != (sl->type == SLOT_DATE))
			continue;
		if (sl->type == SLOT_CHAR && !find_variant(sl, cp))
			continue;
		pre = prefix_length(s, t);
		if (pre < 0 || !literal_before(c, s, t, off))
			continue;
		n = json_window(c->body, c->s.start, c->s.end, off, 96, 128, cps, offs, 256);
		for (k = 0; k < n && offs[k] < off; k++)
			;
		if (k == n || (long)k < pre)
			continue;
		len = match(s, cps, n, k - (size_t)pre, sig, &nsig);
		if (!len || offs[k - (size_t)pre] == c->last_scheme_match)
			continue;
		c->last_scheme_match = offs[k - (size_t)pre];
		return report_match(c, s, offs[k - (size_t)pre],
				    offs[k - (size_t)pre + len] - offs[k - (size_t)pre],
				    sig, nsig);
	}
	return 0;
}

int scan_scheme_try(struct scan_ctx *c, size_t off, uint32_t cp)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < c->e->nschemes; i++)
		rc = try_scheme(c, &c->e->schemes[i], off, cp);
	return rc;
}
