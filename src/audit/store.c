/* SPDX-License-Identifier: MIT */
/*
 * store.c - opening and closing the audit log: the file's permissions, the
 * schema, the single-writer lock, and the names used in every format.
 *
 * The file holds prompts, tool output and model answers, so it is created
 * 0600 by us before SQLite sees it, and an existing file that others could
 * read, or a symlink someone planted, is refused rather than silently used.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "audit/internal.h"
#include "util/banned.h"

/* Added after the first files were written: a writer adds it to a file
 * that lacks it, and readers treat its absence as no changes. */
#define CHANGES_SQL \
	"CREATE TABLE IF NOT EXISTS changes(id INTEGER PRIMARY KEY," \
	" exchange_id INTEGER NOT NULL, action TEXT NOT NULL, json_path TEXT," \
	" byte_offset INTEGER NOT NULL, byte_length INTEGER NOT NULL," \
	" codepoint INTEGER, replacement TEXT NOT NULL, prev_hash BLOB NOT NULL," \
	" hash BLOB NOT NULL) STRICT;" \
	"CREATE INDEX IF NOT EXISTS changes_exchange ON changes(exchange_id);"

static const char schema_sql[] =
	"CREATE TABLE meta(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
	" value TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;"
	"CREATE TABLE exchanges(id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
	" client TEXT, route TEXT, method TEXT, path TEXT, status INTEGER NOT NULL,"
	" ttfb_ms INTEGER NOT NULL, total_ms INTEGER NOT NULL,"
	" request_bytes INTEGER NOT NULL, response_bytes INTEGER NOT NULL,"
	" key_fingerprint TEXT, key_last4 TEXT, action TEXT NOT NULL,"
	" conversation TEXT, prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;"
	"CREATE TABLE bodies(id INTEGER PRIMARY KEY, exchange_id INTEGER NOT NULL,"
	" kind TEXT NOT NULL, conversation TEXT, base_id INTEGER,"
	" depth INTEGER NOT NULL, raw_len INTEGER NOT NULL, codec TEXT NOT NULL,"
	" data BLOB NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;"
	"CREATE TABLE findings(id INTEGER PRIMARY KEY, exchange_id INTEGER NOT NULL,"
	" rule TEXT NOT NULL, category TEXT NOT NULL, severity INTEGER NOT NULL,"
	" origin TEXT NOT NULL, json_path TEXT, byte_offset INTEGER NOT NULL,"
	" codepoint INTEGER, action TEXT NOT NULL, prev_hash BLOB NOT NULL,"
	" hash BLOB NOT NULL) STRICT;"
	CHANGES_SQL
	"CREATE TABLE chain(seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL,"
	" row_id INTEGER NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;"
	"CREATE INDEX exchanges_time ON exchanges(time_ms);"
	"CREATE INDEX exchanges_route ON exchanges(route);"
	"CREATE INDEX bodies_exchange ON bodies(exchange_id);"
	"CREATE INDEX bodies_conversation ON bodies(conversation, id)"
	" WHERE conversation IS NOT NULL;"
	"CREATE INDEX findings_exchange ON findings(exchange_id);"
	"CREATE INDEX findings_rule ON findings(rule, severity);"
	"CREATE INDEX chain_row ON chain(tbl, row_id);";

/* Events (overt run's network attempts and sessions): created in files
 * made before the table existed, too, when they are opened for writing. */
static const char events_sql[] =
	"CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY,"
	" time_ms INTEGER NOT NULL, kind TEXT NOT NULL, client TEXT, target TEXT,"
	" verdict TEXT, detail TEXT, prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;"
	"CREATE INDEX IF NOT EXISTS events_time ON events(time_ms);";

static const char *const action_names[] = {
	"log", "alert", "normalize", "redact", "block",
};

const char *audit_action_name(enum audit_action a)
{
	if ((unsigned)a < sizeof(action_names) / sizeof(action_names[0]))
		return action_names[a];
	return "log";
}

int audit_action_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (!strcmp(name, action_names[i]))
			return (int)i;
	return -1;
}

int audit_origin_parse(const char *name)
{
	int i;

	for (i = SCAN_ORIGIN_UNKNOWN; name && i <= SCAN_ORIGIN_METADATA; i++)
		if (!strcmp(name, scan_origin_name((enum scan_origin)i)))
			return i;
	return -1;
}

