/* SPDX-License-Identifier: MIT */
/*
 * chain.c - the hash chain over every row of every table, and its check.
 *
 * Entry seq links row R of table T: hash = SHA-256(prev_hash || "overt-
 * audit-1" || seq || T || R's columns), each value tagged with its type and
 * length-prefixed, so no two different rows serialise alike.  Putting seq
 * and the table name in the hash pins each row to its place: a row cannot
 * be moved, duplicated or swapped with another without the walk noticing.
 * The chain entry is written in the same transaction as its row, so a
 * crash leaves either both or neither.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "util/banned.h"

const struct table_def audit_tables[T_COUNT] = {
	[T_META] = { "meta", "id,key,value", 3 },
	[T_EXCHANGES] = { "exchanges",
			  "id,time_ms,client,route,method,path,status,ttfb_ms,"
			  "total_ms,request_bytes,response_bytes,key_fingerprint,"
			  "key_last4,action,conversation", 15 },
	[T_BODIES] = { "bodies",
		       "id,exchange_id,kind,conversation,base_id,depth,raw_len,"
		       "codec,data", 9 },
	[T_FINDINGS] = { "findings",
			 "id,exchange_id,rule,category,severity,origin,json_path,"
			 "byte_offset,codepoint,action", 10 },
	[T_EVENTS] = { "events", "id,time_ms,kind,client,target,verdict,detail", 7 },
	[T_CHANGES] = { "changes",
			"id,exchange_id,action,json_path,byte_offset,byte_length,"
			"codepoint,replacement", 8 },
	[T_INVENTORY] = { "inventory_actions",
			  "id,time_ms,action,quarantine_id,agent,version,method,path,"
			  "owner,operator,host,reason,items", 13 },
};

static const char domain[] = "overt-audit-1";

static EVP_MD *sha256_md;
static pthread_key_t ctx_key;     /* each thread's reused EVP_MD_CTX */
static int have_ctx_key;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void free_ctx(void *c)
{
	EVP_MD_CTX_free(c);
}

static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	have_ctx_key = !pthread_key_create(&ctx_key, free_ctx);
}

/* OpenSSL 3 looks the algorithm up, under a lock, on every EVP_sha256()
 * init or SHA256() call: a row hash and a key fingerprint per exchange
 * paid that on both threads.  Fetched once and kept for the process. */
const EVP_MD *audit_sha256(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256_md ? sha256_md : EVP_sha256();
}

/* The calling thread's hash context, made once per thread (freed when the
 * thread ends) rather than allocated and freed for every row. */
static EVP_MD_CTX *row_ctx(void)
{
	EVP_MD_CTX *c;

	pthread_once(&sha256_once, fetch_sha256);
	if (!have_ctx_key)
		return EVP_MD_CTX_new();
	c = pthread_getspecific(ctx_key);
	if (!c && (c = EVP_MD_CTX_new()) && pthread_setspecific(ctx_key, c)) {
		EVP_MD_CTX_free(c);
		return NULL;
	}
	return c;
}

/* A row's bytes gathered before they go to the digest: a row is some
 * thirty small pieces (tags, lengths, short texts), each of which cost a
 * call of EVP_DigestUpdate of its own.  The bytes hashed are the same. */
struct hasher {
	EVP_MD_CTX *c;
	size_t n;
	uint8_t buf[512];
};

static void put(struct hasher *h, const void *p, size_t n)
{
	if (h->n + n > sizeof(h->buf) && h->n) {
		EVP_DigestUpdate(h->c, h->buf, h->n);
		h->n = 0;
	}
	if (n > sizeof(h->buf)) {
		EVP_DigestUpdate(h->c, p, n);
		return;
	}
	memcpy(h->buf + h->n, p, n);
	h->n += n;
}

static void put_u64(struct hasher *h, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	put(h, b, 8);
}

static void put_value(struct hasher *h, const struct cval *v)
{
	static const uint8_t tags[] = { 'N', 'I', 'T', 'B' };

	put(h, &tags[v->type], 1);
	if (v->type == CV_INT) {
		put_u64(h, (uint64_t)v->i);
	} else if (v->type != CV_NULL) {
		put_u64(h, (uint64_t)v->n);
		if (v->n)
			put(h, v->p, v->n);
	}
}

void audit_row_hash(const uint8_t prev[HASH_LEN], uint64_t seq,
		    enum audit_table t, const struct cval *v, int n,
		    uint8_t out[HASH_LEN])
{
	struct hasher h = { row_ctx(), 0, { 0 } };
	struct cval name = { CV_TEXT, 0, audit_tables[t].name,
			     strlen(audit_tables[t].name) };
	unsigned len = HASH_LEN;
	int i;

	/* Allocation failure here leaves no way to keep the promise that every
	 * row is chained: like any other allocation failure, it ends the process. */
	if (!h.c || !EVP_DigestInit_ex(h.c, audit_sha256(), NULL)) {
		fprintf(stderr, "overt: out of memory\n");
		abort();
	}
	put(&h, prev, HASH_LEN);
	put(&h, domain, sizeof(domain));
	put_u64(&h, seq);
	put_value(&h, &name);
	for (i = 0; i < n; i++)
		put_value(&h, &v[i]);
	if (h.n)
		EVP_DigestUpdate(h.c, h.buf, h.n);
	EVP_DigestFinal_ex(h.c, out, &len);
	if (!have_ctx_key)
		EVP_MD_CTX_free(h.c);
}

