/* SPDX-License-Identifier: MIT */
/*
 * tables.c - obfuscated string tables: XOR with a one-byte key, base64,
 * char-code arrays and escaped literals that decode to dictionary words.
 *
 * Two sources of decoded bytes are searched with the delta database of
 * dict.c (every word under every key in one pass):
 *   - the raw bytes of the blob, streamed as deltas in small chunks, which
 *     finds XOR-encoded text stored as is (a minifier keeps printable
 *     XOR output such as "5*?4;3" verbatim in a literal);
 *   - candidates found by js.c and decoded here: base64 literals, arrays of
 *     byte values, and literals holding \x escapes (XOR output that is not
 *     printable ends up escaped).
 * Hits with the same scheme and key that sit close together form a table;
 * a table of two or more entries is a finding, with its decoded list and
 * the decoding code nearby.  Plain text (key 0) is never a finding from the
 * raw bytes: a bundle may name "openai.com" in clear as often as it likes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "inspect/internal.h"
#include "util/banned.h"

enum scheme { S_XOR, S_BASE64, S_CHARCODES, S_ESCAPED, S_COUNT };

/* Hits of one table lie at most this far apart. */
#define TABLE_GAP 4096
#define MAX_HITS 200000
#define MAX_ITEMS 100000
#define MAX_CANDIDATE (64 << 10)
#define MAX_LIST 1024
#define DELTA_CHUNK (64 << 10)

struct item {
	size_t off, len;   /* the encoded token in the blob */
	uint8_t *dec;      /* decoded bytes (before XOR) */
	size_t declen;
};

struct hit {
	size_t off;        /* in the blob; for items, the token's offset */
	uint32_t word;
	uint8_t key, scheme;
	size_t item;       /* index into items, or SIZE_MAX for raw bytes */
	size_t at;         /* word position within the decoded item */
};

struct tables {
	struct inspector *in;
	const struct insp_blob *b;
	struct hit *hits;
	size_t nhits, caphits;
	struct item *items;
	size_t nitems, capitems;
	/* current decode target for delta callbacks */
	const uint8_t *cur;
	size_t curlen, curbase, curitem;
	uint8_t curscheme;
};

static int push_hit(struct tables *t, const struct hit *h)
{
	if (t->nhits == MAX_HITS)
		return 0;
	if (t->nhits == t->caphits) {
		size_t cap = t->caphits ? t->caphits * 2 : 256;
		struct hit *n = realloc(t->hits, cap * sizeof(*n));

		if (!n)
			return -1;
		t->hits = n;
		t->caphits = cap;
	}
	t->hits[t->nhits++] = *h;
	return 0;
}

/* The word @w under some key at @p?  Returns the key, or -1. */
static int match_key(const uint8_t *p, size_t avail, const struct insp_word *w)
{
	uint8_t k;
	uint32_t i;

	if (avail < w->len)
		return -1;
	k = (uint8_t)(p[0] ^ (uint8_t)w->text[0]);
	for (i = 1; i < w->len; i++)
		if ((uint8_t)(p[i] ^ k) != (uint8_t)w->text[i])
			return -1;
	return k;
}

static bool all_letters(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalpha(p[i]))
			return false;
	return true;
}

/* A delta match ends at @to (exclusive) in the delta sequence of cur. */
static int on_delta(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ctx)
{
	struct tables *t = ctx;
	const struct insp_word *w = &t->in->words[id];
	size_t start = (size_t)to - (w->len - 1);
	int key;
	struct hit h;

	(void)from;
	(void)flags;
	if ((size_t)to < w->len - 1 || start + w->len > t->curlen)
		return 0;
	key = match_key(t->cur + start, t->curlen - start, w);
	if (key < 0)
		return 0;
	if ((t->curitem == SIZE_MAX && key == 0) ||
	    (key == 0x20 && all_letters(t->cur + start, w->len)))
		return 0;  /* plain text, or plain text in capitals */
	if (t->curscheme == S_ESCAPED && key == 0)
		return 0;  /* an escaped literal in clear is just text */
	h = (struct hit){ .off = t->curitem == SIZE_MAX ? t->curbase + start : t->items[t->curitem].off,
			  .word = id, .key = (uint8_t)key, .scheme = t->curscheme,
			  .item = t->curitem, .at = start };
	return push_hit(t, &h) ? 1 : 0;
}

