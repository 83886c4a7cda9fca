/* SPDX-License-Identifier: MIT */
/*
 * events.c - reading the events table: the network attempts and sessions
 * that `overt run` and the proxy's CONNECT endpoint record (the writing
 * side is in writer.c, which owns the chain).
 */
#include <string.h>

#include "audit/internal.h"
#include "util/banned.h"

static int has_events(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int yes = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND "
			       "name='events'", -1, &st, NULL) == SQLITE_OK)
		yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

int audit_list_events(struct audit_store *s, int64_t since_ms,
		      int (*fn)(void *ctx, const struct audit_event *ev), void *ctx)
{
	sqlite3_stmt *st = NULL;
	struct audit_event e;
	int rc = 0, step;

	if (!s || !s->readonly)
		return AUDIT_EINVAL;
	if (!has_events(s->db))
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT id, time_ms, kind, client, target, verdict, "
			       "detail FROM events WHERE time_ms >= ? ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return AUDIT_EIO;
	sqlite3_bind_int64(st, 1, since_ms);
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		e.id = sqlite3_column_int64(st, 0);
		e.time_ms = sqlite3_column_int64(st, 1);
		e.kind = (const char *)sqlite3_column_text(st, 2);
		e.client = (const char *)sqlite3_column_text(st, 3);
		e.target = (const char *)sqlite3_column_text(st, 4);
		e.verdict = (const char *)sqlite3_column_text(st, 5);
		e.detail = (const char *)sqlite3_column_text(st, 6);
		rc = fn(ctx, &e);
	}
	if (!rc && step != SQLITE_DONE)
		rc = AUDIT_EIO;
	sqlite3_finalize(st);
	return rc;
}
