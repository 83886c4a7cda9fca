/* SPDX-License-Identifier: MIT */
/*
 * probe.h - `overt probe`: run an agent once per cell of an environment
 * matrix and find what it sends that depends on the machine.
 *
 * The parts, in the order the command uses them:
 *  - plan.c builds the matrix: factors (timezone, locale, proxy variables,
 *    the host name in the base URL) with their levels, level 0 being the
 *    baseline, and the cells of the design (baseline repeats, one factor
 *    changed at a time, pairs of factors, or the full factorial).
 *  - cell.c prepares a cell's directory (generated /etc files, a fresh
 *    HOME) and runs the cell in a forked runner: its own user, mount, UTS
 *    and network namespaces, a mock model server listening inside them, and
 *    the agent with a fixed environment and a timeout.
 *  - relay.c is the proxy recorder a proxy cell's variables point at.
 *  - load.c reads what the mock recorded into requests and JSON leaves.
 *  - diff.c compares strings code point by code point; analyze.c aligns
 *    the cells' requests, finds the differences and attributes each to the
 *    factors that explain it; report.c writes text or JSON lines.
 */
#ifndef OVERT_PROBE_H
#define OVERT_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"

enum probe_factor {
	PROBE_TZ,
	PROBE_LANG,
	PROBE_PROXY,
	PROBE_HOST,
	PROBE_NFACTORS,
};

enum probe_design {
	PROBE_DESIGN_SINGLE, /* baseline repeats + one factor changed at a time */
	PROBE_DESIGN_PAIRS,  /* + every pair of non-baseline levels of two factors */
	PROBE_DESIGN_FULL,   /* the full factorial */
};

struct probe_levels {
	char **v;      /* v[0] is the baseline level */
	size_t n;
};

struct probe_cell {
	unsigned lv[PROBE_NFACTORS]; /* level index per factor */
	unsigned repeat;             /* 1.. for baseline repeats, else 0 */
	/* Filled in once the cell has run. */
	int ran;
	int status;                  /* the agent's exit status, 128+signal if killed */
	int timed_out;
	int setup_failed;
	double agent_ms;             /* the agent's own run */
	double total_ms;             /* fork of the runner to its exit */
	unsigned nrequests;
};

struct probe_plan {
	struct probe_levels f[PROBE_NFACTORS];
	struct probe_cell *cells;
	size_t ncells;
};

/* probe_factor_name - "tz", "lang", "proxy", "host". */
const char *probe_factor_name(enum probe_factor f);

/* probe_levels_default - fill @l with the default levels of @f.  0 or -ENOMEM. */
int probe_levels_default(enum probe_factor f, struct probe_levels *l);

/* probe_levels_parse - a comma-separated list into @l (replacing it).
 * Returns 0, -EINVAL (empty item, or a character that cannot go into an
 * environment variable or a host name) with a message in @err, or -ENOMEM. */
int probe_levels_parse(enum probe_factor f, const char *list, struct probe_levels *l,
		       char *err, size_t errlen);

/* probe_plan_cells - lay out the cells for @design with @repeat baseline
 * runs.  0 or -ENOMEM. */
int probe_plan_cells(struct probe_plan *plan, enum probe_design design, unsigned repeat);

void probe_plan_release(struct probe_plan *plan);

/* probe_cell_describe - "tz=Asia/Shanghai host=api.example.cn" (the levels
 * that differ from the baseline; "baseline #2" for a repeat). */
int probe_cell_describe(const struct probe_plan *plan, size_t cell, struct buf *out);

/* How a cell runs the agent: everything is the same in every cell except
 * the factors. */
struct probe_env {
	char *key;
	char *value; /* may hold {url} */
};

struct probe_run {
	char **argv;               /* the command; arguments may hold {url} */
	size_t argc;
	const char *base_url_env;  /* variable for the base URL, or NULL */
	const char *base_url_tmpl; /* its template, "{url}" by default */
	const char *key_env;       /* variable for a dummy API key, or NULL */
	struct probe_env *env;     /* more variables (agent profile, --env) */
	size_t nenv;
	struct probe_env *files;   /* "~/path" -> content, for the fresh HOME */
	size_t nfiles;
	const char *home_template; /* copied into each fresh HOME, or NULL */
	const char *path;          /* PATH for the agent */
	unsigned timeout_ms;
	unsigned port;             /* the mock's port inside the cell, 80 */
	const char *workdir;       /* where cell directories go */
	int verbose;
};

/* Fixed identity of every cell. */
#define PROBE_USER "user"
#define PROBE_UID 1000
#define PROBE_HOSTNAME "devbox"
#define PROBE_PROXY_PORT 3128
#define PROBE_DUMMY_KEY "sk-overt-probe-0000000000000000dummy"

/* probe_cell_prepare - create @dir (the cell's directory: etc/, home/,
 * out/) for cell @i.  0 or a negative errno with a message in @err. */
int probe_cell_prepare(const struct probe_run *run, const struct probe_plan *plan, size_t i,
		       const char *dir, char *err, size_t errlen);

/* probe_cell_exec - the runner, in a forked child: enter the namespaces,
 * serve the mock, run the agent, write @dir/result.  Never returns. */
