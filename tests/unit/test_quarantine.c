/* SPDX-License-Identifier: MIT */
/*
 * test_quarantine.c - the quarantine's moves against a tree that changes
 * under it: a parent dir swapped for a symlink after planning is refused,
 * and a failure partway puts back everything that had moved.
 */
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

#include "inventory/internal.h"
#include "util/banned.h"

static char tmp[256];

static char *at(const char *rel)
{
	char *p = inv_path_join(tmp, rel);

	assert_non_null(p);
	return p;
}

static void touch(const char *rel)
{
	char *p = at(rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(rel, f);
	fclose(f);
	free(p);
}

static void mkd(const char *rel)
{
	char *p = at(rel);

	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
}

static int exists(const char *rel)
{
	struct stat st;
	char *p = at(rel);
	int rc = !lstat(p, &st);

	free(p);
	return rc;
}

/* A plan of the files @rels (as they are now) into tmp/q/ID. */
static void plan(struct inv_plan *p, const char *const *rels, size_t n)
{
	struct stat st;
	char name[64];
	size_t i;

	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "ID");
	p->dir = at("q/ID");
	p->agent = strdup("claude");
	p->v = calloc(n, sizeof(*p->v));
	assert_non_null(p->v);
	for (i = 0; i < n; i++) {
		p->v[i].from = at(rels[i]);
		assert_int_equal(lstat(p->v[i].from, &st), 0);
		snprintf(name, sizeof(name), "files/%zu-x", i);
		p->v[i].to = inv_path_join(p->dir, name);
		p->v[i].dev = st.st_dev;
		p->v[i].ino = st.st_ino;
		p->v[i].mode = st.st_mode;
		p->v[i].kind = "launcher";
		p->n++;
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/overt-quarantine-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd);
}

static void test_parent_symlink(void **state)
{
	static const char *const rels[] = { "home/bin/claude" };
	struct inv_plan p;
	char err[512] = "", *bin = at("home/bin"), *real = at("home/real");
	int rc;

	(void)state;
	mkd("home");
	mkd("home/bin");
	touch("home/bin/claude");
	plan(&p, rels, 1);
	/* After planning, the user moves the dir away and puts a symlink to
	 * it in its place: the same inode is reachable through the link. */
	assert_int_equal(rename(bin, real), 0);
	assert_int_equal(symlink("real", bin), 0);
	rc = inv_plan_execute(&p, err, sizeof(err));
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(err, "without following a symlink"));
	assert_true(exists("home/real/claude"));
	assert_false(exists("q/ID"));
	inv_plan_release(&p);
	free(bin);
	free(real);
}

static void test_partway(void **state)
{
	static const char *const rels[] = { "a/first", "b/second", "c/third" };
	struct inv_plan p;
	struct stat before, after;
	char err[512] = "", *b = at("b"), *b2 = at("b2");

	(void)state;
	mkd("a");
	mkd("b");
	mkd("c");
	touch("a/first");
	touch("b/second");
	touch("c/third");
	plan(&p, rels, 3);
	assert_int_equal(lstat(p.v[0].from, &before), 0);
	/* The second item's dir becomes a symlink: the first has moved by the
	 * time the second is refused, and must come back. */
	assert_int_equal(rename(b, b2), 0);
	assert_int_equal(symlink("b2", b), 0);
	assert_int_not_equal(inv_plan_execute(&p, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "second"));
	assert_int_equal(lstat(p.v[0].from, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_true(exists("b2/second"));
	assert_true(exists("c/third"));
	assert_false(exists("q/ID"));
	inv_plan_release(&p);
	/* The same with the second item replaced by another file. */
	assert_int_equal(unlink(b), 0);
	assert_int_equal(rename(b2, b), 0);
	plan(&p, rels, 3);
	touch("b/new");  /* while the old one exists: another inode */
	{
		char *fresh = at("b/new");

		assert_int_equal(rename(fresh, p.v[1].from), 0);
		free(fresh);
	}
	assert_int_not_equal(inv_plan_execute(&p, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "changed since it was looked at"));
	assert_true(exists("a/first"));
	assert_false(exists("q/ID"));
	/* Untouched, the plan goes through. */
	inv_plan_release(&p);
	plan(&p, rels, 3);
	assert_int_equal(inv_plan_execute(&p, err, sizeof(err)), 0);
	assert_false(exists("a/first"));
	assert_true(exists("q/ID/files/0-x") && exists("q/ID/files/2-x"));
	inv_plan_release(&p);
	/* A restore whose last item's dir became a symlink meanwhile: nothing
	 * is put through the link, and what went back returns to the entry. */
	{
		char *c = at("c"), *c2 = at("c2"), *q = at("q");

		assert_int_equal(rename(c, c2), 0);
		assert_int_equal(symlink("c2", c), 0);
		assert_int_not_equal(inv_restore(q, "ID", &p, err, sizeof(err)), 0);
		assert_non_null(strstr(err, "without following a symlink"));
		assert_false(exists("c2/third"));
		assert_true(exists("q/ID/files/0-x") && exists("q/ID/files/1-x") &&
			    exists("q/ID/files/2-x"));
		inv_plan_release(&p);
		/* With the real dir back, the restore goes through. */
		assert_int_equal(unlink(c), 0);
		assert_int_equal(rename(c2, c), 0);
		assert_int_equal(inv_restore(q, "ID", &p, err, sizeof(err)), 0);
		assert_true(exists("a/first") && exists("b/second") && exists("c/third"));
		assert_false(exists("q/ID"));
		inv_plan_release(&p);
		free(c);
		free(c2);
		free(q);
	}
	free(b);
	free(b2);
}

static void test_open_parent(void **state)
{
	const char *base;
	char *p = at("x/y/z");
	int fd;

	(void)state;
	mkd("x");
	mkd("x/y");
	fd = inv_open_parent(p, &base);
	assert_true(fd >= 0);
	assert_string_equal(base, "z");
	close(fd);
	assert_true(inv_open_parent("/x/", &base) < 0);
	assert_true(inv_open_parent("/..", &base) < 0);
	fd = inv_open_parent("//tmp//.", &base);
	assert_true(fd < 0);
	fd = inv_open_parent("/tmp", &base);
	assert_true(fd >= 0);
	assert_string_equal(base, "tmp");
	close(fd);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parent_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_parent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
