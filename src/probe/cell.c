/* SPDX-License-Identifier: MIT */
/*
 * cell.c - one cell of `overt probe`: prepare its directory, then run it in
 * a forked runner inside its own namespaces.
 *
 * The runner enters new user, mount, UTS and network namespaces (the user
 * namespace first, so this works unprivileged), maps our uid and gid to
 * 1000 ("user"), brings up loopback and nothing else: the agent has no
 * route and no DNS, so it can reach only the mock.  Generated /etc/hosts
 * (the cell's host name -> 127.0.0.1), resolv.conf (a name server nowhere),
 * passwd and group are bind-mounted over the real ones inside the mount
 * namespace only; the machine's files are never written.  /tmp and /home
 * get fresh tmpfs mounts and the cell's prepared HOME is bound at
 * /home/user, so every cell sees the same paths, user name and host name,
 * and only the factors change.
 *
 * The mock runs in the runner itself (in-process, src/proxy/mock.h) and
 * listens inside the namespace on a fixed port: a child `overt mock` would
 * cost an exec and a ready-file round trip per cell.  The agent runs with
 * no capabilities (it is uid 1000, not 0, in the namespace, so exec drops
 * them), in its own session, as PID 2 of its own PID namespace under a
 * small init; a timeout or its exit takes the namespace down with every
 * process in it (its process group, where no PID namespace can be made).
 *
 * The namespace primitives (id maps, private mounts, loopback, a file
 * bound over /etc/X) and the HOME seeding are `overt run`'s too
 * (src/sandbox/ns.c, home.c); what is the probe's own is the policy: a
 * fixed user and paths per cell, the generated /etc files, the mock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <uv.h>

#include "probe/probe.h"
#include "proxy/http.h"
#include "proxy/mock.h"
#include "sandbox/sandbox.h"
#include "util/banned.h"

#define TEMPLATE_MAX_BYTES ((uint64_t)1 << 30)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The fixed home directory inside every cell. */
static const char *home_base(void)
{
	struct stat st;

	return !stat("/home", &st) && S_ISDIR(st.st_mode) ? "/home" : "/tmp";
}

/* http://HOST, with the port when it is not 80. */
static void cell_url(const struct probe_run *run, const char *host, char *url, size_t n)
{
	if (run->port == 80)
		snprintf(url, n, "http://%s", host);
	else
		snprintf(url, n, "http://%s:%u", host, run->port);
}

static int is_ipv4(const char *s)
{
	return strspn(s, "0123456789.") == strlen(s);
}

static int write_etc(const char *dir, const char *host, char *err, size_t errlen)
{
	char path[4096], text[1024];
	const char *base = home_base();
	int rc;

	snprintf(text, sizeof(text),
		 "# overt probe: this cell's host names, all on loopback\n"
		 "127.0.0.1\tlocalhost %s%s%s\n", PROBE_HOSTNAME, is_ipv4(host) ? "" : " ",
		 is_ipv4(host) || !strcmp(host, "localhost") ? "" : host);
	snprintf(path, sizeof(path), "%s/etc/hosts", dir);
	rc = sbx_write_text(path, text, strlen(text), 0644);
	/* A name server where nothing listens: lookups fail at once. */
	snprintf(text, sizeof(text), "# overt probe: no DNS in this cell\n"
				     "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", dir);
	rc = rc ? rc : sbx_write_text(path, text, strlen(text), 0644);
	snprintf(text, sizeof(text),
		 "root:x:0:0:root:/root:/bin/sh\n"
		 "%s:x:%d:%d:%s:%s/%s:/bin/sh\n"
		 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		 PROBE_USER, PROBE_UID, PROBE_UID, PROBE_USER, base, PROBE_USER);
	snprintf(path, sizeof(path), "%s/etc/passwd", dir);
	rc = rc ? rc : sbx_write_text(path, text, strlen(text), 0644);
	snprintf(text, sizeof(text), "root:x:0:\n%s:x:%d:\nnogroup:x:65534:\n", PROBE_USER,
		 PROBE_UID);
	snprintf(path, sizeof(path), "%s/etc/group", dir);
	rc = rc ? rc : sbx_write_text(path, text, strlen(text), 0644);
	if (rc)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-rc));
	return rc;
}