/* Raw bytes: deltas in chunks through a stream, so a word that straddles
 * a chunk boundary is still found. */
static int raw_pass(struct tables *t)
{
	const struct insp_blob *b = t->b;
	uint8_t *d = malloc(DELTA_CHUNK);
	hs_stream_t *s = NULL;
	size_t off, i, n;
	int rc = INSP_ENOMEM;

	if (!d || hs_open_stream(t->in->delta_stream, 0, &s) != HS_SUCCESS)
		goto out;
	t->cur = b->p;
	t->curlen = b->len;
	t->curbase = 0;
	t->curitem = SIZE_MAX;
	t->curscheme = S_XOR;
	for (off = 0; off + 1 < b->len; off += n) {
		n = b->len - 1 - off < DELTA_CHUNK ? b->len - 1 - off : DELTA_CHUNK;
		for (i = 0; i < n; i++)
			d[i] = b->p[off + i] ^ b->p[off + i + 1];
		if (hs_scan_stream(s, (const char *)d, (unsigned)n, 0, t->in->delta_scratch,
				   on_delta, t) != HS_SUCCESS)
			goto out;
		if ((off & ((16u << 20) - 1)) < n)
			insp_progress(t->in, b->base + off);
	}
	rc = 0;
out:
	if (s)
		hs_close_stream(s, t->in->delta_scratch, NULL, NULL);
	free(d);
	return rc;
}

/* Search one decoded candidate: long words through the delta database,
 * short ones (".cn", "kimi") only as the whole item under some key. */
static int search_item(struct tables *t, const uint8_t *dec, size_t n, uint8_t scheme,
		       size_t item)
{
	uint8_t d[MAX_CANDIDATE];
	size_t i;

	if (n < 2)
		return 0;
	for (i = 0; i + 1 < n; i++)
		d[i] = dec[i] ^ dec[i + 1];
	t->cur = dec;
	t->curlen = n;
	t->curitem = item;
	t->curscheme = scheme;
	if (hs_scan(t->in->delta_block, (const char *)d, (unsigned)(n - 1), 0,
		    t->in->delta_scratch, on_delta, t) != HS_SUCCESS)
		return -1;
	for (i = 0; n < INSP_MIN_SUBSTRING + 4 && i < t->in->nwords; i++) {
		const struct insp_word *w = &t->in->words[i];
		int key;
		struct hit h;

		if (w->len != n || w->len >= INSP_MIN_SUBSTRING || (key = match_key(dec, n, w)) < 0)
			continue;
		if (scheme == S_ESCAPED && key == 0)
			continue;
		h = (struct hit){ .off = t->items[item].off, .word = (uint32_t)i,
				  .key = (uint8_t)key, .scheme = scheme, .item = item };
		if (push_hit(t, &h))
			return -1;
	}
	return 0;
}

static int keep_item(struct tables *t, size_t off, size_t len, const uint8_t *dec,
		     size_t n, uint8_t scheme)
{
	size_t before = t->nhits;
	struct item *it;

	if (t->nitems == MAX_ITEMS)
		return 0;
	if (t->nitems == t->capitems) {
		size_t cap = t->capitems ? t->capitems * 2 : 64;
		struct item *ni = realloc(t->items, cap * sizeof(*ni));

		if (!ni)
			return -1;
		t->items = ni;
		t->capitems = cap;
	}
	it = &t->items[t->nitems];
	*it = (struct item){ .off = off, .len = len };
	if (search_item(t, dec, n, scheme, t->nitems))
		return -1;
	if (t->nhits == before)
		return 0;  /* nothing found: forget it */
	if (!(it->dec = malloc(n)))
		return -1;
	memcpy(it->dec, dec, n);
	it->declen = n;
	t->nitems++;
	return 0;
}


static bool is_b64(uint8_t c)
{
	return isalnum(c) || c == '+' || c == '/';
}

/* A quoted literal whose content starts at @s and is all base64.  Runs of
 * one case only or of hex digits are identifiers and hashes, not base64
 * of text, and are skipped before decoding. */
