/* SPDX-License-Identifier: MIT */
/*
 * mock_record.c - the mock's request recorder: one NNNNNN.json per request,
 * as it arrived, and one line per request in index.jsonl.
 *
 * The body is kept byte for byte: as a JSON string (non-ASCII written as
 * \uXXXX escapes, so no invisible character reaches a terminal that cats
 * the file, yet decoding gives back the exact bytes) and, when it is not
 * valid UTF-8 and a string cannot carry it, also as body_base64.  API keys
 * are never written: a hash prefix and the last four characters are enough
 * to tell keys apart.  A file appears under its final name only once it is
 * complete (temporary name, then link), and link() refuses to replace a
 * file another instance wrote, so two mocks sharing a directory do not
 * overwrite each other.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "json/json.h"
#include "proxy/mock_int.h"
#include "util/utf8.h"
#include "util/banned.h"

struct mock_recorder {
	int dirfd;
	int indexfd;
	unsigned long next;
	char dir[4096];
};

static const char *const secret_headers[] = {
	"x-api-key", "authorization", "proxy-authorization", "x-goog-api-key", "api-key",
};

static int sha256_hex(const void *p, size_t n, char *hex, size_t hexlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL))
		return -1;
	for (i = 0; i < mdlen && 2 * i + 2 < hexlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* "sha256:<16 hex>…last4"; the last four only when the secret is long
 * enough that they do not give most of it away. */
static int redact(struct buf *out, const char *s, size_t n)
{
	char hex[65] = "";
	int rc;

	if (sha256_hex(s, n, hex, sizeof(hex)))
		return BUF_ENOMEM;
	rc = buf_printf(out, "sha256:%.16s\xe2\x80\xa6", hex);
	if (!rc && n >= 16)
		rc = buf_add(out, s + n - 4, 4);
	return rc;
}

/* A credential header's value: "Bearer sk-..." keeps its scheme word. */
static int redact_value(struct buf *out, const char *v)
{
	const char *sp = strchr(v, ' ');
	int rc = 0;

	if (sp && sp - v < 16) {
		rc = buf_add(out, v, (size_t)(sp - v + 1));
		v = sp + 1;
	}
	return rc ? rc : redact(out, v, strlen(v));
}

/* The query with every key=VALUE redacted (Gemini's ?key=). */
static int redact_query(struct buf *out, const char *q)
{
	int rc = 0;

	while (!rc && *q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);

		if (n >= 4 && !strncmp(q, "key=", 4)) {
			rc = buf_adds(out, "key=");
			rc = rc ? rc : redact(out, q + 4, n - 4);
		} else {
			rc = buf_add(out, q, n);
		}
		q += n;
		if (!rc && *q == '&')
			rc = buf_addc(out, *q++);
	}
	return rc;
}

static int is_secret(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(secret_headers) / sizeof(secret_headers[0]); i++)
		if (!strcasecmp(name, secret_headers[i]))
			return 1;
	return 0;
}

static int add_base64(struct buf *out, const uint8_t *p, size_t n)
{
	size_t cap = 4 * ((n + 2) / 3) + 1;
	unsigned char *b64 = malloc(cap);
	int rc, len = 0;

	if (!b64)
		return BUF_ENOMEM;
	/* EVP_EncodeBlock takes an int: encode in pieces of 3 * 2^20. */
	rc = buf_addc(out, '"');
	while (!rc && n) {
		size_t k = n > 3145728 ? 3145728 : n;

		len = EVP_EncodeBlock(b64, p, (int)k);
		rc = buf_add(out, b64, (size_t)len);
		p += k;
		n -= k;
	}
	free(b64);
	return rc ? rc : buf_addc(out, '"');
}

static void now_iso(char *s, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];
	int ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (!strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm))
		sec[0] = '\0';
	ms = (int)(ts.tv_nsec / 1000000) % 1000;
	snprintf(s, n, "%.20s.%03dZ", sec, ms);
}

/* The fields the record and its index line share, without braces. */
static int common_fields(struct buf *out, unsigned long seq, const char *when,
			 const struct http_request *req, const char *hash)
{
	struct buf q;
	int rc = buf_printf(out, "\"schema\":1,\"seq\":%lu,\"file\":\"%06lu.json\","
			    "\"time\":\"%s\",\"method\":", seq, seq, when);

	rc = rc ? rc : json_write_string(out, req->method, strlen(req->method));
	rc = rc ? rc : buf_adds(out, ",\"path\":");
	rc = rc ? rc : json_write_string(out, req->path, strlen(req->path));
	rc = rc ? rc : buf_adds(out, ",\"query\":");
	if (!rc && req->query) {
		buf_init(&q, 1 << 20);
		rc = redact_query(&q, req->query);
		rc = rc ? rc : json_write_string(out, q.data ? q.data : "", q.len);
		buf_release(&q);
	} else if (!rc) {
		rc = buf_adds(out, "null");
	}
	return rc ? rc : buf_printf(out, ",\"body_bytes\":%zu,\"body_sha256\":\"%s\"",
				    req->body_len, hash);
}

