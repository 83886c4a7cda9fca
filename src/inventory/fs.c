/* SPDX-License-Identifier: MIT */
/*
 * fs.c - the inventory's file-system helpers: bounded reads that refuse
 * FIFOs and devices (a home dir is not trusted: a FIFO named package.json
 * must not hang a fleet-wide scan) and, in homes, symlinks and other
 * users' files, package.json fields, symlinks followed
 * inside --root, and the newest mtime of a state dir.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/internal.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/banned.h"

int inv_strv_add(struct inv_strv *s, const char *str)
{
	char **v, *copy = strdup(str);

	if (!copy)
		return INV_ENOMEM;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v) {
		free(copy);
		return INV_ENOMEM;
	}
	v[s->n++] = copy;
	s->v = v;
	return 0;
}

void inv_strv_free(struct inv_strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int inv_strv_has(const struct inv_strv *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return 1;
	return 0;
}

void *inv_grow_at(void *array, size_t *n, size_t size, size_t idx)
{
	void **v = array;
	char *grown;

	if (idx < *n)
		return (char *)*v + idx * size;
	if (idx != *n)
		return NULL;
	grown = realloc(*v, (*n + 1) * size);
	if (!grown)
		return NULL;
	*v = grown;
	memset(grown + idx * size, 0, size);
	(*n)++;
	return grown + idx * size;
}

char *inv_json_string(const struct json_walker *w, size_t start, size_t end)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	if (json_unescape(w->body + start + 1, end - start - 2, &b)) {
		buf_release(&b);
		return NULL;
	}
	return buf_take(&b);
}

char *inv_path_join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *p;

	while (na > 1 && a[na - 1] == '/')
		na--;
	while (*b == '/' && na) {
		b++;
		nb--;
	}
	p = malloc(na + nb + 2);
	if (!p)
		return NULL;
	memcpy(p, a, na);
	if (na && (na != 1 || a[0] != '/'))
		p[na++] = '/';
	memcpy(p + na, b, nb + 1);
	return p;
}

/* Reads @fd (closed here): a regular file of at most @max bytes, owned by
 * @owner or root unless @owner is (uid_t)-1. */
static char *read_fd(int fd, size_t max, size_t *len, uid_t owner)
{
	struct stat st;
	struct buf b;
	char chunk[8192];
	ssize_t got;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max ||
	    (owner != (uid_t)-1 && st.st_uid != owner && st.st_uid != 0)) {
		errno = fstat(fd, &st) ? errno : !S_ISREG(st.st_mode) ? EINVAL :
			(uint64_t)st.st_size > max ? EFBIG : EPERM;
		close(fd);
		return NULL;
	}
	buf_init(&b, max);
	while ((got = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(&b, chunk, (size_t)got)) {
			got = -1;
			errno = EFBIG;
			break;
		}
	close(fd);
	if (got < 0 || buf_addc(&b, '\0')) {
		buf_release(&b);
		return NULL;
	}
	if (len)
		*len = b.len - 1;
	return buf_take(&b);
}

char *inv_read_file(const char *path, size_t max, size_t *len)
{
	return read_fd(open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), max, len,
		       (uid_t)-1);
}

/* Run as root over users' homes, a user decides what a path in their home
 * leads to.  A package.json that is a symlink to a root-only file, or a
 * hard link to another user's, would make root print that file's "version"
 * when its "name" matches an agent: the last component is never followed,
 * and in a home the file must belong to its user or to root.  A symlinked
 * package *dir* (pnpm's layout) is still followed; what it leads to must
 * pass the same owner check.  System-wide places have no owner check: a
 * Linuxbrew or Homebrew prefix belongs to the user who installed it, and
 * an install missed there would be worse than what the check prevents
 * (symlinks are still refused; hard links to files one does not own are
 * refused by the kernel with fs.protected_hardlinks, Debian's default). */
char *inv_read_owned(const struct inv_scan *s, const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);

	return read_fd(fd, max, len, geteuid() == 0 ? s->owner : (uid_t)-1);
}

struct pkg_fields {
	char *name;
	char *version;
};

