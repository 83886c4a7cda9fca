/* SPDX-License-Identifier: MIT */
/*
 * test_inventory.c - the inventory's pure parts: SemVer precedence and
 * npm-style ranges, OSV advisories (parsing, range evaluation, the
 * compiled-in marker advisory), policy files (strictness, first match,
 * conditions, advisory severity) and the verdicts they give.
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
#include "inventory/inventory.h"
#include "util/banned.h"

static void test_semver_cmp(void **state)
{
	(void)state;
	assert_int_equal(inv_semver_cmp("2.1.91", "2.1.100"), -1);
	assert_int_equal(inv_semver_cmp("2.1.100", "2.1.91"), 1);
	assert_int_equal(inv_semver_cmp("1.0.0", "v1.0.0"), 0);
	assert_int_equal(inv_semver_cmp("1.0.0-alpha", "1.0.0"), -1);
	assert_int_equal(inv_semver_cmp("1.0.0-alpha.1", "1.0.0-alpha.beta"), -1);
	assert_int_equal(inv_semver_cmp("1.0.0-beta.11", "1.0.0-beta.2"), 1);
	assert_int_equal(inv_semver_cmp("1.0.0+build.5", "1.0.0"), 0);
	assert_int_equal(inv_semver_cmp("garbage", "0.0.1"), -1);
	assert_int_equal(inv_semver_cmp("1.2", "1.2.0"), -1);  /* not a full version */
}

