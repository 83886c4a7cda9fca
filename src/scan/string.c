/* SPDX-License-Identifier: MIT */
/*
 * string.c - scanning the content of one JSON string.
 *
 * Almost every byte of a request body is plain ASCII text inside a string,
 * and none of it can hide anything on its own.  So the loop classifies 64
 * bytes at a time with SSE2 and stops only at bytes that need a closer
 * look: non-ASCII bytes, escapes, raw control bytes, apostrophes (their
 * style is counted, and the 2026 marker hides in one), and a '-', '/' or '.'
 * with two digits on each side (a date).  Everything else is skipped
 * without being decoded.  No allocation happens here unless a finding is
 * made.
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "scan/scan.h"
#include "util/utf8.h"
#include "util/banned.h"

#define NO_CP 0u

/* Byte classes of a 64-byte block, one bit per byte. */
struct classes {
	uint64_t odd;     /* control or non-ASCII */
	uint64_t bs, ap, quote, digit, sep, n, t, space, letter, trig;
	uint64_t colon, eq, hu;  /* for the secret triggers; hu: h H u U */
};

#ifdef __SSE2__
static inline uint64_t movemask128(__m128i v, int k)
{
	return (uint64_t)(unsigned)_mm_movemask_epi8(v) << (16 * k);
}

static void classes_sse2(const uint8_t *p, const uint8_t trig[2], struct classes *c)
{
	const __m128i ctl = _mm_set1_epi8(0x20), m1 = _mm_set1_epi8(-1);
	int k;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
		__m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));

		/* Signed compare: bytes 0x80-0xFF are negative, so one
		 * comparison finds both control and non-ASCII bytes. */
		c->odd |= movemask128(_mm_cmplt_epi8(v, ctl), k);
		c->bs |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), k);
		c->ap |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')), k);
		c->quote |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), k);
		c->n |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8('n')), k);
		c->t |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8('t')), k);
		c->space |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), k);
		c->trig |= movemask128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)trig[0])),
						    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)trig[1]))), k);
		c->digit |= movemask128(_mm_and_si128(_mm_cmpgt_epi8(d, m1),
						      _mm_cmplt_epi8(d, _mm_set1_epi8(10))), k);
		c->letter |= movemask128(_mm_and_si128(_mm_cmpgt_epi8(l, m1),
						       _mm_cmplt_epi8(l, _mm_set1_epi8(26))), k);
		c->sep |= movemask128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
						   _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')),
								_mm_cmpeq_epi8(v, _mm_set1_epi8('.')))), k);
		c->colon |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')), k);
		c->eq |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8('=')), k);
		c->hu |= movemask128(_mm_or_si128(_mm_cmpeq_epi8(l, _mm_set1_epi8('h' - 'a')),
						  _mm_cmpeq_epi8(l, _mm_set1_epi8('u' - 'a'))), k);
	}
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_PATH 1

static inline uint64_t movemask256(__m256i v, int k) __attribute__((target("avx2")));
static inline uint64_t movemask256(__m256i v, int k)
{
	return (uint64_t)(uint32_t)_mm256_movemask_epi8(v) << (32 * k);
}

/* The same with 32-byte vectors, chosen at run time where the CPU has them. */
__attribute__((target("avx2")))
static void classes_avx2(const uint8_t *p, const uint8_t trig[2], struct classes *c)
{
	const __m256i ctl = _mm256_set1_epi8(0x20), m1 = _mm256_set1_epi8(-1);
	int k;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < 2; k++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(p + 32 * k));
		__m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8('0'));
		__m256i l = _mm256_sub_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)),
					    _mm256_set1_epi8('a'));

		c->odd |= movemask256(_mm256_cmpgt_epi8(ctl, v), k);
		c->bs |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')), k);
		c->ap |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\'')), k);
		c->quote |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')), k);
		c->n |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('n')), k);
		c->t |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('t')), k);
		c->space |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')), k);
		c->trig |= movemask256(_mm256_or_si256(
			_mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)trig[0])),
			_mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)trig[1]))), k);
		c->digit |= movemask256(_mm256_and_si256(_mm256_cmpgt_epi8(d, m1),
			_mm256_cmpgt_epi8(_mm256_set1_epi8(10), d)), k);
		c->letter |= movemask256(_mm256_and_si256(_mm256_cmpgt_epi8(l, m1),
			_mm256_cmpgt_epi8(_mm256_set1_epi8(26), l)), k);
		c->sep |= movemask256(_mm256_or_si256(
			_mm256_cmpeq_epi8(v, _mm256_set1_epi8('-')),
			_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('/')),
					_mm256_cmpeq_epi8(v, _mm256_set1_epi8('.')))), k);
		c->colon |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(':')), k);
		c->eq |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('=')), k);
		c->hu |= movemask256(_mm256_or_si256(
			_mm256_cmpeq_epi8(l, _mm256_set1_epi8('h' - 'a')),
			_mm256_cmpeq_epi8(l, _mm256_set1_epi8('u' - 'a'))), k);
	}
}
#endif

