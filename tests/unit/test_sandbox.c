/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox.c - the plain functions under `overt run`: which variables
 * are kept from the sandbox, how CONNECT targets are read and matched
 * against the allow list, and that the events of a session are links of
 * the audit log's hash chain.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "audit/audit.h"
#include "proxy/connect.h"
#include "sandbox/env.h"
#include "sandbox/sandbox.h"
#include "util/banned.h"

static bool dropped(const char *name)
{
	return sbx_env_dropped(name, strlen(name));
}

static void test_env_dropped(void **state)
{
	static const char *const secret[] = {
		"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "AWS_ACCESS_KEY_ID",
		"AWS_PROFILE", "DB_PASSWORD", "MY_SECRET", "client_secret", "NPM_CONFIG__AUTH",
		"SSH_AUTH_SOCK", "https_proxy", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY", "LANG", "LC_ALL",
		"TZ", "DBUS_SESSION_BUS_ADDRESS", "GOOGLE_APPLICATION_CREDENTIALS", "VAULT_ADDR",
		"SLACK_BOT_TOKEN", "PGPASSWORD",
	};
	static const char *const kept[] = { "PATH", "HOME", "TERM", "USER", "SHELL", "EDITOR",
					    "KEYBOARD", "NODE_OPTIONS" };
	struct sbx_env e, d;
	char *host[] = { "PATH=/bin", "A_TOKEN=t", "KEEP_TOKEN=k", "X=1=2", "novalue", NULL };
	const char *pass[] = { "KEEP_TOKEN" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		assert_true(dropped(secret[i]));
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_false(dropped(kept[i]));
	sbx_env_init(&e);
	sbx_env_init(&d);
	assert_int_equal(sbx_env_from_host(&e, host, pass, 1, &d), 0);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.v[0], "PATH=/bin");
	assert_string_equal(e.v[1], "KEEP_TOKEN=k");
	assert_string_equal(e.v[2], "X=1=2");
	assert_null(e.v[3]);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0], "A_TOKEN=");
	assert_int_equal(sbx_env_set(&e, "PATH", "/usr/bin"), 0);
	assert_string_equal(e.v[0], "PATH=/usr/bin");
	assert_int_equal(e.n, 3);
	sbx_env_release(&e);
	sbx_env_release(&d);
}

