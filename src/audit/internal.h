/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the audit files share: the store, the typed column
 * values the hash chain is computed over, and the body codec.
 *
 * The writer and audit_verify both turn a row into an array of typed
 * values (struct cval) and hash that, so the canonical serialisation has
 * one implementation and the two sides cannot drift apart.
 */
#ifndef OVERT_AUDIT_INTERNAL_H
#define OVERT_AUDIT_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "audit/audit.h"

#define HASH_LEN 32
/* The largest body we store or decompress: checked before any allocation. */
#define AUDIT_MAX_BODY ((uint64_t)1 << 30)
#define MAX_COLS 16

enum cval_type { CV_NULL, CV_INT, CV_TEXT, CV_BLOB };

/* One column value, borrowed. */
struct cval {
	enum cval_type type;
	int64_t i;
	const void *p;
	size_t n;
};

/* The tables in the chain, with their hashed columns in canonical order
 * (prev_hash and hash follow them in every table). */
enum audit_table { T_META, T_EXCHANGES, T_BODIES, T_FINDINGS,
		   T_EVENTS, /* overt run: network attempts, sessions */
		   T_CHANGES, /* the proxy's rewrites of request bodies */
		   T_INVENTORY, /* inventory.c: what overt inventory moved */
		   T_COUNT };

struct table_def {
	const char *name;
	const char *cols;   /* comma-separated, id first */
	int ncols;
};

extern const struct table_def audit_tables[T_COUNT];

struct qrec;

/* The conversations whose last request body the writer keeps in memory. */
#define CONV_CACHE 32
struct conv {
	char *key;
	int64_t body_id;
	int depth;
	uint8_t *raw;
	size_t len;
	uint64_t used;
};

struct chain_head {
	uint64_t seq;
	uint8_t hash[HASH_LEN];
	int64_t next_id[T_COUNT];
};

struct audit_store {
	sqlite3 *db;
	int readonly;
	int lockfd;          /* our descriptor of the file, holding the writer lock */
	char *path;
	struct audit_options opt;
	/* writer only, owned by the writer thread */
	struct chain_head head;
	int64_t next_exchange; /* under lock: the id audit_submit hands out */
	sqlite3_stmt *ins[T_COUNT];
	sqlite3_stmt *ins_chain;
	struct conv convs[CONV_CACHE];
	uint64_t tick;
	void *cctx;
	void *dctx;
	/* shared with submitters, under lock */
	pthread_mutex_t lock;
	pthread_cond_t more;    /* records queued, or closing */
	pthread_cond_t done;    /* records committed or lost */
	pthread_t thread;
	int started;
	int closing;
	int flush;            /* audit_sync is waiting: commit without delay */
	int trim_pending;     /* work since the heaps were last trimmed */
	struct qrec *qhead, *qtail;
	size_t qbytes;
	uint64_t finished;      /* committed + lost */
	uint64_t durable_through; /* records 1..this (in submit order) are committed */
	void (*notify)(void *ctx); /* after each batch, from the writer thread */
	void *notify_ctx;
	struct audit_status st;
};

/* chain.c */
/* audit_sha256 - SHA-256, fetched once for the process. */
const struct evp_md_st *audit_sha256(void);

void audit_row_hash(const uint8_t prev[HASH_LEN], uint64_t seq,
		    enum audit_table t, const struct cval *v, int n,
		    uint8_t out[HASH_LEN]);
int audit_cval_from_column(sqlite3_stmt *st, int col, struct cval *v);

/* body.c: the stored form of body @id, decompressed (malloc'd, caller
 * frees; *@raw may be NULL for an empty body). */
int audit_body_read(struct audit_store *s, int64_t id, uint8_t **raw,
		    size_t *len);
/* body.c: compress @raw alone or against @dict (NULL for none). */
int audit_body_compress(struct audit_store *s, const uint8_t *raw, size_t len,
			const uint8_t *dict, size_t dictlen, uint8_t **out,
			size_t *outlen);

/* body.c: the stored form of @raw: against @base (the conversation's
 * previous body, or NULL) when that helps; *@codec says which form. */
int audit_body_encode(struct audit_store *s, const uint8_t *raw, size_t len,
		      const uint8_t *base, size_t baselen, uint8_t **out,
		      size_t *outlen, const char **codec);

/* writer.c */
/* A record of a table another file owns: @write turns the @len bytes
 * queued with it into rows (with audit_append) on the writer thread. */
typedef int (*audit_custom_fn)(struct audit_store *s, const void *data, size_t len);
int audit_submit_custom(struct audit_store *s, audit_custom_fn write, const void *data,
			size_t len);
/* Insert row @v (id first) of table @t and its chain entry; writer thread. */
int audit_append(struct audit_store *s, enum audit_table t, const struct cval *v);
int audit_writer_start(struct audit_store *s, char *err, size_t errlen);
void audit_writer_stop(struct audit_store *s);
void audit_conv_release(struct audit_store *s);

/* inventory.c: its table, created in new and existing files alike. */
extern const char audit_inventory_schema[];

/* store.c */
void audit_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int audit_origin_parse(const char *name);
int audit_check_schema(sqlite3 *db, const char *path, char *err, size_t errlen);
/* audit_has_table - whether @name exists: files made before the events
 * or changes table was added lack it, and read as having none. */
int audit_has_table(sqlite3 *db, const char *name);

#endif
