/* SPDX-License-Identifier: MIT */
/*
 * export.c - the log as JSON Lines (one exchange per line, "schema":1) and
 * as one HAR 1.2 document.
 *
 * The JSON Lines form is also what audit_import_jsonl reads, so fields are
 * written in a fixed order, new ones only ever at the end, and bodies are
 * JSON strings when they are valid UTF-8 (escaped to ASCII: no invisible
 * character passes through our own output) and base64 otherwise, so every
 * byte survives the round trip.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/internal.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "util/banned.h"

#define LINE_MAX_BYTES ((size_t)1 << 34)
#define TRY(x) do { if ((rc = (x)) != 0) return rc; } while (0)

static int add_str(struct buf *b, const char *s)
{
	return s ? json_write_string(b, s, strlen(s)) : buf_adds(b, "null");
}

/* ",\"NAME\":" then the body as a string, or base64 plus NAME_encoding. */
static int add_body(struct buf *b, const char *name, const uint8_t *p, size_t n)
{
	unsigned char *enc;
	int rc;

	TRY(buf_printf(b, ",\"%s\":", name));
	if (!p)
		return buf_adds(b, "null");
	if (utf8_valid(p, n))
		return json_write_string(b, (const char *)p, n);
	if (n > (size_t)1 << 30)
		return AUDIT_ETOOBIG;
	enc = malloc(4 * ((n + 2) / 3) + 1);
	if (!enc)
		return AUDIT_ENOMEM;
	EVP_EncodeBlock(enc, p, (int)n);
	rc = buf_addc(b, '"');
	rc = rc ? rc : buf_adds(b, (const char *)enc);
	rc = rc ? rc : buf_printf(b, "\",\"%s_encoding\":\"base64\"", name);
	free(enc);
	return rc;
}

static int add_time(struct buf *b, int64_t ms)
{
	time_t sec = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	char out[40];

	if (!gmtime_r(&sec, &tm))
		return buf_adds(b, "null");
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S", &tm);
	return buf_printf(b, "\"%s.%03dZ\"", out, (int)(ms - (int64_t)sec * 1000));
}

static int add_codepoint(struct buf *b, uint32_t cp)
{
	if (cp > 0x10FFFF)
		return buf_adds(b, "null");
	return buf_printf(b, "\"U+%04X\"", (unsigned)cp);
}

static int add_findings(struct buf *b, const struct audit_exchange *x)
{
	const struct audit_finding *f;
	size_t i;
	int rc;

	TRY(buf_adds(b, "["));
	for (i = 0; i < x->nfindings; i++) {
		f = &x->findings[i];
		TRY(buf_adds(b, i ? ",{\"rule\":" : "{\"rule\":"));
		TRY(add_str(b, f->rule));
		TRY(buf_adds(b, ",\"category\":"));
		TRY(add_str(b, f->category));
		TRY(buf_printf(b, ",\"severity\":\"%s\",\"origin\":\"%s\",\"json_path\":",
			       scan_severity_name(f->severity), scan_origin_name(f->origin)));
		TRY(add_str(b, f->json_path));
		TRY(buf_printf(b, ",\"byte_offset\":%llu,\"codepoint\":",
			       (unsigned long long)f->byte_offset));
		TRY(add_codepoint(b, f->codepoint));
		TRY(buf_printf(b, ",\"action\":\"%s\"}", audit_action_name(f->action)));
	}
	return buf_adds(b, "]");
}

/* What an action forwarded instead; only present when there was any, so
 * the lines of logs without changes read as they always did. */
static int add_changes(struct buf *b, const struct audit_exchange *x)
{
	const struct audit_change *c;
	size_t i;
	int rc;

	if (!x->nchanges)
		return 0;
	TRY(buf_adds(b, ",\"changes\":["));
	for (i = 0; i < x->nchanges; i++) {
		c = &x->changes[i];
		TRY(buf_printf(b, "%s{\"action\":\"%s\",\"json_path\":", i ? "," : "",
			       audit_action_name(c->action)));
		TRY(add_str(b, c->json_path));
		TRY(buf_printf(b, ",\"byte_offset\":%llu,\"byte_length\":%llu,\"codepoint\":",
			       (unsigned long long)c->byte_offset,
			       (unsigned long long)c->byte_length));
		TRY(add_codepoint(b, c->codepoint));
		TRY(buf_adds(b, ",\"replacement\":"));
		TRY(add_str(b, c->replacement));
		TRY(buf_adds(b, "}"));
	}
	return buf_adds(b, "]");
}

int audit_exchange_json(struct buf *b, const struct audit_exchange *x)
{
	int rc;

	TRY(buf_printf(b, "{\"schema\":%d,\"id\":%lld,\"time\":", OVERT_SCHEMA,
		       (long long)x->id));
	TRY(add_time(b, x->time_ms));
	TRY(buf_printf(b, ",\"time_ms\":%lld,\"client\":", (long long)x->time_ms));
	TRY(add_str(b, x->client));
	TRY(buf_adds(b, ",\"route\":"));
	TRY(add_str(b, x->route));
	TRY(buf_adds(b, ",\"method\":"));
	TRY(add_str(b, x->method));
	TRY(buf_adds(b, ",\"path\":"));
	TRY(add_str(b, x->path));
	TRY(buf_printf(b, ",\"status\":%d,\"ttfb_ms\":%lld,\"total_ms\":%lld,"
		       "\"request_bytes\":%llu,\"response_bytes\":%llu,\"api_key\":",
		       x->status, (long long)x->ttfb_ms, (long long)x->total_ms,
		       (unsigned long long)x->request_bytes,
		       (unsigned long long)x->response_bytes));
	if (x->key_fingerprint) {
		TRY(buf_adds(b, "{\"fingerprint\":"));
		TRY(add_str(b, x->key_fingerprint));
		TRY(buf_adds(b, ",\"last4\":"));
		TRY(add_str(b, x->key_last4));
		TRY(buf_adds(b, "}"));
	} else {
		TRY(buf_adds(b, "null"));
	}
	TRY(buf_printf(b, ",\"action\":\"%s\",\"conversation\":", audit_action_name(x->action)));
	TRY(add_str(b, x->conversation));
	TRY(add_body(b, "request_body", x->request_body, x->request_len));
	TRY(add_body(b, "response_body", x->response_body, x->response_len));
	TRY(buf_adds(b, ",\"findings\":"));
	TRY(add_findings(b, x));
	TRY(add_changes(b, x));
	return buf_adds(b, "}\n");
}

