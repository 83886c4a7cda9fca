/* SPDX-License-Identifier: MIT */
/*
 * inventory.h - which AI coding agents are installed, where, which version,
 * and whether an organisation's policy allows them.
 *
 * inv_scan looks only where agents live (global npm prefixes and the
 * nvm/volta/pnpm/bun/yarn layouts, Homebrew, /opt, launcher dirs, the
 * agents' own installers' version dirs, editor extension and JetBrains
 * plugin dirs, the agents' state dirs); it never walks a disk, so its cost
 * does not grow with the size of a home dir.  What to look for comes from
 * the agent definitions (data/agents/\*.json).  Advisories (OSV, in
 * advisories/) and a policy file then give every install a verdict;
 * inv_quarantine and inv_restore move a banned agent's files aside and
 * back.  docs/INVENTORY.md describes the formats.
 */
#ifndef OVERT_INVENTORY_H
#define OVERT_INVENTORY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/agent.h"

#define INV_ENOMEM (-1)
#define INV_EIO (-2)      /* a file could not be read or moved; errno-style message */
#define INV_EFORMAT (-3)  /* a policy, advisory or manifest file is malformed */
#define INV_EEXIST (-4)   /* restore: something is in the way */
#define INV_ENOENT (-5)   /* no such quarantine entry or user */

struct inv_strv {
	char **v;
	size_t n;
};

enum inv_verdict {
	INV_ALLOWED = 0,
	INV_BANNED,
	INV_TRACES,        /* state only, nothing installed: not judged */
};

struct inv_advisory;

/* One install (or, method "state", the traces of one that is gone). */
struct inv_install {
	const struct agent_def *agent;
	char *version;          /* NULL when the layout does not say */
	char *path;             /* package dir, binary, extension dir ... */
	char *package;          /* npm package name, extension id, formula; or NULL */
	const char *method;     /* "npm", "nvm", "volta", "pnpm", "bun", "yarn",
				 * "fnm", "asdf", "native", "binary", "homebrew",
				 * "opt", "vscode", "cursor", ..., "jetbrains", "state" */
	char *detail;           /* the editor product or the like; or NULL */
	char *user;             /* whose home it is in, or "system" */
	int64_t last_use;       /* Unix seconds; -1 when no state was found */
	char *last_use_path;    /* the state path that was newest */
	struct inv_strv bins;   /* launchers that lead to it */
	struct inv_strv state;  /* the agent's state paths of that user */
	dev_t dev;              /* identity of path, to report it once */
	ino_t ino;
	/* set by inv_judge */
	enum inv_verdict verdict;
	char *reason;
	const struct inv_advisory **advisories;
	size_t nadvisories;
};

struct inv_report {
	struct inv_install *v;
	size_t n;
	size_t homes;           /* home dirs looked at */
};

struct inv_options {
	const char *root;       /* prefix of every path looked at; NULL for "/" */
	int all_users;          /* every user of the passwd file (default as root) */
	const char *user;       /* only this user, or NULL */
};

/*
 * inv_scan - find the installs of the agents in @agents for the users
 * @opt selects, into @r (release with inv_report_free).  Returns 0, or
 * INV_ENOMEM, or INV_ENOENT with a message when --user names nobody.
 */
int inv_scan(const struct inv_options *opt, const struct agent_set *agents,
	     struct inv_report *r, char *err, size_t errlen);
void inv_report_free(struct inv_report *r);

/* ---- advisories (OSV) ---- */

struct inv_range_event {
	const char *kind;       /* "introduced", "fixed" or "last_affected" */
	char *version;
};

/* One OSV range; only "SEMVER" and "ECOSYSTEM" ranges are evaluated. */
struct inv_range {
	char *type;
	struct inv_range_event *events;
	size_t nevents;
};

struct inv_affected {
	char *ecosystem;        /* "npm" */
	char *name;             /* "@anthropic-ai/claude-code" */
	struct inv_range *ranges;
	size_t nranges;
	struct inv_strv versions;
};

struct inv_advisory {
	char *id;
	char *summary;
	int severity;           /* enum scan_severity from database_specific.severity */
	struct inv_affected *affected;
	size_t naffected;
};

struct inv_advisories {
	struct inv_advisory *v;
	size_t n;
};

