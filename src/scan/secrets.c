/* SPDX-License-Identifier: MIT */
/*
 * secrets.c - secrets and environment details: the "secret" and
 * "environment" rules.
 *
 * An API key, a private key or a home directory in a request is no covert
 * channel, but it is what must not leave the machine unseen.  Before the
 * walk, one Vectorscan pass over the whole body looks for short literals
 * (verify.c says why literals only, and confirms each match); the hits,
 * ordered by offset, become findings when the walk reaches the string that
 * holds them, so they get that string's path and origin.  A string that
 * spells printable ASCII with \u escapes (no agent writes "\u0073k-ant-"
 * by accident) is decoded and scanned again, the spans mapped back to the
 * raw bytes.  Time zones and locales are looked for only in system
 * prompts, with a second, small database of regular expressions.
 *
 * A secret never leaves this file in clear: its finding carries a mask
 * (public prefix, sha256 prefix, last four) and its fingerprint.  An
 * environment detail is shown, since it is what the user must judge; each
 * distinct one is reported once per body, with a count, so a working
 * directory repeated in every tool call is one finding, not hundreds.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>
#include <openssl/sha.h>

#include "scan/scan.h"
#include "util/banned.h"

#define MAX_HITS 4096

struct secret_db {
	hs_database_t *db;    /* anchors: decoded strings, header values */
	hs_database_t *sysdb; /* system prompts and header values */
	size_t anchor_len[64];
	struct secret_self self;
	bool self_user;       /* the user name is worth a search as a word */
};

/* The databases compiled at build time (cmake/secret_dbgen.c). */
extern const unsigned char scan_secret_db_anchors[], scan_secret_db_system[];
extern const size_t scan_secret_db_anchors_len, scan_secret_db_system_len;


/* Account names too common to mean this machine when seen as a word. */
static const char *const generic_users[] = {
	"root", "admin", "user", "ubuntu", "debian", "dev", "runner", "node", "vscode",
	"codespace", "guest", "test", "centos", "fedora", "docker", "build", "jenkins",
	"git", "nobody", "app", "ec2-user", "www-data", "pi", "home", NULL,
};

/* Every byte as \xHH: an anchor is a literal. */
static char *literal_regex(const char *s, size_t n)
{
	char *re = malloc(4 * n + 1);
	size_t i;

	if (!re)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(re + 4 * i, 5, "\\x%02x", (unsigned char)s[i]);
	re[4 * n] = '\0';
	return re;
}

static bool usable_user(const char *u)
{
	const char *const *g;

	if (strlen(u) < 4)
		return false;
	for (g = generic_users; *g; g++)
		if (!strcmp(u, *g))
			return false;
	return true;
}

static int copy_self(struct secret_self *d, const struct scan_self *s)
{
	const char *v[3] = { s ? s->hostname : NULL, s ? s->username : NULL,
			     s ? s->home : NULL };
	char **out[3] = { &d->hostname, &d->username, &d->home };
	size_t *len[3] = { &d->hostname_len, &d->username_len, &d->home_len };
	int i;

	for (i = 0; i < 3; i++) {
		if (!v[i] || !*v[i] || strlen(v[i]) > 255)
			continue;
		*out[i] = strdup(v[i]);
		if (!*out[i])
			return SCAN_ENOMEM;
		*len[i] = strlen(v[i]);
	}
	return 0;
}

/* The anchors, when the database made at build time does not fit this
 * CPU.  All are literals, written \xHH so no byte is a metacharacter. */
static int compile_main(struct secret_db *s, char *err, size_t errlen)
{
	char *expr[64] = { NULL };
	unsigned flags[64], ids[64], i;
	hs_compile_error_t *ce = NULL;
	int rc = 0;

	for (i = 0; i < scan_sec_nanchors; i++) {
		expr[i] = literal_regex(scan_sec_anchors[i].literal, s->anchor_len[i]);
		flags[i] = scan_sec_anchors[i].caseless ? HS_FLAG_CASELESS : 0;
		ids[i] = i;
		if (!expr[i])
			rc = SCAN_ENOMEM;
	}
	if (!rc && hs_compile_multi((const char *const *)expr, flags, ids, scan_sec_nanchors,
				    HS_MODE_BLOCK, NULL, &s->db, &ce)) {
		snprintf(err, errlen, "cannot compile the secret rules: %s",
			 ce ? ce->message : "unknown error");
		rc = SCAN_ESCHEME;
	}
	if (ce)
		hs_free_compile_error(ce);
	for (i = 0; i < scan_sec_nanchors; i++)
		free(expr[i]);
	return rc;
}

