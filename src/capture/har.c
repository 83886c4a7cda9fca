/* SPDX-License-Identifier: MIT */
/*
 * har.c - HAR 1.2 files, and the choice between HAR and one RAW body.
 *
 * A HAR file is walked once; each entry's request.postData.text is handed
 * to the sink as soon as the entry's object closes, so a truncated or
 * damaged HAR still yields every entry before the damage, and the error
 * says where the rest was lost.  The text is a JSON string: the body that
 * went over the wire is its decoded content, base64-decoded when postData
 * says "encoding": "base64" (or "_encoding", which some exporters write).
 * A body that does not fit max_body is refused, not cut: a truncated body
 * would be scanned as invalid JSON and could hide the end of a channel.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "capture/reader.h"
#include "util/banned.h"

/* What one entry's walk collected. */
struct har_entry {
	struct capture_span text;
	struct capture_span method;
	struct capture_span url;
	int base64;
};

struct har {
	struct capture_reader *r;
	const uint8_t *doc;
	int is_har;
	int stop;          /* a sink callback's non-zero return */
	struct har_entry cur;
};

#define B64_EINVALID (-100)
#define B64_STAGE 4096 /* characters decoded per call; a multiple of 4 */

static int is_b64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Decode @k characters (a multiple of 4, no padding) and append them. */
static int b64_flush(const uint8_t *stage, size_t k, struct buf *out)
{
	unsigned char bin[B64_STAGE / 4 * 3];
	int n;

	if (!k)
		return 0;
	n = EVP_DecodeBlock(bin, stage, (int)k);
	if (n < 0 || (size_t)n != k / 4 * 3)
		return B64_EINVALID;
	return buf_add(out, bin, (size_t)n);
}

/* The last 2 or 3 characters: decode them as a padded quad and keep the
 * bytes they stand for, so the length is exact whether or not the text
 * carried its '=' padding. */
static int b64_tail(const uint8_t *rest, size_t r, struct buf *out)
{
	unsigned char quad[4] = { '=', '=', '=', '=' }, bin[3];

	if (!r)
		return 0;
	memcpy(quad, rest, r);
	if (EVP_DecodeBlock(bin, quad, 4) != 3)
		return B64_EINVALID;
	return buf_add(out, bin, r - 1);
}

/*
 * Standard base64 (RFC 4648 section 4) of @n bytes into @out.  Whitespace
 * is skipped, '=' padding is optional but must be right if present.
 * Returns 0, a BUF_E* code, or B64_EINVALID with *@bad the offending
 * character's position.
 */
static int base64_decode(const uint8_t *s, size_t n, struct buf *out,
			 size_t *bad)
{
	uint8_t stage[B64_STAGE];
	size_t i, k = 0, pad = 0;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=' && k % 4 >= 2 && k % 4 + pad < 4) {
			pad++;
			continue;
		}
		if (pad || !is_b64(s[i])) {
			*bad = i;
			return B64_EINVALID;
		}
		stage[k++] = s[i];
		if (k == B64_STAGE) {
			rc = b64_flush(stage, k, out);
			k = 0;
		}
	}
	if (!rc && (k % 4 == 1 || (pad && k % 4 + pad != 4))) {
		*bad = n;
		return B64_EINVALID;
	}
	rc = rc ? rc : b64_flush(stage, k - k % 4, out);
	rc = rc ? rc : b64_tail(stage + k - k % 4, k % 4, out);
	if (rc == B64_EINVALID)
		*bad = n;
	return rc;
}

/* Decode the entry's text (and base64) into a body; NULL after reporting. */
static const struct buf *entry_body(struct har *h, const struct har_entry *e,
				    long entry, int *rc)
{
	struct capture_reader *r = h->r;
	size_t bad = 0, at = e->text.start;
	int err;

	if (e->text.kind != JSON_STRING) {
		*rc = capture_error(r, entry, at, "skipping entry: postData.text is not a string");
		return NULL;
	}
	buf_reset(&r->text);
	err = json_unescape(h->doc + at + 1, e->text.end - at - 2, &r->text);
	if (!err && !e->base64)
		return &r->text;
	if (!err) {
		buf_reset(&r->body);
		err = base64_decode((const uint8_t *)r->text.data, r->text.len,
				    &r->body, &bad);
	}
	if (!err)
		return &r->body;
	if (err == BUF_ETOOBIG)
		*rc = capture_too_big(r, entry, at);
	else if (err == B64_EINVALID)
		*rc = capture_error(r, entry, at, "cannot decode postData.text: "
				    "not base64 at character %zu", bad);
	else
		*rc = capture_error(r, entry, at, "cannot decode postData.text: "
				    "out of memory");
	return NULL;
}

