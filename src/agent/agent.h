/* SPDX-License-Identifier: MIT */
/*
 * agent.h - definitions of the AI coding agents overt knows by name.
 *
 * Each agent is a data file (data/agents/NAME.json, compiled in; more with
 * agent_set_load_dir) that says how to find it installed (npm package
 * names, executables, state dirs, editor extension ids) and how to run it
 * against a model server of ours (base-URL variable or arguments, the
 * dummy-key variable, extra variables and files for a fresh HOME, and the
 * arguments of a one-shot prompt).  probe, run and inventory read them;
 * docs/AGENTS.md describes the format.
 */
#ifndef OVERT_AGENT_H
#define OVERT_AGENT_H

#include <stddef.h>

struct agent_kv {
	char *key;
	char *value;
};

struct agent_list {
	char **v;
	size_t n;
};

struct agent_def {
	char *name;   /* "claude": what --agent NAME takes */
	char *title;  /* "Claude Code" */
	char *vendor;
	char *api;    /* "anthropic", "openai", "openai-responses", "gemini"; NULL if unknown */
	struct agent_list npm;        /* npm package names */
	struct agent_list bin;        /* executable names */
	struct agent_list state;      /* state dirs and files, "~/" = HOME */
	struct agent_list extensions; /* VS Code style extension ids */
	/* For overt inventory: Homebrew formula and cask names, JetBrains
	 * plugin directory names, and dirs the agent's own installer keeps one
	 * entry per version in ("~/.local/share/claude/versions"). */
	struct agent_list brew;
	struct agent_list jetbrains;
	struct agent_list native;
	/* How the agent takes its base URL: a variable (base_url_env set,
	 * base_url_value its template) or arguments inserted right after the
	 * command name (base_url_args).  Neither: it cannot be redirected. */
	char *base_url_env;
	char *base_url_value;
	struct agent_list base_url_args;
	char *key_env;                /* variable for a dummy API key, or NULL */
	struct agent_kv *env;         /* extra variables for a run */
	size_t nenv;
	struct agent_kv *files;       /* "~/path" -> content, for a fresh HOME */
	size_t nfiles;
	struct agent_list prompt;     /* one-shot prompt arguments, "{prompt}" */
};

struct agent_set {
	struct agent_def *v;
	size_t n;
};

/* Loads the compiled-in definitions.  0 or a negative errno. */
int agent_set_load_builtin(struct agent_set *set);

/* Adds (or replaces, by name) the definitions in DIR/\*.json.  On a bad
 * file, returns a negative code and writes "FILE: what" into err. */
int agent_set_load_dir(struct agent_set *set, const char *dir, char *err, size_t errlen);

/* Parses one definition; err as above.  Used by both loaders and tests. */
int agent_parse(struct agent_def *def, const char *name, const char *text, size_t len,
		char *err, size_t errlen);

const struct agent_def *agent_find(const struct agent_set *set, const char *name);

void agent_set_free(struct agent_set *set);
void agent_def_free(struct agent_def *def);

/* A copy of tmpl with each "{url}" replaced by url and each "{prompt}" by
 * prompt (either may be NULL to leave it), or NULL when out of memory.
 * "~/" at the start becomes home when home is not NULL. */
char *agent_expand(const char *tmpl, const char *url, const char *prompt, const char *home);

#endif
