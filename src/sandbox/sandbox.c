/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c - the list of setup steps and the processes that run them.
 *
 * The steps are data (bubblewrap's setup ops): where each runs, its name,
 * the kernel feature it needs.  run_steps() walks them in order; the first
 * failure stops the sandbox before exec, or, with allow_degraded, prints a
 * warning in capitals and carries on.  Errors travel to the caller over a
 * close-on-exec pipe: the caller reads until EOF, which comes when the
 * command has been exec'd (its end closes) or every process has died.
 *
 * Processes: caller -> supervisor (namespaces, relay) -> init (PID 1 of the
 * new PID namespace) -> command.  Each one passes SIGTERM and SIGHUP down
 * and ignores SIGINT and SIGQUIT, which the terminal sends to the whole
 * process group, the command included.  The init exits as soon as the
 * command does, which kills whatever the command left behind in the PID
 * namespace; the supervisor exits with the init's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "util/banned.h"

#define STEP(w, n, f, fn) { w, n, f, false, fn }
static const struct sbx_step steps[] = {
	STEP(SBX_SUPERVISOR, "user namespace",
	     "user namespaces (CONFIG_USER_NS; unprivileged: kernel.unprivileged_userns_clone=1, "
	     "user.max_user_namespaces > 0)", sbx_step_userns),
	STEP(SBX_SUPERVISOR, "mount namespace", "mount namespaces (CONFIG_NAMESPACES)",
	     sbx_step_mountns),
	STEP(SBX_SUPERVISOR, "private /tmp, /var/tmp, /dev/shm and /run",
	     "tmpfs mounts in a user namespace (CONFIG_TMPFS)", sbx_step_tmp),
	STEP(SBX_SUPERVISOR, "hidden secrets (~/.ssh, ~/.aws ...)",
	     "mounts in a user namespace", sbx_step_hide),
	STEP(SBX_SUPERVISOR, "UTS namespace (hostname)", "UTS namespaces (CONFIG_UTS_NS)",
	     sbx_step_uts),
	STEP(SBX_SUPERVISOR, "IPC namespace", "IPC namespaces (CONFIG_IPC_NS)", sbx_step_ipc),
	STEP(SBX_SUPERVISOR, "network namespace (loopback only)",
	     "network namespaces (CONFIG_NET_NS)", sbx_step_net),
	STEP(SBX_SUPERVISOR, "relay to the proxy", "TCP on loopback", sbx_step_relay),
	STEP(SBX_SUPERVISOR, "PID namespace", "PID namespaces (CONFIG_PID_NS)", sbx_step_pidns),
	STEP(SBX_INIT, "/proc of the PID namespace",
	     "procfs mounts in a user namespace (refused where /proc is partly masked, "
	     "as in some containers)", sbx_step_proc),
	STEP(SBX_COMMAND, "capabilities dropped", "capabilities (capset, PR_CAPBSET_DROP)",
	     sbx_step_caps),
	STEP(SBX_COMMAND, "no_new_privs", "PR_SET_NO_NEW_PRIVS (Linux 3.5)", sbx_step_nnp),
	STEP(SBX_COMMAND, "Landlock filesystem rules",
	     "Landlock (CONFIG_SECURITY_LANDLOCK, 'landlock' in lsm=)", sbx_step_landlock),
	STEP(SBX_COMMAND, "Landlock TCP rules and scoping", "Landlock ABI 4 (Linux 6.7)",
	     sbx_step_landlock_net),
	STEP(SBX_COMMAND, "seccomp filter", "seccomp filters (CONFIG_SECCOMP_FILTER)",
	     sbx_step_seccomp),
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

/* Messages to the caller: 'E' and an error, 'X' and why exec failed, 'W'
 * and a degraded step's name, 'T' and the setup time in microseconds. */
static int msg_fd = -1;

static void send_msg(char kind, const char *text)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%c%s\n", kind, text);
	ssize_t w;

	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line)) {  /* cut short: keep the newline */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write, under PIPE_BUF: lines from the three processes never mix.
	 * A failure means the caller is gone; nothing is left to tell. */
	w = write(msg_fd, line, (size_t)n);
	(void)w;
}

