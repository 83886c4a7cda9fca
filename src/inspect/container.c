/* SPDX-License-Identifier: MIT */
/*
 * container.c - from a path to blobs: directories, archives, executables.
 *
 * Files are mapped, not read: a 250 MB agent binary costs page cache, not
 * heap.  Archives (npm tarballs, .vsix zips, anything libarchive reads) are
 * streamed from their descriptor, entry by entry; an entry small enough is decoded into a buffer,
 * a larger one into an unlinked temporary file that is then mapped, so
 * memory stays bounded by INLINE_MAX whatever the archive holds.  Nested
 * archives (a .tgz inside a package) are opened up to opt.max_depth deep.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "inspect/internal.h"
#include "util/banned.h"

#define INLINE_MAX (32u << 20)
#define MAX_DIR_DEPTH 64

static bool is_archive(const uint8_t *p, size_t len)
{
	return (len > 2 && p[0] == 0x1F && p[1] == 0x8B) ||
	       (len > 4 && !memcmp(p, "PK\3\4", 4)) ||
	       (len > 262 && !memcmp(p + 257, "ustar", 5)) ||
	       (len > 6 && !memcmp(p, "\xFD" "7zXZ\0", 6)) ||
	       (len > 3 && !memcmp(p, "BZh", 3)) ||
	       (len > 4 && !memcmp(p, "\x28\xB5\x2F\xFD", 4));
}

/* Text: no NUL in the first 4 KiB.  Line:column is given for text only. */
static bool looks_text(const uint8_t *p, size_t len)
{
	return !memchr(p, 0, len < 4096 ? len : 4096);
}

static char *join_member(const char *parent, const char *name)
{
	return parent ? insp_printf("%s!%s", parent, name) : insp_strdup(name);
}

static bool extracted(const struct inspector *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->nextracted; i++)
		if (!strcmp(in->extracted[i], name))
			return true;
	return false;
}

/* Makes @name (a cleaned module name) one not written yet in this run:
 * "root_a_b.js" again becomes "root_a_b-2.js".  0 or INSP_ENOMEM. */
static int unique_name(struct inspector *in, char *name, size_t size)
{
	char base[200], **v;
	const char *dot;
	unsigned k;

	snprintf(base, sizeof(base), "%s", name);
	dot = strrchr(base, '.');
	for (k = 2; extracted(in, name) && k < 1000000; k++)
		snprintf(name, size, "%.*s-%u%s", (int)(dot && dot != base ? dot - base : (ptrdiff_t)strlen(base)),
			 base, k, dot && dot != base ? dot : "");
	v = realloc(in->extracted, (in->nextracted + 1) * sizeof(*v));
	if (!v)
		return INSP_ENOMEM;
	in->extracted = v;
	if (!(v[in->nextracted] = strdup(name)))
		return INSP_ENOMEM;
	in->nextracted++;
	return 0;
}

/* Writes module @name to --extract DIR; INSP_EIO with in->failure naming
 * the file and the cause (a full disk must not leave a silently
 * truncated copy that looks like the whole module). */
