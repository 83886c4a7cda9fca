/* SPDX-License-Identifier: MIT */
/*
 * inventory.c - `overt inventory`: which AI coding agents are installed on
 * this machine, whether the organisation's policy allows them, and, when
 * asked, moving banned ones into a quarantine (and back).
 *
 * Removal is two-step on purpose: --remove alone prints what would move;
 * only --remove --yes moves it.  The audit log is opened before anything
 * moves, so an agent is never removed without a record of it.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "overt.h"
#include "agent/agent.h"
#include "audit/inventory.h"
#include "cmd/cmd.h"
#include "inventory/inventory.h"
#include "inventory/report.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/banned.h"

static const char usage_text[] =
	"usage: overt inventory [options]\n"
	"\n"
	"Find installed AI coding agents (npm, nvm, volta, pnpm, bun, yarn, Homebrew,\n"
	"/opt, launchers, editor extensions, JetBrains plugins) and judge them by a\n"
	"policy and by advisories.  As root, every user's home is looked at.\n"
	"\n"
	"      --root DIR          look below DIR instead of / (users from DIR/etc/passwd)\n"
	"      --all-users         every user of the passwd file (the default as root)\n"
	"      --user NAME         only this user's home (and system-wide places)\n"
	"      --policy FILE       allow/ban rules (docs/INVENTORY.md); default: ban only\n"
	"                          what a critical advisory affects\n"
	"      --format text|json  text for people, JSON lines for fleet collection\n"
	"      --advisories DIR    more OSV advisories (*.json) besides the built-in ones\n"
	"      --agents DIR        more agent definitions (*.json)\n"
	"      --remove            show what quarantining the banned installs would move\n"
	"      --yes               with --remove: move them\n"
	"      --include-state     with --remove: move the agents' state dirs too\n"
	"      --restore ID        move a quarantined install back\n"
	"      --list-quarantine   list quarantine entries\n"
	"      --history           list the removals and restores in the audit log\n"
	"      --quarantine DIR    quarantine dir (default ~/.local/share/overt/quarantine)\n"
	"      --db PATH           audit log for removals and restores\n"
	"                          (default ~/.local/share/overt/audit.db)\n"
	"\n"
	"Exit status: 0 nothing banned (or all of it quarantined), 1 a banned agent is\n"
	"installed, 2 usage, 3 bad policy, advisory or agent file, 4 runtime error.\n";

struct inv_args {
	struct inv_options scan;
	const char *policy;
	const char *advisories;
	const char *agents;
	const char *restore;
	const char *qdir;
	const char *db;
	int json;
	int remove;
	int yes;
	int include_state;
	int list;
	int history;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "overt inventory: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nsee 'overt inventory --help'\n");
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct inv_args *a)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "all-users", no_argument, NULL, 'A' },
		{ "user", required_argument, NULL, 'u' },
		{ "policy", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "advisories", required_argument, NULL, 'a' },
		{ "agents", required_argument, NULL, 'g' },
		{ "remove", no_argument, NULL, 'R' },
		{ "yes", no_argument, NULL, 'y' },
		{ "include-state", no_argument, NULL, 's' },
		{ "restore", required_argument, NULL, 'x' },
		{ "list-quarantine", no_argument, NULL, 'L' },
		{ "history", no_argument, NULL, 'H' },
		{ "quarantine", required_argument, NULL, 'q' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r': a->scan.root = optarg; break;
		case 'A': a->scan.all_users = 1; break;
		case 'u': a->scan.user = optarg; break;
		case 'p': a->policy = optarg; break;
		case 'a': a->advisories = optarg; break;
		case 'g': a->agents = optarg; break;
		case 'R': a->remove = 1; break;
		case 'y': a->yes = 1; break;
		case 's': a->include_state = 1; break;
		case 'x': a->restore = optarg; break;
		case 'L': a->list = 1; break;
		case 'H': a->history = 1; break;
		case 'q': a->qdir = optarg; break;
		case 'd': a->db = optarg; break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return usage_error("--format takes text or json, not '%s'", optarg);
			a->json = !strcmp(optarg, "json");
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (a->yes && !a->remove)
		return usage_error("%s", "--yes goes with --remove");
	if (a->restore && (a->remove || a->list))
		return usage_error("%s", "--restore cannot be combined with --remove");
	return 0;
}

/* $XDG_DATA_HOME/overt/NAME, else ~/.local/share/overt/NAME (caller frees). */
static char *data_path(const char *name)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	struct passwd *pw;
	struct buf b;

	if ((!home || home[0] != '/') && (pw = getpwuid(getuid())))
		home = pw->pw_dir;
	buf_init(&b, 8192);
	if (xdg && xdg[0] == '/' ? buf_printf(&b, "%s/overt/%s", xdg, name) :
	    buf_printf(&b, "%s/.local/share/overt/%s", home ? home : "/", name)) {
		buf_release(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* mkdir -p of @path's parent, new dirs 0700. */
static void make_parent(const char *path)
{
	char *copy = strdup(path), *at;

	for (at = copy ? copy + 1 : NULL; at && (at = strchr(at, '/')); at++) {
		*at = '\0';
		if (mkdir(copy, 0700) && errno != EEXIST)
			break;
		*at = '/';
	}
	free(copy);
}

static void operator_name(char *out, size_t n)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	snprintf(out, n, "%s (uid %u%s%s)", pw ? pw->pw_name : "?", (unsigned)getuid(),
		 sudo && getuid() == 0 ? ", sudo from " : "", sudo && getuid() == 0 ? sudo : "");
}

static char *items_json(const struct inv_plan *p)
{
	struct buf b;
	size_t i;
	int rc;

	buf_init(&b, 16u << 20);
	rc = buf_addc(&b, '[');
	for (i = 0; !rc && i < p->n; i++) {
		rc = buf_adds(&b, i ? ",{\"from\":" : "{\"from\":");
		rc = rc ? rc : json_write_string(&b, p->v[i].from, strlen(p->v[i].from));
		rc = rc ? rc : buf_adds(&b, ",\"to\":");
		rc = rc ? rc : json_write_string(&b, p->v[i].to, strlen(p->v[i].to));
		rc = rc ? rc : buf_printf(&b, ",\"kind\":\"%s\",\"mode\":\"%06o\"}",
					  p->v[i].kind, (unsigned)p->v[i].mode);
	}
	if (rc || buf_addc(&b, ']')) {
		buf_release(&b);
		return NULL;
	}
	return buf_take(&b);
}

static int record(struct audit_store *store, const struct inv_plan *p, const char *action)
{
	struct audit_inventory_action a = { 0 };
	char host[256] = "", op[160];
	struct timespec now;
	char *items = items_json(p);
	int rc;

	if (!items)
		return AUDIT_ENOMEM;
	clock_gettime(CLOCK_REALTIME, &now);
	gethostname(host, sizeof(host) - 1);
	operator_name(op, sizeof(op));
	a.time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	a.action = action;
	a.quarantine_id = p->id;
	a.agent = p->agent;
	a.version = p->version;
	a.method = p->method ? p->method : "?";
	a.path = p->path ? p->path : "?";
	a.owner = p->user;
	a.operator_name = op;
	a.host = host;
	a.reason = p->reason;
	a.items = items;
	rc = audit_inventory_submit(store, &a);
	free(items);
	return rc;
}

static int open_audit(const struct inv_args *a, char **dbpath, struct audit_store **store)
{
	char err[512];
	int rc;

	*dbpath = a->db ? strdup(a->db) : data_path("audit.db");
	if (!*dbpath)
		return EXIT_RUNTIME;
	if (!a->db)
		make_parent(*dbpath);
	rc = audit_open(*dbpath, NULL, store, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "overt: %s; nothing was moved\n", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

static int close_audit(struct audit_store *store, const char *db)
{
	int rc = audit_close(store);

	if (rc)
		fprintf(stderr, "overt: cannot write the audit log '%s': %s\n", db,
			audit_strerror(rc));
	return rc ? EXIT_RUNTIME : 0;
}

/* "AGENT VERSION (METHOD)": the version comes from a user's package.json
 * (or a manifest that repeats it) and is escaped like every path. */
static void put_install(FILE *out, const char *agent, const char *version, const char *method)
{
	inv_put_text(out, agent ? agent : "?");
	fputc(' ', out);
	inv_put_text(out, version ? version : "?");
	fputs(" (", out);
	inv_put_text(out, method ? method : "?");
	fputc(')', out);
}

static void print_plan(FILE *out, const struct inv_plan *p, int done)
{
	size_t i;

	fputs(done ? "quarantined " : "would quarantine ", out);
	put_install(out, p->agent, p->version, p->method);
	fputs(done ? " as " : " into ", out);
	inv_put_text(out, done ? p->id : p->dir);
	for (i = 0; i < p->n; i++) {
		fprintf(out, "\n    %s ", p->v[i].kind);
		inv_put_text(out, p->v[i].from);
		fputs(" -> ", out);
		inv_put_text(out, p->v[i].to);
	}
	if (done)
		fprintf(out, "\n    restore with: overt inventory --restore %s", p->id);
	fputc('\n', out);
}

/* An error message that holds paths from users' homes (a launcher's
 * target can be any name): printed with its control characters escaped,
 * as in the report. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs("overt: ", stderr);
	inv_put_text(stderr, msg);
	fputc('\n', stderr);
}

/* One banned install: plan, and with --yes move it and record it. */
static int remove_one(const struct inv_args *a, const struct inv_install *in,
		      const char *qdir, struct audit_store *store)
{
	struct inv_quarantine_opts o = { qdir, a->include_state, !a->yes };
	struct inv_plan p;
	char err[512];
	int rc = inv_plan_build(in, &o, &p);

	if (rc) {
		say("cannot plan the removal of '%s': %s", in->path,
			rc == INV_ENOMEM ? "out of memory" : "it changed since it was looked at");
	} else if (!a->yes) {
		print_plan(a->json ? stderr : stdout, &p, 0);
	} else if ((rc = inv_plan_execute(&p, err, sizeof(err)))) {
		say("%s; '%s' stays installed", err, in->path);
	} else {
		print_plan(a->json ? stderr : stdout, &p, 1);
		if ((rc = record(store, &p, "quarantine")))
			say("cannot record the removal of '%s' in the audit log: %s", in->path,
			    audit_strerror(rc));
	}
	inv_plan_release(&p);
	return rc;
}

static int remove_banned(const struct inv_args *a, const struct inv_report *r,
			 const char *qdir)
{
	struct audit_store *store = NULL;
	char *db = NULL;
	size_t i;
	int rc = 0, failed = 0;

	if (a->yes && (rc = open_audit(a, &db, &store))) {
		free(db);
		return rc;
	}
	for (i = 0; i < r->n; i++)
		if (r->v[i].verdict == INV_BANNED)
			failed |= remove_one(a, &r->v[i], qdir, store) != 0;
	if (a->yes)
		failed |= close_audit(store, db) != 0;
	free(db);
	if (!a->yes)
		fprintf(a->json ? stderr : stdout, "nothing was moved; add --yes to move it\n");
	return failed ? EXIT_RUNTIME : a->yes ? EXIT_CLEAN : EXIT_FINDINGS;
}

static int do_restore(const struct inv_args *a, const char *qdir)
{
	struct audit_store *store = NULL;
	struct inv_plan p;
	char err[512], *db = NULL;
	int rc = open_audit(a, &db, &store);

	if (rc) {
		free(db);
		return rc;
	}
	rc = inv_restore(qdir, a->restore, &p, err, sizeof(err));
	if (rc) {
		say("%s", err);
		audit_close(store);
	} else {
		fputs("restored ", stdout);
		put_install(stdout, p.agent, p.version, p.method);
		printf(" from %s\n", p.id);
		rc = record(store, &p, "restore");
		if (rc)
			fprintf(stderr, "overt: cannot record the restore in the audit log: %s\n",
				audit_strerror(rc));
		rc = close_audit(store, db) || rc;
	}
	inv_plan_release(&p);
	free(db);
	return rc ? EXIT_RUNTIME : EXIT_CLEAN;
}

static int on_entry(const char *qdir, const char *id)
{
	struct inv_plan p;
	char err[512];
	size_t i;

	if (!inv_quarantine_info(qdir, id, &p, err, sizeof(err))) {
		inv_put_text(stdout, p.id);
		fputs("  ", stdout);
		put_install(stdout, p.agent, p.version, p.method);
		fputc(' ', stdout);
		inv_put_text(stdout, p.path);
		printf(", %zu item%s\n", p.n, p.n == 1 ? "" : "s");
		for (i = 0; i < p.n; i++) {
			printf("    %s ", p.v[i].kind);
			inv_put_text(stdout, p.v[i].from);
			fputc('\n', stdout);
		}
	}
	inv_plan_release(&p);
	return 0;
}

static int list_quarantine(const char *qdir)
{
	struct dirent **names = NULL;
	int n = scandir(qdir, &names, NULL, alphasort), i;

	if (n < 0) {
		if (errno == ENOENT)
			return EXIT_CLEAN;
		fprintf(stderr, "overt: cannot read '%s': %s\n", qdir, strerror(errno));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			on_entry(qdir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return EXIT_CLEAN;
}

static int on_action(void *ctx, const struct audit_inventory_action *a)
{
	time_t t = (time_t)(a->time_ms / 1000);
	char when[32] = "?";
	struct tm tm;

	(void)ctx;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s  %-10s ", when, a->action);
	inv_put_text(stdout, a->quarantine_id);
	fputc(' ', stdout);
	inv_put_text(stdout, a->agent);
	fputc(' ', stdout);
	inv_put_text(stdout, a->version);
	fputs(" (", stdout);
	inv_put_text(stdout, a->method);
	fputs(") ", stdout);
	inv_put_text(stdout, a->path);
	fputs(", by ", stdout);
	inv_put_text(stdout, a->operator_name);
	fputs(" on ", stdout);
	inv_put_text(stdout, a->host);
	if (a->reason) {
		fputs("\n    reason: ", stdout);
		inv_put_text(stdout, a->reason);
	}
	fputc('\n', stdout);
	return 0;
}

/* What --remove and --restore did, from the audit log, read-only. */
static int history(const struct inv_args *a)
{
	struct audit_store *store = NULL;
	char err[512], *db = a->db ? strdup(a->db) : data_path("audit.db");
	int rc = db ? audit_open_readonly(db, &store, err, sizeof(err)) : AUDIT_ENOMEM;

	if (!rc)
		rc = audit_inventory_list(store, on_action, NULL);
	if (rc)
		fprintf(stderr, "overt: %s\n", rc == AUDIT_ENOMEM ? "out of memory" : err);
	audit_close(store);
	free(db);
	return rc ? EXIT_RUNTIME : EXIT_CLEAN;
}

/* Agents, advisories and policy: built in, plus the dirs and file given. */
static int load_data(const struct inv_args *a, struct agent_set *agents,
		     struct inv_advisories *adv, struct inv_policy **policy)
{
	char err[512] = "";
	int rc = agent_set_load_builtin(agents);

	if (rc)
		snprintf(err, sizeof(err), "cannot load the built-in agent definitions");
	if (!rc && a->agents)
		rc = agent_set_load_dir(agents, a->agents, err, sizeof(err));
	if (!rc)
		rc = inv_advisories_load_builtin(adv, err, sizeof(err));
	if (!rc && a->advisories)
		rc = inv_advisories_load_dir(adv, a->advisories, err, sizeof(err));
	if (!rc) {
		*policy = a->policy ? inv_policy_load(a->policy, err, sizeof(err)) :
			  inv_policy_default();
		rc = *policy ? 0 : -1;
	}
	if (rc)
		fprintf(stderr, "overt: %s\n", err);
	return rc ? EXIT_CONFIG : 0;
}

static int report(const struct inv_args *a, struct inv_report *r)
{
	struct passwd *pw = getpwuid(getuid());
	char host[256] = "";
	struct inv_host h = { host, pw ? pw->pw_name : "?", (int64_t)time(NULL) };

	gethostname(host, sizeof(host) - 1);
	if (a->json)
		return inv_print_json(stdout, r, &h) ? EXIT_RUNTIME : 0;
	inv_print_text(stdout, r);
	return 0;
}

static int run(const struct inv_args *a, const char *qdir)
{
	struct agent_set agents = { 0 };
	struct inv_advisories adv = { 0 };
	struct inv_policy *policy = NULL;
	struct inv_report r = { 0 };
	char err[512];
	int rc = load_data(a, &agents, &adv, &policy), banned = 0;

	if (!rc && (rc = inv_scan(&a->scan, &agents, &r, err, sizeof(err)))) {
		fprintf(stderr, "overt: %s\n", err);
		rc = rc == INV_ENOENT ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (!rc && (banned = inv_judge(&r, &adv, policy)) < 0) {
		fprintf(stderr, "overt: out of memory\n");
		rc = EXIT_RUNTIME;
	}
	rc = rc ? rc : report(a, &r);
	if (!rc && a->remove && banned)
		rc = remove_banned(a, &r, qdir);
	else if (!rc)
		rc = banned ? EXIT_FINDINGS : EXIT_CLEAN;
	inv_report_free(&r);
	inv_policy_free(policy);
	inv_advisories_free(&adv);
	agent_set_free(&agents);
	return rc;
}

int cmd_inventory(int argc, char **argv)
{
	struct inv_args a = { 0 };
	char *qdir, *root = NULL;
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc < 0 ? EXIT_CLEAN : rc;
	/* Absolute: symlink targets are resolved below it by path. */
	if (a.scan.root && !(root = realpath(a.scan.root, NULL))) {
		fprintf(stderr, "overt: cannot use --root '%s': %s\n", a.scan.root, strerror(errno));
		return EXIT_USAGE;
	}
	a.scan.root = root;
	qdir = a.qdir ? strdup(a.qdir) : data_path("quarantine");
	if (!qdir) {
		fprintf(stderr, "overt: out of memory\n");
		return EXIT_RUNTIME;
	}
	if (a.restore)
		rc = do_restore(&a, qdir);
	else if (a.list)
		rc = list_quarantine(qdir);
	else if (a.history)
		rc = history(&a);
	else
		rc = run(&a, qdir);
	free(qdir);
	free(root);
	return rc;
}
