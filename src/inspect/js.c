/* SPDX-License-Identifier: MIT */
/*
 * js.c - one Vectorscan pass over a blob, and what its matches mean.
 *
 * A single regex database finds, in one pass over the bytes:
 *   - candidates for the string-table detector (tables.c): string literals
 *     that look like base64, literals with \x escapes, arrays of byte values;
 *   - reads of the environment: timezone, base-URL and proxy variables,
 *     hostname, user name, network interfaces, machine id, locale;
 *   - prompt-building code: date sentences and system-prompt assembly;
 *   - code that swaps date separators or apostrophes;
 *   - covert-channel literals: look-alike and invisible characters, raw or
 *     as escapes (\u2019, \u02bc, \u200b, \u{E0041}, \uDB40\uDC41).
 * The judgement is about proximity.  Reading the timezone is ordinary (a
 * logger does it); reading it a few hundred bytes from "Today's date is" is
 * how the 2026 date-sentence marker put the machine's region into the
 * prompt.  So every read and every odd literal is reported, but only those
 * near prompt code or separator swaps are severe.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>

#include "inspect/internal.h"
#include "json/json.h"
#include "util/banned.h"

enum ev_kind { EV_CAND, EV_FP, EV_PROMPT, EV_DATE, EV_SWAP, EV_COVERT_ESC, EV_COVERT_RAW };

enum fp { FP_TIMEZONE, FP_BASEURL, FP_PROXY, FP_HOSTNAME, FP_USERNAME, FP_NETWORK,
	  FP_MACHINEID, FP_LOCALE, FP_COUNT };

static const struct {
	const char *rule, *what;
} fp_info[FP_COUNT] = {
	{ "fingerprint.timezone", "the system timezone" },
	{ "fingerprint.base-url", "the API base-URL variables" },
	{ "fingerprint.proxy", "the proxy variables" },
	{ "fingerprint.hostname", "the host name" },
	{ "fingerprint.username", "the user name" },
	{ "fingerprint.network", "the network interfaces" },
	{ "fingerprint.machine-id", "the machine id" },
	{ "fingerprint.locale", "the locale" },
};

#define Q "[\"'\\x60]"
#define NUM "(0x[0-9a-fA-F]{1,2}|\\d{1,3})"
#define APOS "(\\\\u2019|\\\\u02[bB][cC9]|\\\\'|'|\\xe2\\x80\\x99|\\xca\\xbc|\\xca\\xb9)"

static const struct pattern {
	const char *re;
	uint8_t kind, sub;
} patterns[] = {
	{ Q "[A-Za-z0-9+/]{8}", EV_CAND, CAND_BASE64 },
	{ "\\[\\s*" NUM "\\s*,\\s*" NUM "\\s*,\\s*" NUM "\\s*,\\s*" NUM "\\s*,", EV_CAND, CAND_ARRAY },
	{ "\\\\(x[0-9a-fA-F]{2}|u00[0-9a-fA-F]{2})", EV_CAND, CAND_ESCAPE },
	{ "resolvedOptions\\(\\)\\.timeZone|process\\.env\\.TZ\\b|getTimezoneOffset\\(\\)",
	  EV_FP, FP_TIMEZONE },
	/* Comparing with a zone name is reading the timezone by other means. */
	{ Q "(Asia/(Shanghai|Urumqi|Chongqing|Harbin|Kashgar|Hong_Kong|Macau)|PRC)" Q, EV_FP, FP_TIMEZONE },
	{ "\\b(ANTHROPIC|OPENAI|GEMINI|GOOGLE_GEMINI|QWEN|DASHSCOPE|DEEPSEEK|AZURE_OPENAI)_"
	  "(BASE_URL|API_BASE|API_URL|ENDPOINT)\\b", EV_FP, FP_BASEURL },
	{ "\\b(HTTPS?_PROXY|https?_proxy|ALL_PROXY|all_proxy)\\b", EV_FP, FP_PROXY },
	{ "\\bhostname\\(\\)", EV_FP, FP_HOSTNAME },
	{ "\\buserInfo\\(\\)|process\\.env\\.(USER|USERNAME|LOGNAME)\\b", EV_FP, FP_USERNAME },
	{ "\\bnetworkInterfaces\\(\\)", EV_FP, FP_NETWORK },
	{ "/etc/machine-id|/var/lib/dbus/machine-id|IOPlatformUUID|MachineGuid", EV_FP, FP_MACHINEID },
	{ "resolvedOptions\\(\\)\\.locale|process\\.env\\.(LANG|LC_ALL|LC_TIME)\\b", EV_FP, FP_LOCALE },
	{ "[Tt]oday(" APOS "|\\$\\{[^}\\n]{1,40}\\})s date|[Cc]urrent date is|[Tt]he date is|[Dd]ate today is", EV_DATE, 0 },
	{ "You are (Claude|Qwen|Qoder|Codex|an interactive|a coding|an AI)|<env>|"
	  "Working directory: |Is directory a git repo", EV_PROMPT, 0 },
	{ "\\.replace(All)?\\(\\s*(/-/g|" Q "-" Q ")\\s*,\\s*" Q "/" Q "\\s*\\)|"
	  "\\.split\\(" Q "-" Q "\\)\\.join\\(" Q "/" Q "\\)", EV_SWAP, 0 },
	{ "\\.replace(All)?\\(\\s*(/'/g|" Q "'" Q ")\\s*,", EV_SWAP, 1 },
	{ "\\\\u(2019|02[bB][cC9bB]|200[bBcCdD]|2060|2061|2062|2063|2064|[fF][eE][fF][fF]|"
	  "2018|201[cCdD]|2032|[fF][fF]0[7fF]|00[aA][dD]|180[eE]|2215|2044)", EV_COVERT_ESC, 6 },
	{ "\\\\u\\{[eE]00[0-7][0-9a-fA-F]\\}", EV_COVERT_ESC, 9 },
	{ "\\\\u[dD][bB]40\\\\u[dD][cC][0-9a-fA-F]{2}", EV_COVERT_ESC, 12 },
	/* Raw characters; sub is the UTF-8 length. */
	{ "\\xe2\\x80[\\x99\\x8b\\x8c\\x8d]|\\xe2\\x81\\xa0", EV_COVERT_RAW, 3 },
	{ "\\xca[\\xbc\\xb9]", EV_COVERT_RAW, 2 },
	{ "\\xf3\\xa0[\\x80\\x81][\\x80-\\xbf]", EV_COVERT_RAW, 4 },
};
#define NPATTERNS (sizeof(patterns) / sizeof(patterns[0]))