int audit_cval_from_column(sqlite3_stmt *st, int col, struct cval *v)
{
	memset(v, 0, sizeof(*v));
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		v->type = CV_NULL;
		return 0;
	case SQLITE_INTEGER:
		v->type = CV_INT;
		v->i = sqlite3_column_int64(st, col);
		return 0;
	case SQLITE_TEXT:
		v->type = CV_TEXT;
		v->p = sqlite3_column_text(st, col);
		v->n = (size_t)sqlite3_column_bytes(st, col);
		return 0;
	case SQLITE_BLOB:
		v->type = CV_BLOB;
		v->p = sqlite3_column_blob(st, col);
		v->n = (size_t)sqlite3_column_bytes(st, col);
		return 0;
	default:
		/* Nothing we write is a float: a float is an edit. */
		return -1;
	}
}

struct walk {
	struct audit_verify_result *res;
	sqlite3_stmt *rows[T_COUNT];
	uint8_t prev[HASH_LEN];
};

static int bad(struct audit_verify_result *r, uint64_t seq, const char *tbl,
	       int64_t row, const char *msg)
{
	r->bad_seq = seq;
	snprintf(r->table, sizeof(r->table), "%s", tbl ? tbl : "");
	r->row_id = row;
	snprintf(r->message, sizeof(r->message), "%s", msg);
	return AUDIT_ECORRUPT;
}

static int blob_is(sqlite3_stmt *st, int col, const uint8_t h[HASH_LEN])
{
	return sqlite3_column_type(st, col) == SQLITE_BLOB &&
	       sqlite3_column_bytes(st, col) == HASH_LEN &&
	       !memcmp(sqlite3_column_blob(st, col), h, HASH_LEN);
}

/* Check the row that chain entry @seq names against @hash. */
static int check_row(struct walk *w, uint64_t seq, enum audit_table t,
		     int64_t id, const uint8_t hash[HASH_LEN])
{
	const struct table_def *d = &audit_tables[t];
	sqlite3_stmt *st = w->rows[t];
	struct cval v[MAX_COLS];
	uint8_t h[HASH_LEN];
	char msg[160];
	int i, rc;

	if (!st) {
		snprintf(msg, sizeof(msg), "seq %llu: names %s row %lld, but the table is "
			 "gone (dropped)", (unsigned long long)seq, d->name, (long long)id);
		return bad(w->res, seq, d->name, id, msg);
	}
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(msg, sizeof(msg), "seq %llu: %s row %lld is missing (deleted)",
			 (unsigned long long)seq, d->name, (long long)id);
		return bad(w->res, seq, d->name, id, msg);
	}
	if (rc != SQLITE_ROW)
		return AUDIT_EIO;
	for (i = 0; i < d->ncols; i++)
		if (audit_cval_from_column(st, i, &v[i]))
			break;
	if (i == d->ncols)
		audit_row_hash(w->prev, seq, t, v, d->ncols, h);
	if (i < d->ncols || memcmp(h, hash, HASH_LEN)) {
		snprintf(msg, sizeof(msg), "seq %llu: %s row %lld does not match its "
			 "hash (edited)", (unsigned long long)seq, d->name, (long long)id);
		return bad(w->res, seq, d->name, id, msg);
	}
	if (!blob_is(st, d->ncols, w->prev) || !blob_is(st, d->ncols + 1, hash)) {
		snprintf(msg, sizeof(msg), "seq %llu: %s row %lld: its prev_hash or "
			 "hash column differs from the chain", (unsigned long long)seq,
			 d->name, (long long)id);
		return bad(w->res, seq, d->name, id, msg);
	}
	return 0;
}

static int table_of(const char *name)
{
	int t;

	for (t = 0; name && t < T_COUNT; t++)
		if (!strcmp(name, audit_tables[t].name))
			return t;
	return -1;
}

