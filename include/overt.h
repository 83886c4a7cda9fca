/* SPDX-License-Identifier: MIT */
/*
 * overt.h - the public API of overt's scanning engine.
 *
 * A scan engine is built once from a set of known-scheme definitions and is
 * then used to scan request bodies: raw bytes in, findings out.  The engine
 * never performs I/O and keeps no global state, so one engine may be shared
 * by several threads as long as each thread scans into its own report.
 *
 * Ownership: everything a report points to (paths, messages, decoded
 * payloads) lives in the report's arena and stays valid until the report is
 * reset or released.  Strings are UTF-8 and NUL-terminated.
 */
#ifndef OVERT_H
#define OVERT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OVERT_VERSION "0.1.0"
/* Version of the machine-readable output ("schema": N in JSON lines). */
#define OVERT_SCHEMA 1

enum scan_severity {
	SCAN_SEV_INFO = 0,
	SCAN_SEV_LOW,
	SCAN_SEV_MEDIUM,
	SCAN_SEV_HIGH,
	SCAN_SEV_CRITICAL,
};

/* Where in the API request a string sits. */
enum scan_origin {
	SCAN_ORIGIN_UNKNOWN = 0,
	SCAN_ORIGIN_SYSTEM,
	SCAN_ORIGIN_USER,
	SCAN_ORIGIN_ASSISTANT,
	SCAN_ORIGIN_TOOL_DEFINITION,
	SCAN_ORIGIN_TOOL_RESULT,
	SCAN_ORIGIN_METADATA,
};

#define SCAN_NO_CODEPOINT UINT32_MAX

struct scan_finding {
	const char *rule;      /* stable id, e.g. "invisible.zero-width" */
	const char *category;  /* stable group, e.g. "invisible" */
	enum scan_severity severity;
	enum scan_origin origin;
	uint32_t codepoint;    /* first character concerned or SCAN_NO_CODEPOINT */
	uint32_t count;        /* characters covered (runs are one finding) */
	size_t byte_offset;    /* raw body offset: first byte, or the '\' of \uXXXX */
	size_t byte_length;    /* raw bytes covered */
	const char *json_path; /* "$.messages[0].content[1].text" */
	const char *message;   /* one sentence for a human */
	const char *decoded;   /* JSON object text, or NULL */
	/* Category "secret" only: scan_secret_fingerprint of the secret's
	 * decoded bytes ("sha256:<16 hex>, last4 wxyz"), else NULL.  The secret
	 * itself is never in a finding: its message masks it. */
	const char *fingerprint;
};

/* The outcome of scanning one body. */
struct scan_report {
	struct scan_finding *findings;
	size_t nfindings;
	size_t suppressed;     /* findings dropped past the per-body cap */
	int error;             /* 0, or a negative SCAN_E* code */
	size_t error_offset;   /* byte offset of the error in the body */
	char error_msg[160];   /* lowercase, cause last */
	/* private */
	size_t cap;
	void *arena;
	void *scratch;
	int nested;            /* scanning JSON found inside a string */
};

enum scan_error {
	SCAN_OK = 0,
	SCAN_ENOMEM = -1,
	SCAN_EJSON = -2,    /* body is not valid JSON; error_offset says where */
	SCAN_EDEPTH = -3,   /* nesting deeper than the configured limit */
	SCAN_ESCHEME = -4,  /* a scheme definition is malformed */
};

/* A known covert scheme, given as the text of a JSON document (see
 * docs/FORMATS.md, "Scheme files").  The engine copies what it needs. */
struct scan_scheme_source {
	const char *name;  /* file name, for error messages */
	const char *text;
	size_t len;
};

/* The machine's own facts, given by a caller that knows them (the proxy
 * fills them from gethostname and getpwuid).  An exact match in a request
 * is an env.self-* finding, more severe than a generic one.  NULL or ""
 * when unknown; the engine copies them. */
struct scan_self {
	const char *hostname;
	const char *username;
	const char *home;
};