/*
 * Bits covering the plain CJK characters of p[0..63]: ideographs U+4000-
 * U+9FFF (leads E4-E9) and kana (lead E3, but not E3 80 xx, CJK punctuation
 * and U+3000, nor E3 85 xx, where the Hangul filler U+3164 is).  Plain CJK
 * text then costs no closer look at all.  A character that runs into the
 * next block is left for the closer look.
 */
static inline uint64_t cjk_cover(uint64_t lead, uint64_t e3, uint64_t cont,
				 uint64_t x80_85)
{
	uint64_t p = (lead | (e3 & ~(x80_85 >> 1))) & (cont >> 1) & (cont >> 2);

	return p | (p << 1) | (p << 2);
}

#ifdef __SSE2__
static uint64_t cjk_sse2(const uint8_t *p)
{
	uint64_t lead = 0, e3 = 0, cont = 0, x = 0;
	int k;

	for (k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i t = _mm_sub_epi8(v, _mm_set1_epi8((char)0xE4));

		lead |= movemask128(_mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(5)), t), k);
		e3 |= movemask128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE3)), k);
		cont |= movemask128(_mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xC0)),
						   _mm_set1_epi8((char)0x80)), k);
		x |= movemask128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0x80)),
					      _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0x85))), k);
	}
	return cjk_cover(lead, e3, cont, x);
}
#endif

#ifdef HAVE_AVX2_PATH
__attribute__((target("avx2")))
static uint64_t cjk_avx2(const uint8_t *p)
{
	uint64_t lead = 0, e3 = 0, cont = 0, x = 0;
	int k;

	for (k = 0; k < 2; k++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(p + 32 * k));
		__m256i t = _mm256_sub_epi8(v, _mm256_set1_epi8((char)0xE4));

		lead |= movemask256(_mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8(5)), t), k);
		e3 |= movemask256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)0xE3)), k);
		cont |= movemask256(_mm256_cmpeq_epi8(_mm256_and_si256(v, _mm256_set1_epi8((char)0xC0)),
						      _mm256_set1_epi8((char)0x80)), k);
		x |= movemask256(_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)0x80)),
						 _mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)0x85))), k);
	}
	return cjk_cover(lead, e3, cont, x);
}
#endif

#ifndef __SSE2__
static uint64_t cjk_scalar(const uint8_t *p)
{
	uint64_t lead = 0, e3 = 0, cont = 0, x = 0;
	int k;

	for (k = 0; k < 64; k++) {
		lead |= (uint64_t)(p[k] >= 0xE4 && p[k] <= 0xE9) << k;
		e3 |= (uint64_t)(p[k] == 0xE3) << k;
		cont |= (uint64_t)((p[k] & 0xC0) == 0x80) << k;
		x |= (uint64_t)(p[k] == 0x80 || p[k] == 0x85) << k;
	}
	return cjk_cover(lead, e3, cont, x);
}

static void classes_scalar(const uint8_t *p, const uint8_t trig[2], struct classes *c)
{
	int k;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < 64; k++) {
		uint8_t x = p[k], l = (uint8_t)((x | 0x20) - 'a');

		c->odd |= (uint64_t)(x < 0x20 || x >= 0x80) << k;
		c->bs |= (uint64_t)(x == '\\') << k;
		c->ap |= (uint64_t)(x == '\'') << k;
		c->quote |= (uint64_t)(x == '"') << k;
		c->n |= (uint64_t)(x == 'n') << k;
		c->t |= (uint64_t)(x == 't') << k;
		c->space |= (uint64_t)(x == ' ') << k;
		c->trig |= (uint64_t)(x == trig[0] || x == trig[1]) << k;
		c->digit |= (uint64_t)(x >= '0' && x <= '9') << k;
		c->letter |= (uint64_t)(x < 0x80 && l < 26) << k;
		c->sep |= (uint64_t)(x == '-' || x == '/' || x == '.') << k;
		c->colon |= (uint64_t)(x == ':') << k;
		c->eq |= (uint64_t)(x == '=') << k;
		c->hu |= (uint64_t)(x < 0x80 && (l == 'h' - 'a' || l == 'u' - 'a')) << k;
	}
}
#endif

