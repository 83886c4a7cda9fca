/* SPDX-License-Identifier: MIT */
/*
 * load.c - read what a cell's mock and proxy recorder wrote into requests
 * made of leaves: one (JSON path, value) pair per string, number or
 * literal of the body, and one per header.
 *
 * Requests are aligned across cells by a key, not by arrival order alone:
 * the endpoint, the model asked for, and the ordinal among requests with
 * the same endpoint and model.  Agents send side requests (titles, token
 * counts, quota checks) concurrently with the main one, and their order
 * varies from run to run; their models and endpoints do not.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "json/json.h"
#include "probe/probe.h"
#include "util/file.h"
#include "util/banned.h"

#define RECORD_MAX ((size_t)256 << 20)
#define MAX_DEPTH 256

/* Headers that differ by construction, not by the agent's choice: the
 * host is a factor itself, the length follows the body, and the relay
 * adds Connection: close. */
static const char *const ignored_headers[] = { "host", "content-length", "connection",
					       "keep-alive", "proxy-connection" };

struct record {
	struct buf method, path, body, body64;
	struct buf hname, hvalue;
	struct probe_request *req;
	int err;
};

static int add_leaf(struct probe_request *r, const char *path, size_t plen, const char *v,
		    size_t n, int is_string)
{
	struct probe_leaf *l;

	/* Capacity is 4, then each power of two: grow when full. */
	if (!r->nleaves || (r->nleaves >= 4 && !(r->nleaves & (r->nleaves - 1)))) {
		l = realloc(r->leaves, (r->nleaves ? 2 * r->nleaves : 4) * sizeof(*l));
		if (!l)
			return -ENOMEM;
		r->leaves = l;
	}
	l = &r->leaves[r->nleaves];
	l->path = strndup(path, plen);
	l->value = malloc(n + 1);
	if (!l->path || !l->value) {
		free(l->path);
		free(l->value);
		return -ENOMEM;
	}
	memcpy(l->value, v, n);
	l->value[n] = '\0';
	l->len = n;
	l->is_string = is_string;
	r->nleaves++;
	return 0;
}

static int add_header(struct probe_request *r, const char *name, size_t n, const char *v,
		      size_t vn)
{
	char path[300];
	size_t i, k;
	int dup = 1;

	for (i = 0; i < sizeof(ignored_headers) / sizeof(*ignored_headers); i++)
		if (strlen(ignored_headers[i]) == n && !strncasecmp(name, ignored_headers[i], n))
			return 0;
	if (n > 200)
		n = 200;
	k = (size_t)snprintf(path, sizeof(path), "header:%.*s", (int)n, name);
	for (i = 7; i < k; i++)
		if (path[i] >= 'A' && path[i] <= 'Z')
			path[i] = (char)(path[i] - 'A' + 'a');
	for (i = 0; i < r->nleaves; i++)
		if (!strncmp(r->leaves[i].path, path, k) &&
		    (r->leaves[i].path[k] == '\0' || r->leaves[i].path[k] == '#'))
			dup++;
	if (dup > 1)
		k += (size_t)snprintf(path + k, sizeof(path) - k, "#%d", dup);
	return add_leaf(r, path, k, v, vn, 1);
}

/* ---- the body's leaves ---- */

struct body_walk {
	struct probe_request *req;
	struct buf path, text;
};

static int body_string(void *ctx, const struct json_walker *w, size_t start, size_t end,
		       int is_key)
{
	struct body_walk *b = ctx;

	if (is_key)
		return 0;
	buf_reset(&b->path);
	buf_reset(&b->text);
	if (json_path_format(w, &b->path) ||
	    json_unescape(w->body + start, end - start, &b->text))
		return -ENOMEM;
	return add_leaf(b->req, b->path.data, b->path.len, b->text.data ? b->text.data : "",
			b->text.len, 1);
}

static int body_value(void *ctx, const struct json_walker *w, enum json_kind kind,
		      size_t start, size_t end)
{
	struct body_walk *b = ctx;
	const char *lit = (const char *)w->body + start;
	size_t n = end - start;

	if (kind == JSON_STRING)
		return 0;
	if (kind == JSON_OBJECT || kind == JSON_ARRAY) {
		/* Only empty containers are leaves; the others have children. */
		size_t i;

		for (i = start + 1; i + 1 < end; i++)
			if (!strchr(" \t\r\n", w->body[i]))
				return 0;
		lit = kind == JSON_OBJECT ? "{}" : "[]";
		n = 2;
	}
	buf_reset(&b->path);
	if (json_path_format(w, &b->path))
		return -ENOMEM;
	return add_leaf(b->req, b->path.data, b->path.len, lit, n, 0);
}

