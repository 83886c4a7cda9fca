/* SPDX-License-Identifier: MIT */
/*
 * places.c - agents installed other than by npm: editor extensions (VS
 * Code, Cursor, Windsurf, VSCodium, their remote servers), JetBrains
 * plugins, the agents' own installers' version dirs, Homebrew, /opt, and
 * launchers in bin dirs.
 *
 * Each place is one readdir of a dir that holds installs (an editor's
 * extensions dir, a Cellar formula's versions) or a stat of a name the
 * agent definitions give; nothing recurses.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "inventory/internal.h"
#include "util/banned.h"

/* The version that starts @s: digits and dots, then a prerelease tag. */
static char *version_prefix(const char *s)
{
	size_t n = 0;

	if (!isdigit((unsigned char)s[0]))
		return NULL;
	while (isdigit((unsigned char)s[n]) || s[n] == '.')
		n++;
	while (n && s[n - 1] == '.')
		n--;
	return strndup(s, n);
}

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

struct editor_ctx {
	struct inv_scan *s;
	const char *method;
	const char *user;
};

/* "publisher.name-1.2.3[-platform]", matched case-insensitively. */
static int on_extension(void *ctx, const char *dir, const char *name)
{
	struct editor_ctx *e = ctx;
	const struct agent_set *set = e->s->agents;
	struct inv_install *in;
	char *path;
	size_t a, i, n;

	for (a = 0; a < set->n; a++)
		for (i = 0; i < set->v[a].extensions.n; i++) {
			n = strlen(set->v[a].extensions.v[i]);
			if (strncasecmp(name, set->v[a].extensions.v[i], n) || name[n] != '-' ||
			    !isdigit((unsigned char)name[n + 1]))
				continue;
			path = inv_path_join(dir, name);
			in = path && is_dir(path) ? inv_add(e->s, &set->v[a], path, e->method,
							    e->user) : NULL;
			if (in && !in->version) {
				in->version = version_prefix(name + n + 1);
				in->package = strdup(set->v[a].extensions.v[i]);
			}
			free(path);
		}
	return 0;
}

static const char *plugin_jar_version(const char *lib, const char *plugin, char **out);

struct jb_ctx {
	struct inv_scan *s;
	const char *user;
};

/* One IDE's config dir: PLUGIN or plugins/PLUGIN, version from lib/PLUGIN-V.jar. */
static int on_ide(void *ctx, const char *dir, const char *ide)
{
	static const char *const subs[] = { "", "plugins" };
	struct jb_ctx *j = ctx;
	const struct agent_set *set = j->s->agents;
	struct inv_install *in;
	char *base, *pdir, *path, *lib;
	size_t a, i, k;

	base = inv_path_join(dir, ide);
	for (k = 0; base && k < 2; k++) {
		pdir = inv_path_join(base, subs[k]);
		for (a = 0; pdir && a < set->n; a++)
			for (i = 0; i < set->v[a].jetbrains.n; i++) {
				path = inv_path_join(pdir, set->v[a].jetbrains.v[i]);
				in = path && is_dir(path) ?
				     inv_add(j->s, &set->v[a], path, "jetbrains", j->user) : NULL;
				lib = in ? inv_path_join(path, "lib") : NULL;
				if (in && !in->detail) {
					in->detail = strdup(ide);
					in->package = strdup(set->v[a].jetbrains.v[i]);
					plugin_jar_version(lib, set->v[a].jetbrains.v[i],
							   &in->version);
				}
				free(lib);
				free(path);
			}
		free(pdir);
	}
	free(base);
	return 0;
}

struct jar_ctx {
	const char *plugin;
	char *version;
};

static int on_jar(void *ctx, const char *dir, const char *name)
{
	struct jar_ctx *j = ctx;
	size_t n = strlen(j->plugin), len = strlen(name);

	(void)dir;
	if (len > n + 5 && !strncmp(name, j->plugin, n) && name[n] == '-' &&
	    !strcmp(name + len - 4, ".jar") && isdigit((unsigned char)name[n + 1])) {
		j->version = strndup(name + n + 1, len - n - 5);
		return 1;
	}
	return 0;
}

static const char *plugin_jar_version(const char *lib, const char *plugin, char **out)
{
	struct jar_ctx j = { plugin, NULL };

	if (lib)
		inv_each_entry(lib, on_jar, &j);
	*out = j.version;
	return j.version;
}

