/* SPDX-License-Identifier: MIT */
/*
 * action.h - what the proxy does about findings: the policy (a plain
 * function from a finding to an action), alert lines, body decoding, and
 * the rewrites of the normalize and redact actions.
 *
 * None of this touches a socket: proxy.c calls these functions between
 * reading a request and forwarding it, as redis runs a command between
 * parsing and replying.
 */
#ifndef OVERT_PROXY_ACTION_H
#define OVERT_PROXY_ACTION_H

#include <stddef.h>
#include <stdint.h>

#include "overt.h"
#include "proxy/proxy.h"
#include "util/buf.h"

/* proxy_action_name - "log", "alert", "normalize", "redact", "block";
 * proxy_action_parse - the reverse, or -1. */
const char *proxy_action_name(enum proxy_action a);
int proxy_action_parse(const char *name);

/* proxy_policy_action - the action for finding @f: that of the first
 * policy rule it matches, else cfg->action when @f is at least
 * cfg->block_at severe, else log. */
enum proxy_action proxy_policy_action(const struct proxy_config *cfg,
				      const struct scan_finding *f);

/* proxy_rule_index - the index of the first policy rule @f matches, or -1. */
int proxy_rule_index(const struct proxy_config *cfg, const struct scan_finding *f);

/*
 * proxy_alert - write one line about finding @f of request @id (@method
 * @path) to @log (when not NULL) and, when @syslog_on, to syslog at
 * LOG_WARNING.  A secret's line names its rule, place and fingerprint,
 * never the secret or the scanner's message about it.
 */
void proxy_alert(FILE *log, int syslog_on, uint64_t id, const char *method,
		 const char *path, const struct scan_finding *f);

/* ---- decode.c ---- */

enum proxy_decode_error {
	DECODE_OK = 0,
	DECODE_ENOMEM = -1,
	DECODE_EUNKNOWN = -2,  /* an encoding we do not decode: 415 */
	DECODE_ETOOBIG = -3,   /* decoded size over the limit: 413 */
	DECODE_ECORRUPT = -4,  /* not valid data of that encoding: 400 */
};

/*
 * proxy_decode_body - decode @in (@len bytes) sent with Content-Encoding
 * @encoding (a comma-separated list, applied in order, so decoded last to
 * first): gzip, x-gzip, deflate (zlib, or raw deflate as some clients
 * send), zstd, br, identity.  The result goes to @out, whose maximum is the
 * decompressed-size limit: a body that decodes to more is DECODE_ETOOBIG
 * as soon as it passes it, so a small bomb never expands in memory.
 * Returns 0 or DECODE_E*, with a message for people in @err.
 */
int proxy_decode_body(const char *encoding, const uint8_t *in, size_t len,
		      struct buf *out, char *err, size_t errlen);

/* ---- action_rewrite.c ---- */

/* One change the normalize or redact action made to a body. */
struct proxy_change {
	enum proxy_action action;  /* PROXY_NORMALIZE or PROXY_REDACT */
	const char *json_path;     /* of the string changed */
	size_t offset, length;     /* the original bytes replaced */
	uint32_t codepoint;        /* the first character replaced, or
				    * SCAN_NO_CODEPOINT for a redaction */
	const char *replacement;   /* UTF-8 as decoded; "" when dropped */
};

struct proxy_rewrite {
	struct buf body;           /* the rewritten body, when nchanges > 0 */
	struct proxy_change *changes;
	size_t nchanges;
	/* private */
	size_t cap;
	void *arena;
};

/* proxy_rewrite_init/release - an empty rewrite; release frees it all. */
void proxy_rewrite_init(struct proxy_rewrite *rw);
void proxy_rewrite_release(struct proxy_rewrite *rw);

/*
 * proxy_rewrite_body - apply to @body the actions @acts[i] chosen for the
 * findings of @rep: every JSON string value holding a finding to
 * normalize has its look-alike characters replaced by their plain forms,
 * its invisible characters dropped and a drifted date separator in a date
 * finding's span set to '-'; the bytes of each finding to redact become a
 * placeholder (proxy_placeholder).  Strings with nothing to do, and all
 * bytes outside strings, are copied unchanged, so the result is valid JSON
 * when @body was.  Returns 0 (with rw->nchanges 0 when nothing changed, so
 * the original can go out) or a negative code (out of memory, too big).
 */
int proxy_rewrite_body(const uint8_t *body, size_t len, const struct scan_report *rep,
		       const enum proxy_action *acts, struct proxy_rewrite *rw);

/*
 * proxy_placeholder - append "[REDACTED:RULE:sha256:XXXXXXXX]" to @out,
 * where XXXXXXXX are the first 8 hex digits of SHA-256 of @secret: the
 * same secret always gets the same placeholder, so a reader can tell two
 * uses of one key apart from two keys without learning either.
 */
int proxy_placeholder(struct buf *out, const char *rule, const uint8_t *secret, size_t n);

/* proxy_mask_secrets - overwrite, in place and at the same length, the
 * bytes of every finding of category "secret" in @body with its
 * placeholder (cut, or padded with '*'): for the audit log's copy, whose
 * offsets must stay valid.  Returns 0 or BUF_ENOMEM. */
int proxy_mask_secrets(uint8_t *body, size_t len, const struct scan_report *rep);

/* proxy_normal_form - the plain form of @cp under normalize: 0 to keep it,
 * -1 to drop it, else the ASCII character to write instead. */
int proxy_normal_form(uint32_t cp);

#endif
