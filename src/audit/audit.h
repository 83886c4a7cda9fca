/* SPDX-License-Identifier: MIT */
/*
 * audit.h - the audit log: every exchange the proxy relays, its bodies and
 * its findings, in one SQLite file that nothing else writes.
 *
 * A store is opened either for writing (audit_open: one writer thread owns
 * the connection and commits submitted records in batches, so the caller,
 * an event loop, never waits on the disk) or for reading (audit_open_readonly:
 * SQLITE_OPEN_READONLY, for `overt log`, so evidence is never modified).
 * Every row of every table is linked into one SHA-256 hash chain, so an
 * edit, an insertion or a deletion is found by audit_verify.  API keys are
 * never stored in clear: a fingerprint and the last four characters are.
 * The schema and the chain are described in docs/AUDIT.md.
 */
#ifndef OVERT_AUDIT_H
#define OVERT_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "overt.h"

/* Version of the database schema, stored in the meta table. */
#define AUDIT_SCHEMA_VERSION 1
/* Every AUDIT_DELTA_SPAN-th request body of a conversation is stored whole,
 * so reading one body never decompresses more than this many frames. */
#define AUDIT_DELTA_SPAN 32
/* "sha256:" and 16 hex digits, and a NUL. */
#define AUDIT_FINGERPRINT_LEN 24

enum audit_error {
	AUDIT_OK = 0,
	AUDIT_ENOMEM = -1,   /* allocation failed */
	AUDIT_EIO = -2,      /* the file or SQLite failed; see the message */
	AUDIT_EPERM = -3,    /* existing file is a symlink, not a regular file,
			      * or readable by group or others */
	AUDIT_EFULL = -4,    /* the submit queue is full; nothing was queued */
	AUDIT_EUNHEALTHY = -5, /* a write failed earlier; the store accepts
				* nothing more (see audit_status) */
	AUDIT_ECORRUPT = -6, /* the hash chain or a body does not check out */
	AUDIT_ESCHEMA = -7,  /* not an overt audit log, or a newer schema */
	AUDIT_EINVAL = -8,   /* bad argument, or a read-only store */
	AUDIT_ENOENT = -9,   /* no such file or exchange */
	AUDIT_ETOOBIG = -10, /* a record over the configured limits */
};

/* What the proxy did about an exchange or a finding. */
enum audit_action {
	AUDIT_ACTION_LOG = 0,
	AUDIT_ACTION_ALERT,
	AUDIT_ACTION_NORMALIZE,
	AUDIT_ACTION_REDACT,
	AUDIT_ACTION_BLOCK,
};

struct audit_finding {
	const char *rule;       /* "invisible.zero-width" */
	const char *category;   /* "invisible" */
	enum scan_severity severity;
	enum scan_origin origin;
	const char *json_path;  /* "$.messages[0].content" */
	uint64_t byte_offset;   /* in the raw request body */
	uint32_t codepoint;     /* SCAN_NO_CODEPOINT when none */
	enum audit_action action;
};

/* One change the proxy made to a request body before forwarding it
 * (normalize, redact): the original bytes at @byte_offset..+@byte_length
 * became @replacement.  A redaction's codepoint is SCAN_NO_CODEPOINT and
 * its replacement the placeholder, never the secret. */
struct audit_change {
	enum audit_action action;
	const char *json_path;
	uint64_t byte_offset;   /* in the request body as recorded */
	uint64_t byte_length;
	uint32_t codepoint;     /* the first character replaced */
	const char *replacement; /* UTF-8; "" when characters were dropped */
};

/*
 * One relayed exchange.  For audit_submit every pointer is borrowed for the
 * duration of the call (the store copies what it keeps); strings may be
 * NULL.  When reading, everything lives in the audit_record that holds it.
 */
struct audit_exchange {
	int64_t id;             /* assigned by the store; ignored by submit */
	int64_t time_ms;        /* Unix time in milliseconds */
	const char *client;     /* "127.0.0.1:50312" */
	const char *route;      /* route or upstream name */
	const char *method;
	const char *path;
	int status;             /* HTTP status; 0 when there was no response */
	int64_t ttfb_ms;        /* upstream time to first byte; -1 unknown */
	int64_t total_ms;       /* -1 unknown */
	uint64_t request_bytes;  /* on the wire, as the client sent them */
	uint64_t response_bytes;
	/* submit only: the raw API key, or NULL.  Never stored and never
	 * copied: the store hashes it in place and keeps the fingerprint and the
	 * last four characters. */
	const char *api_key;
	/* "sha256:<16 hex>" and the last four characters.  Filled when reading;
	 * on submit used only when api_key is NULL (re-importing an export). */
	const char *key_fingerprint;
	const char *key_last4;
	enum audit_action action;
	/* Conversation key chosen by the caller (for example a hash of the first
	 * user message), or NULL.  Request bodies with the same key are
	 * delta-compressed against the previous one. */
	const char *conversation;
	const uint8_t *request_body;  /* NULL: no body recorded */
	size_t request_len;
	const uint8_t *response_body; /* reassembled (SSE included) */
	size_t response_len;
	const struct audit_finding *findings;
	size_t nfindings;
	const struct audit_change *changes; /* what was forwarded instead */
	size_t nchanges;
};