static int compile_system(struct secret_db *s, char *err, size_t errlen)
{
	unsigned flags[SEC_NSYS], i;
	hs_compile_error_t *ce = NULL;

	for (i = 0; i < SEC_NSYS; i++)
		flags[i] = sec_sys_som[i] ? HS_FLAG_SOM_LEFTMOST : 0;
	if (hs_compile_multi(sec_sys_patterns, flags, sec_sys_ids, SEC_NSYS, HS_MODE_BLOCK, NULL,
			     &s->sysdb, &ce)) {
		snprintf(err, errlen, "cannot compile the system-prompt rules: %s",
			 ce ? ce->message : "unknown error");
		if (ce)
			hs_free_compile_error(ce);
		return SCAN_ESCHEME;
	}
	return 0;
}

int scan_secrets_load(struct scan_engine *e, const struct scan_self *self,
		      char *err, size_t errlen)
{
	struct secret_db *s = calloc(1, sizeof(*s));
	unsigned i;
	int rc;

	e->sec = s;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return SCAN_ENOMEM;
	}
	rc = copy_self(&s->self, self);
	s->self_user = s->self.username && usable_user(s->self.username);
	for (i = 0; i < scan_sec_nanchors; i++)
		s->anchor_len[i] = strlen(scan_sec_anchors[i].literal);
	if (!rc && hs_deserialize_database((const char *)scan_secret_db_anchors,
					   scan_secret_db_anchors_len, &s->db) != HS_SUCCESS)
		rc = compile_main(s, err, errlen);
	if (!rc && hs_deserialize_database((const char *)scan_secret_db_system,
					   scan_secret_db_system_len, &s->sysdb) != HS_SUCCESS)
		rc = compile_system(s, err, errlen);
	if (rc == SCAN_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void scan_secrets_free(struct scan_engine *e)
{
	struct secret_db *s = e->sec;

	if (!s)
		return;
	hs_free_database(s->db);
	hs_free_database(s->sysdb);
	free(s->self.hostname);
	free(s->self.username);
	free(s->self.home);
	free(s);
	e->sec = NULL;
}

void scan_secrets_ctx_free(struct scan_ctx *c)
{
	if (c->hs_scratch)
		hs_free_scratch(c->hs_scratch);
	free(c->hits);
	free(c->cand);
	if (c->sec_text.data)
		explicit_bzero(c->sec_text.data, c->sec_text.len);
	buf_release(&c->sec_text);
}

int scan_secret_fingerprint(const uint8_t *s, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[SHA256_DIGEST_LENGTH];
	char fp[24], tail[16] = "";
	bool printable = n >= 16;
	size_t i;
	int len;

	SHA256(s, n, md);
	memcpy(fp, "sha256:", 7);
	for (i = 0; i < 8; i++) {
		fp[7 + 2 * i] = hex[md[i] >> 4];
		fp[8 + 2 * i] = hex[md[i] & 15];
	}
	fp[23] = '\0';
	explicit_bzero(md, sizeof(md));
	for (i = n >= 4 ? n - 4 : 0; printable && i < n; i++)
		printable = s[i] > ' ' && s[i] < 0x7F;
	if (printable)
		snprintf(tail, sizeof(tail), ", last4 %.4s", (const char *)s + n - 4);
	len = snprintf(out, outlen, "%s%s", fp, tail);
	return len < 0 || (size_t)len >= outlen ? -1 : len;
}

int scan_secret_mask(const uint8_t *s, size_t n, size_t prefix, char *out, size_t outlen)
{
	char fp[SCAN_FINGERPRINT_MAX];
	size_t i;
	int len;

	if (prefix > n || prefix > 96)
		prefix = 0;
	for (i = 0; i < prefix; i++)
		if (s[i] < ' ' || s[i] >= 0x7F)
			prefix = i; /* a private key's header is shown up to a line end */
	if (scan_secret_fingerprint(s, n, fp, sizeof(fp)) < 0)
		return -1;
	len = snprintf(out, outlen, "%.*s\xE2\x80\xA6(%s)", (int)prefix, (const char *)s, fp);
	return len < 0 || (size_t)len >= outlen ? -1 : len;
}

/* What one prefilter pass reads and where its hits go (c->hits from @base). */
struct pass {
	struct scan_ctx *c;
	const struct secret_db *db;
	const uint8_t *t;
	size_t n;
	size_t base;
	size_t off;      /* where in @t the scanned bytes begin */
};

static int on_anchor(unsigned id, unsigned long long from, unsigned long long to,
		     unsigned flags, void *ctx)
{
	struct pass *p = ctx;
	struct scan_ctx *c = p->c;
	const struct secret_self *me = &p->db->self;
	size_t len, k;

	(void)flags;
	from += p->off;
	to += p->off;
	len = id < scan_sec_nanchors ? p->db->anchor_len[id] : 0;
	from = to - len;
	if (c->nhits + 4 > MAX_HITS)
		return 1; /* enough: stop this pass */
	if (scan_grow((void **)&c->hits, &c->hits_cap, c->nhits + 3, sizeof(*c->hits))) {
		c->error = SCAN_ENOMEM;
		return 1;
	}
	k = scan_verify(me, id, p->t, p->n, (size_t)from, (size_t)to, c->hits + c->nhits, 4);
	c->nhits += k;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct sec_hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->sev != y->sev)
		return x->sev > y->sev ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Order the hits from @base by start; of overlapping ones keep the most
 * severe, then the first rule (the more specific), then the longer. */
static void settle_hits(struct scan_ctx *c, size_t base)
{
	struct sec_hit *h;
	size_t n = c->nhits - base, i, k = 0;

	if (!n)
		return;
	h = c->hits + base;
	if (n > 1)
		qsort(h, n, sizeof(*h), by_start);
	for (i = 0; i < n; i++) {
		if (k && h[i].start < h[k - 1].end) {
			struct sec_hit *prev = &h[k - 1];

			if (h[i].sev > prev->sev || (h[i].sev == prev->sev &&
			    h[i].rule == prev->rule && h[i].end > prev->end))
				*prev = h[i];
			continue;
		}
		h[k++] = h[i];
	}
	c->nhits = base + k;
}

/* Scratch space for every database of @db, made once per report. */
static int ensure_scratch(struct scan_ctx *c, const struct secret_db *db)
{
	if (c->hs_for == db)
		return 0;
	if (hs_alloc_scratch(db->db, (hs_scratch_t **)&c->hs_scratch) != HS_SUCCESS ||
	    hs_alloc_scratch(db->sysdb, (hs_scratch_t **)&c->hs_scratch) != HS_SUCCESS)
		return c->error = SCAN_ENOMEM;
	c->hs_for = db;
	return 0;
}

static int run_pass(struct pass *p, const hs_database_t *db, match_event_handler cb)
{
	struct scan_ctx *c = p->c;

	if (ensure_scratch(c, p->db))
		return c->error;
	if (p->n - p->off > UINT32_MAX)
		return 0; /* Vectorscan takes 32-bit lengths; bodies are capped far below */
	hs_scan(db, (const char *)p->t + p->off, (unsigned)(p->n - p->off), 0, c->hs_scratch,
		cb, p);
	return c->error;
}

/* Where @lit (@len bytes) next occurs in t[i, n), in any case when
 * @nocase; @n when nowhere.  Two memchr streams, one per case of the
 * first byte, so a body is read once. */
static size_t find_fact(const uint8_t *t, size_t n, size_t i, const char *lit, size_t len,
			bool nocase)
{
	uint8_t a = (uint8_t)lit[0], b = a;
	const uint8_t *p;
	size_t na, nb, at, k;

	if (!nocase) {
		p = i + len <= n ? memmem(t + i, n - i, lit, len) : NULL;
		return p ? (size_t)(p - t) : n;
	}
	if ((a | 0x20) >= 'a' && (a | 0x20) <= 'z')
		b = a ^ 0x20;
	na = (p = memchr(t + i, a, n - i)) ? (size_t)(p - t) : n;
	nb = a == b ? n : (p = memchr(t + i, b, n - i)) ? (size_t)(p - t) : n;
	while ((at = na < nb ? na : nb) + len <= n) {
		for (k = 1; k < len && (t[at + k] | 0x20) == ((uint8_t)lit[k] | 0x20); k++)
			;
		if (k == len)
			return at;
		if (at == na)
			na = (p = memchr(t + at + 1, a, n - at - 1)) ? (size_t)(p - t) : n;
		else
			nb = (p = memchr(t + at + 1, b, n - at - 1)) ? (size_t)(p - t) : n;
	}
	return n;
}

/* The machine's own facts in t[0, n): hits from c->nhits on. */
static int self_pass(struct scan_ctx *c, const uint8_t *t, size_t n)
{
	const struct secret_db *db = c->e->sec;
	const struct secret_self *me = &db->self;
	const char *lit[3] = { me->hostname, db->self_user ? me->username : NULL, me->home };
	size_t len[3] = { me->hostname_len, me->username_len, me->home_len };
	unsigned id[3] = { SEC_SELF_HOSTNAME, SEC_SELF_USERNAME, SEC_SELF_HOME }, k;
	size_t at;

	/* A home under /home/ or /Users/ is the home-path rule's; "localhost"
	 * and names of one or two letters are no facts worth a search. */
	if (lit[0] && (len[0] < 3 || !strcmp(lit[0], "localhost")))
		lit[0] = NULL;
	if (lit[2] && (len[2] < 2 || !strncmp(lit[2], "/home/", 6) ||
		       !strncmp(lit[2], "/Users/", 7)))
		lit[2] = NULL;
	for (k = 0; k < 3; k++) {
		for (at = lit[k] ? find_fact(t, n, 0, lit[k], len[k], k == 0) : n; at < n;
		     at = find_fact(t, n, at + 1, lit[k], len[k], k == 0)) {
			if (c->nhits + 4 > MAX_HITS)
				return 0;
			if (scan_grow((void **)&c->hits, &c->hits_cap, c->nhits, sizeof(*c->hits)))
				return c->error = SCAN_ENOMEM;
			c->nhits += scan_verify(me, id[k], t, n, at, at + len[k], c->hits + c->nhits, 1);
		}
	}
	return 0;
}

int scan_secrets_body(struct scan_ctx *c)
{
	const struct secret_db *db = c->e->sec;

	c->nhits = 0;
	c->hit_next = 0;
	c->nenv = 0;
	c->ncand = 0;
	c->cand_full = false;
	c->secret_key = false;
	c->sec_on = db && !c->r->nested;
	if (!c->sec_on || !(db->self.hostname || db->self_user || db->self.home))
		return 0;
	if (self_pass(c, c->body, c->len))
		return c->error;
	settle_hits(c, 0);
	return 0;
}

void scan_secret_note(struct scan_ctx *c, size_t base, uint64_t shapes, uint64_t runs)
{
	if (c->cand_full)
		return;
	if (c->ncand + 128 > c->cand_cap) {
		size_t ncap = c->cand_cap ? c->cand_cap * 2 : 256;
		void *p;

		/* A string this dense with triggers is scanned whole instead. */
		if (ncap > 16384 || !(p = realloc(c->cand, ncap * sizeof(*c->cand)))) {
			c->cand_full = true;
			return;
		}
		c->cand = p;
		c->cand_cap = ncap;
	}
	while (shapes) {
		c->cand[c->ncand++] = base + (size_t)__builtin_ctzll(shapes);
		shapes &= shapes - 1;
	}
	while (runs) {
		c->cand[c->ncand++] = (base + (size_t)__builtin_ctzll(runs)) | SEC_RUN_FLAG;
		runs &= runs - 1;
	}
}

static const char *const labels[] = {
	[R_SECRET_ANTHROPIC - R_SECRET_ANTHROPIC] = "an Anthropic API key",
	[R_SECRET_OPENAI - R_SECRET_ANTHROPIC] = "an OpenAI-style API key",
	[R_SECRET_AWS_ACCESS_KEY - R_SECRET_ANTHROPIC] = "an AWS access key id",
	[R_SECRET_AWS_SECRET_KEY - R_SECRET_ANTHROPIC] = "an AWS secret access key",
	[R_SECRET_GITHUB - R_SECRET_ANTHROPIC] = "a GitHub token",
	[R_SECRET_GITLAB - R_SECRET_ANTHROPIC] = "a GitLab token",
	[R_SECRET_SLACK - R_SECRET_ANTHROPIC] = "a Slack token",
	[R_SECRET_GOOGLE - R_SECRET_ANTHROPIC] = "a Google API key",
	[R_SECRET_STRIPE - R_SECRET_ANTHROPIC] = "a Stripe live key",
	[R_SECRET_PRIVATE_KEY - R_SECRET_ANTHROPIC] = "a private key",
	[R_SECRET_JWT - R_SECRET_ANTHROPIC] = "a JSON Web Token",
	[R_SECRET_URL_CREDENTIALS - R_SECRET_ANTHROPIC] = "a password in a URL",
	[R_SECRET_ASSIGNMENT - R_SECRET_ANTHROPIC] = ("a high-entropy value assigned to a "
						       "password, secret or key"),
	[R_SECRET_API_KEY_HEADER - R_SECRET_ANTHROPIC] = "the API key this header carries",
	[R_ENV_SELF_HOME - R_SECRET_ANTHROPIC] = "this machine's own home directory",
	[R_ENV_SELF_USERNAME - R_SECRET_ANTHROPIC] = "this machine's own user name",
	[R_ENV_SELF_HOSTNAME - R_SECRET_ANTHROPIC] = "this machine's own host name",
	[R_ENV_HOME_PATH - R_SECRET_ANTHROPIC] = "a home directory that names a user",
	[R_ENV_USER_PROMPT - R_SECRET_ANTHROPIC] = "a shell prompt that names a user and a host",
	[R_ENV_PRIVATE_IP - R_SECRET_ANTHROPIC] = "a private IP address",
	[R_ENV_MAC_ADDRESS - R_SECRET_ANTHROPIC] = "a MAC address",
	[R_ENV_MACHINE_ID - R_SECRET_ANTHROPIC] = "a machine id",
	[R_ENV_INTERNAL_HOST - R_SECRET_ANTHROPIC] = "an internal host name",
	[R_ENV_TIMEZONE - R_SECRET_ANTHROPIC] = "a time zone name in the system prompt",
	[R_ENV_LOCALE - R_SECRET_ANTHROPIC] = "a locale name in the system prompt",
};

static uint64_t fnv(enum rule rule, const uint8_t *v, size_t n)
{
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)rule;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ v[i]) * 1099511628211ULL;
	return h;
}

