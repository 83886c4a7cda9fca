/* SPDX-License-Identifier: MIT */
/*
 * node.c - agents installed as global npm packages: npm's own prefixes
 * (the default ones, ~/.npm-global, the prefix in ~/.npmrc), and the
 * layouts of nvm, fnm, asdf, volta, pnpm, bun and yarn.
 *
 * For each node_modules dir we stat NAME/package.json for the agents'
 * package names only, and read its name and version: a package dir whose
 * package.json names another package (a fork, a typo-squat) is not
 * reported as the agent.  Each layout's own bin dir is then checked for
 * the agent's executables, which is where that manager puts launchers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/internal.h"
#include "util/banned.h"

/* One node_modules dir and where its launchers go. */
static void scan_modules(struct inv_scan *s, const char *modules, const char *bindir,
			 const char *method, const char *user)
{
	const struct agent_set *set = s->agents;
	struct inv_install *in;
	char *dir, *pj, *name, *version, *bin;
	struct stat st;
	size_t a, i, b;

	for (a = 0; a < set->n; a++)
		for (i = 0; i < set->v[a].npm.n; i++) {
			dir = inv_path_join(modules, set->v[a].npm.v[i]);
			pj = dir ? inv_path_join(dir, "package.json") : NULL;
			if (!pj || inv_package_json(s, pj, &name, &version)) {
				free(dir);
				free(pj);
				continue;
			}
			in = strcmp(name, set->v[a].npm.v[i]) ? NULL :
			     inv_add(s, &set->v[a], dir, method, user);
			if (in && !in->version) {
				in->version = version;
				in->package = name;
				name = version = NULL;
			}
			for (b = 0; in && bindir && b < set->v[a].bin.n; b++) {
				bin = inv_path_join(bindir, set->v[a].bin.v[b]);
				if (bin && !lstat(bin, &st))
					inv_strv_add(&in->bins, bin);
				free(bin);
			}
			free(name);
			free(version);
			free(dir);
			free(pj);
		}
}

/* PREFIX/lib/node_modules with PREFIX/bin. */
static void scan_prefix(struct inv_scan *s, const char *prefix, const char *method,
			const char *user)
{
	char *mod = inv_path_join(prefix, "lib/node_modules");
	char *bin = inv_path_join(prefix, "bin");

	if (mod && bin)
		scan_modules(s, mod, bin, method, user);
	else
		s->oom = 1;
	free(mod);
	free(bin);
}

struct each_prefix {
	struct inv_scan *s;
	const char *sub;     /* below each entry: the prefix */
	const char *method;
	const char *user;
};

static int on_version_dir(void *ctx, const char *dir, const char *name)
{
	struct each_prefix *e = ctx;
	char *entry = inv_path_join(dir, name);
	char *prefix = entry ? inv_path_join(entry, e->sub) : NULL;

	if (prefix)
		scan_prefix(e->s, prefix, e->method, e->user);
	free(entry);
	free(prefix);
	return 0;
}

/* Every DIR/<version>/SUB as a prefix (nvm, fnm, asdf). */
static void scan_versions(struct inv_scan *s, const char *home, const char *dir,
			  const char *sub, const char *method, const char *user)
{
	struct each_prefix e = { s, sub, method, user };
	char *p = inv_path_join(home, dir);

	if (p)
		inv_each_entry(p, on_version_dir, &e);
	free(p);
}

/* "prefix=..." in an npmrc: "~/", "${HOME}" and "$HOME" are the home. */
static char *npmrc_prefix(const struct inv_scan *s, const char *file, const char *home)
{
	const char *root = s->root;
	char *text = inv_read_owned(s, file, 1 << 20, NULL), *line, *save = NULL, *v, *out = NULL;
	size_t n;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !out;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "prefix", 6) || !(v = strchr(line, '=')))
			continue;
		for (v++; *v == ' ' || *v == '\t' || *v == '"'; v++)
			;
		n = strcspn(v, "\"\r#;");
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		v[n] = '\0';
		if (!strncmp(v, "~/", 2))
			out = inv_path_join(home, v + 2);
		else if (!strncmp(v, "${HOME}/", 8))
			out = inv_path_join(home, v + 8);
		else if (!strncmp(v, "$HOME/", 6))
			out = inv_path_join(home, v + 6);
		else if (v[0] == '/')
			out = inv_path_join(root[0] ? root : "/", v);
	}
	free(text);
	return out;
}

static void scan_npmrc(struct inv_scan *s, const char *file, const char *home,
		       const char *user)
{
	char *prefix = npmrc_prefix(s, file, home);

	if (prefix)
		scan_prefix(s, prefix, "npm", user);
	free(prefix);
}

static int on_volta_package(void *ctx, const char *dir, const char *name)
{
	struct each_prefix *e = ctx;
	char *pkg = inv_path_join(dir, name), *mod = NULL;

	/* packages/NAME/lib/node_modules, and for a scope packages/@scope/NAME/... */
	if (pkg && name[0] == '@') {
		struct each_prefix inner = *e;

		inv_each_entry(pkg, on_volta_package, &inner);
	} else if (pkg) {
		mod = inv_path_join(pkg, "lib/node_modules");
		if (mod)
			scan_modules(e->s, mod, e->sub, "volta", e->user);
	}
	free(pkg);
	free(mod);
	return 0;
}