/* The agent profile's files, "~/x" -> HOME/x, with {url} expanded. */
static int write_files(const struct probe_run *run, const char *dir, const char *url,
		       char *err, size_t errlen)
{
	char home[4096];
	size_t i;
	int rc = 0;

	snprintf(home, sizeof(home), "%s/home", dir);
	for (i = 0; i < run->nfiles && !rc; i++)
		rc = sbx_home_write(home, run->files[i].key, run->files[i].value, url, err,
				    errlen);
	return rc;
}

int probe_cell_prepare(const struct probe_run *run, const struct probe_plan *plan, size_t i,
		       const char *dir, char *err, size_t errlen)
{
	const char *host = plan->f[PROBE_HOST].v[plan->cells[i].lv[PROBE_HOST]];
	static const char *const sub[] = { "", "/etc", "/home", "/home/project", "/out" };
	char path[4096], url[512];
	size_t k;
	int rc;

	for (k = 0; k < sizeof(sub) / sizeof(*sub); k++) {
		snprintf(path, sizeof(path), "%s%s", dir, sub[k]);
		if (mkdir(path, k == 2 || k == 3 ? 0755 : 0700) && errno != EEXIST) {
			snprintf(err, errlen, "cannot create '%s': %s", path, strerror(errno));
			return -errno;
		}
	}
	rc = write_etc(dir, host, err, errlen);
	if (rc)
		return rc;
	if (run->home_template) {
		snprintf(path, sizeof(path), "%s/home", dir);
		rc = sbx_home_copy(path, run->home_template, TEMPLATE_MAX_BYTES, err, errlen);
		if (rc)
			return rc;
	}
	cell_url(run, host, url, sizeof(url));
	return write_files(run, dir, url, err, errlen);
}

/* ---- the runner ---- */

struct runner {
	uv_loop_t loop;
	uv_poll_t exit_poll;         /* the agent's pidfd: readable once it exits */
	pid_t pid;
	uv_timer_t timer;
	struct http_server *srv;
	struct mock *mock;
	double spawned, exited;
	int status, timed_out, exited_flag;
};

static int enter_namespaces(char *err, size_t errlen)
{
	unsigned uid = (unsigned)geteuid(), gid = (unsigned)getegid();
	char why[256];
	int rc;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS)) {
		snprintf(err, errlen, "cannot create namespaces: %s (is "
			 "kernel.unprivileged_userns_clone 0? try 'unshare -rn true')", strerror(errno));
		return -errno;
	}
	rc = sbx_ns_map_ids(PROBE_UID, PROBE_UID, uid, gid, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "cannot map user %d: %s", PROBE_UID, why);
	return rc;
}

static int mount_fail(const char *what, const char *where, char *err, size_t errlen)
{
	int e = errno;

	snprintf(err, errlen, "cannot mount %s on '%s': %s", what, where, strerror(e));
	return -e;
}

/* A fresh /home, with the real users' homes bound back read-only: an agent
 * installed under /home/alice must still run, but must not see or write
 * anyone's files through a path that differs from cell to cell. */
static int hide_homes(const char *base, char *err, size_t errlen)
{
	char src[320], dst[320];
	struct dirent *e;
	struct statvfs sv;
	struct stat st;
	int fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC), rc = 0;
	DIR *d = opendir(base);

	if (fd < 0 || !d || mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")) {
		rc = mount_fail("tmpfs", base, err, errlen);
		goto out;
	}
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, PROBE_USER))
			continue;
		snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", fd, e->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", base, e->d_name);
		if (stat(src, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (mkdir(dst, 0755) || mount(src, dst, NULL, MS_BIND | MS_REC, NULL)) {
			rc = mount_fail(src, dst, err, errlen);
			break;
		}
		/* Keep the flags the kernel locked (nosuid, nodev ...) and add ro. */
		if (!statvfs(dst, &sv))
			mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
			      (sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME |
					    ST_NODIRATIME | ST_RELATIME)), NULL);
	}