static int add_secret(struct scan_ctx *c, const struct sec_hit *h, size_t rs, size_t re,
		      const uint8_t *v, size_t vn)
{
	char mask[200], fp[SCAN_FINGERPRINT_MAX];
	struct pending *p;
	int rc = scan_add(c, h->rule, h->sev, SCAN_NO_CODEPOINT, 1, rs, re - rs, &p);

	if (rc || !p)
		return rc;
	if (scan_secret_mask(v, vn, h->prefix, mask, sizeof(mask)) < 0 ||
	    scan_secret_fingerprint(v, vn, fp, sizeof(fp)) < 0)
		return 0; /* cannot happen: both fit; the summary stays */
	p->f.fingerprint = arena_strndup(c->arena, fp, strlen(fp));
	if (!p->f.fingerprint)
		return c->error = SCAN_ENOMEM;
	return scan_set_message(c, p, "%s: %s", labels[h->rule - R_SECRET_ANTHROPIC], mask);
}

/* One finding per distinct detail and body; repeats only count. */
static int add_env(struct scan_ctx *c, const struct sec_hit *h, size_t rs, size_t re,
		   const uint8_t *v, size_t vn)
{
	uint64_t hash = fnv(h->rule, v, vn);
	struct pending *p;
	unsigned i;
	int rc;

	for (i = 0; i < c->nenv; i++) {
		if (c->env_hash[i] == hash && c->pend[c->env_seen[i]].rule == h->rule) {
			c->pend[c->env_seen[i]].f.count++;
			return 0;
		}
	}
	rc = scan_add(c, h->rule, h->sev, SCAN_NO_CODEPOINT, 1, rs, re - rs, &p);
	if (rc || !p)
		return rc;
	if (c->nenv < sizeof(c->env_hash) / sizeof(c->env_hash[0])) {
		c->env_hash[c->nenv] = hash;
		c->env_seen[c->nenv++] = (size_t)(p - c->pend);
	}
	return scan_set_message(c, p, "%s: %.*s", labels[h->rule - R_SECRET_ANTHROPIC],
				(int)(vn > 128 ? 128 : vn), (const char *)v);
}