static int try_base64(struct tables *t, size_t s)
{
	const uint8_t *p = t->b->p;
	uint8_t q = p[s - 1], in[MAX_CANDIDATE + 4], out[MAX_CANDIDATE];
	size_t e = s, n, pad = 0;
	bool upper = false, lower = false, nonhex = false;
	int len;

	while (e < t->b->len && e - s < MAX_CANDIDATE && is_b64(p[e])) {
		upper |= isupper(p[e]) != 0;
		lower |= islower(p[e]) != 0;
		nonhex |= !isxdigit(p[e]);
		e++;
	}
	while (e < t->b->len && p[e] == '=' && pad < 2)
		e++, pad++;
	n = e - s - pad;
	if (e >= t->b->len || p[e] != q || !upper || !lower || !nonhex || n % 4 == 1)
		return 0;
	memcpy(in, p + s, n);
	while (n % 4)
		in[n++] = '=';
	len = EVP_DecodeBlock(out, in, (int)n);
	/* EVP_DecodeBlock counts the padding as data: keep 3 bytes per 4
	 * characters that were really there. */
	if (len < 0 || (len = (int)((e - s - pad) * 3 / 4)) < 2)
		return 0;
	return keep_item(t, s - 1, e + 1 - (s - 1), out, (size_t)len, S_BASE64);
}

/* An array of byte values whose fourth comma ends at @at. */
static int try_array(struct tables *t, size_t at, size_t *last_end)
{
	const uint8_t *p = t->b->p;
	size_t s, e, n = 0, len = t->b->len;
	uint8_t out[MAX_CANDIDATE];

	/* @at is the match's end: the blob's length when the comma is its
	 * last byte, so the walk back starts at the comma. */
	if (!at || at > len)
		return 0;
	s = at - 1;
	while (s > 0 && at - s < 256 && p[s] != '[')
		s--;
	if (p[s] != '[' || s < *last_end)
		return 0;
	for (e = s + 1; e < len && n < MAX_CANDIDATE;) {
		unsigned long v = 0;
		size_t d = 0;
		int base = 10;

		while (e < len && isspace(p[e]))
			e++;
		if (e + 1 < len && p[e] == '0' && (p[e + 1] == 'x' || p[e + 1] == 'X'))
			base = 16, e += 2;
		while (e < len && d < 4 && (base == 16 ? isxdigit(p[e]) : isdigit(p[e]))) {
			v = v * (unsigned)base + (unsigned long)(isdigit(p[e]) ? p[e] - '0' : (tolower(p[e]) - 'a' + 10));
			e++, d++;
		}
		if (!d || v > 255)
			return 0;
		out[n++] = (uint8_t)v;
		while (e < len && isspace(p[e]))
			e++;
		if (e < len && p[e] == ']')
			break;
		if (e >= len || p[e] != ',')
			return 0;
		e++;
	}
	if (e >= len || p[e] != ']')
		return 0;
	*last_end = e + 1;
	return keep_item(t, s, e + 1 - s, out, n, S_CHARCODES);
}

/* A literal holding \x escapes, around the escape at @at. */
static int try_escaped(struct tables *t, size_t at, size_t *last_end)
{
	struct buf dec;
	size_t s, e;
	int rc = 0;

	if (at < *last_end)
		return 0;
	/* When no literal holds @at, none that holds a later escape starts
	 * before @at: the next search stops there, so a run of millions of
	 * escapes outside quotes costs one pass, not millions of 8 KiB walks. */
	if (insp_js_literal(t->b->p, t->b->len, at, *last_end, &s, &e)) {
		*last_end = at;
		return 0;
	}
	*last_end = e;
	if (e - s > MAX_CANDIDATE)
		return 0;
	buf_init(&dec, MAX_CANDIDATE);
	if (!insp_js_unescape(t->b->p + s, e - s, &dec, true) && dec.len >= 2)
		rc = keep_item(t, s - 1, e + 1 - (s - 1), (const uint8_t *)dec.data,
			       dec.len, S_ESCAPED);
	buf_release(&dec);
	return rc;
}

static int candidates(struct tables *t, const struct insp_events *ev)
{
	const size_t *v;
	size_t n, i, last = 0;

	n = insp_events_cands(ev, CAND_BASE64, &v);
	for (i = 0; i < n; i++)
		if (v[i] > 0 && try_base64(t, v[i]))
			return INSP_ENOMEM;
	n = insp_events_cands(ev, CAND_ARRAY, &v);
	for (i = 0, last = 0; i < n; i++)
		if (try_array(t, v[i], &last))
			return INSP_ENOMEM;
	n = insp_events_cands(ev, CAND_ESCAPE, &v);
	for (i = 0, last = 0; i < n; i++)
		if (try_escaped(t, v[i], &last))
			return INSP_ENOMEM;
	return 0;
}

