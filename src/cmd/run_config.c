/* SPDX-License-Identifier: MIT */
/*
 * run_config.c - `overt run --config FILE`: a session's policy as a file.
 *
 * {"schema": 1, "upstream": "https://api.anthropic.com",
 *  "proxy_config": "proxy.json", "db": "/var/lib/overt/audit.db",
 *  "allow_read": ["/opt/tools"], "allow_write": ["/work/cache"],
 *  "allow_host": ["registry.npmjs.org"], "env_pass": ["ANTHROPIC_API_KEY"],
 *  "env": {"NAME": "value"}, "lang": "C.UTF-8", "tz": "UTC",
 *  "allow_degraded": false, "fresh_home": false, "home_template": "/etc/overt/home"}
 *
 * Strict like the proxy's configuration: an unknown key or a value of the
 * wrong type is an error naming it, since a misspelt "allow_hosts" would
 * otherwise run a session with a policy other than the one written down.
 * Options on the command line add to the lists and override the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/run.h"
#include "json/json.h"
#include "util/file.h"
#include "util/banned.h"

struct loader {
	struct run_opts *o;
	char msg[160];
};

static char *keep(struct run_config *c, char *s)
{
	char **v;

	if (!s)
		return NULL;
	v = realloc(c->strings, (c->n + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return NULL;
	}
	c->strings = v;
	c->strings[c->n++] = s;
	return s;
}

static char *string_value(struct run_config *c, const struct json_walker *w, size_t start,
			  size_t end)
{
	return keep(c, json_string_dup(w->body, start, end, 64 * 1024));
}

static int bad(struct loader *l, const char *what, const struct json_seg *seg)
{
	int n = seg && seg->key ? (int)(seg->keylen > 48 ? 48 : seg->keylen) : 0;

	snprintf(l->msg, sizeof(l->msg), "%s '%.*s'", what, n, n ? (const char *)seg->key : "");
	return -1;
}

static struct run_list *list_slot(struct run_opts *o, const struct json_seg *seg)
{
	if (json_seg_is(seg, "allow_read"))
		return &o->read;
	if (json_seg_is(seg, "allow_write"))
		return &o->write;
	if (json_seg_is(seg, "allow_host"))
		return &o->hosts;
	if (json_seg_is(seg, "env_pass"))
		return &o->pass;
	return NULL;
}

static const char **string_slot(struct run_opts *o, const struct json_seg *seg)
{
	if (json_seg_is(seg, "upstream"))
		return &o->upstream;
	if (json_seg_is(seg, "proxy_config"))
		return &o->proxy_config;
	if (json_seg_is(seg, "db"))
		return &o->db;
	if (json_seg_is(seg, "lang"))
		return &o->lang;
	if (json_seg_is(seg, "tz"))
		return &o->tz;
	if (json_seg_is(seg, "home_template"))
		return &o->home_template;
	return NULL;
}

static bool *bool_slot(struct run_opts *o, const struct json_seg *seg)
{
	if (json_seg_is(seg, "allow_degraded"))
		return &o->degraded;
	if (json_seg_is(seg, "fresh_home"))
		return &o->fresh_home;
	return NULL;
}

/* "env": {"NAME": "value"} becomes "NAME=value", as --env takes it. */
static int env_value(struct loader *l, const struct json_walker *w, size_t start, size_t end)
{
	const struct json_seg *seg = &w->segs[1];
	char *v = string_value(&l->o->file, w, start, end), *kv;

	if (!v || !seg->keylen || memchr(seg->key, '=', seg->keylen))
		return bad(l, "a variable name and a string expected in", &w->segs[0]);
	kv = malloc(seg->keylen + strlen(v) + 2);
	if (!kv || !keep(&l->o->file, kv))
		return bad(l, "out of memory at", &w->segs[0]);
	memcpy(kv, seg->key, seg->keylen);
	kv[seg->keylen] = '=';
	memcpy(kv + seg->keylen + 1, v, strlen(v) + 1);
	return run_list_add(&l->o->setenv, kv) ? bad(l, "out of memory at", &w->segs[0]) : 0;
}

static int on_value(void *ctx, const struct json_walker *w, enum json_kind kind,
		    size_t start, size_t end)
{
	struct loader *l = ctx;
	const struct json_seg *top = w->depth ? &w->segs[0] : NULL;
	struct run_list *list;
	const char **str;
	bool *flag;
	char *v;

	if (w->depth == 0 || !top->key)
		return kind == JSON_OBJECT && !top ? 0 : bad(l, "an object expected", NULL);
	list = list_slot(l->o, top);
	if (w->depth == 2 && json_seg_is(top, "env"))
		return kind == JSON_STRING ? env_value(l, w, start, end)
					   : bad(l, "a string expected in", top);
	if (w->depth == 2 && list) {
		if (kind != JSON_STRING)
			return bad(l, "a string expected in", top);
		v = string_value(&l->o->file, w, start, end);
		return !v || run_list_add(list, v) ? bad(l, "out of memory at", top) : 0;
	}
	if (w->depth > 1)
		return bad(l, "too deep a value in", top);
	if (list || json_seg_is(top, "env"))
		return kind == (list ? JSON_ARRAY : JSON_OBJECT) ? 0 :
		       bad(l, list ? "a list expected for" : "an object expected for", top);
	if (json_seg_is(top, "schema"))
		return kind == JSON_NUMBER && end - start == 1 && w->body[start] == '1' ? 0 :
		       bad(l, "only schema 1 is known, not that of", top);
	if ((flag = bool_slot(l->o, top))) {
		if (kind != JSON_TRUE && kind != JSON_FALSE)
			return bad(l, "true or false expected for", top);
		*flag = kind == JSON_TRUE;
		return 0;
	}
	str = string_slot(l->o, top);
	if (!str)
		return bad(l, "unknown key", top);
	if (kind != JSON_STRING)
		return bad(l, "a string expected for", top);
	*str = string_value(&l->o->file, w, start, end);
	return *str ? 0 : bad(l, "out of memory at", top);
}

static int load(const char *path, struct run_opts *o)
{
	struct loader l = { .o = o };
	struct json_visitor v = { .ctx = &l, .value = on_value };
	struct json_error jerr = { 0 };
	struct buf text;
	int rc;

	buf_init(&text, 1 << 20);
	rc = read_small_file(path, &text);
	if (rc) {
		fprintf(stderr, "overt: cannot read '%s': %s\n", path,
			rc == READ_EIO ? strerror(errno) : "larger than 1 MiB or out of memory");
		buf_release(&text);
		return EXIT_CONFIG;
	}
	rc = json_walk((const uint8_t *)(text.data ? text.data : ""), text.len, 8, &v, &jerr);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
		snprintf(l.msg, sizeof(l.msg), "%s", jerr.msg);
	buf_release(&text);
	if (rc) {
		fprintf(stderr, "overt: bad run configuration '%s': %s\n", path,
			l.msg[0] ? l.msg : "out of memory");
		return EXIT_CONFIG;
	}
	return 0;
}

int run_config_find(int argc, char **argv, struct run_opts *o)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return load(argv[i + 1], o);
		if (!strncmp(argv[i], "--config=", 9))
			return load(argv[i] + 9, o);
	}
	return 0;
}

void run_config_release(struct run_config *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->strings[i]);
	free(c->strings);
	memset(c, 0, sizeof(*c));
}
