/* SPDX-License-Identifier: MIT */
/*
 * agent.c - loading agent definitions (data/agents/NAME.json).
 *
 * Strict like the proxy's configuration: an unknown key or a value of the
 * wrong type is an error naming the key, since a misspelt "key_env" would
 * otherwise run an agent with no dummy key and let it look for a real one.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overt.h"
#include "agent/agent.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/banned.h"

extern const struct scan_scheme_source agent_builtin_files[];
extern const size_t agent_builtin_files_n;

struct loader {
	struct agent_def *def;
	char msg[160];
};

static char *string_value(const struct json_walker *w, size_t start, size_t end)
{
	return json_string_dup(w->body, start, end, 1024 * 1024);
}

static int bad(struct loader *l, const char *what, const struct json_seg *seg)
{
	int n = seg && seg->key ? (int)(seg->keylen > 48 ? 48 : seg->keylen) : 0;

	snprintf(l->msg, sizeof(l->msg), "%s '%.*s'", what, n,
		 n ? (const char *)seg->key : "");
	return -1;
}

static int list_add(struct agent_list *list, char *s)
{
	char **v;

	if (!s)
		return -ENOMEM;
	v = realloc(list->v, (list->n + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	v[list->n++] = s;
	list->v = v;
	return 0;
}

static int kv_add(struct agent_kv **kv, size_t *n, const struct json_seg *key, char *value)
{
	struct agent_kv *v;
	char *k;

	if (!value)
		return -ENOMEM;
	k = strndup((const char *)key->key, key->keylen);
	v = k ? realloc(*kv, (*n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(k);
		free(value);
		return -ENOMEM;
	}
	v[*n] = (struct agent_kv){ k, value };
	*kv = v;
	(*n)++;
	return 0;
}

static struct agent_list *list_slot(struct agent_def *d, const struct json_seg *seg)
{
	if (json_seg_is(seg, "npm"))
		return &d->npm;
	if (json_seg_is(seg, "bin"))
		return &d->bin;
	if (json_seg_is(seg, "state"))
		return &d->state;
	if (json_seg_is(seg, "extensions"))
		return &d->extensions;
	if (json_seg_is(seg, "prompt"))
		return &d->prompt;
	if (json_seg_is(seg, "brew"))
		return &d->brew;
	if (json_seg_is(seg, "jetbrains"))
		return &d->jetbrains;
	if (json_seg_is(seg, "native"))
		return &d->native;
	return NULL;
}

static char **string_slot(struct agent_def *d, const struct json_seg *seg)
{
	if (json_seg_is(seg, "name"))
		return &d->name;
	if (json_seg_is(seg, "title"))
		return &d->title;
	if (json_seg_is(seg, "vendor"))
		return &d->vendor;
	if (json_seg_is(seg, "api"))
		return &d->api;
	if (json_seg_is(seg, "key_env"))
		return &d->key_env;
	return NULL;
}

/* A value one level down: an element of a list, a member of env, files
 * or base_url. */
static int nested_value(struct loader *l, const struct json_walker *w, enum json_kind kind,
			size_t start, size_t end)
{
	const struct json_seg *top = &w->segs[0], *seg = &w->segs[1];
	struct agent_def *d = l->def;
	struct agent_list *list = list_slot(d, top);
	char **str = NULL;

	if (kind != JSON_STRING)
		return bad(l, "a string expected in", top);
	if (list)
		return list_add(list, string_value(w, start, end)) ? bad(l, "out of memory at", top) : 0;
	if (json_seg_is(top, "env"))
		return kv_add(&d->env, &d->nenv, seg, string_value(w, start, end)) ?
			       bad(l, "out of memory at", top) : 0;
	if (json_seg_is(top, "files"))
		return kv_add(&d->files, &d->nfiles, seg, string_value(w, start, end)) ?
			       bad(l, "out of memory at", top) : 0;
	if (!json_seg_is(top, "base_url"))
		return bad(l, "unknown key", top);
	if (json_seg_is(seg, "env"))
		str = &d->base_url_env;
	else if (json_seg_is(seg, "value"))
		str = &d->base_url_value;
	else
		return bad(l, "unknown base_url key", seg);
	free(*str);
	*str = string_value(w, start, end);
	return *str ? 0 : bad(l, "out of memory at", seg);
}

static int on_value(void *ctx, const struct json_walker *w, enum json_kind kind,
		    size_t start, size_t end)
{
	struct loader *l = ctx;
	const struct json_seg *top = w->depth ? &w->segs[0] : NULL;
	char **str;

	if (w->depth == 0 || !top->key)
		return kind == JSON_OBJECT && !top ? 0 : bad(l, "an object expected", NULL);
	if (w->depth == 3 && json_seg_is(top, "base_url") && json_seg_is(&w->segs[1], "args")) {
		if (kind != JSON_STRING)
			return bad(l, "a string expected in", &w->segs[1]);
		return list_add(&l->def->base_url_args, string_value(w, start, end)) ?
			       bad(l, "out of memory at", top) : 0;
	}
	if (w->depth == 2 && json_seg_is(top, "base_url") && json_seg_is(&w->segs[1], "args"))
		return kind == JSON_ARRAY ? 0 : bad(l, "a list expected for", &w->segs[1]);
	if (w->depth == 2)
		return nested_value(l, w, kind, start, end);
	if (w->depth > 2)
		return bad(l, "too deep a value in", top);
	if (list_slot(l->def, top))
		return kind == JSON_ARRAY ? 0 : bad(l, "a list expected for", top);
	if (json_seg_is(top, "env") || json_seg_is(top, "files") || json_seg_is(top, "base_url"))
		return kind == JSON_OBJECT ? 0 : bad(l, "an object expected for", top);
	str = string_slot(l->def, top);
	if (!str)
		return bad(l, "unknown key", top);
	if (kind != JSON_STRING)
		return bad(l, "a string expected for", top);
	free(*str);
	*str = string_value(w, start, end);
	return *str ? 0 : bad(l, "out of memory at", top);
}