/* Raw XOR text and escaped XOR text are one table: a minifier writes the
 * printable bytes of an encoded literal as they are and escapes the rest. */
static uint8_t scheme_class(uint8_t scheme)
{
	return scheme == S_ESCAPED ? S_XOR : scheme;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (scheme_class(x->scheme) != scheme_class(y->scheme))
		return scheme_class(x->scheme) < scheme_class(y->scheme) ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static const char *scheme_name(uint8_t scheme, uint8_t key)
{
	static const char *const names[S_COUNT][2] = {
		{ "plain", "xor" },
		{ "base64", "base64+xor" },
		{ "char-codes", "char-codes+xor" },
		{ "escaped", "escaped+xor" },
	};
	return names[scheme][key != 0];
}

static bool list_char(uint8_t c)
{
	return c > 0x20 && c < 0x7F && c != ',' && c != ';' && c != '|' && c != '"' &&
	       c != '\'' && c != '`';
}

static int list_add(char **list, size_t *n, const uint8_t *s, size_t len)
{
	size_t i;

	if (len < 2 || *n == MAX_LIST)
		return 0;
	if (len > 80)
		len = 80;
	for (i = 0; i < *n; i++)
		if (strlen(list[i]) == len && !memcmp(list[i], s, len))
			return 0;
	if (!(list[*n] = strndup((const char *)s, len)))
		return -1;
	(*n)++;
	return 0;
}

/* Split an item, XOR-decoded, into its entries. */
static int list_item(const struct item *it, uint8_t key, char **list, size_t *n)
{
	uint8_t piece[96];
	size_t i, m = 0;

	for (i = 0; i <= it->declen; i++) {
		uint8_t c = i < it->declen ? it->dec[i] ^ key : 0;

		if (i < it->declen && list_char(c) && m < sizeof(piece)) {
			piece[m++] = c;
			continue;
		}
		if (list_add(list, n, piece, m))
			return -1;
		m = 0;
	}
	return 0;
}

/* A raw byte that is part of an encoded entry: it decodes to a list
 * character and is not itself the quote or comma around the entry. */
static bool raw_list_char(uint8_t c, uint8_t key)
{
	return list_char(c ^ key) && c >= 0x20 && c < 0x7F && c != '"' && c != '\'' &&
	       c != '`' && c != ',';
}

/* The XOR-decoded run of list characters around a raw hit. */
static int list_raw(const struct tables *t, const struct hit *h, char **list, size_t *n)
{
	const uint8_t *p = t->b->p;
	uint8_t piece[128];
	size_t s = h->off, e = h->off, m;

	while (s > 0 && h->off - s < 60 && raw_list_char(p[s - 1], h->key))
		s--;
	while (e < t->b->len && e - s < 120 && raw_list_char(p[e], h->key))
		e++;
	for (m = 0; m < e - s; m++)
		piece[m] = p[s + m] ^ h->key;
	return list_add(list, n, piece, m);
}


/* Is there "^ KEY" at @p (decimal or 0x hex, spaces allowed)? */
static bool xor_with(const uint8_t *p, const uint8_t *end, uint8_t key)
{
	unsigned long v = 0;
	int base = 10, d = 0;

	if (*p++ != '^')
		return false;
	while (p < end && *p == ' ')
		p++;
	if (end - p > 2 && p[0] == '0' && (p[1] | 0x20) == 'x')
		base = 16, p += 2;
	for (; p < end && d < 4 && (base == 16 ? isxdigit(*p) : isdigit(*p)); p++, d++)
		v = v * (unsigned)base + (unsigned long)(isdigit(*p) ? *p - '0' : (*p | 0x20) - 'a' + 10);
	return d && v == key && (p == end || !isalnum(*p));
}

static const uint8_t *find_str(const uint8_t *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s));
}

/* The decoding code nearest the table: "^ KEY" for XOR, else atob /
 * "base64" / fromCharCode.  Searched within 16 KiB either side. */
