/* SPDX-License-Identifier: MIT */
/*
 * test_capture.c - the capture readers: RAW bodies, JSON Lines, HAR,
 * directories, standard input, and the limits that keep memory bounded.
 *
 * A collecting sink copies every body and error it is given, so each test
 * states the whole outcome of one read: which bodies, with which exact
 * bytes and entry numbers, and which errors at which offsets.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/capture.h"
#include "util/banned.h"

#define MAX_GOT 64

struct got_body {
	char file[256];
	enum capture_format format;
	long entry;
	char *data;
	size_t len;
	char method[32];
	char url[128];
	int has_method;
	int has_url;
};

struct got_error {
	char file[256];
	long entry;
	size_t offset;
	char msg[512];
};

struct collect {
	struct got_body body[MAX_GOT];
	size_t nbody;
	size_t total_bodies;
	size_t total_len;
	struct got_error error[MAX_GOT];
	size_t nerror;
	int stop_at_body; /* return 7 from this body (1-based), 0 for never */
};

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int on_body(void *ctx, const struct capture_body *b)
{
	struct collect *c = ctx;
	struct got_body *g;

	c->total_bodies++;
	c->total_len += b->len;
	if (c->nbody < MAX_GOT) {
		g = &c->body[c->nbody++];
		copy(g->file, sizeof(g->file), b->file);
		g->format = b->format;
		g->entry = b->entry;
		g->len = b->len;
		g->data = malloc(b->len + 1);
		assert_non_null(g->data);
		if (b->len)
			memcpy(g->data, b->data, b->len);
		g->data[b->len] = '\0';
		g->has_method = b->method != NULL;
		g->has_url = b->url != NULL;
		copy(g->method, sizeof(g->method), b->method);
		copy(g->url, sizeof(g->url), b->url);
	}
	if (c->stop_at_body && (size_t)c->stop_at_body == c->total_bodies)
		return 7;
	return 0;
}

static int on_error(void *ctx, const char *file, long entry, size_t offset,
		    const char *msg)
{
	struct collect *c = ctx;
	struct got_error *g;

	assert_true(c->nerror < MAX_GOT);
	g = &c->error[c->nerror++];
	copy(g->file, sizeof(g->file), file);
	g->entry = entry;
	g->offset = offset;
	copy(g->msg, sizeof(g->msg), msg);
	return 0;
}

static void collect_free(struct collect *c)
{
	size_t i;

	for (i = 0; i < c->nbody; i++)
		free(c->body[i].data);
	memset(c, 0, sizeof(*c));
}

static int read_buf(struct collect *c, const char *name, const char *s,
		    size_t max_body)
{
	struct capture_opts opt = { .max_body = max_body };
	struct capture_sink sink = { c, on_body, on_error };

	return capture_read_buffer(name, (const uint8_t *)s, strlen(s), &opt, &sink);
}

static int read_path(struct collect *c, const char *path, size_t max_body)
{
	struct capture_opts opt = { .max_body = max_body };
	struct capture_sink sink = { c, on_body, on_error };

	return capture_read_path(path, &opt, &sink);
}

static void assert_body(const struct collect *c, size_t i, long entry,
			enum capture_format format, const char *data)
{
	assert_true(i < c->nbody);
	assert_int_equal(c->body[i].entry, entry);
	assert_int_equal(c->body[i].format, format);
	assert_int_equal(c->body[i].len, strlen(data));
	assert_memory_equal(c->body[i].data, data, strlen(data));
}

static void assert_error(const struct collect *c, size_t i, long entry,
			 size_t offset, const char *msg)
{
	assert_true(i < c->nerror);
	assert_int_equal(c->error[i].entry, entry);
	assert_int_equal(c->error[i].offset, offset);
	assert_string_equal(c->error[i].msg, msg);
}

/* ---- RAW ---------------------------------------------------------------- */

static void raw_body(void **state)
{
	static const char in[] = "\n {\"messages\":[{\"role\":\"user\",\n"
				 "\"content\":\"hi\\u200b\"}]}\n\n";
	struct collect c = { 0 };

	(void)state;
	assert_int_equal(read_buf(&c, "body.json", in, 0), 0);
	assert_int_equal(c.nbody, 1);
	assert_int_equal(c.nerror, 0);
	/* The whole file, whitespace included: offsets are file offsets. */
	assert_body(&c, 0, -1, CAPTURE_RAW, in);
	assert_string_equal(c.body[0].file, "body.json");
	assert_false(c.body[0].has_method);
	collect_free(&c);
}