/* Cap on events per blob: a 200 MB binary full of base64-looking runs must
 * not make us allocate without bound; past it the candidates are dropped
 * and the count says so. */
#define MAX_EVENTS (4u << 20)
/* Bytes between a read and prompt code for them to count as "near".  In
 * the 2026 marker the reads sit 360 to 550 bytes from the date sentence;
 * unrelated configuration code in minified bundles lies further off. */
#define NEAR 1024
/* Quote swaps are everywhere (shell quoting: .replace(/'/g, "'\\''")):
 * only a literal right next to one is worth a line. */
#define NEAR_QUOTES 256
/* Near findings reported individually per blob and kind; the rest counted. */
#define MAX_NEAR 16

struct ev {
	size_t off;    /* start of the match where known, else its end */
	size_t end;
	uint8_t kind, sub;
};

struct insp_events {
	struct ev *v;
	size_t n, cap, dropped;
	size_t base;   /* offset of the piece being scanned in the blob */
	size_t *cands[3];
	size_t ncands[3], capcands[3];
};

int insp_js_build(struct inspector *in, char *err, size_t errlen)
{
	const char *exprs[NPATTERNS];
	unsigned flags[NPATTERNS], ids[NPATTERNS];
	hs_compile_error_t *ce = NULL;
	size_t i;

	for (i = 0; i < NPATTERNS; i++) {
		exprs[i] = patterns[i].re;
		flags[i] = 0;
		ids[i] = (unsigned)i;
	}
	if (hs_compile_multi(exprs, flags, ids, NPATTERNS, HS_MODE_BLOCK, NULL,
			     &in->js_db, &ce)) {
		snprintf(err, errlen, "cannot compile inspect pattern %d: %s",
			 ce ? ce->expression : -1, ce ? ce->message : "unknown error");
		hs_free_compile_error(ce);
		return INSP_EDATA;
	}
	if (hs_alloc_scratch(in->js_db, &in->js_scratch))
		return INSP_ENOMEM;
	return 0;
}

