/* SPDX-License-Identifier: MIT */
/*
 * home.c - a fresh HOME for a sandboxed agent: an empty directory seeded
 * from a template directory and an agent definition's files.
 *
 * Shared by `overt probe` (each cell's HOME) and `overt run --fresh-home`,
 * so an agent sees the same first-run files whichever runs it.  The copy
 * is plain (directories, regular files, symlinks as links; sockets and
 * devices left out) and bounded in bytes: a template is the user's, but a
 * mistaken one (a whole real HOME) should fail, not fill the disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/buf.h"
#include "util/banned.h"

int sbx_write_text(const char *path, const char *text, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t w;

	if (fd < 0)
		return -errno;
	while (n) {
		w = write(fd, text, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -EIO;
		}
		text += w;
		n -= (size_t)w;
	}
	return close(fd) ? -errno : 0;
}

int sbx_mkdir_parents(char *path)
{
	char *p;

	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st,
		     uint64_t *budget)
{
	char buf[65536];
	int in, out, rc = 0;
	ssize_t n;

	if ((uint64_t)st->st_size > *budget)
		return -EFBIG;
	*budget -= (uint64_t)st->st_size;
	in = openat(sdir, name, O_RDONLY | O_CLOEXEC);
	out = in < 0 ? -1 : openat(ddir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				   st->st_mode & 0777);
	if (in < 0 || out < 0)
		rc = -errno;
	while (!rc && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -EIO;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* Copies the directory @sfd into @dfd; closes @sfd (fdopendir owns it). */
static int copy_tree(int sfd, int dfd, uint64_t *budget)
{
	DIR *d = fdopendir(sfd);
	struct dirent *e;
	struct stat st;
	char link[4096];
	int rc = 0, in, out;
	ssize_t n;

	if (!d)
		return close(sfd), -errno;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			rc = -errno;
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdirat(dfd, e->d_name, st.st_mode & 0700 ? st.st_mode & 07777 : 0700) &&
			    errno != EEXIST)
				rc = -errno;
			in = rc ? -1 : openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			out = in < 0 ? -1 : openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (!rc && (in < 0 || out < 0))
				rc = -errno;
			if (!rc)
				rc = copy_tree(in, out, budget);
			else if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
			if (n < 0)
				rc = -errno;
			else if ((link[n] = '\0', symlinkat(link, dfd, e->d_name)) && errno != EEXIST)
				rc = -errno;
		} else if (S_ISREG(st.st_mode)) {
			rc = copy_file(dirfd(d), dfd, e->d_name, &st, budget);
		}
	}
	closedir(d);
	return rc;
}

int sbx_home_copy(const char *home, const char *tmpl, uint64_t max_bytes,
		  char *err, size_t errlen)
{
	int sfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (sfd < 0 || dfd < 0) {
		rc = -errno;
		if (sfd >= 0)
			close(sfd);
	} else {
		rc = copy_tree(sfd, dfd, &max_bytes);
	}
	if (dfd >= 0)
		close(dfd);
	if (rc)
		snprintf(err, errlen, "cannot copy the home template '%s': %s", tmpl,
			 rc == -EFBIG ? "larger than the limit" : strerror(-rc));
	return rc;
}

int sbx_home_write(const char *home, const char *name, const char *text, const char *url,
		   char *err, size_t errlen)
{
	char path[4096];
	const char *v = text, *u, *rel = name;
	struct buf out;
	int rc = 0;

	rel += !strncmp(rel, "~/", 2) ? 2 : 0;
	if (!*rel || strstr(rel, "..") || rel[0] == '/') {
		snprintf(err, errlen, "file '%s' is not under ~/", name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", home, rel);
	buf_init(&out, (size_t)1 << 24);
	while (!rc && url && (u = strstr(v, "{url}"))) {
		rc = buf_add(&out, v, (size_t)(u - v)) || buf_adds(&out, url) ? -ENOMEM : 0;
		v = u + 5;
	}
	rc = rc ? rc : buf_adds(&out, v) ? -ENOMEM : 0;
	rc = rc ? rc : sbx_mkdir_parents(path);
	rc = rc ? rc : sbx_write_text(path, out.data ? out.data : "", out.len, 0600);
	if (rc)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-rc));
	buf_release(&out);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0; /* what cannot go stays; the rest goes */
}

/* A directory the command made unwritable: opened up before the removal. */
static int open_up(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

void sbx_tree_remove(const char *path)
{
	nftw(path, open_up, 16, FTW_PHYS);
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