static inline __attribute__((always_inline))
uint64_t combine(const struct scan_ctx *c, const struct classes *k,
		 uint8_t prev, uint64_t keep, uint32_t *apos_letters,
		 uint32_t *apos_other, uint32_t *quotes)
{
	uint64_t pbs = prev == '\\', psp = prev == ' ', pt = prev == 't';
	uint64_t pletter = ((prev | 0x20) >= 'a' && (prev | 0x20) <= 'z');
	uint64_t ptrig = prev && (prev == c->e->apos_after[0] || prev == c->e->apos_after[1]);
	uint64_t start, boring, letter_ap, date;

	start = k->bs & ~((k->bs << 1) | pbs);
	boring = start & (((k->quote | k->t) >> 1) |
			  ((k->n >> 1) & ~((k->space << 1) | psp) & ~((k->t << 1) | pt)));
	letter_ap = k->ap & ((k->letter << 1) | pletter) & (k->letter >> 1);
	*apos_letters += (uint32_t)__builtin_popcountll(letter_ap & keep);
	*apos_other += (uint32_t)__builtin_popcountll(k->ap & ~letter_ap & keep);
	*quotes += (uint32_t)__builtin_popcountll(boring & (k->quote >> 1) & keep);
	/* A separator with two digits before and after it.  Digits beyond the
	 * block are assumed present; the date parser checks for real. */
	date = k->sep & ((k->digit << 1) | 1) & ((k->digit << 2) | 3) &
	       ((k->digit >> 1) | (1ULL << 63)) & ((k->digit >> 2) | (3ULL << 62));
	/* A quote not escaped by a skipped escape: the end of the string, or
	 * the second half of an escape that is looked at anyway. */
	return k->odd | (k->bs & ~boring) | date | (k->quote & ~(boring << 1)) |
	       (c->e->apos_all ? k->ap : k->ap & ((k->trig << 1) | ptrig));
}

/* The mask shifted up by @k bits, the bits of the block before filling in. */

/* Where a run of @cls reaches @len bytes, @carry being the run at the
 * end of the block before (updated); every run is reported once. */
static inline __attribute__((always_inline))
uint64_t run_reaches(uint64_t cls, unsigned len, unsigned *carry)
{
	uint64_t x1 = cls & (cls << 1), x2 = x1 & (x1 << 2), x4 = x2 & (x2 << 4), r;
	unsigned lead = (unsigned)__builtin_ctzll(~cls | (1ULL << 63)) + (cls == ~0ULL);

	/* x1, x2, x4: runs of 2, 4, 8; 20 is 16 and 4 */
	r = x4 & (x4 << 8) & (x2 << 16);
	r &= ~(r << 1);
	if (*carry) {
		r &= lead >= 64 ? 0 : ~0ULL << lead;
		if (*carry < len && *carry + lead >= len)
			r |= 1ULL << (len - 1 - *carry);
	}
	*carry = cls == ~0ULL ? (*carry + 64 > 1000 ? 1000 : *carry + 64) :
				(unsigned)__builtin_clzll(~cls);
	return r;
}

/*
 * Bits where a secret or an environment detail may be (secrets.c looks
 * closer), from the classes the scan computes anyway and three more
 * comparisons, so that a body is read once and only a few places per
 * kilobyte get a closer look: the 20th byte of a run of letters and digits
 * (API keys, tokens, JWTs, machine ids and long passwords all have one),
 * "-----" before a letter (a PEM header), '/' before h or U and a '/' five
 * or six on ("/home/", "/Users/"), "://" and ":\\/\\/" (a password in a
 * URL, an internal host), and '=' after a letter or a quote (password=...).
 * Every shape costs the scan of every block, so the rarer details (private
 * addresses, MAC addresses, prompts, C:\\Users) are looked for only in
 * system prompts and headers, where Vectorscan reads a few kilobytes
 * (secrets.c).  @p carries what the block before ended with; bits that
 * depend on the next block are set, and the closer look sorts them out.
 */
static inline __attribute__((always_inline))
uint64_t secret_triggers(const struct classes *k, struct trig_carry *p, uint64_t *runs)
{
	const uint64_t top2 = 3ULL << 62;
	uint64_t word = k->letter | k->digit, l = k->letter, out;
	uint64_t lq = ((l | k->quote) << 1) | (p->lq >> 63);

	*runs = run_reaches(word, 20, &p->run);
	out = k->sep & (k->sep << 1) & (k->sep << 2) & (k->sep << 3) & (k->sep << 4) & (l >> 1);
	out |= k->sep & ((k->hu >> 1) | (1ULL << 63)) & ((k->sep >> 5) | (k->sep >> 6) | (63ULL << 58));
	out |= k->colon & ((((k->sep | k->bs) >> 1) & ((k->sep >> 2) | (k->sep >> 3))) | top2);
	out |= k->eq & lq;
	p->lq = l | k->quote;
	return out;
}

#ifdef HAVE_AVX2_PATH
__attribute__((target("avx2,popcnt")))
static uint64_t block_mask_avx2(const struct scan_ctx *c, const uint8_t *p, uint8_t prev,
				uint64_t keep, uint32_t *al, uint32_t *ao, uint32_t *qu,
				struct trig_carry *tc, uint64_t *trig)
{
	struct classes k;

	classes_avx2(p, c->e->apos_after, &k);
	if (k.odd)
		k.odd &= ~cjk_avx2(p);
	if (tc)
		trig[0] = secret_triggers(&k, tc, &trig[1]);
	return combine(c, &k, prev, keep, al, ao, qu);
}
#endif

