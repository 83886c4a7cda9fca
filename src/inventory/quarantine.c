/* SPDX-License-Identifier: MIT */
/*
 * quarantine.c - moving a banned agent's files aside, and back.
 *
 * Nothing is copied and nothing is deleted: every item (the package dir,
 * its launchers, optionally its state) is rename()d into
 * QUARANTINE/ID/files/, so contents, modes, owners, times and inodes stay
 * exactly as they were and a restore is byte-identical.  The manifest is
 * written before the first move, so an interrupted removal still says
 * where everything went.  A move that fails (another file system: rename
 * cannot cross one) moves back what already moved; a half-removed agent
 * would be worse than either state.  Each item is moved with renameat()
 * from its parent dir reached without following symlinks (see move_in).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inventory/internal.h"
#include "inventory/report.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/banned.h"

#define MAX_ITEMS 256

static int plan_add(struct inv_plan *p, const char *from, const char *kind)
{
	struct inv_move *v;
	struct stat st;
	char name[64];
	const char *base;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (inv_path_within(from, p->v[i].from))
			return 0;  /* moves with an item already planned */
	if (lstat(from, &st) || p->n >= MAX_ITEMS)
		return 0;
	v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v)
		return INV_ENOMEM;
	p->v = v;
	base = strrchr(from, '/');
	base = base ? base + 1 : from;
	snprintf(name, sizeof(name), "files/%zu-%.40s", p->n, base);
	v[p->n].from = strdup(from);
	v[p->n].to = inv_path_join(p->dir, name);
	v[p->n].mode = st.st_mode;
	v[p->n].uid = st.st_uid;
	v[p->n].gid = st.st_gid;
	v[p->n].dev = st.st_dev;
	v[p->n].ino = st.st_ino;
	v[p->n].kind = kind;
	p->n++;
	return v[p->n - 1].from && v[p->n - 1].to ? 0 : INV_ENOMEM;
}

static int make_id(struct inv_plan *p, const char *agent)
{
	unsigned char rnd[4];
	time_t now = time(NULL);
	struct tm tm;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return INV_EIO;
	gmtime_r(&now, &tm);
	snprintf(p->id, sizeof(p->id), "%04d%02d%02dT%02d%02d%02dZ-%.32s-%02x%02x%02x%02x",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, agent, rnd[0], rnd[1], rnd[2], rnd[3]);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int inv_plan_build(const struct inv_install *in, const struct inv_quarantine_opts *o,
		   struct inv_plan *p)
{
	struct stat st;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = make_id(p, in->agent->name);
	if (rc)
		return rc;
	p->dir = inv_path_join(o->dir, p->id);
	p->agent = strdup(in->agent->name);
	p->version = dup_or_null(in->version);
	p->method = strdup(in->method);
	p->path = strdup(in->path);
	p->user = strdup(in->user);
	p->reason = dup_or_null(in->reason);
	if (!p->dir || !p->agent || !p->method || !p->path || !p->user)
		return INV_ENOMEM;
	/* Still what the scan found (stat: a pnpm package dir is a symlink). */
	if (stat(in->path, &st) || st.st_dev != in->dev || st.st_ino != in->ino)
		return INV_EIO;
	rc = plan_add(p, in->path, "package");
	for (i = 0; !rc && i < in->bins.n; i++)
		rc = plan_add(p, in->bins.v[i], "launcher");
	for (i = 0; !rc && o->include_state && i < in->state.n; i++)
		rc = plan_add(p, in->state.v[i], "state");
	return rc;
}

void inv_plan_release(struct inv_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].from);
		free(p->v[i].to);
	}
	free(p->v);
	free(p->dir);
	free(p->agent);
	free(p->version);
	free(p->method);
	free(p->path);
	free(p->user);
	free(p->reason);
	memset(p, 0, sizeof(*p));
}

static int add_field(struct buf *b, const char *key, const char *value, int comma)
{
	int rc = buf_printf(b, "%s\"%s\":", comma ? "," : "", key);

	if (!rc && !value)
		return buf_adds(b, "null");
	return rc ? rc : json_write_string(b, value, strlen(value));
}

static int manifest_text(const struct inv_plan *p, struct buf *b)
{
	const char *rel;
	size_t i;
	int rc = buf_printf(b, "{\"schema\":1,\"id\":\"%s\",\"created\":%lld", p->id,
			    (long long)time(NULL));

	rc = rc ? rc : add_field(b, "agent", p->agent, 1);
	rc = rc ? rc : add_field(b, "version", p->version, 1);
	rc = rc ? rc : add_field(b, "method", p->method, 1);
	rc = rc ? rc : add_field(b, "path", p->path, 1);
	rc = rc ? rc : add_field(b, "user", p->user, 1);
	rc = rc ? rc : add_field(b, "reason", p->reason, 1);
	rc = rc ? rc : buf_adds(b, ",\"items\":[");
	for (i = 0; !rc && i < p->n; i++) {
		rel = p->v[i].to + strlen(p->dir) + 1;
		rc = buf_adds(b, i ? ",{" : "{");
		rc = rc ? rc : add_field(b, "from", p->v[i].from, 0);
		rc = rc ? rc : add_field(b, "to", rel, 1);
		rc = rc ? rc : add_field(b, "kind", p->v[i].kind, 1);
		rc = rc ? rc : buf_printf(b, ",\"mode\":\"%06o\",\"uid\":%u,\"gid\":%u}",
					  (unsigned)p->v[i].mode, (unsigned)p->v[i].uid,
					  (unsigned)p->v[i].gid);
	}
	return rc ? rc : buf_adds(b, "]}\n");
}