const char *audit_strerror(int err)
{
	switch (err) {
	case AUDIT_OK: return "success";
	case AUDIT_ENOMEM: return "out of memory";
	case AUDIT_EIO: return "input/output error";
	case AUDIT_EPERM: return "unsafe file permissions";
	case AUDIT_EFULL: return "audit queue full";
	case AUDIT_EUNHEALTHY: return "audit log failed earlier";
	case AUDIT_ECORRUPT: return "audit log does not verify";
	case AUDIT_ESCHEMA: return "not an overt audit log";
	case AUDIT_EINVAL: return "invalid argument";
	case AUDIT_ENOENT: return "not found";
	case AUDIT_ETOOBIG: return "record too large";
	default: return "unknown error";
	}
}

void audit_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void audit_fingerprint(const char *secret, size_t len,
		       char fp[AUDIT_FINGERPRINT_LEN], char last4[5])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[SHA256_DIGEST_LENGTH];
	size_t i, tail = len < 4 ? len : 4;

	if (!EVP_Digest(secret, len, md, NULL, audit_sha256(), NULL))
		SHA256((const unsigned char *)secret, len, md);
	memcpy(fp, "sha256:", 7);
	for (i = 0; i < 8; i++) {
		fp[7 + 2 * i] = hex[md[i] >> 4];
		fp[8 + 2 * i] = hex[md[i] & 15];
	}
	fp[23] = '\0';
	memcpy(last4, secret + len - tail, tail);
	last4[tail] = '\0';
	explicit_bzero(md, sizeof(md));
}

/*
 * Create the file 0600 ourselves (O_EXCL: a planted symlink or file makes
 * this fail rather than be followed), or check the existing one: a regular
 * file of ours that nobody else may read.  Returns an fd we keep open for
 * the writer lock, or a negative AUDIT_E*.
 */
static int prepare_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	if (errno != EEXIST) {
		audit_set_err(err, errlen, "cannot create '%s': %s", path, strerror(errno));
		return errno == ENOENT ? AUDIT_ENOENT : AUDIT_EIO;
	}
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP) {
		audit_set_err(err, errlen, "refusing '%s': it is a symlink; "
			      "name the log file itself", path);
		return AUDIT_EPERM;
	}
	if (fd < 0) {
		audit_set_err(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return AUDIT_EIO;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		if (!S_ISREG(st.st_mode))
			audit_set_err(err, errlen, "refusing '%s': not a regular file", path);
		else if (st.st_uid != geteuid())
			audit_set_err(err, errlen, "refusing '%s': owned by uid %u, not by us",
				      path, (unsigned)st.st_uid);
		else
			audit_set_err(err, errlen, "refusing '%s': readable by group or "
				      "others (mode %04o); run chmod 600 '%s'", path,
				      (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return AUDIT_EPERM;
	}
	return fd;
}

static int sql_exec(sqlite3 *db, const char *sql, const char *path,
		    char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	audit_set_err(err, errlen, "cannot write '%s': %s", path,
		      msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return AUDIT_EIO;
}

/* Whether the file already holds our schema (0), is empty (1), or neither. */
static int has_schema(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1,
			       &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n < 0 ? -1 : n == 0;
}

int audit_check_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = AUDIT_ESCHEMA, v = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'",
			       -1, &st, NULL) != SQLITE_OK) {
		audit_set_err(err, errlen, "'%s' is not an overt audit log: %s",
			      path, sqlite3_errmsg(db));
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	if (v == AUDIT_SCHEMA_VERSION)
		rc = 0;
	else if (v > AUDIT_SCHEMA_VERSION)
		audit_set_err(err, errlen, "'%s' has schema version %d; this overt "
			      "reads version %d: upgrade overt", path, v,
			      AUDIT_SCHEMA_VERSION);
	else
		audit_set_err(err, errlen, "'%s' is not an overt audit log "
			      "(no schema version)", path);
out:
	sqlite3_finalize(st);
	return rc;
}

int audit_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

static struct audit_store *store_new(const char *path)
{
	struct audit_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->path = strdup(path);
	s->lockfd = -1;
	if (!s->path) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->more, NULL);
	pthread_cond_init(&s->done, NULL);
	s->st.healthy = 1;
	return s;
}

static void store_free(struct audit_store *s)
{
	int t;

	if (!s)
		return;
	for (t = 0; t < T_COUNT; t++)
		sqlite3_finalize(s->ins[t]);
	sqlite3_finalize(s->ins_chain);
	audit_conv_release(s);
	sqlite3_close(s->db);
	ZSTD_freeCCtx(s->cctx);
	ZSTD_freeDCtx(s->dctx);
	/* Closed after SQLite: closing any descriptor of the file drops the
	 * process's POSIX locks on it, SQLite's included. */
	if (s->lockfd >= 0)
		close(s->lockfd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->done);
	free(s->path);
	free(s);
}

