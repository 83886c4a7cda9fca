/* SPDX-License-Identifier: MIT */
/*
 * test_secrets.c - the secret and environment rules: each kind found with
 * the exact raw span of its bytes, near misses left alone, secrets never
 * in a message, header scanning, and the fingerprint helpers.  Secrets here
 * are made up; their shapes are the real ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "overt.h"

#define ANTHROPIC "sk-ant-api03-Xk9mPq2RtW7vYz4AbCdEf3GhIjK8LmNoP5qRsTuV6wXyZ1a2B3c4D5e6F7g8H9i0J" \
		  "kLmN0pQrStUvWxYz-AbCdEfGhIjKlMn_OpQrAA"
#define OPENAI "sk-proj-Rk4Tq9Wm2Zx7Cv5Bn8Mh3Lp6Jd1Fs0Ga9Hk2Jl4Qw6Er8Ty"
#define AWS_ID "AKIAQWERTY7UIOPASDFG"
#define AWS_KEY "Zx8Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz0Xc2Vb4N"
#define GITHUB "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R"
#define GITHUB_PAT "github_pat_11ABCDEFG0123456789abc_" \
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"
#define GITLAB "glpat-Ab3De6Gh9Jk2Mn5Pq8St"
#define SLACK "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
#define GOOGLE "AIzaSyD-1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTU"
#define STRIPE "sk_live_4eC39HqLyjWDarjtT1zdp7dcXyZ"
#define JWT "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpv" \
	    "aG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
#define PASSWORD "Tr0ub4dor!3xyzQ"
#define URLPASS "S3cr3tPw9x"
#define PEM_BODY "MIIEowIBAAKCAQEA7bq3Rk9Wm2Zx7Cv5Bn8Mh3Lp6Jd1Fs0Ga9Hk2Jl4Qw6Er8Ty" \
		 "\\nZx8Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz0Xc2Vb4NAbCdEfGhIjKlMnOpQrStUvWxYz01"
#define PEM "-----BEGIN RSA PRIVATE KEY-----\\n" PEM_BODY "\\n-----END RSA PRIVATE KEY-----"

static struct scan_engine *engine;
static struct scan_report report;

static int setup(void **state)
{
	char err[256];

	(void)state;
	engine = scan_engine_new(NULL, err, sizeof(err));
	if (!engine)
		fprintf(stderr, "%s\n", err);
	scan_report_init(&report);
	return engine ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	scan_report_release(&report);
	scan_engine_free(engine);
	return 0;
}

/* A user message holding @text (JSON string content, escapes as given). */
#define USER_PREFIX "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
#define USER_SUFFIX "\"}]}"
#define SYSTEM_PREFIX "{\"model\":\"m\",\"system\":\""
#define SYSTEM_SUFFIX "\",\"messages\":[]}"

static char body[8192];

static void scan_text(const char *prefix, const char *text, const char *suffix)
{
	snprintf(body, sizeof(body), "%s%s%s", prefix, text, suffix);
	assert_int_equal(scan_body(engine, (const uint8_t *)body, strlen(body), &report), 0);
}

static void scan_user(const char *text)
{
	scan_text(USER_PREFIX, text, USER_SUFFIX);
}

static const struct scan_finding *find(const char *rule)
{
	size_t i;

	for (i = 0; i < report.nfindings; i++)
		if (!strcmp(report.findings[i].rule, rule))
			return &report.findings[i];
	return NULL;
}

static size_t count_category(const char *category)
{
	size_t i, n = 0;

	for (i = 0; i < report.nfindings; i++)
		n += !strcmp(report.findings[i].category, category);
	return n;
}

static void dump(void)
{
	size_t i;

	for (i = 0; i < report.nfindings; i++)
		fprintf(stderr, "  %s at %zu+%zu: %s\n", report.findings[i].rule,
			report.findings[i].byte_offset, report.findings[i].byte_length,
			report.findings[i].message);
}

/* @rule found exactly over the first occurrence of @raw in the body; a
 * secret's message must not hold it and its fingerprint must be that of
 * @decoded (the secret as the JSON string decodes). */