static void raw_one_line_is_raw(void **state)
{
	struct collect c = { 0 };

	(void)state;
	/* One line without a .jsonl name: a RAW body, wrapper and all. */
	read_buf(&c, "x.json", "{\"request\":{\"body\":{\"a\":1}}}\n", 0);
	assert_int_equal(c.nbody, 1);
	assert_body(&c, 0, -1, CAPTURE_RAW, "{\"request\":{\"body\":{\"a\":1}}}\n");
	collect_free(&c);
}

static void raw_invalid_goes_to_scanner(void **state)
{
	struct collect c = { 0 };

	(void)state;
	/* Broken JSON that starts like JSON is the scanner's to report, so
	 * what comes before the damage is still scanned. */
	read_buf(&c, "x.json", "{\"a\":\"\\u200b\",", 0);
	assert_int_equal(c.nbody, 1);
	assert_int_equal(c.nerror, 0);
	assert_body(&c, 0, -1, CAPTURE_RAW, "{\"a\":\"\\u200b\",");
	collect_free(&c);
}

static void not_json(void **state)
{
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "notes.txt", "  hello {}\n", 0);
	assert_int_equal(c.nbody, 0);
	assert_int_equal(c.nerror, 1);
	assert_error(&c, 0, -1, 2,
		     "not JSON (expected '{' or '['); overt scan reads "
		     "request bodies, JSON Lines and HAR");
	assert_string_equal(c.error[0].file, "notes.txt");
	collect_free(&c);
}

static void empty_input(void **state)
{
	struct collect c = { 0 };
	struct capture_sink sink = { &c, on_body, on_error };

	(void)state;
	assert_int_equal(capture_read_buffer("e.json", NULL, 0, NULL, &sink), 0);
	assert_int_equal(c.nerror, 1);
	assert_error(&c, 0, -1, SIZE_MAX, "empty file");
	collect_free(&c);
	read_buf(&c, "ws.json", " \r\n\t\n", 0);
	assert_int_equal(c.nbody, 0);
	assert_error(&c, 0, -1, SIZE_MAX, "empty file");
	collect_free(&c);
}

static void raw_too_big(void **state)
{
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "big.json", "{\"content\":\"0123456789abcdef\"}", 16);
	assert_int_equal(c.nbody, 0);
	assert_error(&c, 0, -1, SIZE_MAX, "body larger than 16 bytes; raise --max-body");
	collect_free(&c);
	/* At the limit exactly it is accepted. */
	read_buf(&c, "ok.json", "{\"c\":\"0123456789\"}", 18);
	assert_int_equal(c.nbody, 1);
	assert_int_equal(c.nerror, 0);
	collect_free(&c);
}

/* ---- JSON Lines --------------------------------------------------------- */

static void jsonl_plain(void **state)
{
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "-", "{\"a\":1}\n\n  \n[2,3]\n{\"c\":\"x\"}", 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 3);
	/* Entries are physical line numbers: blank lines count. */
	assert_body(&c, 0, 0, CAPTURE_JSONL, "{\"a\":1}");
	assert_body(&c, 1, 3, CAPTURE_JSONL, "[2,3]");
	assert_body(&c, 2, 4, CAPTURE_JSONL, "{\"c\":\"x\"}");
	collect_free(&c);
}

static void jsonl_object_bodies(void **state)
{
	static const char in[] =
		"{\"request\":{\"method\":\"POST\",\"url\":\"https://api.example/v1\","
		"\"body\":{\"model\" : \"m\",\"n\":1.0e0 , \"s\":\"\\u200b\"}},\"t\":1}\n"
		"{\"request\":{\"body\":[1, 2 ]}, \"response\":{}}\n"
		"{\"request\":{\"b\\u006fdy\":{\"k\":\"escaped key\"}}}\n";
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "cap", in, 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 3);
	/* The exact bytes: spacing, number spelling and escapes as sent. */
	assert_body(&c, 0, 0, CAPTURE_JSONL,
		    "{\"model\" : \"m\",\"n\":1.0e0 , \"s\":\"\\u200b\"}");
	assert_string_equal(c.body[0].method, "POST");
	assert_string_equal(c.body[0].url, "https://api.example/v1");
	assert_body(&c, 1, 1, CAPTURE_JSONL, "[1, 2 ]");
	assert_false(c.body[1].has_method);
	assert_false(c.body[1].has_url);
	assert_body(&c, 2, 2, CAPTURE_JSONL, "{\"k\":\"escaped key\"}");
	collect_free(&c);
}

