/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - running a command in namespaces, Landlock and seccomp, with
 * the overt proxy as its only way out (`overt run`).
 *
 * The setup is a fixed list of steps run in order, as bubblewrap does:
 * namespaces, mounts, the relay to the proxy, then for the command itself
 * capabilities, no_new_privs, Landlock and seccomp, then exec.  A step that
 * fails stops everything before exec with a message naming the kernel
 * feature that is missing, unless the caller allows a degraded sandbox, in
 * which case a loud warning is printed and the next step runs.
 *
 * Processes: the caller (outside) forks a supervisor that enters the new
 * user, mount, UTS, IPC and network namespaces and relays 127.0.0.1:PORT
 * inside to the proxy's Unix socket outside; it forks the PID namespace's
 * init, which mounts /proc and forks the command.  docs/RUN.md has the
 * threat model.
 */
#ifndef OVERT_SANDBOX_H
#define OVERT_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

enum sbx_error {
	SBX_OK = 0,
	SBX_ESETUP = -1,   /* a setup step failed; the message names it */
	SBX_ESYS = -2,     /* fork, pipe or wait failed */
	SBX_EREADY = -3,   /* the ready callback failed */
	SBX_EEXEC = -4,    /* the command could not be exec'd (*status is 127) */
};

struct sbx_config {
	char *const *argv;          /* the command; argv[0] is looked up in envp's PATH */
	char *const *envp;          /* its whole environment */
	const char *cwd;            /* the project directory: read-write, the start dir */
	const char *const *read;    /* read and execute beneath these */
	size_t nread;
	const char *const *write;   /* read and write beneath these */
	size_t nwrite;
	const char *const *hide;    /* paths overmounted with an empty one (~/.ssh) */
	size_t nhide;
	const char *hostname;       /* NULL: "overt" */
	/* The relay: 127.0.0.1:@port inside connects to @proxy_socket outside
	 * (a Unix socket path, absolute, at most 100 bytes).  NULL: no relay. */
	const char *proxy_socket;
	uint16_t port;
	bool allow_degraded;        /* warn about failed steps instead of stopping */
	bool quiet;                 /* no warnings for optional features */
	bool timing;                /* print the setup time to stderr */
	/* Called by the caller's process once the sandbox is being set up, e.g.
	 * to wait for the proxy; the command is exec'd only after it returns 0. */
	int (*ready)(void *arg, char *err, size_t errlen);
	void *ready_arg;
};

/* What the sandbox achieved, for the audit log and the user. */
struct sbx_report {
	int landlock_abi;           /* 0 when Landlock is unavailable */
	unsigned degraded;          /* steps that failed and were skipped */
	char degraded_steps[256];   /* their names, comma-separated */
	double setup_ms;            /* fork to exec, as measured by the command */
};

/*
 * sbx_run - run the command in the sandbox and wait for it.  Returns 0 and
 * sets *@status to the command's exit status, or 128 + the signal that
 * killed it; or an SBX_E* code with a message in @err (lowercase, naming
 * the step and the kernel feature).  @rep may be NULL.  SIGTERM and SIGHUP
 * are passed on to the command; SIGINT and SIGQUIT reach it from the
 * terminal and are ignored by the processes around it.
 */
int sbx_run(const struct sbx_config *cfg, int *status, struct sbx_report *rep,
	    char *err, size_t errlen);

/* sbx_landlock_abi - the kernel's Landlock ABI version, 0 if none. */
int sbx_landlock_abi(void);

/* sbx_relay_run - relay connections accepted on @listen_fd (-1: none) to
 * the Unix socket @path until process @child exits; its wait status goes to
 * *@wstatus.  For the supervisor, which _exits afterwards.  0 or -errno. */
int sbx_relay_run(int listen_fd, const char *path, int child, int *wstatus);

/* ---- ns.c: namespace primitives, shared with overt probe's cells ----
 * Each returns 0 or a negative errno with a message in @err. */

