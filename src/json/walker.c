/* SPDX-License-Identifier: MIT */
/*
 * walker.c - iterative JSON walker over raw bytes (RFC 8259).
 *
 * The walker validates the grammar, keeps the path to the current value in
 * a fixed stack (no recursion, so a hostile body cannot overflow the C
 * stack), and reports strings as spans of the original bytes.  Strings are
 * skipped sixteen bytes at a time: request bodies are mostly long strings,
 * so this loop is where the walker spends its time.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json/json.h"
#include "util/banned.h"

/* Keys remembered per object for duplicate detection; an object with more
 * members than this is still walked, its later keys are not compared. */
#define MAX_KEYS_PER_OBJECT 10000

struct key_seen {
	uint64_t hash;
	size_t start;
	size_t end;
};

struct frame {
	enum json_kind kind; /* JSON_OBJECT or JSON_ARRAY */
	size_t start;        /* offset of '{' or '[' */
	size_t keys_base;    /* first key of this object in walk.keys */
};

struct walk {
	struct json_walker w;
	const struct json_visitor *v;
	struct json_error *err;
	unsigned max_depth;
	size_t pos;
	struct frame *frames;
	struct key_seen *keys;
	size_t nkeys;
	size_t keys_cap;
	struct buf scratch;
	bool avx2;
};

static int fail(struct walk *k, int code, size_t at, const char *what)
{
	if (k->err) {
		k->err->offset = at;
		snprintf(k->err->msg, sizeof(k->err->msg), "%s at byte %zu", what, at);
	}
	return code;
}

static void skip_ws(struct walk *k)
{
	const uint8_t *b = k->w.body;

	while (k->pos < k->w.len && (b[k->pos] == ' ' || b[k->pos] == '\n' ||
				     b[k->pos] == '\r' || b[k->pos] == '\t'))
		k->pos++;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_PATH 1

__attribute__((target("avx2,bmi")))
static size_t find_quote_or_backslash_avx2(const uint8_t *b, size_t i, size_t len)
{
	const __m256i quote = _mm256_set1_epi8('"');
	const __m256i bslash = _mm256_set1_epi8('\\');

	while (i + 32 <= len) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(b + i));
		unsigned m = (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
			_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, bslash)));

		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 32;
	}
	while (i < len && b[i] != '"' && b[i] != '\\')
		i++;
	return i;
}
#endif

/* Offset of the first '"' or '\\' at or after @i, or @len. */
static size_t find_quote_or_backslash(const uint8_t *b, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');

	while (i + 16 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(b + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)));

		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < len && b[i] != '"' && b[i] != '\\')
		i++;
	return i;
}

static int is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Whether a valid escape starts at @p ('\\' there), with @n bytes left. */
static int valid_escape(const uint8_t *p, size_t n)
{
	if (n < 2)
		return 0;
	switch (p[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return 1;
	case 'u':
		return n >= 6 && is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) && is_hex(p[5]);
	}
	return 0;
}

/* Skip string content starting after the opening quote; *end gets the
 * offset of the closing quote.  Raw control characters are tolerated here:
 * the scanner reports them, so a sloppy client's body is still examined. */
static int skip_string(struct walk *k, size_t *end)
{
	const uint8_t *b = k->w.body;
	size_t i = k->pos, len = k->w.len;

	for (;;) {
#ifdef HAVE_AVX2_PATH
		if (k->avx2)
			i = find_quote_or_backslash_avx2(b, i, len);
		else
#endif
			i = find_quote_or_backslash(b, i, len);
		if (i >= len)
			return fail(k, JSON_ESYNTAX, k->pos - 1, "unterminated string");
		if (b[i] == '"')
			break;
		if (!valid_escape(b + i, len - i))
			return fail(k, JSON_ESYNTAX, i, "invalid escape in string");
		i += b[i + 1] == 'u' ? 6 : 2;
	}
	*end = i;
	k->pos = i + 1;
	return 0;
}

