/* SPDX-License-Identifier: MIT */
/*
 * body.c - bodies as stored: zstd frames, a request body compressed with
 * the previous request body of its conversation as a raw-content
 * dictionary.
 *
 * Agents resend the whole conversation every turn, so turn N is turn N-1
 * plus a little; as a dictionary, the previous body makes the new frame
 * about the size of what was added.  The chain of bases is bounded
 * (AUDIT_DELTA_SPAN) and every base has a smaller id, so reading a body
 * from a tampered file still ends, after a bounded number of frames.
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

static int read_frame(struct audit_store *s, int64_t id, int hops,
		      uint8_t **raw, size_t *len)
{
	sqlite3_stmt *st = NULL;
	uint8_t *base = NULL, *data = NULL;
	size_t baselen = 0, n;
	int64_t base_id = 0;
	uint64_t raw_len;
	int rc = AUDIT_ENOENT, has_base;

	*raw = NULL;
	*len = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT base_id, raw_len, data FROM bodies"
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
	rc = AUDIT_ENOMEM;
	if (!(data = malloc(n ? n : 1)))
		goto out;
	memcpy(data, sqlite3_column_blob(st, 2), n);
	sqlite3_finalize(st);
	st = NULL;
	rc = AUDIT_ECORRUPT;
	if (has_base && (base_id >= id || hops <= 0))
		goto out;
	if (has_base && (rc = read_frame(s, base_id, hops - 1, &base, &baselen)))
		goto out;
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
