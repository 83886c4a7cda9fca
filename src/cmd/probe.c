/* SPDX-License-Identifier: MIT */
/*
 * probe.c - `overt probe`: run an agent once per cell of an environment
 * matrix, each against a fresh mock in its own namespaces, and report
 * what it sends that depends on the environment.
 *
 * The command parses options, builds the plan and the run description
 * (from an agent profile, data/agents/NAME.json, or from --base-url-env and
 * --key-env), forks one runner per cell, at most -j at a time, and shows
 * progress on a terminal.  When all have run it loads the recordings,
 * analyses them, runs the scanner and writes the report.  Exit status: 1
 * when a covert difference was found, 0 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "agent/agent.h"
#include "cmd/cmd.h"
#include "probe/probe.h"
#include "sandbox/sandbox.h"
#include "util/parse.h"
#include "util/banned.h"

static const char usage_text[] =
	"usage: overt probe [options] [--] COMMAND [ARGS...]\n"
	"       overt probe --agent NAME [options]\n"
	"\n"
	"Run an agent once per cell of an environment matrix (timezone, locale, proxy\n"
	"variables, the host name in its base URL), each against a fresh mock model\n"
	"server in its own user, mount and network namespaces, and report what it\n"
	"sends that depends on the environment: covert (invisible characters,\n"
	"look-alikes, separators, whitespace), visible, or noise (differs between\n"
	"identical runs).  {url} in ARGS is the mock's base URL.\n"
	"\n"
	"  -a, --agent NAME           an agent profile (data/agents/NAME.json): how it\n"
	"                             takes the base URL, a dummy key, env and files\n"
	"      --agents-dir DIR       more agent profiles\n"
	"      --prompt TEXT          the prompt when COMMAND is left out (\"say ok\")\n"
	"      --base-url-env VAR[=TEMPLATE]  the base URL goes in VAR (TEMPLATE\n"
	"                             default \"{url}\", e.g. OPENAI_BASE_URL={url}/v1)\n"
	"      --key-env VAR          a dummy API key goes in VAR\n"
	"  -e, --env VAR=VALUE        another variable for the agent (repeatable)\n"
	"      --home-template DIR    copied into each cell's fresh HOME\n"
	"      --tz LIST              timezones (default UTC,America/New_York,\n"
	"                             Asia/Shanghai,Asia/Urumqi,Europe/Moscow)\n"
	"      --lang LIST            locales (default en_US.UTF-8,zh_CN.UTF-8)\n"
	"      --host LIST            base-URL hosts (default 127.0.0.1,localhost,\n"
	"                             api.example.cn,api.openai-proxy.org,\n"
	"                             api.deepseek.com,dashscope.aliyuncs.com)\n"
	"      --proxy                add the proxy factor: HTTP(S)_PROXY set or not\n"
	"      --repeat N             baseline runs, to learn the noise (default 2)\n"
	"      --single               change one factor at a time, no pairs\n"
	"      --full                 the full factorial\n"
	"  -j, --jobs N               cells in parallel (default: the number of CPUs)\n"
	"      --timeout S            seconds per cell before its process group is\n"
	"                             killed (default 120)\n"
	"      --port N               the mock's port inside each cell (default 80)\n"
	"      --format text|json     the report (default text)\n"
	"      --show-noise           list noise differences too\n"
	"      --keep DIR             keep the cells' recordings in DIR\n"
	"  -h, --help                 show this help\n"
	"\n"
	"Exit status: 0 no covert difference, 1 a covert difference, 2 usage,\n"
	"3 bad agent profile, 4 runtime error.\n";

struct args {
	struct probe_plan plan;
	struct probe_run run;
	enum probe_design design;
	unsigned repeat, jobs;
	const char *agent, *agents_dir, *prompt, *keep;
	int json, show_noise, proxy;
	struct agent_set agents;
	char **cmd;
	size_t ncmd;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "overt probe: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nsee 'overt probe --help'\n");
	return EXIT_USAGE;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	uint64_t v;

	if (strpbrk(s, "KMGkmg") || parse_size(s, hi, &v) || v < lo)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int add_kv(struct probe_env **v, size_t *n, const char *key, size_t klen,
		  const char *value)
{
	struct probe_env *e = realloc(*v, (*n + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	*v = e;
	e[*n].key = strndup(key, klen);
	e[*n].value = strdup(value);
	if (!e[*n].key || !e[*n].value)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int levels(struct args *a, enum probe_factor f, const char *list)
{
	char err[300];

	if (probe_levels_parse(f, list, &a->plan.f[f], err, sizeof(err)))
		return usage_error("%s", err);
	return 0;
}

static int parse_option(struct args *a, int opt)
{
	const char *eq;

	switch (opt) {
	case 'a': a->agent = optarg; return 0;
	case 'D': a->agents_dir = optarg; return 0;
	case 'P': a->prompt = optarg; return 0;
	case 'B':
		eq = strchr(optarg, '=');
		a->run.base_url_env = eq ? strndup(optarg, (size_t)(eq - optarg)) : optarg;
		a->run.base_url_tmpl = eq ? eq + 1 : "{url}";
		return 0;
	case 'K': a->run.key_env = optarg; return 0;
	case 'e':
		eq = strchr(optarg, '=');
		if (!eq || eq == optarg)
			return usage_error("--env takes VAR=VALUE, not '%s'", optarg);
		return add_kv(&a->run.env, &a->run.nenv, optarg, (size_t)(eq - optarg), eq + 1) ?
		       EXIT_RUNTIME : 0;
	case 'H': a->run.home_template = optarg; return 0;
	case 'T': return levels(a, PROBE_TZ, optarg);
	case 'L': return levels(a, PROBE_LANG, optarg);
	case 'N': return levels(a, PROBE_HOST, optarg);
	case 'X': a->proxy = 1; return 0;
	case 'r':
		return parse_uint(optarg, 1, 100, &a->repeat) ?
		       usage_error("--repeat takes a count from 1 to 100, not '%s'", optarg) : 0;
	case 's': a->design = PROBE_DESIGN_SINGLE; return 0;
	case 'F': a->design = PROBE_DESIGN_FULL; return 0;
	case 'j':
		return parse_uint(optarg, 1, 1024, &a->jobs) ?
		       usage_error("-j takes a count from 1 to 1024, not '%s'", optarg) : 0;
	case 't':
		if (parse_uint(optarg, 1, 86400, &a->run.timeout_ms))
			return usage_error("--timeout takes seconds, not '%s'", optarg);
		a->run.timeout_ms *= 1000;
		return 0;
	case 'p':
		return parse_uint(optarg, 1, 65535, &a->run.port) ||
		       a->run.port == PROBE_PROXY_PORT ?
		       usage_error("--port takes a port other than 3128, not '%s'", optarg) : 0;
	case 'f':
		if (strcmp(optarg, "text") && strcmp(optarg, "json"))
			return usage_error("--format takes text or json, not '%s'", optarg);
		a->json = !strcmp(optarg, "json");
		return 0;
	case 'n': a->show_noise = 1; return 0;
	case 'k': a->keep = optarg; return 0;
	default:
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "agents-dir", required_argument, NULL, 'D' },
		{ "prompt", required_argument, NULL, 'P' },
		{ "base-url-env", required_argument, NULL, 'B' },
		{ "key-env", required_argument, NULL, 'K' },
		{ "env", required_argument, NULL, 'e' },
		{ "home-template", required_argument, NULL, 'H' },
		{ "tz", required_argument, NULL, 'T' },
		{ "lang", required_argument, NULL, 'L' },
		{ "host", required_argument, NULL, 'N' },
		{ "proxy", no_argument, NULL, 'X' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "single", no_argument, NULL, 's' },
		{ "full", no_argument, NULL, 'F' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "show-noise", no_argument, NULL, 'n' },
		{ "keep", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc;

	/* '+': the agent's own options after COMMAND are not ours. */
	while ((opt = getopt_long(argc, argv, "+a:e:j:h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage_text, stdout);
			return -1;
		}
		rc = parse_option(a, opt);
		if (rc)
			return rc;
	}
	a->cmd = argv + optind;
	a->ncmd = (size_t)(argc - optind);
	if (!a->ncmd && !a->agent)
		return usage_error("%s", "give the agent's COMMAND, or --agent NAME");
	return 0;
}