static int body_leaves(struct probe_request *r)
{
	struct json_visitor v = { 0 };
	struct json_error e;
	struct body_walk b;
	int rc;

	if (!r->body_len)
		return 0;
	b.req = r;
	buf_init(&b.path, (size_t)1 << 20);
	buf_init(&b.text, RECORD_MAX);
	v.ctx = &b;
	v.string = body_string;
	v.value = body_value;
	rc = json_walk(r->body, r->body_len, MAX_DEPTH, &v, &e);
	if (rc == JSON_ESYNTAX || rc == JSON_EDEPTH)
		/* Not JSON: the whole body is one value. */
		rc = add_leaf(r, "$", 1, (const char *)r->body, r->body_len, 1);
	buf_release(&b.path);
	buf_release(&b.text);
	return rc;
}

/* ---- the mock's record files and the proxy recorder's lines ---- */

static int record_string(void *ctx, const struct json_walker *w, size_t start, size_t end,
			 int is_key)
{
	struct record *rec = ctx;
	struct buf *dst = NULL;
	int rc;

	if (is_key)
		return 0;
	if (w->depth == 1) {
		if (json_seg_is(&w->segs[0], "method"))
			dst = &rec->method;
		else if (json_seg_is(&w->segs[0], "path"))
			dst = &rec->path;
		else if (json_seg_is(&w->segs[0], "body"))
			dst = &rec->body;
		else if (json_seg_is(&w->segs[0], "body_base64"))
			dst = &rec->body64;
		else if (json_seg_is(&w->segs[0], "request_line")) /* the proxy's lines */
			dst = &rec->path;
		else if (json_seg_is(&w->segs[0], "query"))
			dst = &rec->hvalue;
	} else if (w->depth == 3 && json_seg_is(&w->segs[0], "headers")) {
		dst = w->segs[2].index == 0 ? &rec->hname : &rec->hvalue;
		buf_reset(dst);
	}
	if (!dst)
		return 0;
	if (json_unescape(w->body + start, end - start, dst))
		return -ENOMEM;
	/* The query string is a leaf of its own: a marker could sit there. */
	if (dst == &rec->hvalue && w->depth == 1) {
		rc = add_leaf(rec->req, "query", 5, rec->hvalue.data ? rec->hvalue.data : "",
			      rec->hvalue.len, 1);
		buf_reset(dst);
		return rc;
	}
	if (dst == &rec->hvalue && rec->hname.len)
		return add_header(rec->req, rec->hname.data, rec->hname.len,
				  rec->hvalue.data ? rec->hvalue.data : "", rec->hvalue.len);
	return 0;
}

static int take_body(struct record *rec, struct probe_request *r)
{
	size_t n;
	int len;

	if (rec->body64.len) {
		n = rec->body64.len / 4 * 3 + 3;
		r->body = malloc(n + 1);
		if (!r->body)
			return -ENOMEM;
		len = EVP_DecodeBlock(r->body, (const unsigned char *)rec->body64.data,
				      (int)rec->body64.len);
		if (len < 0)
			return -EINVAL;
		/* EVP_DecodeBlock counts padding as zero bytes. */
		while (len > 0 && rec->body64.len && rec->body64.data[rec->body64.len - 1] == '=' &&
		       (rec->body64.len--, 1))
			len--;
		r->body_len = (size_t)len;
		return 0;
	}
	r->body_len = rec->body.len;
	r->body = (uint8_t *)buf_take(&rec->body);
	return 0;
}

static int load_record(const char *file, struct probe_request *r)
{
	struct json_visitor v = { 0 };
	struct json_error e;
	struct record rec;
	struct buf text;
	int rc;

	memset(&rec, 0, sizeof(rec));
	buf_init(&text, RECORD_MAX);
	buf_init(&rec.method, 64);
	buf_init(&rec.path, 65536);
	buf_init(&rec.body, RECORD_MAX);
	buf_init(&rec.body64, RECORD_MAX);
	buf_init(&rec.hname, 65536);
	buf_init(&rec.hvalue, 65536);
	rec.req = r;
	v.ctx = &rec;
	v.string = record_string;
	rc = read_small_file(file, &text);
	rc = rc ? rc : json_walk((const uint8_t *)text.data, text.len, 8, &v, &e);
	if (!rc) {
		r->endpoint = malloc(rec.method.len + rec.path.len + 2);
		if (!r->endpoint)
			rc = -ENOMEM;
		else
			snprintf(r->endpoint, rec.method.len + rec.path.len + 2, "%s %s",
				 rec.method.data ? rec.method.data : "?",
				 rec.path.data ? rec.path.data : "?");
	}
	rc = rc ? rc : take_body(&rec, r);
	rc = rc ? rc : body_leaves(r);
	buf_release(&text);
	buf_release(&rec.method);
	buf_release(&rec.path);
	buf_release(&rec.body);
	buf_release(&rec.body64);
	buf_release(&rec.hname);
	buf_release(&rec.hvalue);
	return rc;
}