out:
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Our cwd is the cell directory, so the relative sources below stay
 * reachable after tmpfs is mounted over /tmp or /home. */
static int setup_mounts(const struct probe_run *run, char *err, size_t errlen)
{
	static const char *const etc[] = { "hosts", "passwd", "group", "resolv.conf" };
	const char *base = home_base();
	const char *keep[64];
	char src[64], dst[64];
	struct stat st;
	size_t i, n = 0;
	int rc;

	rc = sbx_ns_private_mounts(err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < sizeof(etc) / sizeof(*etc); i++) {
		snprintf(src, sizeof(src), "etc/%s", etc[i]);
		snprintf(dst, sizeof(dst), "/etc/%s", etc[i]);
		/* No resolv.conf on the machine: there is no DNS to hide. */
		if (stat(dst, &st) && !strcmp(etc[i], "resolv.conf"))
			continue;
		rc = sbx_ns_bind_file(src, dst, err, errlen);
		if (rc)
			return rc;
	}
	/* Files the command names under /tmp (a script, the agent itself)
	 * stay visible, read-only, in the cell's fresh /tmp; the rest of /tmp
	 * does not. */
	for (i = 0; i < run->argc && n < 64; i++)
		if (!stat(run->argv[i], &st) && S_ISREG(st.st_mode))
			keep[n++] = run->argv[i];
	rc = sbx_ns_tmpfs_keep("/tmp", "mode=1777", keep, n, true, err, errlen);
	if (rc)
		return rc;
	if (strcmp(base, "/tmp") && hide_homes(base, err, errlen))
		return -EPERM;
	snprintf(dst, sizeof(dst), "%s/%s", base, PROBE_USER);
	if (mkdir(dst, 0755) && errno != EEXIST)
		return mount_fail("a directory", dst, err, errlen);
	if (mount("home", dst, NULL, MS_BIND, NULL))
		return mount_fail("the cell's home", dst, err, errlen);
	return 0;
}

static void on_handle_closed(uv_handle_t *h)
{
	(void)h;
}

static volatile pid_t agent_group;

/* @pid is the init of the agent's PID namespace: killing it takes every
 * process in the namespace with it.  Without a PID namespace @pid is the
 * agent, in its own process group.  Async-signal-safe. */