static int on_pkg_value(void *ctx, const struct json_walker *w, enum json_kind kind,
			size_t start, size_t end)
{
	struct pkg_fields *f = ctx;
	char **slot = NULL;

	if (w->depth != 1 || kind != JSON_STRING)
		return 0;
	if (json_seg_is(&w->segs[0], "name"))
		slot = &f->name;
	else if (json_seg_is(&w->segs[0], "version"))
		slot = &f->version;
	if (!slot || *slot)
		return 0;
	*slot = inv_json_string(w, start, end);
	return 0;
}

int inv_package_json(const struct inv_scan *s, const char *path, char **name,
		     char **version)
{
	struct pkg_fields f = { NULL, NULL };
	struct json_visitor v = { .ctx = &f, .value = on_pkg_value };
	struct json_error jerr;
	size_t len;
	char *text = inv_read_owned(s, path, INV_MAX_SMALL_FILE, &len);

	*name = *version = NULL;
	if (!text)
		return -1;
	if (json_walk((const uint8_t *)text, len, 64, &v, &jerr) || !f.name) {
		free(f.name);
		free(f.version);
		free(text);
		return -1;
	}
	free(text);
	*name = f.name;
	*version = f.version;
	return 0;
}

int inv_looks_like_version(const char *s)
{
	if (!s || *s < '0' || *s > '9')
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || *s == '.' || *s == '-' || *s == '+'))
			return 0;
	return 1;
}

/* Lexically: drop "." and empty components, resolve "..", in place. */
static void normalise(char *p)
{
	char *out = p, *in = p;

	if (*in != '/')
		return;
	while (*in) {
		while (*in == '/')
			in++;
		if (!*in)
			break;
		if (in[0] == '.' && (in[1] == '/' || !in[1])) {
			in++;
		} else if (in[0] == '.' && in[1] == '.' && (in[2] == '/' || !in[2])) {
			in += 2;
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			while (*in && *in != '/')
				*out++ = *in++;
		}
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

char *inv_resolve(const char *root, const char *path)
{
	char target[PATH_MAX], *cur = strdup(path), *next, *slash;
	ssize_t n;
	int hops;

	for (hops = 0; cur && hops < 40; hops++) {
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			break;
		target[n] = '\0';
		if (target[0] == '/') {
			next = inv_path_join(root[0] ? root : "/", target);
		} else {
			slash = strrchr(cur, '/');
			if (slash)
				*slash = '\0';
			next = inv_path_join(slash ? (cur[0] ? cur : "/") : ".", target);
		}
		free(cur);
		cur = next;
		if (cur)
			normalise(cur);
	}
	if (cur)
		normalise(cur);
	return cur;
}

int inv_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

static int64_t mtime_of(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec;
}

int64_t inv_newest_mtime(const char *path)
{
	struct stat st;
	struct dirent *e;
	int64_t newest;
	size_t count = 0;
	DIR *d;
	int fd;

	if (lstat(path, &st))
		return -1;
	newest = mtime_of(&st);
	if (!S_ISDIR(st.st_mode))
		return newest;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return newest;
	}
	/* One level only: a session writes its files directly in the state dir
	 * or in a dir it creates there, which bumps that dir's mtime. */
	while ((e = readdir(d)) && count++ < INV_MAX_DIR_ENTRIES)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) && mtime_of(&st) > newest)
			newest = mtime_of(&st);
	closedir(d);
	return newest;
}

int inv_each_entry(const char *dir, int (*fn)(void *ctx, const char *dir, const char *name),
		   void *ctx)
{
	struct dirent *e;
	size_t count = 0;
	int rc = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while (!rc && (e = readdir(d)) && count++ < INV_MAX_DIR_ENTRIES)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = fn(ctx, dir, e->d_name);
	closedir(d);
	return rc;
}

int inv_open_parent(const char *path, const char **base)
{
	char name[NAME_MAX + 1];
	const char *at = path, *slash, *last = strrchr(path, '/');
	int fd, next;
	size_t n;

	fd = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Each component below the start, never following a symlink: as root
	 * over users' homes, a parent swapped for a symlink after the scan
	 * must not lead the rename somewhere else. */
	while (fd >= 0 && last && at < last) {
		while (*at == '/')
			at++;
		if (at > last || !(slash = strchr(at, '/')))
			break;
		n = (size_t)(slash - at);
		if (n > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, at, n);
		name[n] = '\0';
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		at = slash;
	}
	*base = last ? last + 1 : path;
	if (fd >= 0 && (!**base || !strcmp(*base, ".") || !strcmp(*base, ".."))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}
