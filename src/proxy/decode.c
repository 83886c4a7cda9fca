/* SPDX-License-Identifier: MIT */
/*
 * decode.c - compressed request bodies (Content-Encoding) decoded before
 * scanning: gzip and deflate with zlib, zstd with libzstd, br with
 * libbrotlidec.
 *
 * A compressed body is an easy way around an inspecting proxy, so we
 * decode rather than wave it through; and a compressed body is also an easy
 * way to make a proxy allocate gigabytes (a "zip bomb": 32 KiB of zeros
 * compress to a few dozen bytes), so every decoder writes in bounded steps
 * into a buffer with a hard maximum and stops the moment it is passed.
 */
#include <brotli/decode.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#include "proxy/action.h"
#include "util/banned.h"

#define STEP ((size_t)64 << 10)
#define MAX_CODINGS 4

static int added(struct buf *out, const uint8_t *p, size_t n)
{
	int rc = buf_add(out, p, n);

	return rc == BUF_ETOOBIG ? DECODE_ETOOBIG : rc ? DECODE_ENOMEM : 0;
}

/* gzip, or zlib; with @raw_fallback a stream that is not zlib is tried as
 * raw deflate, which some clients send as "deflate". */
static int inflate_body(const uint8_t *in, size_t len, int window, int raw_fallback,
			struct buf *out)
{
	uint8_t chunk[STEP];
	z_stream z;
	int zr = Z_OK, rc = 0;

	if (len > UINT_MAX)
		return DECODE_ETOOBIG;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, window) != Z_OK)
		return DECODE_ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	while (!rc && zr != Z_STREAM_END) {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_DATA_ERROR && raw_fallback && !z.total_out) {
			inflateEnd(&z);
			return inflate_body(in, len, -MAX_WBITS, 0, out);
		}
		if (zr != Z_OK && zr != Z_STREAM_END)
			rc = zr == Z_MEM_ERROR ? DECODE_ENOMEM : DECODE_ECORRUPT;
		else if (zr == Z_OK && z.avail_out == sizeof(chunk) && !z.avail_in)
			rc = DECODE_ECORRUPT; /* the stream ends early */
		if (!rc)
			rc = added(out, chunk, sizeof(chunk) - z.avail_out);
	}
	/* Bytes after the end are not ours to forward unseen. */
	if (!rc && z.avail_in)
		rc = DECODE_ECORRUPT;
	inflateEnd(&z);
	return rc;
}

static int zstd_body(const uint8_t *in, size_t len, struct buf *out)
{
	uint8_t chunk[STEP];
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t zr = 1;
	int rc = 0;

	if (!d)
		return DECODE_ENOMEM;
	/* Refuse frames whose window would need more than 128 MiB. */
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
	while (!rc && (ib.pos < ib.size || zr)) {
		ZSTD_outBuffer ob = { chunk, sizeof(chunk), 0 };

		zr = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(zr))
			rc = DECODE_ECORRUPT;
		else if (!ob.pos && ib.pos == ib.size && zr)
			rc = DECODE_ECORRUPT; /* the frame ends early */
		else
			rc = added(out, chunk, ob.pos);
	}
	ZSTD_freeDCtx(d);
	return rc;
}

static int brotli_body(const uint8_t *in, size_t len, struct buf *out)
{
	uint8_t chunk[STEP];
	BrotliDecoderState *d = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	BrotliDecoderResult br = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
	const uint8_t *next_in = in;
	size_t avail_in = len;
	int rc = 0;

	if (!d)
		return DECODE_ENOMEM;
	while (!rc && br == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
		uint8_t *next_out = chunk;
		size_t avail_out = sizeof(chunk);

		br = BrotliDecoderDecompressStream(d, &avail_in, &next_in, &avail_out,
						   &next_out, NULL);
		if (br == BROTLI_DECODER_RESULT_ERROR ||
		    br == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
			rc = DECODE_ECORRUPT;
		else
			rc = added(out, chunk, sizeof(chunk) - avail_out);
	}
	if (!rc && avail_in)
		rc = DECODE_ECORRUPT;
	BrotliDecoderDestroyInstance(d);
	return rc;
}

static int decode_one(const char *coding, const uint8_t *in, size_t len, struct buf *out)
{
	if (!strcasecmp(coding, "gzip") || !strcasecmp(coding, "x-gzip"))
		return inflate_body(in, len, 16 + MAX_WBITS, 0, out);
	if (!strcasecmp(coding, "deflate"))
		return inflate_body(in, len, MAX_WBITS, 1, out);
	if (!strcasecmp(coding, "zstd"))
		return zstd_body(in, len, out);
	if (!strcasecmp(coding, "br"))
		return brotli_body(in, len, out);
	return DECODE_EUNKNOWN;
}

/* Split "gzip, br" into its codings, identity left out. */
static int codings(const char *enc, char names[MAX_CODINGS][16], size_t *n)
{
	const char *p = enc;
	size_t k;

	*n = 0;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (k = 0; p[k] && p[k] != ',' && p[k] != ' ' && p[k] != '\t'; k++)
			;
		if (!k)
			break;
		if (k >= 16 || *n == MAX_CODINGS)
			return DECODE_EUNKNOWN;
		memcpy(names[*n], p, k);
		names[*n][k] = '\0';
		if (strcasecmp(names[*n], "identity"))
			(*n)++;
		p += k;
	}
	return 0;
}

static const char *what(int rc)
{
	switch (rc) {
	case DECODE_EUNKNOWN: return "an encoding overt does not decode";
	case DECODE_ETOOBIG: return "it decompresses to more than the body limit";
	case DECODE_ECORRUPT: return "the data is not valid for that encoding";
	default: return "out of memory";
	}
}

int proxy_decode_body(const char *encoding, const uint8_t *in, size_t len,
		      struct buf *out, char *err, size_t errlen)
{
	char names[MAX_CODINGS][16];
	struct buf tmp;
	size_t n, i;
	int rc = codings(encoding, names, &n);

	buf_init(&tmp, out->max);
	buf_reset(out);
	if (!rc && !n)
		rc = added(out, in, len);
	for (i = n; !rc && i-- > 0;) {
		/* The last coding applied is the first undone. */
		struct buf *dst = (n - 1 - i) % 2 ? &tmp : out;
		const struct buf *src = (n - 1 - i) % 2 ? out : &tmp;

		buf_reset(dst);
		rc = decode_one(names[i], i == n - 1 ? in : (const uint8_t *)src->data,
				i == n - 1 ? len : src->len, dst);
	}
	if (!rc && n % 2 == 0 && n) {
		buf_reset(out);
		rc = added(out, (const uint8_t *)tmp.data, tmp.len);
	}
	buf_release(&tmp);
	if (rc)
		snprintf(err, errlen, "overt cannot inspect this request body with "
			 "content-encoding '%s': %s", encoding, what(rc));
	return rc;
}