void inv_scan_editors(struct inv_scan *s, const struct inv_home *h)
{
	static const struct { const char *dir, *method; } editors[] = {
		{ ".vscode/extensions", "vscode" },
		{ ".vscode-insiders/extensions", "vscode-insiders" },
		{ ".vscode-oss/extensions", "vscodium" },
		{ ".cursor/extensions", "cursor" },
		{ ".windsurf/extensions", "windsurf" },
		{ ".vscode-server/extensions", "vscode-server" },
		{ ".cursor-server/extensions", "cursor-server" },
		{ ".windsurf-server/extensions", "windsurf-server" },
	};
	static const char *const jetbrains[] = {
		".local/share/JetBrains", "Library/Application Support/JetBrains",
	};
	struct editor_ctx e = { s, NULL, h->name };
	struct jb_ctx j = { s, h->name };
	char *dir;
	size_t i;

	for (i = 0; i < sizeof(editors) / sizeof(editors[0]); i++) {
		e.method = editors[i].method;
		if ((dir = inv_path_join(h->dir, editors[i].dir)))
			inv_each_entry(dir, on_extension, &e);
		free(dir);
	}
	for (i = 0; i < sizeof(jetbrains) / sizeof(jetbrains[0]); i++) {
		if ((dir = inv_path_join(h->dir, jetbrains[i])))
			inv_each_entry(dir, on_ide, &j);
		free(dir);
	}
}

struct versions_ctx {
	struct inv_scan *s;
	const struct agent_def *agent;
	const char *method;
	const char *user;
	const char *package;
};

/* DIR/<version>: each entry named like a version is one install. */
static int on_version(void *ctx, const char *dir, const char *name)
{
	struct versions_ctx *v = ctx;
	struct inv_install *in;
	char *path;

	if (!inv_looks_like_version(name))
		return 0;
	path = inv_path_join(dir, name);
	in = path ? inv_add(v->s, v->agent, path, v->method, v->user) : NULL;
	if (in && !in->version) {
		in->version = strdup(name);
		in->package = v->package ? strdup(v->package) : NULL;
	}
	free(path);
	return 0;
}

void inv_scan_native(struct inv_scan *s, const struct inv_home *h)
{
	struct versions_ctx v = { s, NULL, "native", h->name, NULL };
	char *dir;
	size_t a, i;

	for (a = 0; a < s->agents->n; a++)
		for (i = 0; i < s->agents->v[a].native.n; i++) {
			v.agent = &s->agents->v[a];
			dir = agent_expand(v.agent->native.v[i], NULL, NULL, h->dir);
			if (dir)
				inv_each_entry(dir, on_version, &v);
			free(dir);
		}
}

/* Homebrew: PREFIX/Cellar/NAME/VERSION and PREFIX/Caskroom/NAME/VERSION. */
static void scan_brew(struct inv_scan *s, const char *prefix)
{
	static const char *const kinds[] = { "Cellar", "Caskroom" };
	struct versions_ctx v = { s, NULL, "homebrew", "system", NULL };
	char *base, *dir;
	size_t a, i, k;

	for (k = 0; k < 2; k++) {
		base = inv_path_join(prefix, kinds[k]);
		for (a = 0; base && a < s->agents->n; a++)
			for (i = 0; i < s->agents->v[a].brew.n; i++) {
				v.agent = &s->agents->v[a];
				v.package = v.agent->brew.v[i];
				if ((dir = inv_path_join(base, v.package)))
					inv_each_entry(dir, on_version, &v);
				free(dir);
			}
		free(base);
	}
}

static int name_matches(const char *entry, const char *want)
{
	size_t n = strlen(want);

	return !strncasecmp(entry, want, n) &&
	       (entry[n] == '\0' || entry[n] == '-' || entry[n] == '_' || entry[n] == '.');
}

static void longer(const char *entry, const char *want, const char **best)
{
	if (name_matches(entry, want) && (!*best || strlen(want) > strlen(*best)))
		*best = want;
}

/* The longest of the agent's name, npm base names and executables that
 * /opt/ENTRY is named for ("qwen-code-0.10.2": "qwen-code", not "qwen"). */
static const char *opt_base(const struct agent_def *a, const char *entry)
{
	const char *best = NULL, *rest;
	size_t k;

	longer(entry, a->name, &best);
	for (k = 0; k < a->npm.n; k++) {
		rest = strrchr(a->npm.v[k], '/');
		longer(entry, rest ? rest + 1 : a->npm.v[k], &best);
	}
	for (k = 0; k < a->bin.n; k++)
		longer(entry, a->bin.v[k], &best);
	return best;
}

/* /opt/NAME[-VERSION]; the version from its package.json or its name. */
static int on_opt(void *ctx, const char *dir, const char *name)
{
	struct inv_scan *s = ctx;
	struct inv_install *in;
	const char *base;
	char *path, *pj, *pname, *pver;
	size_t i;

	for (i = 0; i < s->agents->n; i++) {
		if (!(base = opt_base(&s->agents->v[i], name)))
			continue;
		path = inv_path_join(dir, name);
		in = path ? inv_add(s, &s->agents->v[i], path, "opt", "system") : NULL;
		pj = in ? inv_path_join(path, "package.json") : NULL;
		if (in && !in->version && pj && !inv_package_json(s, pj, &pname, &pver)) {
			in->version = pver;
			in->package = pname;
		} else if (in && !in->version && name[strlen(base)]) {
			in->version = version_prefix(name + strlen(base) + 1);
		}
		free(pj);
		free(path);
		return 0;
	}
	return 0;
}

