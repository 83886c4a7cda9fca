/* SPDX-License-Identifier: MIT */
/*
 * ns.c - the namespace and mount steps, run by the supervisor (and /proc by
 * the PID namespace's init).
 *
 * Each step is one unshare() or one group of mounts, so a kernel that lacks
 * a feature fails exactly one named step.  The user namespace comes first:
 * it is what lets an unprivileged user make the others.  Mounts are made
 * private before anything is mounted, so nothing leaks back to the host.
 * /tmp, /var/tmp, /dev/shm and /run get empty tmpfs mounts: the command's
 * temporary files are its own, and the host's sockets there (ssh-agent,
 * D-Bus, the Docker socket under /run) are gone: Landlock does not stop a
 * connect() to a Unix socket by path, an empty mount does.
 *
 * The primitives under the steps (id maps, private mounts, loopback up,
 * /proc, a file bound over another) are exported for `overt probe`, whose
 * cells need the same and differ only in the policy around them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "util/banned.h"

static int fail(char *err, size_t errlen, const char *what, const char *arg)
{
	int e = errno;

	snprintf(err, errlen, "%s%s%s: %s", what, arg ? " " : "", arg ? arg : "", strerror(e));
	return -e;
}

static int write_file(const char *path, const char *text, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return fail(err, errlen, "cannot open", path);
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text)) {
		int rc = fail(err, errlen, "cannot write", path);

		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

/* mkdir -p for @path's components below @top (which exists); the last
 * one too unless @parents_only (where a file is to go). */
static void make_dirs(const char *path, size_t top, bool parents_only)
{
	char p[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(p))
		return;
	memcpy(p, path, n + 1);
	for (i = top + 1; i < n + !parents_only; i++)
		if (p[i] == '/' || !p[i]) {
			char c = p[i];

			p[i] = '\0';
			mkdir(p, 0700);
			p[i] = c;
		}
}

static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/';
}

/* ---- primitives shared with overt probe's cells (sandbox.h) ---- */

int sbx_ns_map_ids(unsigned in_uid, unsigned in_gid, unsigned out_uid, unsigned out_gid,
		   char *err, size_t errlen)
{
	char map[64];
	int rc;

	/* An unprivileged process may map only its own ids, and the gid only
	 * once setgroups is denied (a kernel without the file has no such
	 * rule). */
	rc = write_file("/proc/self/setgroups", "deny", err, errlen);
	if (rc == -ENOENT)
		rc = 0;
	snprintf(map, sizeof(map), "%u %u 1\n", in_uid, out_uid);
	rc = rc ? rc : write_file("/proc/self/uid_map", map, err, errlen);
	snprintf(map, sizeof(map), "%u %u 1\n", in_gid, out_gid);
	rc = rc ? rc : write_file("/proc/self/gid_map", map, err, errlen);
	return rc;
}

int sbx_ns_private_mounts(char *err, size_t errlen)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail(err, errlen, "cannot make the mounts private:", "/");
	return 0;
}

/* A new network namespace has a loopback interface, down: bring it up. */
int sbx_ns_loopback_up(char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, "socket", NULL);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		rc = fail(err, errlen, "SIOCGIFFLAGS", "lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (!rc && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		rc = fail(err, errlen, "cannot bring up", "lo");
	close(fd);
	return rc;
}

int sbx_ns_mount_proc(char *err, size_t errlen)
{
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return fail(err, errlen, "cannot mount a new /proc", NULL);
	return 0;
}

int sbx_ns_bind_file(const char *src, const char *dst, char *err, size_t errlen)
{
	if (mount(src, dst, NULL, MS_BIND, NULL)) {
		int e = errno;

		snprintf(err, errlen, "cannot bind '%s' over '%s': %s", src, dst, strerror(e));
		return -e;
	}
	return 0;
}

/* Kept paths are opened before the tmpfs covers them, then bind-mounted
 * from their descriptors onto directories (or empty files) made in it. */