static int render(struct buf *out, unsigned long seq, const char *when,
		  const struct http_request *req, const char *hash)
{
	struct buf v;
	size_t i;
	int rc = buf_addc(out, '{');

	rc = rc ? rc : common_fields(out, seq, when, req, hash);
	rc = rc ? rc : buf_printf(out, ",\"peer\":\"%s\",\"http_version\":\"1.%d\",\"headers\":[",
				  req->peer, req->http_minor);
	buf_init(&v, 1 << 20);
	for (i = 0; !rc && i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		buf_reset(&v);
		rc = buf_adds(out, i ? ",[" : "[");
		rc = rc ? rc : json_write_string(out, h->name, strlen(h->name));
		rc = rc ? rc : buf_addc(out, ',');
		if (!rc && is_secret(h->name)) {
			rc = redact_value(&v, h->value);
			rc = rc ? rc : json_write_string(out, v.data ? v.data : "", v.len);
		} else if (!rc) {
			rc = json_write_string(out, h->value, strlen(h->value));
		}
		rc = rc ? rc : buf_addc(out, ']');
	}
	buf_release(&v);
	rc = rc ? rc : buf_adds(out, "],\"body\":");
	rc = rc ? rc : json_write_string(out, (const char *)req->body, req->body_len);
	if (!rc && !utf8_valid(req->body, req->body_len)) {
		rc = buf_adds(out, ",\"body_base64\":");
		rc = rc ? rc : add_base64(out, req->body, req->body_len);
	}
	return rc ? rc : buf_adds(out, "}\n");
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Write @data to a temporary file and link it as number rec->next.
 * 0, 1 when that number is taken, or -1 with errno set. */
static int place(struct mock_recorder *rec, const struct buf *data)
{
	char tmp[64], name[32];
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), ".tmp-%ld-%lu.json", (long)getpid(), rec->next);
	fd = openat(rec->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, data->data, data->len)) {
		close(fd);
		goto out;
	}
	if (close(fd))
		goto out;
	snprintf(name, sizeof(name), "%06lu.json", rec->next);
	if (!linkat(rec->dirfd, tmp, rec->dirfd, name, 0))
		rc = 0;
	else if (errno == EEXIST)
		rc = 1;
out:
	unlinkat(rec->dirfd, tmp, 0);
	return rc;
}

int mock_record(struct mock_recorder *rec, const struct http_request *req,
		char *err, size_t errlen)
{
	char when[40], hash[65] = "";
	struct buf out, line;
	unsigned long seq;
	int rc = 1, tries;

	now_iso(when, sizeof(when));
	sha256_hex(req->body, req->body_len, hash, sizeof(hash));
	buf_init(&out, 8 * req->body_len + (2 << 20));
	buf_init(&line, 1 << 20);
	/* The record names its own number, so a number another instance
	 * took means rendering again with the next one. */
	for (tries = 0; rc == 1 && tries < 1000; tries++) {
		buf_reset(&out);
		if (render(&out, rec->next, when, req, hash)) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto out;
		}
		rc = place(rec, &out);
		if (rc == 1)
			rec->next++;
	}
	if (rc) {
		snprintf(err, errlen, "cannot write a record in '%s': %s", rec->dir,
			 rc == 1 ? "no free number" : strerror(errno));
		rc = -1;
		goto out;
	}
	seq = rec->next++;
	rc = buf_addc(&line, '{');
	rc = rc ? rc : common_fields(&line, seq, when, req, hash);
	rc = rc ? rc : buf_adds(&line, "}\n");
	if (rc || write_all(rec->indexfd, line.data, line.len)) {
		snprintf(err, errlen, "cannot append to '%s/index.jsonl': %s", rec->dir,
			 rc ? "out of memory" : strerror(errno));
		rc = -1;
	}
out:
	buf_release(&out);
	buf_release(&line);
	return rc;
}

/* The next number: after the highest NNNNNN.json already in the directory. */
static unsigned long first_free(int dirfd)
{
	unsigned long max = 0, v;
	struct dirent *d;
	DIR *dir;
	int fd = dup(dirfd);
	size_t i;

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	while ((d = readdir(dir))) {
		if (strlen(d->d_name) != 11 || strcmp(d->d_name + 6, ".json"))
			continue;
		for (i = 0, v = 0; i < 6 && d->d_name[i] >= '0' && d->d_name[i] <= '9'; i++)
			v = v * 10 + (unsigned long)(d->d_name[i] - '0');
		if (i == 6 && v > max)
			max = v;
	}
	closedir(dir);
	return max + 1;
}

int mock_recorder_open(const char *dir, struct mock_recorder **out, char *err,
		       size_t errlen)
{
	struct mock_recorder *rec = calloc(1, sizeof(*rec));

	*out = NULL;
	if (!rec) {
		snprintf(err, errlen, "out of memory");
		return HTTP_ENOMEM;
	}
	snprintf(rec->dir, sizeof(rec->dir), "%s", dir);
	rec->indexfd = -1;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(errno));
		goto fail;
	}
	rec->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rec->dirfd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", dir, strerror(errno));
		goto fail;
	}
	rec->indexfd = openat(rec->dirfd, "index.jsonl",
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (rec->indexfd < 0) {
		snprintf(err, errlen, "cannot open '%s/index.jsonl': %s", dir, strerror(errno));
		close(rec->dirfd);
		goto fail;
	}
	rec->next = first_free(rec->dirfd);
	*out = rec;
	return 0;
fail:
	free(rec);
	return HTTP_EINVAL;
}

void mock_recorder_close(struct mock_recorder *rec)
{
	if (!rec)
		return;
	close(rec->indexfd);
	close(rec->dirfd);
	free(rec);
}