/* An exchange read back; audit_record_free releases all of it. */
struct audit_record {
	struct audit_exchange x;
	size_t nfindings;       /* also set by audit_list, which loads none */
	int worst;              /* highest finding severity, -1 for none */
	/* private */
	void *arena;
	uint8_t *bodies[2];
};

struct audit_options {
	size_t queue_max;       /* records waiting; 0 means 4096 */
	size_t queue_bytes_max; /* bytes of bodies waiting; 0 means 256 MiB */
	size_t batch_max;       /* records per transaction; 0 means 256 */
	unsigned batch_ms;      /* longest wait before a commit; 0 means 50 */
	uint64_t max_db_bytes;  /* cap on the file (PRAGMA max_page_count);
				 * 0 means none.  Reaching it is a write error. */
	int compress_level;     /* zstd level; 0 means 3 */
};

/* The writer's state, for the caller to poll (thread-safe). */
struct audit_status {
	int healthy;            /* 0 after a write error: stop relying on the log */
	int error;              /* the first AUDIT_E* of the writer, or 0 */
	char message[256];      /* what failed, lowercase, cause last */
	uint64_t submitted;     /* records accepted by audit_submit */
	uint64_t committed;     /* records durable in the file */
	uint64_t lost;          /* records accepted but not written */
	size_t queued;          /* records waiting */
};

struct audit_store;

/*
 * audit_open - open the log at @path for writing, creating it with mode
 * 0600 when it does not exist, and start the writer thread.  An existing
 * file must be a regular file, not a symlink, with no group or other
 * permission bits.  @opt may be NULL.  Returns 0 and sets *@out (the caller
 * owns it; release with audit_close), or an AUDIT_E* code with a message in
 * @err (at most @errlen bytes).
 */
int audit_open(const char *path, const struct audit_options *opt,
	       struct audit_store **out, char *err, size_t errlen);

/*
 * audit_open_readonly - open an existing log for reading only
 * (SQLITE_OPEN_READONLY); the file is never modified.  Returns 0 and sets
 * *@out, AUDIT_ENOENT when the file is missing, or another AUDIT_E* code,
 * with a message naming the file in @err.
 */
int audit_open_readonly(const char *path, struct audit_store **out,
			char *err, size_t errlen);

/*
 * audit_close - for a writer, commit everything queued and join the thread;
 * then close the file and free the store.  NULL is accepted.  Returns 0, or
 * the writer's first error (the store is freed either way).
 */
int audit_close(struct audit_store *store);

/*
 * audit_submit - queue @x for writing and return at once; never blocks on
 * the disk.  Everything @x points to is copied (the API key is hashed in
 * place, never copied), so the caller may free it on return.  Returns 0,
 * AUDIT_EFULL when the queue is full (nothing queued; the caller decides to
 * fail closed or open), AUDIT_EUNHEALTHY after a write error, AUDIT_ETOOBIG
 * for a record larger than the whole queue, AUDIT_ENOMEM, or AUDIT_EINVAL
 * on a read-only store or a malformed fingerprint.  Thread-safe.
 */
int audit_submit(struct audit_store *store, const struct audit_exchange *x);

/*
 * audit_submit_take - audit_submit, except that the bodies are handed over
 * instead of copied: @request and @response, each NULL or a malloc'd block
 * that is exactly x->request_body or x->response_body, belong to the store
 * from the call on and are freed by it whatever the result.  For a proxy
 * this saves copying every body once more on its event loop.
 */
int audit_submit_take(struct audit_store *store, const struct audit_exchange *x,
		      uint8_t *request, uint8_t *response);

/* audit_submit_take_id - audit_submit_take, and on success store in *@id
 * the id the exchange will have in the log (for "overt log show ID"). */
int audit_submit_take_id(struct audit_store *store, const struct audit_exchange *x,
			 uint8_t *request, uint8_t *response, int64_t *id);