static uint64_t block_mask_base(const struct scan_ctx *c, const uint8_t *p, uint8_t prev,
				uint64_t keep, uint32_t *al, uint32_t *ao, uint32_t *qu,
				struct trig_carry *tc, uint64_t *trig)
{
	struct classes k;

#ifdef __SSE2__
	classes_sse2(p, c->e->apos_after, &k);
	if (k.odd)
		k.odd &= ~cjk_sse2(p);
#else
	classes_scalar(p, c->e->apos_after, &k);
	if (k.odd)
		k.odd &= ~cjk_scalar(p);
#endif
	if (tc)
		trig[0] = secret_triggers(&k, tc, &trig[1]);
	return combine(c, &k, prev, keep, al, ao, qu);
}

/*
 * Bits for the bytes of p[0..63] worth a closer look; @prev is the byte
 * before the block (0 at the start of a string).  What is merely counted
 * is counted here, without a closer look:
 * - "\n", "\t" and "\"" escapes are skipped, except a "\n" after a space
 *   or a "\t" (trailing whitespace); a backslash after a backslash is
 *   looked at, since it may be the second half of "\\".  A backslash that
 *   follows anything else always starts an escape.
 * - ASCII apostrophes are counted by style (between letters or not); one
 *   is looked at only after a byte that ends a scheme's text before an
 *   apostrophe slot ("Today'").
 * - a '-', '/' or '.' with two digits on each side may be a date.
 * Only bytes in @keep are counted.  Bits at the block's edges that depend
 * on the next block are looked at.  With @tc, @trig[0] and @trig[1] get
 * the secret triggers of the block: shapes, and runs.
 */
static inline uint64_t block_mask(const struct scan_ctx *c, const uint8_t *p,
				  uint8_t prev, uint64_t keep, uint32_t *al,
				  uint32_t *ao, uint32_t *qu, struct trig_carry *tc,
				  uint64_t *trig)
{
#ifdef HAVE_AVX2_PATH
	if (c->e->avx2)
		return block_mask_avx2(c, p, prev, keep, al, ao, qu, tc, trig);
#endif
	return block_mask_base(c, p, prev, keep, al, ao, qu, tc, trig);
}

