/* SPDX-License-Identifier: MIT */
/*
 * test_audit.c - the audit store against a real SQLite file in a temporary
 * directory: permissions on create and open, a round trip of exchanges with
 * bodies and findings, delta compression of a growing conversation, the
 * hash chain catching edits, deletions and insertions made with the sqlite3
 * API, API keys never in clear in the file, and a full database reported
 * through audit_healthy() rather than a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "util/banned.h"

static const char API_KEY[] = "sk-ant-api03-SECRETSECRETSECRET-7Q2x";

struct fixture {
	char dir[64];
	char db[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/overt-audit-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/audit.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct audit_store *open_rw(const char *path)
{
	struct audit_store *s = NULL;
	char err[256];
	int rc = audit_open(path, NULL, &s, err, sizeof(err));

	if (rc)
		fail_msg("audit_open: %s", err);
	return s;
}

static struct audit_store *open_ro(const char *path)
{
	struct audit_store *s = NULL;
	char err[256];
	int rc = audit_open_readonly(path, &s, err, sizeof(err));

	if (rc)
		fail_msg("audit_open_readonly: %s", err);
	return s;
}

static void test_permissions(void **state)
{
	struct fixture *f = *state;
	struct audit_store *s;
	struct stat st;
	char err[256], other[160], link[160];
	FILE *fp;

	s = open_rw(f->db);
	assert_int_equal(audit_close(s), 0);
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	snprintf(other, sizeof(other), "%s/open.db", f->dir);
	fp = fopen(other, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(chmod(other, 0644), 0);
	assert_int_equal(audit_open(other, NULL, &s, err, sizeof(err)), AUDIT_EPERM);
	assert_null(s);
	assert_non_null(strstr(err, "chmod 600"));

	snprintf(link, sizeof(link), "%s/link.db", f->dir);
	assert_int_equal(symlink(f->db, link), 0);
	assert_int_equal(audit_open(link, NULL, &s, err, sizeof(err)), AUDIT_EPERM);
	assert_non_null(strstr(err, "symlink"));

	snprintf(other, sizeof(other), "%s/missing.db", f->dir);
	assert_int_equal(audit_open_readonly(other, &s, err, sizeof(err)), AUDIT_ENOENT);
	assert_non_null(strstr(err, "missing.db"));
}

/* Exchange @i: bodies and findings that depend on i, some bytes not UTF-8. */
static void make_exchange(int i, struct audit_exchange *x, struct audit_finding *fs,
			  char *req, size_t reqcap, char *resp, size_t respcap)
{
	int n;

	memset(x, 0, sizeof(*x));
	x->time_ms = 1782820800000LL + i * 1000;
	x->client = "127.0.0.1:40000";
	x->route = i % 2 ? "anthropic" : "openai";
	x->method = "POST";
	x->path = "/v1/messages";
	x->status = 200;
	x->ttfb_ms = 100 + i;
	x->total_ms = 900 + i;
	x->api_key = API_KEY;
	x->action = (enum audit_action)(i % 5);
	x->conversation = i % 3 ? "conv-a" : NULL;
	n = snprintf(req, reqcap, "{\"messages\":[{\"role\":\"user\",\"content\":"
		     "\"turn %d \xE2\x80\x8B\"}]}", i);
	x->request_body = (const uint8_t *)req;
	x->request_len = (size_t)n;
	n = snprintf(resp, respcap, "data: {\"i\":%d}\n\xFF\xFE", i);
	x->response_body = (const uint8_t *)resp;
	x->response_len = (size_t)n;
	x->request_bytes = x->request_len;
	x->response_bytes = x->response_len;
	fs[0] = (struct audit_finding){ "invisible.zero-width", "invisible",
		(enum scan_severity)(i % 5), SCAN_ORIGIN_USER, "$.messages[0].content",
		(uint64_t)(40 + i), 0x200B, AUDIT_ACTION_ALERT };
	fs[1] = (struct audit_finding){ "lookalike.apostrophe", "lookalike",
		SCAN_SEV_MEDIUM, SCAN_ORIGIN_SYSTEM, NULL, 7, SCAN_NO_CODEPOINT,
		AUDIT_ACTION_LOG };
	x->findings = fs;
	x->nfindings = (size_t)(i % 3);
}