static size_t dist_to(const uint8_t *q, const uint8_t *p, size_t lo, size_t hi)
{
	size_t at = (size_t)(q - p);

	return at < lo ? lo - at : at > hi ? at - hi : 0;
}

/* "^ IDENT" where IDENT is assigned the key nearby ("var Et_=91"): the
 * excerpt of the XOR and of the assignment, or NULL. */
static char *xor_by_name(const struct tables *t, size_t s, size_t e, uint8_t key)
{
	const uint8_t *p = t->b->p, *q;
	char pat[80];
	size_t n;

	for (q = p + s; (q = memchr(q, '^', (size_t)(p + e - q))); q++) {
		const uint8_t *id = q + 1, *def;
		char *x, *y, *out;

		while (id < p + e && *id == ' ')
			id++;
		for (n = 0; id + n < p + e && n < 40 && (isalnum(id[n]) || id[n] == '_' || id[n] == '$'); n++)
			;
		if (!n || isdigit(id[0]))
			continue;
		snprintf(pat, sizeof(pat), "%.*s=%u", (int)n, (const char *)id, key);
		def = memmem(p + s, e - s, pat, strlen(pat));
		/* The assignment may be the blob's last bytes: no byte after it. */
		if (!def || (def + strlen(pat) < p + t->b->len && isalnum(def[strlen(pat)])))
			continue;
		x = insp_excerpt(p, t->b->len, (size_t)(q - p), 60, 40);
		y = insp_excerpt(p, t->b->len, (size_t)(def - p), 10, 30);
		out = x && y ? insp_printf("%s ... %s", x, y) : NULL;
		free(x);
		free(y);
		return out;
	}
	return NULL;
}

/* The decoding code nearest the table: "^ KEY" for XOR, "^ NAME" with NAME
 * set to the key, else atob / "base64" / fromCharCode.  Searched within
 * 16 KiB either side. */
static char *find_decoder(const struct tables *t, size_t lo, size_t hi, uint8_t scheme,
			  uint8_t key)
{
	const uint8_t *p = t->b->p, *q, *best = NULL;
	size_t s = lo > 16384 ? lo - 16384 : 0;
	size_t e = hi + 16384 < t->b->len ? hi + 16384 : t->b->len;
	static const char *const words[S_COUNT][2] = {
		{ NULL, NULL },
		{ "atob(", "base64" },
		{ "fromCharCode", "Buffer.from(" },
		{ "fromCharCode", "charCodeAt" },
	};
	char *named;
	int i;

	if (key) {
		for (q = p + s; (q = memchr(q, '^', (size_t)(p + e - q))); q++)
			if (xor_with(q, p + e, key) &&
			    (!best || dist_to(q, p, lo, hi) < dist_to(best, p, lo, hi)))
				best = q;
		if (!best && (named = xor_by_name(t, s, e, key)))
			return named;
	}
	for (i = 0; !best && i < 2 && words[scheme][i]; i++)
		best = find_str(p + s, e - s, words[scheme][i]);
	if (!best)
		return NULL;
	return insp_excerpt(p, t->b->len, (size_t)(best - p), 60, 60);
}

static const char *top_category(const struct tables *t, const struct hit *h, size_t n)
{
	size_t count[INSP_MAX_CATEGORIES] = { 0 }, i, best = 0;

	for (i = 0; i < n; i++)
		count[t->in->words[h[i].word].category]++;
	for (i = 1; i < t->in->ncategories; i++)
		if (count[i] > count[best])
			best = i;
	return t->in->ncategories ? t->in->categories[best] : "word";
}

/* Distinct entries among a table's hits: a hit inside the span of the one
 * before it ("openai" in "openai.com") is the same entry. */
static size_t entries(const struct tables *t, const struct hit *h, size_t n)
{
	size_t i, count = 0, end = 0, item = SIZE_MAX - 1;

	for (i = 0; i < n; i++) {
		size_t pos = h[i].item == SIZE_MAX ? h[i].off : h[i].at;

		if (h[i].item != item || pos >= end)
			count++;
		if (h[i].item != item || pos + t->in->words[h[i].word].len > end)
			end = pos + t->in->words[h[i].word].len;
		item = h[i].item;
	}
	return count;
}

