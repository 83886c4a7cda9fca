/* SPDX-License-Identifier: MIT */
/*
 * run.h - what the files of `overt run` share: the options, the session,
 * and the steps around the sandbox (policy, audit records, configuration).
 */
#ifndef OVERT_CMD_RUN_H
#define OVERT_CMD_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/agent.h"
#include "sandbox/env.h"
#include "sandbox/sandbox.h"

/* Borrowed strings (argv, the configuration file's, or the session's). */
struct run_list {
	const char **v;
	size_t n, cap;
};

/* What a --config file owns. */
struct run_config {
	char **strings;
	size_t n;
};

struct run_opts {
	const char *upstream, *proxy, *db, *lang, *tz, *proxy_config;
	struct run_list read, write, hosts, pass, setenv, hide;
	const char *home_template;
	bool degraded, timing, verbose, fresh_home;
	char **argv;
	char *db_path;            /* the audit log, resolved; NULL with --proxy */
	struct run_config file;
};

struct run_session {
	char dir[96], socket[128], ready[128], log[128], listen[140];
	char home[128];           /* --fresh-home: the session's HOME, or "" */
	pid_t proxy_pid;
	pid_t forward_pid;        /* --proxy HOST:PORT's forwarder */
	struct agent_set agents;
	const struct agent_def *agent; /* the agent COMMAND is, or NULL */
	struct sbx_env env, dropped;
	struct run_list owned;    /* strings to free */
	struct sbx_report report;
	char cwd[PATH_MAX];
	int64_t start_ms;
};

int run_list_add(struct run_list *l, const char *s);

/* run_policy.c: the environment, paths and sandbox settings of a session.
 * 0, or -1 with a message printed. */
int run_policy(struct run_opts *o, struct run_session *s, struct sbx_config *sc);
void run_policy_release(struct run_session *s);

/* run_record.c: the session's start and end in the audit log. */
int run_record_start(struct run_opts *o, struct run_session *s);
void run_record_end(struct run_opts *o, struct run_session *s, int rc, int status);

/* run_config.c: --config FILE, read before the options (which add to it).
 * 0, or an exit code after a message. */
int run_config_find(int argc, char **argv, struct run_opts *o);
void run_config_release(struct run_config *c);

#endif