struct scan_options {
	/* Schemes to recognise; NULL and 0 means the built-in ones. */
	const struct scan_scheme_source *schemes;
	size_t nschemes;
	unsigned max_depth;     /* JSON nesting limit; 0 means 512 */
	size_t max_findings;    /* per body; 0 means 1000 */
	struct scan_self self;  /* zero: no machine facts */
};

struct scan_engine;

/*
 * scan_engine_new - build an engine.
 * @opt may be NULL for defaults.  On failure returns NULL and, when @err is
 * not NULL, writes a message (at most @errlen bytes) saying what is wrong.
 */
struct scan_engine *scan_engine_new(const struct scan_options *opt,
				    char *err, size_t errlen);

/* scan_engine_free - release an engine; NULL is accepted. */
void scan_engine_free(struct scan_engine *engine);

/* scan_report_init/release - prepare and free a report; release accepts a
 * report that was only initialised.  A report is reused across bodies. */
void scan_report_init(struct scan_report *report);
void scan_report_release(struct scan_report *report);

/*
 * scan_body - scan one request body (JSON) into @report, replacing what it
 * held.  Returns 0, or a negative scan_error; on SCAN_EJSON and SCAN_EDEPTH
 * the findings made before the error are kept in @report.
 */
int scan_body(const struct scan_engine *engine, const uint8_t *body,
	      size_t len, struct scan_report *report);

/* An HTTP request header, for scan_headers.  @value need not be
 * NUL-terminated. */
struct scan_header {
	const char *name;
	const uint8_t *value;
	size_t len;
};

/*
 * scan_headers - scan the values of @n request headers with the secret and
 * environment rules into @report, replacing what it held.  Findings have
 * json_path "header:<name>", origin METADATA, and byte_offset/byte_length
 * within that header's value.  Headers that carry an API key by design
 * (authorization, proxy-authorization, x-api-key, x-goog-api-key, api-key)
 * give one info finding "secret.api-key-header" with the key's fingerprint,
 * never a leak.  Returns 0 or SCAN_ENOMEM.
 */
int scan_headers(const struct scan_engine *engine, const struct scan_header *h,
		 size_t n, struct scan_report *report);

/* Room for scan_secret_fingerprint's longest output and its NUL. */
#define SCAN_FINGERPRINT_MAX 48

/*
 * scan_secret_fingerprint - the stable, non-reversible name of a secret:
 * "sha256:<first 16 hex of SHA-256(@s)>, last4 wxyz", the last four bytes
 * only when @n >= 16 and they are printable ASCII (a shorter secret would
 * give too much of itself away).  The hash prefix is audit_fingerprint's,
 * so the audit log, the redact action and reports name a secret alike.
 * Returns the length written, or -1 when @outlen is too small.
 */
int scan_secret_fingerprint(const uint8_t *s, size_t n, char *out, size_t outlen);

/*
 * scan_secret_mask - the form in which a secret may be shown:
 * the first @prefix bytes (a token's public prefix such as "sk-ant-"), an
 * ellipsis, and the fingerprint in parentheses:
 * "sk-ant-…(sha256:1a2b3c4d5e6f7a8b, last4 wxyz)".  Returns the length
 * written, or -1 when @outlen is too small.
 */
int scan_secret_mask(const uint8_t *s, size_t n, size_t prefix, char *out,
		     size_t outlen);

/* Names for the enums, as used in every output format. */
const char *scan_severity_name(enum scan_severity sev);
const char *scan_origin_name(enum scan_origin origin);
/* scan_severity_parse - "info".."critical" to the enum; -1 if unknown. */
int scan_severity_parse(const char *name);

/* A rule as documented: used for SARIF rule metadata and `overt help`. */
struct scan_rule_info {
	const char *id;
	const char *category;
	enum scan_severity default_severity;
	const char *summary;
};

/* scan_rules - the built-in rule table (scheme rules are not listed). */
const struct scan_rule_info *scan_rules(size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* OVERT_H */
