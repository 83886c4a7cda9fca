/* SPDX-License-Identifier: MIT */
/*
 * naive.c - the baseline the scan benchmark measures overt against: read a
 * file, decode UTF-8 one code point at a time with a simple decoder, and ask
 * ICU about every code point (general category, Default_Ignorable_Code_Point,
 * Variation_Selector, Bidi_Control), counting the hits.  It knows nothing of
 * JSON, has no ASCII fast path and makes four ICU calls per character: the
 * obvious way to write a covert-character scanner, and the cost overt's
 * table-driven engine is meant to avoid.  Prints the counts and its own
 * throughput; bench/run-scan.sh times it from outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unicode/uchar.h>

#include "util/banned.h"

#define CHUNK (1u << 20)

struct counts {
	uint64_t bytes, code_points, invalid;
	uint64_t format;          /* Cf */
	uint64_t separators;      /* Zl, Zp */
	uint64_t ignorable;       /* Default_Ignorable_Code_Point */
	uint64_t variation;       /* Variation_Selector */
	uint64_t bidi;            /* Bidi_Control */
	uint64_t tags;            /* U+E0000..U+E007F */
	uint64_t hits;            /* code points in any of the above */
};

static void classify(struct counts *c, UChar32 cp)
{
	int8_t type = u_charType(cp);
	int hit = 0;

	c->code_points++;
	if (type == U_FORMAT_CHAR) {
		c->format++;
		hit = 1;
	}
	if (type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR) {
		c->separators++;
		hit = 1;
	}
	if (u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
		c->ignorable++;
		hit = 1;
	}
	if (u_hasBinaryProperty(cp, UCHAR_VARIATION_SELECTOR)) {
		c->variation++;
		hit = 1;
	}
	if (u_hasBinaryProperty(cp, UCHAR_BIDI_CONTROL)) {
		c->bidi++;
		hit = 1;
	}
	if (cp >= 0xE0000 && cp <= 0xE007F) {
		c->tags++;
		hit = 1;
	}
	c->hits += (uint64_t)hit;
}

/*
 * decode - the code point at @p (@n > 0 bytes available).  Returns its
 * length, or 0 when the sequence may continue past @n and @more is set.  An
 * invalid byte decodes as U+FFFD of length 1; overlongs and surrogates are
 * not rejected (a naive decoder, on purpose).
 */
static size_t decode(const uint8_t *p, size_t n, int more, UChar32 *cp)
{
	uint8_t b = p[0];
	size_t len;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if ((b & 0xE0) == 0xC0) {
		len = 2;
		*cp = b & 0x1F;
	} else if ((b & 0xF0) == 0xE0) {
		len = 3;
		*cp = b & 0x0F;
	} else if ((b & 0xF8) == 0xF0) {
		len = 4;
		*cp = b & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	if (len > n && more)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (i >= n || (p[i] & 0xC0) != 0x80) {
			*cp = -1;
			return 1;
		}
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	return len;
}

/* scan_fd - classify everything readable from @fd; 0 or -1 with errno. */
static int scan_fd(int fd, struct counts *c)
{
	static uint8_t buf[CHUNK + 4];
	size_t have = 0;

	for (;;) {
		ssize_t got = read(fd, buf + have, CHUNK);
		size_t i = 0, end;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		end = have + (size_t)got;
		c->bytes += (uint64_t)got;
		while (i < end) {
			UChar32 cp;
			size_t len = decode(buf + i, end - i, got > 0, &cp);

			if (len == 0)
				break;
			if (cp < 0)
				c->invalid++;
			else
				classify(c, cp);
			i += len;
		}
		have = end - i; /* at most 3 bytes of an unfinished sequence */
		memmove(buf, buf + i, have);
		if (got == 0)
			return 0;
	}
}

static void print_counts(const struct counts *c, double secs)
{
	printf("bytes                %" PRIu64 "\n", c->bytes);
	printf("code_points          %" PRIu64 "\n", c->code_points);
	printf("invalid              %" PRIu64 "\n", c->invalid);
	printf("format_Cf            %" PRIu64 "\n", c->format);
	printf("separators_Zl_Zp     %" PRIu64 "\n", c->separators);
	printf("default_ignorable    %" PRIu64 "\n", c->ignorable);
	printf("variation_selectors  %" PRIu64 "\n", c->variation);
	printf("bidi_controls        %" PRIu64 "\n", c->bidi);
	printf("tags                 %" PRIu64 "\n", c->tags);
	printf("hits                 %" PRIu64 "\n", c->hits);
	printf("seconds              %.3f\n", secs);
	printf("MB/s                 %.1f\n",
	       secs > 0 ? (double)c->bytes / 1e6 / secs : 0.0);
}

int main(int argc, char **argv)
{
	struct counts c = { 0 };
	struct timespec t0, t1;
	const char *path;
	int fd, rc;

	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fputs("usage: bench_naive FILE|-\n"
		      "Classifies every code point of FILE with ICU and prints counts.\n",
		      argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 2;
	}
	path = argv[1];
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		fprintf(stderr, "bench_naive: cannot open '%s': %s\n", path,
			strerror(errno));
		return 4;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = scan_fd(fd, &c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc) {
		fprintf(stderr, "bench_naive: cannot read '%s': %s\n", path,
			strerror(errno));
		return 4;
	}
	if (fd)
		close(fd);
	print_counts(&c, (double)(t1.tv_sec - t0.tv_sec) +
				 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