/* Loads the compiled-in advisories; 0 or INV_E* with a message. */
int inv_advisories_load_builtin(struct inv_advisories *a, char *err, size_t errlen);
/* Adds DIR/\*.json; 0 or INV_E* with "FILE: what" in err. */
int inv_advisories_load_dir(struct inv_advisories *a, const char *dir, char *err,
			    size_t errlen);
/* Parses one OSV document; 0 or INV_EFORMAT with a message. */
int inv_advisory_parse(struct inv_advisories *a, const char *name, const char *text,
		       size_t len, char *err, size_t errlen);
void inv_advisories_free(struct inv_advisories *a);
/* Whether @adv affects @package at @version (both non-NULL). */
int inv_advisory_affects(const struct inv_advisory *adv, const char *package,
			 const char *version);

/* ---- semantic versions and npm-style ranges ---- */

/* -1, 0 or 1 as @a is older, equal or newer than @b; a string that is not
 * a version compares below every version. */
int inv_semver_cmp(const char *a, const char *b);
/* Whether @version satisfies @range ("^2.1", ">=2.1.91 <2.1.117", "1.x ||
 * 2.0.0 - 2.3"); -1 when @range is malformed. */
int inv_semver_satisfies(const char *version, const char *range);

/* ---- policy ---- */

struct inv_policy;

/* inv_policy_load - read the policy file @path; NULL with a message in @err. */
struct inv_policy *inv_policy_load(const char *path, char *err, size_t errlen);
/* inv_policy_parse - the same from memory; @name names it in messages. */
struct inv_policy *inv_policy_parse(const char *name, const char *text, size_t len,
				    char *err, size_t errlen);
/* inv_policy_default - nothing banned but installs an advisory at critical
 * severity affects. */
struct inv_policy *inv_policy_default(void);
void inv_policy_free(struct inv_policy *p);

/* inv_judge - match every install against @adv and give it a verdict
 * under @policy.  Returns the number of banned installs, or INV_ENOMEM. */
int inv_judge(struct inv_report *r, const struct inv_advisories *adv,
	      const struct inv_policy *policy);

/* ---- quarantine ---- */

struct inv_quarantine_opts {
	const char *dir;        /* the quarantine root: one subdir per ID */
	int include_state;      /* move the agent's state dirs too */
	int dry_run;            /* only print what would move */
};

struct inv_move {
	char *from;             /* original path */
	char *to;               /* in the quarantine */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t dev;              /* identity when planned: checked before moving */
	ino_t ino;
	const char *kind;       /* "package", "launcher", "state" */
};

struct inv_plan {
	char id[96];
	char *dir;              /* the entry's dir in the quarantine */
	/* the install, as recorded in the manifest and the audit log */
	char *agent, *version, *method, *path, *user, *reason;
	struct inv_move *v;
	size_t n;
};

/* inv_plan_build - what quarantining @in would move (its files, launchers
 * and, when asked, state), with a fresh ID.  0, INV_ENOMEM, or INV_EIO
 * when @in's path is no longer the file the scan found. */
int inv_plan_build(const struct inv_install *in, const struct inv_quarantine_opts *o,
		   struct inv_plan *plan);
/* inv_plan_execute - create the entry, write its manifest, move every item
 * (rename: nothing is copied or deleted); on any failure, move back what
 * was moved and remove the entry.  0 or INV_E* with a message. */
int inv_plan_execute(struct inv_plan *plan, char *err, size_t errlen);
void inv_plan_release(struct inv_plan *plan);

/* inv_restore - move the items of quarantine entry @id back, refusing
 * when anything is in the way; the emptied entry is removed.  Fills
 * @plan with what moved (for the audit log). 0 or INV_E*. */
int inv_restore(const char *qdir, const char *id, struct inv_plan *plan,
		char *err, size_t errlen);

/* inv_quarantine_info - read the manifest of entry @id into @plan (nothing
 * moves).  0, INV_ENOENT or INV_EFORMAT with a message. */
int inv_quarantine_info(const char *qdir, const char *id, struct inv_plan *plan,
			char *err, size_t errlen);

/* @a and @b joined by one '/' (malloc'd), or NULL. */
char *inv_path_join(const char *a, const char *b);

#endif