static int check(struct loader *l)
{
	const struct agent_def *d = l->def;

	if (!d->name || !d->name[0])
		return snprintf(l->msg, sizeof(l->msg), "\"name\" is missing"), -1;
	if (d->base_url_env && !d->base_url_value)
		return snprintf(l->msg, sizeof(l->msg), "base_url \"env\" needs a \"value\""), -1;
	if (d->base_url_env && d->base_url_args.n)
		return snprintf(l->msg, sizeof(l->msg),
				"base_url takes \"env\" or \"args\", not both"), -1;
	return 0;
}

int agent_parse(struct agent_def *def, const char *name, const char *text, size_t len,
		char *err, size_t errlen)
{
	struct loader l = { .def = def };
	struct json_visitor v = { .ctx = &l, .value = on_value };
	struct json_error jerr = { 0 };
	int rc;

	memset(def, 0, sizeof(*def));
	rc = json_walk((const uint8_t *)text, len, 8, &v, &jerr);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
		snprintf(l.msg, sizeof(l.msg), "%s", jerr.msg);
	if (!rc)
		rc = check(&l);
	if (rc) {
		snprintf(err, errlen, "bad agent definition '%s': %s", name,
			 l.msg[0] ? l.msg : "out of memory");
		agent_def_free(def);
		return -EINVAL;
	}
	return 0;
}

/* Adds @def to @set, replacing a definition of the same name. */
static int set_put(struct agent_set *set, struct agent_def *def)
{
	struct agent_def *v;
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (!strcmp(set->v[i].name, def->name)) {
			agent_def_free(&set->v[i]);
			set->v[i] = *def;
			return 0;
		}
	}
	v = realloc(set->v, (set->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[set->n++] = *def;
	set->v = v;
	return 0;
}

int agent_set_load_builtin(struct agent_set *set)
{
	char err[256];
	size_t i;

	for (i = 0; i < agent_builtin_files_n; i++) {
		const struct scan_scheme_source *f = &agent_builtin_files[i];
		struct agent_def def;

		/* Compiled-in files are checked by the test suite; a failure
		 * here is a broken build, reported as such. */
		if (agent_parse(&def, f->name, f->text, f->len, err, sizeof(err))) {
			fprintf(stderr, "overt: %s\n", err);
			return -EINVAL;
		}
		if (set_put(set, &def)) {
			agent_def_free(&def);
			return -ENOMEM;
		}
	}
	return 0;
}

static int load_one(struct agent_set *set, const char *path, char *err, size_t errlen)
{
	struct agent_def def;
	struct buf text;
	int rc;

	buf_init(&text, 1024 * 1024);
	rc = read_small_file(path, &text);
	if (rc) {
		snprintf(err, errlen, "cannot read agent definition '%s': %s", path,
			 rc == READ_EIO ? strerror(errno) :
			 rc == BUF_ETOOBIG ? "larger than 1 MiB" : "out of memory");
		buf_release(&text);
		return rc == READ_EIO ? -EIO : -ENOMEM;
	}
	rc = agent_parse(&def, path, (const char *)text.data, text.len, err, errlen);
	buf_release(&text);
	if (rc)
		return rc;
	if (set_put(set, &def)) {
		agent_def_free(&def);
		return -ENOMEM;
	}
	return 0;
}

int agent_set_load_dir(struct agent_set *set, const char *dir, char *err, size_t errlen)
{
	struct dirent **names;
	int i, n, rc = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		snprintf(err, errlen, "cannot read agent definitions in '%s': %s", dir,
			 strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t len = strlen(nm);
		char path[4096];

		if (!rc && len > 5 && !strcmp(nm + len - 5, ".json")) {
			snprintf(path, sizeof(path), "%s/%s", dir, nm);
			rc = load_one(set, path, err, errlen);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

const struct agent_def *agent_find(const struct agent_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].name, name))
			return &set->v[i];
	return NULL;
}

static void list_free(struct agent_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void kv_free(struct agent_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void agent_def_free(struct agent_def *d)
{
	free(d->name);
	free(d->title);
	free(d->vendor);
	free(d->api);
	list_free(&d->npm);
	list_free(&d->bin);
	list_free(&d->state);
	list_free(&d->extensions);
	list_free(&d->brew);
	list_free(&d->jetbrains);
	list_free(&d->native);
	free(d->base_url_env);
	free(d->base_url_value);
	list_free(&d->base_url_args);
	free(d->key_env);
	kv_free(d->env, d->nenv);
	kv_free(d->files, d->nfiles);
	list_free(&d->prompt);
	memset(d, 0, sizeof(*d));
}

void agent_set_free(struct agent_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		agent_def_free(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

char *agent_expand(const char *tmpl, const char *url, const char *prompt, const char *home)
{
	struct buf b;
	const char *p = tmpl;

	buf_init(&b, 1u << 30);
	if (home && !strncmp(p, "~/", 2)) {
		if (buf_adds(&b, home) || buf_addc(&b, '/'))
			goto oom;
		p += 2;
	}
	while (*p) {
		if (url && !strncmp(p, "{url}", 5)) {
			if (buf_adds(&b, url))
				goto oom;
			p += 5;
		} else if (prompt && !strncmp(p, "{prompt}", 8)) {
			if (buf_adds(&b, prompt))
				goto oom;
			p += 8;
		} else if (buf_addc(&b, *p++)) {
			goto oom;
		}
	}
	return buf_take(&b);
oom:
	buf_release(&b);
	return NULL;
}