/* An element of log.entries ended: hand its body on. */
static int entry_done(struct har *h, size_t index, enum json_kind kind)
{
	struct har_entry e = h->cur;
	struct capture_reader *r = h->r;
	long entry = index > LONG_MAX ? LONG_MAX : (long)index;
	const struct buf *body;
	const char *method, *url;
	int rc = 0;

	memset(&h->cur, 0, sizeof(h->cur));
	if (kind != JSON_OBJECT || !e.text.seen)
		return 0; /* no postData.text: a request without a body */
	body = entry_body(h, &e, entry, &rc);
	if (body) {
		method = capture_span_string(h->doc, &e.method, &r->method);
		url = capture_span_string(h->doc, &e.url, &r->url);
		rc = capture_emit(r, CAPTURE_HAR, entry, (const uint8_t *)body->data,
				  body->len, method, url);
	}
	h->stop = rc;
	return rc;
}

/* Whether the string value [start, end) says "base64". */
static int says_base64(const struct har *h, const struct capture_span *s)
{
	struct buf b;
	int yes;

	buf_init(&b, 16);
	yes = capture_span_string(h->doc, s, &b) && !strcasecmp(b.data, "base64");
	buf_release(&b);
	return yes;
}

/* A member of log.entries[i].request. */
static void request_value(struct har *h, const struct json_walker *w,
			  const struct capture_span *v)
{
	const struct json_seg *s = w->segs;

	if (w->depth == 5 && capture_key_is(&s[4], "method"))
		h->cur.method = *v;
	else if (w->depth == 5 && capture_key_is(&s[4], "url"))
		h->cur.url = *v;
	else if (w->depth != 6 || !capture_key_is(&s[4], "postData"))
		return;
	else if (capture_key_is(&s[5], "text"))
		h->cur.text = *v;
	else if (capture_key_is(&s[5], "encoding") ||
		 capture_key_is(&s[5], "_encoding"))
		h->cur.base64 |= says_base64(h, v);
}

/* Paths are log.entries[i].request...; log.entries itself must be an
 * array of a root object, or this is no HAR. */
static int har_value(void *ctx, const struct json_walker *w,
		     enum json_kind kind, size_t start, size_t end)
{
	struct har *h = ctx;
	const struct json_seg *s = w->segs;
	struct capture_span v = { 1, kind, start, end };

	if (w->depth < 2 || !capture_key_is(&s[0], "log") ||
	    !capture_key_is(&s[1], "entries"))
		return 0;
	if (w->depth == 2) {
		h->is_har |= kind == JSON_ARRAY;
		return 0;
	}
	if (s[2].key)
		return 0;
	h->is_har = 1;
	if (w->depth == 3)
		return entry_done(h, s[2].index, kind);
	if (capture_key_is(&s[3], "request"))
		request_value(h, w, &v);
	return 0;
}

int capture_har(struct capture_reader *r, const uint8_t *p, size_t n,
		int *is_har)
{
	struct har h = { .r = r, .doc = p };
	struct json_visitor v = { .ctx = &h, .value = har_value };
	struct json_error err = { 0 };
	int rc;

	rc = json_walk(p, n, CAPTURE_MAX_DEPTH, &v, &err);
	*is_har = h.is_har;
	if (h.stop)
		return h.stop;
	if (!rc || !h.is_har)
		return 0;
	return capture_json_error(r, -1, 0, rc, &err, "the rest of the HAR");
}

int capture_single(struct capture_reader *r, const uint8_t *p, size_t n)
{
	int is_har = 0, rc;

	/* Most bodies do not contain the word at all and need no walk here
	 * (the scanner walks them anyway).  A HAR that spells the key with
	 * escapes is read as one RAW body: still scanned, whole. */
	if (memmem(p, n, "entries", 7)) {
		rc = capture_har(r, p, n, &is_har);
		if (rc || is_har)
			return rc;
	}
	return capture_emit(r, CAPTURE_RAW, -1, p, n, NULL, NULL);
}