/* A hit at raw [rs, re) of the body; @v is its decoded text, or NULL to
 * decode it here. */
static int add_hit(struct scan_ctx *c, const struct sec_hit *h, size_t rs, size_t re,
		   const uint8_t *v, size_t vn)
{
	int rc;

	if (!v && memchr(c->body + rs, '\\', re - rs)) {
		scan_path(c); /* it uses c->tmp: settle it first */
		buf_reset(&c->tmp);
		if (json_unescape(c->body + rs, re - rs, &c->tmp))
			return c->error = SCAN_ENOMEM;
		v = (const uint8_t *)c->tmp.data;
		vn = c->tmp.len;
	} else if (!v) {
		v = c->body + rs;
		vn = re - rs;
	}
	if (h->rule < R_ENV_SELF_HOME)
		rc = add_secret(c, h, rs, re, v, vn);
	else
		rc = add_env(c, h, rs, re, v, vn);
	if (v == (const uint8_t *)c->tmp.data && c->tmp.data)
		explicit_bzero(c->tmp.data, c->tmp.len);
	return rc;
}

/* A string whose printable ASCII is partly \u-escaped: scan it decoded. */
static int decoded_pass(struct scan_ctx *c, size_t start, size_t end)
{
	struct buf *d = &c->sec_text;
	struct pass p = { c, c->e->sec, NULL, 0, c->nhits, 0 };
	size_t i, rs, re;
	int rc = 0;

	buf_reset(d);
	if (json_unescape(c->body + start, end - start, d))
		return c->error = SCAN_ENOMEM;
	p.t = (const uint8_t *)d->data;
	p.n = d->len;
	if (!p.n || run_pass(&p, p.db->db, on_anchor))
		goto out;
	settle_hits(c, p.base);
	for (i = p.base; !rc && i < c->nhits; i++) {
		struct sec_hit h = c->hits[i];

		scan_raw_span(c->body, start, end, h.start, h.end, &rs, &re);
		rc = add_hit(c, &h, rs, re, p.t + h.start, h.end - h.start);
	}
out:
	c->nhits = p.base;
	if (d->data)
		explicit_bzero(d->data, d->len);
	return rc ? rc : c->error;
}

