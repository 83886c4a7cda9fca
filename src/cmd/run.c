/* SPDX-License-Identifier: MIT */
/*
 * run.c - `overt run`: a command in a sandbox whose only way out is the
 * inspecting proxy.
 *
 * The session: an `overt proxy` child listening on a Unix socket in a
 * private directory (0700), logging to the audit log, with CONNECT allowed
 * to the hosts named by --allow-host; the command in the sandbox of
 * src/sandbox/, where 127.0.0.1:8787 is relayed to that socket and the base
 * URLs of known agents and HTTP(S)_PROXY point there.  The session's start
 * (command and policy) and end (status, what the sandbox achieved) are
 * events in the same audit log, around the proxy's own records.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "overt.h"
#include "agent/agent.h"
#include "audit/audit.h"
#include "cmd/cmd.h"
#include "cmd/run.h"
#include "json/json.h"
#include "sandbox/env.h"
#include "sandbox/sandbox.h"
#include "util/buf.h"
#include "util/banned.h"

static const char usage_text[] =
	"usage: overt run [options] -- COMMAND [ARGS...]\n"
	"\n"
	"Run COMMAND in a sandbox (user, mount, network, PID, UTS and IPC namespaces,\n"
	"Landlock, seccomp) whose only way out is an overt proxy for this session.\n"
	"Inside, 127.0.0.1:8787 is the proxy: known agents' base-URL variables and\n"
	"HTTP(S)_PROXY point at it.  Exits with COMMAND's status (128+N if killed by N).\n"
	"\n"
	"      --upstream URL       where model requests go (for the session's proxy)\n"
	"      --config FILE        a run configuration (docs/RUN.md); options add to it\n"
	"      --proxy ADDR         use a running 'overt proxy --listen ADDR': unix:PATH\n"
	"                           or HOST:PORT (e.g. 127.0.0.1:8080)\n"
	"      --db PATH            the audit log (default ~/.local/state/overt/audit.db)\n"
	"      --allow-read PATH    readable and executable inside (repeatable)\n"
	"      --allow-write PATH   readable and writable inside (repeatable); the\n"
	"                           current directory always is\n"
	"      --allow-host HOST[:PORT]  CONNECT tunnels to HOST (port 443 unless given,\n"
	"                           * for any port) are allowed (repeatable)\n"
	"      --env-pass NAME      keep variable NAME from this environment (repeatable)\n"
	"      --env NAME=VALUE     set a variable inside (repeatable)\n"
	"      --fresh-home         a private, empty HOME inside, seeded with the\n"
	"                           agent definition's files (docs/RUN.md)\n"
	"      --home-template DIR  with --fresh-home: copy DIR into it first\n"
	"      --lang LANG          LANG inside (default C.UTF-8)\n"
	"      --tz TZ              TZ inside (default UTC)\n"
	"      --allow-degraded     run even when a sandbox step fails, with a warning\n"
	"      --timing             print how long the sandbox took to set up\n"
	"      --verbose            the session proxy's log on stderr\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: COMMAND's, or 2 usage, 3 configuration, 4 the sandbox or the\n"
	"proxy could not be set up (the message names the missing kernel feature).\n";

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "overt run: %s '%s'\nsee 'overt run --help'\n", what, arg);
	return EXIT_USAGE;
}

int run_list_add(struct run_list *l, const char *s)
{
	const char **v;

	if (l->n == l->cap) {
		v = realloc(l->v, (l->cap ? 2 * l->cap : 8) * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = l->cap ? 2 * l->cap : 8;
	}
	l->v[l->n++] = s;
	return 0;
}

static int parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "upstream", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'C' },
		{ "proxy", required_argument, NULL, 'p' },
		{ "db", required_argument, NULL, 'd' },
		{ "allow-read", required_argument, NULL, 'r' },
		{ "allow-write", required_argument, NULL, 'w' },
		{ "allow-host", required_argument, NULL, 'H' },
		{ "env-pass", required_argument, NULL, 'e' },
		{ "env", required_argument, NULL, 'E' },
		{ "lang", required_argument, NULL, 'L' },
		{ "tz", required_argument, NULL, 'Z' },
		{ "allow-degraded", no_argument, NULL, 'D' },
		{ "fresh-home", no_argument, NULL, 'F' },
		{ "home-template", required_argument, NULL, 'M' },
		{ "timing", no_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc = 0;

	while (!rc && (opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u': o->upstream = optarg; break;
		case 'C': break; /* read first, in cmd_run */
		case 'p': o->proxy = optarg; break;
		case 'd': o->db = optarg; break;
		case 'r': rc = run_list_add(&o->read, optarg); break;
		case 'w': rc = run_list_add(&o->write, optarg); break;
		case 'H': rc = run_list_add(&o->hosts, optarg); break;
		case 'e': rc = run_list_add(&o->pass, optarg); break;
		case 'E':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return usage_error("--env takes NAME=VALUE, not", optarg);
			rc = run_list_add(&o->setenv, optarg);
			break;
		case 'L': o->lang = optarg; break;
		case 'Z': o->tz = optarg; break;
		case 'D': o->degraded = true; break;
		case 'F': o->fresh_home = true; break;
		case 'M': o->home_template = optarg; break;
		case 'T': o->timing = true; break;
		case 'v': o->verbose = true; break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (rc) {
		fprintf(stderr, "overt: out of memory\n");
		return EXIT_RUNTIME;
	}
	if (optind >= argc)
		return usage_error("name the command to run after --, e.g.", "overt run -- claude");
	o->argv = argv + optind;
	if (o->proxy && strncmp(o->proxy, "unix:/", 6) &&
	    (!strchr(o->proxy, ':') || !strncmp(o->proxy, "unix:", 5)))
		return usage_error("--proxy takes unix:/PATH or HOST:PORT (the proxy's --listen), "
				   "not", o->proxy);
	if (o->home_template && !o->fresh_home)
		return usage_error("--home-template needs --fresh-home:", o->home_template);
	if (!o->proxy && !o->upstream && !o->proxy_config)
		return usage_error("--upstream URL is needed (where model requests go), e.g.",
				   "https://api.anthropic.com");
	return 0;
}