static void jsonl_string_bodies(void **state)
{
	static const char in[] =
		"{\"request\":{\"body\":\"{\\\"a\\\":\\\"\\\\u200b x\\\"}\"}}\n"
		"{\"request\":{\"body\":\"caf\\u00e9 \\ud83d\\ude00\"}}\n"
		"{\"request\":{\"body\":null}}\n"
		"{\"request\":{\"method\":\"GET\"}}\n";
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "cap", in, 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 3);
	assert_body(&c, 0, 0, CAPTURE_JSONL, "{\"a\":\"\\u200b x\"}");
	assert_body(&c, 1, 1, CAPTURE_JSONL, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	/* A null body is no body; a record without one is scanned whole. */
	assert_body(&c, 2, 3, CAPTURE_JSONL, "{\"request\":{\"method\":\"GET\"}}");
	collect_free(&c);
}

static void jsonl_bad_line(void **state)
{
	static const char in[] = "{\"a\":1}\n{\"b\":}\n{\"request\":}\n{\"c\":3}\n";
	struct collect c = { 0 };

	(void)state;
	assert_int_equal(read_buf(&c, "cap.jsonl", in, 0), 0);
	/* A plain line goes to the scanner as it is, which reports bad JSON
	 * itself; a capture record must parse here to be unpacked. */
	assert_int_equal(c.nbody, 3);
	assert_body(&c, 0, 0, CAPTURE_JSONL, "{\"a\":1}");
	assert_body(&c, 1, 1, CAPTURE_JSONL, "{\"b\":}");
	assert_body(&c, 2, 3, CAPTURE_JSONL, "{\"c\":3}");
	assert_int_equal(c.nerror, 1);
	/* Line 2 starts at byte 15; its '}' is at 11 in the line. */
	assert_int_equal(c.error[0].entry, 2);
	assert_int_equal(c.error[0].offset, 26);
	assert_string_equal(c.error[0].file, "cap.jsonl");
	assert_non_null(strstr(c.error[0].msg, "line is not JSON: "));
	assert_null(strstr(c.error[0].msg, "at byte"));
	collect_free(&c);
}

static void jsonl_crlf(void **state)
{
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "cap", "{\"a\":1}\r\n\r\n{\"request\":{\"body\":\"x\"}}\r\n", 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 2);
	assert_body(&c, 0, 0, CAPTURE_JSONL, "{\"a\":1}");
	assert_body(&c, 1, 2, CAPTURE_JSONL, "x");
	collect_free(&c);
}

static void jsonl_name_hint(void **state)
{
	struct collect c = { 0 };

	(void)state;
	/* One line named .jsonl is JSON Lines, wrapper unpacked. */
	read_buf(&c, "one.JSONL", "{\"request\":{\"body\":{\"a\":1}}}\n", 0);
	assert_int_equal(c.nbody, 1);
	assert_body(&c, 0, 0, CAPTURE_JSONL, "{\"a\":1}");
	collect_free(&c);
	/* A broken first line loses only itself: it goes to the scanner. */
	read_buf(&c, "b.ndjson", "{\"a\":\n{\"b\":2}\n", 0);
	assert_int_equal(c.nbody, 2);
	assert_body(&c, 0, 0, CAPTURE_JSONL, "{\"a\":");
	assert_body(&c, 1, 1, CAPTURE_JSONL, "{\"b\":2}");
	assert_int_equal(c.nerror, 0);
	collect_free(&c);
}