static uint32_t prev_cp(const struct scan_ctx *c, size_t off)
{
	const uint8_t *b = c->body;
	size_t i = off, len;
	uint32_t cp;

	if (c->s.last_end == off)
		return c->s.last_cp;
	if (off <= c->s.start)
		return NO_CP;
	if (b[off - 1] < 0x80)
		return b[off - 1];
	/* A character the block mask skipped (plain CJK): decode it. */
	while (i > c->s.start && off - i < 4 && (b[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == c->s.start || off - i >= 4)
		return NO_CP;
	i--;
	if (utf8_decode(b + i, off - i, &cp, &len) != UTF8_OK || i + len != off)
		return NO_CP;
	return cp;
}

static uint32_t next_cp(const struct scan_ctx *c, size_t off)
{
	struct json_char ch;

	if (off >= c->s.end)
		return NO_CP;
	json_char_decode(c->body + off, c->body + c->s.end, &ch);
	return ch.cp;
}

static bool ascii_letter(uint32_t cp)
{
	return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
}

static int simple(struct scan_ctx *c, enum rule rule, enum scan_severity sev,
		  uint32_t cp, size_t off, size_t len)
{
	struct pending *p;

	/* Contiguous repeats of one rule are one finding with a count. */
	if (c->npend > c->s.first_pending) {
		p = &c->pend[c->npend - 1];
		if (p->rule == rule && p->f.byte_offset + p->f.byte_length == off) {
			p->f.byte_length += len;
			p->f.count++;
			return 0;
		}
	}
	return scan_add(c, rule, sev, cp, 1, off, len, &p);
}

/* A mixed-script word around the foreign letter at @off. */
static int homoglyph(struct scan_ctx *c, uint32_t cp, size_t off, size_t len)
{
	const uint8_t *b = c->body;
	size_t ws = off, we = off + len, n;
	char skel[256];
	UErrorCode err = U_ZERO_ERROR;
	struct pending *p;
	int32_t sl;
	bool ascii = true;
	int rc;

	if (!ascii_letter(prev_cp(c, off)) && !ascii_letter(next_cp(c, we)))
		return 0;
	while (ws > c->s.start && (ascii_letter(b[ws - 1]) || b[ws - 1] >= 0x80))
		ws--;
	while ((b[ws] & 0xC0) == 0x80)
		ws++;
	while (we < c->s.end && (ascii_letter(b[we]) || b[we] >= 0x80))
		we++;
	if (ws == c->s.homoglyph_word)
		return 0;
	c->s.homoglyph_word = ws;
	n = we - ws > 200 ? 200 : we - ws;
	sl = uspoof_getSkeletonUTF8(c->e->spoof, 0, (const char *)b + ws, (int32_t)n,
				    skel, sizeof(skel), &err);
	if (U_FAILURE(err) || sl <= 0 || sl >= (int32_t)sizeof(skel))
		sl = 0;
	for (int32_t i = 0; i < sl; i++)
		ascii &= (unsigned char)skel[i] < 0x80;
	rc = scan_add(c, R_HOMOGLYPH_MIXED_SCRIPT,
		      ascii && sl ? SCAN_SEV_HIGH : SCAN_SEV_MEDIUM, cp, 1, ws, we - ws, &p);
	if (rc || !p)
		return rc;
	if (ascii && sl)
		return scan_set_message(c, p, "the word \"%.*s\" mixes Latin with other "
					"scripts and reads as the Latin \"%.*s\"",
					(int)n, (const char *)b + ws, (int)sl, skel);
	return scan_set_message(c, p, "the word \"%.*s\" mixes Latin letters with "
				"letters of another script", (int)n, (const char *)b + ws);
}

/* Zero-width characters that a script or an emoji sequence needs. */
static bool zw_legitimate(const struct scan_ctx *c, uint32_t cp, uint32_t prev,
			  uint32_t next)
{
	switch (cp) {
	case 0x200D:
		if (scan_is_emoji_part(prev) && scan_is_pictographic(next))
			return true;
		/* fall through */
	case 0x200C:
		return scan_is_joining_script(prev) || scan_is_joining_script(next);
	case 0x180E:
		return (prev >= 0x1800 && prev <= 0x18AF) || (next >= 0x1800 && next <= 0x18AF);
	case 0x034F:
		return prev >= 0x0300 && prev <= 0x036F;
	case 0x17B4:
	case 0x17B5:
		return prev >= 0x1780 && prev <= 0x17FF;
	}
	(void)c;
	return false;
}

static int lookalike(struct scan_ctx *c, uint32_t cp, const struct lookalike *la,
		     size_t off, size_t len, uint32_t prev, size_t *next_off)
{
	uint32_t next = next_cp(c, off + len);
	enum drift d = la->drift;
	enum rule rule = la->rule;
	struct pending *p;
	int rc;

	if (scan_is_cjk(prev) || scan_is_cjk(next)) {
		if (d == DRIFT_SPACE || cp >= 0xFF00)
			return 0; /* full-width forms belong in East Asian text */
	}
	if (d == DRIFT_APOSTROPHE && !(scan_is_letter(prev) && scan_is_letter(next))) {
		if (cp == 0x2032 && prev >= '0' && prev <= '9')
			return 0; /* a prime after a number: feet, minutes */
		d = DRIFT_QUOTE;
		rule = R_LOOKALIKE_QUOTE;
	}
	if (d == DRIFT_SPACE)
		c->s.n_spacevar++;
	if ((d == DRIFT_DASH || d == DRIFT_SLASH) && prev >= '0' && prev <= '9') {
		rc = scan_date_at(c, off, next_off);
		if (rc || *next_off > off + len)
			return rc; /* a date reports its own separator */
	}
	scan_count_variant(c, cp, d);
	rc = scan_add(c, rule, SCAN_SEV_MEDIUM, cp, 1, off, len, &p);
	if (rc || !p)
		return rc;
	p->drift = d;
	p->plain = la->plain;
	p->typographic = la->typographic;
	if (d == DRIFT_NONE) {
		char label[160];

		scan_char_label(cp, label, sizeof(label));
		return scan_set_message(c, p, "%s, a full-width '%c', outside East Asian text",
					label, (char)la->plain);
	}
	return 0;
}

static int bidi(struct scan_ctx *c, enum cclass cc, uint32_t cp, size_t off, size_t len)
{
	struct strstate *s = &c->s;

	switch (cc) {
	case CC_BIDI_EMBED:
	case CC_BIDI_OVERRIDE:
		s->embed_depth++;
		break;
	case CC_BIDI_ISOLATE:
		s->isolate_depth++;
		break;
	case CC_BIDI_POP:
	case CC_BIDI_POP_ISOLATE: {
		int *depth = cc == CC_BIDI_POP ? &s->embed_depth : &s->isolate_depth;

		if (*depth > 0) {
			(*depth)--;
		} else if (!s->unbalanced) {
			s->unbalanced = true;
			s->unbalanced_at = off;
		}
		break;
	}
	default:
		break;
	}
	if (s->nbidi < MAX_BIDI)
		s->bidi[s->nbidi++] = (struct bidi_event){ cp, off, len };
	return 0;
}

static enum run_family family_of(enum cclass cc)
{
	switch (cc) {
	case CC_ZW:
		return RUN_ZW;
	case CC_TAG:
		return RUN_TAG;
	case CC_VS:
		return RUN_VS;
	default:
		return RUN_NONE;
	}
}

/* A decoded non-ASCII character (raw or escaped). */
static int char_at(struct scan_ctx *c, uint32_t cp, size_t off, size_t len,
		   size_t *next_off)
{
	struct strstate *s = &c->s;
	struct lookalike la;
	uint32_t prev = prev_cp(c, off);
	enum cclass cc = scan_classify(cp, &la);
	enum run_family fam = family_of(cc);
	int rc = 0;

	*next_off = off + len;
	if (s->run.family != RUN_NONE && (fam != s->run.family || off != s->run.end)) {
		rc = scan_run_flush(c);
		if (rc)
			return rc;
	}
	switch (cc) {
	case CC_PLAIN:
		if (scan_is_rtl(cp))
			s->has_rtl = true;
		break;
	case CC_FOREIGN_LETTER:
		rc = homoglyph(c, cp, off, len);
		break;
	case CC_ZW:
		if (!zw_legitimate(c, cp, prev, next_cp(c, off + len)))
			rc = scan_run_add(c, RUN_ZW, cp, off, len, prev);
		break;
	case CC_TAG:
	case CC_VS:
		rc = scan_run_add(c, fam, cp, off, len, prev);
		break;
	case CC_FILLER:
		if (!((prev >= 0x1100 && prev <= 0x11FF) ||
		      (next_cp(c, off + len) >= 0x1100 && next_cp(c, off + len) <= 0x11FF)))
			rc = simple(c, R_INVISIBLE_FILLER, SCAN_SEV_MEDIUM, cp, off, len);
		break;
	case CC_FORMAT:
		rc = simple(c, R_INVISIBLE_FORMAT, SCAN_SEV_MEDIUM, cp, off, len);
		break;
	case CC_BIDI_EMBED: case CC_BIDI_OVERRIDE: case CC_BIDI_POP:
	case CC_BIDI_ISOLATE: case CC_BIDI_POP_ISOLATE: case CC_BIDI_MARK:
		rc = bidi(c, cc, cp, off, len);
		break;
	case CC_LOOKALIKE:
	case CC_FULLWIDTH:
		rc = lookalike(c, cp, &la, off, len, prev, next_off);
		break;
	case CC_LINESEP:
		rc = simple(c, R_WS_LINE_SEPARATOR, SCAN_SEV_LOW, cp, off, len);
		break;
	case CC_CONTROL:
		rc = simple(c, R_CONTROL, cp >= 0x80 ? SCAN_SEV_MEDIUM : SCAN_SEV_LOW,
			    cp, off, len);
		break;
	case CC_PRIVATE:
		rc = simple(c, R_PRIVATE_USE, SCAN_SEV_LOW, cp, off, len);
		break;
	case CC_UNASSIGNED:
		rc = simple(c, R_UNASSIGNED, SCAN_SEV_LOW, cp, off, len);
		break;
	case CC_NONCHAR:
		rc = simple(c, R_UTF8_NONCHARACTER, SCAN_SEV_MEDIUM, cp, off, len);
		break;
	}
	if (!rc && scan_scheme_trigger(c->e, cp))
		rc = scan_scheme_try(c, off, cp);
	s->last_cp = cp;
	s->last_end = off + len;
	return rc;
}

/* An apostrophe: raw ones were counted by the block mask, an escaped one
 * (\u0027) is counted here. */
static int apostrophe(struct scan_ctx *c, size_t off, size_t len, bool escaped)
{
	if (escaped) {
		bool letters = scan_is_letter(prev_cp(c, off)) &&
			       scan_is_letter(next_cp(c, off + len));

		c->plain_count[letters ? DRIFT_APOSTROPHE : DRIFT_QUOTE]++;
	}
	if (scan_scheme_trigger(c->e, '\''))
		return scan_scheme_try(c, off, '\'');
	return 0;
}

/* An escaped or raw ASCII character that needs a look. */
static int ascii_at(struct scan_ctx *c, uint32_t cp, size_t off, size_t len,
		    bool escaped, size_t *next_off)
{
	const uint8_t *b = c->body;

	*next_off = off + len;
	switch (cp) {
	case '\n':
		return scan_line_end(c, off, escaped);
	case '\r':
		if ((off + len + 1 < c->s.end && b[off + len] == '\\' && b[off + len + 1] == 'n') ||
		    (off + len < c->s.end && b[off + len] == '\n'))
			c->s.saw_crlf = true;
		else if (!c->s.n_cr++)
			c->s.first_cr = off;
		return 0;
	case '\t':
		return 0;
	case '"':
		c->plain_count[DRIFT_QUOTE]++;
		return 0;
	case '\'':
		return apostrophe(c, off, len, escaped);
	case '/':
		return prev_cp(c, off) >= '0' && prev_cp(c, off) <= '9'
			       ? scan_date_at(c, off, next_off) : 0;
	case 0:
		return simple(c, R_JSON_NUL, SCAN_SEV_MEDIUM, 0, off, len);
	}
	if (cp < 0x20 || cp == 0x7F) {
		if (!escaped)
			return simple(c, R_JSON_RAW_CONTROL, SCAN_SEV_LOW, cp, off, len);
		return simple(c, R_CONTROL, SCAN_SEV_LOW, cp, off, len);
	}
	return 0;
}

static int bad_utf8(struct scan_ctx *c, const struct json_char *ch, size_t off)
{
	struct pending *p;
	int rc;

	if (c->npend > c->s.first_pending) {
		p = &c->pend[c->npend - 1];
		if (p->rule == R_UTF8_INVALID && p->f.byte_offset + p->f.byte_length == off) {
			p->f.byte_length += ch->len;
			p->f.count++;
			return 0;
		}
	}
	rc = scan_add(c, R_UTF8_INVALID, SCAN_SEV_MEDIUM, SCAN_NO_CODEPOINT, 1,
		      off, ch->len, &p);
	if (rc || !p)
		return rc;
	return scan_set_message(c, p, "invalid UTF-8: %s (byte 0x%02X)",
				utf8_status_name((enum utf8_status)ch->utf8), c->body[off]);
}

/* One CJK ideograph, kana, CJK punctuation mark or Hangul syllable: a plain
 * letter, decoded inline.  The block mask covers most CJK text itself; what
 * reaches here is CJK punctuation and characters across block edges.
 * Returns false when the character at @off is not one of them. */
static bool cjk_char(struct scan_ctx *c, size_t off, size_t *next_off)
{
	const uint8_t *b = c->body;
	uint8_t lead = b[off], b1, b2;

	if (c->s.end - off < 3 || (b[off + 1] & 0xC0) != 0x80 || (b[off + 2] & 0xC0) != 0x80)
		return false;
	b1 = b[off + 1];
	b2 = b[off + 2];
	/* Leads E4-E9 are U+4000-U+9FFF, all ideographs; E3 is kana and CJK
	 * punctuation but for U+3000 (a look-alike space) and U+3164 (a
	 * filler); EA B0 to ED 9D are Hangul syllables. */
	if (lead == 0xE3 ? (b1 == 0x80 && b2 == 0x80) || (b1 == 0x85 && b2 == 0xA4)
			 : !((lead >= 0xE4 && lead <= 0xE9) || (lead == 0xEA && b1 >= 0xB0) ||
			     lead == 0xEB || lead == 0xEC || (lead == 0xED && b1 <= 0x9D)))
		return false;
	c->s.last_cp = (uint32_t)(lead & 0x0F) << 12 | (uint32_t)(b1 & 0x3F) << 6 | (b2 & 0x3F);
	c->s.last_end = off + 3;
	*next_off = off + 3;
	return true;
}

/* Full-width punctuation (U+FF01-U+FF5E) next to CJK text is how East
 * Asian text is written: settled here without the general path, since it
 * comes every few characters. */
static bool fullwidth_in_cjk(struct scan_ctx *c, size_t off, size_t *next_off)
{
	const uint8_t *b = c->body;
	uint32_t cp;

	if (c->s.end - off < 3 || (b[off + 1] != 0xBC && b[off + 1] != 0xBD) ||
	    (b[off + 2] & 0xC0) != 0x80)
		return false;
	cp = 0xF000 | (uint32_t)(b[off + 1] & 0x3F) << 6 | (b[off + 2] & 0x3F);
	if (cp < 0xFF01 || cp > 0xFF5E || cp == 0xFF07 || cp == 0xFF02 ||
	    !(scan_is_cjk(prev_cp(c, off)) || scan_is_cjk(next_cp(c, off + 3))))
		return false;
	c->s.last_cp = cp;
	c->s.last_end = off + 3;
	*next_off = off + 3;
	return true;
}

/* Looking at a string's closing quote: the end of a string being consumed. */
#define STRING_END 1

static int bad_escape(struct scan_ctx *c, size_t off)
{
	c->bad_at = off;
	return SCAN_EJSON;
}

/* Look at the byte at @off flagged by the block mask. */
static int look_at(struct scan_ctx *c, size_t off, size_t *next_off)
{
	const uint8_t *b = c->body;
	struct json_char ch;
	int rc;

	if (b[off] == '"') {
		*next_off = off;
		return STRING_END;
	}
	if (b[off] == '-' || b[off] == '/' || b[off] == '.')
		return scan_date_at(c, off, next_off);
	if (b[off] == '\'') {
		*next_off = off + 1;
		return apostrophe(c, off, 1, false);
	}
	if (b[off] >= 0xE3 && b[off] <= 0xED && cjk_char(c, off, next_off))
		return 0;
	if (b[off] == 0xEF && fullwidth_in_cjk(c, off, next_off))
		return 0;
	if (b[off] == '\\' && off + 1 >= c->s.end)
		return bad_escape(c, off);
	if (b[off] == '\\' && b[off + 1] != 'u') {
		/* A two-byte escape (the walker checked it): code is full of them. */
		static const uint8_t plain[128] = {
			['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
			['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
		};
		uint32_t cp = b[off + 1] < 0x80 ? plain[b[off + 1]] : 0;

		if (!cp)
			return bad_escape(c, off);
		rc = ascii_at(c, cp, off, 2, true, next_off);
		c->s.last_cp = cp;
		c->s.last_end = off + 2;
		return rc;
	}
	json_char_decode(b + off, b + c->s.end, &ch);
	*next_off = off + ch.len;
	switch (ch.kind) {
	case JSON_CHAR_BAD_UTF8:
		return bad_utf8(c, &ch, off);
	case JSON_CHAR_LONE_SURROGATE:
		rc = simple(c, R_JSON_LONE_SURROGATE, SCAN_SEV_MEDIUM, ch.cp, off, ch.len);
		break;
	case JSON_CHAR_BAD_ESCAPE:
		return bad_escape(c, off);
	default:
		if (ch.cp >= 0x80)
			return char_at(c, ch.cp, off, ch.len, next_off);
		if (ch.kind == JSON_CHAR_ESCAPE && ch.len == 6 && ch.cp > ' ' && ch.cp < 0x7F)
			c->s.u_ascii = true;
		rc = ascii_at(c, ch.cp, off, ch.len, ch.kind == JSON_CHAR_ESCAPE, next_off);
		break;
	}
	c->s.last_cp = ch.cp;
	c->s.last_end = off + ch.len;
	return rc;
}

static void string_reset(struct scan_ctx *c, size_t start, size_t end)
{
	struct strstate *s = &c->s;

	/* Only the scalars: the arrays are written before they are read. */
	s->start = start;
	s->end = end;
	s->last_cp = NO_CP;
	s->last_end = SIZE_MAX;
	s->skip_to = start;
	s->homoglyph_word = SIZE_MAX;
	s->has_rtl = false;
	s->u_ascii = false;
	s->run.family = RUN_NONE;
	s->nbidi = 0;
	s->embed_depth = s->isolate_depth = 0;
	s->unbalanced = false;
	s->nlines = s->ntrailing = 0;
	s->n_crlf = s->n_lf = s->n_cr = 0;
	s->saw_crlf = false;
	s->n_spacevar = 0;
	s->first_pending = c->npend;
}

/* The loop: up to @end, or, when consuming, up to the closing quote. */
static int scan_content(struct scan_ctx *c, size_t start, size_t end)
{
	const uint8_t *b = c->body;
	uint32_t al = 0, ao = 0, qu = 0;
	uint8_t pad[64], prev;
	const uint8_t *block;
	size_t i = start, base, at, next_block = start;
	uint64_t m, trig[2] = { 0, 0 };
	struct trig_carry tc;
	int rc = 0;

	string_reset(c, start, end);
	memset(&tc, 0, sizeof(tc));
	while (i < end && rc != STRING_END) {
		base = i;
		prev = i > start ? b[i - 1] : 0;
		block = b + i;
		if (end - i < 64) {
			/* The tail: zero padding is masked off below. */
			memset(pad, 0, sizeof(pad));
			memcpy(pad, b + i, end - i);
			block = pad;
		}
		if (base != next_block)
			memset(&tc, 0, sizeof(tc)); /* a character was skipped: no run goes on */
		m = block_mask(c, block, prev, ~0ULL, &al, &ao, &qu, &tc, trig);
		next_block = base + 64;
		if (end - i < 64) {
			m &= (1ULL << (end - i)) - 1;
			trig[0] &= (1ULL << (end - i)) - 1;
			trig[1] &= (1ULL << (end - i)) - 1;
		}
		while (m) {
			at = base + (size_t)__builtin_ctzll(m);
			m &= m - 1;
			if (at < i)
				continue; /* inside a character already decoded */
			rc = look_at(c, at, &i);
			if (rc < 0)
				return rc;
			if (rc == STRING_END) {
				/* What the block holds past the quote is not this
				 * string's: take back its counts. */
				uint32_t xal = 0, xao = 0, xqu = 0;

				block_mask(c, block, prev, ~0ULL << (at - base), &xal, &xao, &xqu,
					   NULL, NULL);
				al -= xal;
				ao -= xao;
				qu -= xqu;
				c->s.end = at;
				/* nor are its secret triggers */
				trig[0] &= (1ULL << (at - base)) - 1;
				trig[1] &= (1ULL << (at - base)) - 1;
				break;
			}
			/* Forget the bits of what that character spanned. */
			m = i - base >= 64 ? 0 : m & (~0ULL << (i - base));
		}
		if ((trig[0] | trig[1]) && c->sec_on)
			scan_secret_note(c, base, trig[0], trig[1]);
		if (rc != STRING_END && i < base + 64)
			i = base + 64 < end ? base + 64 : end;
	}
	if (rc != STRING_END && c->s.end == c->len && c->consuming) {
		c->bad_at = c->len;
		return SCAN_EJSON;
	}
	c->plain_count[DRIFT_APOSTROPHE] += al;
	c->plain_count[DRIFT_QUOTE] += ao + qu;
	return scan_string_finish(c);
}

int scan_string(struct scan_ctx *c, size_t start, size_t end)
{
	c->consuming = false;
	return scan_content(c, start, end);
}

int scan_string_consume(struct scan_ctx *c, size_t start, size_t *end)
{
	int rc;

	c->consuming = true;
	rc = scan_content(c, start, c->len);
	*end = rc == SCAN_EJSON ? c->bad_at : c->s.end;
	return rc;
}
