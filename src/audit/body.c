/* SPDX-License-Identifier: MIT */
/*
 * body.c - bodies as stored: zstd frames, and a request body stored
 * against the previous request body of its conversation.
 *
 * Agents resend the whole conversation every turn, so turn N is turn N-1
 * with a little added, usually in the middle: the new messages go after
 * the old ones, and whatever follows "messages" in the JSON (system, tools)
 * comes after them unchanged.  Such a body is stored as a splice: how many
 * bytes it shares with the start and with the end of its base, and a zstd
 * frame of what lies between.  Finding the shared ends is a memcmp; before,
 * the whole previous body was a zstd dictionary (a referenced prefix),
 * which made zstd index 200 KB for every 200 KB request, a third of the
 * proxy's CPU time.  A body that shares less than half with its base still
 * gets that: codec "zstd" with the base as a raw-content dictionary.  The
 * chain of bases is bounded (AUDIT_DELTA_SPAN) and every base has a smaller
 * id, so reading a body from a tampered file still ends, after a bounded
 * number of frames.
 */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "audit/internal.h"
#include "util/banned.h"

int audit_body_compress(struct audit_store *s, const uint8_t *raw, size_t len,
			const uint8_t *dict, size_t dictlen, uint8_t **out,
			size_t *outlen)
{
	size_t cap = ZSTD_compressBound(len), n;
	uint8_t *dst;

	*out = NULL;
	if (!s->cctx && !(s->cctx = ZSTD_createCCtx()))
		return AUDIT_ENOMEM;
	dst = malloc(cap ? cap : 1);
	if (!dst)
		return AUDIT_ENOMEM;
	if (dict) {
		/* The previous body as a referenced prefix: the same frames as
		 * ZSTD_compress_usingDict with raw content (the reader still
		 * decompresses with usingDict), without loading the 200 KB
		 * dictionary into a fresh table each time (30% faster here). */
		n = ZSTD_CCtx_reset(s->cctx, ZSTD_reset_session_and_parameters);
		if (!ZSTD_isError(n))
			n = ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_compressionLevel,
						   s->opt.compress_level);
		if (!ZSTD_isError(n))
			n = ZSTD_CCtx_refPrefix(s->cctx, dict, dictlen);
		if (!ZSTD_isError(n))
			n = ZSTD_compress2(s->cctx, dst, cap, raw, len);
	} else {
		n = ZSTD_compressCCtx(s->cctx, dst, cap, raw, len, s->opt.compress_level);
	}
	if (ZSTD_isError(n)) {
		free(dst);
		return AUDIT_EIO;
	}
	*out = dst;
	*outlen = n;
	return 0;
}

/* A splice's data: the shared prefix and suffix lengths, 8 bytes each,
 * little-endian, then a zstd frame of the middle. */
#define SPLICE_HEAD 16

static size_t common_prefix(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i + 4096 <= n && !memcmp(a + i, b + i, 4096))
		i += 4096;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Bytes shared by the ends of @a and @b, at most @n. */