static struct probe_request *new_request(struct probe_capture *cap)
{
	struct probe_request *v = realloc(cap->v, (cap->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	cap->v = v;
	memset(&v[cap->n], 0, sizeof(*v));
	return &v[cap->n++];
}

/* "POST http://api.example.cn/v1/messages" -> "POST http://{host}/v1/messages". */
static int proxy_endpoint(const char *line, const char *host, char **out)
{
	const char *at = strstr(line, "://");
	size_t hn = strlen(host);

	at = at ? at + 3 : NULL;
	if (at && !strncasecmp(at, host, hn) && strchr(":/", at[hn]))
		return asprintf(out, "PROXY %.*s{host}%s", (int)(at - line), line, at + hn) < 0 ?
		       -ENOMEM : 0;
	return asprintf(out, "PROXY %s", line) < 0 ? -ENOMEM : 0;
}

static int load_proxy(const char *file, const char *host, struct probe_capture *cap)
{
	struct json_visitor v = { 0 };
	struct json_error e;
	struct record rec;
	struct buf text;
	char *line, *nl, *sp;
	int rc;

	buf_init(&text, RECORD_MAX);
	rc = read_small_file(file, &text);
	if (rc) {
		buf_release(&text);
		return 0; /* no proxy cell, or nothing came */
	}
	memset(&rec, 0, sizeof(rec));
	buf_init(&rec.path, 65536);
	buf_init(&rec.hname, 65536);
	buf_init(&rec.hvalue, 65536);
	v.ctx = &rec;
	v.string = record_string;
	for (line = text.data; !rc && line && (nl = strchr(line, '\n')); line = nl + 1) {
		rec.req = new_request(cap);
		if (!rec.req) {
			rc = -ENOMEM;
			break;
		}
		buf_reset(&rec.path);
		rc = json_walk((const uint8_t *)line, (size_t)(nl - line), 8, &v, &e);
		/* "CONNECT host:443 HTTP/1.1" -> "PROXY CONNECT host:443". */
		sp = rec.path.data ? strrchr(rec.path.data, ' ') : NULL;
		if (sp)
			*sp = '\0';
		if (!rc)
			rc = proxy_endpoint(rec.path.data ? rec.path.data : "?", host,
					    &rec.req->endpoint);
	}
	buf_release(&text);
	buf_release(&rec.path);
	buf_release(&rec.hname);
	buf_release(&rec.hvalue);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The alignment keys: endpoint, model, and the ordinal among equals. */
static int make_keys(struct probe_capture *cap)
{
	size_t i, j, k, ord;
	const char *model;

	for (i = 0; i < cap->n; i++) {
		struct probe_request *r = &cap->v[i];

		model = "";
		for (k = 0; k < r->nleaves; k++)
			if (!strcmp(r->leaves[k].path, "$.model"))
				model = r->leaves[k].value;
		if (asprintf(&r->key, "%s%s%s", r->endpoint, *model ? " model=" : "", model) < 0)
			return -ENOMEM;
	}
	for (i = 0; i < cap->n; i++) {
		char *k2;

		for (j = 0, ord = 1; j < i; j++)
			if (!strncmp(cap->v[j].key, cap->v[i].key, strlen(cap->v[i].key)) &&
			    cap->v[j].key[strlen(cap->v[i].key)] == ' ' &&
			    cap->v[j].key[strlen(cap->v[i].key) + 1] == '#')
				ord++;
		if (asprintf(&k2, "%s #%zu", cap->v[i].key, ord) < 0)
			return -ENOMEM;
		free(cap->v[i].key);
		cap->v[i].key = k2;
	}
	return 0;
}

int probe_load(const char *dir, const char *host, struct probe_capture *cap, char *err,
	       size_t errlen)
{
	char path[4096], **names = NULL;
	size_t n = 0, i;
	struct dirent *e;
	struct probe_request *r;
	DIR *d;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/out/rec", dir);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char **v;

		if (strlen(e->d_name) != 11 || strcmp(e->d_name + 6, ".json"))
			continue;
		v = realloc(names, (n + 1) * sizeof(*v));
		if (!v || !(v[n] = strdup(e->d_name))) {
			names = v ? v : names;
			rc = -ENOMEM;
			break;
		}
		names = v;
		n++;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !rc; i++) {
		snprintf(path, sizeof(path), "%s/out/rec/%s", dir, names[i]);
		r = new_request(cap);
		rc = r ? load_record(path, r) : -ENOMEM;
		if (rc)
			snprintf(err, errlen, "cannot read '%s': %s", path,
				 rc == -ENOMEM ? "out of memory" : "not a record");
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/out/proxy.jsonl", dir);
		rc = load_proxy(path, host, cap);
		if (rc)
			snprintf(err, errlen, "cannot read '%s'", path);
	}
	return rc ? rc : make_keys(cap);
}

void probe_capture_release(struct probe_capture *cap)
{
	size_t i, k;

	for (i = 0; i < cap->n; i++) {
		struct probe_request *r = &cap->v[i];

		for (k = 0; k < r->nleaves; k++) {
			free(r->leaves[k].path);
			free(r->leaves[k].value);
		}
		free(r->leaves);
		free(r->endpoint);
		free(r->key);
		free(r->body);
	}
	free(cap->v);
	cap->v = NULL;
	cap->n = 0;
}