/* One chain entry: in sequence, continuing the previous hash, its row intact. */
static int check_entry(struct walk *w, sqlite3_stmt *ch, uint64_t expect)
{
	uint64_t seq = (uint64_t)sqlite3_column_int64(ch, 0);
	const char *tbl = (const char *)sqlite3_column_text(ch, 1);
	int64_t id = sqlite3_column_int64(ch, 2);
	int t = table_of(tbl);
	char msg[200];

	if (seq != expect) {
		snprintf(msg, sizeof(msg), "seq %llu is missing: the chain jumps from "
			 "seq %llu to %llu (entries deleted)", (unsigned long long)expect,
			 (unsigned long long)expect - 1, (unsigned long long)seq);
		return bad(w->res, expect, "chain", (int64_t)expect, msg);
	}
	if (t < 0) {
		snprintf(msg, sizeof(msg), "seq %llu names an unknown table",
			 (unsigned long long)seq);
		return bad(w->res, seq, "chain", (int64_t)seq, msg);
	}
	if (!blob_is(ch, 3, w->prev) || sqlite3_column_bytes(ch, 4) != HASH_LEN) {
		snprintf(msg, sizeof(msg), "seq %llu: prev_hash does not continue the "
			 "chain (an entry before it was changed, removed or reordered)",
			 (unsigned long long)seq);
		return bad(w->res, seq, audit_tables[t].name, id, msg);
	}
	return check_row(w, seq, (enum audit_table)t, id, sqlite3_column_blob(ch, 4));
}

/* Rows that no chain entry names were added outside the log. */
static int check_unchained(sqlite3 *db, struct audit_verify_result *r)
{
	sqlite3_stmt *st = NULL;
	char sql[256], msg[160];
	int t, rc = 0;

	for (t = 0; !rc && t < T_COUNT; t++) {
		/* A log made before a table existed has none of its rows. */
		if ((t == T_EVENTS || t == T_CHANGES || t == T_INVENTORY) &&
		    !audit_has_table(db, audit_tables[t].name))
			continue;
		snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id NOT IN (SELECT "
			 "row_id FROM chain WHERE tbl='%s') ORDER BY id LIMIT 1",
			 audit_tables[t].name, audit_tables[t].name);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return AUDIT_EIO;
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(msg, sizeof(msg), "%s row %lld is not in the chain "
				 "(inserted outside the log)", audit_tables[t].name,
				 (long long)sqlite3_column_int64(st, 0));
			rc = bad(r, 0, audit_tables[t].name, sqlite3_column_int64(st, 0), msg);
		}
		sqlite3_finalize(st);
	}
	return rc;
}

static int prepare_rows(sqlite3 *db, struct walk *w)
{
	char sql[512];
	int t;

	for (t = 0; t < T_COUNT; t++) {
		if ((t == T_EVENTS || t == T_CHANGES || t == T_INVENTORY) &&
		    !audit_has_table(db, audit_tables[t].name))
			continue; /* no row can name it: check_entry sees no such table */
		snprintf(sql, sizeof(sql), "SELECT %s, prev_hash, hash FROM %s WHERE id=?",
			 audit_tables[t].cols, audit_tables[t].name);
		if (sqlite3_prepare_v2(db, sql, -1, &w->rows[t], NULL) != SQLITE_OK)
			return AUDIT_EIO;
	}
	return 0;
}

int audit_verify(struct audit_store *s, struct audit_verify_result *res)
{
	return audit_verify_expect(s, NULL, res);
}

int audit_verify_expect(struct audit_store *s, const uint8_t head[32],
			struct audit_verify_result *res)
{
	struct walk w = { .res = res };
	sqlite3_stmt *ch = NULL;
	uint64_t expect = 1;
	int rc, t, step = SQLITE_DONE;

	memset(res, 0, sizeof(*res));
	if (!s->readonly) {
		snprintf(res->message, sizeof(res->message), "verify needs a read-only store");
		return AUDIT_EINVAL;
	}
	/* One read transaction: a writer appending meanwhile is not seen halfway. */
	sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	rc = prepare_rows(s->db, &w);
	if (!rc && sqlite3_prepare_v2(s->db, "SELECT seq, tbl, row_id, prev_hash, hash"
				      " FROM chain ORDER BY seq", -1, &ch, NULL) != SQLITE_OK)
		rc = AUDIT_EIO;
	while (!rc && (step = sqlite3_step(ch)) == SQLITE_ROW) {
		rc = check_entry(&w, ch, expect++);
		if (!rc) {
			memcpy(w.prev, sqlite3_column_blob(ch, 4), HASH_LEN);
			res->records++;
			/* check_entry has checked every hash up to here, and each
			 * one covers all before it: finding @head means the
			 * history up to that entry is the one that was recorded. */
			if (head && !res->expect_seq && !memcmp(w.prev, head, HASH_LEN))
				res->expect_seq = res->records;
		}
	}
	if (!rc && step != SQLITE_DONE)
		rc = AUDIT_EIO;
	if (!rc)
		rc = check_unchained(s->db, res);
	if (rc == AUDIT_EIO)
		snprintf(res->message, sizeof(res->message), "cannot read '%s': %s",
			 s->path, sqlite3_errmsg(s->db));
	memcpy(res->head, w.prev, HASH_LEN);
	sqlite3_finalize(ch);
	for (t = 0; t < T_COUNT; t++)
		sqlite3_finalize(w.rows[t]);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