static void apply_defaults(struct audit_options *o)
{
	if (!o->queue_max)
		o->queue_max = 4096;
	if (!o->queue_bytes_max)
		o->queue_bytes_max = (size_t)256 << 20;
	if (!o->batch_max)
		o->batch_max = 256;
	if (!o->batch_ms)
		o->batch_ms = 50;
	if (!o->compress_level)
		o->compress_level = 3;
}

/* Pragmas, the schema when the file is new, and the size cap. */
static int setup_db(struct audit_store *s, char *err, size_t errlen)
{
	char sql[128];
	int fresh, rc;

	rc = sql_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
		      s->path, err, errlen);
	if (rc)
		return rc;
	if (s->opt.max_db_bytes) {
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%llu",
			 (unsigned long long)(s->opt.max_db_bytes / 4096 + 1));
		if ((rc = sql_exec(s->db, sql, s->path, err, errlen)))
			return rc;
	}
	fresh = has_schema(s->db);
	if (fresh < 0) {
		audit_set_err(err, errlen, "cannot read '%s': %s", s->path,
			      sqlite3_errmsg(s->db));
		return AUDIT_ESCHEMA;
	}
	if (fresh) {
		rc = sql_exec(s->db, "PRAGMA page_size=4096", s->path, err, errlen);
		rc = rc ? rc : sql_exec(s->db, schema_sql, s->path, err, errlen);
		rc = rc ? rc : sql_exec(s->db, events_sql, s->path, err, errlen);
		return rc ? rc : sql_exec(s->db, audit_inventory_schema, s->path, err, errlen);
	}
	rc = audit_check_schema(s->db, s->path, err, errlen);
	rc = rc ? rc : sql_exec(s->db, CHANGES_SQL, s->path, err, errlen);
	rc = rc ? rc : sql_exec(s->db, events_sql, s->path, err, errlen);
	return rc ? rc : sql_exec(s->db, audit_inventory_schema, s->path, err, errlen);
}

int audit_open(const char *path, const struct audit_options *opt,
	       struct audit_store **out, char *err, size_t errlen)
{
	struct audit_store *s = store_new(path);
	int rc;

	*out = NULL;
	if (!s)
		return AUDIT_ENOMEM;
	if (opt)
		s->opt = *opt;
	apply_defaults(&s->opt);
	rc = prepare_file(path, err, errlen);
	if (rc < 0)
		goto out;
	s->lockfd = rc;
	/* One writer per file: two would fork the hash chain. */
	if (flock(s->lockfd, LOCK_EX | LOCK_NB)) {
		audit_set_err(err, errlen, "'%s' is in use by another writer; "
			      "stop it or choose another file", path);
		rc = AUDIT_EIO;
		goto out;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		audit_set_err(err, errlen, "cannot open '%s': %s", path,
			      s->db ? sqlite3_errmsg(s->db) : "out of memory");
		rc = AUDIT_EIO;
		goto out;
	}
	sqlite3_busy_timeout(s->db, 5000);
	rc = setup_db(s, err, errlen);
	rc = rc ? rc : audit_writer_start(s, err, errlen);
out:
	if (rc) {
		store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int audit_open_readonly(const char *path, struct audit_store **out,
			char *err, size_t errlen)
{
	struct audit_store *s;
	struct stat st;
	int rc;

	*out = NULL;
	if (stat(path, &st)) {
		audit_set_err(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return errno == ENOENT ? AUDIT_ENOENT : AUDIT_EIO;
	}
	s = store_new(path);
	if (!s)
		return AUDIT_ENOMEM;
	s->readonly = 1;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		audit_set_err(err, errlen, "cannot open '%s': %s", path,
			      s->db ? sqlite3_errmsg(s->db) : "out of memory");
		rc = AUDIT_EIO;
		goto out;
	}
	sqlite3_busy_timeout(s->db, 5000);
	rc = audit_check_schema(s->db, path, err, errlen);
out:
	if (rc) {
		store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int audit_close(struct audit_store *s)
{
	int rc;

	if (!s)
		return 0;
	if (!s->readonly)
		audit_writer_stop(s);
	rc = s->st.error;
	store_free(s);
	return rc;
}

int audit_healthy(struct audit_store *s)
{
	int h;

	pthread_mutex_lock(&s->lock);
	h = s->st.healthy;
	pthread_mutex_unlock(&s->lock);
	return h;
}

size_t audit_room(struct audit_store *s)
{
	size_t room = 0;

	pthread_mutex_lock(&s->lock);
	if (!s->readonly && s->st.queued < s->opt.queue_max)
		room = s->opt.queue_max - s->st.queued;
	pthread_mutex_unlock(&s->lock);
	return room;
}

void audit_status(struct audit_store *s, struct audit_status *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	pthread_mutex_unlock(&s->lock);
}