struct sys_hits {
	const struct secret_self *self;
	const uint8_t *t;
	size_t n, count;
	struct sec_hit h[32];
};

static int on_system(unsigned id, unsigned long long from, unsigned long long to,
		     unsigned flags, void *ctx)
{
	struct sys_hits *s = ctx;
	struct sec_hit h;

	(void)flags;
	if (!scan_verify_system(s->self, id, s->t, s->n, (size_t)from, (size_t)to, &h))
		return 0;
	/* Longer matches from one start come later, and "LANG=" and the locale
	 * after it overlap: one finding spans them all. */
	if (s->count && h.start < s->h[s->count - 1].end && s->h[s->count - 1].rule == h.rule) {
		struct sec_hit *last = &s->h[s->count - 1];

		last->start = h.start < last->start ? h.start : last->start;
		last->end = h.end > last->end ? h.end : last->end;
	}
	else if (s->count < sizeof(s->h) / sizeof(s->h[0]))
		s->h[s->count++] = h;
	return 0;
}

static bool seg_named(const struct json_seg *s, const char *name, size_t len)
{
	return s->key && s->keylen == len && !memcmp(s->key, name, len);
}

static bool in_system_prompt(const struct scan_ctx *c)
{
	const struct json_walker *w = c->w;
	const struct json_seg *s0;
	size_t i;

	if (!w || !w->depth || !w->segs[0].key || c->s.is_key)
		return false;
	s0 = &w->segs[0];
	if (seg_named(s0, "system", 6) || seg_named(s0, "systemInstruction", 17) ||
	    seg_named(s0, "system_instruction", 18) || seg_named(s0, "instructions", 12))
		return true;
	if (w->depth < 3 || w->segs[1].key ||
	    !(seg_named(s0, "messages", 8) || seg_named(s0, "input", 5)))
		return false;
	/* The role usually comes before the content: it is known by now. */
	for (i = c->nroles; i-- > 0;) {
		if (c->roles[i].index == w->segs[1].index)
			return c->roles[i].origin == SCAN_ORIGIN_SYSTEM;
		if (c->roles[i].index < w->segs[1].index)
			break;
	}
	return false;
}