static void test_connect_target(void **state)
{
	char host[64];
	unsigned port = 0;

	(void)state;
	assert_int_equal(connect_parse_target("example.com:443", host, sizeof(host), &port), 0);
	assert_string_equal(host, "example.com");
	assert_int_equal(port, 443);
	assert_int_equal(connect_parse_target("[::1]:8443", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 8443);
	assert_int_equal(connect_parse_target("example.com", host, sizeof(host), &port), -1);
	assert_int_equal(connect_parse_target("example.com:0", host, sizeof(host), &port), -1);
	assert_int_equal(connect_parse_target("example.com:65536", host, sizeof(host), &port), -1);
	assert_int_equal(connect_parse_target("example.com:44x", host, sizeof(host), &port), -1);
	assert_int_equal(connect_parse_target("ex ample.com:443", host, sizeof(host), &port), -1);
	assert_int_equal(connect_parse_target("a@b.com:443", host, sizeof(host), &port), -1);
	assert_int_equal(connect_parse_target(":443", host, sizeof(host), &port), -1);
	assert_int_equal(connect_parse_target("[::1:443", host, sizeof(host), &port), -1);
	assert_int_equal(connect_parse_target(NULL, host, sizeof(host), &port), -1);
}

static void test_connect_allowed(void **state)
{
	static const char *const allow[] = { "registry.npmjs.org", "127.0.0.1:8080",
					     "*.example.com", "any.test:*", "[::1]:443" };
	struct connect_policy p = { allow, 5, NULL, NULL, NULL };

	(void)state;
	assert_true(connect_allowed(&p, "registry.npmjs.org", 443));
	assert_true(connect_allowed(&p, "REGISTRY.npmjs.org", 443));
	assert_false(connect_allowed(&p, "registry.npmjs.org", 80));
	assert_false(connect_allowed(&p, "evil-registry.npmjs.org", 443));
	assert_true(connect_allowed(&p, "127.0.0.1", 8080));
	assert_false(connect_allowed(&p, "127.0.0.1", 443));
	assert_true(connect_allowed(&p, "a.example.com", 443));
	assert_true(connect_allowed(&p, "a.b.example.com", 443));
	assert_false(connect_allowed(&p, "example.com", 443));
	assert_false(connect_allowed(&p, "badexample.com", 443));
	assert_true(connect_allowed(&p, "any.test", 1));
	assert_true(connect_allowed(&p, "any.test", 65535));
	assert_true(connect_allowed(&p, "::1", 443));
	assert_false(connect_allowed(&p, "::1", 80));
	p.nallow = 0;
	assert_false(connect_allowed(&p, "registry.npmjs.org", 443));
}

static int count_event(void *ctx, const struct audit_event *ev)
{
	int *n = ctx;

	if (*n == 0) {
		assert_string_equal(ev->kind, "connect");
		assert_string_equal(ev->verdict, "deny");
		assert_string_equal(ev->target, "evil.test:443");
		assert_null(ev->client);
	}
	(*n)++;
	return 0;
}

static void test_events_chained(void **state)
{
	char path[] = "/tmp/overt-test-events-XXXXXX", db[64], err[256];
	struct audit_event ev = { 0, 1000, "connect", NULL, "evil.test:443", "deny", "not allowed" };
	struct audit_verify_result res;
	struct audit_store *s;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(db, sizeof(db), "%s/a.db", path);
	assert_int_equal(audit_open(db, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(audit_submit_event(s, &ev), 0);
	ev.kind = NULL;
	assert_int_equal(audit_submit_event(s, &ev), AUDIT_EINVAL);
	ev.kind = "session.end";
	ev.verdict = "exit 0";
	assert_int_equal(audit_submit_event(s, &ev), 0);
	assert_int_equal(audit_close(s), 0);
	assert_int_equal(audit_open_readonly(db, &s, err, sizeof(err)), 0);
	assert_int_equal(audit_list_events(s, 0, count_event, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(audit_verify(s, &res), 0);
	assert_int_equal(res.records, 5); /* three meta rows, two events */
	audit_close(s);
	unlink(db);
	rmdir(path);
}

/* A log from before the events table: verifies; a dropped table that rows
 * of the chain lived in: does not. */
static void test_events_table_missing(void **state)
{
	char path[] = "/tmp/overt-test-noevents-XXXXXX", db[64], err[256];
	struct audit_event ev = { 0, 1000, "connect", NULL, "x.test:443", "deny", NULL };
	struct audit_verify_result res;
	struct audit_store *s;
	sqlite3 *raw;
	int with_event;

	(void)state;
	for (with_event = 0; with_event < 2; with_event++) {
		memcpy(path, "/tmp/overt-test-noevents-XXXXXX", sizeof(path));
		assert_non_null(mkdtemp(path));
		snprintf(db, sizeof(db), "%s/a.db", path);
		assert_int_equal(audit_open(db, NULL, &s, err, sizeof(err)), 0);
		if (with_event)
			assert_int_equal(audit_submit_event(s, &ev), 0);
		assert_int_equal(audit_close(s), 0);
		assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
		assert_int_equal(sqlite3_exec(raw, "DROP TABLE events", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(raw);
		assert_int_equal(audit_open_readonly(db, &s, err, sizeof(err)), 0);
		assert_int_equal(audit_verify(s, &res), with_event ? AUDIT_ECORRUPT : 0);
		if (with_event)
			assert_non_null(strstr(res.message, "dropped"));
		audit_close(s);
		snprintf(err, sizeof(err), "rm -rf '%s'", path);
		assert_int_equal(system(err), 0);
	}
}

static char *slurp(const char *path)
{
	static char text[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* A fresh HOME: the definition's files land beneath it, {url} expanded,
 * and nothing escapes it; a template is copied; the tree goes away. */
static void test_home_seed(void **state)
{
	char dir[] = "/tmp/overt-test-home-XXXXXX", home[64], tmpl[64], path[128], err[256];
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(home, sizeof(home), "%s/home", dir);
	snprintf(tmpl, sizeof(tmpl), "%s/tmpl", dir);
	assert_int_equal(mkdir(home, 0700), 0);
	assert_int_equal(mkdir(tmpl, 0700), 0);
	snprintf(path, sizeof(path), "%s/tmpl/a.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("template", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/link", tmpl);
	assert_int_equal(symlink("a.txt", path), 0);

	assert_int_equal(sbx_home_write(home, "~/.x/y/settings.json", "{\"u\":\"{url}/v1\"}",
					"http://127.0.0.1:8787", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/.x/y/settings.json", home);
	assert_string_equal(slurp(path), "{\"u\":\"http://127.0.0.1:8787/v1\"}");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sbx_home_write(home, "~/../escape", "x", NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not under ~/"));
	assert_int_equal(sbx_home_write(home, "/etc/x", "x", NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(sbx_home_write(home, "~/", "x", NULL, err, sizeof(err)), -EINVAL);

	assert_int_equal(sbx_home_copy(home, tmpl, 1 << 20, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/a.txt", home);
	assert_string_equal(slurp(path), "template");
	snprintf(path, sizeof(path), "%s/link", home);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(sbx_home_copy(home, tmpl, 3, err, sizeof(err)), -EFBIG);
	assert_int_equal(sbx_home_copy(home, "/nonexistent", 1 << 20, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "'/nonexistent'"));

	/* A directory made unreadable inside does not stop the removal. */
	snprintf(path, sizeof(path), "%s/.x", home);
	assert_int_equal(chmod(path, 0), 0);
	sbx_tree_remove(dir);
	assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_dropped),
		cmocka_unit_test(test_home_seed),
		cmocka_unit_test(test_connect_target),
		cmocka_unit_test(test_connect_allowed),
		cmocka_unit_test(test_events_chained),
		cmocka_unit_test(test_events_table_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