static void jsonl_line_too_long(void **state)
{
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "cap", "{\"a\":1}\n{\"b\":\"0123456789abcdef\"}\n{\"c\":3}\n", 16);
	assert_int_equal(c.nbody, 2);
	assert_body(&c, 1, 2, CAPTURE_JSONL, "{\"c\":3}");
	assert_int_equal(c.nerror, 1);
	assert_error(&c, 0, 1, 8, "line longer than 16 bytes; raise --max-body");
	collect_free(&c);
}

static void jsonl_deep_line_goes_to_scanner(void **state)
{
	char *in = malloc(4000);
	struct collect c = { 0 };
	size_t i;

	(void)state;
	assert_non_null(in);
	memcpy(in, "{}\n", 3);
	for (i = 0; i < 1000; i++)
		in[3 + i] = '[';
	for (i = 0; i < 1000; i++)
		in[1003 + i] = ']';
	memcpy(in + 2003, "\n", 2);
	read_buf(&c, "cap", in, 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 2);
	assert_int_equal(c.body[1].len, 2000);
	collect_free(&c);
	free(in);
}

static void stop_value(void **state)
{
	struct collect c = { 0 };

	(void)state;
	c.stop_at_body = 2;
	assert_int_equal(read_buf(&c, "cap", "{}\n{}\n{}\n", 0), 7);
	assert_int_equal(c.nbody, 2);
	collect_free(&c);
}

/* ---- HAR ---------------------------------------------------------------- */

static const char har3[] =
	"{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"t\"},\"entries\":[\n"
	" {\"request\":{\"method\":\"POST\",\"url\":\"https://a.example/v1?q=\\u0031\","
	"   \"postData\":{\"mimeType\":\"application/json\","
	"     \"text\":\"{\\\"m\\\":\\\"hi\\\\u200b\\\"}\"}},\"response\":{}},\n"
	" {\"request\":{\"method\":\"GET\",\"url\":\"https://a.example/\"}},\n"
	" {\"request\":{\"url\":\"https://b.example/\",\"method\":\"PUT\","
	"   \"postData\":{\"encoding\":\"base64\",\"text\":\"eyJ4IjoxfQ==\"}}}\n"
	"]}}\n";

static void har_entries(void **state)
{
	struct collect c = { 0 };

	(void)state;
	assert_int_equal(read_buf(&c, "cap.har", har3, 0), 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 2);
	assert_body(&c, 0, 0, CAPTURE_HAR, "{\"m\":\"hi\\u200b\"}");
	assert_string_equal(c.body[0].method, "POST");
	assert_string_equal(c.body[0].url, "https://a.example/v1?q=1");
	/* Entry 1 has no postData: skipped without a word. */
	assert_body(&c, 1, 2, CAPTURE_HAR, "{\"x\":1}");
	assert_string_equal(c.body[1].method, "PUT");
	assert_string_equal(c.body[1].url, "https://b.example/");
	collect_free(&c);
}

static void har_base64_lengths(void **state)
{
	static const char in[] =
		"{\"log\":{\"entries\":["
		"{\"request\":{\"postData\":{\"_encoding\":\"base64\",\"text\":\"eyJhYiI6MX0=\"}}},"
		"{\"request\":{\"postData\":{\"encoding\":\"BASE64\",\"text\":\"eyJhYmMiOjF9\"}}},"
		"{\"request\":{\"postData\":{\"encoding\":\"base64\",\"text\":\"eyJ4IjoxfQ\"}}},"
		"{\"request\":{\"postData\":{\"encoding\":\"base64\",\"text\":\"eyJ4\\nIjox\\r\\nfQ==\"}}},"
		"{\"request\":{\"postData\":{\"encoding\":\"base64\",\"text\":\"\"}}}"
		"]}}";
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "b.har", in, 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 5);
	assert_body(&c, 0, 0, CAPTURE_HAR, "{\"ab\":1}");
	assert_body(&c, 1, 1, CAPTURE_HAR, "{\"abc\":1}");
	assert_body(&c, 2, 2, CAPTURE_HAR, "{\"x\":1}"); /* unpadded */
	assert_body(&c, 3, 3, CAPTURE_HAR, "{\"x\":1}"); /* line breaks */
	assert_body(&c, 4, 4, CAPTURE_HAR, "");
	collect_free(&c);
}

