/* SPDX-License-Identifier: MIT */
/*
 * capture.c - the entry points of the capture readers: paths, directories,
 * standard input and buffers, and the sink helpers the other files share.
 *
 * A regular file is mapped rather than read, so a multi-gigabyte JSON Lines
 * capture costs address space, not memory (jsonl.c drops the pages it has
 * read); anything that cannot be mapped (a pipe, a FIFO given by name, a
 * file under /proc that claims to be empty) is read as a stream.  Below a
 * directory we open every entry relative to its parent's descriptor with
 * O_NOFOLLOW, so a symlink planted in a capture directory cannot make us
 * read a file outside it, nor can one swapped in between listing and
 * opening.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/reader.h"
#include "util/banned.h"

#define DEFAULT_MAX_BODY ((size_t)256 << 20)
/* Each level below a directory holds one descriptor while we recurse. */
#define MAX_DIR_DEPTH 128
#define MAX_PATH_LEN 65536
#define MAX_MESSAGE 8192

int capture_error(struct capture_reader *r, long entry, size_t offset,
		  const char *fmt, ...)
{
	struct buf msg;
	va_list ap;
	int rc;

	if (!r->sink->error)
		return 0;
	buf_init(&msg, MAX_MESSAGE);
	va_start(ap, fmt);
	rc = buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	/* Out of memory for the message itself: say something still. */
	rc = r->sink->error(r->sink->ctx, r->file, entry, offset,
			    rc ? "out of memory" : msg.data);
	buf_release(&msg);
	return rc;
}

int capture_too_big(struct capture_reader *r, long entry, size_t offset)
{
	return capture_error(r, entry, offset,
			     "body larger than %zu bytes; raise --max-body",
			     r->max_body);
}

int capture_emit(struct capture_reader *r, enum capture_format format,
		 long entry, const uint8_t *data, size_t len,
		 const char *method, const char *url)
{
	struct capture_body b = {
		.file = r->file,
		.format = format,
		.entry = entry,
		.data = data ? data : (const uint8_t *)"",
		.len = len,
		.method = method,
		.url = url,
	};

	if (!r->sink->body)
		return 0;
	return r->sink->body(r->sink->ctx, &b);
}

int capture_json_error(struct capture_reader *r, long entry, size_t base,
		       int rc, const struct json_error *err, const char *what)
{
	char suffix[48];
	size_t n = strnlen(err->msg, sizeof(err->msg)), m;

	if (rc == JSON_ENOMEM)
		return capture_error(r, entry, base + err->offset,
				     "cannot read %s: out of memory", what);
	/* The walker's "at byte N" counts from the start of what it walked;
	 * the sink gets the file offset, so drop the relative one. */
	m = (size_t)snprintf(suffix, sizeof(suffix), " at byte %zu", err->offset);
	if (m < sizeof(suffix) && n > m && !memcmp(err->msg + n - m, suffix, m))
		n -= m;
	return capture_error(r, entry, base + err->offset, "%s is not JSON: %.*s",
			     what, (int)n, err->msg);
}

int capture_key_is(const struct json_seg *s, const char *key)
{
	const size_t most = 32; /* the keys we look for are short words */
	struct buf b;
	int same;

	if (!s->key || !memchr(s->key, '\\', s->keylen))
		return json_seg_is(s, key);
	/* Escaped keys are rare: decode them, bounded, only when we meet one. */
	if (s->keylen > most * 12)
		return 0;
	buf_init(&b, most);
	same = !json_unescape(s->key, s->keylen, &b) &&
	       b.len == strlen(key) && !memcmp(b.data, key, b.len);
	buf_release(&b);
	return same;
}

const char *capture_span_string(const uint8_t *doc, const struct capture_span *s,
				struct buf *out)
{
	buf_reset(out);
	if (!s->seen || s->kind != JSON_STRING || s->end - s->start < 2)
		return NULL;
	if (json_unescape(doc + s->start + 1, s->end - s->start - 2, out))
		return NULL;
	return out->data ? out->data : "";
}

/* Detect the format of a whole input in memory and read it.  Only the
 * first max_body bytes are examined for the first value: a longer one is
 * too big to be a body whatever follows. */