void inv_scan_system(struct inv_scan *s)
{
	static const char *const brews[] = {
		"home/linuxbrew/.linuxbrew", "opt/homebrew", "usr/local",
	};
	const char *root = s->root[0] ? s->root : "/";
	char *p;
	size_t i;

	for (i = 0; i < sizeof(brews) / sizeof(brews[0]); i++) {
		if ((p = inv_path_join(root, brews[i])))
			scan_brew(s, p);
		free(p);
	}
	if ((p = inv_path_join(root, "opt")))
		inv_each_entry(p, on_opt, s);
	free(p);
}

/* The install @target lies in, or NULL. */
static struct inv_install *owner_of(struct inv_report *r, const char *target)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (inv_path_within(target, r->v[i].path))
			return &r->v[i];
	return NULL;
}

/* A launcher into a package dir of a prefix we do not know about: the
 * package dir is the install, "/x/lib/node_modules/@a/b/cli.js" -> "/x/lib/
 * node_modules/@a/b", when its package.json says so. */
static struct inv_install *npm_target(struct inv_scan *s, const struct agent_def *a,
				      const char *target, const char *user)
{
	struct inv_install *in = NULL;
	char *dir, *pj, *name, *version;
	const char *at;
	size_t k, n;

	for (k = 0; !in && k < a->npm.n; k++) {
		n = strlen(a->npm.v[k]);
		for (at = strstr(target, "/node_modules/"); at && !in;
		     at = strstr(at + 1, "/node_modules/"))
			if (!strncmp(at + 14, a->npm.v[k], n) && at[14 + n] == '/') {
				dir = strndup(target, (size_t)(at - target) + 14 + n);
				pj = dir ? inv_path_join(dir, "package.json") : NULL;
				if (pj && !inv_package_json(s, pj, &name, &version)) {
					if (!strcmp(name, a->npm.v[k]) &&
					    (in = inv_add(s, a, dir, "npm", user)) && !in->version) {
						in->version = version;
						in->package = name;
						name = version = NULL;
					}
					free(name);
					free(version);
				}
				free(pj);
				free(dir);
			}
	}
	return in;
}

/* Whether a launcher's target is the agent's own file: named like one of
 * its executables or like a version (the native installer's layout).  A
 * launcher into anything else (a version manager's shim, a wrapper other
 * programs share) is the install by itself: quarantining must never move a
 * file that is not the agent's. */
static int own_target(const struct agent_def *a, const char *target)
{
	const char *base = strrchr(target, '/');
	size_t k;

	base = base ? base + 1 : target;
	if (inv_looks_like_version(base) || strstr(base, a->name))
		return 1;
	for (k = 0; k < a->bin.n; k++)
		if (strstr(base, a->bin.v[k]))
			return 1;
	return 0;
}

/* A launcher that leads into a known install joins it; any other is a
 * binary install of its own, versioned by its target's name or dir. */
static void launcher(struct inv_scan *s, const struct agent_def *a, const char *bin,
		     const char *user)
{
	char *target = inv_resolve(s->root, bin), *slash, *parent;
	struct inv_install *in = target ? owner_of(s->r, target) : NULL;

	if (!in && target)
		in = npm_target(s, a, target, user);
	if (!in && target && !own_target(a, target)) {
		free(target);
		target = strdup(bin);
	}
	if (!in && target && (in = inv_add(s, a, target, "binary", user)) && !in->version) {
		slash = strrchr(target, '/');
		if (slash && inv_looks_like_version(slash + 1)) {
			in->version = strdup(slash + 1);
		} else if (slash && slash > target) {
			*slash = '\0';
			parent = strrchr(target, '/');
			if (parent && inv_looks_like_version(parent + 1))
				in->version = strdup(parent + 1);
		}
	}
	if (in && !inv_strv_has(&in->bins, bin) && strcmp(in->path, bin))
		inv_strv_add(&in->bins, bin);
	free(target);
}

void inv_scan_launchers(struct inv_scan *s, const char *bindir, const char *user)
{
	const struct agent_def *a;
	struct stat st;
	size_t i, k;
	char *bin;

	for (i = 0; i < s->agents->n; i++) {
		a = &s->agents->v[i];
		for (k = 0; k < a->bin.n; k++) {
			bin = inv_path_join(bindir, a->bin.v[k]);
			if (bin && !lstat(bin, &st) && !S_ISDIR(st.st_mode))
				launcher(s, a, bin, user);
			free(bin);
		}
	}
}