/* A command name without a slash, looked up in PATH now: the cell's
 * mounts must not change which program runs. */
static char *resolve(const char *name, const char *path)
{
	char buf[4096];
	const char *p = path, *colon;
	size_t n;

	if (strchr(name, '/'))
		return realpath(name, NULL);
	while (p && *p) {
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", name);
		if (!access(buf, X_OK))
			return realpath(buf, NULL);
		p = colon ? colon + 1 : NULL;
	}
	return NULL;
}

static int push_arg(struct args *a, const char *s, const char *prompt)
{
	char **v = realloc(a->run.argv, (a->run.argc + 2) * sizeof(*v));
	char *x = prompt ? agent_expand(s, NULL, prompt, NULL) : strdup(s);

	if (!v || !x) {
		free(x);
		return -ENOMEM;
	}
	a->run.argv = v;
	v[a->run.argc++] = x;
	v[a->run.argc] = NULL;
	return 0;
}

/* The agent profile: base URL, key, env, files, and the command when none
 * was given (its first executable and its one-shot prompt). */
static int apply_agent(struct args *a)
{
	const struct agent_def *d;
	char err[512] = "";
	size_t i;
	int rc;

	if (agent_set_load_builtin(&a->agents) ||
	    (a->agents_dir && agent_set_load_dir(&a->agents, a->agents_dir, err, sizeof(err)))) {
		fprintf(stderr, "overt probe: cannot load the agent profiles: %s\n",
			*err ? err : "out of memory");
		return EXIT_CONFIG;
	}
	d = agent_find(&a->agents, a->agent);
	if (!d) {
		fprintf(stderr, "overt probe: no agent profile '%s'; give --base-url-env and "
				"--key-env for an agent overt does not know\n", a->agent);
		return EXIT_USAGE;
	}
	if (!d->base_url_env && !d->base_url_args.n) {
		fprintf(stderr, "overt probe: agent '%s' cannot be pointed at a model server\n",
			a->agent);
		return EXIT_CONFIG;
	}
	if (!a->ncmd && !d->bin.n) {
		fprintf(stderr, "overt probe: agent '%s' names no executable; give COMMAND\n",
			a->agent);
		return EXIT_USAGE;
	}
	rc = push_arg(a, a->ncmd ? a->cmd[0] : d->bin.v[0], NULL);
	for (i = 0; i < d->base_url_args.n && !rc; i++)
		rc = push_arg(a, d->base_url_args.v[i], NULL);
	for (i = 1; i < a->ncmd && !rc; i++)
		rc = push_arg(a, a->cmd[i], NULL);
	for (i = 0; !a->ncmd && i < d->prompt.n && !rc; i++)
		rc = push_arg(a, d->prompt.v[i], a->prompt);
	if (!a->run.base_url_env && d->base_url_env) {
		a->run.base_url_env = d->base_url_env;
		a->run.base_url_tmpl = d->base_url_value ? d->base_url_value : "{url}";
	}
	if (!a->run.key_env)
		a->run.key_env = d->key_env;
	for (i = 0; i < d->nenv && !rc; i++)
		rc = add_kv(&a->run.env, &a->run.nenv, d->env[i].key, strlen(d->env[i].key),
			    d->env[i].value);
	for (i = 0; i < d->nfiles && !rc; i++)
		rc = add_kv(&a->run.files, &a->run.nfiles, d->files[i].key,
			    strlen(d->files[i].key), d->files[i].value);
	return rc ? EXIT_RUNTIME : 0;
}