/* Distinct dictionary words among a table's hits. */
static size_t distinct_words(const struct hit *h, size_t n)
{
	size_t i, j, count = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && h[j].word != h[i].word; j++)
			;
		count += j == i;
	}
	return count;
}

static const char *explain(uint8_t scheme)
{
	switch (scheme) {
	case S_XOR: return "XOR-encoded with a one-byte key";
	case S_BASE64: return "base64-encoded";
	case S_CHARCODES: return "stored as arrays of character codes";
	default: return "written as escapes";
	}
}

static int emit(struct tables *t, const struct hit *h, size_t n)
{
	struct insp_finding *f;
	size_t i, ne = entries(t, h, n), last = h[n - 1].off;
	char **list, keytext[24] = "";
	uint8_t scheme;
	const char *cat = top_category(t, h, n);

	/* XOR text in raw bytes needs three different words: in a large
	 * binary two five-byte matches under some key are within reach of
	 * chance, three different ones within 4 KiB are not. */
	if (ne < (scheme_class(h[0].scheme) == S_XOR ? 3u : 2u) ||
	    (scheme_class(h[0].scheme) == S_XOR && (n > 10000 || distinct_words(h, n) < 3)))
		return 0;
	scheme = scheme_class(h[0].scheme);
	if (h[n - 1].item != SIZE_MAX)
		last += t->items[h[n - 1].item].len;
	f = insp_add(t->in, t->b, h[0].key ? "obfuscation.xor-table" : "obfuscation.encoded-table",
		     h[0].key || ne >= 3 ? SCAN_SEV_HIGH : SCAN_SEV_MEDIUM, h[0].off, last - h[0].off);
	if (!f)
		return insp_full(t->in) ? 0 : INSP_ENOMEM;
	if (!(list = calloc(MAX_LIST, sizeof(*list))))
		return INSP_ENOMEM;
	f->decoded = list;
	for (i = 0; i < n; i++) {
		int rc = h[i].item == SIZE_MAX ? list_raw(t, &h[i], list, &f->ndecoded)
			: (i && h[i].item == h[i - 1].item) ? 0
			: list_item(&t->items[h[i].item], h[i].key, list, &f->ndecoded);
		if (rc)
			return INSP_ENOMEM;
	}
	f->scheme = scheme_name(scheme, h[0].key);
	f->key = scheme == S_XOR || h[0].key ? h[0].key : -1;
	f->category = cat;
	f->decoder = find_decoder(t, h[0].off, last, scheme, h[0].key);
	f->evidence = insp_excerpt(t->b->p, t->b->len, h[0].off, 20, 100);
	if (f->key >= 0)
		snprintf(keytext, sizeof(keytext), " (key 0x%02x)", (unsigned)f->key);
	f->message = insp_printf(
		"a table of %zu entries, %zu of them dictionary words (mostly %s), %s%s%s: hiding such a "
		"list is how code checks, unseen, whose API or which region it runs "
		"against%s", f->ndecoded, ne, cat, explain(scheme),
		h[0].key && scheme != S_XOR ? " and XOR-encoded with a one-byte key" : "",
		keytext, f->decoder ? "; the decoding code is next to it" : "");
	if (!f->message)
		return INSP_ENOMEM;
	return 0;
}

static void cluster(struct tables *t, int *rc)
{
	size_t i, s = 0;

	qsort(t->hits, t->nhits, sizeof(*t->hits), cmp_hit);
	for (i = 1; i <= t->nhits && !*rc; i++) {
		const struct hit *a = &t->hits[i - 1], *b = &t->hits[i];

		if (i < t->nhits && scheme_class(a->scheme) == scheme_class(b->scheme) && a->key == b->key &&
		    b->off - a->off <= TABLE_GAP)
			continue;
		*rc = emit(t, &t->hits[s], i - s);
		s = i;
	}
}

int insp_tables_run(struct inspector *in, const struct insp_blob *b,
		    const struct insp_events *ev)
{
	struct tables t = { .in = in, .b = b };
	size_t i;
	int rc;

	rc = raw_pass(&t);
	if (!rc)
		rc = candidates(&t, ev);
	if (!rc && t.nhits)
		cluster(&t, &rc);
	for (i = 0; i < t.nitems; i++)
		free(t.items[i].dec);
	free(t.items);
	free(t.hits);
	return rc;
}
