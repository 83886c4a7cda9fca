/* SPDX-License-Identifier: MIT */
/*
 * inspect.h - `overt inspect`: look inside agent packages before they run.
 *
 * An inspector is built once (dictionaries, Vectorscan databases, the scan
 * engine) and then fed inputs: npm package folders and tarballs, JavaScript
 * bundles, native executables with an embedded JavaScript payload (Bun,
 * Node SEA), VS Code .vsix files.  Each input is broken down into "blobs"
 * (a file, an archive member, an embedded module) and every blob goes
 * through the same detectors:
 *
 *   tables.c   obfuscated string tables (XOR with a one-byte key, base64,
 *              char-code arrays) that decode to dictionary words;
 *   js.c       environment fingerprinting near prompt-building code and
 *              covert-channel literals (look-alike and invisible characters);
 *   exe.c      which embedding a native executable carries, and where.
 *
 * Findings are kept in the inspector and written at the end by output.c.
 */
#ifndef OVERT_INSPECT_H
#define OVERT_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "overt.h"

#define INSP_ENOMEM (-1)
#define INSP_EIO (-2)      /* an input could not be read; errno-style message set */
#define INSP_EDATA (-3)    /* a dictionary or pattern could not be built */
#define INSP_EFORMAT (-4)  /* an input is malformed (archive, executable) */
#define INSP_EREPORTED (-5) /* some inputs failed; each went to opt.on_error */

/* Where a finding is: the input file, an archive member or embedded module
 * inside it (NULL when none), the byte offset in that member, and for text
 * line:column (1-based, column in bytes; 0 when not text). */
struct insp_loc {
	const char *file;
	const char *member;
	uint64_t offset;
	uint32_t line, col;
};

struct insp_finding {
	const char *rule;        /* stable id, e.g. "obfuscation.xor-table" */
	enum scan_severity severity;
	struct insp_loc loc;
	uint64_t length;         /* bytes covered */
	char *message;           /* plain explanation for a person */
	char *evidence;          /* a short excerpt of the bytes, made safe to print */
	/* String tables only (scheme NULL otherwise). */
	const char *scheme;      /* "xor", "base64", "base64+xor", "char-codes", ... */
	int key;                 /* XOR key, -1 when none */
	const char *category;    /* dictionary category of the words matched */
	char *decoder;           /* excerpt of the decoding code nearby, or NULL */
	char **decoded;          /* the decoded list */
	size_t ndecoded;
};

struct insp_options {
	const char *extract_dir; /* write embedded JavaScript here, or NULL */
	bool progress;           /* progress lines on stderr */
	int max_depth;           /* nested archives; 0 means 3 */
	/* Called for each file of a directory that cannot be inspected (the
	 * walk goes on); without it only the last such error is returned. */
	void (*on_error)(void *ctx, const char *msg);
	void *error_ctx;
};

struct inspector;

/* inspector_new - build the databases; NULL with @err filled on failure. */
struct inspector *inspector_new(const struct insp_options *opt, char *err,
				size_t errlen);
void inspector_free(struct inspector *in);

/*
 * inspect_path - inspect a file or directory; findings accumulate in @in.
 * Returns 0, or a negative INSP_E* code with a message in @err (the
 * findings made before the error are kept).
 */
int inspect_path(struct inspector *in, const char *path, char *err,
		 size_t errlen);

/* The findings so far, in the order they were made (sorted by location
 * per blob). */
/* The most findings one inspector keeps: memory stays bounded. */
#define INSP_MAX_FINDINGS 100000
/* inspect_dropped - findings not kept because @in already holds
 * INSP_MAX_FINDINGS: the report is incomplete when this is not 0. */
size_t inspect_dropped(const struct inspector *in);
const struct insp_finding *inspect_findings(const struct inspector *in,
					    size_t *n);

/* Output: "text", "json" or "sarif", the findings at least @min_sev
 * severe; 0 or -1 (write error). */
int inspect_write(const struct inspector *in, const char *format, FILE *out,
		  bool color, int min_sev);

/* Rules, for SARIF metadata and the documentation. */
struct insp_rule {
	const char *id;
	const char *summary;
};
const struct insp_rule *inspect_rules(size_t *n);

#endif