static void test_semver_ranges(void **state)
{
	static const struct { const char *v, *range; int want; } cases[] = {
		{ "2.1.91", ">=2.1.91 <2.1.198", 1 },
		{ "2.1.90", ">=2.1.91 <2.1.198", 0 },
		{ "2.1.198", ">=2.1.91 <2.1.198", 0 },
		{ "2.1.197", "2.1.91 - 2.1.197", 1 },
		{ "2.1.198", "2.1.91 - 2.1.197", 0 },
		{ "2.1.5", "2.1.91 - 2.1", 0 },
		{ "2.1.400", "2.1.91 - 2.1", 1 },
		{ "2.2.0", "2.1.91 - 2.1", 0 },
		{ "1.9.0", "^1.2.3", 1 },
		{ "2.0.0", "^1.2.3", 0 },
		{ "0.2.9", "^0.2.3", 1 },
		{ "0.3.0", "^0.2.3", 0 },
		{ "0.0.4", "^0.0.3", 0 },
		{ "1.2.9", "~1.2.3", 1 },
		{ "1.3.0", "~1.2.3", 0 },
		{ "1.5.0", "1.x", 1 },
		{ "2.0.0", "1.x || >=3", 0 },
		{ "3.0.1", "1.x || >=3", 1 },
		{ "0.0.1", "*", 1 },
		{ "2.0.0-beta.1", ">=1.9", 1 },
		{ "2.0.0-beta.1", "<2", 0 },
		{ "1.2.4", ">1.2", 0 },
		{ "1.3.0", ">1.2", 1 },
		{ "1.2.9", "<=1.2", 1 },
		{ "1.3.0", "<=1.2", 0 },
		{ "1.2.3", "=1.2.3", 1 },
		{ "unknown", ">=0", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = inv_semver_satisfies(cases[i].v, cases[i].range);

		if (got != cases[i].want)
			fail_msg("%s in '%s': got %d, want %d", cases[i].v, cases[i].range, got,
				 cases[i].want);
	}
	assert_int_equal(inv_semver_satisfies("1.0.0", ">=1.0.0 garbage"), -1);
	assert_int_equal(inv_semver_satisfies("1.0.0", ">=1..0"), -1);
	assert_int_equal(inv_semver_satisfies("1.0.0", "1.0.0 -"), -1);
	assert_int_equal(inv_semver_satisfies("1.0.0", "1.0.0 |x 2"), -1);  /* found by fuzzing: looped */
	assert_int_equal(inv_semver_satisfies("1.0.0", "1.0.0 ||"), 1);
}

static const char osv[] =
	"{\"schema_version\":\"1.6.0\",\"id\":\"TEST-1\",\"summary\":\"s\","
	"\"aliases\":[],\"references\":[{\"type\":\"WEB\",\"url\":\"https://x\"}],"
	"\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"pkg\"},"
	"\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"fixed\":\"1.5.0\"},"
	"{\"introduced\":\"1.2.0\"},{\"introduced\":\"2.0.0\"},{\"last_affected\":\"2.0.3\"}]},"
	"{\"type\":\"GIT\",\"repo\":\"r\",\"events\":[{\"introduced\":\"0\"}]}],"
	"\"versions\":[\"0.9.9\"]}],"
	"\"database_specific\":{\"severity\":\"MODERATE\"}}";

static void test_advisory(void **state)
{
	struct inv_advisories a = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(inv_advisory_parse(&a, "t.json", osv, sizeof(osv) - 1, err,
					    sizeof(err)), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.v[0].severity, SCAN_SEV_MEDIUM);
	assert_false(inv_advisory_affects(&a.v[0], "pkg", "1.1.9"));
	assert_true(inv_advisory_affects(&a.v[0], "pkg", "1.2.0"));
	assert_true(inv_advisory_affects(&a.v[0], "pkg", "1.4.99"));
	assert_false(inv_advisory_affects(&a.v[0], "pkg", "1.5.0"));
	assert_true(inv_advisory_affects(&a.v[0], "pkg", "2.0.3"));
	assert_false(inv_advisory_affects(&a.v[0], "pkg", "2.0.4"));
	assert_true(inv_advisory_affects(&a.v[0], "pkg", "0.9.9"));
	assert_false(inv_advisory_affects(&a.v[0], "other", "1.3.0"));
	assert_int_equal(inv_advisory_parse(&a, "bad.json", "{\"id\":\"x\"}", 10, err,
					    sizeof(err)), INV_EFORMAT);
	assert_non_null(strstr(err, "bad.json"));
	assert_int_equal(inv_advisory_parse(&a, "sev.json", "{\"id\":\"x\",\"affected\":[{}],"
					    "\"database_specific\":{\"severity\":\"SEVERE\"}}",
					    68, err, sizeof(err)), INV_EFORMAT);
	inv_advisories_free(&a);
}

/* The compiled-in marker advisory covers exactly the releases established
 * in it: 2.1.91 up to, not including, 2.1.198. */
static void test_builtin_marker(void **state)
{
	struct inv_advisories a = { 0 };
	const struct inv_advisory *m = NULL;
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(inv_advisories_load_builtin(&a, err, sizeof(err)), 0);
	for (i = 0; i < a.n; i++)
		if (!strcmp(a.v[i].id, "OVERT-2026-0001"))
			m = &a.v[i];
	assert_non_null(m);
	assert_int_equal(m->severity, SCAN_SEV_CRITICAL);
	assert_false(inv_advisory_affects(m, "@anthropic-ai/claude-code", "2.1.90"));
	assert_true(inv_advisory_affects(m, "@anthropic-ai/claude-code", "2.1.91"));
	assert_true(inv_advisory_affects(m, "@anthropic-ai/claude-code", "2.1.197"));
	assert_false(inv_advisory_affects(m, "@anthropic-ai/claude-code", "2.1.198"));
	assert_false(inv_advisory_affects(m, "@openai/codex", "2.1.100"));
	inv_advisories_free(&a);
}

/* The fields inventory added to the agent definitions load. */
static void test_agent_fields(void **state)
{
	struct agent_set set = { 0 };
	const struct agent_def *claude;

	(void)state;
	assert_int_equal(agent_set_load_builtin(&set), 0);
	claude = agent_find(&set, "claude");
	assert_non_null(claude);
	assert_int_equal(claude->brew.n, 1);
	assert_string_equal(claude->brew.v[0], "claude-code");
	assert_string_equal(claude->jetbrains.v[0], "claude-code-jetbrains-plugin");
	assert_string_equal(claude->native.v[0], "~/.local/share/claude/versions");
	assert_int_equal(agent_find(&set, "qoder")->brew.n, 0);
	agent_set_free(&set);
}

static const char policy_text[] =
	"{\"schema\":1,\"name\":\"test\",\"default\":\"allow\","
	"\"advisories\":{\"ban_at\":\"high\"},\"rules\":["
	"{\"agent\":\"qoder\",\"action\":\"ban\",\"reason\":\"not approved\"},"
	"{\"agent\":\"claude\",\"versions\":\"<2.0.0\",\"action\":\"ban\"},"
	"{\"agent\":\"claude\",\"action\":\"allow\",\"conditions\":{\"methods\":[\"npm\"]}},"
	"{\"agent\":\"codex\",\"action\":\"allow\",\"conditions\":{\"max_severity\":\"critical\"}},"
	"{\"agent\":\"*\",\"methods\":[\"cursor\"],\"action\":\"ban\"}]}";

static struct inv_install mk(const struct agent_def *a, const char *version,
			     const char *method)
{
	struct inv_install in;

	memset(&in, 0, sizeof(in));
	in.agent = a;
	in.version = version ? strdup(version) : NULL;
	in.method = method;
	in.path = strdup("/p");
	in.user = strdup("u");
	in.package = a->npm.n ? strdup(a->npm.v[0]) : NULL;
	return in;
}

static void test_policy(void **state)
{
	struct agent_set set = { 0 };
	struct inv_advisories adv = { 0 };
	struct inv_policy *p;
	struct inv_report r = { 0 };
	struct inv_install *v = calloc(7, sizeof(*v));
	char err[256];
	static const char adv_codex[] = "{\"id\":\"C-1\",\"affected\":[{\"package\":"
		"{\"ecosystem\":\"npm\",\"name\":\"@openai/codex\"},\"ranges\":[{\"type\":"
		"\"SEMVER\",\"events\":[{\"introduced\":\"0\"}]}]}],"
		"\"database_specific\":{\"severity\":\"HIGH\"}}";

	(void)state;
	assert_non_null(v);
	assert_int_equal(agent_set_load_builtin(&set), 0);
	assert_int_equal(inv_advisories_load_builtin(&adv, err, sizeof(err)), 0);
	assert_int_equal(inv_advisory_parse(&adv, "c", adv_codex, sizeof(adv_codex) - 1, err,
					    sizeof(err)), 0);
	p = inv_policy_parse("p.json", policy_text, sizeof(policy_text) - 1, err, sizeof(err));
	assert_non_null(p);
	v[0] = mk(agent_find(&set, "qoder"), "1.0.0", "npm");      /* banned by name */
	v[1] = mk(agent_find(&set, "claude"), "1.0.9", "npm");     /* old: banned */
	v[2] = mk(agent_find(&set, "claude"), "2.1.100", "npm");   /* allowed, but advisory */
	v[3] = mk(agent_find(&set, "claude"), "2.1.300", "volta"); /* method not allowed */
	v[4] = mk(agent_find(&set, "claude"), "2.1.300", "npm");   /* allowed */
	v[5] = mk(agent_find(&set, "codex"), "0.1.0", "npm");      /* high <= critical: allowed */
	v[6] = mk(agent_find(&set, "gemini"), "1.0.0", "cursor");  /* banned by method */
	r.v = v;
	r.n = 7;
	assert_int_equal(inv_judge(&r, &adv, p), 5);
	assert_int_equal(v[0].verdict, INV_BANNED);
	assert_string_equal(v[0].reason, "not approved");
	assert_int_equal(v[1].verdict, INV_BANNED);
	assert_int_equal(v[2].verdict, INV_BANNED);
	assert_non_null(strstr(v[2].reason, "OVERT-2026-0001"));
	assert_int_equal(v[3].verdict, INV_BANNED);
	assert_non_null(strstr(v[3].reason, "volta"));
	assert_int_equal(v[4].verdict, INV_ALLOWED);
	assert_int_equal(v[5].verdict, INV_ALLOWED);
	assert_int_equal(v[5].nadvisories, 1);
	assert_int_equal(v[6].verdict, INV_BANNED);
	inv_report_free(&r);
	inv_policy_free(p);
	inv_advisories_free(&adv);
	agent_set_free(&set);
}

static void test_policy_strict(void **state)
{
	static const char *const bad[] = {
		"{\"rules\":[{\"agent\":\"x\",\"version\":\">1\",\"action\":\"ban\"}]}",
		"{\"rules\":[{\"agent\":\"x\",\"versions\":\"> >\",\"action\":\"ban\"}]}",
		"{\"rules\":[{\"agent\":\"x\",\"action\":\"deny\"}]}",
		"{\"rules\":[{\"action\":\"ban\"}]}",
		"{\"default\":\"maybe\"}",
		"{\"schema\":2}",
		"{\"advisories\":{\"ban_at\":\"severe\"}}",
		"{\"rules\":[{\"agent\":\"x\",\"action\":\"allow\",\"conditions\":{\"os\":\"linux\"}}]}",
		"[]",
		"{\"rules\":",
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct inv_policy *p = inv_policy_parse("p", bad[i], strlen(bad[i]), err,
							sizeof(err));

		if (p)
			fail_msg("accepted: %s", bad[i]);
		assert_true(!strncmp(err, "p: ", 3));
	}
	assert_non_null(strstr(err, "byte"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semver_cmp),
		cmocka_unit_test(test_semver_ranges),
		cmocka_unit_test(test_advisory),
		cmocka_unit_test(test_builtin_marker),
		cmocka_unit_test(test_agent_fields),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
