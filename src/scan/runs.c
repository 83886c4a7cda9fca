/* SPDX-License-Identifier: MIT */
/*
 * runs.c - runs of invisible characters, and the payloads they carry.
 *
 * Hiding data in text means many invisible characters in a row: tag
 * characters spelling ASCII, variation selectors standing for bytes, or
 * zero-width characters standing for bits.  A run is reported once, with
 * its payload decoded, instead of once per character.
 */
#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>

#include "scan/scan.h"
#include "util/utf8.h"
#include "util/banned.h"

int scan_run_add(struct scan_ctx *c, enum run_family fam, uint32_t cp,
		 size_t off, size_t len, uint32_t prev)
{
	struct run *r = &c->s.run;
	unsigned i;
	uint8_t sym;

	if (r->family == RUN_NONE) {
		r->family = fam;
		r->start = off;
		r->count = 0;
		r->first_cp = cp;
		r->prev_cp = prev;
		r->ndistinct = 0;
	}
	if (fam == RUN_TAG) {
		sym = (uint8_t)(cp - 0xE0000);
	} else if (fam == RUN_VS) {
		sym = (uint8_t)(cp <= 0xFE0F ? cp - 0xFE00 : cp - 0xE0100 + 16);
	} else {
		for (i = 0; i < r->ndistinct && r->distinct[i] != cp; i++)
			;
		if (i == r->ndistinct && i < RUN_MAX_DISTINCT)
			r->distinct[r->ndistinct++] = cp;
		sym = (uint8_t)(i < RUN_MAX_DISTINCT ? i : RUN_MAX_DISTINCT - 1);
	}
	if (r->count < RUN_MAX_SYMBOLS)
		r->sym[r->count] = sym;
	r->count++;
	r->end = off + len;
	return 0;
}