/* ---- the session's directory and proxy ---- */

static int make_session_dir(struct run_session *s)
{
	const char *tmp = getenv("TMPDIR");

	/* A short path: a Unix socket name holds at most 107 bytes. */
	if (!tmp || strlen(tmp) > 60 || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(s->dir, sizeof(s->dir), "%s/overt-run-XXXXXX", tmp);
	if (!mkdtemp(s->dir)) {
		fprintf(stderr, "overt: cannot create a session directory in '%s': %s\n", tmp,
			strerror(errno));
		return -1;
	}
	snprintf(s->socket, sizeof(s->socket), "%s/proxy.sock", s->dir);
	snprintf(s->ready, sizeof(s->ready), "%s/ready", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/proxy.log", s->dir);
	return 0;
}

static void remove_session_dir(struct run_session *s)
{
	if (!s->dir[0])
		return;
	if (s->home[0])
		sbx_tree_remove(s->home);
	unlink(s->socket);
	unlink(s->ready);
	unlink(s->log);
	rmdir(s->dir);
}

/* The proxy's command line: `overt proxy` as this very binary. */
static int proxy_args(const struct run_opts *o, struct run_session *s, struct run_list *a)
{
	size_t i;
	int rc = 0;

	snprintf(s->listen, sizeof(s->listen), "unix:%s", s->socket);
	rc |= run_list_add(a, "overt");
	rc |= run_list_add(a, "proxy");
	rc |= run_list_add(a, "--listen");
	rc |= run_list_add(a, s->listen);
	rc |= run_list_add(a, "--ready-file");
	rc |= run_list_add(a, s->ready);
	if (o->proxy_config) {
		rc |= run_list_add(a, "--config");
		rc |= run_list_add(a, o->proxy_config);
	}
	if (o->upstream) {
		rc |= run_list_add(a, "--upstream");
		rc |= run_list_add(a, o->upstream);
	}
	if (o->db_path) {
		rc |= run_list_add(a, "--db");
		rc |= run_list_add(a, o->db_path);
	}
	for (i = 0; i < o->hosts.n; i++) {
		rc |= run_list_add(a, "--allow-connect");
		rc |= run_list_add(a, o->hosts.v[i]);
	}
	rc |= run_list_add(a, NULL);
	return rc ? -1 : 0;
}

static int start_proxy(const struct run_opts *o, struct run_session *s)
{
	struct run_list a = { 0 };
	int fd;

	if (proxy_args(o, s, &a)) {
		free(a.v);
		fprintf(stderr, "overt: out of memory\n");
		return -1;
	}
	fflush(NULL);
	s->proxy_pid = fork();
	if (s->proxy_pid == 0) {
		/* Its log would mix with the command's output: it goes to a file
		 * shown when the proxy fails; the audit log has everything. */
		fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0 && !o->verbose)
			dup2(fd, 2);
		/* Its own process group: the Ctrl-C meant for the agent (which
		 * may use it to interrupt a turn) must not stop the proxy. */
		setpgid(0, 0);
		execv("/proc/self/exe", (char **)a.v);
		fprintf(stderr, "overt: cannot start the proxy: %s\n", strerror(errno));
		_exit(126);
	}
	free(a.v);
	if (s->proxy_pid < 0) {
		fprintf(stderr, "overt: cannot start the proxy: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void show_proxy_log(const struct run_session *s)
{
	char line[1024];
	FILE *f = fopen(s->log, "r");

	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "  proxy: %s", line);
	if (f)
		fclose(f);
}

/* The sandbox's ready callback: the proxy is listening, or it failed. */
static int wait_proxy(void *arg, char *err, size_t errlen)
{
	struct run_session *s = arg;
	struct timespec nap = { 0, 2 * 1000 * 1000 };
	int i, st;

	if (!s->proxy_pid)
		return 0;
	for (i = 0; i < 15000; i++) {
		if (!access(s->ready, F_OK))
			return 0;
		if (waitpid(s->proxy_pid, &st, WNOHANG) == s->proxy_pid) {
			s->proxy_pid = 0;
			snprintf(err, errlen, "the session's proxy could not start");
			show_proxy_log(s);
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	snprintf(err, errlen, "the session's proxy did not start within 30 s");
	return -1;
}

/* --proxy HOST:PORT: the forwarder the sandbox's relay reaches it through. */
static int start_forward(const struct run_opts *o, struct run_session *s)
{
	char err[512];
	int rc;

	rc = sbx_forward_start(s->socket, o->proxy, &s->forward_pid, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "overt: --proxy %s: %s\n", o->proxy, err);
		return rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	return 0;
}

static void stop_forward(struct run_session *s)
{
	if (s->forward_pid <= 0)
		return;
	kill(s->forward_pid, SIGTERM);
	while (waitpid(s->forward_pid, NULL, 0) < 0 && errno == EINTR)
		;
	s->forward_pid = 0;
}

static int stop_proxy(struct run_session *s)
{
	int st = 0;

	if (s->proxy_pid <= 0)
		return 0;
	kill(s->proxy_pid, SIGTERM);
	while (waitpid(s->proxy_pid, &st, 0) < 0 && errno == EINTR)
		;
	s->proxy_pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "overt: the session's proxy ended with an error:\n");
		show_proxy_log(s);
		return -1;
	}
	return 0;
}

/* ---- entry ---- */

static void opts_release(struct run_opts *o)
{
	free(o->read.v);
	free(o->write.v);
	free(o->hosts.v);
	free(o->pass.v);
	free(o->setenv.v);
	free(o->hide.v);
	free(o->db_path);
	run_config_release(&o->file);
}

static int run_session(struct run_opts *o, struct run_session *s)
{
	struct sbx_config sc = { 0 };
	char err[1024];
	int rc, status = 0;

	/* The proxy's socket, the forwarder's or the fresh HOME live in it. */
	if ((!o->proxy || strncmp(o->proxy, "unix:", 5) || o->fresh_home) && make_session_dir(s))
		return EXIT_RUNTIME;
	if (run_policy(o, s, &sc))
		return EXIT_RUNTIME;
	if (!o->proxy) {
		if (run_record_start(o, s) || start_proxy(o, s))
			return EXIT_RUNTIME;
		sc.proxy_socket = s->socket;
	} else if (!strncmp(o->proxy, "unix:", 5)) {
		sc.proxy_socket = o->proxy + 5;
	} else {
		if ((rc = start_forward(o, s)))
			return rc;
		sc.proxy_socket = s->socket;
	}
	sc.ready = wait_proxy;
	sc.ready_arg = s;
	rc = sbx_run(&sc, &status, &s->report, err, sizeof(err));
	if (rc == SBX_EEXEC) {
		fprintf(stderr, "overt: %s\n", err);
		status = 127;
	} else if (rc) {
		fprintf(stderr, "overt: sandbox: %s\n", err);
		if (rc == SBX_ESETUP && !o->degraded)
			fprintf(stderr, "overt: nothing was run; --allow-degraded runs it with "
				"less isolation (docs/RUN.md)\n");
		status = EXIT_RUNTIME;
	}
	if (o->timing && s->report.setup_ms > 0)
		fprintf(stderr, "overt: sandbox setup took %.2f ms (fork to the "
			"last step before exec)\n",
			s->report.setup_ms);
	stop_forward(s);
	if (stop_proxy(s) && !rc)
		status = status ? status : EXIT_RUNTIME;
	run_record_end(o, s, rc, status);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_session s = { 0 };
	int rc;

	rc = run_config_find(argc, argv, &o);
	if (rc)
		return rc;
	rc = parse(argc, argv, &o);
	if (rc) {
		opts_release(&o);
		return rc < 0 ? EXIT_CLEAN : rc;
	}
	rc = run_session(&o, &s);
	remove_session_dir(&s);
	run_policy_release(&s);
	opts_release(&o);
	return rc;
}