static void write_exchanges(const char *path, int count)
{
	struct audit_store *s = open_rw(path);
	struct audit_exchange x;
	struct audit_finding fs[2];
	char req[256], resp[128];
	int i;

	for (i = 1; i <= count; i++) {
		make_exchange(i, &x, fs, req, sizeof(req), resp, sizeof(resp));
		assert_int_equal(audit_submit(s, &x), 0);
	}
	assert_int_equal(audit_close(s), 0);
}

static int count_one(void *ctx, const struct audit_record *r)
{
	(*(int *)ctx)++;
	assert_true(r->x.id > 0);
	return 0;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct audit_exchange want;
	struct audit_finding fs[2];
	struct audit_record *r;
	struct audit_filter filt;
	struct audit_store *s;
	char req[256], resp[128];
	int i, n = 0;
	size_t k;

	write_exchanges(f->db, 100);
	s = open_ro(f->db);
	assert_int_equal(audit_list(s, NULL, count_one, &n), 0);
	assert_int_equal(n, 100);
	for (i = 1; i <= 100; i++) {
		make_exchange(i, &want, fs, req, sizeof(req), resp, sizeof(resp));
		assert_int_equal(audit_get(s, i, &r), 0);
		assert_int_equal(r->x.time_ms, want.time_ms);
		assert_string_equal(r->x.route, want.route);
		assert_int_equal(r->x.action, want.action);
		assert_int_equal(r->x.request_len, want.request_len);
		assert_memory_equal(r->x.request_body, want.request_body, want.request_len);
		assert_int_equal(r->x.response_len, want.response_len);
		assert_memory_equal(r->x.response_body, want.response_body, want.response_len);
		assert_string_equal(r->x.key_last4, "7Q2x");
		assert_int_equal(strlen(r->x.key_fingerprint), 23);
		assert_int_equal(r->x.nfindings, want.nfindings);
		for (k = 0; k < want.nfindings; k++) {
			assert_string_equal(r->x.findings[k].rule, fs[k].rule);
			assert_int_equal(r->x.findings[k].severity, fs[k].severity);
			assert_int_equal(r->x.findings[k].byte_offset, fs[k].byte_offset);
			assert_int_equal(r->x.findings[k].codepoint, fs[k].codepoint);
		}
		audit_record_free(r);
	}
	assert_int_equal(audit_get(s, 101, &r), AUDIT_ENOENT);
	audit_filter_init(&filt);
	filt.min_severity = SCAN_SEV_CRITICAL;
	n = 0;
	assert_int_equal(audit_list(s, &filt, count_one, &n), 0);
	assert_int_equal(n, 13); /* i % 5 == 4 and i % 3 != 0 */
	audit_filter_init(&filt);
	filt.route = "openai";
	filt.rule = "lookalike.apostrophe";
	n = 0;
	assert_int_equal(audit_list(s, &filt, count_one, &n), 0);
	assert_int_equal(n, 17); /* even i with i % 3 == 2 */
	audit_close(s);
}

