/* SPDX-License-Identifier: MIT */
/*
 * scan.c - the inventory's walk: which homes, in which order the places
 * are looked at, and each install's last use.
 *
 * Users come from the passwd file (DIR/etc/passwd under --root when there
 * is one, so a test or an offline disk image brings its own users).  As
 * root every user is looked at, otherwise only the caller.  Package
 * layouts come first and launchers last, so a launcher that leads into a
 * package is reported with it rather than as an install of its own.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/internal.h"
#include "util/banned.h"

struct homes {
	struct inv_home *v;
	size_t n;
};

static void homes_free(struct homes *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].dir);
	}
	free(h->v);
}

/* Adds @pw's home when it is a dir not seen yet; 0 or INV_ENOMEM. */
static int home_add(struct homes *h, const char *root, const struct passwd *pw)
{
	struct inv_home *v;
	struct stat st, other;
	char *dir;
	size_t i;

	if (!pw->pw_dir || pw->pw_dir[0] != '/' || !strcmp(pw->pw_dir, "/"))
		return 0;
	dir = inv_path_join(root[0] ? root : "/", pw->pw_dir);
	if (!dir)
		return INV_ENOMEM;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		goto skip;
	for (i = 0; i < h->n; i++)
		if (!stat(h->v[i].dir, &other) && other.st_dev == st.st_dev &&
		    other.st_ino == st.st_ino)
			goto skip;
	v = realloc(h->v, (h->n + 1) * sizeof(*v));
	if (!v)
		goto oom;
	h->v = v;
	v[h->n].dir = dir;
	v[h->n].uid = pw->pw_uid;
	v[h->n].name = strdup(pw->pw_name ? pw->pw_name : "?");
	if (!v[h->n].name)
		goto oom;
	h->n++;
	return 0;
skip:
	free(dir);
	return 0;
oom:
	free(dir);
	return INV_ENOMEM;
}

static int wanted(const struct inv_options *o, const struct passwd *pw)
{
	if (o->user)
		return pw->pw_name && !strcmp(pw->pw_name, o->user);
	if (o->all_users || geteuid() == 0)
		return 1;
	return pw->pw_uid == getuid();
}

static int load_homes(const struct inv_options *o, const char *root, struct homes *h,
		      char *err, size_t errlen)
{
	char *path = root[0] ? inv_path_join(root, "etc/passwd") : NULL;
	FILE *f = path ? fopen(path, "re") : NULL;
	struct passwd *pw;
	int rc = 0, matched = 0;

	if (!f)
		setpwent();
	while (!rc && (pw = f ? fgetpwent(f) : getpwent()) != NULL)
		if (wanted(o, pw)) {
			matched++;
			rc = home_add(h, root, pw);
		}
	if (f)
		fclose(f);
	else
		endpwent();
	free(path);
	if (!rc && !matched && !o->user && (pw = getpwuid(getuid())) != NULL)
		rc = home_add(h, root, pw);
	if (!rc && !matched && o->user) {
		snprintf(err, errlen, "no user '%s' in the passwd file", o->user);
		rc = INV_ENOENT;
	}
	return rc;
}

struct inv_install *inv_add(struct inv_scan *s, const struct agent_def *a,
			    const char *path, const char *method, const char *user)
{
	struct inv_report *r = s->r;
	struct inv_install *in, *v;
	struct stat st;
	size_t i;

	if (stat(path, &st) && lstat(path, &st))
		return NULL;
	for (i = 0; i < r->n; i++)
		if (r->v[i].dev == st.st_dev && r->v[i].ino == st.st_ino)
			return &r->v[i];
	v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v) {
		s->oom = 1;
		return NULL;
	}
	r->v = v;
	in = &v[r->n];
	memset(in, 0, sizeof(*in));
	in->agent = a;
	in->method = method;
	in->path = strdup(path);
	in->user = strdup(user);
	in->last_use = -1;
	in->dev = st.st_dev;
	in->ino = st.st_ino;
	if (!in->path || !in->user) {
		free(in->path);
		free(in->user);
		s->oom = 1;
		return NULL;
	}
	r->n++;
	return in;
}

/* The agent's state paths in home @h: existing ones, and the newest mtime. */
static int home_state(const struct agent_def *a, const struct inv_home *h,
		      struct inv_strv *paths, int64_t *newest, char **newest_path)
{
	size_t i;
	int64_t t;
	char *p;

	*newest = -1;
	for (i = 0; i < a->state.n; i++) {
		p = agent_expand(a->state.v[i], NULL, NULL, h->dir);
		if (!p)
			return INV_ENOMEM;
		t = inv_newest_mtime(p);
		if (t >= 0 && inv_strv_add(paths, p)) {
			free(p);
			return INV_ENOMEM;
		}
		if (t > *newest) {
			*newest = t;
			free(*newest_path);
			*newest_path = strdup(p);
		}
		free(p);
	}
	return 0;
}

static int has_install(const struct inv_report *r, const struct agent_def *a)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].agent == a)
			return 1;
	return 0;
}