static int build_run(struct args *a)
{
	const char *path = getenv("PATH");
	char *exe;
	size_t i;
	int rc;

	a->run.path = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
	if (a->agent) {
		rc = apply_agent(a);
		if (rc)
			return rc;
	} else {
		for (i = 0; i < a->ncmd; i++)
			if (push_arg(a, a->cmd[i], NULL))
				return EXIT_RUNTIME;
	}
	exe = resolve(a->run.argv[0], a->run.path);
	if (!exe) {
		fprintf(stderr, "overt probe: cannot find '%s' in PATH\n", a->run.argv[0]);
		return EXIT_USAGE;
	}
	free(a->run.argv[0]);
	a->run.argv[0] = exe;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void cell_dir(const char *work, size_t i, char *out, size_t n)
{
	snprintf(out, n, "%s/cell-%03zu", work, i + 1);
}

/* The runner: prepare the cell's directory, then enter it.  On a setup
 * error the result file says why. */
static void child(struct args *a, size_t i, const char *dir)
{
	char err[512];
	FILE *f;

	if (probe_cell_prepare(&a->run, &a->plan, i, dir, err, sizeof(err))) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/result", dir);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "setup-failed %s\n", err);
			fclose(f);
		}
		_exit(0);
	}
	probe_cell_exec(&a->run, &a->plan, i, dir);
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* SIGINT or SIGTERM: the runners are stopped (each kills its agent's
 * process group; an agent whose runner is killed outright dies with it,
 * PR_SET_PDEATHSIG), and the command cleans up and exits 128 + signal. */
