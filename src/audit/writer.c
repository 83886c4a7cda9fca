/* SPDX-License-Identifier: MIT */
/*
 * writer.c - the writer thread: a bounded queue in, batched transactions out.
 *
 * The proxy's event loop must never wait on the disk, so audit_submit
 * copies the record (audit_submit_take takes the bodies over instead),
 * queues it and returns; a full queue is an error the
 * caller handles (fail closed or open), never a wait.  One thread owns the
 * SQLite connection and commits up to batch_max records, or whatever came
 * within batch_ms, per transaction.  Each row and its chain entry are in
 * the same transaction, so a crash loses at most the last batch and leaves
 * a chain that verifies.  A failed write (disk full) makes the store
 * unhealthy for good: a log with a hole is not one to keep appending to
 * without a person deciding so.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <zstd.h>

#include "audit/internal.h"
#include "util/banned.h"

#define MAX_FINDINGS (1u << 20)
/* How much nicer than the process the writer thread is (lower_priority). */
#define WRITER_NICE 4
/* Idle this long after a batch, the writer trims the heaps. */
#define IDLE_TRIM_MS 1000

struct qrec {
	struct qrec *next;
	const struct audit_event *ev; /* an event (events.c) instead of an exchange */
	audit_custom_fn write;  /* or a record of another table: data follows */
	size_t datalen;
	struct audit_exchange x;
	uint8_t *owned[2];     /* bodies handed over: request, response */
	char fp[AUDIT_FINGERPRINT_LEN];
	char last4[5];
	size_t bytes;
};

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Copy @src into the record's storage at *@at; NULL stays NULL. */
static const char *put_str(char **at, const char *src)
{
	size_t n = slen(src);
	char *dst = *at;

	if (!src)
		return NULL;
	memcpy(dst, src, n);
	*at += n;
	return dst;
}