int capture_read_mem(struct capture_reader *r, const uint8_t *p, size_t n,
		     int advise)
{
	struct capture_sniff sn = { 0 };
	size_t window = n > r->max_body + 2 ? r->max_body + 2 : n;
	enum capture_sniff_result k;

	k = capture_sniff_feed(&sn, p, window, window == n);
	if (k == SNIFF_MORE && sn.closed)
		k = capture_sniff_feed(&sn, p, n, 1); /* whitespace after it */
	k = capture_sniff_decide(r, &sn, k);
	if (k == SNIFF_LINES)
		return capture_lines(r, p, n, advise);
	if (k == SNIFF_SINGLE && n <= r->max_body)
		return capture_single(r, p, n);
	if (k == SNIFF_SINGLE)
		return capture_too_big(r, -1, SIZE_MAX);
	return capture_sniff_report(r, &sn, k);
}

/* A regular file with a size is mapped; anything else is a stream. */
static int read_fd(struct capture_reader *r, int fd)
{
	struct stat st;
	void *map;
	size_t size;
	int rc;

	if (fstat(fd, &st))
		return capture_error(r, -1, SIZE_MAX, "cannot read '%s': %s",
				     r->file, strerror(errno));
	/* Standard input may be a file someone has read part of already. */
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > SIZE_MAX ||
	    lseek(fd, 0, SEEK_CUR) != 0)
		return capture_read_stream(r, fd);
	size = (size_t)st.st_size;
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return capture_read_stream(r, fd);
	madvise(map, size, MADV_SEQUENTIAL);
	rc = capture_read_mem(r, map, size, 1);
	munmap(map, size);
	return rc;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