/* Time zones, locales, home paths and host names of a system prompt: hits
 * from c->nhits on. */
static int system_pass(struct scan_ctx *c, size_t start, size_t end)
{
	struct sys_hits s;
	size_t i;

	s.self = &c->e->sec->self;
	s.t = c->body + start;
	s.n = end - start;
	s.count = 0;
	if (ensure_scratch(c, c->e->sec) || end - start > UINT32_MAX)
		return c->error;
	hs_scan(c->e->sec->sysdb, (const char *)s.t, (unsigned)s.n, 0, c->hs_scratch,
		on_system, &s);
	for (i = 0; i < s.count; i++) {
		if (scan_grow((void **)&c->hits, &c->hits_cap, c->nhits, sizeof(*c->hits)))
			return c->error = SCAN_ENOMEM;
		s.h[i].start += start;
		s.h[i].end += start;
		c->hits[c->nhits++] = s.h[i];
	}
	return 0;
}

/* The triggers string.c noted in [start, end), or the whole string
 * through Vectorscan when there were too many; hits from c->nhits on. */
static int raw_pass(struct scan_ctx *c, size_t start, size_t end)
{
	const struct secret_self *me = &c->e->sec->self;
	size_t i, k;

	if (c->cand_full) {
		struct pass p = { c, c->e->sec, c->body, end, c->nhits, start };

		return run_pass(&p, p.db->db, on_anchor);
	}
	for (i = 0; i < c->ncand && c->nhits + 4 <= MAX_HITS; i++) {
		size_t pos = c->cand[i] & ~SEC_RUN_FLAG;

		if (pos < start || pos >= end)
			continue;
		if (scan_grow((void **)&c->hits, &c->hits_cap, c->nhits + 3, sizeof(*c->hits)))
			return c->error = SCAN_ENOMEM;
		if (c->cand[i] & SEC_RUN_FLAG)
			k = scan_verify_run(me, c->body, start, pos, end, c->hits + c->nhits, 4);
		else
			k = scan_verify_at(me, c->body, start, pos, end, c->hits + c->nhits, 4);
		c->nhits += k;
	}
	return 0;
}

