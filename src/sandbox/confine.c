/* SPDX-License-Identifier: MIT */
/*
 * confine.c - the command's own confinement, applied just before exec:
 * capabilities dropped, no_new_privs, Landlock rules for files and TCP,
 * and a seccomp filter against the usual ways out of a sandbox.
 *
 * Landlock is what keeps ~/.ssh and the other projects out of reach: it is
 * a deny-by-default list of paths, enforced by the kernel on every open,
 * whatever the mounts look like.  The TCP rules allow connect() only to the
 * relay's port, so even a loopback service inside the namespace cannot be
 * reached.  seccomp closes what Landlock does not cover: another process's
 * memory (ptrace, process_vm_*), new namespaces (a fresh user namespace
 * would give back capabilities), mounts, the kernel keyring, BPF, perf,
 * module loading, and typing into the terminal (TIOCSTI).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "sandbox/landlock_abi.h"
#include "util/banned.h"

int sbx_landlock_abi(void)
{
	long v = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int)v;
}

/* ---- capabilities and no_new_privs ---- */

int sbx_step_caps(struct sbx *s, char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int cap;

	(void)s;
	/* The bounding set first: with it empty, not even an exec as uid 0
	 * inside the user namespace gets a capability back. */
	for (cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
			snprintf(err, errlen, "cannot drop capability %d from the bounding set: %s",
				 cap, strerror(errno));
			return -errno;
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear the ambient capabilities: %s", strerror(errno));
		return -errno;
	}
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d)) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int sbx_step_nnp(struct sbx *s, char *err, size_t errlen)
{
	(void)s;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* ---- Landlock ---- */

#define RO_RIGHTS (LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR)
#define RW_RIGHTS (RO_RIGHTS | LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | \
		   LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | \
		   LL_FS_MAKE_SYM | LL_FS_REFER | LL_FS_TRUNCATE)
#define DEV_RIGHTS (LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_READ_DIR | LL_FS_IOCTL_DEV | \
		    LL_FS_TRUNCATE)

/* The system: programs, libraries and configuration, read-only. */
static const char *const system_ro[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
	"/proc", "/sys/fs/cgroup", "/sys/devices/system/cpu",
};
/* Devices a program expects, and the private temporary directories. */
static const char *const system_dev[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
	"/dev/ptmx", "/dev/pts",
};
static const char *const system_rw[] = { "/tmp", "/var/tmp", "/dev/shm" };

static uint64_t fs_handled(int abi)
{
	uint64_t h = (LL_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		h |= LL_FS_REFER;
	if (abi >= 3)
		h |= LL_FS_TRUNCATE;
	if (abi >= 5)
		h |= LL_FS_IOCTL_DEV;
	return h;
}

/* Allow @rights beneath @path; a missing path is skipped unless @must. */
static int add_path(int ruleset, const char *path, uint64_t rights, uint64_t handled,
		    bool must, char *err, size_t errlen)
{
	struct ll_path_beneath_attr a;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		if (!must)
			return 0;
		snprintf(err, errlen, "cannot open '%s' for a Landlock rule: %s", path,
			 strerror(errno));
		return -errno;
	}
	a.allowed_access = rights & handled;
	if (!fstat(fd, &st) && !S_ISDIR(st.st_mode))
		a.allowed_access &= LL_FS_FILE_RIGHTS;
	a.parent_fd = fd;
	if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &a, 0)) {
		rc = -errno;
		snprintf(err, errlen, "landlock_add_rule('%s'): %s", path, strerror(errno));
	}
	close(fd);
	return rc;
}

static int add_list(int rs, const char *const *v, size_t n, uint64_t rights, uint64_t handled,
		    bool must, char *err, size_t errlen)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++)
		rc = add_path(rs, v[i], rights, handled, must, err, errlen);
	return rc;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int restrict_self(int rs, char *err, size_t errlen)
{
	int rc = 0;

	if (syscall(__NR_landlock_restrict_self, rs, 0)) {
		rc = -errno;
		snprintf(err, errlen, "landlock_restrict_self: %s", strerror(errno));
	}
	close(rs);
	return rc;
}

