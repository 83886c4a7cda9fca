/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the sandbox's files share: the state the steps work
 * on and the steps themselves.
 */
#ifndef OVERT_SANDBOX_INTERNAL_H
#define OVERT_SANDBOX_INTERNAL_H

#include <stddef.h>

#include "sandbox/sandbox.h"

/* Where a step runs. */
enum sbx_where {
	SBX_SUPERVISOR,  /* namespaces, mounts, the relay: before the PID namespace */
	SBX_INIT,        /* PID 1 of the new PID namespace */
	SBX_COMMAND,     /* the command's own process, just before exec */
};

struct sbx {
	const struct sbx_config *cfg;
	uid_t uid;
	gid_t gid;
	int listen_fd;       /* the relay's socket, or -1 */
	int landlock_abi;
	const char *relay_name;  /* the proxy socket's name in the supervisor's cwd */
};

/* A step: @run returns 0 or a negative errno with a message in @err. */
struct sbx_step {
	enum sbx_where where;
	const char *name;       /* "network namespace" */
	const char *feature;    /* what the kernel must offer, for the message */
	bool optional;          /* a failure is a note, not a degraded sandbox */
	int (*run)(struct sbx *s, char *err, size_t errlen);
};

/* ns.c */
int sbx_step_userns(struct sbx *s, char *err, size_t errlen);
int sbx_step_mountns(struct sbx *s, char *err, size_t errlen);
int sbx_step_tmp(struct sbx *s, char *err, size_t errlen);
int sbx_step_hide(struct sbx *s, char *err, size_t errlen);
int sbx_step_uts(struct sbx *s, char *err, size_t errlen);
int sbx_step_ipc(struct sbx *s, char *err, size_t errlen);
int sbx_step_net(struct sbx *s, char *err, size_t errlen);
int sbx_step_relay(struct sbx *s, char *err, size_t errlen);
int sbx_step_pidns(struct sbx *s, char *err, size_t errlen);
int sbx_step_proc(struct sbx *s, char *err, size_t errlen);

/* confine.c */
int sbx_step_caps(struct sbx *s, char *err, size_t errlen);
int sbx_step_nnp(struct sbx *s, char *err, size_t errlen);
int sbx_step_landlock(struct sbx *s, char *err, size_t errlen);
int sbx_step_landlock_net(struct sbx *s, char *err, size_t errlen);
int sbx_step_seccomp(struct sbx *s, char *err, size_t errlen);

#endif
