/* SPDX-License-Identifier: MIT */
/*
 * inventory.c - the inventory_actions table: what `overt inventory
 * --remove` and `--restore` moved, when, for whom and why.
 *
 * Rows go through the same writer thread and hash chain as exchanges
 * (audit_submit_custom), so removing an agent leaves evidence that cannot
 * be edited without `overt log verify` noticing.  The record is packed into
 * one flat block (offsets, not pointers) because the queue copies bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "audit/inventory.h"
#include "util/banned.h"

const char audit_inventory_schema[] =
	"CREATE TABLE IF NOT EXISTS inventory_actions(id INTEGER PRIMARY KEY,"
	" time_ms INTEGER NOT NULL, action TEXT NOT NULL, quarantine_id TEXT NOT NULL,"
	" agent TEXT NOT NULL, version TEXT, method TEXT NOT NULL, path TEXT NOT NULL,"
	" owner TEXT, operator TEXT, host TEXT, reason TEXT, items TEXT NOT NULL,"
	" prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;";

#define NSTR 11

/* The strings of a record, in column order after time_ms. */
static void strings_of(const struct audit_inventory_action *a, const char *s[NSTR])
{
	s[0] = a->action;
	s[1] = a->quarantine_id;
	s[2] = a->agent;
	s[3] = a->version;
	s[4] = a->method;
	s[5] = a->path;
	s[6] = a->owner;
	s[7] = a->operator_name;
	s[8] = a->host;
	s[9] = a->reason;
	s[10] = a->items;
}

struct packed {
	int64_t time_ms;
	int64_t off[NSTR];      /* -1: NULL */
};

static int write_packed(struct audit_store *s, const void *data, size_t len)
{
	const struct packed *p = data;
	const char *base = (const char *)(p + 1);
	struct cval v[2 + NSTR];
	int i;

	if (len < sizeof(*p))
		return AUDIT_EINVAL;
	v[0] = (struct cval){ CV_INT, s->head.next_id[T_INVENTORY], NULL, 0 };
	v[1] = (struct cval){ CV_INT, p->time_ms, NULL, 0 };
	for (i = 0; i < NSTR; i++)
		v[2 + i] = p->off[i] < 0 ? (struct cval){ CV_NULL, 0, NULL, 0 } :
			   (struct cval){ CV_TEXT, 0, base + p->off[i], strlen(base + p->off[i]) };
	return audit_append(s, T_INVENTORY, v);
}

int audit_inventory_submit(struct audit_store *s, const struct audit_inventory_action *a)
{
	const char *str[NSTR];
	struct packed *p;
	size_t size = sizeof(*p), at = 0, n;
	int i, rc;

	strings_of(a, str);
	if (!str[0] || !str[1] || !str[2] || !str[4] || !str[5] || !str[10])
		return AUDIT_EINVAL;
	for (i = 0; i < NSTR; i++)
		size += str[i] ? strlen(str[i]) + 1 : 0;
	p = malloc(size);
	if (!p)
		return AUDIT_ENOMEM;
	p->time_ms = a->time_ms;
	for (i = 0; i < NSTR; i++) {
		p->off[i] = str[i] ? (int64_t)at : -1;
		if (str[i]) {
			n = strlen(str[i]) + 1;
			memcpy((char *)(p + 1) + at, str[i], n);
			at += n;
		}
	}
	rc = audit_submit_custom(s, write_packed, p, size);
	free(p);
	return rc;
}

static const char *text_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int audit_inventory_list(struct audit_store *s,
			 int (*fn)(void *ctx, const struct audit_inventory_action *a),
			 void *ctx)
{
	struct audit_inventory_action a;
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (!s->readonly)
		return AUDIT_EINVAL;
	if (sqlite3_prepare_v2(s->db, "SELECT id, time_ms, action, quarantine_id, agent, "
			       "version, method, path, owner, operator, host, reason, items "
			       "FROM inventory_actions ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return 0;  /* a file from before the table: nothing recorded */
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		a.id = sqlite3_column_int64(st, 0);
		a.time_ms = sqlite3_column_int64(st, 1);
		a.action = text_col(st, 2);
		a.quarantine_id = text_col(st, 3);
		a.agent = text_col(st, 4);
		a.version = text_col(st, 5);
		a.method = text_col(st, 6);
		a.path = text_col(st, 7);
		a.owner = text_col(st, 8);
		a.operator_name = text_col(st, 9);
		a.host = text_col(st, 10);
		a.reason = text_col(st, 11);
		a.items = text_col(st, 12);
		rc = fn(ctx, &a);
	}
	sqlite3_finalize(st);
	return rc;
}