void probe_cell_exec(const struct probe_run *run, const struct probe_plan *plan, size_t i,
		     const char *dir) __attribute__((noreturn));

/* probe_cell_result - read @dir/result into @cell.  0, or -EINVAL with
 * the runner's reason in @err when the cell could not be set up. */
int probe_cell_result(const char *dir, struct probe_cell *cell, char *err, size_t errlen);

/* probe_relay_start - the proxy recorder: listen on 127.0.0.1:@port in the
 * current network namespace; each connection's request head goes as one
 * JSON line to @log_fd; CONNECT is refused (403), an absolute-form request
 * for @host is passed to the mock on 127.0.0.1:@mock_port, one for another
 * host refused.  Runs in a thread.  0 or a negative errno. */
int probe_relay_start(unsigned port, unsigned mock_port, const char *host, int log_fd);

/* A recorded request, reduced to what the analysis compares. */
struct probe_leaf {
	char *path;       /* "$.system[0].text", "header:user-agent" */
	char *value;      /* decoded string content, or the raw JSON literal */
	size_t len;
	int is_string;
};

struct probe_request {
	char *endpoint;   /* "POST /v1/messages", "PROXY CONNECT host:443" */
	char *key;        /* alignment key: endpoint, model, ordinal */
	uint8_t *body;    /* the raw body, for the scanner */
	size_t body_len;
	struct probe_leaf *leaves;
	size_t nleaves;
};

struct probe_capture {
	struct probe_request *v;
	size_t n;
};

/* probe_load - read a cell's recordings (@dir/out/rec/NNNNNN.json and
 * @dir/out/proxy.jsonl) into @cap; the cell's @host in a proxy request
 * line reads "{host}", so the cells' proxy requests align.  0 or a
 * negative errno with @err. */
int probe_load(const char *dir, const char *host, struct probe_capture *cap, char *err,
	       size_t errlen);
void probe_capture_release(struct probe_capture *cap);

/* One edit between a reference string and another, in code points. */
struct probe_hunk {
	size_t ref_start, ref_end;   /* [start, end) in the reference */
	size_t oth_start, oth_end;   /* [start, end) in the other */
};

/* probe_diff - the edits turning @a into @b (code point arrays), widened
 * to whole words where they touch letters or digits and merged where they
 * touch.  *@hunks is malloc'd.  0 or -ENOMEM. */
int probe_diff(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
	       struct probe_hunk **hunks, size_t *nhunks);

/* probe_utf8_cps - decode UTF-8 into code points (bad bytes as U+FFFD). */
int probe_utf8_cps(const char *s, size_t n, uint32_t **cps, size_t *ncps);

enum probe_class {
	PROBE_NOISE,
	PROBE_VISIBLE,
	PROBE_COVERT,
};

/* One difference between cells. */
struct probe_value {
	char *text;      /* UTF-8; NULL: absent in that cell */
	size_t len;
};

struct probe_difference {
	char *endpoint;          /* "POST /v1/messages" */
	char *request;           /* the alignment key */
	char *json_path;         /* "$.system[1].text", "(request)" */
	size_t offset;           /* code point offset in the reference, or SIZE_MAX */
	char *context;           /* reference text around it, escaped */
	enum probe_class cls;
	const char *kind;        /* "apostrophe", "invisible", "separator", "whitespace",
				    "look-alike", "text", "presence" */
	unsigned factors;        /* bit set of enum probe_factor */
	char *condition;         /* "tz ∈ {Asia/Shanghai, Asia/Urumqi}" */
	struct probe_value *values; /* one per cell */
	unsigned char *took_part;   /* per cell: 1 when it is compared here (it ran,
				       and for a leaf, it sent the request) */
};

struct probe_finding {
	char *rule;
	char *severity;
	char *endpoint;
	char *json_path;
	char *message;
	uint32_t codepoint;
	unsigned ncells;
	char *cells;             /* "1,2,5" */
};

struct probe_result {
	struct probe_difference *diffs;
	size_t ndiffs;
	struct probe_finding *findings;
	size_t nfindings;
	size_t ncovert, nvisible, nnoise;
	size_t ncells;           /* the length of every values array */
};

/* probe_analyze - compare the captures of all cells (caps[i] for cell i). */
int probe_analyze(const struct probe_plan *plan, const struct probe_capture *caps,
		  struct probe_result *res);
void probe_result_release(struct probe_result *res);

/* probe_classify - covert, visible: what kind of change turns @a into @b. */
enum probe_class probe_classify(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
				const char **kind);

/* probe_scan - run the scanner on every captured body; findings grouped
 * by rule, endpoint and path with the cells they were in. */
int probe_scan(const struct probe_plan *plan, const struct probe_capture *caps,
	       struct probe_result *res, char *err, size_t errlen);

/* probe_report_text / probe_report_json - write the result. */
void probe_report_text(FILE *out, const struct probe_plan *plan, const struct probe_result *res,
		       int show_noise);
void probe_report_json(FILE *out, const struct probe_plan *plan, const struct probe_result *res);

/* probe_escape - append @s for a terminal: printable text as is, anything
 * invisible, a look-alike or outside ASCII punctuation norms as ⟨U+XXXX⟩. */
int probe_escape(struct buf *out, const char *s, size_t n);

#endif