static void har_bad_base64(void **state)
{
	static const char in[] =
		"{\"log\":{\"entries\":["
		"{\"request\":{\"postData\":{\"encoding\":\"base64\",\"text\":\"ey*J\"}}},"
		"{\"request\":{\"postData\":{\"encoding\":\"base64\",\"text\":\"eyJ4I\"}}},"
		"{\"request\":{\"postData\":{\"encoding\":\"base64\",\"text\":\"eyJ4=Ijox\"}}},"
		"{\"request\":{\"postData\":{\"encoding\":\"base64\",\"text\":\"eyJ4IjoxfQ=\"}}},"
		"{\"request\":{\"postData\":{\"text\":5}}},"
		"{\"request\":{\"postData\":{\"text\":\"{}\"}}}"
		"]}}";
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "b.har", in, 0);
	assert_int_equal(c.nbody, 1);
	assert_body(&c, 0, 5, CAPTURE_HAR, "{}");
	assert_int_equal(c.nerror, 5);
	assert_int_equal(c.error[0].entry, 0);
	assert_string_equal(c.error[0].msg,
			    "cannot decode postData.text: not base64 at character 2");
	/* The offset is the text value's in the file. */
	assert_int_equal(c.error[0].offset, (size_t)(strstr(in, "\"ey*J") - in));
	assert_int_equal(c.error[1].entry, 1);
	assert_int_equal(c.error[2].entry, 2);
	assert_int_equal(c.error[3].entry, 3);
	assert_int_equal(c.error[4].entry, 4);
	assert_string_equal(c.error[4].msg,
			    "skipping entry: postData.text is not a string");
	collect_free(&c);
}

static void har_truncated(void **state)
{
	static const char in[] =
		"{\"log\":{\"entries\":["
		"{\"request\":{\"postData\":{\"text\":\"{\\\"a\\\":1}\"}}},"
		"{\"request\":{\"postData\":{\"text\":\"{\\\"b\\\":";
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "t.har", in, 0);
	assert_int_equal(c.nbody, 1);
	assert_body(&c, 0, 0, CAPTURE_HAR, "{\"a\":1}");
	assert_int_equal(c.nerror, 1);
	assert_int_equal(c.error[0].entry, -1);
	assert_non_null(strstr(c.error[0].msg, "the rest of the HAR is not JSON: "));
	collect_free(&c);
}

static void har_lookalikes_are_raw(void **state)
{
	struct collect c = { 0 };

	(void)state;
	/* entries not an array, or log not at the root: request bodies. */
	read_buf(&c, "x", "{\"log\":{\"entries\":{\"a\":1}}}", 0);
	read_buf(&c, "x", "{\"x\":{\"log\":{\"entries\":[{}]}}}", 0);
	read_buf(&c, "x", "[{\"log\":{\"entries\":[]}}]", 0);
	assert_int_equal(c.nbody, 3);
	assert_int_equal(c.body[0].format, CAPTURE_RAW);
	assert_int_equal(c.body[1].format, CAPTURE_RAW);
	assert_int_equal(c.body[2].format, CAPTURE_RAW);
	collect_free(&c);
	/* An empty HAR has no bodies and no errors. */
	read_buf(&c, "x", "{\"log\":{\"entries\":[]}}", 0);
	assert_int_equal(c.nbody, 0);
	assert_int_equal(c.nerror, 0);
	collect_free(&c);
}

static void har_too_big(void **state)
{
	struct collect c = { 0 };

	(void)state;
	read_buf(&c, "big.har", har3, 64);
	assert_int_equal(c.nbody, 0);
	assert_error(&c, 0, -1, SIZE_MAX, "body larger than 64 bytes; raise --max-body");
	collect_free(&c);
}