static void catch_stop(int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? on_stop : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void kill_runners(const pid_t *pids, size_t n)
{
	size_t i;

	/* SIGTERM: a runner kills its agent's process group before it goes. */
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

static void progress(int on, size_t done, size_t total, size_t running)
{
	if (on)
		fprintf(stderr, "\rovert probe: %zu/%zu cells done, %zu running\x1b[K", done, total,
			running);
}

static int run_cells(struct args *a, const char *work)
{
	size_t n = a->plan.ncells, next = 0, done = 0, running = 0, i;
	pid_t *pids = calloc(n, sizeof(*pids)), pid;
	double *start = calloc(n, sizeof(*start));
	int tty = isatty(STDERR_FILENO), st;
	char dir[4096];

	if (!pids || !start)
		return -ENOMEM;
	fflush(NULL);
	catch_stop(1);
	while (done < n) {
		while (next < n && running < a->jobs) {
			cell_dir(work, next, dir, sizeof(dir));
			start[next] = now_ms();
			pid = fork();
			if (pid < 0)
				break;
			if (!pid) {
				catch_stop(0);
				child(a, next, dir);
			}
			pids[next++] = pid;
			running++;
		}
		progress(tty, done, n, running);
		pid = stop_signal ? -1 : waitpid(-1, &st, 0);
		if (stop_signal) {
			kill_runners(pids, next);
			break;
		}
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < next && pids[i] != pid; i++)
			;
		if (i == next)
			continue;
		a->plan.cells[i].total_ms = now_ms() - start[i];
		pids[i] = 0;
		running--;
		done++;
	}
	if (tty)
		fputs("\r\x1b[K", stderr);
	free(pids);
	free(start);
	return done == n ? 0 : -ECHILD;
}

/* Results, recordings, analysis and the scanner. */
static int analyse(struct args *a, const char *work, struct probe_capture *caps,
		   struct probe_result *res)
{
	char dir[4096], err[600];
	size_t i, ok = 0, n;
	int rc = 0;

	for (i = 0; i < a->plan.ncells; i++) {
		cell_dir(work, i, dir, sizeof(dir));
		if (probe_cell_result(dir, &a->plan.cells[i], err, sizeof(err))) {
			fprintf(stderr, "overt probe: cell %zu: %s\n", i + 1, err);
			continue;
		}
		ok++;
		if (probe_load(dir, a->plan.f[PROBE_HOST].v[a->plan.cells[i].lv[PROBE_HOST]],
			       &caps[i], err, sizeof(err))) {
			fprintf(stderr, "overt probe: cell %zu: %s\n", i + 1, err);
			return EXIT_RUNTIME;
		}
		a->plan.cells[i].nrequests = (unsigned)caps[i].n;
	}
	if (!ok) {
		fprintf(stderr, "overt probe: no cell could be set up\n");
		return EXIT_RUNTIME;
	}
	for (i = 0, n = 0; i < a->plan.ncells; i++)
		n += a->plan.cells[i].nrequests;
	if (!n)
		fprintf(stderr, "overt probe: no request reached the mock in any cell; does the "
				"agent take its base URL from %s? --keep DIR keeps each cell's "
				"out/stderr\n", a->run.base_url_env ? a->run.base_url_env : "its arguments");
	rc = probe_analyze(&a->plan, caps, res);
	rc = rc ? rc : probe_scan(&a->plan, caps, res, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "overt probe: cannot analyse the captures: %s\n", strerror(-rc));
		return EXIT_RUNTIME;
	}
	return 0;
}

static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	if (!empty)
		errno = EEXIST;
	return empty;
}