/*
 * audit_sync - wait until every record submitted so far is committed or
 * lost.  Returns 0, or the writer's error.  Blocks: not for an event loop.
 */
int audit_sync(struct audit_store *store);

/*
 * For a caller that must not answer before a record is committed (overt
 * proxy --sync) and cannot block: audit_ticket, right after a successful
 * submit from the only submitting thread, names that record (records are
 * numbered 1, 2, ... in submit order, events included; another thread's
 * submit in between only makes the ticket later, so waiting on it is
 * still safe).  audit_durable says 1 when every record up to @ticket is
 * committed, -1 when the writer finished it but the batch was lost, 0 while
 * it waits.  audit_flush asks the writer to commit what is queued now
 * instead of waiting out its batch time, without blocking.  @fn, when set
 * with audit_set_notify, is called from the writer thread after every
 * batch (with a lock held: it must only wake the caller, uv_async_send);
 * setting NULL guarantees no call after the function returns.
 */
uint64_t audit_ticket(struct audit_store *store);
int audit_durable(struct audit_store *store, uint64_t ticket);
void audit_flush(struct audit_store *store);
void audit_set_notify(struct audit_store *store, void (*fn)(void *ctx), void *ctx);

/* audit_healthy - 1 while every write has succeeded, else 0.  Thread-safe. */
int audit_healthy(struct audit_store *store);

/*
 * audit_room - how many more records the queue takes now (queue_max less
 * those waiting; 0 for a read-only store).  The proxy checks it before
 * forwarding a request, counting the exchanges it has let through but not
 * yet submitted, so a full queue refuses a request instead of losing the
 * record of one already forwarded.  Thread-safe.
 */
size_t audit_room(struct audit_store *store);

/* audit_status - copy the writer's counters and first error into @st. */
void audit_status(struct audit_store *store, struct audit_status *st);

/*
 * audit_fingerprint - write "sha256:<first 16 hex of SHA-256(@secret)>" into
 * @fp and the last four characters (fewer when shorter) into @last4.  For
 * API keys and for secrets the scanner finds.  Never fails.
 */
void audit_fingerprint(const char *secret, size_t len,
		       char fp[AUDIT_FINGERPRINT_LEN], char last4[5]);

/*
 * Reading: audit_list, audit_get, audit_verify, audit_stats and the exports
 * take a store from audit_open_readonly (AUDIT_EINVAL otherwise: a writer's
 * connection belongs to its thread).  Open a second, read-only store to read
 * a log that a proxy is writing.
 */

/* Which exchanges audit_list returns: audit_filter_init, then set fields. */
struct audit_filter {
	int64_t since_ms;       /* time_ms >= since_ms */
	int min_severity;       /* -1 (default when set via audit_filter_init):
				 * any; else exchanges with such a finding */
	const char *rule;       /* exchanges with a finding of this rule */
	const char *route;      /* this route or upstream name */
	uint64_t limit;         /* 0 means no limit */
};

/* audit_filter_init - everything, in id order. */
void audit_filter_init(struct audit_filter *f);

/*
 * audit_list - call @fn for every exchange matching @f, in id order, with a
 * record holding the exchange's columns, nfindings and worst but no bodies
 * and no findings; the record is valid during the call only.  A non-zero
 * return from @fn stops the walk and is returned; else 0 or AUDIT_E*.
 */
int audit_list(struct audit_store *store, const struct audit_filter *f,
	       int (*fn)(void *ctx, const struct audit_record *r), void *ctx);

/*
 * audit_get - read exchange @id with its findings and both bodies
 * decompressed into a new record *@out (release with audit_record_free).
 * Returns 0, AUDIT_ENOENT, AUDIT_ECORRUPT when a body does not decompress
 * to its recorded length, or another AUDIT_E* code.
 */
int audit_get(struct audit_store *store, int64_t id, struct audit_record **out);

/* audit_record_free - release a record; NULL is accepted. */
void audit_record_free(struct audit_record *r);

/* The outcome of audit_verify. */
struct audit_verify_result {
	uint64_t records;       /* chain entries checked */
	uint64_t bad_seq;       /* first bad chain entry; 0 when the problem
				 * is a row outside the chain, or none */
	char table[32];         /* table of the bad row, "" if none */
	int64_t row_id;         /* its id, or 0 */
	char message[256];      /* what is wrong, "" when all is well */
	uint8_t head[32];       /* hash of the last entry */
	uint64_t expect_seq;    /* audit_verify_expect: the entry whose hash is
				 * the expected one, 0 when no entry has it */
};