static int push_cand(struct insp_events *ev, int kind, size_t off)
{
	size_t **v = &ev->cands[kind];

	if (ev->ncands[kind] == ev->capcands[kind]) {
		size_t cap = ev->capcands[kind] ? ev->capcands[kind] * 2 : 256;
		size_t *nv = realloc(*v, cap * sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
		ev->capcands[kind] = cap;
	}
	(*v)[ev->ncands[kind]++] = off;
	return 0;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned hsflags, void *ctx)
{
	struct insp_events *ev = ctx;
	const struct pattern *p = &patterns[id];
	struct ev *e;

	(void)from;
	(void)hsflags;
	if (ev->n + ev->ncands[0] + ev->ncands[1] + ev->ncands[2] >= MAX_EVENTS) {
		ev->dropped++;
		return 0;
	}
	if (p->kind == EV_CAND) {
		size_t at = ev->base + (size_t)to;

		if (p->sub == CAND_BASE64)
			at -= 8;  /* first character of the literal's content */
		return push_cand(ev, p->sub, at) ? 1 : 0;
	}
	if (ev->n == ev->cap) {
		size_t cap = ev->cap ? ev->cap * 2 : 256;
		struct ev *nv = realloc(ev->v, cap * sizeof(*nv));

		if (!nv)
			return 1;
		ev->v = nv;
		ev->cap = cap;
	}
	e = &ev->v[ev->n++];
	e->end = ev->base + (size_t)to;
	e->off = p->kind == EV_COVERT_ESC || p->kind == EV_COVERT_RAW ? e->end - p->sub : e->end;
	e->kind = p->kind;
	e->sub = p->sub;
	return 0;
}

struct insp_events *insp_js_events(struct inspector *in, const struct insp_blob *b)
{
	struct insp_events *ev = calloc(1, sizeof(*ev));
	size_t off = 0;

	if (!ev)
		return NULL;
	/* hs_scan takes an unsigned int length: feed very large blobs in
	 * pieces (matches spanning a piece boundary are lost, which for these
	 * short patterns is at most a few bytes every gigabyte). */
	while (off < b->len) {
		size_t n = b->len - off > (1u << 30) ? (1u << 30) : b->len - off;

		/* Every offset is made the blob's in on_match, candidates too
		 * (they once stayed relative to their piece past 1 GiB). */
		ev->base = off;
		if (hs_scan(in->js_db, (const char *)b->p + off, (unsigned)n, 0,
			    in->js_scratch, on_match, ev) == HS_SCAN_TERMINATED) {
			insp_events_free(ev);
			return NULL;
		}
		off += n;
	}
	return ev;
}

void insp_events_free(struct insp_events *ev)
{
	if (!ev)
		return;
	free(ev->v);
	free(ev->cands[0]);
	free(ev->cands[1]);
	free(ev->cands[2]);
	free(ev);
}

size_t insp_events_cands(const struct insp_events *ev, enum insp_cand kind,
			 const size_t **offsets)
{
	*offsets = ev->cands[kind];
	return ev->ncands[kind];
}

/* Events of one kind in order of their end offsets (Vectorscan reports
 * matches in that order), for nearest-neighbour queries. */
struct kind_index {
	const struct ev **v;
	size_t n;
};

static int index_kind(const struct insp_events *ev, uint8_t kind, struct kind_index *k)
{
	size_t i;

	k->n = 0;
	k->v = malloc((ev->n ? ev->n : 1) * sizeof(*k->v));
	if (!k->v)
		return -1;
	for (i = 0; i < ev->n; i++)
		if (ev->v[i].kind == kind)
			k->v[k->n++] = &ev->v[i];
	return 0;
}

static size_t distance(const struct ev *e, size_t off)
{
	return e->off > off ? e->off - off : (off > e->end ? off - e->end : 0);
}

/* The event of @k nearest to @off, or NULL; its distance in *@dist. */
static const struct ev *nearest(const struct kind_index *k, size_t off, size_t *dist)
{
	size_t lo = 0, hi = k->n;
	const struct ev *best = NULL;

	*dist = SIZE_MAX;
	while (lo < hi) {  /* first event ending at or after off */
		size_t mid = lo + (hi - lo) / 2;

		if (k->v[mid]->end < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < k->n) {
		best = k->v[lo];
		*dist = distance(best, off);
	}
	if (lo > 0 && distance(k->v[lo - 1], off) < *dist) {
		best = k->v[lo - 1];
		*dist = distance(best, off);
	}
	return best;
}

/* The code point of the covert literal at @e. */
static uint32_t covert_cp(const struct insp_blob *b, const struct ev *e)
{
	const uint8_t *p = b->p + e->off;
	struct json_char c;
	unsigned long v;
	char hex[8];

	if (e->kind == EV_COVERT_RAW) {
		json_char_decode(p, b->p + b->len, &c);
		return c.cp;
	}
	if (e->sub == 9) {  /* \u{E00xx} */
		memcpy(hex, p + 3, 5);
		hex[5] = 0;
		return (uint32_t)strtoul(hex, NULL, 16);
	}
	memcpy(hex, p + 2, 4);
	hex[4] = 0;
	v = strtoul(hex, NULL, 16);
	if (e->sub == 12) {  /* \uDB40\uDCxx */
		memcpy(hex, p + 8, 4);
		return 0x10000 + (((uint32_t)v - 0xD800) << 10) +
		       ((uint32_t)strtoul(hex, NULL, 16) - 0xDC00);
	}
	return (uint32_t)v;
}

static bool invisible(uint32_t cp)
{
	return (cp >= 0x200B && cp <= 0x200D) || (cp >= 0x2060 && cp <= 0x2064) ||
	       cp == 0xFEFF || cp == 0x00AD || cp == 0x180E || (cp >= 0xE0000 && cp <= 0xE007F);
}

/* Inside a regex character class ("[\\u200B-\\u200D]")?  Such a literal
 * matches the character (a trim or a sanitiser); it does not write it. */
static bool in_class(const struct insp_blob *b, const struct ev *e)
{
	size_t i;

	for (i = e->off; i > 0 && e->off - i < 120; i--) {
		uint8_t c = b->p[i - 1];

		if (c == '[' && (i < 2 || b->p[i - 2] != '\\'))
			return true;
		if (c == ']' || c == '\n' || c == '"' || c == '\'' || c == '`')
			return false;
	}
	return false;
}

static void cp_name(uint32_t cp, char *out, size_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t len = u_charName((UChar32)cp, U_UNICODE_CHAR_NAME, out, (int32_t)n, &st);

	if (U_FAILURE(st) || len <= 0 || (size_t)len >= n)
		snprintf(out, n, "unnamed");
}

/* Rule ids the scan engine gives the string literal around @at, decoded
 * and posed as a system prompt: the engine's Unicode judgement (look-alike
 * classes, invisible runs, tag text, known schemes) applied to code. */
static char *engine_verdict(struct inspector *in, const struct insp_blob *b, size_t at)
{
	struct buf text, body, ids;
	size_t s, e, i;
	char *out = NULL;

	if (insp_js_literal(b->p, b->len, at, 0, &s, &e))
		return NULL;
	buf_init(&text, 1 << 16);
	buf_init(&body, 1 << 18);
	buf_init(&ids, 1024);
	if (insp_js_unescape(b->p + s, e - s, &text, false) ||
	    buf_adds(&body, "{\"system\":") ||
	    json_write_string(&body, text.data ? text.data : "", text.len) ||
	    buf_addc(&body, '}'))
		goto out;
	scan_body(in->engine, (const uint8_t *)body.data, body.len, &in->report);
	for (i = 0; i < in->report.nfindings; i++) {
		const char *r = in->report.findings[i].rule;

		if (strstr(ids.data ? ids.data : "", r))
			continue;
		if ((ids.len && buf_adds(&ids, ", ")) || buf_adds(&ids, r))
			goto out;
	}
	if (ids.len)
		out = buf_take(&ids);
out:
	buf_release(&text);
	buf_release(&body);
	buf_release(&ids);
	return out;
}

struct near_ctx {
	struct kind_index date, prompt, swap;
};

static void fp_near(struct inspector *in, const struct insp_blob *b,
		    const struct ev *e, const struct ev *prompt, size_t dist)
{
	struct insp_finding *f;
	char *what = insp_excerpt(b->p, b->len, prompt->off, 40, 40);

	f = insp_add(in, b, "fingerprint.near-prompt", SCAN_SEV_HIGH, e->off, e->end - e->off);
	if (f) {
		f->message = insp_printf(
			"reads %s %zu bytes from prompt-building code (%s): an agent that "
			"folds what it learns about the machine into its prompt sends it "
			"to the model provider where nobody looks", fp_info[e->sub].what,
			dist, what ? what : "?");
		f->evidence = insp_excerpt(b->p, b->len, e->off, 80, 80);
	}
	free(what);
}

/* Fingerprinting: every read counted per kind, reads near prompt code
 * reported one by one. */
static void judge_fingerprints(struct inspector *in, const struct insp_blob *b,
			       const struct insp_events *ev, const struct near_ctx *nc)
{
	size_t count[FP_COUNT] = { 0 }, first[FP_COUNT] = { 0 }, nnear = 0, i, d;

	for (i = 0; i < ev->n; i++) {
		const struct ev *e = &ev->v[i], *p;

		if (e->kind != EV_FP)
			continue;
		if (!count[e->sub]++)
			first[e->sub] = i;
		p = nearest(&nc->date, e->off, &d);
		if (!p || d > NEAR)
			p = nearest(&nc->prompt, e->off, &d);
		if (p && d <= NEAR && nnear++ < MAX_NEAR)
			fp_near(in, b, e, p, d);
	}
	for (i = 0; i < FP_COUNT; i++) {
		const struct ev *e;
		struct insp_finding *f;

		if (!count[i])
			continue;
		e = &ev->v[first[i]];
		f = insp_add(in, b, fp_info[i].rule, SCAN_SEV_LOW, e->off, e->end - e->off);
		if (!f)
			return;
		f->message = insp_printf("reads %s (%zu place%s; the first is here)",
					 fp_info[i].what, count[i], count[i] == 1 ? "" : "s");
		f->evidence = insp_excerpt(b->p, b->len, e->off, 60, 60);
	}
}

/* A quote swap (.replace(/'/g, "\u2019")) is what typographic prettifiers
 * do: a look-alike next to one is worth a look, not an alarm.  Next to a
 * date sentence or a date-separator swap it is the 2026 marker's shape. */
static void covert_near(struct inspector *in, const struct insp_blob *b,
			const struct ev *e, uint32_t cp, const struct ev *ctx, size_t dist)
{
	struct insp_finding *f;
	char name[96], *verdict, *what;
	bool quotes = ctx->kind == EV_SWAP && ctx->sub == 1;

	cp_name(cp, name, sizeof(name));
	f = insp_add(in, b, quotes ? "covert.literal-near-swap" : "covert.literal-near-date",
		     quotes ? SCAN_SEV_LOW : SCAN_SEV_HIGH, e->off, e->end - e->off);
	if (!f)
		return;
	what = insp_excerpt(b->p, b->len, ctx->off, 30, 50);
	verdict = engine_verdict(in, b, e->off);
	f->message = insp_printf(
		"U+%04X %s %s %zu bytes from %s (%s): a character that looks like an "
		"ordinary one, chosen by code, can carry a hidden bit into a prompt%s%s",
		cp, name, e->kind == EV_COVERT_ESC ? "written as an escape" : "in a literal",
		dist, quotes ? "code that swaps quote characters"
		: ctx->kind == EV_SWAP ? "code that swaps date separators" : "a date sentence",
		what ? what : "?", verdict ? "; the scan engine says: " : "",
		verdict ? verdict : "");
	f->evidence = insp_excerpt(b->p, b->len, e->off, 80, 80);
	free(verdict);
	free(what);
}

#define MAX_SEEN 64

struct seen_cp {
	uint32_t cp;
	size_t n, first, ncls;
	bool esc;
};

/* The covert literals away from date code, in one finding per class:
 * invisible characters (low) and look-alikes (info).  Unicode-aware
 * libraries (emoji sequences, trimming, identifier tables) are full of
 * them; what matters is code that writes them into prompt text, and that
 * is judged by proximity above. */
static void covert_summary(struct inspector *in, const struct insp_blob *b,
			   const struct insp_events *ev, const struct seen_cp *s, size_t n,
			   bool inv)
{
	const struct ev *first = NULL;
	struct insp_finding *f;
	struct buf list;
	size_t j, total = 0, cls = 0;

	buf_init(&list, 4096);
	for (j = 0; j < n; j++) {
		if (invisible(s[j].cp) != inv)
			continue;
		if (!first || ev->v[s[j].first].off < first->off)
			first = &ev->v[s[j].first];
		total += s[j].n;
		cls += s[j].ncls;
		buf_printf(&list, "%sU+%04X x%zu%s", list.len ? ", " : "", s[j].cp, s[j].n,
			   s[j].esc ? "" : " (raw)");
	}
	if (!first)
		goto out;
	f = insp_add(in, b, inv ? "covert.invisible-literal" : "covert.lookalike-literal",
		     inv ? SCAN_SEV_LOW : SCAN_SEV_INFO, first->off, first->end - first->off);
	if (!f)
		goto out;
	f->message = insp_printf(
		"%zu %s characters in code, away from any date sentence: %s (%zu in "
		"regex character classes; the first is here). Unicode-aware libraries "
		"carry these; they matter where code writes them into prompt text",
		total, inv ? "invisible" : "look-alike", list.data ? list.data : "", cls);
	f->evidence = insp_excerpt(b->p, b->len, first->off, 60, 60);
out:
	buf_release(&list);
}

/* Covert literals: near date sentences or separator swaps one by one, the
 * rest counted per character. */
static void judge_covert(struct inspector *in, const struct insp_blob *b,
			 const struct insp_events *ev, const struct near_ctx *nc)
{
	struct seen_cp seen[MAX_SEEN];
	size_t nseen = 0, nnear = 0, i, j, d, d2;

	for (i = 0; i < ev->n; i++) {
		const struct ev *e = &ev->v[i], *p, *s;
		uint32_t cp;

		if (e->kind != EV_COVERT_ESC && e->kind != EV_COVERT_RAW)
			continue;
		cp = covert_cp(b, e);
		p = nearest(&nc->date, e->off, &d);
		s = nearest(&nc->swap, e->off, &d2);
		if (s && s->sub == 1 && d2 > NEAR_QUOTES)
			s = NULL;
		if (s && d2 <= NEAR && (!p || d2 < d)) {
			p = s;
			d = d2;
		}
		if (p && d <= NEAR) {
			if (nnear++ < MAX_NEAR)
				covert_near(in, b, e, cp, p, d);
			continue;
		}
		if (e->kind == EV_COVERT_RAW && !invisible(cp))
			continue;  /* typographic quotes in text are ordinary */
		for (j = 0; j < nseen && seen[j].cp != cp; j++)
			;
		if (j == nseen && nseen < MAX_SEEN)
			seen[nseen++] = (struct seen_cp){ cp, 0, i, 0, e->kind == EV_COVERT_ESC };
		if (j < nseen) {
			seen[j].n++;
			seen[j].ncls += in_class(b, e);
		}
	}
	covert_summary(in, b, ev, seen, nseen, true);
	covert_summary(in, b, ev, seen, nseen, false);
}

/* Separator swaps next to a date sentence: the date's '-' turned into '/'
 * (the 2026 marker's timezone bit). */
static void judge_swaps(struct inspector *in, const struct insp_blob *b,
			const struct insp_events *ev, const struct near_ctx *nc)
{
	size_t i, d, n = 0;

	for (i = 0; i < ev->n && n < MAX_NEAR; i++) {
		const struct ev *e = &ev->v[i], *p;
		struct insp_finding *f;
		char *what;

		if (e->kind != EV_SWAP || e->sub)
			continue;
		p = nearest(&nc->date, e->off, &d);
		if (!p || d > NEAR)
			continue;
		f = insp_add(in, b, "covert.date-separator-swap", SCAN_SEV_HIGH, e->off, e->end - e->off);
		if (!f)
			return;
		n++;
		what = insp_excerpt(b->p, b->len, p->off, 30, 50);
		f->message = insp_printf(
			"code that swaps characters sits %zu bytes from a date sentence (%s): "
			"a date written with '/' instead of '-' on some machines is a bit of "
			"hidden information in the prompt", d, what ? what : "?");
		f->evidence = insp_excerpt(b->p, b->len, e->off, 80, 80);
		free(what);
	}
}

int insp_js_judge(struct inspector *in, const struct insp_blob *b,
		  const struct insp_events *ev)
{
	struct near_ctx nc;
	int rc = INSP_ENOMEM;

	memset(&nc, 0, sizeof(nc));
	if (index_kind(ev, EV_DATE, &nc.date) || index_kind(ev, EV_PROMPT, &nc.prompt) ||
	    index_kind(ev, EV_SWAP, &nc.swap))
		goto out;
	judge_fingerprints(in, b, ev, &nc);
	judge_covert(in, b, ev, &nc);
	judge_swaps(in, b, ev, &nc);
	if (ev->dropped) {
		struct insp_finding *f = insp_add(in, b, "inspect.truncated", SCAN_SEV_LOW, 0, b->len);

		if (f)
			f->message = insp_printf("%zu matches past the first %u were not looked at: "
						 "this blob was only partly inspected", ev->dropped,
						 MAX_EVENTS);
	}
	rc = 0;
out:
	free(nc.date.v);
	free(nc.prompt.v);
	free(nc.swap.v);
	return rc;
}