static void kill_agent(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* SIGTERM or SIGINT to the runner (the probe is stopping): the agent's
 * whole process group goes first. */
static void on_agent_exit(uv_poll_t *p, int status, int events)
{
	struct runner *r = p->data;
	int st = 0;

	(void)status;
	(void)events;
	if (waitpid(r->pid, &st, WNOHANG) != r->pid)
		return;
	r->exited = now_ms();
	r->exited_flag = 1;
	r->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	/* Whatever the agent left behind goes with it. */
	kill_agent(r->pid);
	uv_timer_stop(&r->timer);
	uv_close((uv_handle_t *)&r->timer, on_handle_closed);
	uv_poll_stop(p);
	uv_close((uv_handle_t *)p, on_handle_closed);
	http_server_stop(r->srv, 500);
}

static void on_timeout(uv_timer_t *t)
{
	struct runner *r = t->data;

	r->timed_out = 1;
	kill_agent(r->pid);
}

static int add_env(char ***envp, size_t *n, const char *key, const char *value,
		   const char *url)
{
	struct buf b;
	const char *u;
	char **v;
	int rc;

	buf_init(&b, (size_t)1 << 20);
	rc = buf_printf(&b, "%s=", key);
	while (!rc && (u = strstr(value, "{url}"))) {
		rc = buf_add(&b, value, (size_t)(u - value)) || buf_adds(&b, url);
		value = u + 5;
	}
	rc = rc ? rc : buf_adds(&b, value);
	v = rc ? NULL : realloc(*envp, (*n + 2) * sizeof(*v));
	if (!v) {
		buf_release(&b);
		return -ENOMEM;
	}
	*envp = v;
	v[(*n)++] = buf_take(&b);
	v[*n] = NULL;
	return 0;
}

/* The agent's whole environment: nothing is inherited but PATH. */
static char **agent_env(const struct probe_run *run, const struct probe_plan *plan,
			const struct probe_cell *c, const char *url, const char *home)
{
	static const char *const proxy_vars[] = { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
						  "https_proxy" };
	const char *lang = plan->f[PROBE_LANG].v[c->lv[PROBE_LANG]];
	char proxy[64];
	char **env = NULL;
	size_t n = 0, i;
	int rc;

	rc = add_env(&env, &n, "PATH", run->path, url);
	rc = rc ? rc : add_env(&env, &n, "HOME", home, url);
	rc = rc ? rc : add_env(&env, &n, "USER", PROBE_USER, url);
	rc = rc ? rc : add_env(&env, &n, "LOGNAME", PROBE_USER, url);
	rc = rc ? rc : add_env(&env, &n, "SHELL", "/bin/sh", url);
	rc = rc ? rc : add_env(&env, &n, "TERM", "dumb", url);
	rc = rc ? rc : add_env(&env, &n, "TMPDIR", "/tmp", url);
	rc = rc ? rc : add_env(&env, &n, "TZ", plan->f[PROBE_TZ].v[c->lv[PROBE_TZ]], url);
	rc = rc ? rc : add_env(&env, &n, "LANG", lang, url);
	rc = rc ? rc : add_env(&env, &n, "LC_ALL", lang, url);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", PROBE_PROXY_PORT);
	for (i = 0; i < 4 && c->lv[PROBE_PROXY] &&
		    !strcmp(plan->f[PROBE_PROXY].v[c->lv[PROBE_PROXY]], "on"); i++)
		rc = rc ? rc : add_env(&env, &n, proxy_vars[i], proxy, url);
	if (run->base_url_env)
		rc = rc ? rc : add_env(&env, &n, run->base_url_env,
				       run->base_url_tmpl ? run->base_url_tmpl : "{url}", url);
	if (run->key_env)
		rc = rc ? rc : add_env(&env, &n, run->key_env, PROBE_DUMMY_KEY, url);
	for (i = 0; i < run->nenv; i++)
		rc = rc ? rc : add_env(&env, &n, run->env[i].key, run->env[i].value, url);
	return rc ? NULL : env;
}

static char **agent_argv(const struct probe_run *run, const char *url)
{
	char **v = calloc(run->argc + 1, sizeof(*v));
	size_t i;

	for (i = 0; v && i < run->argc; i++) {
		char **e = NULL;
		size_t n = 0;

		/* add_env gives "x=VALUE" with {url} expanded: drop the "x=". */
		if (add_env(&e, &n, "x", run->argv[i], url))
			return NULL;
		memmove(e[0], e[0] + 2, strlen(e[0] + 2) + 1);
		v[i] = e[0];
		free(e);
	}
	return v;
}

static void on_stop(int sig)
{
	(void)sig;
	if (agent_group > 0)
		kill_agent(agent_group);
	_exit(3);
}

/* In the forked children: only async-signal-safe calls until execve, since
 * the proxy recorder's threads may hold locks. */
static void exec_agent(char **argv, char **env, const int *fds, const char *cwd,
		       pid_t runner)
{
	static const char msg[] = "overt probe: cannot run the agent\n";

	/* Its own session and process group, which a timeout kills whole;
	 * and it dies with the runner, so an interrupted probe leaves nothing. */
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != runner)
		_exit(127);
	if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0 || chdir(cwd))
		_exit(126);
	execve(argv[0], argv, env);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(127);
	_exit(127);
}

/* PID 1 of the agent's PID namespace: a /proc of its own, the agent as
 * PID 2, every orphan reaped; when the agent exits, so does this init, and
 * the kernel kills whatever is left in the namespace.  It dies with the
 * runner (PR_SET_PDEATHSIG) and exits with the agent's status. */
/* Microseconds into @fd as decimal digits: snprintf is not
 * async-signal-safe. */