static int write_manifest(const struct inv_plan *p, char *err, size_t errlen)
{
	char *path = inv_path_join(p->dir, "manifest.json");
	struct buf b;
	int fd = -1, rc = INV_ENOMEM;

	buf_init(&b, 16u << 20);
	if (path && !manifest_text(p, &b)) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		rc = fd >= 0 && write(fd, b.data, b.len) == (ssize_t)b.len && !fsync(fd) ?
		     0 : INV_EIO;
		if (rc)
			snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	free(path);
	return rc;
}

/* QDIR (made 0700 when missing), QDIR/ID and QDIR/ID/files. */
static int make_entry(const struct inv_plan *p, const char *qdir, char *err, size_t errlen)
{
	char *files = inv_path_join(p->dir, "files"), *at, *copy = strdup(qdir);
	int rc = 0;

	for (at = copy ? copy + 1 : NULL; at && (at = strchr(at, '/')); at++) {
		*at = '\0';
		if (mkdir(copy, 0700) && errno != EEXIST)
			break;
		*at = '/';
	}
	if (!files || !copy)
		rc = INV_ENOMEM;
	else if ((mkdir(qdir, 0700) && errno != EEXIST) || mkdir(p->dir, 0700) ||
		 mkdir(files, 0700)) {
		snprintf(err, errlen, "cannot create the quarantine entry '%s': %s", p->dir,
			 strerror(errno));
		rc = INV_EIO;
	}
	free(files);
	free(copy);
	return rc;
}

void inv_entry_remove(const struct inv_plan *p)
{
	char *files = inv_path_join(p->dir, "files"), *man = inv_path_join(p->dir, "manifest.json");

	if (man)
		unlink(man);
	if (files)
		rmdir(files);
	rmdir(p->dir);
	free(files);
	free(man);
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Moves @m into the entry's files dir @files; its parent dir stays open in
 * *@parent for a move back.  The parent is reached without following any
 * symlink and the item must be the file that was planned: run as root
 * over users' homes, a path or a parent dir swapped since the scan must
 * not make root move something else. */
static int move_in(const struct inv_move *m, int files, int *parent, char *err, size_t errlen)
{
	const char *base;
	struct stat st;
	int fd = inv_open_parent(m->from, &base);

	if (fd < 0) {
		snprintf(err, errlen, "cannot reach '%s' without following a symlink: %s; run "
			 "the inventory again", m->from, strerror(errno));
		return INV_EIO;
	}
	if (fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) || st.st_dev != m->dev ||
	    st.st_ino != m->ino) {
		snprintf(err, errlen, "'%s' changed since it was looked at; run the inventory "
			 "again", m->from);
		close(fd);
		return INV_EIO;
	}
	if (renameat(fd, base, files, base_of(m->to))) {
		snprintf(err, errlen, "cannot move '%s' into the quarantine: %s%s", m->from,
			 strerror(errno), errno == EXDEV ?
			 "; give --quarantine DIR on the same file system" : "");
		close(fd);
		return INV_EIO;
	}
	*parent = fd;
	return 0;
}

/* Said at once: the caller's message is about the first failure.  The
 * paths are users' and are escaped like in the report. */
static void back_failed(const struct inv_move *m)
{
	const char *cause = strerror(errno);

	fputs("overt: cannot move '", stderr);
	inv_put_text(stderr, m->to);
	fputs("' back to '", stderr);
	inv_put_text(stderr, m->from);
	fprintf(stderr, "': %s\n", cause);
}

int inv_plan_execute(struct inv_plan *p, char *err, size_t errlen)
{
	char *qdir = strdup(p->dir), *slash, *fpath = inv_path_join(p->dir, "files");
	int *parents = calloc(p->n ? p->n : 1, sizeof(*parents)), files = -1;
	size_t i, done = 0;
	int rc;

	if (!qdir || !fpath || !parents) {
		free(qdir);
		free(fpath);
		free(parents);
		return INV_ENOMEM;
	}
	slash = strrchr(qdir, '/');
	if (slash && slash != qdir)
		*slash = '\0';
	rc = make_entry(p, qdir, err, errlen);
	free(qdir);
	if (!rc)
		rc = write_manifest(p, err, errlen);
	if (!rc && (files = open(fpath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", fpath, strerror(errno));
		rc = INV_EIO;
	}
	for (; !rc && done < p->n; done++)
		if ((rc = move_in(&p->v[done], files, &parents[done], err, errlen)))
			break;
	/* Back into the very dirs they came from, by fd. */
	for (i = done; rc && i-- > 0;)
		if (renameat(files, base_of(p->v[i].to), parents[i], base_of(p->v[i].from)))
			back_failed(&p->v[i]);
	for (i = 0; i < done; i++)
		close(parents[i]);
	if (files >= 0)
		close(files);
	if (rc)
		inv_entry_remove(p);
	free(parents);
	free(fpath);
	return rc;
}
