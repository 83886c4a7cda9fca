/* SPDX-License-Identifier: MIT */
/*
 * read.c - reading the log back: list with filters, one exchange with its
 * findings and bodies, and statistics.
 *
 * Only read-only stores are read: the writer's connection belongs to its
 * thread, and `overt log` must never change evidence.  Everything a record
 * points to lives in its arena, so one free releases it all.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "util/arena.h"
#include "util/banned.h"

#define EXCHANGE_COLS \
	"e.id, e.time_ms, e.client, e.route, e.method, e.path, e.status, " \
	"e.ttfb_ms, e.total_ms, e.request_bytes, e.response_bytes, " \
	"e.key_fingerprint, e.key_last4, e.action, e.conversation, " \
	"(SELECT count(*) FROM findings f WHERE f.exchange_id = e.id), " \
	"(SELECT max(severity) FROM findings f WHERE f.exchange_id = e.id)"

void audit_filter_init(struct audit_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->since_ms = INT64_MIN;
	f->min_severity = -1;
}

static const char *col_str(struct arena *a, sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s ? arena_strndup(a, s, (size_t)sqlite3_column_bytes(st, col)) : NULL;
}

static void fill_exchange(struct audit_record *r, sqlite3_stmt *st)
{
	struct arena *a = r->arena;
	struct audit_exchange *x = &r->x;
	int act;

	memset(x, 0, sizeof(*x));
	x->id = sqlite3_column_int64(st, 0);
	x->time_ms = sqlite3_column_int64(st, 1);
	x->client = col_str(a, st, 2);
	x->route = col_str(a, st, 3);
	x->method = col_str(a, st, 4);
	x->path = col_str(a, st, 5);
	x->status = sqlite3_column_int(st, 6);
	x->ttfb_ms = sqlite3_column_int64(st, 7);
	x->total_ms = sqlite3_column_int64(st, 8);
	x->request_bytes = (uint64_t)sqlite3_column_int64(st, 9);
	x->response_bytes = (uint64_t)sqlite3_column_int64(st, 10);
	x->key_fingerprint = col_str(a, st, 11);
	x->key_last4 = col_str(a, st, 12);
	act = audit_action_parse((const char *)sqlite3_column_text(st, 13));
	x->action = act < 0 ? AUDIT_ACTION_LOG : (enum audit_action)act;
	x->conversation = col_str(a, st, 14);
	r->nfindings = (size_t)sqlite3_column_int64(st, 15);
	r->worst = sqlite3_column_type(st, 16) == SQLITE_NULL ? -1 :
		   sqlite3_column_int(st, 16);
}

static struct audit_record *record_new(void)
{
	struct audit_record *r = calloc(1, sizeof(*r));

	if (r && !(r->arena = arena_new())) {
		free(r);
		return NULL;
	}
	return r;
}

void audit_record_free(struct audit_record *r)
{
	if (!r)
		return;
	arena_free(r->arena);
	free(r->bodies[0]);
	free(r->bodies[1]);
	free(r);
}

int audit_list(struct audit_store *s, const struct audit_filter *f,
	       int (*fn)(void *ctx, const struct audit_record *r), void *ctx)
{
	static const char sql[] =
		"SELECT " EXCHANGE_COLS " FROM exchanges e"
		" WHERE e.time_ms >= ?1 AND (?2 IS NULL OR e.route = ?2)"
		" AND ((?3 < 0 AND ?4 IS NULL) OR EXISTS (SELECT 1 FROM findings f"
		"  WHERE f.exchange_id = e.id AND f.severity >= ?3"
		"  AND (?4 IS NULL OR f.rule = ?4)))"
		" ORDER BY e.id LIMIT ?5";
	struct audit_filter all;
	struct audit_record *r = NULL;
	sqlite3_stmt *st = NULL;
	int rc = AUDIT_EIO, step;

	if (!s->readonly)
		return AUDIT_EINVAL;
	if (!f) {
		audit_filter_init(&all);
		f = &all;
	}
	if (!(r = record_new()))
		return AUDIT_ENOMEM;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, f->since_ms);
	sqlite3_bind_text(st, 2, f->route, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, f->min_severity);
	sqlite3_bind_text(st, 4, f->rule, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, f->limit ? (int64_t)f->limit : -1);
	rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		arena_reset(r->arena);
		fill_exchange(r, st);
		rc = fn(ctx, r);
	}
	if (!rc && step != SQLITE_DONE)
		rc = AUDIT_EIO;
out:
	sqlite3_finalize(st);
	audit_record_free(r);
	return rc;
}

static int load_findings(struct audit_store *s, struct audit_record *r)
{
	struct audit_finding *f;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc = AUDIT_EIO, v;

	f = arena_alloc(r->arena, (r->nfindings ? r->nfindings : 1) * sizeof(*f));
	if (!f)
		return AUDIT_ENOMEM;
	if (sqlite3_prepare_v2(s->db, "SELECT rule, category, severity, origin, json_path,"
			       " byte_offset, codepoint, action FROM findings"
			       " WHERE exchange_id = ? ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, r->x.id);
	while (n < r->nfindings && sqlite3_step(st) == SQLITE_ROW) {
		f[n].rule = col_str(r->arena, st, 0);
		f[n].category = col_str(r->arena, st, 1);
		v = sqlite3_column_int(st, 2);
		f[n].severity = v < 0 || v > SCAN_SEV_CRITICAL ? SCAN_SEV_INFO : (enum scan_severity)v;
		v = audit_origin_parse((const char *)sqlite3_column_text(st, 3));
		f[n].origin = v < 0 ? SCAN_ORIGIN_UNKNOWN : (enum scan_origin)v;
		f[n].json_path = col_str(r->arena, st, 4);
		f[n].byte_offset = (uint64_t)sqlite3_column_int64(st, 5);
		f[n].codepoint = sqlite3_column_type(st, 6) == SQLITE_NULL ? SCAN_NO_CODEPOINT :
				 (uint32_t)sqlite3_column_int64(st, 6);
		v = audit_action_parse((const char *)sqlite3_column_text(st, 7));
		f[n].action = v < 0 ? AUDIT_ACTION_LOG : (enum audit_action)v;
		n++;
	}
	r->x.findings = f;
	r->x.nfindings = r->nfindings = n;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* The changes made to the forwarded body; none in files older than the
 * changes table. */
