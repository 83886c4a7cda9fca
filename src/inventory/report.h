/* SPDX-License-Identifier: MIT */
/*
 * report.h - printing an inventory: text for people, JSON lines for fleet
 * collection (docs/INVENTORY.md describes the fields).
 */
#ifndef OVERT_INVENTORY_REPORT_H
#define OVERT_INVENTORY_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "inventory/inventory.h"

/* Where and when the inventory was taken, for every JSON line. */
struct inv_host {
	const char *host;
	const char *user;       /* who ran overt */
	int64_t time;           /* Unix seconds */
};

void inv_print_text(FILE *out, const struct inv_report *r);
/* Writes @s (NULL: "-") with control and bidi characters and invalid
 * UTF-8 as escapes: paths come from users' home dirs. */
void inv_put_text(FILE *out, const char *s);
/* 0, or -1 when out of memory or the write failed. */
int inv_print_json(FILE *out, const struct inv_report *r, const struct inv_host *h);

#endif