static int extract(struct inspector *in, const char *name, const uint8_t *p, size_t len)
{
	char path[PATH_MAX], clean[200];
	size_t i, n = 0;
	int fd, saved;

	/* Bun's virtual root says nothing; a name never climbs out of DIR. */
	if (!strncmp(name, "/$bunfs/", 8) || !strncmp(name, "B:/~BUN/", 8))
		name += 8;
	for (i = 0; name[i] && n + 1 < sizeof(clean); i++)
		clean[n++] = (char)((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
				    (name[i] >= '0' && name[i] <= '9') || name[i] == '.' || name[i] == '-'
				    ? name[i] : '_');
	clean[n] = 0;
	if (!n || !strcmp(clean, ".") || !strcmp(clean, ".."))
		snprintf(clean, sizeof(clean), "module");
	if (unique_name(in, clean, sizeof(clean)))
		return INSP_ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", in->opt.extract_dir, clean);
	if (mkdir(in->opt.extract_dir, 0755) && errno != EEXIST) {
		snprintf(in->failure, sizeof(in->failure), "cannot create '%s': %s",
			 in->opt.extract_dir, strerror(errno));
		return INSP_EIO;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!w)
				errno = ENOSPC;
			saved = errno;
			close(fd);
			errno = saved;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (!close(fd))
		return 0;
fail:
	snprintf(in->failure, sizeof(in->failure), "cannot write '%s': %s", path,
		 strerror(errno));
	return INSP_EIO;
}

static int embed_finding(struct inspector *in, const struct insp_blob *whole,
			 const struct insp_embed *e, const char *format)
{
	struct insp_finding *f;
	uint64_t js = 0;
	size_t i;

	for (i = 0; i < e->nmods; i++)
		js += e->mods[i].len;
	f = insp_add(in, whole, !strcmp(e->kind, "bun") ? "embed.bun" : "embed.node-sea",
		     SCAN_SEV_INFO, (size_t)e->off, (size_t)e->len);
	if (!f)
		return insp_full(in) ? 0 : INSP_ENOMEM;
	f->message = insp_printf(
		"%s executable with %s: %zu embedded module%s (%.1f MB) in %s; each is "
		"inspected as FILE!MODULE", format,
		!strcmp(e->kind, "bun") ? "a Bun standalone module graph" : "a Node single executable application blob",
		e->nmods, e->nmods == 1 ? "" : "s", (double)js / 1e6, e->how);
	f->evidence = insp_printf("%s", e->nmods ? e->mods[0].name : "");
	return f->message ? 0 : INSP_ENOMEM;
}

static int cmp_mod(const void *a, const void *b)
{
	const struct insp_module *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* An executable: its embedded modules as JavaScript, the rest as bytes. */
static int executable(struct inspector *in, const char *file, const char *member,
		      const uint8_t *p, size_t len, const char *format)
{
	struct insp_embed e;
	struct insp_blob whole = { file, member, p, len, 0, false };
	uint64_t at = 0;
	size_t i;
	int rc;

	if ((rc = insp_find_embed(p, len, &e)))
		return rc;
	if (e.kind && (rc = embed_finding(in, &whole, &e, format)))
		goto out;
	if (e.nmods)
		qsort(e.mods, e.nmods, sizeof(*e.mods), cmp_mod);
	for (i = 0; i < e.nmods && !rc; i++) {
		const struct insp_module *m = &e.mods[i];
		char *name = join_member(member, m->name);
		struct insp_blob b = { file, name, p + m->off, (size_t)m->len, 0,
				       looks_text(p + m->off, (size_t)m->len) };
		struct insp_blob gap = { file, member, p + at, 0, at, false };

		if (!name) {
			rc = INSP_ENOMEM;
			break;
		}
		if (m->off > at) {
			gap.len = (size_t)(m->off - at);
			rc = insp_blob_run(in, &gap);
		}
		if (!rc)
			rc = insp_blob_run(in, &b);
		if (!rc && in->opt.extract_dir)
			rc = extract(in, m->name, b.p, b.len);
		if (m->off + m->len > at)
			at = m->off + m->len;
		free(name);
	}
	if (!rc && at < len) {
		struct insp_blob rest = { file, member, p + at, len - (size_t)at, at, false };

		rc = insp_blob_run(in, &rest);
	}
out:
	insp_embed_release(&e);
	return rc;
}

/* libarchive's *_all() registers filters that run an external program
 * (lrzip, grzip, and lzop or lz4 when built without their library): a
 * gzip stream holding lrzip data made overt exec "lrzip -d" from PATH.
 * A hostile archive must not spawn programs, so only the built-in
 * decompressors are registered, each checked on a scratch reader first
 * (ARCHIVE_WARN there means "through an external program").  Formats are
 * the ones packages come in; mtree is left out above all, as its entries
 * name files on the inspecting machine to read. */
static int (*const filters[])(struct archive *) = {
	archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
	archive_read_support_filter_xz, archive_read_support_filter_lzma,
	archive_read_support_filter_zstd, archive_read_support_filter_lz4,
};
static int (*const formats[])(struct archive *) = {
	archive_read_support_format_tar, archive_read_support_format_zip,
	archive_read_support_format_7zip, archive_read_support_format_cpio,
	archive_read_support_format_ar,
};

static struct archive *reader_new(bool raw)
{
	static signed char built_in[sizeof(filters) / sizeof(filters[0])];
	struct archive *a = archive_read_new(), *scratch;
	size_t i;

	for (i = 0; a && i < sizeof(filters) / sizeof(filters[0]); i++) {
		if (!built_in[i] && (scratch = archive_read_new()) != NULL) {
			built_in[i] = filters[i](scratch) == ARCHIVE_OK ? 1 : -1;
			archive_read_free(scratch);
		}
		if (built_in[i] == 1)
			filters[i](a);
	}
	for (i = 0; a && !raw && i < sizeof(formats) / sizeof(formats[0]); i++)
		formats[i](a);
	if (a && raw)
		archive_read_support_format_raw(a);
	return a;
}

/* The compression an archive needs that only an external program reads,
 * judged from the first bytes under the built-in filters; NULL if none. */
static const char *external_filter(const uint8_t *h, size_t n)
{
	static const struct { const char *magic; size_t len; const char *name; } m[] = {
		{ "LRZI", 4, "lrzip" },
		{ "\x89LZO\0\r\n\x1a\n", 9, "lzop" },
		{ "GRZipII\0\x02\x04:)", 12, "grzip" },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (n >= m[i].len && !memcmp(h, m[i].magic, m[i].len))
			return m[i].name;
	return NULL;
}

/* After an archive failed to open: when what it decompresses to is a
 * stream only an external program reads, say so as a finding rather than
 * inspect the compressed bytes as if that were all there is.  @p/@len for
 * an archive in memory, else @fd.  1 when reported, 0, or INSP_ENOMEM. */
static int refuse_external(struct inspector *in, const char *file, const char *member,
			   const uint8_t *p, size_t len, int fd)
{
	struct insp_blob b = { file, member, NULL, 0, 0, false };
	struct archive *a = reader_new(true);
	struct archive_entry *ent;
	uint8_t head[16];
	la_ssize_t n = -1;
	const char *name;
	struct insp_finding *f;

	if (!a)
		return INSP_ENOMEM;
	if ((p ? archive_read_open_memory(a, p, len) :
	     lseek(fd, 0, SEEK_SET) ? ARCHIVE_FATAL : archive_read_open_fd(a, fd, 1 << 16)) ==
	    ARCHIVE_OK && archive_read_next_header(a, &ent) == ARCHIVE_OK)
		n = archive_read_data(a, head, sizeof(head));
	archive_read_free(a);
	if (n <= 0 || !(name = external_filter(head, (size_t)n)))
		return 0;
	f = insp_add(in, &b, "inspect.external-filter", SCAN_SEV_MEDIUM, 0, 0);
	if (!f)
		return insp_full(in) ? 1 : INSP_ENOMEM;
	f->message = insp_printf("an archive compressed with %s, which only an external "
				 "program reads: overt runs no program an archive asks "
				 "for, so its contents were not inspected", name);
	f->evidence = insp_strdup(name);
	return f->message && f->evidence ? 1 : INSP_ENOMEM;
}

static int archive_entries(struct inspector *in, struct archive *a, const char *file,
			   const char *member, int depth);

static int archive(struct inspector *in, const char *file, const char *member,
		   const uint8_t *p, size_t len, int depth, bool *opened)
{
	struct archive *a = reader_new(false);
	int rc;

	*opened = false;
	if (!a)
		return INSP_ENOMEM;
	if (archive_read_open_memory(a, p, len) != ARCHIVE_OK) {
		archive_read_free(a);
		rc = refuse_external(in, file, member, p, len, -1);
		*opened = rc != 0;
		return rc < 0 ? rc : 0;
	}
	*opened = true;
	rc = archive_entries(in, a, file, member, depth);
	archive_read_free(a);
	return rc;
}

int insp_bytes(struct inspector *in, const char *file, const char *member,
	       const uint8_t *p, size_t len, int depth)
{
	const char *format;
	struct insp_blob b = { file, member, p, len, 0, false };
	bool opened = false;
	int rc;

	if (!len)
		return 0;
	if (depth < in->opt.max_depth && is_archive(p, len)) {
		rc = archive(in, file, member, p, len, depth + 1, &opened);
		if (rc || opened)
			return rc;
	}
	if (insp_is_executable(p, len, &format))
		return executable(in, file, member, p, len, format);
	b.text = looks_text(p, len);
	return insp_blob_run(in, &b);
}

/* Copy the current entry into an unlinked temporary file and map it. */
static int spill(struct inspector *in, struct archive *a, uint8_t **map, size_t *len)
{
	const char *dir = getenv("TMPDIR");
	const void *buf;
	size_t n;
	la_int64_t off;
	uint64_t total = 0;
	int fd, r, rc = INSP_EIO;

	fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return INSP_EIO;
	while ((r = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK) {
		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			goto out;
		if ((uint64_t)off + n > total)
			total = (uint64_t)off + n;
		insp_progress(in, total);
	}
	if (r != ARCHIVE_EOF)
		goto out;
	*len = (size_t)total;
	*map = NULL;
	rc = 0;
	if (total && (*map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		*map = NULL;
		rc = INSP_EIO;
	}
out:
	close(fd);
	return rc;
}

/* The current entry in a heap buffer, when it is known to be small. */
static int inline_read(struct archive *a, int64_t size, uint8_t **data, size_t *len)
{
	la_ssize_t r;

	*data = malloc(size ? (size_t)size : 1);
	if (!*data)
		return INSP_ENOMEM;
	*len = 0;
	while (*len < (size_t)size &&
	       (r = archive_read_data(a, *data + *len, (size_t)size - *len)) > 0)
		*len += (size_t)r;
	return 0;
}

static int archive_entry_run(struct inspector *in, struct archive *a,
			     struct archive_entry *ent, const char *file,
			     const char *member, int depth)
{
	int64_t size = archive_entry_size_is_set(ent) ? archive_entry_size(ent) : -1;
	const char *path = archive_entry_pathname(ent);
	char *name = join_member(member, path ? path : "?");
	uint8_t *data = NULL;
	size_t len = 0;
	bool mapped = size < 0 || size > INLINE_MAX;
	int rc;

	if (!name)
		return INSP_ENOMEM;
	in->progress_name = name;
	in->progress_total = 0;
	rc = mapped ? spill(in, a, &data, &len) : inline_read(a, size, &data, &len);
	if (!rc)
		rc = insp_bytes(in, file, name, data, len, depth);
	if (mapped && data)
		munmap(data, len);
	else if (!mapped)
		free(data);
	free(name);
	return rc;
}

static int archive_entries(struct inspector *in, struct archive *a, const char *file,
			   const char *member, int depth)
{
	struct archive_entry *ent;
	int r, rc = 0;

	while (!rc && (r = archive_read_next_header(a, &ent)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return INSP_EFORMAT;
		if (archive_entry_filetype(ent) != AE_IFREG)
			continue;
		rc = archive_entry_run(in, a, ent, file, member, depth);
	}
	return rc;
}

/* A file that starts like an archive is streamed from its descriptor, so
 * a 200 MB tarball is not mapped on top of the member it unpacks. */
static int archive_file(struct inspector *in, const char *path, int fd, bool *opened)
{
	uint8_t head[512];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	struct archive *a;
	int rc;

	*opened = false;
	if (n <= 0 || in->opt.max_depth < 1 || !is_archive(head, (size_t)n))
		return 0;
	if (!(a = reader_new(false)))
		return INSP_ENOMEM;
	if (archive_read_open_fd(a, fd, 1 << 20) != ARCHIVE_OK) {
		archive_read_free(a);
		rc = refuse_external(in, path, NULL, NULL, 0, fd);
		*opened = rc != 0;
		return rc < 0 ? rc : 0;
	}
	*opened = true;
	rc = archive_entries(in, a, path, NULL, 1);
	archive_read_free(a);
	return rc;
}

static int inspect_file(struct inspector *in, const char *path, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *p = NULL;
	bool opened;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return INSP_EIO;
	}
	rc = archive_file(in, path, fd, &opened);
	if (opened) {
		close(fd);
		goto out;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "cannot map '%s': %s", path, strerror(errno));
			close(fd);
			return INSP_EIO;
		}
		madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	}
	close(fd);
	rc = insp_bytes(in, path, NULL, p, (size_t)st.st_size, 0);
	if (p)
		munmap(p, (size_t)st.st_size);
out:
	if (rc == INSP_EFORMAT)
		snprintf(err, errlen, "cannot read '%s': the archive is damaged", path);
	else if (rc == INSP_EIO && in->failure[0])
		snprintf(err, errlen, "%s", in->failure);
	else if (rc)
		snprintf(err, errlen, "cannot inspect '%s': %s", path,
			 rc == INSP_ENOMEM ? "out of memory" : "read error");
	in->failure[0] = '\0';
	return rc;
}

static int walk(struct inspector *in, const char *dir, int depth, char *err, size_t errlen)
{
	struct dirent **names;
	int n, i, rc = 0, first = 0;

	if (depth > MAX_DIR_DEPTH)
		return 0;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		snprintf(err, errlen, "cannot read directory '%s': %s", dir, strerror(errno));
		return INSP_EIO;
	}
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		int r = 0;

		if (!strcmp(names[i]->d_name, ".") || !strcmp(names[i]->d_name, "..") ||
		    snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st))
			continue;  /* symbolic links are not followed */
		if (S_ISDIR(st.st_mode))
			r = walk(in, path, depth + 1, err, errlen);
		else if (S_ISREG(st.st_mode))
			r = inspect_file(in, path, err, errlen);
		if (r == INSP_ENOMEM) {
			rc = r;
			break;
		}
		if (r && in->opt.on_error) {
			in->opt.on_error(in->opt.error_ctx, err);
			r = INSP_EREPORTED;
		}
		if (r && (!first || first == INSP_EREPORTED))
			first = r;  /* go on with the other files */
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc ? rc : first;
}

int inspect_path(struct inspector *in, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st)) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return INSP_EIO;
	}
	if (S_ISDIR(st.st_mode))
		return walk(in, path, 0, err, errlen);
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot inspect '%s': not a regular file or directory", path);
		return INSP_EIO;
	}
	return inspect_file(in, path, err, errlen);
}