/* sbx_ns_map_ids - just after unshare(CLONE_NEWUSER): deny setgroups and
 * map @in_uid and @in_gid inside to @out_uid and @out_gid, our effective
 * ids outside as read before the unshare (after it, geteuid() gives the
 * overflow id until the map is written). */
int sbx_ns_map_ids(unsigned in_uid, unsigned in_gid, unsigned out_uid, unsigned out_gid,
		   char *err, size_t errlen);

/* sbx_ns_private_mounts - in a new mount namespace: make every mount
 * private, so nothing mounted afterwards propagates back to the host. */
int sbx_ns_private_mounts(char *err, size_t errlen);

/* sbx_ns_loopback_up - in a new network namespace: bring up "lo". */
int sbx_ns_loopback_up(char *err, size_t errlen);

/* sbx_ns_mount_proc - in a new PID (and mount) namespace: a /proc of its
 * own over /proc (nosuid, nodev, noexec). */
int sbx_ns_mount_proc(char *err, size_t errlen);

/* sbx_ns_tmpfs_keep - an empty tmpfs (mount options @opts) over the
 * directory @dir, with the @n paths in @keep that are beneath it and exist
 * bound back in at the same place (read-only when @readonly): a project or
 * a script in /tmp stays, the rest of /tmp is gone.  At most 64 kept. */
int sbx_ns_tmpfs_keep(const char *dir, const char *opts, const char *const *keep, size_t n,
		      bool readonly, char *err, size_t errlen);

/* sbx_ns_bind_file - bind @src (a generated file, /dev/null) over @dst,
 * e.g. /etc/hosts, in the current mount namespace only. */
int sbx_ns_bind_file(const char *src, const char *dst, char *err, size_t errlen);

/* ---- home.c: a fresh HOME (overt probe's cells, overt run --fresh-home) ---- */

/* sbx_home_copy - copy the directory @tmpl into the existing @home: dirs,
 * regular files, symlinks; at most @max_bytes of file data.  0, or a
 * negative errno with a message in @err. */
int sbx_home_copy(const char *home, const char *tmpl, uint64_t max_bytes,
		  char *err, size_t errlen);

/* sbx_home_write - write @text to @home/@name, where @name is "~/path" or
 * "path" (no "..", not absolute), making its directories; "{url}" in @text
 * becomes @url unless @url is NULL.  Mode 0600.  0, or a negative errno
 * with a message in @err. */
int sbx_home_write(const char *home, const char *name, const char *text, const char *url,
		   char *err, size_t errlen);

/* sbx_write_text - create or truncate @path (@mode) with @n bytes of @text.
 * sbx_mkdir_parents - make @path's parent directories (0755); @path is
 * changed and restored.  Both 0 or a negative errno. */
int sbx_write_text(const char *path, const char *text, size_t n, mode_t mode);
int sbx_mkdir_parents(char *path);

/* sbx_tree_remove - remove @path and everything beneath it, as far as
 * possible (directories made unwritable are opened up first). */
void sbx_tree_remove(const char *path);

/* sbx_forward_resolve - HOST:PORT ("[v6]:PORT") to the first of its
 * addresses where something accepts a TCP connection now.  0; -EINVAL when
 * it is not HOST:PORT or does not resolve; or -errno of the last connect;
 * with a message in @err. */
int sbx_forward_resolve(const char *hostport, struct sockaddr_storage *to, socklen_t *tolen,
			char *err, size_t errlen);

/* sbx_forward_start - make the proxy at TCP @hostport reachable through a
 * new Unix socket at @sock_path (for cfg.proxy_socket): checks that a proxy
 * answers there, then forks a forwarder (*@pid) that connects to it once per
 * connection, until it gets SIGTERM or this process dies.  The caller
 * removes @sock_path.  0, or a negative code with a message in @err. */
int sbx_forward_start(const char *sock_path, const char *hostport, pid_t *pid,
		      char *err, size_t errlen);

/* sbx_forward_run - the forwarder's loop (relay.c) on the listening Unix
 * socket @listen_fd; returns on SIGTERM.  0 or a negative libuv code. */
int sbx_forward_run(int listen_fd, const struct sockaddr *to, socklen_t tolen);

#endif