static void give_state(struct inv_install *in, const struct inv_strv *paths, int64_t t,
		       const char *where, int own)
{
	size_t i;

	if (own)
		for (i = 0; i < paths->n; i++)
			inv_strv_add(&in->state, paths->v[i]);
	if (t > in->last_use && where) {
		in->last_use = t;
		free(in->last_use_path);
		in->last_use_path = strdup(where);
	}
}

/* Last use: a user's installs get that user's state; system-wide installs
 * the newest of any user's.  State with no install left is reported too. */
static int attach_state(struct inv_scan *s, const struct homes *h)
{
	const struct agent_set *set = s->agents;
	struct inv_strv paths = { 0 };
	struct inv_install *in;
	char *where = NULL;
	size_t a, i, j, n;
	int64_t t;
	int rc = 0;

	for (a = 0; !rc && a < set->n; a++) {
		int installed = has_install(s->r, &set->v[a]);

		for (i = 0; !rc && i < h->n; i++) {
			rc = home_state(&set->v[a], &h->v[i], &paths, &t, &where);
			n = s->r->n;
			for (j = 0; !rc && j < n; j++) {
				in = &s->r->v[j];
				if (in->agent == &set->v[a] && (!strcmp(in->user, h->v[i].name) ||
								!strcmp(in->user, "system")))
					give_state(in, &paths, t, where,
						   !strcmp(in->user, h->v[i].name));
			}
			if (!rc && !installed && paths.n &&
			    (in = inv_add(s, &set->v[a], paths.v[0], "state", h->v[i].name))) {
				in->verdict = INV_TRACES;
				give_state(in, &paths, t, where, 1);
			}
			inv_strv_free(&paths);
			free(where);
			where = NULL;
		}
	}
	return rc ? rc : s->oom ? INV_ENOMEM : 0;
}

static int launcher_dirs(struct inv_scan *s, const struct homes *h)
{
	static const char *const system_bins[] = {
		"usr/local/bin", "usr/bin", "opt/homebrew/bin",
		"home/linuxbrew/.linuxbrew/bin", "snap/bin",
	};
	static const char *const user_bins[] = { ".local/bin", "bin" };
	const char *root = s->root[0] ? s->root : "/";
	char *dir;
	size_t i, k;

	for (i = 0; i < sizeof(system_bins) / sizeof(system_bins[0]); i++) {
		if (!(dir = inv_path_join(root, system_bins[i])))
			return INV_ENOMEM;
		s->owner = (uid_t)-1;
		inv_scan_launchers(s, dir, "system");
		free(dir);
	}
	for (k = 0; k < h->n; k++)
		for (i = 0; i < sizeof(user_bins) / sizeof(user_bins[0]); i++) {
			if (!(dir = inv_path_join(h->v[k].dir, user_bins[i])))
				return INV_ENOMEM;
			s->owner = h->v[k].uid;
			inv_scan_launchers(s, dir, h->v[k].name);
			free(dir);
		}
	return s->oom ? INV_ENOMEM : 0;
}

/* Agent, then user ("system" first), then path: the same machine gives the
 * same report whatever order readdir returns, so fleet runs can be diffed. */
static int install_cmp(const void *pa, const void *pb)
{
	const struct inv_install *a = pa, *b = pb;
	int c = strcmp(a->agent->name, b->agent->name), sa, sb;

	if (c)
		return c;
	sa = !strcmp(a->user, "system");
	sb = !strcmp(b->user, "system");
	if (sa != sb)
		return sb - sa;
	c = strcmp(a->user, b->user);
	return c ? c : strcmp(a->path, b->path);
}

int inv_scan(const struct inv_options *opt, const struct agent_set *agents,
	     struct inv_report *r, char *err, size_t errlen)
{
	struct inv_scan s = { opt, agents, r, opt->root ? opt->root : "", 0, 0 };
	struct homes h = { NULL, 0 };
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!strcmp(s.root, "/"))
		s.root = "";
	rc = load_homes(opt, s.root, &h, err, errlen);
	if (!rc) {
		struct passwd *me = getpwuid(getuid());

		s.owner = getuid();
		if (me && me->pw_name && (!opt->user || !strcmp(opt->user, me->pw_name)))
			inv_scan_node_env(&s, me->pw_name);
		s.owner = (uid_t)-1;
		inv_scan_node_system(&s);
		inv_scan_system(&s);
		for (i = 0; i < h.n; i++) {
			s.owner = h.v[i].uid;
			inv_scan_node(&s, &h.v[i]);
			inv_scan_native(&s, &h.v[i]);
			inv_scan_editors(&s, &h.v[i]);
		}
		rc = s.oom ? INV_ENOMEM : launcher_dirs(&s, &h);
	}
	if (!rc)
		rc = attach_state(&s, &h);
	if (!rc && r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), install_cmp);
	r->homes = h.n;
	homes_free(&h);
	if (rc == INV_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void inv_report_free(struct inv_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct inv_install *in = &r->v[i];

		free(in->version);
		free(in->path);
		free(in->package);
		free(in->detail);
		free(in->user);
		free(in->last_use_path);
		free(in->reason);
		free(in->advisories);
		inv_strv_free(&in->bins);
		inv_strv_free(&in->state);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