static int workdir(struct args *a, char *out, size_t n)
{
	const char *tmp = getenv("TMPDIR");

	if (a->keep) {
		if (mkdir(a->keep, 0700) && (errno != EEXIST || !empty_dir(a->keep))) {
			fprintf(stderr, "overt probe: cannot create '%s': %s\n", a->keep,
				errno == EEXIST ? "it exists and is not empty (recordings of two "
						  "runs must not mix)" : strerror(errno));
			return -1;
		}
		snprintf(out, n, "%s", a->keep);
		return 0;
	}
	snprintf(out, n, "%s/overt-probe-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(out)) {
		fprintf(stderr, "overt probe: cannot create a directory in '%s': %s\n",
			tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A locale level the C library does not have: the agent still gets LANG
 * and LC_ALL (Node reads them through ICU, whatever is installed), but C
 * programs (bash, date, sort, the tools an agent runs) fall back to C, so
 * for them the level is not what it says.  Said once per level.
 */
static void warn_locales(const struct probe_levels *l)
{
	locale_t loc;
	size_t i;

	for (i = 0; i < l->n; i++) {
		loc = newlocale(LC_ALL_MASK, l->v[i], (locale_t)0);
		if (loc) {
			freelocale(loc);
			continue;
		}
		fprintf(stderr, "overt probe: warning: locale '%s' is not installed here: agents "
			"on Node still see it, C programs fall back to C (scripts/setup "
			"generates en_US.UTF-8 and zh_CN.UTF-8; 'locale -a' lists them)\n",
			l->v[i]);
	}
}

static int probe_main(struct args *a)
{
	struct probe_capture *caps = NULL;
	struct probe_result res = { 0 };
	char work[2048];
	size_t i;
	int rc, f;

	for (f = 0; f < PROBE_NFACTORS; f++)
		if (!a->plan.f[f].n && (f == PROBE_PROXY ?
		    probe_levels_parse(PROBE_PROXY, a->proxy ? "off,on" : "off", &a->plan.f[f],
				       NULL, 0) : probe_levels_default((enum probe_factor)f,
								       &a->plan.f[f])))
			return EXIT_RUNTIME;
	rc = build_run(a);
	if (rc)
		return rc;
	warn_locales(&a->plan.f[PROBE_LANG]);
	if (probe_plan_cells(&a->plan, a->design, a->repeat))
		return EXIT_RUNTIME;
	caps = calloc(a->plan.ncells, sizeof(*caps));
	if (!caps || workdir(a, work, sizeof(work))) {
		free(caps);
		return EXIT_RUNTIME;
	}
	a->run.workdir = work;
	rc = run_cells(a, work) ? EXIT_RUNTIME : analyse(a, work, caps, &res);
	if (stop_signal) {
		fprintf(stderr, "overt probe: stopped by signal %d\n", (int)stop_signal);
		rc = 128 + stop_signal;
	}
	if (!rc && !stop_signal) {
		if (a->json)
			probe_report_json(stdout, &a->plan, &res);
		else
			probe_report_text(stdout, &a->plan, &res, a->show_noise);
		rc = res.ncovert ? EXIT_FINDINGS : EXIT_CLEAN;
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "overt probe: cannot write the report: %s\n", strerror(errno));
			rc = EXIT_RUNTIME;
		}
	}
	for (i = 0; i < a->plan.ncells; i++)
		probe_capture_release(&caps[i]);
	free(caps);
	probe_result_release(&res);
	if (!a->keep)
		sbx_tree_remove(work);
	/* Caught from the first runner on, so a signal during the analysis
	 * still leaves no cells behind. */
	catch_stop(0);
	return rc;
}

int cmd_probe(int argc, char **argv)
{
	struct args a;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	a.design = PROBE_DESIGN_PAIRS;
	a.repeat = 2;
	a.jobs = cpus > 0 ? (unsigned)cpus : 1;
	a.prompt = "say ok";
	a.run.timeout_ms = 120000;
	a.run.port = 80;
	rc = parse_args(argc, argv, &a);
	if (!rc)
		rc = probe_main(&a);
	else if (rc < 0)
		rc = EXIT_CLEAN;
	probe_plan_release(&a.plan);
	for (i = 0; i < a.run.argc; i++)
		free(a.run.argv[i]);
	free(a.run.argv);
	for (i = 0; i < a.run.nenv; i++)
		free(a.run.env[i].key), free(a.run.env[i].value);
	free(a.run.env);
	for (i = 0; i < a.run.nfiles; i++)
		free(a.run.files[i].key), free(a.run.files[i].value);
	free(a.run.files);
	if (a.agent)
		agent_set_free(&a.agents);
	return rc;
}