static int read_named(struct capture_reader *r, const char *name, int fd)
{
	r->file = name;
	r->jsonl_name = has_suffix(name, ".jsonl") || has_suffix(name, ".ndjson");
	buf_reset(&r->body);
	buf_reset(&r->text);
	return read_fd(r, fd);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The visible entries of @d, sorted, into *@out; 0 or an errno value. */
static int list_dir(DIR *d, char ***out, size_t *n)
{
	char **names = NULL, **grown, *name;
	size_t count = 0, cap = 0;
	struct dirent *e;
	int err;

	for (errno = 0; (e = readdir(d)); errno = 0) {
		if (e->d_name[0] == '.')
			continue; /* ".", ".." and hidden files */
		if (count == cap) {
			cap = cap ? cap * 2 : 32;
			grown = cap < SIZE_MAX / sizeof(*names) ?
				realloc(names, cap * sizeof(*names)) : NULL;
			if (!grown)
				goto fail;
			names = grown;
		}
		name = strdup(e->d_name);
		if (!name)
			goto fail;
		names[count++] = name;
	}
	if (errno)
		goto fail;
	if (names)
		qsort(names, count, sizeof(*names), cmp_names);
	*out = names;
	*n = count;
	return 0;
fail:
	err = errno ? errno : ENOMEM;
	if (names)
		free_names(names, count);
	*out = NULL;
	*n = 0;
	return err;
}

static int read_dir(struct capture_reader *r, int dfd, struct buf *path,
		    unsigned depth);

/* One entry of a directory: @path already names it. */
static int read_entry(struct capture_reader *r, int dfd, const char *name,
		      struct buf *path, unsigned depth)
{
	struct stat st;
	int fd, rc;

	r->file = path->data;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return capture_error(r, -1, SIZE_MAX, "cannot read '%s': %s",
				     path->data, strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0; /* symlinks, sockets, devices, FIFOs */
	/* O_NONBLOCK: should a FIFO replace the file, open must not hang. */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
			  O_NONBLOCK | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
	if (fd < 0)
		return capture_error(r, -1, SIZE_MAX, "cannot open '%s': %s",
				     path->data, strerror(errno));
	if (fstat(fd, &st) || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
		close(fd);
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return read_dir(r, fd, path, depth + 1); /* closes fd */
	rc = read_named(r, path->data, fd);
	close(fd);
	return rc;
}

static int read_children(struct capture_reader *r, int dfd, char **names,
			 size_t n, struct buf *path, unsigned depth)
{
	size_t i, base = path->len;
	int sep = base && path->data[base - 1] != '/';
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		if ((sep && buf_addc(path, '/')) || buf_adds(path, names[i])) {
			path->len = base;
			path->data[base] = '\0';
			r->file = path->data;
			rc = capture_error(r, -1, SIZE_MAX,
					   "skipping '%s%s%s': path too long",
					   path->data, sep ? "/" : "", names[i]);
			continue;
		}
		rc = read_entry(r, dfd, names[i], path, depth);
		path->len = base;
		path->data[base] = '\0';
	}
	return rc;
}

/* Read the directory open on @fd (which this closes) named by @path. */
static int read_dir(struct capture_reader *r, int fd, struct buf *path,
		    unsigned depth)
{
	char **names;
	size_t n;
	DIR *d;
	int rc;

	r->file = path->data;
	if (depth > MAX_DIR_DEPTH) {
		close(fd);
		return capture_error(r, -1, SIZE_MAX,
				     "skipping '%s': directories nested deeper than %d",
				     path->data, MAX_DIR_DEPTH);
	}
	d = fdopendir(fd);
	if (!d) {
		rc = errno;
		close(fd);
		return capture_error(r, -1, SIZE_MAX, "cannot read directory '%s': %s",
				     path->data, strerror(rc));
	}
	rc = list_dir(d, &names, &n);
	if (rc) {
		rc = capture_error(r, -1, SIZE_MAX, "cannot read directory '%s': %s",
				   path->data, strerror(rc));
		goto out;
	}
	rc = read_children(r, dirfd(d), names, n, path, depth);
out:
	free_names(names, n);
	closedir(d);
	return rc;
}

static int read_top(struct capture_reader *r, const char *path)
{
	struct buf dir;
	struct stat st;
	int fd, rc;

	r->file = path;
	if (!strcmp(path, "-"))
		return read_named(r, path, STDIN_FILENO);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return capture_error(r, -1, SIZE_MAX, "cannot open '%s': %s",
				     path, strerror(errno));
	if (fstat(fd, &st) || !S_ISDIR(st.st_mode)) {
		rc = read_named(r, path, fd);
		close(fd);
		return rc;
	}
	buf_init(&dir, MAX_PATH_LEN);
	if (buf_adds(&dir, path)) {
		close(fd);
		return capture_error(r, -1, SIZE_MAX, "cannot read '%s': %s",
				     path, strerror(ENAMETOOLONG));
	}
	rc = read_dir(r, fd, &dir, 0);
	buf_release(&dir);
	return rc;
}

static void reader_init(struct capture_reader *r, const struct capture_opts *opt,
			const struct capture_sink *sink)
{
	size_t max = opt && opt->max_body ? opt->max_body : DEFAULT_MAX_BODY;

	/* Room for a line's "\r\n" and a read chunk above it never wraps. */
	if (max > SIZE_MAX / 4)
		max = SIZE_MAX / 4;
	memset(r, 0, sizeof(*r));
	r->sink = sink;
	r->max_body = max;
	buf_init(&r->body, max);
	buf_init(&r->text, max);
	buf_init(&r->method, 4096);
	buf_init(&r->url, 65536);
}

static void reader_release(struct capture_reader *r)
{
	buf_release(&r->body);
	buf_release(&r->text);
	buf_release(&r->method);
	buf_release(&r->url);
}

int capture_read_path(const char *path, const struct capture_opts *opt,
		      const struct capture_sink *sink)
{
	struct capture_reader r;
	int rc;

	reader_init(&r, opt, sink);
	rc = read_top(&r, path);
	reader_release(&r);
	return rc;
}

int capture_read_buffer(const char *name, const uint8_t *data, size_t len,
			const struct capture_opts *opt,
			const struct capture_sink *sink)
{
	struct capture_reader r;
	int rc;

	reader_init(&r, opt, sink);
	r.file = name;
	r.jsonl_name = has_suffix(name, ".jsonl") || has_suffix(name, ".ndjson");
	rc = capture_read_mem(&r, data, len, 0);
	reader_release(&r);
	return rc;
}