/* "password": "value" as JSON members: the key is one string, the value
 * the next. */
static int member_pass(struct scan_ctx *c, size_t start, size_t end)
{
	bool was = c->secret_key;

	c->secret_key = c->s.is_key && scan_secret_name(c->body + start, end - start);
	if (!was || c->s.is_key || c->nhits + 1 > MAX_HITS)
		return 0;
	if (scan_grow((void **)&c->hits, &c->hits_cap, c->nhits, sizeof(*c->hits)))
		return c->error = SCAN_ENOMEM;
	c->nhits += scan_verify_value(c->body, start, end, c->hits + c->nhits);
	return 0;
}

int scan_secrets_string(struct scan_ctx *c, size_t start, size_t end)
{
	size_t base = c->nhits, i;
	int rc = 0;

	if (!c->sec_on)
		return 0;
	/* The machine's own facts, found by the body's pass, join the
	 * string's hits: of overlapping ones the best is kept. */
	while (c->hit_next < base && c->hits[c->hit_next].start < start)
		c->hit_next++;
	while (c->hit_next < base && c->hits[c->hit_next].start < end) {
		struct sec_hit h = c->hits[c->hit_next++];

		if (h.end > end)
			continue;
		if (scan_grow((void **)&c->hits, &c->hits_cap, c->nhits, sizeof(*c->hits)))
			return c->error = SCAN_ENOMEM;
		c->hits[c->nhits++] = h;
	}
	if (!rc && c->s.u_ascii)
		rc = decoded_pass(c, start, end);
	else if (!rc)
		rc = raw_pass(c, start, end);
	if (!rc)
		rc = member_pass(c, start, end);
	if (!rc && in_system_prompt(c))
		rc = system_pass(c, start, end);
	if (!rc && c->nhits > base) {
		settle_hits(c, base);
		for (i = base; !rc && i < c->nhits; i++) {
			struct sec_hit h = c->hits[i];

			rc = add_hit(c, &h, h.start, h.end, NULL, 0);
		}
	}
	c->nhits = base;
	c->ncand = 0;
	c->cand_full = false;
	return rc ? rc : c->error;
}

