/* SPDX-License-Identifier: MIT */
/*
 * landlock_abi.h - the Landlock kernel interface up to ABI 7.
 *
 * Debian 12's <linux/landlock.h> stops at ABI 2 (Linux 5.19), but the
 * kernels overt runs on report up to ABI 7, and the rules that matter most
 * for a sandbox whose only way out is the proxy are newer: TCP connect
 * rules (ABI 4), the truncate and device-ioctl rights (ABI 3, 5) and
 * scoping of abstract Unix sockets and signals (ABI 6).  The values below
 * are the kernel's UAPI (include/uapi/linux/landlock.h, Linux 6.15),
 * written out here under our own names so they never clash with whatever
 * header the build machine has.  No libc wraps these system calls.
 */
#ifndef OVERT_SANDBOX_LANDLOCK_ABI_H
#define OVERT_SANDBOX_LANDLOCK_ABI_H

#include <stdint.h>
#include <sys/syscall.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

/* landlock_create_ruleset(NULL, 0, LL_CREATE_RULESET_VERSION) returns the ABI. */
#define LL_CREATE_RULESET_VERSION (1U << 0)

/* struct landlock_ruleset_attr, all three fields (ABI 6).  The kernel takes
 * a larger struct from an older caller and a smaller one from a newer
 * caller as long as the bytes it does not know are zero. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;  /* ABI 4 */
	uint64_t scoped;              /* ABI 6 */
};

enum ll_rule_type {
	LL_RULE_PATH_BENEATH = 1,
	LL_RULE_NET_PORT = 2,         /* ABI 4 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* Filesystem rights. */
#define LL_FS_EXECUTE     (1ULL << 0)
#define LL_FS_WRITE_FILE  (1ULL << 1)
#define LL_FS_READ_FILE   (1ULL << 2)
#define LL_FS_READ_DIR    (1ULL << 3)
#define LL_FS_REMOVE_DIR  (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR   (1ULL << 6)
#define LL_FS_MAKE_DIR    (1ULL << 7)
#define LL_FS_MAKE_REG    (1ULL << 8)
#define LL_FS_MAKE_SOCK   (1ULL << 9)
#define LL_FS_MAKE_FIFO   (1ULL << 10)
#define LL_FS_MAKE_BLOCK  (1ULL << 11)
#define LL_FS_MAKE_SYM    (1ULL << 12)
#define LL_FS_REFER       (1ULL << 13)  /* ABI 2 */
#define LL_FS_TRUNCATE    (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV   (1ULL << 15)  /* ABI 5 */

/* Rights that make sense on a file (not a directory) rule. */
#define LL_FS_FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
			   LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

/* Network rights (ABI 4). */
#define LL_NET_BIND_TCP    (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)

/* Scopes (ABI 6): no connecting to abstract Unix sockets, no signals,
 * outside the domain. */
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL               (1ULL << 1)

#endif