int sbx_ns_tmpfs_keep(const char *dir, const char *opts, const char *const *keep, size_t n,
		      bool readonly, char *err, size_t errlen)
{
	int fds[64], rc = 0;
	struct stat st;
	char src[64];
	bool file;
	size_t i;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++)
		fds[i] = beneath(keep[i], dir) ? open(keep[i], O_PATH | O_CLOEXEC) : -1;
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts))
		rc = fail(err, errlen, "cannot mount a tmpfs on", dir);
	for (i = 0; i < n; i++) {
		if (!rc && fds[i] >= 0) {
			snprintf(src, sizeof(src), "/proc/self/fd/%d", fds[i]);
			file = !fstat(fds[i], &st) && !S_ISDIR(st.st_mode);
			make_dirs(keep[i], strlen(dir), file);
			if (file)
				close(open(keep[i], O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
			if (mount(src, keep[i], NULL, MS_BIND | MS_REC, NULL))
				rc = fail(err, errlen, "cannot bind back", keep[i]);
			else if (readonly)
				mount(NULL, keep[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID |
				      MS_NODEV, NULL);
		}
		if (fds[i] >= 0)
			close(fds[i]);
	}
	return rc;
}

/* ---- the steps ---- */

int sbx_step_userns(struct sbx *s, char *err, size_t errlen)
{
	if (unshare(CLONE_NEWUSER))
		return fail(err, errlen, "unshare(CLONE_NEWUSER)", NULL);
	/* The same ids inside as outside: files keep their owners. */
	return sbx_ns_map_ids((unsigned)s->uid, (unsigned)s->gid, (unsigned)s->uid,
			      (unsigned)s->gid, err, errlen);
}

int sbx_step_mountns(struct sbx *s, char *err, size_t errlen)
{
	(void)s;
	if (unshare(CLONE_NEWNS))
		return fail(err, errlen, "unshare(CLONE_NEWNS)", NULL);
	return sbx_ns_private_mounts(err, errlen);
}

/*
 * A fresh tmpfs on @dir, with the paths the command is given beneath it
 * (a project in /tmp) bound back in.
 */
static int tmpfs(struct sbx *s, const char *dir, char *err, size_t errlen)
{
	const struct sbx_config *c = s->cfg;
	const char *keep[66];
	struct stat st;
	size_t n = 0, i;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return 0;
	if (c->cwd && beneath(c->cwd, dir))
		keep[n++] = c->cwd;
	for (i = 0; i < c->nwrite && n < 64; i++)
		if (beneath(c->write[i], dir))
			keep[n++] = c->write[i];
	for (i = 0; i < c->nread && n < 64; i++)
		if (beneath(c->read[i], dir))
			keep[n++] = c->read[i];
	return sbx_ns_tmpfs_keep(dir, "mode=1777,size=50%", keep, n, false, err, errlen);
}

int sbx_step_tmp(struct sbx *s, char *err, size_t errlen)
{
	static const char *const dirs[] = { "/tmp", "/var/tmp", "/dev/shm", "/run" };
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		rc = tmpfs(s, dirs[i], err, errlen);
	return rc;
}

/* An empty, read-only directory or file over each secret-holding path. */
int sbx_step_hide(struct sbx *s, char *err, size_t errlen)
{
	const struct sbx_config *c = s->cfg;
	struct stat st;
	size_t i;

	for (i = 0; i < c->nhide; i++) {
		if (lstat(c->hide[i], &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", c->hide[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV |
				  MS_NOEXEC, "mode=0500,size=4k"))
				return fail(err, errlen, "cannot hide", c->hide[i]);
		} else if (S_ISREG(st.st_mode)) {
			int rc = sbx_ns_bind_file("/dev/null", c->hide[i], err, errlen);

			if (rc)
				return rc;
		}
	}
	return 0;
}

int sbx_step_uts(struct sbx *s, char *err, size_t errlen)
{
	const char *name = s->cfg->hostname ? s->cfg->hostname : "overt";

	if (unshare(CLONE_NEWUTS))
		return fail(err, errlen, "unshare(CLONE_NEWUTS)", NULL);
	if (sethostname(name, strlen(name)) || setdomainname("", 0))
		return fail(err, errlen, "sethostname", name);
	return 0;
}

int sbx_step_ipc(struct sbx *s, char *err, size_t errlen)
{
	(void)s;
	if (unshare(CLONE_NEWIPC))
		return fail(err, errlen, "unshare(CLONE_NEWIPC)", NULL);
	return 0;
}

int sbx_step_net(struct sbx *s, char *err, size_t errlen)
{
	(void)s;
	if (unshare(CLONE_NEWNET))
		return fail(err, errlen, "unshare(CLONE_NEWNET)", NULL);
	return sbx_ns_loopback_up(err, errlen);
}

/* The relay's socket, bound now so the command can connect at once. */
int sbx_step_relay(struct sbx *s, char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, one = 1;

	if (!s->cfg->proxy_socket)
		return 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, errlen, "socket", NULL);
	a.sin_port = htons(s->cfg->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
		int rc = fail(err, errlen, "cannot listen on 127.0.0.1 port", "inside");

		close(fd);
		return rc;
	}
	s->listen_fd = fd;
	return 0;
}

int sbx_step_pidns(struct sbx *s, char *err, size_t errlen)
{
	(void)s;
	if (unshare(CLONE_NEWPID))
		return fail(err, errlen, "unshare(CLONE_NEWPID)", NULL);
	return 0;
}

/* In the new PID namespace: a /proc that shows its processes only, so the
 * command cannot read the host's /proc/PID/environ or cmdline. */
int sbx_step_proc(struct sbx *s, char *err, size_t errlen)
{
	(void)s;
	return sbx_ns_mount_proc(err, errlen);
}