static bool carries_key(const char *name)
{
	static const char *const names[] = {
		"authorization", "proxy-authorization", "x-api-key", "x-goog-api-key",
		"api-key", NULL,
	};
	const char *const *k;

	for (k = names; *k; k++)
		if (!strcasecmp(name, *k))
			return true;
	return false;
}

static int header_key(struct scan_ctx *c, const struct scan_header *h)
{
	size_t s = 0, e = h->len;
	struct sec_hit hit = { 0, 0, R_SECRET_API_KEY_HEADER, SCAN_SEV_INFO, 0 };
	const uint8_t *sp = memchr(h->value, ' ', h->len);

	/* "Bearer KEY": the scheme word is no secret. */
	if (sp && sp - h->value < 16)
		s = (size_t)(sp - h->value) + 1;
	while (e > s && h->value[e - 1] == ' ')
		e--;
	if (e == s)
		return 0;
	hit.start = s;
	hit.end = e;
	return add_secret(c, &hit, s, e, h->value + s, e - s);
}

static int header_one(struct scan_ctx *c, const struct scan_header *h)
{
	struct pass p = { c, c->e->sec, h->value, h->len, 0, 0 };
	char path[160];
	size_t i;
	int rc = 0;

	snprintf(path, sizeof(path), "header:%s", h->name ? h->name : "");
	c->body = h->value;
	c->len = h->len;
	c->path = arena_strndup(c->arena, path, strlen(path));
	if (!c->path)
		return c->error = SCAN_ENOMEM;
	c->place = (struct place){ SCAN_ORIGIN_METADATA, LIST_NONE, 0 };
	c->have_place = true;
	c->s.first_pending = c->npend;
	if (!h->len || !p.db)
		return 0;
	if (h->name && carries_key(h->name))
		return header_key(c, h);
	c->nhits = 0;
	if (run_pass(&p, p.db->db, on_anchor) || system_pass(c, 0, h->len) ||
	    self_pass(c, h->value, h->len))
		return c->error;
	settle_hits(c, 0);
	for (i = 0; !rc && i < c->nhits; i++) {
		struct sec_hit hit = c->hits[i];

		rc = add_hit(c, &hit, hit.start, hit.end, h->value + hit.start, hit.end - hit.start);
	}
	c->nhits = 0;
	return rc;
}

int scan_headers(const struct scan_engine *e, const struct scan_header *h, size_t n,
		 struct scan_report *r)
{
	struct scan_ctx *c = scan_ctx_start(e, r, NULL, 0);
	size_t i;
	int rc = 0;

	if (!c)
		return r->error;
	c->nenv = 0;
	for (i = 0; !rc && i < n; i++)
		rc = header_one(c, &h[i]);
	c->body = NULL;
	c->len = 0;
	if (!rc)
		rc = scan_body_finish(c);
	if (rc) {
		r->error = SCAN_ENOMEM;
		snprintf(r->error_msg, sizeof(r->error_msg), "out of memory");
	}
	return r->error;
}