static int on_pnpm_layout(void *ctx, const char *dir, const char *name)
{
	struct each_prefix *e = ctx;
	char *layout = inv_path_join(dir, name);
	char *mod = layout ? inv_path_join(layout, "node_modules") : NULL;

	if (mod)
		scan_modules(e->s, mod, e->sub, "pnpm", e->user);
	free(layout);
	free(mod);
	return 0;
}

/* Every entry of HOME/@dir, with launchers in HOME/@bin. */
static void scan_each(struct inv_scan *s, const struct inv_home *h, const char *dir,
		      const char *bin, int (*fn)(void *, const char *, const char *))
{
	char *b = inv_path_join(h->dir, bin), *d = inv_path_join(h->dir, dir);
	struct each_prefix e = { s, b, NULL, h->name };

	if (b && d)
		inv_each_entry(d, fn, &e);
	free(b);
	free(d);
}

static void scan_managers(struct inv_scan *s, const struct inv_home *h)
{
	static const struct { const char *modules, *bin, *method; } fixed[] = {
		{ ".bun/install/global/node_modules", ".bun/bin", "bun" },
		{ ".config/yarn/global/node_modules", ".yarn/bin", "yarn" },
		{ ".local/share/yarn/global/node_modules", ".yarn/bin", "yarn" },
	};
	char *mod, *bin;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		mod = inv_path_join(h->dir, fixed[i].modules);
		bin = inv_path_join(h->dir, fixed[i].bin);
		if (mod && bin)
			scan_modules(s, mod, bin, fixed[i].method, h->name);
		free(mod);
		free(bin);
	}
	/* pnpm: PNPM_HOME/global/<layout version>/node_modules, launchers in PNPM_HOME. */
	scan_each(s, h, ".local/share/pnpm/global", ".local/share/pnpm", on_pnpm_layout);
	/* volta: tools/image/packages/NAME/lib/node_modules, shims in ~/.volta/bin. */
	scan_each(s, h, ".volta/tools/image/packages", ".volta/bin", on_volta_package);
}

void inv_scan_node(struct inv_scan *s, const struct inv_home *h)
{
	char *p;

	p = inv_path_join(h->dir, ".npm-global");
	if (p)
		scan_prefix(s, p, "npm", h->name);
	free(p);
	p = inv_path_join(h->dir, ".local");
	if (p)
		scan_prefix(s, p, "npm", h->name);
	free(p);
	p = inv_path_join(h->dir, ".npmrc");
	if (p)
		scan_npmrc(s, p, h->dir, h->name);
	free(p);
	scan_versions(s, h->dir, ".nvm/versions/node", "", "nvm", h->name);
	scan_versions(s, h->dir, ".local/share/fnm/node-versions", "installation", "fnm",
		      h->name);
	scan_versions(s, h->dir, ".asdf/installs/nodejs", "", "asdf", h->name);
	scan_managers(s, h);
}

/* An absolute dir from the environment, below --root; NULL if unset. */
static char *env_dir(const struct inv_scan *s, const char *name)
{
	const char *v = getenv(name);

	return v && v[0] == '/' ? inv_path_join(s->root[0] ? s->root : "/", v) : NULL;
}

void inv_scan_node_env(struct inv_scan *s, const char *user)
{
	struct inv_home h = { (char *)user, NULL, getuid() };
	char *mod, *bin;

	if ((h.dir = env_dir(s, "NPM_CONFIG_PREFIX")) || (h.dir = env_dir(s, "npm_config_prefix")))
		scan_prefix(s, h.dir, "npm", user);
	free(h.dir);
	if ((h.dir = env_dir(s, "NVM_DIR")))
		scan_versions(s, h.dir, "versions/node", "", "nvm", user);
	free(h.dir);
	if ((h.dir = env_dir(s, "PNPM_HOME")))
		scan_each(s, &h, "global", "", on_pnpm_layout);
	free(h.dir);
	if ((h.dir = env_dir(s, "VOLTA_HOME")))
		scan_each(s, &h, "tools/image/packages", "bin", on_volta_package);
	free(h.dir);
	if ((h.dir = env_dir(s, "BUN_INSTALL"))) {
		mod = inv_path_join(h.dir, "install/global/node_modules");
		bin = inv_path_join(h.dir, "bin");
		if (mod && bin)
			scan_modules(s, mod, bin, "bun", user);
		free(mod);
		free(bin);
	}
	free(h.dir);
}

void inv_scan_node_system(struct inv_scan *s)
{
	static const char *const prefixes[] = {
		"usr/local", "usr", "opt/homebrew", "home/linuxbrew/.linuxbrew",
	};
	static const char *const npmrcs[] = { "etc/npmrc", "usr/local/etc/npmrc" };
	const char *root = s->root[0] ? s->root : "/";
	char *p;
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if ((p = inv_path_join(root, prefixes[i])))
			scan_prefix(s, p, "npm", "system");
		free(p);
	}
	for (i = 0; i < sizeof(npmrcs) / sizeof(npmrcs[0]); i++) {
		if ((p = inv_path_join(root, npmrcs[i])))
			scan_npmrc(s, p, root, "system");
		free(p);
	}
}
