/* SPDX-License-Identifier: MIT */
/*
 * run_policy.c - what `overt run` lets the command see: its environment,
 * the paths it may read and write, the secrets hidden from it.
 *
 * The command is recognised as a known agent (data/agents/) by its name;
 * that agent, and only that one, gets its state directories read-write,
 * since granting every agent's would hand one agent another's tokens.  The
 * base-URL variables of every known agent point at the relay, so whichever
 * the command starts talks to the proxy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/run.h"
#include "util/banned.h"

#define RELAY_URL "http://127.0.0.1:8787"
#define RELAY_PORT 8787

/* Overmounted with an empty directory (or /dev/null) on top of Landlock:
 * a pathname Unix socket in one of them (gpg-agent) is not a Landlock
 * matter, and a project that is HOME itself would otherwise expose them. */
static const char *const hidden[] = {
	".ssh", ".aws", ".gnupg", ".config/gcloud", ".netrc", ".azure", ".kube", ".docker",
	".git-credentials", ".npmrc", ".pypirc", ".password-store", ".local/share/keyrings",
	".config/gh", ".terraform.d", ".mozilla", ".config/google-chrome", ".config/chromium",
	".config/BraveSoftware", ".thunderbird",
};

extern char **environ;

static char *own(struct run_session *s, char *str)
{
	if (str && run_list_add(&s->owned, str)) {
		free(str);
		return NULL;
	}
	return str;
}

static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n] || (n == 1 && dir[0] == '/'));
}

/* Paths given by the user must exist: Landlock rules hold open files. */
static int resolve_list(struct run_session *s, struct run_list *l, const char *opt)
{
	size_t i;
	char *r;

	for (i = 0; i < l->n; i++) {
		r = own(s, realpath(l->v[i], NULL));
		if (!r) {
			fprintf(stderr, "overt: %s '%s': %s\n", opt, l->v[i], strerror(errno));
			return -1;
		}
		l->v[i] = r;
	}
	return 0;
}

static const struct agent_def *detect_agent(const struct agent_set *set, const char *cmd)
{
	const char *base = strrchr(cmd, '/');
	size_t i, j;

	base = base ? base + 1 : cmd;
	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->v[i].bin.n; j++)
			if (!strcmp(set->v[i].bin.v[j], base))
				return &set->v[i];
	return NULL;
}

/* The agent's state: read-write, directories made when missing (a file
 * such as ~/.claude.json is left for the agent to make in a directory it
 * can write, or not). */
static int agent_state(struct run_opts *o, struct run_session *s, const char *home)
{
	const struct agent_def *a = s->agent;
	struct stat st;
	size_t i;
	char *p;

	for (i = 0; a && home && i < a->state.n; i++) {
		p = own(s, agent_expand(a->state.v[i], NULL, NULL, home));
		if (!p)
			return -1;
		if (stat(p, &st)) {
			const char *base = strrchr(p, '/');

			if (!base || !base[1] || strchr(base + 2, '.') || mkdir(p, 0700))
				continue;
		}
		if (run_list_add(&o->write, p))
			return -1;
	}
	return 0;
}

static int hide_secrets(struct run_opts *o, struct run_session *s, const char *home)
{
	char path[PATH_MAX];
	size_t i, j;
	bool skip;

	for (i = 0; home && i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", home, hidden[i]);
		skip = beneath(s->cwd, path);
		for (j = 0; j < o->read.n; j++)
			skip |= beneath(o->read.v[j], path) || beneath(path, o->read.v[j]);
		for (j = 0; j < o->write.n; j++)
			skip |= beneath(o->write.v[j], path) || beneath(path, o->write.v[j]);
		if (!skip && !access(path, F_OK) && run_list_add(&o->hide, own(s, strdup(path))))
			return -1;
	}
	return 0;
}

static int set_env(struct run_session *s, const char *name, const char *value, bool force)
{
	if (!force && sbx_env_has(&s->env, name))
		return 0;
	return sbx_env_set(&s->env, name, value);
}