/* ---- files, directories, standard input --------------------------------- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void make_dir(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void remove_tree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void directory_order(void **state)
{
	char dir[] = "/tmp/overt-capture-XXXXXX", outside[] = "/tmp/overt-out-XXXXXX";
	static const char *const want[] = { "a/10.json", "a/2.jsonl", "a/2.jsonl",
					    "b.json", "c/nested/d.har" };
	char path[600], target[600];
	struct collect c = { 0 };
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(outside));
	write_file(outside, "secret.json", "{\"outside\":1}");
	write_file(dir, "b.json", "{\"b\":1}");
	make_dir(dir, "a");
	write_file(dir, "a/2.jsonl", "{\"a2\":0}\n{\"a2\":1}\n");
	write_file(dir, "a/10.json", "{\"a10\":1}");
	write_file(dir, ".hidden.json", "{\"hidden\":1}");
	make_dir(dir, ".git");
	write_file(dir, ".git/x.json", "{\"git\":1}");
	make_dir(dir, "c");
	make_dir(dir, "c/nested");
	write_file(dir, "c/nested/d.har", "{\"log\":{\"entries\":[{\"request\":"
		   "{\"postData\":{\"text\":\"{}\"}}}]}}");
	snprintf(target, sizeof(target), "%s/secret.json", outside);
	snprintf(path, sizeof(path), "%s/link.json", dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/linkdir", dir);
	assert_int_equal(symlink(outside, path), 0);

	assert_int_equal(read_path(&c, dir, 0), 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 5);
	/* strcmp order: "10" sorts before "2". */
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, want[i]);
		assert_string_equal(c.body[i].file, path);
	}
	assert_body(&c, 1, 0, CAPTURE_JSONL, "{\"a2\":0}");
	assert_body(&c, 2, 1, CAPTURE_JSONL, "{\"a2\":1}");
	assert_body(&c, 4, 0, CAPTURE_HAR, "{}");
	collect_free(&c);

	/* A trailing slash does not double; a named file is read. */
	snprintf(path, sizeof(path), "%s/", dir);
	read_path(&c, path, 0);
	snprintf(path, sizeof(path), "%s/a/10.json", dir);
	assert_string_equal(c.body[0].file, path);
	collect_free(&c);

	remove_tree(dir);
	remove_tree(outside);
}

static void missing_path(void **state)
{
	struct collect c = { 0 };

	(void)state;
	assert_int_equal(read_path(&c, "/nonexistent/x.har", 0), 0);
	assert_int_equal(c.nerror, 1);
	assert_error(&c, 0, -1, SIZE_MAX,
		     "cannot open '/nonexistent/x.har': No such file or directory");
	collect_free(&c);
}

static void empty_file_on_disk(void **state)
{
	char dir[] = "/tmp/overt-capture-XXXXXX", path[600];
	struct collect c = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "empty.json", "");
	snprintf(path, sizeof(path), "%s/empty.json", dir);
	read_path(&c, path, 0);
	assert_int_equal(c.nbody, 0);
	assert_error(&c, 0, -1, SIZE_MAX, "empty file");
	collect_free(&c);
	remove_tree(dir);
}