static const struct scan_finding *expect_at(const char *rule, const char *raw, const char *decoded)
{
	const struct scan_finding *f = find(rule);
	const char *at = strstr(body, raw);

	if (!f)
		dump();
	assert_non_null(f);
	assert_non_null(at);
	assert_int_equal(f->byte_offset, (size_t)(at - body));
	assert_int_equal(f->byte_length, strlen(raw));
	assert_non_null(f->json_path);
	if (!strcmp(f->category, "secret")) {
		char fp[SCAN_FINGERPRINT_MAX];

		assert_null(strstr(f->message, decoded));
		assert_null(f->decoded);
		assert_non_null(f->fingerprint);
		assert_true(scan_secret_fingerprint((const uint8_t *)decoded, strlen(decoded), fp,
						    sizeof(fp)) > 0);
		assert_string_equal(f->fingerprint, fp);
		assert_non_null(strstr(f->message, fp));
	}
	return f;
}

static void expect_none(const char *category)
{
	if (count_category(category))
		dump();
	assert_int_equal(count_category(category), 0);
}

static void test_anthropic(void **state)
{
	const struct scan_finding *f;

	(void)state;
	scan_user("my key is " ANTHROPIC ", keep it");
	f = expect_at("secret.anthropic-key", ANTHROPIC, ANTHROPIC);
	assert_int_equal(f->severity, SCAN_SEV_CRITICAL);
	assert_int_equal(f->origin, SCAN_ORIGIN_USER);
	assert_string_equal(f->json_path, "$.messages[0].content");
	assert_non_null(strstr(f->message, "sk-ant-\xE2\x80\xA6(sha256:"));
	/* right after a "\n" escape, and at the very start of a string */
	scan_user("export KEY=\\n" ANTHROPIC);
	expect_at("secret.anthropic-key", ANTHROPIC, ANTHROPIC);
	scan_user(ANTHROPIC);
	expect_at("secret.anthropic-key", ANTHROPIC, ANTHROPIC);
}

static void test_anthropic_near_misses(void **state)
{
	(void)state;
	scan_user("Keys start with sk- and sk-ant- but this text has none of them.");
	expect_none("secret");
	scan_user("see tasks-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ for details");
	expect_none("secret");
	scan_user("placeholder sk-ant-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx here");
	expect_none("secret");
	scan_user("risk-0123456789abcdefghijABCDEFGHIJ0123456789 is a word");
	expect_none("secret");
}

static void test_openai(void **state)
{
	(void)state;
	scan_user("OPENAI_API_KEY=" OPENAI);
	expect_at("secret.openai-key", OPENAI, OPENAI);
	scan_user("the sk-1234 prefix is short");
	expect_none("secret");
}

static void test_aws(void **state)
{
	(void)state;
	scan_user("aws_access_key_id = " AWS_ID "\\naws_secret_access_key = " AWS_KEY "\\n");
	expect_at("secret.aws-access-key", AWS_ID, AWS_ID);
	expect_at("secret.aws-secret-key", AWS_KEY, AWS_KEY);
	/* AKIA inside a longer word, and AWS's own documentation example */
	scan_user("XAKIAQWERTY7UIOPASDFG and AKIAQWERTY7UIOPASDFGHJK and AKIAIOSFODNN7EXAMPLE");
	expect_none("secret");
}

static void test_tokens(void **state)
{
	(void)state;
	scan_user("GITHUB_TOKEN=" GITHUB " and " GITHUB_PAT);
	expect_at("secret.github-token", GITHUB, GITHUB);
	assert_int_equal(report.nfindings, 2);
	assert_string_equal(report.findings[1].rule, "secret.github-token");
	assert_int_equal(report.findings[1].byte_length, strlen(GITHUB_PAT));
	scan_user("git remote uses " GITLAB " now");
	expect_at("secret.gitlab-token", GITLAB, GITLAB);
	scan_user("SLACK_BOT_TOKEN: " SLACK);
	expect_at("secret.slack-token", SLACK, SLACK);
	scan_user("maps key " GOOGLE "!");
	expect_at("secret.google-api-key", GOOGLE, GOOGLE);
	scan_user("stripe " STRIPE " and sk_test_4eC39HqLyjWDarjtT1zdp7dcXyZ");
	expect_at("secret.stripe-key", STRIPE, STRIPE);
	assert_int_equal(count_category("secret"), 1);
	scan_user("Authorization: Bearer " JWT);
	expect_at("secret.jwt", JWT, JWT);
	scan_user("ghp_short and eyJhbGciOiJIUzI1NiIs alone and xoxb-123");
	expect_none("secret");
}