static void write_us(int fd, const struct timespec *a, const struct timespec *b)
{
	long long us = (b->tv_sec - a->tv_sec) * 1000000LL + (b->tv_nsec - a->tv_nsec) / 1000;
	char digits[24];
	int n = (int)sizeof(digits);

	do {
		digits[--n] = (char)('0' + us % 10);
		us /= 10;
	} while (us > 0 && n > 0);
	if (write(fd, digits + n, sizeof(digits) - (size_t)n) < 0)
		return;
}

static void run_init(char **argv, char **env, const int *fds, const char *cwd)
{
	int st = 0, status = 127;
	struct timespec t0, t1;
	pid_t agent, w;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A private mount namespace for the new /proc; on failure the agent
	 * sees the machine's /proc, as it would without a PID namespace. */
	if (!unshare(CLONE_NEWNS))
		/* Not sbx_ns_mount_proc(): its message on failure needs
		 * snprintf, which is not async-signal-safe here. */
		mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	agent = fork();
	if (agent < 0)
		_exit(127);
	if (!agent)
		exec_agent(argv, env, fds, cwd, 1);
	for (;;) {
		w = waitpid(-1, &st, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (w == agent) {
			/* The agent's own run, from its fork to its end, for the
			 * overhead figures: the namespaces are the probe's cost. */
			clock_gettime(CLOCK_MONOTONIC, &t1);
			write_us(fds[3], &t0, &t1);
			status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
			break;
		}
	}
	_exit(status);
}

static int spawn_agent(struct runner *r, const struct probe_run *run,
		       const struct probe_plan *plan, size_t i, char *err, size_t errlen)
{
	const struct probe_cell *c = &plan->cells[i];
	char url[512], home[128], cwd[160], **argv, **env;
	pid_t self = getpid();
	int fds[4], pidfd, pidns;

	cell_url(run, plan->f[PROBE_HOST].v[c->lv[PROBE_HOST]], url, sizeof(url));
	snprintf(home, sizeof(home), "%s/%s", home_base(), PROBE_USER);
	snprintf(cwd, sizeof(cwd), "%s/project", home);
	fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds[1] = open("out/stdout", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fds[2] = open("out/stderr", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fds[3] = open("out/agent-us", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	argv = agent_argv(run, url);
	env = agent_env(run, plan, c, url, home);
	if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0 || fds[3] < 0 || !argv || !env) {
		snprintf(err, errlen, "cannot prepare the agent: %s", strerror(errno));
		return -ENOMEM;
	}
	/* Our next child, and only it, is PID 1 of a new PID namespace: this
	 * changes the namespace of this thread's children, not its own, and
	 * the main thread starts no more threads.  Where a PID namespace
	 * cannot be made, the agent is our child directly. */
	pidns = !unshare(CLONE_NEWPID);
	r->spawned = now_ms();
	r->pid = fork();
	if (r->pid < 0) {
		snprintf(err, errlen, "cannot fork: %s", strerror(errno));
		return -errno;
	}
	if (!r->pid && pidns)
		run_init(argv, env, fds, cwd);
	if (!r->pid)
		exec_agent(argv, env, fds, cwd, self);
	agent_group = r->pid;
	/* A pidfd turns the agent's exit into an event of the loop. */
	pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (pidfd < 0 || uv_poll_init(&r->loop, &r->exit_poll, pidfd)) {
		snprintf(err, errlen, "cannot watch the agent: %s", strerror(errno));
		kill_agent(r->pid);
		return -ENOSYS;
	}
	r->exit_poll.data = r;
	uv_poll_start(&r->exit_poll, UV_READABLE, on_agent_exit);
	/* The runner exits soon after: the arrays and fds are not worth freeing. */
	return 0;
}

static int serve(struct runner *r, const struct probe_run *run, const struct probe_plan *plan,
		 size_t i, char *err, size_t errlen)
{
	struct http_config hc;
	struct mock_config mc;
	char listen[64];
	int rc, fd;

	if (uv_loop_init(&r->loop))
		return snprintf(err, errlen, "cannot start the event loop"), -ENOMEM;
	memset(&mc, 0, sizeof(mc));
	mc.record_dir = "out/rec";
	rc = mock_new(&r->loop, &mc, &r->mock, err, errlen);
	if (rc)
		return rc;
	memset(&hc, 0, sizeof(hc));
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", run->port);
	hc.listen = listen;
	mock_http_config(r->mock, &hc);
	rc = http_server_new(&r->loop, &hc, &r->srv, err, errlen);
	if (rc)
		return rc;
	if (!strcmp(plan->f[PROBE_PROXY].v[plan->cells[i].lv[PROBE_PROXY]], "on")) {
		fd = open("out/proxy.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		rc = fd < 0 ? -errno : probe_relay_start(PROBE_PROXY_PORT, run->port,
							 plan->f[PROBE_HOST].v[plan->cells[i].lv[PROBE_HOST]], fd);
		if (rc) {
			snprintf(err, errlen, "cannot start the proxy recorder: %s", strerror(-rc));
			return rc;
		}
	}
	rc = spawn_agent(r, run, plan, i, err, errlen);
	if (rc) {
		http_server_stop(r->srv, 0);
		uv_run(&r->loop, UV_RUN_DEFAULT);
		return rc;
	}
	uv_timer_init(&r->loop, &r->timer);
	r->timer.data = r;
	uv_timer_start(&r->timer, on_timeout, run->timeout_ms, 0);
	uv_run(&r->loop, UV_RUN_DEFAULT);
	return 0;
}

/* The agent's run as its init measured it, or, when the init did not
 * (killed at the timeout, no PID namespace), as the runner saw it. */
static double agent_ms(const struct runner *r)
{
	char text[32] = "";
	FILE *f = fopen("out/agent-us", "r");
	unsigned long long us;
	int ok = f && fgets(text, sizeof(text), f) && sscanf(text, "%llu", &us) == 1;

	if (f)
		fclose(f);
	unlink("out/agent-us");
	if (ok)
		return (double)us / 1000.0;
	return r->exited_flag ? r->exited - r->spawned : 0.0;
}

void probe_cell_exec(const struct probe_run *run, const struct probe_plan *plan, size_t i,
		     const char *dir)
{
	struct sigaction sa;
	struct runner r;
	char err[512] = "", line[700];
	int rc, resfd;

	memset(&r, 0, sizeof(r));
	r.status = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (chdir(dir))
		_exit(120);
	resfd = open("result", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	rc = enter_namespaces(err, sizeof(err));
	rc = rc ? rc : setup_mounts(run, err, sizeof(err));
	if (!rc && sethostname(PROBE_HOSTNAME, strlen(PROBE_HOSTNAME))) {
		rc = -errno;
		snprintf(err, sizeof(err), "cannot set the host name: %s", strerror(errno));
	}
	rc = rc ? rc : sbx_ns_loopback_up(err, sizeof(err));
	rc = rc ? rc : serve(&r, run, plan, i, err, sizeof(err));
	if (rc)
		snprintf(line, sizeof(line), "setup-failed %s\n", err);
	else
		snprintf(line, sizeof(line), "ok %d %d %.3f\n", r.status, r.timed_out,
			 agent_ms(&r));
	if (resfd < 0 || write(resfd, line, strlen(line)) < 0)
		_exit(121);
	_exit(0);
}

int probe_cell_result(const char *dir, struct probe_cell *cell, char *err, size_t errlen)
{
	char path[4096], line[700] = "";
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/result", dir);
	cell->ran = 1;
	f = fopen(path, "r");
	if (f) {
		ok = fgets(line, sizeof(line), f) != NULL;
		fclose(f);
	} else {
		ok = 0;
	}
	if (ok && sscanf(line, "ok %d %d %lf", &cell->status, &cell->timed_out,
			 &cell->agent_ms) == 3)
		return 0;
	cell->setup_failed = 1;
	line[strcspn(line, "\n")] = '\0';
	snprintf(err, errlen, "%s", !strncmp(line, "setup-failed ", 13) ? line + 13 :
		 *line ? line : "the cell's runner died before it could say why");
	return -EINVAL;
}