/* A large JSONL file through the mapped path, pages dropped behind. */
static void large_mapped_jsonl(void **state)
{
	char dir[] = "/tmp/overt-capture-XXXXXX", path[600];
	struct collect c = { 0 };
	FILE *f;
	size_t i, lines = 200000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.jsonl", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < lines; i++)
		fprintf(f, "{\"request\":{\"body\":{\"i\":\"%08zu\",\"pad\":\"%s\"}}}\n", i,
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(fclose(f), 0);
	read_path(&c, path, 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.total_bodies, lines);
	assert_body(&c, 3, 3, CAPTURE_JSONL,
		    "{\"i\":\"00000003\",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
	collect_free(&c);
	remove_tree(dir);
}

/* Read @text from a pipe on standard input via capture_read_path("-"). */
static int read_stdin(struct collect *c, const char *text, size_t repeat,
		      size_t max_body)
{
	int fds[2], saved, rc, status;
	size_t i, n = strlen(text);
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		for (i = 0; i < repeat; i++)
			if (write(fds[1], text, n) != (ssize_t)n)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	rc = read_path(c, "-", max_body);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	/* The child may die of SIGPIPE when we stop reading early. */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return rc;
}

static void stdin_jsonl(void **state)
{
	struct collect c = { 0 };

	(void)state;
	read_stdin(&c, "{\"request\":{\"body\":{\"k\":\"0123456789\"}}}\r\n\n", 5000, 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.total_bodies, 5000);
	assert_body(&c, 0, 0, CAPTURE_JSONL, "{\"k\":\"0123456789\"}");
	assert_body(&c, 1, 2, CAPTURE_JSONL, "{\"k\":\"0123456789\"}");
	assert_string_equal(c.body[0].file, "-");
	collect_free(&c);
}

static void stdin_bad_and_long_lines(void **state)
{
	struct collect c = { 0 };
	char *in = malloc(300000);
	size_t n = 0;

	(void)state;
	assert_non_null(in);
	n += (size_t)snprintf(in + n, 100, "{\"a\":1}\n{\"request\":x}\n");
	in[n++] = '[';
	memset(in + n, '1', 200000); /* one line far past max_body */
	n += 200000;
	n += (size_t)snprintf(in + n, 100, "]\n{\"c\":3}");
	in[n] = '\0';
	read_stdin(&c, in, 1, 1000);
	assert_int_equal(c.nbody, 2);
	assert_body(&c, 0, 0, CAPTURE_JSONL, "{\"a\":1}");
	assert_body(&c, 1, 3, CAPTURE_JSONL, "{\"c\":3}");
	assert_int_equal(c.nerror, 2);
	assert_int_equal(c.error[0].entry, 1);
	assert_int_equal(c.error[0].offset, 8 + 11);
	assert_error(&c, 1, 2, 22, "line longer than 1000 bytes; raise --max-body");
	collect_free(&c);
	free(in);
}

static void stdin_har_and_raw(void **state)
{
	struct collect c = { 0 };

	(void)state;
	read_stdin(&c, har3, 1, 0);
	assert_int_equal(c.nerror, 0);
	assert_int_equal(c.nbody, 2);
	assert_body(&c, 1, 2, CAPTURE_HAR, "{\"x\":1}");
	collect_free(&c);
	read_stdin(&c, "{\"a\":\n\"b\"}\n", 1, 0);
	assert_int_equal(c.nbody, 1);
	assert_body(&c, 0, -1, CAPTURE_RAW, "{\"a\":\n\"b\"}\n");
	collect_free(&c);
	read_stdin(&c, "", 1, 0);
	assert_error(&c, 0, -1, SIZE_MAX, "empty file");
	collect_free(&c);
	read_stdin(&c, "hello", 1, 0);
	assert_int_equal(c.nerror, 1);
	assert_int_equal(c.error[0].offset, 0);
	collect_free(&c);
}

static void stdin_too_big(void **state)
{
	struct collect c = { 0 };

	(void)state;
	/* A single value growing past max_body: refused without keeping it. */
	read_stdin(&c, "{\"a\":[0,1,2,3,4,5,6,7,8,9]}", 1, 16);
	assert_int_equal(c.nbody, 0);
	assert_error(&c, 0, -1, SIZE_MAX, "body larger than 16 bytes; raise --max-body");
	collect_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(raw_body),
		cmocka_unit_test(raw_one_line_is_raw),
		cmocka_unit_test(raw_invalid_goes_to_scanner),
		cmocka_unit_test(not_json),
		cmocka_unit_test(empty_input),
		cmocka_unit_test(raw_too_big),
		cmocka_unit_test(jsonl_plain),
		cmocka_unit_test(jsonl_object_bodies),
		cmocka_unit_test(jsonl_string_bodies),
		cmocka_unit_test(jsonl_bad_line),
		cmocka_unit_test(jsonl_crlf),
		cmocka_unit_test(jsonl_name_hint),
		cmocka_unit_test(jsonl_line_too_long),
		cmocka_unit_test(jsonl_deep_line_goes_to_scanner),
		cmocka_unit_test(stop_value),
		cmocka_unit_test(har_entries),
		cmocka_unit_test(har_base64_lengths),
		cmocka_unit_test(har_bad_base64),
		cmocka_unit_test(har_truncated),
		cmocka_unit_test(har_lookalikes_are_raw),
		cmocka_unit_test(har_too_big),
		cmocka_unit_test(directory_order),
		cmocka_unit_test(missing_path),
		cmocka_unit_test(empty_file_on_disk),
		cmocka_unit_test(large_mapped_jsonl),
		cmocka_unit_test(stdin_jsonl),
		cmocka_unit_test(stdin_bad_and_long_lines),
		cmocka_unit_test(stdin_har_and_raw),
		cmocka_unit_test(stdin_too_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