/* @s with its "\n" escapes decoded. */
static char *unescape_newlines(const char *s)
{
	char *out = strdup(s), *o = out;

	assert_non_null(out);
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void test_private_key(void **state)
{
	const struct scan_finding *f;
	char *decoded = unescape_newlines(PEM);

	(void)state;
	scan_user("cat id_rsa\\n" PEM "\\nok");
	f = expect_at("secret.private-key", PEM, decoded);
	free(decoded);
	assert_non_null(strstr(f->message, "-----BEGIN RSA PRIVATE KEY-----\xE2\x80\xA6(sha256:"));
	assert_null(strstr(f->message, "MIIE"));
	scan_user("-----BEGIN PUBLIC KEY-----\\n" PEM_BODY "\\n-----END PUBLIC KEY-----");
	expect_none("secret");
	scan_user("a key looks like -----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----");
	expect_none("secret");
}

static void test_assignments(void **state)
{
	(void)state;
	scan_user("DB_PASSWORD=" PASSWORD "\\n");
	expect_at("secret.assignment", PASSWORD, PASSWORD);
	/* with blanks around '=', a value that is a long run of its own */
	scan_user("password = 'Xk9mPq2RtW7vYz4AbCdEf3Gh'");
	expect_at("secret.assignment", "Xk9mPq2RtW7vYz4AbCdEf3Gh", "Xk9mPq2RtW7vYz4AbCdEf3Gh");
	/* as JSON members, and as JSON inside a string */
	snprintf(body, sizeof(body), "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
		 "\"tool_result\",\"content\":\"x\"}]}],\"metadata\":{\"db_password\":\"%s\"}}",
		 PASSWORD);
	assert_int_equal(scan_body(engine, (const uint8_t *)body, strlen(body), &report), 0);
	expect_at("secret.assignment", PASSWORD, PASSWORD);
	scan_user("{\\\"client_secret\\\": \\\"Xk9mPq2RtW7vYz4AbCdEf3Gh\\\"}");
	expect_at("secret.assignment", "Xk9mPq2RtW7vYz4AbCdEf3Gh", "Xk9mPq2RtW7vYz4AbCdEf3Gh");
	/* placeholders, code and words are no secrets */
	scan_user("password=changeme and password: ${DB_PASS} and secret = config.secret_key");
	expect_none("secret");
	scan_user("password = os.environ['DB_PASSWORD'] and token=12345678 and the secret: hello");
	expect_none("secret");
}

static void test_url_credentials(void **state)
{
	const struct scan_finding *f;

	(void)state;
	scan_user("DATABASE_URL=postgres://admin:" URLPASS "@db.internal:5432/app");
	f = expect_at("secret.url-credentials", URLPASS, URLPASS);
	assert_int_equal(f->severity, SCAN_SEV_HIGH);
	expect_at("env.internal-host", "db.internal", NULL);
	scan_user("https://user:password@example.com/ and http://example.com:8080/x");
	expect_none("secret");
}

static void test_unicode_escapes(void **state)
{
	(void)state;
	/* "sk-ant-..." with its s written as an escape: the span starts at
	 * the backslash, and the fingerprint is of the decoded key */
	scan_user("key: \\u0073k-ant-api03-Xk9mPq2RtW7vYz4AbCdEf3GhIjK8LmNoP5qRsTuV6wXyZ1a2B3c4D5"
		  "e6F7g8H9i0JkLmN0pQrStUvWxYz-AbCdEfGhIjKlMn_OpQrAA end");
	expect_at("secret.anthropic-key",
		  "\\u0073k-ant-api03-Xk9mPq2RtW7vYz4AbCdEf3GhIjK8LmNoP5qRsTuV6wXyZ1a2B3c4D5e6F7g8H9"
		  "i0JkLmN0pQrStUvWxYz-AbCdEfGhIjKlMn_OpQrAA", ANTHROPIC);
}

static void test_home_paths(void **state)
{
	const struct scan_finding *f;

	(void)state;
	scan_text(SYSTEM_PREFIX, "Working directory: /home/alice\\nPlatform: linux", SYSTEM_SUFFIX);
	f = expect_at("env.home-path", "/home/alice", NULL);
	assert_int_equal(f->severity, SCAN_SEV_MEDIUM);
	assert_int_equal(f->origin, SCAN_ORIGIN_SYSTEM);
	assert_non_null(strstr(f->message, "/home/alice"));
	/* in tool calls, repeated: one finding with a count */
	scan_user("read /home/bob/project/src/main.c and /home/bob/project/src/util.c");
	f = expect_at("env.home-path", "/home/bob", NULL);
	assert_int_equal(f->count, 2);
	assert_int_equal(count_category("environment"), 1);
	scan_user("open /Users/carol/Library/Preferences/x.plist");
	expect_at("env.home-path", "/Users/carol", NULL);
	/* C:\\Users\\NAME, like the rarer details, in system prompts */
	scan_text(SYSTEM_PREFIX, "cwd C:\\\\Users\\\\dave\\\\Documents", SYSTEM_SUFFIX);
	expect_at("env.home-path", "C:\\\\Users\\\\dave", NULL);
	scan_user("/Users/Shared/Documents/file.txt and ~/.local/share and /tmp/x");
	expect_none("environment");
}

static void test_network(void **state)
{
	(void)state;
	/* addresses in system prompts (and headers); in other strings only
	 * inside a URL */
	scan_text(SYSTEM_PREFIX, "inet 10.0.12.7/24 and 192.168.1.10 and gw 172.20.1.1",
		  SYSTEM_SUFFIX);
	expect_at("env.private-ip", "10.0.12.7", NULL);
	assert_int_equal(count_category("environment"), 3);
	scan_text(SYSTEM_PREFIX, "public 172.32.0.1, 8.8.8.8, version 110.1.2.3 and 1.10.0.1.2",
		  SYSTEM_SUFFIX);
	expect_none("environment");
	scan_user("curl http://192.168.1.10:8080/status");
	expect_at("env.private-ip", "192.168.1.10", NULL);
	scan_text(SYSTEM_PREFIX, "link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff",
		  SYSTEM_SUFFIX);
	expect_at("env.mac-address", "52:54:00:12:34:56", NULL);
	assert_int_equal(count_category("environment"), 1);
	scan_text(SYSTEM_PREFIX, "at 12:34:56 and 00:00:00:00:00:00", SYSTEM_SUFFIX);
	expect_none("environment");
	scan_user("$ cat /etc/machine-id\\n4b6f2a9c8d7e6f5a4b3c2d1e0f9a8b7c\\n");
	expect_at("env.machine-id", "4b6f2a9c8d7e6f5a4b3c2d1e0f9a8b7c", NULL);
	scan_user("commit 4b6f2a9c8d7e6f5a4b3c2d1e0f9a8b7c");
	expect_none("environment");
}

static void test_prompts_and_hosts(void **state)
{
	(void)state;
	scan_text(SYSTEM_PREFIX, "last: alice@devbox:~/src$ make\\nok", SYSTEM_SUFFIX);
	expect_at("env.user-prompt", "alice@devbox", NULL);
	scan_text(SYSTEM_PREFIX, "mail alice@example.com about it", SYSTEM_SUFFIX);
	expect_none("environment");
	scan_user("see https://wiki.corp/page and http://printer.local/");
	expect_at("env.internal-host", "wiki.corp", NULL);
	assert_int_equal(count_category("environment"), 2);
	scan_text(SYSTEM_PREFIX, "Host: build-01.internal", SYSTEM_SUFFIX);
	expect_at("env.internal-host", "build-01.internal", NULL);
	scan_user("threading.local() and ~/.local/share and self.local = 1");
	expect_none("environment");
}

static void test_system_prompt_only(void **state)
{
	(void)state;
	scan_text(SYSTEM_PREFIX, "Timezone: Europe/Berlin\\nLANG=de_DE.UTF-8", SYSTEM_SUFFIX);
	expect_at("env.timezone", "Europe/Berlin", NULL);
	expect_at("env.locale", "LANG=de_DE.UTF-8", NULL);
	scan_user("Timezone: Europe/Berlin\\nLANG=de_DE.UTF-8");
	expect_none("environment");
}

static void test_self_facts(void **state)
{
	struct scan_options opt = { 0 };
	struct scan_engine *mine;
	char err[256];

	(void)state;
	opt.self.hostname = "devbox42";
	opt.self.username = "alice";
	opt.self.home = "/srv/alice";
	mine = scan_engine_new(&opt, err, sizeof(err));
	assert_non_null(mine);
	snprintf(body, sizeof(body), USER_PREFIX "%s" USER_SUFFIX,
		 "cd /srv/alice/x; alice@devbox42:~$ ls; ssh DevBox42 now");
	assert_int_equal(scan_body(mine, (const uint8_t *)body, strlen(body), &report), 0);
	expect_at("env.self-home", "/srv/alice", NULL);
	expect_at("env.self-hostname", "devbox42", NULL);
	assert_int_equal(find("env.self-hostname")->count, 1); /* DevBox42 is another */
	/* the word "alice" inside its home is the home; in the prompt it is the name */
	assert_int_equal(find("env.self-username")->byte_offset,
			 (size_t)(strstr(body, "alice@") - body));
	assert_int_equal(find("env.self-username")->count, 1);
	assert_int_equal(find("env.self-home")->severity, SCAN_SEV_HIGH);
	scan_engine_free(mine);

	/* a generic user name is no fact worth a word match */
	opt.self.username = "dev";
	opt.self.home = "/home/dev";
	mine = scan_engine_new(&opt, err, sizeof(err));
	assert_non_null(mine);
	snprintf(body, sizeof(body), USER_PREFIX "%s" USER_SUFFIX,
		 "the dev server at /home/dev/project/app.py");
	assert_int_equal(scan_body(mine, (const uint8_t *)body, strlen(body), &report), 0);
	expect_at("env.self-home", "/home/dev", NULL);
	assert_int_equal(count_category("environment"), 1);
	scan_engine_free(mine);
}

static void test_headers(void **state)
{
	struct scan_header h[] = {
		{ "x-api-key", (const uint8_t *)ANTHROPIC, strlen(ANTHROPIC) },
		{ "Authorization", (const uint8_t *)"Bearer " OPENAI, strlen("Bearer " OPENAI) },
		{ "User-Agent", (const uint8_t *)"tool/1.0 (" GITHUB ")", strlen("tool/1.0 (" GITHUB ")") },
		{ "X-Forwarded-For", (const uint8_t *)"10.1.2.3", 8 },
		{ "X-Workdir", (const uint8_t *)"/home/erin/src", 14 },
	};
	char fp[SCAN_FINGERPRINT_MAX];
	const struct scan_finding *f;
	size_t i;

	(void)state;
	assert_int_equal(scan_headers(engine, h, 5, &report), 0);
	for (i = 0; i < report.nfindings; i++) {
		f = &report.findings[i];
		assert_int_equal(f->origin, SCAN_ORIGIN_METADATA);
		assert_int_equal(strncmp(f->json_path, "header:", 7), 0);
		assert_null(strstr(f->message, ANTHROPIC));
		assert_null(strstr(f->message, OPENAI));
		assert_null(strstr(f->message, GITHUB));
	}
	f = find("secret.api-key-header");
	assert_non_null(f);
	assert_int_equal(f->severity, SCAN_SEV_INFO);
	assert_string_equal(f->json_path, "header:x-api-key");
	assert_int_equal(f->byte_offset, 0);
	assert_int_equal(f->byte_length, strlen(ANTHROPIC));
	scan_secret_fingerprint((const uint8_t *)ANTHROPIC, strlen(ANTHROPIC), fp, sizeof(fp));
	assert_string_equal(f->fingerprint, fp);
	/* the bearer key: after the scheme word */
	for (i = 0; i < report.nfindings; i++)
		if (!strcmp(report.findings[i].json_path, "header:Authorization"))
			break;
	assert_true(i < report.nfindings);
	assert_string_equal(report.findings[i].rule, "secret.api-key-header");
	assert_int_equal(report.findings[i].byte_offset, 7);
	/* a key where no key belongs is a leak */
	f = find("secret.github-token");
	assert_non_null(f);
	assert_string_equal(f->json_path, "header:User-Agent");
	assert_int_equal(f->byte_offset, 10);
	assert_int_equal(f->severity, SCAN_SEV_CRITICAL);
	assert_non_null(find("env.private-ip"));
	assert_non_null(find("env.home-path"));
	assert_int_equal(report.nfindings, 5);
}

static void test_fingerprint(void **state)
{
	char out[SCAN_FINGERPRINT_MAX], mask[128];

	(void)state;
	/* SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223... */
	assert_int_equal(scan_secret_fingerprint((const uint8_t *)"abc", 3, out, sizeof(out)), 23);
	assert_string_equal(out, "sha256:ba7816bf8f01cfea");
	assert_true(scan_secret_fingerprint((const uint8_t *)"0123456789abcdefWXYZ", 20, out,
					    sizeof(out)) > 0);
	assert_non_null(strstr(out, ", last4 WXYZ"));
	assert_int_equal(strncmp(out, "sha256:", 7), 0);
	assert_int_equal(scan_secret_fingerprint((const uint8_t *)"abc", 3, out, 10), -1);
	assert_true(scan_secret_mask((const uint8_t *)"sk-ant-0123456789abcdefWXYZ", 27, 7, mask,
				     sizeof(mask)) > 0);
	assert_int_equal(strncmp(mask, "sk-ant-\xE2\x80\xA6(sha256:", 17), 0);
	assert_non_null(strstr(mask, "last4 WXYZ)"));
	assert_null(strstr(mask, "0123456789"));
}

/* Every secret of this file in one body: none in clear in any message. */
static void test_no_secret_in_messages(void **state)
{
	static const char *const secrets[] = {
		ANTHROPIC, OPENAI, AWS_ID, AWS_KEY, GITHUB, GITLAB, SLACK, GOOGLE, STRIPE,
		JWT, PASSWORD, URLPASS,
	};
	size_t i, k;

	(void)state;
	scan_user(ANTHROPIC " " OPENAI " " AWS_ID " " AWS_KEY " " GITHUB " " GITLAB " " SLACK " "
		  GOOGLE " " STRIPE " " JWT " PASSWORD=" PASSWORD " mysql://root:" URLPASS "@h/x");
	assert_true(count_category("secret") >= 11);
	for (i = 0; i < report.nfindings; i++)
		for (k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
			assert_null(strstr(report.findings[i].message, secrets[k]));
}

/* A string so full of places to look at that the scan falls back to
 * Vectorscan over the whole string: the secret in it is still found. */
static void test_dense_string(void **state)
{
	size_t n = 64 * 1024, i;
	char *text = malloc(n + 200), *big = malloc(n + 400);

	(void)state;
	assert_non_null(text);
	assert_non_null(big);
	for (i = 0; i + 4 <= n; i += 4)
		memcpy(text + i, "a=b ", 4);
	snprintf(text + i, 200, "%s", "key " GITHUB " end");
	snprintf(big, n + 400, USER_PREFIX "%s" USER_SUFFIX, text);
	assert_int_equal(scan_body(engine, (const uint8_t *)big, strlen(big), &report), 0);
	assert_non_null(find("secret.github-token"));
	assert_int_equal(find("secret.github-token")->byte_offset,
			 (size_t)(strstr(big, GITHUB) - big));
	free(text);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anthropic),
		cmocka_unit_test(test_anthropic_near_misses),
		cmocka_unit_test(test_openai),
		cmocka_unit_test(test_aws),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_private_key),
		cmocka_unit_test(test_assignments),
		cmocka_unit_test(test_url_credentials),
		cmocka_unit_test(test_unicode_escapes),
		cmocka_unit_test(test_home_paths),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_prompts_and_hosts),
		cmocka_unit_test(test_system_prompt_only),
		cmocka_unit_test(test_self_facts),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_no_secret_in_messages),
		cmocka_unit_test(test_dense_string),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