static void test_delta(void **state)
{
	struct fixture *f = *state;
	struct audit_store *s = open_rw(f->db);
	struct audit_exchange x = { 0 };
	struct audit_stats st;
	struct audit_record *r;
	struct audit_verify_result v;
	char *body = malloc(30 * 2100 + 1);
	size_t len = 0, lens[31];
	int turn, i;

	x.method = "POST";
	x.conversation = "conversation-1";
	srand(7);
	for (turn = 1; turn <= 30; turn++) {
		/* ~2 KB of new, varied text per turn, as an agent's history grows. */
		for (i = 0; i < 2000; i++)
			body[len++] = "abcdefghijklmnopqrstuvwxyz ,.\"{}:0123456789"[rand() % 43];
		lens[turn] = len;
		x.time_ms = turn;
		x.request_body = (const uint8_t *)body;
		x.request_len = len;
		assert_int_equal(audit_submit(s, &x), 0);
	}
	assert_int_equal(audit_close(s), 0);
	s = open_ro(f->db);
	assert_int_equal(audit_stats(s, &st), 0);
	print_message("delta: %llu raw bytes stored in %llu (ratio %.1f:1)\n",
		      (unsigned long long)st.body_raw_bytes,
		      (unsigned long long)st.body_stored_bytes,
		      (double)st.body_raw_bytes / (double)st.body_stored_bytes);
	assert_true(st.body_stored_bytes * 10 <= st.body_raw_bytes);
	audit_stats_release(&st);
	for (turn = 1; turn <= 30; turn++) {
		assert_int_equal(audit_get(s, turn, &r), 0);
		assert_int_equal(r->x.request_len, lens[turn]);
		assert_memory_equal(r->x.request_body, body, lens[turn]);
		audit_record_free(r);
	}
	assert_int_equal(audit_verify(s, &v), 0);
	audit_close(s);
	free(body);
}

/* Run @sql on the file directly, as someone with write access would. */
static void tamper(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Bodies handed over are stored like copied ones, and freed by the store
 * in every case (the sanitizer build checks the frees). */
static void test_submit_take(void **state)
{
	struct fixture *f = *state;
	struct audit_store *s = open_rw(f->db);
	struct audit_exchange x = { 0 };
	struct audit_record *r;
	uint8_t *req = malloc(6), *res = malloc(5), *other = malloc(1);

	memcpy(req, "hello!", 6);
	memcpy(res, "reply", 5);
	x.method = "POST";
	x.conversation = "t";
	x.request_body = req;
	x.request_len = 6;
	x.response_body = res;
	x.response_len = 5;
	assert_int_equal(audit_submit_take(s, &x, req, res), 0);
	/* Not the body it describes: refused, and still freed. */
	assert_int_equal(audit_submit_take(s, &x, other, NULL), AUDIT_EINVAL);
	assert_int_equal(audit_close(s), 0);
	s = open_ro(f->db);
	assert_int_equal(audit_get(s, 1, &r), 0);
	assert_int_equal(r->x.request_len, 6);
	assert_memory_equal(r->x.request_body, "hello!", 6);
	assert_int_equal(r->x.response_len, 5);
	assert_memory_equal(r->x.response_body, "reply", 5);
	audit_record_free(r);
	assert_int_equal(audit_get(s, 2, &r), AUDIT_ENOENT);
	audit_close(s);
}

/* Turns that add messages in the middle (system and tools after them, as
 * agents send them) are stored as splices of the previous turn; they read
 * back byte for byte, and a splice whose lengths were tampered with is
 * refused, not trusted. */
static void test_splice(void **state)
{
	struct fixture *f = *state;
	struct audit_store *s = open_rw(f->db);
	struct audit_exchange x = { 0 };
	struct audit_record *r;
	static const char tail[] = "],\"system\":\"You are an agent.\",\"tools\":[]}";
	char *turns[12], mid[64 * 12 + 1] = "";
	int t;

	x.method = "POST";
	x.conversation = "c";
	for (t = 0; t < 12; t++) {
		snprintf(mid + strlen(mid), sizeof(mid) - strlen(mid),
			 "%s{\"role\":\"user\",\"content\":\"turn %d of the talk\"}",
			 t ? "," : "", t);
		turns[t] = malloc(strlen(mid) + sizeof(tail) + 16);
		snprintf(turns[t], strlen(mid) + sizeof(tail) + 16, "{\"messages\":[%s%s", mid,
			 tail);
		x.time_ms = t;
		x.request_body = (const uint8_t *)turns[t];
		x.request_len = strlen(turns[t]);
		assert_int_equal(audit_submit(s, &x), 0);
	}
	assert_int_equal(audit_close(s), 0);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM bodies WHERE codec='splice'"), 11);
	s = open_ro(f->db);
	for (t = 0; t < 12; t++) {
		assert_int_equal(audit_get(s, t + 1, &r), 0);
		assert_int_equal(r->x.request_len, strlen(turns[t]));
		assert_memory_equal(r->x.request_body, turns[t], strlen(turns[t]));
		audit_record_free(r);
	}
	audit_close(s);
	/* A prefix length past the end of its base. */
	tamper(f->db, "UPDATE bodies SET data = CAST(x'ffffffff000000000000000000000000' ||"
	       " substr(data, 17) AS BLOB) WHERE id = 5");
	s = open_ro(f->db);
	assert_int_equal(audit_get(s, 5, &r), AUDIT_ECORRUPT);
	assert_int_equal(audit_get(s, 4, &r), 0);
	audit_record_free(r);
	audit_close(s);
	for (t = 0; t < 12; t++)
		free(turns[t]);
}

static void verify_fails(const char *path, uint64_t seq, const char *table,
			 const char *words)
{
	struct audit_store *s = open_ro(path);
	struct audit_verify_result v;

	assert_int_equal(audit_verify(s, &v), AUDIT_ECORRUPT);
	print_message("verify: %s\n", v.message);
	assert_int_equal(v.bad_seq, seq);
	assert_string_equal(v.table, table);
	assert_non_null(strstr(v.message, words));
	audit_close(s);
}

static uint64_t seq_of(const char *path, const char *table, int64_t id)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	uint64_t seq = 0;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq FROM chain WHERE tbl=? AND row_id=?",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return seq;
}