int sbx_step_landlock(struct sbx *s, char *err, size_t errlen)
{
	const struct sbx_config *c = s->cfg;
	struct ll_ruleset_attr attr = { 0 };
	uint64_t h;
	int rs, rc;

	if (s->landlock_abi < 1) {
		snprintf(err, errlen, "the kernel has no Landlock (CONFIG_SECURITY_LANDLOCK and "
			 "landlock in the lsm= boot list)");
		return -ENOSYS;
	}
	h = attr.handled_access_fs = fs_handled(s->landlock_abi);
	rs = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
	if (rs < 0) {
		snprintf(err, errlen, "landlock_create_ruleset: %s", strerror(errno));
		return -errno;
	}
	rc = add_list(rs, system_ro, N(system_ro), RO_RIGHTS, h, false, err, errlen);
	rc = rc ? rc : add_list(rs, system_dev, N(system_dev), DEV_RIGHTS, h, false, err, errlen);
	rc = rc ? rc : add_list(rs, system_rw, N(system_rw), RW_RIGHTS, h, false, err, errlen);
	rc = rc ? rc : add_list(rs, c->read, c->nread, RO_RIGHTS, h, true, err, errlen);
	rc = rc ? rc : add_list(rs, c->write, c->nwrite, RW_RIGHTS, h, true, err, errlen);
	rc = rc ? rc : (c->cwd ? add_path(rs, c->cwd, RW_RIGHTS, h, true, err, errlen) : 0);
	if (rc) {
		close(rs);
		return rc;
	}
	return restrict_self(rs, err, errlen);
}

/*
 * A second Landlock layer for TCP (ABI 4) and scoping (ABI 6): connect()
 * only to the relay's port; no abstract Unix socket or signal crosses out
 * of the sandbox.  Binding is not restricted: the namespace has no other
 * interface, so a bound port is reachable from inside only.
 */
int sbx_step_landlock_net(struct sbx *s, char *err, size_t errlen)
{
	struct ll_ruleset_attr attr = { 0 };
	struct ll_net_port_attr port = { LL_NET_CONNECT_TCP, s->cfg->port };
	int rs;

	if (s->landlock_abi < 4) {
		snprintf(err, errlen, "Landlock ABI %d has no TCP rules (ABI 4, Linux 6.7)",
			 s->landlock_abi);
		return -ENOSYS;
	}
	attr.handled_access_net = LL_NET_CONNECT_TCP;
	if (s->landlock_abi >= 6)
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
	rs = (int)syscall(__NR_landlock_create_ruleset, &attr,
			  s->landlock_abi >= 6 ? sizeof(attr) : 2 * sizeof(uint64_t), 0);
	if (rs < 0) {
		snprintf(err, errlen, "landlock_create_ruleset (net): %s", strerror(errno));
		return -errno;
	}
	if (s->cfg->proxy_socket &&
	    syscall(__NR_landlock_add_rule, rs, LL_RULE_NET_PORT, &port, 0)) {
		snprintf(err, errlen, "landlock_add_rule(port %u): %s", (unsigned)s->cfg->port,
			 strerror(errno));
		close(rs);
		return -errno;
	}
	return restrict_self(rs, err, errlen);
}

/* ---- seccomp ---- */

/* Refused with EPERM whatever their arguments. */
static const char *const denied[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	"mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
	"fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"setns", "iopl", "ioperm", "swapon", "swapoff", "reboot", "syslog", "acct",
	"quotactl", "lookup_dcookie", "name_to_handle_at", "open_by_handle_at",
	"uselib", "vhangup", "nfsservctl", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "fanotify_init", "settimeofday", "clock_settime",
	"clock_adjtime", "adjtimex",
};

static const unsigned long new_ns[] = {
	CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWUTS,
	CLONE_NEWIPC, CLONE_NEWCGROUP,
};

static int seccomp_rules(scmp_filter_ctx ctx)
{
	size_t i;
	int nr, rc = 0;

	for (i = 0; !rc && i < N(denied); i++) {
		nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* New namespaces: a new user namespace would hand back every
	 * capability.  clone3 passes its flags in memory a filter cannot read,
	 * so it gets ENOSYS and libc falls back to clone, which we can check. */
	for (i = 0; !rc && i < N(new_ns); i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, new_ns[i], new_ns[i]));
		rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
						SCMP_A0(SCMP_CMP_MASKED_EQ, new_ns[i], new_ns[i]));
	}
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* Typing into the terminal the agent shares with the user. */
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TIOCSTI));
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TIOCLINUX));
	return rc;
}

int sbx_step_seccomp(struct sbx *s, char *err, size_t errlen)
{
	/* Only the native architecture: a 32-bit system call (int 0x80)
	 * would bypass rules written for 64-bit numbers, so it kills. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	(void)s;
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -ENOMEM;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	rc = rc ? rc : seccomp_rules(ctx);
	if (rc) {
		snprintf(err, errlen, "cannot build the seccomp filter: %s", strerror(-rc));
	} else if ((rc = seccomp_load(ctx))) {
		snprintf(err, errlen, "cannot load the seccomp filter (CONFIG_SECCOMP_FILTER): %s",
			 strerror(-rc));
	}
	seccomp_release(ctx);
	return rc;
}
