/* SPDX-License-Identifier: MIT */
/*
 * restore.c - `overt inventory --restore ID`: move a quarantined agent's
 * files back to where they were.
 *
 * The manifest is checked whole before anything moves: every item must
 * still be in the quarantine, nothing may have appeared at its original
 * path (a reinstall is not overwritten), and every stored path must stay
 * inside the entry, so an edited manifest cannot move arbitrary files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/internal.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/banned.h"

struct mloader {
	struct inv_plan *p;
	int bad;
};

static struct inv_move *item_at(struct inv_plan *p, size_t idx)
{
	size_t before = p->n;
	struct inv_move *m = idx < 4096 ? inv_grow_at(&p->v, &p->n, sizeof(*p->v), idx) : NULL;

	if (m && p->n != before)
		m->kind = "item";
	return m;
}

static char **top_slot(struct inv_plan *p, const struct json_seg *key)
{
	if (json_seg_is(key, "agent"))
		return &p->agent;
	if (json_seg_is(key, "version"))
		return &p->version;
	if (json_seg_is(key, "method"))
		return &p->method;
	if (json_seg_is(key, "path"))
		return &p->path;
	if (json_seg_is(key, "user"))
		return &p->user;
	if (json_seg_is(key, "reason"))
		return &p->reason;
	return NULL;
}

static int on_item(struct mloader *l, const struct json_walker *w, enum json_kind kind,
		   size_t start, size_t end)
{
	struct inv_move *m = item_at(l->p, w->segs[1].index);
	const struct json_seg *key = &w->segs[2];
	char *s;

	if (!m)
		return -1;
	if (kind != JSON_STRING)
		return 0;
	s = inv_json_string(w, start, end);
	if (!s)
		return -1;
	if (json_seg_is(key, "from")) {
		free(m->from);
		m->from = s;
	} else if (json_seg_is(key, "to")) {
		free(m->to);
		/* Only "files/N-name": nothing outside the entry. */
		m->to = strncmp(s, "files/", 6) || strstr(s, "..") || strchr(s + 6, '/') ?
			NULL : inv_path_join(l->p->dir, s);
		l->bad |= !m->to;
		free(s);
	} else if (json_seg_is(key, "kind")) {
		m->kind = !strcmp(s, "package") ? "package" : !strcmp(s, "launcher") ? "launcher" :
			  !strcmp(s, "state") ? "state" : "item";
		free(s);
	} else if (json_seg_is(key, "mode")) {
		m->mode = (mode_t)strtoul(s, NULL, 8);
		free(s);
	} else {
		free(s);
	}
	return 0;
}

static int on_manifest(void *ctx, const struct json_walker *w, enum json_kind kind,
		       size_t start, size_t end)
{
	struct mloader *l = ctx;
	char **slot;

	if (w->depth == 3 && json_seg_is(&w->segs[0], "items"))
		return on_item(l, w, kind, start, end);
	if (w->depth != 1 || kind != JSON_STRING || !(slot = top_slot(l->p, &w->segs[0])))
		return 0;
	free(*slot);
	*slot = inv_json_string(w, start, end);
	return *slot ? 0 : -1;
}

static int load_manifest(struct inv_plan *p, char *err, size_t errlen)
{
	struct mloader l = { p, 0 };
	struct json_visitor v = { .ctx = &l, .value = on_manifest };
	struct json_error jerr;
	char *path = inv_path_join(p->dir, "manifest.json"), *text;
	size_t len, i;
	int rc;

	text = path ? inv_read_file(path, INV_MAX_SMALL_FILE, &len) : NULL;
	if (!text) {
		snprintf(err, errlen, "no quarantine entry '%s' ('%s': %s); 'overt inventory "
			 "--list-quarantine' lists them", p->id, path ? path : p->dir,
			 strerror(errno));
		free(path);
		return INV_ENOENT;
	}
	rc = json_walk((const uint8_t *)text, len, 16, &v, &jerr);
	for (i = 0; !rc && i < p->n; i++)
		l.bad |= !p->v[i].from || !p->v[i].to || p->v[i].from[0] != '/';
	if (rc || l.bad || !p->agent || !p->n) {
		snprintf(err, errlen, "'%s' is not a quarantine manifest overt wrote", path);
		rc = INV_EFORMAT;
	}
	free(text);
	free(path);
	return rc;
}

/* Everything must be where the manifest says, and nothing in the way. */
static int check_items(const struct inv_plan *p, char *err, size_t errlen)
{
	struct stat st;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (lstat(p->v[i].to, &st)) {
			snprintf(err, errlen, "'%s' is missing from the quarantine: %s", p->v[i].to,
				 strerror(errno));
			return INV_ENOENT;
		}
		if (!lstat(p->v[i].from, &st) || errno != ENOENT) {
			snprintf(err, errlen, "'%s' exists again (reinstalled?); move it away "
				 "first, nothing was restored", p->v[i].from);
			return INV_EEXIST;
		}
	}
	return 0;
}

int inv_quarantine_info(const char *qdir, const char *id, struct inv_plan *p, char *err,
			size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (!id[0] || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, "..") ||
	    strlen(id) >= sizeof(p->id)) {
		snprintf(err, errlen, "'%s' is not a quarantine ID", id);
		return INV_ENOENT;
	}
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->dir = inv_path_join(qdir, id);
	if (!p->dir)
		return INV_ENOMEM;
	return load_manifest(p, err, errlen);
}

/* Moves item @m back from the entry's files dir @files.  Its original
 * parent is reached without following symlinks: a user who swapped a dir
 * of their home for a symlink must not make root put the agent's files
 * (as root's rename would) somewhere else. */
static int move_back(const struct inv_move *m, int files, char *err, size_t errlen)
{
	const char *base, *to = strrchr(m->to, '/');
	int fd = inv_open_parent(m->from, &base), rc = 0;

	if (fd < 0 || renameat(files, to ? to + 1 : m->to, fd, base)) {
		snprintf(err, errlen, "cannot move '%s' back to '%s'%s: %s", m->to, m->from,
			 fd < 0 ? " without following a symlink" : "", strerror(errno));
		rc = INV_EIO;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int inv_restore(const char *qdir, const char *id, struct inv_plan *p, char *err,
		size_t errlen)
{
	size_t i, done;
	char *fpath;
	int files = -1, rc = inv_quarantine_info(qdir, id, p, err, errlen);

	rc = rc ? rc : check_items(p, err, errlen);
	fpath = rc ? NULL : inv_path_join(p->dir, "files");
	if (!rc && (!fpath ||
		    (files = open(fpath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)) {
		snprintf(err, errlen, "cannot open '%s': %s", fpath ? fpath : p->dir,
			 fpath ? strerror(errno) : "out of memory");
		rc = fpath ? INV_EIO : INV_ENOMEM;
	}
	free(fpath);
	for (done = 0; !rc && done < p->n; done++)
		rc = move_back(&p->v[done], files, err, errlen);
	if (rc && done) {
		for (i = done - 1; i-- > 0;)
			rename(p->v[i].from, p->v[i].to);
	} else if (!rc) {
		inv_entry_remove(p);
	}
	if (files >= 0)
		close(files);
	return rc;
}