/* HAR text is a string: a body that is not UTF-8 goes as base64. */
static int har_text(struct buf *b, const uint8_t *p, size_t n)
{
	int rc;

	TRY(buf_adds(b, "\"mimeType\":\"application/json\""));
	if (!p)
		return buf_adds(b, ",\"text\":\"\"");
	return add_body(b, "text", p, n);
}

/* HAR wants an absolute URL; the route name stands in for the host. */
static int har_url(struct buf *b, const struct audit_exchange *x)
{
	struct buf url;
	int rc;

	buf_init(&url, (size_t)1 << 24);
	rc = buf_printf(&url, "https://%s%s", x->route ? x->route : "upstream",
			x->path ? x->path : "/");
	rc = rc ? rc : json_write_string(b, url.data, url.len);
	buf_release(&url);
	return rc;
}

static int har_entry(struct buf *b, const struct audit_exchange *x, int first)
{
	int64_t wait = x->ttfb_ms < 0 ? -1 : x->ttfb_ms;
	int64_t recv = x->ttfb_ms < 0 || x->total_ms < x->ttfb_ms ? -1 : x->total_ms - x->ttfb_ms;
	int rc;

	TRY(buf_adds(b, first ? "\n{\"startedDateTime\":" : ",\n{\"startedDateTime\":"));
	TRY(add_time(b, x->time_ms));
	TRY(buf_printf(b, ",\"time\":%lld,\"request\":{\"method\":",
		       (long long)(x->total_ms < 0 ? 0 : x->total_ms)));
	TRY(add_str(b, x->method ? x->method : "POST"));
	TRY(buf_adds(b, ",\"url\":"));
	TRY(har_url(b, x));
	TRY(buf_printf(b, ",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],\"headers\":[],"
		       "\"queryString\":[],\"headersSize\":-1,\"bodySize\":%llu,\"postData\":{",
		       (unsigned long long)x->request_bytes));
	TRY(har_text(b, x->request_body, x->request_len));
	TRY(buf_printf(b, "}},\"response\":{\"status\":%d,\"statusText\":\"\","
		       "\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],\"headers\":[],"
		       "\"content\":{\"size\":%zu,", x->status, x->response_len));
	TRY(har_text(b, x->response_body, x->response_len));
	TRY(buf_printf(b, "},\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":%llu},"
		       "\"cache\":{},\"timings\":{\"send\":0,\"wait\":%lld,\"receive\":%lld},"
		       "\"_overt\":{\"id\":%lld,\"client\":", (unsigned long long)x->response_bytes,
		       (long long)wait, (long long)recv, (long long)x->id));
	TRY(add_str(b, x->client));
	TRY(buf_adds(b, ",\"route\":"));
	TRY(add_str(b, x->route));
	TRY(buf_printf(b, ",\"action\":\"%s\",\"findings\":", audit_action_name(x->action)));
	TRY(add_findings(b, x));
	TRY(add_changes(b, x));
	return buf_adds(b, "}}");
}

struct export_run {
	struct audit_store *s;
	FILE *out;
	int har;
	size_t n;
	struct buf line;
};

static int export_one(void *ctx, const struct audit_record *summary)
{
	struct export_run *e = ctx;
	struct audit_record *r;
	int rc = audit_get(e->s, summary->x.id, &r);

	if (rc)
		return rc;
	buf_reset(&e->line);
	rc = e->har ? har_entry(&e->line, &r->x, e->n == 0) : audit_exchange_json(&e->line, &r->x);
	audit_record_free(r);
	if (rc)
		return rc == BUF_ENOMEM ? AUDIT_ENOMEM : rc == BUF_ETOOBIG ? AUDIT_ETOOBIG : rc;
	e->n++;
	if (fwrite(e->line.data, 1, e->line.len, e->out) != e->line.len)
		return AUDIT_EIO;
	return 0;
}

static int export(struct audit_store *s, const struct audit_filter *f, FILE *out, int har)
{
	struct export_run e = { s, out, har, 0, { 0 } };
	int rc;

	if (!s->readonly)
		return AUDIT_EINVAL;
	buf_init(&e.line, LINE_MAX_BYTES);
	/* One read transaction: the export is a snapshot even while a proxy writes. */
	sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	if (har)
		fprintf(out, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"overt\","
			"\"version\":\"%s\"},\"entries\":[", OVERT_VERSION);
	rc = audit_list(s, f, export_one, &e);
	if (har && !rc)
		fputs("\n]}}\n", out);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	buf_release(&e.line);
	if (!rc && fflush(out))
		rc = AUDIT_EIO;
	return rc;
}

int audit_export_jsonl(struct audit_store *s, const struct audit_filter *f, FILE *out)
{
	return export(s, f, out, 0);
}

int audit_export_har(struct audit_store *s, const struct audit_filter *f, FILE *out)
{
	return export(s, f, out, 1);
}
