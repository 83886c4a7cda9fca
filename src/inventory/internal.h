/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the inventory files share: small file-system helpers
 * that know about --root, and the scanner's state.
 */
#ifndef OVERT_INVENTORY_INTERNAL_H
#define OVERT_INVENTORY_INTERNAL_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "inventory/inventory.h"

/* The largest package.json, manifest or policy file we read. */
#define INV_MAX_SMALL_FILE (4u << 20)
/* Entries read from one directory (extensions, /opt, version dirs). */
#define INV_MAX_DIR_ENTRIES 100000

/* One user whose home is looked at. */
struct inv_home {
	char *name;
	char *dir;        /* with the root prefix */
	uid_t uid;        /* its user, from the passwd file */
};

struct inv_scan {
	const struct inv_options *opt;
	const struct agent_set *agents;
	struct inv_report *r;
	const char *root;     /* "" for none */
	int oom;
	/* Whose place is being looked at: as root, files read there must
	 * belong to this user or to root ((uid_t)-1 for system-wide places:
	 * any owner). */
	uid_t owner;
};

struct json_walker;

/* fs.c */
int inv_strv_add(struct inv_strv *s, const char *str);
int inv_strv_has(const struct inv_strv *s, const char *str);
void inv_strv_free(struct inv_strv *s);
/* Element @idx of the array *@array (a pointer to the array's pointer) of
 * *@n elements of @size bytes: an existing one, or, when @idx is *@n, a
 * new zeroed one (the array is reallocated).  NULL when @idx skips ahead
 * or memory runs out.  For lists a JSON walk fills by index. */
void *inv_grow_at(void *array, size_t *n, size_t size, size_t idx);
/* The decoded content of the JSON string value at [start, end) (quotes
 * included), malloc'd, or NULL. */
char *inv_json_string(const struct json_walker *w, size_t start, size_t end);
/* Reads a regular file (not a FIFO or device) of at most @max bytes into a
 * NUL-terminated malloc'd string; NULL with errno set. */
char *inv_read_file(const char *path, size_t max, size_t *len);
/* inv_read_file for files in the place @s is looking at: the last
 * component is not followed and, as root, the file must belong to
 * @s->owner or root; NULL with errno set. */
char *inv_read_owned(const struct inv_scan *s, const char *path, size_t max, size_t *len);
/* "name" and "version" of the package.json at @path (read with
 * inv_read_owned); 0 or -1. */
int inv_package_json(const struct inv_scan *s, const char *path, char **name,
		     char **version);
/* Whether @s looks like a version: a digit, then digits, dots, letters,
 * '-' and '+' only. */
int inv_looks_like_version(const char *s);
/* Follows the symlink chain at @path (at most 40 links) inside @root: an
 * absolute target is taken below @root.  Returns the final path, lexically
 * normalised, or NULL. */
char *inv_resolve(const char *root, const char *path);
/* An fd of @path's parent dir, opened component by component without
 * following any symlink (ELOOP or ENOTDIR when one is in the way), and
 * in *@base the last component, for the *at() calls; -1 with errno. */
int inv_open_parent(const char *path, const char **base);
/* Lexically: whether @path is @dir or below it. */
int inv_path_within(const char *path, const char *dir);
/* Newest mtime of @path and, for a dir, of its direct entries; -1 if none. */
int64_t inv_newest_mtime(const char *path);
/* Calls @fn for each entry of @dir but "." and ".."; stops at a non-zero
 * return, which it returns. */
int inv_each_entry(const char *dir, int (*fn)(void *ctx, const char *dir,
					       const char *name), void *ctx);

/* quarantine.c: remove the manifest and the (empty) dirs of an entry. */
void inv_entry_remove(const struct inv_plan *p);

/* scan.c: record an install (copies the strings); NULL when out of memory
 * or when the same path is already recorded. */
struct inv_install *inv_add(struct inv_scan *s, const struct agent_def *a,
			    const char *path, const char *method, const char *user);

/* places.c: the per-user and system-wide places. */
void inv_scan_node(struct inv_scan *s, const struct inv_home *h);
void inv_scan_node_system(struct inv_scan *s);
/* The caller's environment can move npm's prefix and the nvm, pnpm, volta
 * and bun dirs (NPM_CONFIG_PREFIX, NVM_DIR, PNPM_HOME, VOLTA_HOME,
 * BUN_INSTALL): installs there are the caller's, @user. */
void inv_scan_node_env(struct inv_scan *s, const char *user);
void inv_scan_editors(struct inv_scan *s, const struct inv_home *h);
void inv_scan_native(struct inv_scan *s, const struct inv_home *h);
void inv_scan_system(struct inv_scan *s);
void inv_scan_launchers(struct inv_scan *s, const char *bindir, const char *user);

#endif