/* The visitor reads the string and finds its end (json_visitor.consume). */
static int consume_string(struct walk *k, size_t *end)
{
	size_t start = k->pos;
	int rc = k->v->consume(k->v->ctx, &k->w, start, end);

	if (rc == JSON_ESYNTAX)
		return *end >= k->w.len ? fail(k, rc, start - 1, "unterminated string")
					: fail(k, rc, *end, "invalid escape in string");
	if (rc)
		return rc;
	if (*end < start || *end >= k->w.len || k->w.body[*end] != '"')
		return fail(k, JSON_ESYNTAX, start - 1, "unterminated string");
	k->pos = *end + 1;
	return 0;
}

static int skip_number(struct walk *k)
{
	const uint8_t *b = k->w.body;
	size_t i = k->pos, len = k->w.len, d;

	if (i < len && b[i] == '-')
		i++;
	if (i < len && b[i] == '0') {
		i++;
	} else {
		for (d = i; i < len && b[i] >= '0' && b[i] <= '9'; i++)
			;
		if (i == d)
			return fail(k, JSON_ESYNTAX, k->pos, "invalid number");
	}
	if (i < len && b[i] == '.') {
		for (d = ++i; i < len && b[i] >= '0' && b[i] <= '9'; i++)
			;
		if (i == d)
			return fail(k, JSON_ESYNTAX, i, "digit expected after '.'");
	}
	if (i < len && (b[i] == 'e' || b[i] == 'E')) {
		i++;
		if (i < len && (b[i] == '+' || b[i] == '-'))
			i++;
		for (d = i; i < len && b[i] >= '0' && b[i] <= '9'; i++)
			;
		if (i == d)
			return fail(k, JSON_ESYNTAX, i, "digit expected in exponent");
	}
	k->pos = i;
	return 0;
}

static int skip_literal(struct walk *k, const char *word)
{
	size_t n = strlen(word);

	if (k->w.len - k->pos < n || memcmp(k->w.body + k->pos, word, n))
		return fail(k, JSON_ESYNTAX, k->pos, "invalid literal");
	k->pos += n;
	return 0;
}

static uint64_t fnv1a(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ *s++) * 1099511628211ULL;
	return h;
}

/* Remember a key of the innermost object; keys are compared decoded, so
 * "a" and "\u0061" are the same key, as every JSON parser sees them. */