/* Append "text" (when the bytes read as text) and "hex" to a decoded object. */
static int add_text_hex(struct buf *j, const uint8_t *bytes, size_t n)
{
	size_t i, len;
	uint32_t cp;
	bool text = n > 0;
	int rc = 0;

	for (i = 0; text && i < n; i += len) {
		if (utf8_decode(bytes + i, n - i, &cp, &len) != UTF8_OK ||
		    (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F)
			text = false;
	}
	if (text) {
		rc = buf_adds(j, ",\"text\":");
		rc = rc ? rc : json_write_string(j, (const char *)bytes, n);
	}
	rc = rc ? rc : buf_adds(j, ",\"hex\":\"");
	for (i = 0; !rc && i < n; i++)
		rc = buf_printf(j, "%02x", bytes[i]);
	return rc ? rc : buf_addc(j, '"');
}

/*
 * The same for a payload that may hold a secret: a key smuggled in tag
 * characters must reach no report and no audit log in clear, as hex no more
 * than as text.  Each secret is reported on its own and @shown (the
 * caller's) gets the payload with it masked, which is what "text" and "hex"
 * show.
 */
static int add_payload(struct scan_ctx *c, const struct run *r, struct buf *j,
		       const uint8_t *bytes, size_t n, struct buf *shown)
{
	int rc = scan_secrets_payload(c, bytes, n, r->start, r->end, shown);

	return rc ? rc : add_text_hex(j, (const uint8_t *)shown->data, shown->len);
}

static bool rgi_tag_sequence(const struct run *r)
{
	UChar u[2 + 2 * RUN_MAX_SYMBOLS];
	int32_t n = 0;
	uint32_t i, cp;

	if (r->prev_cp != 0x1F3F4 || r->count > RUN_MAX_SYMBOLS || r->count < 2)
		return false;
	u[n++] = 0xD83C; /* U+1F3F4 WAVING BLACK FLAG */
	u[n++] = 0xDFF4;
	for (i = 0; i < r->count; i++) {
		cp = 0xE0000 + r->sym[i];
		u[n++] = (UChar)(0xD800 + ((cp - 0x10000) >> 10));
		u[n++] = (UChar)(0xDC00 + ((cp - 0x10000) & 0x3FF));
	}
	return u_stringHasBinaryProperty(u, n, UCHAR_RGI_EMOJI_TAG_SEQUENCE);
}

static int flush_tags(struct scan_ctx *c, struct run *r, struct buf *j)
{
	uint8_t text[RUN_MAX_SYMBOLS];
	struct buf shown;
	size_t n = 0;
	uint32_t i, kept = r->count < RUN_MAX_SYMBOLS ? r->count : RUN_MAX_SYMBOLS;
	struct pending *p;
	int rc;

	/* The flags of England, Scotland and Wales are tag sequences. */
	if (rgi_tag_sequence(r))
		return 0;
	for (i = 0; i < kept; i++)
		if (r->sym[i] >= 0x20 && r->sym[i] < 0x7F)
			text[n++] = r->sym[i];
	rc = scan_add(c, R_TAG_TEXT, SCAN_SEV_HIGH, r->first_cp, r->count,
		      r->start, r->end - r->start, &p);
	if (rc || !p)
		return rc;
	buf_init(&shown, 1 << 16);
	rc = buf_printf(j, "{\"scheme\":\"unicode-tags\",\"characters\":%u", r->count);
	rc = rc ? rc : add_payload(c, r, j, text, n, &shown);
	explicit_bzero(text, sizeof(text));
	rc = rc ? rc : buf_addc(j, '}');
	rc = rc ? rc : scan_set_decoded(c, p, j);
	/* 80 bytes of the text as shown, not cutting a character */
	for (n = shown.len > 80 ? 80 : shown.len;
	     n < shown.len && n && ((uint8_t)shown.data[n] & 0xC0) == 0x80; n--)
		;
	rc = rc ? rc : scan_set_message(c, p, "%u invisible tag characters spell "
					"hidden text: \"%.*s\"%s", r->count, (int)n,
					shown.data ? shown.data : "",
					n < shown.len ? "..." : "");
	buf_release(&shown);
	return rc;
}

/* A lone selector is fine after a character it can vary. */
static bool vs_legitimate(uint32_t vs, uint32_t base)
{
	int8_t type;

	if (vs == 0xFE0E || vs == 0xFE0F)
		return u_hasBinaryProperty((UChar32)base, UCHAR_EMOJI) ||
		       (base >= 0x2000 && base <= 0x2BFF);
	if (vs >= 0xE0100)
		return scan_is_ideograph(base);
	type = u_charType((UChar32)base);
	return scan_is_ideograph(base) || type == U_MATH_SYMBOL ||
	       type == U_OTHER_SYMBOL || (base >= 0x1000 && base <= 0x109F) ||
	       (base >= 0xA840 && base <= 0xA87F) || (base >= 0x1800 && base <= 0x18AF);
}

static int flush_selectors(struct scan_ctx *c, struct run *r, struct buf *j)
{
	uint32_t kept = r->count < RUN_MAX_SYMBOLS ? r->count : RUN_MAX_SYMBOLS;
	struct pending *p;
	struct buf shown;
	char label[160];
	int rc;

	if (r->count == 1) {
		if (vs_legitimate(r->first_cp, r->prev_cp))
			return 0;
		rc = scan_add(c, R_VARIATION_STRAY, SCAN_SEV_LOW, r->first_cp, 1,
			      r->start, r->end - r->start, &p);
		if (rc || !p)
			return rc;
		scan_char_label(r->first_cp, label, sizeof(label));
		return scan_set_message(c, p, "%s follows U+%04X, which it does not vary",
					label, r->prev_cp);
	}
	rc = scan_add(c, R_VARIATION_PAYLOAD, SCAN_SEV_HIGH, r->first_cp, r->count,
		      r->start, r->end - r->start, &p);
	if (rc || !p)
		return rc;
	buf_init(&shown, 1 << 16);
	rc = buf_printf(j, "{\"scheme\":\"variation-selector-bytes\",\"bytes\":%u", r->count);
	rc = rc ? rc : add_payload(c, r, j, r->sym, kept, &shown);
	buf_release(&shown);
	rc = rc ? rc : buf_addc(j, '}');
	rc = rc ? rc : scan_set_decoded(c, p, j);
	return rc ? rc : scan_set_message(c, p, "%u variation selectors in a row encode "
					  "%u hidden bytes (VS1-16 = 0-15, VS17-256 = 16-255)",
					  r->count, r->count);
}

/* Bits (two symbols) or base-N digits, and bytes when they make whole ones. */
static int add_bits(struct scan_ctx *c, struct buf *j, const struct run *r)
{
	uint32_t kept = r->count < RUN_MAX_SYMBOLS ? r->count : RUN_MAX_SYMBOLS, i;
	uint8_t bytes[RUN_MAX_SYMBOLS / 8];
	struct buf shown;
	unsigned k;
	int rc = buf_adds(j, ",\"alphabet\":[");

	for (k = 0; !rc && k < r->ndistinct; k++)
		rc = buf_printf(j, "%s\"U+%04X\"", k ? "," : "", r->distinct[k]);
	rc = rc ? rc : buf_adds(j, "],\"symbols\":\"");
	for (i = 0; !rc && i < kept; i++)
		rc = buf_addc(j, (char)('0' + r->sym[i]));
	rc = rc ? rc : buf_addc(j, '"');
	if (rc || r->ndistinct != 2 || kept % 8)
		return rc;
	/* Two symbols: the first one seen is 0, as most tools encode. */
	for (i = 0; i < kept / 8; i++) {
		bytes[i] = 0;
		for (k = 0; k < 8; k++)
			bytes[i] = (uint8_t)(bytes[i] << 1 | r->sym[i * 8 + k]);
	}
	buf_init(&shown, 1 << 16);
	rc = add_payload(c, r, j, bytes, kept / 8, &shown);
	explicit_bzero(bytes, sizeof(bytes));
	buf_release(&shown);
	return rc;
}

static int flush_zero_width(struct scan_ctx *c, struct run *r, struct buf *j)
{
	enum rule rule = R_INVISIBLE_ZERO_WIDTH;
	enum scan_severity sev = SCAN_SEV_MEDIUM;
	struct pending *p;
	char label[160];
	int rc;

	if (r->count == 1) {
		if (r->first_cp == 0x00AD) {
			rule = R_INVISIBLE_SOFT_HYPHEN;
			sev = SCAN_SEV_LOW;
		} else if (r->first_cp == 0xFEFF) {
			rule = R_INVISIBLE_BOM;
			sev = r->start == c->s.start ? SCAN_SEV_LOW : SCAN_SEV_MEDIUM;
		}
		rc = scan_add(c, rule, sev, r->first_cp, 1, r->start, r->end - r->start, &p);
		if (rc || !p)
			return rc;
		scan_char_label(r->first_cp, label, sizeof(label));
		return scan_set_message(c, p, "invisible %s", label);
	}
	rc = scan_add(c, R_INVISIBLE_RUN, r->count >= 8 ? SCAN_SEV_HIGH : SCAN_SEV_MEDIUM,
		      r->first_cp, r->count, r->start, r->end - r->start, &p);
	if (rc || !p)
		return rc;
	rc = buf_printf(j, "{\"scheme\":\"zero-width-symbols\",\"characters\":%u", r->count);
	rc = rc ? rc : add_bits(c, j, r);
	rc = rc ? rc : buf_addc(j, '}');
	rc = rc ? rc : scan_set_decoded(c, p, j);
	return rc ? rc : scan_set_message(c, p, "%u invisible characters in a row, "
					  "%u distinct: the shape of a hidden payload",
					  r->count, r->ndistinct);
}

int scan_run_flush(struct scan_ctx *c)
{
	struct run *r = &c->s.run;
	struct buf j;
	int rc = 0;

	if (r->family == RUN_NONE)
		return 0;
	buf_init(&j, 1 << 16);
	switch (r->family) {
	case RUN_TAG:
		rc = flush_tags(c, r, &j);
		break;
	case RUN_VS:
		rc = flush_selectors(c, r, &j);
		break;
	case RUN_ZW:
		rc = flush_zero_width(c, r, &j);
		break;
	case RUN_NONE:
		break;
	}
	buf_release(&j);
	r->family = RUN_NONE;
	return rc;
}