static int valid_fingerprint(const char *fp, const char *last4)
{
	size_t i;

	if (!fp)
		return !last4;
	if (strlen(fp) != AUDIT_FINGERPRINT_LEN - 1 || strncmp(fp, "sha256:", 7))
		return 0;
	for (i = 7; fp[i]; i++)
		if (!((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f')))
			return 0;
	return last4 && strlen(last4) <= 4;
}

static int valid_exchange(const struct audit_exchange *x)
{
	size_t i;

	if ((unsigned)x->action > AUDIT_ACTION_BLOCK || x->nfindings > MAX_FINDINGS ||
	    (x->nfindings && !x->findings) || x->nchanges > MAX_FINDINGS ||
	    (x->nchanges && !x->changes) || x->request_len > AUDIT_MAX_BODY ||
	    x->response_len > AUDIT_MAX_BODY ||
	    (!x->request_body && x->request_len) || (!x->response_body && x->response_len))
		return 0;
	if (!x->api_key && !valid_fingerprint(x->key_fingerprint, x->key_last4))
		return 0;
	for (i = 0; i < x->nfindings; i++) {
		const struct audit_finding *f = &x->findings[i];

		if (!f->rule || !f->category || (unsigned)f->severity > SCAN_SEV_CRITICAL ||
		    (unsigned)f->origin > SCAN_ORIGIN_METADATA ||
		    (unsigned)f->action > AUDIT_ACTION_BLOCK)
			return 0;
	}
	for (i = 0; i < x->nchanges; i++)
		if ((unsigned)x->changes[i].action > AUDIT_ACTION_BLOCK ||
		    !x->changes[i].replacement)
			return 0;
	return 1;
}

/* The bytes a record holds (queue accounting), and in *@copy those of
 * them that are copied into it: everything but the bodies handed over. */
static size_t record_size(const struct audit_exchange *x, uint8_t *const owned[2],
			  size_t *copy)
{
	size_t n = sizeof(struct qrec) + x->nfindings * sizeof(struct audit_finding), i;

	n += slen(x->client) + slen(x->route) + slen(x->method) + slen(x->path) +
	     slen(x->conversation);
	for (i = 0; i < x->nfindings; i++)
		n += slen(x->findings[i].rule) + slen(x->findings[i].category) +
		     slen(x->findings[i].json_path);
	n += x->nchanges * sizeof(struct audit_change);
	for (i = 0; i < x->nchanges; i++)
		n += slen(x->changes[i].json_path) + slen(x->changes[i].replacement);
	*copy = n + (owned[0] ? 0 : x->request_len) + (owned[1] ? 0 : x->response_len);
	return n + x->request_len + x->response_len;
}

/* One allocation holding the record and everything it points to, but the
 * bodies handed over, which it keeps by pointer. */
static struct qrec *record_copy(const struct audit_exchange *x, size_t size, size_t copy,
				uint8_t *owned[2])
{
	struct qrec *q = malloc(copy);
	struct audit_finding *f;
	struct audit_change *c;
	char *at;
	size_t i;

	if (!q)
		return NULL;
	q->next = NULL;
	q->ev = NULL;
	q->write = NULL;
	q->x = *x;
	q->bytes = size;
	q->owned[0] = owned[0];
	q->owned[1] = owned[1];
	f = (struct audit_finding *)(q + 1);
	c = (struct audit_change *)(f + x->nfindings);
	at = (char *)(c + x->nchanges);
	q->x.client = put_str(&at, x->client);
	q->x.route = put_str(&at, x->route);
	q->x.method = put_str(&at, x->method);
	q->x.path = put_str(&at, x->path);
	q->x.conversation = put_str(&at, x->conversation);
	for (i = 0; i < x->nfindings; i++) {
		f[i] = x->findings[i];
		f[i].rule = put_str(&at, x->findings[i].rule);
		f[i].category = put_str(&at, x->findings[i].category);
		f[i].json_path = put_str(&at, x->findings[i].json_path);
	}
	q->x.findings = f;
	for (i = 0; i < x->nchanges; i++) {
		c[i] = x->changes[i];
		c[i].json_path = put_str(&at, x->changes[i].json_path);
		c[i].replacement = put_str(&at, x->changes[i].replacement);
	}
	q->x.changes = c;
	if (x->request_body && !owned[0]) {
		q->x.request_body = memcpy(at, x->request_body, x->request_len);
		at += x->request_len;
	}
	if (x->response_body && !owned[1])
		q->x.response_body = memcpy(at, x->response_body, x->response_len);
	/* The raw key is hashed from the caller's memory and never copied. */
	q->x.api_key = NULL;
	q->x.key_fingerprint = q->x.key_last4 = NULL;
	if (x->api_key)
		audit_fingerprint(x->api_key, strlen(x->api_key), q->fp, q->last4);
	else if (x->key_fingerprint) {
		snprintf(q->fp, sizeof(q->fp), "%s", x->key_fingerprint);
		snprintf(q->last4, sizeof(q->last4), "%s", x->key_last4);
	}
	if (x->api_key || x->key_fingerprint) {
		q->x.key_fingerprint = q->fp;
		q->x.key_last4 = q->last4;
	}
	return q;
}

static void record_free(struct qrec *q)
{
	free(q->owned[0]);
	free(q->owned[1]);
	free(q);
}

/* Queue @q (taken: freed on failure), unless the queue is full or the
 * store failed; an exchange gets its id, stored in *@id when not NULL.
 * 0 or AUDIT_E*. */
static int enqueue(struct audit_store *s, struct qrec *q, int64_t *id)
{
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	if (s->closing)
		rc = AUDIT_EINVAL;
	else if (s->st.queued >= s->opt.queue_max || s->qbytes + q->bytes > s->opt.queue_bytes_max)
		rc = AUDIT_EFULL;
	else if (!s->st.healthy)
		rc = AUDIT_EUNHEALTHY;
	if (!rc) {
		if (s->qtail)
			s->qtail->next = q;
		else
			s->qhead = q;
		s->qtail = q;
		/* Ids in queue order, which is the order of writing. */
		if (!q->ev && !q->write)
			q->x.id = s->next_exchange++;
		if (!q->ev && !q->write && id)
			*id = q->x.id;
		s->qbytes += q->bytes;
		s->st.queued++;
		s->st.submitted++;
		/* Wake the writer only when it waits for this: the first record
		 * of a batch, or a full one.  Signalling every record woke it
		 * once per request, two context switches on the loop's core,
		 * just to go back to waiting out its batch time. */
		if (s->st.queued == 1 || s->st.queued == s->opt.batch_max)
			pthread_cond_signal(&s->more);
	}
	pthread_mutex_unlock(&s->lock);
	if (rc)
		record_free(q);
	return rc;
}

static int submit(struct audit_store *s, const struct audit_exchange *x, uint8_t *owned[2],
		  int64_t *id)
{
	struct qrec *q;
	size_t size, copy;
	int rc = 0;

	if (!s || !x || s->readonly || !valid_exchange(x))
		return AUDIT_EINVAL;
	size = record_size(x, owned, &copy);
	if (size > s->opt.queue_bytes_max)
		return AUDIT_ETOOBIG;
	/* Cheap checks first, so a full queue costs no copy. */
	pthread_mutex_lock(&s->lock);
	if (!s->st.healthy)
		rc = AUDIT_EUNHEALTHY;
	else if (s->closing)
		rc = AUDIT_EINVAL;
	else if (s->st.queued >= s->opt.queue_max ||
		 s->qbytes + size > s->opt.queue_bytes_max)
		rc = AUDIT_EFULL;
	pthread_mutex_unlock(&s->lock);
	if (rc)
		return rc;
	q = record_copy(x, size, copy, owned);
	if (!q)
		return AUDIT_ENOMEM;
	owned[0] = owned[1] = NULL; /* the record has them now */
	return enqueue(s, q, id);
}

int audit_submit(struct audit_store *s, const struct audit_exchange *x)
{
	uint8_t *none[2] = { NULL, NULL };

	return submit(s, x, none, NULL);
}

int audit_submit_take(struct audit_store *s, const struct audit_exchange *x,
		      uint8_t *request, uint8_t *response)
{
	return audit_submit_take_id(s, x, request, response, NULL);
}

int audit_submit_take_id(struct audit_store *s, const struct audit_exchange *x,
			 uint8_t *request, uint8_t *response, int64_t *id)
{
	uint8_t *owned[2] = { request, response };
	int rc = AUDIT_EINVAL;

	if (x && (!request || request == x->request_body) &&
	    (!response || response == x->response_body))
		rc = submit(s, x, owned, id);
	free(owned[0]);
	free(owned[1]);
	return rc;
}

int audit_sync(struct audit_store *s)
{
	uint64_t target;
	int rc;

	if (!s || s->readonly)
		return AUDIT_EINVAL;
	pthread_mutex_lock(&s->lock);
	target = s->st.submitted;
	s->flush = 1;
	pthread_cond_signal(&s->more);
	while (s->finished < target)
		pthread_cond_wait(&s->done, &s->lock);
	rc = s->st.error;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void audit_set_notify(struct audit_store *s, void (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->notify = fn;
	s->notify_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

uint64_t audit_ticket(struct audit_store *s)
{
	uint64_t t;

	pthread_mutex_lock(&s->lock);
	t = s->st.submitted;
	pthread_mutex_unlock(&s->lock);
	return t;
}

void audit_flush(struct audit_store *s)
{
	pthread_mutex_lock(&s->lock);
	s->flush = 1;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
}

int audit_durable(struct audit_store *s, uint64_t ticket)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->durable_through >= ticket ? 1 : s->finished >= ticket ? -1 : 0;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* ---- rows and the chain (writer thread only) ---- */

static void bind_cval(sqlite3_stmt *st, int i, const struct cval *v)
{
	switch (v->type) {
	case CV_NULL: sqlite3_bind_null(st, i); break;
	case CV_INT: sqlite3_bind_int64(st, i, v->i); break;
	case CV_TEXT: sqlite3_bind_text(st, i, v->p, (int)v->n, SQLITE_STATIC); break;
	case CV_BLOB: sqlite3_bind_blob64(st, i, v->n ? v->p : "", v->n, SQLITE_STATIC); break;
	}
}

/* Insert row @v (id first) of table @t and its chain entry. */
static int append(struct audit_store *s, enum audit_table t, const struct cval *v)
{
	const struct table_def *d = &audit_tables[t];
	sqlite3_stmt *st = s->ins[t], *ch = s->ins_chain;
	uint8_t hash[HASH_LEN];
	uint64_t seq = s->head.seq + 1;
	int i, rc;

	audit_row_hash(s->head.hash, seq, t, v, d->ncols, hash);
	sqlite3_reset(st);
	for (i = 0; i < d->ncols; i++)
		bind_cval(st, i + 1, &v[i]);
	sqlite3_bind_blob(st, d->ncols + 1, s->head.hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, d->ncols + 2, hash, HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return AUDIT_EIO;
	sqlite3_reset(ch);
	sqlite3_bind_int64(ch, 1, (int64_t)seq);
	sqlite3_bind_text(ch, 2, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ch, 3, v[0].i);
	sqlite3_bind_blob(ch, 4, s->head.hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(ch, 5, hash, HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(ch);
	sqlite3_reset(ch);
	if (rc != SQLITE_DONE)
		return AUDIT_EIO;
	s->head.seq = seq;
	memcpy(s->head.hash, hash, HASH_LEN);
	s->head.next_id[t] = v[0].i + 1;
	return 0;
}

static struct cval cv_int(int64_t i) { return (struct cval){ CV_INT, i, NULL, 0 }; }
static struct cval cv_str(const char *p)
{
	return p ? (struct cval){ CV_TEXT, 0, p, strlen(p) } : (struct cval){ CV_NULL, 0, NULL, 0 };
}

static struct conv *conv_find(struct audit_store *s, const char *key)
{
	int i;

	for (i = 0; i < CONV_CACHE; i++)
		if (s->convs[i].key && !strcmp(s->convs[i].key, key))
			return &s->convs[i];
	return NULL;
}

static void conv_clear(struct conv *c)
{
	free(c->key);
	free(c->raw);
	memset(c, 0, sizeof(*c));
}

void audit_conv_release(struct audit_store *s)
{
	int i;

	for (i = 0; i < CONV_CACHE; i++)
		conv_clear(&s->convs[i]);
}

/* The bodies the cache may hold in all: enough for the conversations of a
 * few agents at once, without keeping a big heap after a burst. */
#define CONV_CACHE_BYTES ((size_t)24 << 20)

static size_t conv_bytes(const struct audit_store *s)
{
	size_t n = 0;
	int i;

	for (i = 0; i < CONV_CACHE; i++)
		n += s->convs[i].len;
	return n;
}

/* The least recently used entry other than @keep; NULL when none is set. */
static struct conv *conv_oldest(struct audit_store *s, const struct conv *keep)
{
	struct conv *c = NULL;
	int i;

	for (i = 0; i < CONV_CACHE; i++)
		if (&s->convs[i] != keep && s->convs[i].key && (!c || s->convs[i].used < c->used))
			c = &s->convs[i];
	return c;
}

/*
 * Remember @raw as the conversation's last body; evicts the least recent.
 * When *@own is @raw (a body handed over by audit_submit_take), the cache
 * takes that block instead of copying it.  Past CONV_CACHE_BYTES older
 * conversations are dropped: their next turn reads its base from the file.
 */
static void conv_store(struct audit_store *s, const char *key, int64_t id,
		       int depth, const uint8_t *raw, size_t len, uint8_t **own)
{
	struct conv *c = conv_find(s, key), *old;
	int i;

	if (!c) {
		c = &s->convs[0];
		for (i = 1; i < CONV_CACHE; i++)
			if (s->convs[i].used < c->used)
				c = &s->convs[i];
		conv_clear(c);
		c->key = strdup(key);
	}
	free(c->raw);
	c->raw = NULL;
	c->len = 0;
	if (len > CONV_CACHE_BYTES / 2 || !c->key) {
		conv_clear(c);
		return;
	}
	if (own && *own == raw && len) {
		/* The block may be up to twice the body (buffer growth);
		 * shrinking it in place costs no copy. */
		c->raw = realloc(*own, len);
		if (!c->raw)
			c->raw = *own;
		*own = NULL;
	} else if ((c->raw = malloc(len ? len : 1))) {
		memcpy(c->raw, raw, len);
	}
	if (!c->raw) {
		conv_clear(c);
		return;
	}
	c->len = len;
	c->body_id = id;
	c->depth = depth;
	c->used = ++s->tick;
	while (conv_bytes(s) > CONV_CACHE_BYTES && (old = conv_oldest(s, c)))
		conv_clear(old);
}

/* Not in memory (first turn since open, or evicted): ask the file. */
static struct conv *conv_load(struct audit_store *s, const char *key)
{
	sqlite3_stmt *st = NULL;
	uint8_t *raw = NULL;
	size_t len = 0;
	int64_t id = 0;
	int depth = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT id, depth FROM bodies WHERE "
			       "conversation=? AND kind='request' ORDER BY id DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		depth = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (!id || audit_body_read(s, id, &raw, &len))
		return NULL;
	conv_store(s, key, id, depth, raw ? raw : (uint8_t *)"", len, &raw);
	free(raw);
	return conv_find(s, key);
}

/* Store one body; @own is the record's handed-over block, which the
 * conversation cache may take (then set to NULL). */
static int write_body(struct audit_store *s, int64_t xid, const char *kind,
		      const char *conv, const uint8_t *raw, size_t len, uint8_t **own)
{
	struct conv *c = conv ? conv_find(s, conv) : NULL;
	const char *codec;
	struct cval v[9];
	uint8_t *data = NULL;
	size_t n = 0;
	int64_t id = s->head.next_id[T_BODIES];
	int depth = 0, rc;

	if (conv && !c)
		c = conv_load(s, conv);
	if (c && c->len && c->depth + 1 < AUDIT_DELTA_SPAN)
		depth = c->depth + 1;
	rc = audit_body_encode(s, raw ? raw : (const uint8_t *)"", len,
			       depth ? c->raw : NULL, depth ? c->len : 0, &data, &n, &codec);
	if (rc)
		return rc;
	v[0] = cv_int(id);
	v[1] = cv_int(xid);
	v[2] = cv_str(kind);
	v[3] = cv_str(conv);
	v[4] = depth ? cv_int(c->body_id) : cv_str(NULL);
	v[5] = cv_int(depth);
	v[6] = cv_int((int64_t)len);
	v[7] = cv_str(codec);
	v[8] = (struct cval){ CV_BLOB, 0, data, n };
	rc = append(s, T_BODIES, v);
	free(data);
	if (!rc && conv)
		conv_store(s, conv, id, depth, raw ? raw : (const uint8_t *)"", len, own);
	return rc;
}

static int write_finding(struct audit_store *s, int64_t xid, const struct audit_finding *f)
{
	struct cval v[10];

	v[0] = cv_int(s->head.next_id[T_FINDINGS]);
	v[1] = cv_int(xid);
	v[2] = cv_str(f->rule);
	v[3] = cv_str(f->category);
	v[4] = cv_int(f->severity);
	v[5] = cv_str(scan_origin_name(f->origin));
	v[6] = cv_str(f->json_path);
	v[7] = cv_int((int64_t)f->byte_offset);
	v[8] = f->codepoint > 0x10FFFF ? cv_str(NULL) : cv_int(f->codepoint);
	v[9] = cv_str(audit_action_name(f->action));
	return append(s, T_FINDINGS, v);
}

static int write_change(struct audit_store *s, int64_t xid, const struct audit_change *c)
{
	struct cval v[8];

	v[0] = cv_int(s->head.next_id[T_CHANGES]);
	v[1] = cv_int(xid);
	v[2] = cv_str(audit_action_name(c->action));
	v[3] = cv_str(c->json_path);
	v[4] = cv_int((int64_t)c->byte_offset);
	v[5] = cv_int((int64_t)c->byte_length);
	v[6] = c->codepoint > 0x10FFFF ? cv_str(NULL) : cv_int(c->codepoint);
	v[7] = cv_str(c->replacement);
	return append(s, T_CHANGES, v);
}

static int write_record(struct audit_store *s, struct qrec *q)
{
	const struct audit_exchange *x = &q->x;
	int64_t xid = s->head.next_id[T_EXCHANGES];
	struct cval v[15];
	size_t i;
	int rc;

	v[0] = cv_int(xid);
	v[1] = cv_int(x->time_ms);
	v[2] = cv_str(x->client);
	v[3] = cv_str(x->route);
	v[4] = cv_str(x->method);
	v[5] = cv_str(x->path);
	v[6] = cv_int(x->status);
	v[7] = cv_int(x->ttfb_ms);
	v[8] = cv_int(x->total_ms);
	v[9] = cv_int((int64_t)x->request_bytes);
	v[10] = cv_int((int64_t)x->response_bytes);
	v[11] = cv_str(x->key_fingerprint);
	v[12] = cv_str(x->key_last4);
	v[13] = cv_str(audit_action_name(x->action));
	v[14] = cv_str(x->conversation);
	rc = append(s, T_EXCHANGES, v);
	if (!rc && x->request_body)
		rc = write_body(s, xid, "request", x->conversation, x->request_body,
				x->request_len, &q->owned[0]);
	if (!rc && x->response_body)
		rc = write_body(s, xid, "response", NULL, x->response_body, x->response_len,
				&q->owned[1]);
	for (i = 0; !rc && i < x->nfindings; i++)
		rc = write_finding(s, xid, &x->findings[i]);
	for (i = 0; !rc && i < x->nchanges; i++)
		rc = write_change(s, xid, &x->changes[i]);
	return rc;
}

/* ---- events: network attempts and sessions (overt run) ---- */

static int write_event(struct audit_store *s, const struct audit_event *e)
{
	struct cval v[7];

	v[0] = cv_int(s->head.next_id[T_EVENTS]);
	v[1] = cv_int(e->time_ms);
	v[2] = cv_str(e->kind);
	v[3] = cv_str(e->client);
	v[4] = cv_str(e->target);
	v[5] = cv_str(e->verdict);
	v[6] = cv_str(e->detail);
	return append(s, T_EVENTS, v);
}

int audit_submit_event(struct audit_store *s, const struct audit_event *e)
{
	const char *src[5] = { e->kind, e->client, e->target, e->verdict, e->detail };
	const char **dst[5];
	struct audit_event *copy;
	struct qrec *q;
	size_t size = sizeof(*q) + sizeof(*copy), i;
	char *at;

	if (!s || !e || s->readonly || !e->kind)
		return AUDIT_EINVAL;
	for (i = 0; i < 5; i++)
		size += slen(src[i]);
	if (size > (size_t)1 << 20)
		return AUDIT_ETOOBIG;
	q = calloc(1, size);
	if (!q)
		return AUDIT_ENOMEM;
	copy = (struct audit_event *)(q + 1);
	*copy = *e;
	dst[0] = &copy->kind;
	dst[1] = &copy->client;
	dst[2] = &copy->target;
	dst[3] = &copy->verdict;
	dst[4] = &copy->detail;
	at = (char *)(copy + 1);
	for (i = 0; i < 5; i++)
		*dst[i] = put_str(&at, src[i]);
	q->ev = copy;
	q->bytes = size;
	return enqueue(s, q, NULL);
}

/* ---- records of tables other files own (inventory.c) ---- */

int audit_append(struct audit_store *s, enum audit_table t, const struct cval *v)
{
	return append(s, t, v);
}

int audit_submit_custom(struct audit_store *s, audit_custom_fn write, const void *data,
			size_t len)
{
	size_t size = sizeof(struct qrec) + len;
	struct qrec *q;

	if (!s || !write || s->readonly)
		return AUDIT_EINVAL;
	if (size > (size_t)16 << 20)
		return AUDIT_ETOOBIG;
	q = calloc(1, size);
	if (!q)
		return AUDIT_ENOMEM;
	q->write = write;
	q->datalen = len;
	q->bytes = size;
	memcpy(q + 1, data, len);
	return enqueue(s, q, NULL);
}

/* ---- the thread ---- */

static void fail(struct audit_store *s, int err, const char *what)
{
	pthread_mutex_lock(&s->lock);
	if (s->st.healthy) {
		s->st.healthy = 0;
		s->st.error = err;
		snprintf(s->st.message, sizeof(s->st.message), "cannot write '%s': %s: %s",
			 s->path, what, sqlite3_errmsg(s->db));
	}
	pthread_mutex_unlock(&s->lock);
}

/* Write @n records in one transaction; on failure nothing of them stays. */
static int write_batch(struct audit_store *s, struct qrec *list)
{
	struct chain_head saved = s->head;
	struct qrec *q;
	int rc;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		fail(s, AUDIT_EIO, "begin");
		return AUDIT_EIO;
	}
	for (rc = 0, q = list; !rc && q; q = q->next)
		rc = q->ev ? write_event(s, q->ev) : q->write ? q->write(s, q + 1, q->datalen) :
		     write_record(s, q);
	if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = AUDIT_EIO;
	if (rc) {
		fail(s, rc, "writing a batch");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->head = saved;
		/* The cache may name bodies that were rolled back. */
		audit_conv_release(s);
	}
	return rc;
}

static void deadline_in(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Wait for a batch (under lock) and detach it; NULL when closing and empty. */
static struct qrec *take_batch(struct audit_store *s, size_t *count)
{
	struct timespec until;
	struct qrec *head, *q;
	size_t n = 0, bytes = 0;

	while (!s->qhead && !s->closing) {
		if (!s->trim_pending) {
			pthread_cond_wait(&s->more, &s->lock);
			continue;
		}
		deadline_in(&until, IDLE_TRIM_MS);
		if (pthread_cond_timedwait(&s->more, &s->lock, &until) == ETIMEDOUT &&
		    !s->qhead) {
			/* Idle after work: give the heaps back.  glibc keeps
			 * what a burst of 200 KB bodies grew (tens of MB in
			 * the event loop's and this thread's arenas) until
			 * asked; malloc_trim returns the free pages of all. */
			s->trim_pending = 0;
			pthread_mutex_unlock(&s->lock);
			malloc_trim(0);
			pthread_mutex_lock(&s->lock);
		}
	}
	deadline_in(&until, s->opt.batch_ms);
	while (s->st.queued < s->opt.batch_max && !s->closing && !s->flush &&
	       pthread_cond_timedwait(&s->more, &s->lock, &until) != ETIMEDOUT)
		;
	head = q = s->qhead;
	while (q && n < s->opt.batch_max) {
		bytes += q->bytes;
		n++;
		if (n == s->opt.batch_max || !q->next)
			break;
		q = q->next;
	}
	if (q) {
		s->qhead = q->next;
		q->next = NULL;
		if (!s->qhead)
			s->qtail = NULL;
	}
	s->qbytes -= bytes;
	s->st.queued -= n;
	if (!s->qhead)
		s->flush = 0;
	*count = n;
	return head;
}

/*
 * The writer yields to the event loop: compressing, hashing and committing
 * can wait a few milliseconds, a reply cannot.  On a core it shares with
 * the loop, a writer at the same priority ran its batches through the
 * loop's wake-ups.  Four nice levels above the process weigh 423 to the
 * loop's 1024: the loop's wake-ups come first, and on a saturated core the
 * writer still gets 29% of it, more than the fifth its work needs with
 * 200 KB bodies.  Ten levels (a tenth) were too few: at 1,500 requests/s on
 * one core the queue filled to its 256 MiB and records were dropped.  An
 * unprivileged thread may raise its own nice value, so this needs no
 * capability; failure only costs latency and is ignored.
 */
/*
 * Nice alone was not enough: a writer woken after sleeping out its batch
 * time is placed ahead of the busy loop and preempted it at once, for a
 * whole slice (a few ms: the p99 of a request rose by 3-4 ms with --db).
 * SCHED_BATCH never preempts on wake-up, and a 0.1 ms slice (Linux 6.12's
 * sched_runtime for fair tasks; older kernels refuse it, then the batch
 * policy alone) hands the core back to a woken loop soon.  The share of
 * the core under load is the nice weight's, as before.  0 when set.
 */
static int batch_policy(int nice)
{
	/* The kernel's struct sched_attr (first version, 48 bytes): glibc has
	 * no wrapper, and <linux/sched/types.h> clashes with <sched.h>. */
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} a = { .size = 48, .policy = 3 /* SCHED_BATCH */, .nice = nice,
		.runtime = 100 * 1000 };

	if (!syscall(SYS_sched_setattr, 0, &a, 0))
		return 0;
	a.runtime = 0;
	return (int)syscall(SYS_sched_setattr, 0, &a, 0);
}

static void lower_priority(void)
{
	id_t tid = (id_t)syscall(SYS_gettid);
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, tid);
	if (errno)
		return;
	nice = nice + WRITER_NICE > 19 ? 19 : nice + WRITER_NICE;
	if (!batch_policy(nice))
		return;
	if (setpriority(PRIO_PROCESS, tid, nice))
		return;
}

static void *writer_main(void *arg)
{
	struct audit_store *s = arg;
	struct qrec *batch, *next;
	size_t n;
	int rc, healthy;

	lower_priority();
	pthread_mutex_lock(&s->lock);
	while ((batch = take_batch(s, &n)) != NULL) {
		healthy = s->st.healthy;
		pthread_mutex_unlock(&s->lock);
		rc = healthy ? write_batch(s, batch) : AUDIT_EUNHEALTHY;
		for (; batch; batch = next) {
			next = batch->next;
			record_free(batch);
		}
		pthread_mutex_lock(&s->lock);
		if (rc)
			s->st.lost += n;
		else
			s->st.committed += n;
		s->finished += n;
		/* Batches are taken in submit order: all up to here are in. */
		if (!rc)
			s->durable_through = s->finished;
		s->trim_pending = 1;
		pthread_cond_broadcast(&s->done);
		/* Under the lock, so audit_set_notify(NULL) means no more calls. */
		if (s->notify)
			s->notify(s->notify_ctx);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int prepare_inserts(struct audit_store *s)
{
	char sql[640];
	int t, i, n;

	for (t = 0; t < T_COUNT; t++) {
		n = snprintf(sql, sizeof(sql), "INSERT INTO %s(%s, prev_hash, hash) VALUES(",
			     audit_tables[t].name, audit_tables[t].cols);
		for (i = 0; i < audit_tables[t].ncols + 2 && n < (int)sizeof(sql) - 4; i++)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, i ? ",?" : "?");
		snprintf(sql + n, sizeof(sql) - (size_t)n, ")");
		if (sqlite3_prepare_v2(s->db, sql, -1, &s->ins[t], NULL) != SQLITE_OK)
			return AUDIT_EIO;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO chain(seq, tbl, row_id, prev_hash, hash)"
			       " VALUES(?,?,?,?,?)", -1, &s->ins_chain, NULL) != SQLITE_OK)
		return AUDIT_EIO;
	return 0;
}

/* Where the chain ends and which ids come next. */
static int load_head(struct audit_store *s)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int t, rc = 0;

	memset(&s->head, 0, sizeof(s->head));
	if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM chain ORDER BY seq DESC"
			       " LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return AUDIT_EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->head.seq = (uint64_t)sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) != HASH_LEN)
			rc = AUDIT_ECORRUPT;
		else
			memcpy(s->head.hash, sqlite3_column_blob(st, 1), HASH_LEN);
	}
	sqlite3_finalize(st);
	for (t = 0; !rc && t < T_COUNT; t++) {
		snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) + 1 FROM %s",
			 audit_tables[t].name);
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
			return AUDIT_EIO;
		if (sqlite3_step(st) == SQLITE_ROW)
			s->head.next_id[t] = sqlite3_column_int64(st, 0);
		else
			rc = AUDIT_EIO;
		sqlite3_finalize(st);
	}
	return rc;
}

/* A new file's first entries: the schema version, when and by what. */
static int write_meta(struct audit_store *s)
{
	char version[16], created[32];
	const char *kv[3][2] = {
		{ "schema_version", version },
		{ "created_ms", created },
		{ "created_by", "overt " OVERT_VERSION },
	};
	struct timespec now;
	struct cval v[3];
	int i, rc = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(version, sizeof(version), "%d", AUDIT_SCHEMA_VERSION);
	snprintf(created, sizeof(created), "%lld",
		 (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return AUDIT_EIO;
	for (i = 0; !rc && i < 3; i++) {
		v[0] = cv_int(s->head.next_id[T_META]);
		v[1] = cv_str(kv[i][0]);
		v[2] = cv_str(kv[i][1]);
		rc = append(s, T_META, v);
	}
	if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = AUDIT_EIO;
	if (rc)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int audit_writer_start(struct audit_store *s, char *err, size_t errlen)
{
	int rc = prepare_inserts(s);

	rc = rc ? rc : load_head(s);
	if (!rc && s->head.seq == 0)
		rc = write_meta(s);
	if (rc) {
		audit_set_err(err, errlen, "cannot prepare '%s': %s", s->path,
			      rc == AUDIT_ECORRUPT ? "the chain's last entry is damaged; "
			      "run 'overt log verify'" : sqlite3_errmsg(s->db));
		return rc;
	}
	s->next_exchange = s->head.next_id[T_EXCHANGES];
	if (pthread_create(&s->thread, NULL, writer_main, s)) {
		audit_set_err(err, errlen, "cannot start the audit writer thread");
		return AUDIT_ENOMEM;
	}
	s->started = 1;
	return 0;
}

void audit_writer_stop(struct audit_store *s)
{
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->closing = 1;
		pthread_cond_signal(&s->more);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		s->started = 0;
	}
}