static int remember_key(struct walk *k, size_t start, size_t end)
{
	const uint8_t *s = k->w.body + start;
	struct frame *f = &k->frames[k->w.depth - 1];
	uint64_t h;

	if (k->nkeys - f->keys_base >= MAX_KEYS_PER_OBJECT)
		return 0;
	if (memchr(s, '\\', end - start)) {
		buf_reset(&k->scratch);
		if (json_unescape(s, end - start, &k->scratch))
			return fail(k, JSON_ENOMEM, start, "out of memory");
		h = fnv1a(k->scratch.data, k->scratch.len);
	} else {
		h = fnv1a(s, end - start);
	}
	if (k->nkeys == k->keys_cap) {
		size_t cap = k->keys_cap ? k->keys_cap * 2 : 64;
		struct key_seen *p = realloc(k->keys, cap * sizeof(*p));

		if (!p)
			return fail(k, JSON_ENOMEM, start, "out of memory");
		k->keys = p;
		k->keys_cap = cap;
	}
	k->keys[k->nkeys++] = (struct key_seen){ h, start, end };
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct key_seen *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* At the end of an object: sort its keys and report repeats. */
static int check_duplicates(struct walk *k, const struct frame *f)
{
	size_t n = k->nkeys - f->keys_base, i, first = 0;
	struct key_seen *ks;
	int rc;

	k->nkeys = f->keys_base;
	if (n < 2 || !k->v->duplicate_key)
		return 0;
	ks = k->keys + f->keys_base;
	if (n <= 16) {
		/* Most objects have a handful of keys: insertion sort, without
		 * qsort's merge buffer and indirect calls, once per object. */
		for (i = 1; i < n; i++) {
			struct key_seen x = ks[i];
			size_t j = i;

			for (; j > 0 && cmp_key(&ks[j - 1], &x) > 0; j--)
				ks[j] = ks[j - 1];
			ks[j] = x;
		}
	} else {
		qsort(ks, n, sizeof(*ks), cmp_key);
	}
	for (i = 1; i < n; i++) {
		if (ks[i].hash != ks[first].hash) {
			first = i;
			continue;
		}
		rc = k->v->duplicate_key(k->v->ctx, &k->w, ks[i].start,
					 ks[i].end, ks[first].start);
		if (rc)
			return rc;
	}
	return 0;
}

static int emit_value(struct walk *k, enum json_kind kind, size_t start)
{
	if (!k->v->value)
		return 0;
	return k->v->value(k->v->ctx, &k->w, kind, start, k->pos);
}

static int open_container(struct walk *k, enum json_kind kind)
{
	struct frame *f;

	if (k->w.depth >= k->max_depth)
		return fail(k, JSON_EDEPTH, k->pos, "nesting too deep");
	f = &k->frames[k->w.depth];
	f->kind = kind;
	f->start = k->pos;
	f->keys_base = k->nkeys;
	k->w.segs[k->w.depth] = (struct json_seg){ NULL, 0, 0 };
	k->w.depth++;
	k->pos++;
	return 0;
}

/* Read a member key and its ':'; the path then ends with that key. */
static int read_key(struct walk *k)
{
	struct json_seg *seg = &k->w.segs[k->w.depth - 1];
	size_t start, end;
	int rc;

	skip_ws(k);
	if (k->pos >= k->w.len || k->w.body[k->pos] != '"')
		return fail(k, JSON_ESYNTAX, k->pos, "object key expected");
	start = ++k->pos;
	rc = skip_string(k, &end);
	if (rc)
		return rc;
	seg->key = k->w.body + start;
	seg->keylen = end - start;
	rc = remember_key(k, start, end);
	if (!rc && k->v->string)
		rc = k->v->string(k->v->ctx, &k->w, start, end, 1);
	if (rc)
		return rc;
	skip_ws(k);
	if (k->pos >= k->w.len || k->w.body[k->pos] != ':')
		return fail(k, JSON_ESYNTAX, k->pos, "':' expected after object key");
	k->pos++;
	return 0;
}

/* A scalar value or the start of a container.  Sets *opened for '{' / '['. */
static int read_value(struct walk *k, int *opened)
{
	const uint8_t *b = k->w.body;
	size_t start, end;
	enum json_kind kind;
	int rc;

	*opened = 0;
	skip_ws(k);
	if (k->pos >= k->w.len)
		return fail(k, JSON_ESYNTAX, k->pos, "unexpected end of input");
	start = k->pos;
	switch (b[k->pos]) {
	case '{':
	case '[':
		*opened = 1;
		return open_container(k, b[k->pos] == '{' ? JSON_OBJECT : JSON_ARRAY);
	case '"':
		k->pos++;
		rc = k->v->consume ? consume_string(k, &end) : skip_string(k, &end);
		if (!rc && k->v->string && !k->v->consume)
			rc = k->v->string(k->v->ctx, &k->w, start + 1, end, 0);
		kind = JSON_STRING;
		break;
	case 't':
		rc = skip_literal(k, "true");
		kind = JSON_TRUE;
		break;
	case 'f':
		rc = skip_literal(k, "false");
		kind = JSON_FALSE;
		break;
	case 'n':
		rc = skip_literal(k, "null");
		kind = JSON_NULL;
		break;
	default:
		if (b[k->pos] != '-' && (b[k->pos] < '0' || b[k->pos] > '9'))
			return fail(k, JSON_ESYNTAX, k->pos, "value expected");
		rc = skip_number(k);
		kind = JSON_NUMBER;
		break;
	}
	return rc ? rc : emit_value(k, kind, start);
}

static int close_container(struct walk *k, int *closed);

/* After a value inside a container: ',' or the closing bracket.  Sets
 * *closed when the container ended (and reports it as a value). */
static int after_value(struct walk *k, int *closed)
{
	struct frame *f = &k->frames[k->w.depth - 1];
	char close = f->kind == JSON_OBJECT ? '}' : ']';

	*closed = 0;
	skip_ws(k);
	if (k->pos >= k->w.len)
		return fail(k, JSON_ESYNTAX, k->pos, "unexpected end of input");
	if (k->w.body[k->pos] == ',') {
		k->pos++;
		if (f->kind == JSON_ARRAY)
			k->w.segs[k->w.depth - 1].index++;
		return f->kind == JSON_OBJECT ? read_key(k) : 0;
	}
	if (k->w.body[k->pos] != close)
		return fail(k, JSON_ESYNTAX, k->pos,
			    f->kind == JSON_OBJECT ? "',' or '}' expected"
						   : "',' or ']' expected");
	return close_container(k, closed);
}

static int close_container(struct walk *k, int *closed)
{
	struct frame *f = &k->frames[k->w.depth - 1];
	int rc = 0;

	k->pos++;
	k->w.depth--;
	if (f->kind == JSON_OBJECT)
		rc = check_duplicates(k, f);
	*closed = 1;
	return rc ? rc : emit_value(k, f->kind, f->start);
}

/* Just inside a new container: it may be empty. */
static int enter(struct walk *k, int *closed)
{
	struct frame *f = &k->frames[k->w.depth - 1];
	char close = f->kind == JSON_OBJECT ? '}' : ']';

	*closed = 0;
	skip_ws(k);
	if (k->pos < k->w.len && k->w.body[k->pos] == close)
		return close_container(k, closed);
	return f->kind == JSON_OBJECT ? read_key(k) : 0;
}

static int run(struct walk *k)
{
	int opened, closed, rc;

	rc = read_value(k, &opened);
	while (!rc) {
		if (opened) {
			rc = enter(k, &closed);
			if (rc)
				break;
			if (!closed) {
				rc = read_value(k, &opened);
				continue;
			}
		}
		/* A value ended: climb while containers close. */
		do {
			if (k->w.depth == 0)
				goto done;
			rc = after_value(k, &closed);
		} while (!rc && closed);
		if (!rc)
			rc = read_value(k, &opened);
	}
	return rc;
done:
	skip_ws(k);
	if (k->pos != k->w.len)
		return fail(k, JSON_ESYNTAX, k->pos, "trailing data after the JSON value");
	return 0;
}

int json_walk(const uint8_t *body, size_t len, unsigned max_depth,
	      const struct json_visitor *v, struct json_error *err)
{
	static const struct json_visitor none = { 0 };
	struct walk k = { 0 };
	int rc = JSON_ENOMEM;

	k.w.body = body;
	k.w.len = len;
	k.v = v ? v : &none;
	k.err = err;
	k.max_depth = max_depth ? max_depth : 512;
#ifdef HAVE_AVX2_PATH
	k.avx2 = __builtin_cpu_supports("avx2");
#endif
	buf_init(&k.scratch, len + 16);
	k.frames = malloc(k.max_depth * sizeof(*k.frames));
	k.w.segs = malloc(k.max_depth * sizeof(*k.w.segs));
	if (!k.frames || !k.w.segs) {
		fail(&k, JSON_ENOMEM, 0, "out of memory");
		goto out;
	}
	rc = run(&k);
out:
	free(k.frames);
	free(k.w.segs);
	free(k.keys);
	buf_release(&k.scratch);
	return rc;
}

int json_seg_is(const struct json_seg *s, const char *key)
{
	size_t n = strlen(key);

	return s->key && s->keylen == n && !memcmp(s->key, key, n);
}

static int is_ident(const uint8_t *s, size_t n)
{
	size_t i;

	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '$'))
			return 0;
	return 1;
}

int json_path_format(const struct json_walker *w, struct buf *out)
{
	struct buf key;
	unsigned i;
	int rc = buf_addc(out, '$');

	buf_init(&key, out->max);
	for (i = 0; !rc && i < w->depth; i++) {
		const struct json_seg *s = &w->segs[i];

		if (!s->key) {
			char num[24], *q = num + sizeof(num);
			size_t v = s->index;

			/* By hand: paths are made for every string with a date. */
			*--q = ']';
			do {
				*--q = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			*--q = '[';
			rc = buf_add(out, q, (size_t)(num + sizeof(num) - q));
		} else if (is_ident(s->key, s->keylen)) {
			rc = buf_addc(out, '.');
			rc = rc ? rc : buf_add(out, s->key, s->keylen);
		} else {
			/* Bracket form with the key decoded and re-escaped, so
			 * the path shows no invisible character raw. */
			buf_reset(&key);
			rc = json_unescape(s->key, s->keylen, &key);
			rc = rc ? rc : buf_addc(out, '[');
			rc = rc ? rc : json_write_string(out, key.data ? key.data : "", key.len);
			rc = rc ? rc : buf_addc(out, ']');
		}
	}
	buf_release(&key);
	return rc;
}
