/* SPDX-License-Identifier: MIT */
/*
 * inventory.h - the audit log's record of what `overt inventory` did to
 * installed agents: each quarantine and each restore, one row of the
 * inventory_actions table, hash-chained like every other row.
 */
#ifndef OVERT_AUDIT_INVENTORY_H
#define OVERT_AUDIT_INVENTORY_H

#include <stdint.h>

#include "audit/audit.h"

struct audit_inventory_action {
	int64_t id;              /* assigned by the store; ignored by submit */
	int64_t time_ms;         /* Unix milliseconds */
	const char *action;      /* "quarantine" or "restore" */
	const char *quarantine_id;
	const char *agent;       /* "claude" */
	const char *version;     /* NULL when unknown */
	const char *method;      /* "npm", "nvm", "vscode" ... */
	const char *path;        /* the install's path */
	const char *owner;       /* whose install it was: a user name or "system" */
	const char *operator_name; /* who ran overt: "root (uid 0)" */
	const char *host;
	const char *reason;      /* the policy's reason; NULL for a restore */
	const char *items;       /* JSON: [{"from":..,"to":..,"kind":..,"mode":..}] */
};

/*
 * audit_inventory_submit - queue @a for the writer (strings are copied).
 * Returns 0 or an AUDIT_E* code as audit_submit does.
 */
int audit_inventory_submit(struct audit_store *s, const struct audit_inventory_action *a);

/*
 * audit_inventory_list - call @fn for every recorded action in id order on
 * a read-only store; the strings live during the call only.  A non-zero
 * return from @fn stops the walk and is returned; else 0 or AUDIT_E*.
 */
int audit_inventory_list(struct audit_store *s,
			 int (*fn)(void *ctx, const struct audit_inventory_action *a),
			 void *ctx);

#endif