/*
 * audit_verify - walk the chain from the first entry, recompute every hash
 * and check that every row of every table is in it.  Returns 0 when all
 * checks out, AUDIT_ECORRUPT with the first problem in @res, or another
 * AUDIT_E* code (with @res->message) when the file cannot be read.
 */
int audit_verify(struct audit_store *store, struct audit_verify_result *res);

/*
 * audit_verify_expect - audit_verify, and also look for the entry whose hash
 * is @expect (a head printed by an earlier verify; NULL: none) and store its
 * seq in @res->expect_seq, 0 when no entry has that hash.  Since every hash
 * covers all entries before it, a verified chain holding @expect has the
 * same history up to that entry as when the head was recorded.  The caller
 * decides what a missing head means (the file was rewritten or truncated).
 */
int audit_verify_expect(struct audit_store *store, const uint8_t expect[32],
			struct audit_verify_result *res);

struct audit_count {
	char name[64];
	uint64_t count;
};

struct audit_stats {
	uint64_t exchanges;
	uint64_t findings;
	uint64_t by_severity[5];        /* findings, indexed by scan_severity */
	struct audit_count *by_rule;    /* sorted by name */
	size_t nrules;
	struct audit_count *by_route;   /* exchanges, sorted by name */
	size_t nroutes;
	uint64_t bodies;
	uint64_t body_raw_bytes;        /* bodies before compression */
	uint64_t body_stored_bytes;     /* as stored */
	uint64_t file_bytes;            /* the database file */
};

/* audit_stats - fill @st (release with audit_stats_release); 0 or AUDIT_E*. */
int audit_stats(struct audit_store *store, struct audit_stats *st);
void audit_stats_release(struct audit_stats *st);

/*
 * audit_export_jsonl - write one exchange per line ("schema":1) for those
 * matching @f (NULL: all).  Bodies are JSON strings when they are valid
 * UTF-8, else base64 with "request_body_encoding":"base64" (or
 * response_...).  Returns 0 or AUDIT_E*.
 */
int audit_export_jsonl(struct audit_store *store, const struct audit_filter *f,
		       FILE *out);

/*
 * audit_exchange_json - append to @out the JSON object audit_export_jsonl
 * writes for @x (with a newline).  Returns 0, BUF_ENOMEM or BUF_ETOOBIG.
 */
struct buf;
int audit_exchange_json(struct buf *out, const struct audit_exchange *x);

/* audit_export_har - the same exchanges as one HAR 1.2 document. */
int audit_export_har(struct audit_store *store, const struct audit_filter *f,
		     FILE *out);

/*
 * audit_import_jsonl - submit every line of @in (the format of
 * audit_export_jsonl; "id" and "time" are ignored) to a writable store.
 * @name names the input in messages.  Returns 0, or AUDIT_EINVAL with the
 * line and the problem in @err, or the submit error.  Waits when the queue
 * is full, so it is for tools, not for the proxy.
 */
int audit_import_jsonl(struct audit_store *store, FILE *in, const char *name,
		       char *err, size_t errlen);

/*
 * An event beside the exchanges, in the same hash chain: a network attempt
 * through the proxy's CONNECT endpoint, allowed or denied, or the start and
 * end of an `overt run` session.  Strings are borrowed by submit (copied)
 * and may be NULL except @kind.
 */
struct audit_event {
	int64_t id;             /* assigned by the store; ignored by submit */
	int64_t time_ms;        /* Unix time in milliseconds */
	const char *kind;       /* "connect", "connect.end", "session.start", "session.end" */
	const char *client;     /* who asked: "127.0.0.1:50312", or NULL */
	const char *target;     /* "example.com:443"; for a session its command */
	const char *verdict;    /* "allow", "deny", "error"; sessions: "start",
				 * "exit N", "signal N", "failed" */
	const char *detail;     /* why, or a JSON object (a session's policy) */
};

/* audit_submit_event - queue @ev like audit_submit; same return codes. */
int audit_submit_event(struct audit_store *store, const struct audit_event *ev);

/* audit_list_events - call @fn for every event at or after @since_ms, in
 * id order; the event is valid during the call only.  A non-zero return
 * from @fn stops the walk and is returned; else 0 or AUDIT_E*.  A log made
 * before events existed has none. */
int audit_list_events(struct audit_store *store, int64_t since_ms,
		      int (*fn)(void *ctx, const struct audit_event *ev), void *ctx);

/* Names as used in every output format; audit_action_parse returns -1 for
 * an unknown name. */
const char *audit_action_name(enum audit_action a);
int audit_action_parse(const char *name);
/* audit_strerror - a short phrase for an AUDIT_E* code. */
const char *audit_strerror(int err);

#endif
