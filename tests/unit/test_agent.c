/* SPDX-License-Identifier: MIT */
/*
 * test_agent.c - agent definitions: every compiled-in file loads and says
 * what probe, run and inventory rely on; the loader refuses what it does
 * not understand, names the key, and leaks nothing when it does; a
 * directory of definitions replaces built-ins by name; templates expand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent.h"
#include "util/banned.h"

static void test_builtin(void **state)
{
	struct agent_set set = { 0 };
	const struct agent_def *claude, *codex, *gemini;
	size_t i;

	(void)state;
	assert_int_equal(agent_set_load_builtin(&set), 0);
	assert_true(set.n >= 7);
	claude = agent_find(&set, "claude");
	assert_non_null(claude);
	assert_string_equal(claude->base_url_env, "ANTHROPIC_BASE_URL");
	assert_string_equal(claude->key_env, "ANTHROPIC_API_KEY");
	assert_string_equal(claude->npm.v[0], "@anthropic-ai/claude-code");
	assert_string_equal(claude->api, "anthropic");
	codex = agent_find(&set, "codex");
	assert_non_null(codex);
	assert_null(codex->base_url_env);
	assert_int_equal(codex->base_url_args.n, 2);
	gemini = agent_find(&set, "gemini");
	assert_non_null(gemini);
	assert_int_equal(gemini->nfiles, 1);
	assert_string_equal(gemini->files[0].key, "~/.gemini/settings.json");
	assert_null(agent_find(&set, "nonesuch"));
	for (i = 0; i < set.n; i++) {
		assert_true(set.v[i].bin.n > 0);
		assert_true(set.v[i].npm.n > 0);
		assert_true(set.v[i].prompt.n > 0);
	}
	agent_set_free(&set);
}

static void expect_bad(const char *text, const char *msg)
{
	struct agent_def def;
	char err[256] = "";

	assert_int_not_equal(agent_parse(&def, "t.json", text, strlen(text), err, sizeof(err)), 0);
	if (!strstr(err, msg))
		fail_msg("error '%s' lacks '%s'", err, msg);
}

static void test_strict(void **state)
{
	(void)state;
	expect_bad("{\"name\":\"x\",\"key_evn\":\"K\"}", "unknown key 'key_evn'");
	expect_bad("{\"name\":\"x\",\"bin\":\"x\"}", "a list expected for 'bin'");
	expect_bad("{\"name\":\"x\",\"bin\":[1]}", "a string expected in 'bin'");
	expect_bad("{\"name\":\"x\",\"env\":{\"A\":1}}", "a string expected in 'env'");
	expect_bad("{\"name\":\"x\",\"base_url\":{\"env\":\"A\"}}", "needs a \"value\"");
	expect_bad("{\"name\":\"x\",\"base_url\":{\"env\":\"A\",\"value\":\"{url}\","
		   "\"args\":[\"-c\"]}}", "not both");
	expect_bad("{\"name\":\"x\",\"base_url\":{\"port\":\"1\"}}", "unknown base_url key 'port'");
	expect_bad("{\"title\":\"x\"}", "\"name\" is missing");
	expect_bad("[\"name\"]", "an object expected");
	expect_bad("{\"name\":\"x\",", "t.json");
}

static void test_dir_replaces(void **state)
{
	struct agent_set set = { 0 };
	char dir[] = "/tmp/overt-agentXXXXXX", path[256], err[256];
	const char *text = "{\"name\":\"claude\",\"bin\":[\"claude-wrapped\"],"
			   "\"prompt\":[\"-p\",\"{prompt}\"],\"npm\":[\"x\"]}";
	FILE *f;
	size_t before;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/claude.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(agent_set_load_builtin(&set), 0);
	before = set.n;
	assert_int_equal(agent_set_load_dir(&set, dir, err, sizeof(err)), 0);
	assert_int_equal(set.n, before);
	assert_string_equal(agent_find(&set, "claude")->bin.v[0], "claude-wrapped");
	assert_null(agent_find(&set, "claude")->base_url_env);
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"name\":\"b\",\"bogus\":1}", f);
	fclose(f);
	assert_int_not_equal(agent_set_load_dir(&set, dir, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "bad.json"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/claude.json", dir);
	unlink(path);
	rmdir(dir);
	assert_int_not_equal(agent_set_load_dir(&set, dir, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "cannot read"));
	agent_set_free(&set);
}

static void test_expand(void **state)
{
	char *s;

	(void)state;
	s = agent_expand("openai_base_url=\"{url}/v1\"", "http://h:1", NULL, NULL);
	assert_string_equal(s, "openai_base_url=\"http://h:1/v1\"");
	free(s);
	s = agent_expand("~/.gemini/{prompt}{url}", NULL, "say ok", "/home/u");
	assert_string_equal(s, "/home/u/.gemini/say ok{url}");
	free(s);
	s = agent_expand("", "u", "p", "/h");
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_dir_replaces),
		cmocka_unit_test(test_expand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