static void copy_file(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 600 '%s'", from, to, to);
	assert_int_equal(system(cmd), 0);
}

static void test_tamper(void **state)
{
	struct fixture *f = *state;
	struct audit_store *s;
	struct audit_verify_result v;
	char copy[160];

	write_exchanges(f->db, 20);
	s = open_ro(f->db);
	assert_int_equal(audit_verify(s, &v), 0);
	assert_true(v.records > 60);
	audit_close(s);

	snprintf(copy, sizeof(copy), "%s/edit.db", f->dir);
	copy_file(f->db, copy);
	tamper(copy, "UPDATE findings SET severity = (severity + 1) % 5 WHERE id = 5");
	verify_fails(copy, seq_of(copy, "findings", 5), "findings", "edited");

	snprintf(copy, sizeof(copy), "%s/delete.db", f->dir);
	copy_file(f->db, copy);
	tamper(copy, "DELETE FROM exchanges WHERE id = 7");
	verify_fails(copy, seq_of(copy, "exchanges", 7), "exchanges", "missing");

	snprintf(copy, sizeof(copy), "%s/insert.db", f->dir);
	copy_file(f->db, copy);
	tamper(copy, "INSERT INTO exchanges SELECT 1000, time_ms, client, route, method,"
	       " path, status, ttfb_ms, total_ms, request_bytes, response_bytes,"
	       " key_fingerprint, key_last4, 'log', conversation, prev_hash, hash"
	       " FROM exchanges WHERE id = 3");
	verify_fails(copy, 0, "exchanges", "not in the chain");

	/* Inserted with a chain entry of its own: the forged entry is named. */
	tamper(copy, "INSERT INTO chain SELECT max(seq) + 1, 'exchanges', 1000,"
	       " (SELECT hash FROM chain ORDER BY seq DESC LIMIT 1), randomblob(32) FROM chain");
	verify_fails(copy, seq_of(copy, "exchanges", 1000), "exchanges", "edited");

	snprintf(copy, sizeof(copy), "%s/unlink.db", f->dir);
	copy_file(f->db, copy);
	tamper(copy, "DELETE FROM chain WHERE seq = 10");
	verify_fails(copy, 10, "chain", "seq 10 is missing");
}

static int file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long n;
	int found;

	if (!fp)
		return 0;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	found = memmem(data, (size_t)n, needle, strlen(needle)) != NULL;
	free(data);
	return found;
}