/* The host's variables, filtered, then ours. */
static int build_env(struct run_opts *o, struct run_session *s)
{
	static const char *const proxies[] = { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
					       "https_proxy" };
	const struct agent_def *a = s->agent;
	size_t i;
	int rc;

	rc = sbx_env_from_host(&s->env, environ, o->pass.v, o->pass.n, &s->dropped);
	rc = rc ? rc : set_env(s, "TZ", o->tz ? o->tz : "UTC", true);
	rc = rc ? rc : set_env(s, "LANG", o->lang ? o->lang : "C.UTF-8", true);
	rc = rc ? rc : set_env(s, "TMPDIR", "/tmp", true);
	for (i = 0; !rc && i < sizeof(proxies) / sizeof(proxies[0]); i++)
		rc = set_env(s, proxies[i], RELAY_URL, false);
	rc = rc ? rc : set_env(s, "NO_PROXY", "127.0.0.1,localhost,::1", false);
	rc = rc ? rc : set_env(s, "no_proxy", "127.0.0.1,localhost,::1", false);
	for (i = 0; !rc && i < s->agents.n; i++) {
		const struct agent_def *d = &s->agents.v[i];
		char *v;

		if (!d->base_url_env || !d->base_url_value)
			continue;
		v = agent_expand(d->base_url_value, RELAY_URL, NULL, NULL);
		rc = v ? set_env(s, d->base_url_env, v, false) : -1;
		free(v);
	}
	for (i = 0; !rc && a && i < a->nenv; i++)
		rc = set_env(s, a->env[i].key, a->env[i].value, false);
	for (i = 0; !rc && i < o->setenv.n; i++) {
		const char *eq = strchr(o->setenv.v[i], '=');
		char *name = strndup(o->setenv.v[i], (size_t)(eq - o->setenv.v[i]));

		rc = name ? set_env(s, name, eq + 1, true) : -1;
		free(name);
	}
	return rc;
}

/* DIR/audit.db, unless another session's proxy is writing it (one writer
 * per log): then DIR/audit-PID.db, so two agents can run side by side. */
static char *default_db(const char *dir)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/audit.db", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK) {
		snprintf(path, sizeof(path), "%s/audit-%ld.db", dir, (long)getpid());
		fprintf(stderr, "overt: %s/audit.db is in use by another session; this one "
			"is logged in %s\n", dir, path);
	}
	if (fd >= 0)
		close(fd);
	return strdup(path);
}

/* An agent that takes its base URL as arguments (codex: -c
 * openai_base_url=...) gets them right after its name. */
static int agent_args(struct run_opts *o, struct run_session *s)
{
	const struct agent_def *a = s->agent;
	struct run_list argv = { 0 };
	size_t i;
	int rc = 0;

	if (!a || !a->base_url_args.n)
		return 0;
	rc |= run_list_add(&argv, o->argv[0]);
	for (i = 0; !rc && i < a->base_url_args.n; i++) {
		char *v = own(s, agent_expand(a->base_url_args.v[i], RELAY_URL, NULL, NULL));

		rc = v ? run_list_add(&argv, v) : -1;
	}
	for (i = 1; !rc && o->argv[i]; i++)
		rc = run_list_add(&argv, o->argv[i]);
	rc = rc ? rc : run_list_add(&argv, NULL);
	if (rc || run_list_add(&s->owned, (const char *)argv.v)) {
		free(argv.v);
		return -1;
	}
	o->argv = (char **)argv.v;
	return 0;
}

/*
 * --fresh-home: SESSION/home, empty but for the home template and the
 * agent definition's files ({url} is the relay), read-write inside and the
 * command's HOME; the XDG base directories follow it, since the host's may
 * name the real home.  The real home's secrets stay hidden all the same.
 */