static int load_changes(struct audit_store *s, struct audit_record *r)
{
	struct audit_change *c;
	sqlite3_stmt *st = NULL;
	uint64_t n = 0;
	size_t k = 0;
	int rc = AUDIT_EIO, v;

	if (!audit_has_table(s->db, "changes"))
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM changes WHERE exchange_id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, r->x.id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	c = arena_alloc(r->arena, (n ? n : 1) * sizeof(*c));
	if (!c)
		return AUDIT_ENOMEM;
	if (sqlite3_prepare_v2(s->db, "SELECT action, json_path, byte_offset, byte_length,"
			       " codepoint, replacement FROM changes WHERE exchange_id = ?"
			       " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, r->x.id);
	while (k < n && sqlite3_step(st) == SQLITE_ROW) {
		v = audit_action_parse((const char *)sqlite3_column_text(st, 0));
		c[k].action = v < 0 ? AUDIT_ACTION_LOG : (enum audit_action)v;
		c[k].json_path = col_str(r->arena, st, 1);
		c[k].byte_offset = (uint64_t)sqlite3_column_int64(st, 2);
		c[k].byte_length = (uint64_t)sqlite3_column_int64(st, 3);
		c[k].codepoint = sqlite3_column_type(st, 4) == SQLITE_NULL ? SCAN_NO_CODEPOINT :
				 (uint32_t)sqlite3_column_int64(st, 4);
		c[k].replacement = col_str(r->arena, st, 5);
		if (!c[k].replacement)
			c[k].replacement = "";
		k++;
	}
	r->x.changes = c;
	r->x.nchanges = k;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int load_bodies(struct audit_store *s, struct audit_record *r)
{
	sqlite3_stmt *st = NULL;
	uint8_t *raw;
	size_t len;
	int rc = AUDIT_EIO, which;

	if (sqlite3_prepare_v2(s->db, "SELECT id, kind FROM bodies WHERE exchange_id = ?"
			       " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, r->x.id);
	rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		which = !strcmp((const char *)sqlite3_column_text(st, 1), "response");
		if (r->bodies[which])
			continue;
		rc = audit_body_read(s, sqlite3_column_int64(st, 0), &raw, &len);
		if (rc)
			break;
		/* An empty body is present, not absent: point at a NUL. */
		r->bodies[which] = raw ? raw : calloc(1, 1);
		if (!r->bodies[which])
			rc = AUDIT_ENOMEM;
		if (which) {
			r->x.response_body = r->bodies[1];
			r->x.response_len = len;
		} else {
			r->x.request_body = r->bodies[0];
			r->x.request_len = len;
		}
	}
out:
	sqlite3_finalize(st);
	return rc;
}

int audit_get(struct audit_store *s, int64_t id, struct audit_record **out)
{
	struct audit_record *r = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (!s->readonly)
		return AUDIT_EINVAL;
	if (!(r = record_new()))
		return AUDIT_ENOMEM;
	rc = AUDIT_EIO;
	if (sqlite3_prepare_v2(s->db, "SELECT " EXCHANGE_COLS " FROM exchanges e"
			       " WHERE e.id = ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st) == SQLITE_ROW ? 0 : AUDIT_ENOENT;
	if (!rc)
		fill_exchange(r, st);
	rc = rc ? rc : load_findings(s, r);
	rc = rc ? rc : load_changes(s, r);
	rc = rc ? rc : load_bodies(s, r);
out:
	sqlite3_finalize(st);
	if (rc)
		audit_record_free(r);
	else
		*out = r;
	return rc;
}

/* Run @sql and collect (name, count) rows. */
static int counts(sqlite3 *db, const char *sql, struct audit_count **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct audit_count *c = NULL, *grown;
	size_t cap = 0;
	int rc = AUDIT_EIO;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(c, cap * sizeof(*c));
			if (!grown) {
				rc = AUDIT_ENOMEM;
				break;
			}
			c = grown;
		}
		snprintf(c[*n].name, sizeof(c[*n].name), "%s",
			 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
		c[(*n)++].count = (uint64_t)sqlite3_column_int64(st, 1);
	}
out:
	sqlite3_finalize(st);
	*out = c;
	return rc;
}

static int scalar(sqlite3 *db, const char *sql, int col, uint64_t *v)
{
	sqlite3_stmt *st = NULL;
	int rc = AUDIT_EIO;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*v = (uint64_t)sqlite3_column_int64(st, col);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int audit_stats(struct audit_store *s, struct audit_stats *st)
{
	uint64_t pages = 0, page_size = 0;
	struct audit_count *sev = NULL;
	size_t nsev = 0, i;
	int rc, v;

	memset(st, 0, sizeof(*st));
	if (!s->readonly)
		return AUDIT_EINVAL;
	sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	rc = scalar(s->db, "SELECT count(*) FROM exchanges", 0, &st->exchanges);
	rc = rc ? rc : scalar(s->db, "SELECT count(*) FROM findings", 0, &st->findings);
	rc = rc ? rc : counts(s->db, "SELECT severity, count(*) FROM findings GROUP BY 1",
			      &sev, &nsev);
	for (i = 0; !rc && i < nsev; i++) {
		v = (int)strtol(sev[i].name, NULL, 10);
		if (v >= 0 && v <= SCAN_SEV_CRITICAL)
			st->by_severity[v] = sev[i].count;
	}
	free(sev);
	rc = rc ? rc : counts(s->db, "SELECT rule, count(*) FROM findings GROUP BY 1 ORDER BY 1",
			      &st->by_rule, &st->nrules);
	rc = rc ? rc : counts(s->db, "SELECT coalesce(route, ''), count(*) FROM exchanges"
			      " GROUP BY 1 ORDER BY 1", &st->by_route, &st->nroutes);
	rc = rc ? rc : scalar(s->db, "SELECT count(*) FROM bodies", 0, &st->bodies);
	rc = rc ? rc : scalar(s->db, "SELECT coalesce(sum(raw_len), 0) FROM bodies", 0,
			      &st->body_raw_bytes);
	rc = rc ? rc : scalar(s->db, "SELECT coalesce(sum(length(data)), 0) FROM bodies", 0,
			      &st->body_stored_bytes);
	rc = rc ? rc : scalar(s->db, "PRAGMA page_count", 0, &pages);
	rc = rc ? rc : scalar(s->db, "PRAGMA page_size", 0, &page_size);
	st->file_bytes = pages * page_size;
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc)
		audit_stats_release(st);
	return rc;
}

void audit_stats_release(struct audit_stats *st)
{
	free(st->by_rule);
	free(st->by_route);
	st->by_rule = st->by_route = NULL;
	st->nrules = st->nroutes = 0;
}