static void test_key_never_in_clear(void **state)
{
	struct fixture *f = *state;
	char wal[160], fp[AUDIT_FINGERPRINT_LEN], last4[5];

	write_exchanges(f->db, 50);
	snprintf(wal, sizeof(wal), "%s-wal", f->db);
	assert_false(file_contains(f->db, API_KEY));
	assert_false(file_contains(f->db, "SECRETSECRET"));
	assert_false(file_contains(wal, "SECRETSECRET"));
	audit_fingerprint(API_KEY, strlen(API_KEY), fp, last4);
	assert_true(file_contains(f->db, fp));
	assert_string_equal(last4, "7Q2x");
	assert_int_equal(strncmp(fp, "sha256:", 7), 0);
}

/* What the proxy uses before forwarding (room) and with --sync (tickets). */
static void test_room_and_tickets(void **state)
{
	struct fixture *f = *state;
	struct audit_options opt = { .queue_max = 3, .batch_ms = 10000 };
	struct audit_store *s = NULL;
	struct audit_exchange x = { .method = "POST", .path = "/v1/messages" };
	char err[256];
	uint64_t t1, t2;
	int i;

	assert_int_equal(audit_open(f->db, &opt, &s, err, sizeof(err)), 0);
	assert_int_equal(audit_room(s), 3);
	assert_int_equal(audit_durable(s, 1), 0);
	assert_int_equal(audit_submit(s, &x), 0);
	t1 = audit_ticket(s);
	assert_int_equal(t1, 1);
	/* The writer waits out its batch time (10 s) unless flushed, so the
	 * record stays queued and room shrinks; a record may also have been
	 * taken into a batch already, so allow one. */
	assert_true(audit_room(s) >= 2);
	for (i = 0; i < 200 && audit_durable(s, t1) == 0; i++) {
		audit_flush(s);
		usleep(10000);
	}
	assert_int_equal(audit_durable(s, t1), 1);
	assert_int_equal(audit_room(s), 3);
	assert_int_equal(audit_submit(s, &x), 0);
	t2 = audit_ticket(s);
	assert_int_equal(t2, 2);
	assert_int_equal(audit_sync(s), 0);
	assert_int_equal(audit_durable(s, t2), 1);
	assert_int_equal(audit_close(s), 0);
	s = open_ro(f->db);
	assert_int_equal(audit_room(s), 0);
	audit_close(s);
}

static void test_full_database(void **state)
{
	struct fixture *f = *state;
	struct audit_options opt = { .max_db_bytes = 160 * 1024, .batch_ms = 5 };
	struct audit_store *s = NULL;
	struct audit_exchange x = { 0 };
	struct audit_status st;
	struct audit_verify_result v;
	uint8_t *noise = malloc(16384);
	char err[256];
	int i, rc = 0;

	for (i = 0; i < 16384; i++)
		noise[i] = (uint8_t)(rand() >> 7);
	assert_int_equal(audit_open(f->db, &opt, &s, err, sizeof(err)), 0);
	x.request_body = noise;
	x.request_len = 16384;
	for (i = 0; i < 200 && rc == 0; i++) {
		x.time_ms = i;
		rc = audit_submit(s, &x);
		if (rc == AUDIT_EFULL) {
			rc = 0;
			usleep(1000);
		}
		if (!rc && i % 4 == 3)
			audit_sync(s);
	}
	assert_int_equal(rc, AUDIT_EUNHEALTHY);
	assert_int_equal(audit_healthy(s), 0);
	audit_status(s, &st);
	assert_int_equal(st.healthy, 0);
	assert_true(st.lost > 0);
	assert_non_null(strstr(st.message, "full"));
	print_message("full: %s (%llu committed, %llu lost)\n", st.message,
		      (unsigned long long)st.committed, (unsigned long long)st.lost);
	assert_int_equal(audit_submit(s, &x), AUDIT_EUNHEALTHY);
	assert_int_equal(audit_close(s), AUDIT_EIO);
	/* What was committed before the failure still verifies. */
	s = open_ro(f->db);
	assert_int_equal(audit_verify(s, &v), 0);
	audit_close(s);
	free(noise);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_splice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_never_in_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_and_tickets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