static int run_steps(struct sbx *s, enum sbx_where where)
{
	char err[512], line[900];
	size_t i;
	int rc;

	for (i = 0; i < NSTEPS; i++) {
		if (steps[i].where != where)
			continue;
		err[0] = '\0';
		rc = steps[i].run(s, err, sizeof(err));
		if (!rc)
			continue;
		/* A missing path is the user's to fix, not the kernel's. */
		if (rc == -ENOENT || rc == -EACCES)
			snprintf(line, sizeof(line), "%s failed: %s", steps[i].name, err);
		else
			snprintf(line, sizeof(line), "%s failed: %s; the kernel must offer %s",
				 steps[i].name, err, steps[i].feature);
		if (!s->cfg->allow_degraded) {
			send_msg('E', line);
			return -1;
		}
		fprintf(stderr, "overt: WARNING: SANDBOX DEGRADED: %s\n", line);
		send_msg('W', steps[i].name);
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ---- signals: pass SIGTERM and SIGHUP down ---- */

static volatile sig_atomic_t child_pid;

static void pass_on(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static void signals_pass_on(void)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = pass_on;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

static void signals_default(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Exit status of a process as a shell reports it. */
static int status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 128;
}

/* ---- the command ---- */

extern char **environ;

static void exec_command(struct sbx *s, int go_fd, double t0)
{
	char buf[64], line[600], c;
	ssize_t n;

	signals_default();
	/* Dies with the init, should the init be killed. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (s->cfg->cwd && chdir(s->cfg->cwd)) {
		snprintf(line, sizeof(line), "cannot enter '%s': %s", s->cfg->cwd, strerror(errno));
		send_msg('E', line);
		_exit(126);
	}
	if (run_steps(s, SBX_COMMAND))
		_exit(126);
	/* The sandbox is ready: what follows is the wait for the proxy. */
	snprintf(buf, sizeof(buf), "%.0f", (now_ms() - t0) * 1000);
	send_msg('T', buf);
	while ((n = read(go_fd, &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(126); /* the caller gave up; it says why */
	close(go_fd);
	/* execvp looks the command up in the PATH it will run with. */
	environ = (char **)s->cfg->envp;
	execvp(s->cfg->argv[0], s->cfg->argv);
	snprintf(line, sizeof(line), "cannot run '%s': %s", s->cfg->argv[0], strerror(errno));
	send_msg('X', line);
	_exit(127);
}

/* PID 1: mount /proc, start the command, reap until it is done. */
static void init_main(struct sbx *s, int go_fd, double t0)
{
	pid_t cmd, w;
	int st;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (chdir("/") || run_steps(s, SBX_INIT))
		_exit(126);
	cmd = fork();
	if (cmd < 0)
		_exit(126);
	if (cmd == 0)
		exec_command(s, go_fd, t0);
	close(go_fd);
	close(msg_fd);
	child_pid = cmd;
	signals_pass_on();
	for (;;) {
		w = wait(&st);
		if (w == cmd)
			_exit(status_code(st));
		if (w < 0 && errno != EINTR)
			_exit(126);
	}
}

/* The supervisor: namespaces, then the relay until the init exits. */
static void supervisor_main(struct sbx *s, int go_fd, double t0)
{
	const char *sock = s->cfg->proxy_socket;
	char dir[256];
	const char *slash;
	pid_t init;
	int st = 0;

	/* The proxy's socket is reached by a relative name from its directory,
	 * which stays our working directory after /tmp is covered. */
	if (sock) {
		slash = strrchr(sock, '/');
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - sock) : 1,
			 slash && slash != sock ? sock : "/");
		s->relay_name = slash ? slash + 1 : sock;
		if (chdir(dir)) {
			send_msg('E', "cannot enter the proxy socket's directory");
			_exit(126);
		}
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (run_steps(s, SBX_SUPERVISOR))
		_exit(126);
	init = fork();
	if (init < 0)
		_exit(126);
	if (init == 0) {
		close(s->listen_fd);
		init_main(s, go_fd, t0);
	}
	close(go_fd);
	close(msg_fd);
	child_pid = init;
	signals_pass_on();
	sbx_relay_run(s->listen_fd, s->relay_name, init, &st);
	_exit(status_code(st));
}

/* ---- the caller's side ---- */

/* Read the children's messages until the command is exec'd or all died. */
static int read_msgs(int fd, struct sbx_report *rep, char *err, size_t errlen)
{
	char buf[4096], *line, *nl;
	size_t len = 0;
	ssize_t n;
	int rc = 0;

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (len += (size_t)n) >= sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		if ((line[0] == 'E' || line[0] == 'X') && !rc) {
			snprintf(err, errlen, "%s", line + 1);
			rc = line[0] == 'E' ? SBX_ESETUP : SBX_EEXEC;
		} else if (line[0] == 'W') {
			rep->degraded++;
			if (strlen(rep->degraded_steps) + strlen(line) + 2 < sizeof(rep->degraded_steps))
				snprintf(rep->degraded_steps + strlen(rep->degraded_steps),
					 sizeof(rep->degraded_steps) - strlen(rep->degraded_steps),
					 "%s%s", rep->degraded_steps[0] ? ", " : "", line + 1);
		} else if (line[0] == 'T') {
			rep->setup_ms = strtod(line + 1, NULL) / 1000;
		}
	}
	return rc;
}

static int wait_child(pid_t pid, int *status)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return SBX_ESYS;
	*status = status_code(st);
	return 0;
}

int sbx_run(const struct sbx_config *cfg, int *status, struct sbx_report *rep,
	    char *err, size_t errlen)
{
	struct sbx s = { cfg, getuid(), getgid(), -1, sbx_landlock_abi(), NULL };
	struct sbx_report tmp;
	int msg[2], go[2], rc = 0;
	double t0 = now_ms();
	pid_t sup;

	rep = rep ? rep : &tmp;
	memset(rep, 0, sizeof(*rep));
	rep->landlock_abi = s.landlock_abi;
	if (pipe2(msg, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return SBX_ESYS;
	}
	/* A command that dies early closes the go pipe: EPIPE, not SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	fflush(NULL);
	sup = fork();
	if (sup < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return SBX_ESYS;
	}
	if (sup == 0) {
		close(msg[0]);
		close(go[1]);
		msg_fd = msg[1];
		supervisor_main(&s, go[0], t0);
	}
	close(msg[1]);
	close(go[0]);
	child_pid = sup;
	signals_pass_on();
	if (cfg->ready && cfg->ready(cfg->ready_arg, err, errlen)) {
		rc = SBX_EREADY;
		kill(sup, SIGKILL);
	} else if (write(go[1], "g", 1) != 1) {
		rc = SBX_ESYS; /* the command is gone; its message says why */
	}
	close(go[1]);
	if (!rc || rc == SBX_ESYS)
		rc = read_msgs(msg[0], rep, err, errlen);
	close(msg[0]);
	if (wait_child(sup, status) && !rc) {
		snprintf(err, errlen, "waitpid: %s", strerror(errno));
		rc = SBX_ESYS;
	}
	return rc;
}