static int fresh_home(struct run_opts *o, struct run_session *s)
{
	static const char *const xdg[][2] = {
		{ "XDG_CONFIG_HOME", ".config" }, { "XDG_DATA_HOME", ".local/share" },
		{ "XDG_STATE_HOME", ".local/state" }, { "XDG_CACHE_HOME", ".cache" },
	};
	const struct agent_def *a = s->agent;
	char err[600], path[PATH_MAX];
	size_t i;
	int rc = 0;

	snprintf(s->home, sizeof(s->home), "%s/home", s->dir);
	if (mkdir(s->home, 0700)) {
		fprintf(stderr, "overt: cannot create '%s': %s\n", s->home, strerror(errno));
		s->home[0] = '\0';
		return -1;
	}
	if (o->home_template)
		rc = sbx_home_copy(s->home, o->home_template, (uint64_t)1 << 30, err, sizeof(err));
	for (i = 0; !rc && a && i < a->nfiles; i++)
		rc = sbx_home_write(s->home, a->files[i].key, a->files[i].value, RELAY_URL, err,
				    sizeof(err));
	if (rc) {
		fprintf(stderr, "overt: --fresh-home: %s\n", err);
		return -1;
	}
	rc = run_list_add(&o->write, s->home) || sbx_env_set(&s->env, "HOME", s->home);
	for (i = 0; !rc && i < sizeof(xdg) / sizeof(xdg[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->home, xdg[i][1]);
		rc = sbx_env_set(&s->env, xdg[i][0], path);
	}
	if (rc)
		fprintf(stderr, "overt: out of memory\n");
	return rc ? -1 : 0;
}

/* Where the audit log goes: never where the command can write. */
static int db_path(struct run_opts *o, struct run_session *s, const char *home)
{
	const char *state = getenv("XDG_STATE_HOME");
	char dir[PATH_MAX];
	size_t i;

	if (o->proxy)
		return 0;
	if (o->db) {
		o->db_path = strdup(o->db);
	} else {
		if (state && state[0] == '/')
			snprintf(dir, sizeof(dir), "%s/overt", state);
		else if (home)
			snprintf(dir, sizeof(dir), "%s/.local/state/overt", home);
		else
			snprintf(dir, sizeof(dir), "/tmp/overt-%u", (unsigned)getuid());
		for (i = 1; dir[i]; i++)
			if (dir[i] == '/') {
				dir[i] = '\0';
				mkdir(dir, 0700);
				dir[i] = '/';
			}
		mkdir(dir, 0700);
		o->db_path = default_db(dir);
	}
	if (!o->db_path)
		return -1;
	if (o->db_path[0] != '/' || beneath(o->db_path, s->cwd))
		fprintf(stderr, "overt: warning: the audit log '%s' is where the command can "
			"write; --db PATH outside the project keeps it out of reach\n", o->db_path);
	return 0;
}

int run_policy(struct run_opts *o, struct run_session *s, struct sbx_config *sc)
{
	const char *home = getenv("HOME");

	if (!getcwd(s->cwd, sizeof(s->cwd))) {
		fprintf(stderr, "overt: cannot find the current directory: %s\n", strerror(errno));
		return -1;
	}
	if (agent_set_load_builtin(&s->agents)) {
		fprintf(stderr, "overt: cannot load the agent definitions\n");
		return -1;
	}
	s->agent = detect_agent(&s->agents, o->argv[0]);
	if (home && (beneath(home, s->cwd) || !strcmp(s->cwd, "/")))
		fprintf(stderr, "overt: warning: the project directory '%s' holds your home "
			"directory, which is then writable inside (only known secret paths "
			"are hidden); run overt from the project itself\n", s->cwd);
	if (resolve_list(s, &o->read, "--allow-read") || resolve_list(s, &o->write, "--allow-write"))
		return -1;
	if (build_env(o, s)) {
		fprintf(stderr, "overt: out of memory\n");
		return -1;
	}
	if (o->fresh_home && fresh_home(o, s))
		return -1;
	/* The agent's state is in the HOME it runs with; the real home's
	 * secrets are hidden either way. */
	if (agent_state(o, s, o->fresh_home ? s->home : home) || hide_secrets(o, s, home) ||
	    agent_args(o, s) || db_path(o, s, home)) {
		fprintf(stderr, "overt: out of memory\n");
		return -1;
	}
	sc->argv = o->argv;
	sc->envp = s->env.v;
	sc->cwd = s->cwd;
	sc->read = o->read.v;
	sc->nread = o->read.n;
	sc->write = o->write.v;
	sc->nwrite = o->write.n;
	sc->hide = o->hide.v;
	sc->nhide = o->hide.n;
	sc->port = RELAY_PORT;
	sc->allow_degraded = o->degraded;
	sc->timing = o->timing;
	return 0;
}

void run_policy_release(struct run_session *s)
{
	size_t i;

	for (i = 0; i < s->owned.n; i++)
		free((char *)s->owned.v[i]);
	free(s->owned.v);
	sbx_env_release(&s->env);
	sbx_env_release(&s->dropped);
	agent_set_free(&s->agents);
}