static size_t common_suffix(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
			    size_t n)
{
	size_t i = 0;

	while (i + 4096 <= n && !memcmp(a + alen - i - 4096, b + blen - i - 4096, 4096))
		i += 4096;
	while (i < n && a[alen - i - 1] == b[blen - i - 1])
		i++;
	return i;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int audit_body_encode(struct audit_store *s, const uint8_t *raw, size_t len,
		      const uint8_t *base, size_t baselen, uint8_t **out,
		      size_t *outlen, const char **codec)
{
	size_t pre, suf, n;
	uint8_t *mid, *dst;
	int rc;

	*codec = "zstd";
	if (!base)
		return audit_body_compress(s, raw, len, NULL, 0, out, outlen);
	pre = common_prefix(raw, base, len < baselen ? len : baselen);
	suf = common_suffix(raw, len, base, baselen,
			    (len < baselen ? len : baselen) - pre);
	if ((pre + suf) * 2 < len)
		return audit_body_compress(s, raw, len, base, baselen, out, outlen);
	rc = audit_body_compress(s, raw + pre, len - pre - suf, NULL, 0, &mid, &n);
	if (rc)
		return rc;
	dst = malloc(SPLICE_HEAD + n);
	if (!dst) {
		free(mid);
		return AUDIT_ENOMEM;
	}
	put_le64(dst, pre);
	put_le64(dst + 8, suf);
	memcpy(dst + SPLICE_HEAD, mid, n);
	free(mid);
	*out = dst;
	*outlen = SPLICE_HEAD + n;
	*codec = "splice";
	return 0;
}

/* Decompress one stored frame of @raw_len bytes, against @dict if any. */
static int inflate(struct audit_store *s, const void *data, size_t n,
		   uint64_t raw_len, const uint8_t *dict, size_t dictlen,
		   uint8_t **raw)
{
	unsigned long long want = ZSTD_getFrameContentSize(data, n);
	uint8_t *dst;
	size_t got;

	*raw = NULL;
	/* The recorded length is checked against the frame before we allocate:
	 * a tampered raw_len must not make us allocate what it says. */
	if (raw_len > AUDIT_MAX_BODY || want != raw_len)
		return AUDIT_ECORRUPT;
	if (!s->dctx && !(s->dctx = ZSTD_createDCtx()))
		return AUDIT_ENOMEM;
	dst = malloc(raw_len ? raw_len : 1);
	if (!dst)
		return AUDIT_ENOMEM;
	if (dict)
		got = ZSTD_decompress_usingDict(s->dctx, dst, raw_len, data, n, dict, dictlen);
	else
		got = ZSTD_decompressDCtx(s->dctx, dst, raw_len, data, n);
	if (ZSTD_isError(got) || got != raw_len) {
		free(dst);
		return AUDIT_ECORRUPT;
	}
	*raw = dst;
	return 0;
}

/* Rebuild a splice of @raw_len bytes from its @base. */
static int unsplice(struct audit_store *s, const uint8_t *data, size_t n, uint64_t raw_len,
		    const uint8_t *base, size_t baselen, uint8_t **raw)
{
	uint64_t pre, suf;
	uint8_t *mid = NULL, *dst;
	int rc;

	*raw = NULL;
	if (n < SPLICE_HEAD || raw_len > AUDIT_MAX_BODY)
		return AUDIT_ECORRUPT;
	pre = get_le64(data);
	suf = get_le64(data + 8);
	/* Every length is checked against the others before it is used. */
	if (pre > baselen || suf > baselen - pre || pre + suf > raw_len)
		return AUDIT_ECORRUPT;
	rc = inflate(s, data + SPLICE_HEAD, n - SPLICE_HEAD, raw_len - pre - suf, NULL, 0, &mid);
	if (rc)
		return rc;
	dst = malloc(raw_len ? raw_len : 1);
	if (!dst) {
		free(mid);
		return AUDIT_ENOMEM;
	}
	memcpy(dst, base, pre);
	memcpy(dst + pre, mid, raw_len - pre - suf);
	memcpy(dst + raw_len - suf, base + baselen - suf, suf);
	free(mid);
	*raw = dst;
	return 0;
}

static int read_frame(struct audit_store *s, int64_t id, int hops,
		      uint8_t **raw, size_t *len)
{
	sqlite3_stmt *st = NULL;
	uint8_t *base = NULL, *data = NULL;
	size_t baselen = 0, n;
	int64_t base_id = 0;
	uint64_t raw_len;
	int rc = AUDIT_ENOENT, has_base, splice;

	*raw = NULL;
	*len = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT base_id, raw_len, data, codec FROM bodies"
			       " WHERE id=?", -1, &st, NULL) != SQLITE_OK) {
		rc = AUDIT_EIO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	has_base = sqlite3_column_type(st, 0) != SQLITE_NULL;
	base_id = sqlite3_column_int64(st, 0);
	raw_len = (uint64_t)sqlite3_column_int64(st, 1);
	n = (size_t)sqlite3_column_bytes(st, 2);
	splice = sqlite3_column_type(st, 3) == SQLITE_TEXT &&
		 !strcmp((const char *)sqlite3_column_text(st, 3), "splice");
	rc = AUDIT_ENOMEM;
	if (!(data = malloc(n ? n : 1)))
		goto out;
	memcpy(data, sqlite3_column_blob(st, 2), n);
	sqlite3_finalize(st);
	st = NULL;
	rc = AUDIT_ECORRUPT;
	if ((has_base && (base_id >= id || hops <= 0)) || (splice && !has_base))
		goto out;
	if (has_base && (rc = read_frame(s, base_id, hops - 1, &base, &baselen)))
		goto out;
	if (splice)
		rc = unsplice(s, data, n, raw_len, base ? base : (uint8_t *)"", baselen, raw);
	else
		rc = inflate(s, data, n, raw_len, has_base ? (base ? base : (uint8_t *)"") : NULL,
			     baselen, raw);
	*len = rc ? 0 : (size_t)raw_len;
out:
	sqlite3_finalize(st);
	free(data);
	free(base);
	return rc;
}

int audit_body_read(struct audit_store *s, int64_t id, uint8_t **raw, size_t *len)
{
	return read_frame(s, id, AUDIT_DELTA_SPAN, raw, len);
}
