/* SPDX-License-Identifier: MIT */
/*
 * test_inspect.c - the pure parts of `overt inspect`: JavaScript string
 * decoding, finding the literal around a position, the Bun and SEA layouts
 * (including hostile offsets), and the one-pass XOR search through the
 * inspector on bytes in memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inspect/internal.h"
#include "util/banned.h"

static void test_unescape(void **state)
{
	static const char js[] = "a\\x41\\u02bc\\u{E0041}\\uDB40\\uDC42\\n\\'";
	struct buf out;

	(void)state;
	buf_init(&out, 256);
	assert_int_equal(insp_js_unescape((const uint8_t *)js, strlen(js), &out, false), 0);
	assert_memory_equal(out.data, "aA\xCA\xBC\xF3\xA0\x81\x81\xF3\xA0\x81\x82\n'", out.len);
	buf_reset(&out);
	/* Byte mode: code units up to 0xFF are single bytes, as charCodeAt sees them. */
	assert_int_equal(insp_js_unescape((const uint8_t *)"\\x1b\\xff", 8, &out, true), 0);
	assert_int_equal(out.len, 2);
	assert_int_equal((uint8_t)out.data[0], 0x1B);
	assert_int_equal((uint8_t)out.data[1], 0xFF);
	buf_release(&out);
}

static void test_literal(void **state)
{
	static const char js[] = "x=\"it's\";y='a\\'b\\x41c';z=`t${1}u`";
	const uint8_t *p = (const uint8_t *)js;
	size_t s, e, at = (size_t)(strstr(js, "\\x41") - js);

	(void)state;
	assert_int_equal(insp_js_literal(p, strlen(js), at, 0, &s, &e), 0);
	assert_memory_equal(js + s, "a\\'b\\x41c", e - s);
	at = (size_t)(strchr(js, 'u') - js);
	assert_int_equal(insp_js_literal(p, strlen(js), at, 0, &s, &e), 0);
	assert_int_equal(js[s - 1], '`');
	/* Outside any literal on its line. */
	assert_int_equal(insp_js_literal((const uint8_t *)"a=1;\nb=2", 8, 6, 0, &s, &e), -1);
}

/* A Bun module graph appended after @prefix bytes of zeros. */
static size_t bun_image(uint8_t *img, size_t prefix, const char *js)
{
	static const char name[] = "/$bunfs/root/x.js";
	uint32_t rec[8] = { 0 };
	uint8_t flags[4] = { 1, 1, 1, 0 };
	uint64_t u64;
	uint32_t u32;
	size_t g = prefix, n = strlen(name), j = strlen(js), graph, at;

	memset(img, 0, prefix);
	memcpy(img + g, name, n + 1);
	memcpy(img + g + n + 1, js, j + 1);
	rec[0] = 0, rec[1] = (uint32_t)n, rec[2] = (uint32_t)(n + 1), rec[3] = (uint32_t)j;
	at = g + n + 1 + j + 1;
	memcpy(img + at, rec, sizeof(rec));
	memcpy(img + at + sizeof(rec), flags, 4);
	graph = at + 36 - g;
	u64 = graph;
	memcpy(img + g + graph, &u64, 8);
	u32 = (uint32_t)(at - g);
	memcpy(img + g + graph + 8, &u32, 4);
	u32 = 36;
	memcpy(img + g + graph + 12, &u32, 4);
	memset(img + g + graph + 16, 0, 16);
	memcpy(img + g + graph + 32, "\n---- Bun! ----\n", 16);
	return g + graph + 48;
}

static void test_bun(void **state)
{
	uint8_t img[1024];
	size_t len = bun_image(img, 100, "console.log(1)");
	struct insp_embed e;

	(void)state;
	assert_int_equal(insp_find_embed(img, len, &e), 0);
	assert_string_equal(e.kind, "bun");
	assert_int_equal(e.nmods, 1);
	assert_string_equal(e.mods[0].name, "/$bunfs/root/x.js");
	assert_memory_equal(img + e.mods[0].off, "console.log(1)", 14);
	insp_embed_release(&e);
	/* A module table pointing past the end: no embedding, no crash. */
	memset(img + len - 48 + 8, 0xFF, 8);
	assert_int_equal(insp_find_embed(img, len, &e), 0);
	assert_null(e.kind);
	/* Every truncation of a valid image is read without reading past it. */
	len = bun_image(img, 100, "console.log(1)");
	while (len--) {
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, img, len);
		assert_int_equal(insp_find_embed(copy, len, &e), 0);
		insp_embed_release(&e);
		free(copy);
	}
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* An ELF whose section-name table offset is near 2^64: stroff + name
 * wraps around to the ".bun" planted in the ELF header.  The section must
 * not be taken as .bun (the graph is then found as an appended payload). */
static void test_elf_name_wrap(void **state)
{
	uint8_t img[2048];
	size_t len = bun_image(img, 0x400, "x=1");
	struct insp_embed e;

	(void)state;
	memcpy(img, "\x7f" "ELF\x02\x01", 6);
	memcpy(img + 16, ".bun", 5);
	put64(img + 0x28, 0x100);       /* e_shoff */
	put16(img + 0x3A, 64);          /* e_shentsize */
	put16(img + 0x3C, 2);           /* e_shnum */
	put16(img + 0x3E, 0);           /* e_shstrndx */
	put64(img + 0x100 + 0x18, UINT64_MAX - 15);  /* the name table's offset */
	put32(img + 0x140, 32);         /* section 1: name -> stroff + 32 wraps to 16 */
	put32(img + 0x144, 1);
	put64(img + 0x140 + 0x18, 0x400);
	put64(img + 0x140 + 0x20, len - 0x400);
	assert_int_equal(insp_find_embed(img, len, &e), 0);
	assert_string_equal(e.kind, "bun");
	assert_non_null(strstr(e.how, "appended"));
	insp_embed_release(&e);
	/* With a real name table the same section is the .bun section. */
	put64(img + 0x100 + 0x18, 0);
	put32(img + 0x140, 16);
	assert_int_equal(insp_find_embed(img, len, &e), 0);
	assert_string_equal(e.how, "the ELF section .bun");
	insp_embed_release(&e);
}

static void test_sea_magic(void **state)
{
	static const char fuse[] = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1";
	uint8_t img[512] = { 0 };
	uint64_t n = 3;
	uint32_t magic = 0x0143DA20;
	struct insp_embed e;

	(void)state;
	memcpy(img, fuse, sizeof(fuse) - 1);
	memcpy(img + 100, &magic, 4);
	memcpy(img + 108, &n, 8);
	memcpy(img + 116, "a.js", 3);
	n = 5;
	memcpy(img + 119, &n, 8);
	memcpy(img + 127, "x=1;y", 5);
	assert_int_equal(insp_find_embed(img, 132, &e), 0);
	assert_string_equal(e.kind, "node-sea");
	assert_int_equal(e.nmods, 1);
	assert_int_equal(e.mods[0].off, 127);
	assert_int_equal(e.mods[0].len, 5);
	insp_embed_release(&e);
	/* A length past the end is rejected. */
	n = 1000;
	memcpy(img + 119, &n, 8);
	assert_int_equal(insp_find_embed(img, 132, &e), 0);
	assert_null(e.kind);
}

/* XOR with every key finds the same table: the delta search has no key. */
/* Candidates that end where the blob ends: an array whose fourth comma is
 * the last byte, a base64 literal and an escape with no closing quote.
 * Each blob is a heap copy of exactly its length, so a read one past the
 * end is caught by the sanitizer build. */
static void test_blob_end(void **state)
{
	static const char *const tails[] = {
		"x=[1,2,3,4,", "[1,2,3,4,", "x=\"QUJDREVGR0hpams", "x='\\x41\\x42",
		"\\u{E0041}", "\\uDB40\\uDC41", "Today's date is",
	};
	struct inspector *in;
	char err[256];
	size_t i;

	(void)state;
	in = inspector_new(NULL, err, sizeof(err));
	assert_non_null(in);
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t n = strlen(tails[i]);
		uint8_t *copy = malloc(n);
		struct insp_blob b = { "mem", NULL, copy, n, 0, true };

		memcpy(copy, tails[i], n);
		assert_int_equal(insp_blob_run(in, &b), 0);
		free(copy);
	}
	/* An XOR table whose decoder names the key in a variable assigned as
	 * the blob's very last bytes ("^Kk ... Kk=90"). */
	{
		static const char *const words[] = { "deepseek", "moonshot", "dashscope" };
		static const char code[] = "function d(c){return c^Kk}var Kk=90";
		uint8_t *copy = malloc(256);
		size_t n = 0, w, k, nf;
		struct insp_blob b = { "mem", NULL, copy, 0, 0, false };
		const struct insp_finding *f;

		for (w = 0; w < 3; w++) {
			for (k = 0; words[w][k]; k++)
				copy[n++] = (uint8_t)(words[w][k] ^ 90);
			copy[n++] = (uint8_t)(',' ^ 90);
		}
		memcpy(copy + n, code, sizeof(code) - 1);
		b.len = n + sizeof(code) - 1;
		copy = realloc(copy, b.len);
		b.p = copy;
		assert_int_equal(insp_blob_run(in, &b), 0);
		f = inspect_findings(in, &nf);
		assert_true(nf >= 1);
		assert_string_equal(f[nf - 1].rule, "obfuscation.xor-table");
		assert_non_null(f[nf - 1].decoder);
		assert_non_null(strstr(f[nf - 1].decoder, "Kk=90"));
		free(copy);
	}
	inspector_free(in);
}

/* Past the cap on findings, a table found is dropped and counted; it is
 * not an out-of-memory error that stops the inspection. */
static void test_findings_cap(void **state)
{
	static const char *const words[] = { "deepseek", "moonshot", "dashscope" };
	uint8_t text[64];
	size_t n = 0, w, i, nf;
	struct insp_blob b = { "mem", NULL, text, 0, 0, false };
	struct inspector *in;
	char err[256];

	(void)state;
	for (w = 0; w < 3; w++) {
		for (i = 0; words[w][i]; i++)
			text[n++] = (uint8_t)(words[w][i] ^ 7);
		text[n++] = (uint8_t)(',' ^ 7);
	}
	b.len = n;
	in = inspector_new(NULL, err, sizeof(err));
	assert_non_null(in);
	for (i = 0; i < INSP_MAX_FINDINGS + 2; i++)
		assert_int_equal(insp_blob_run(in, &b), 0);
	inspect_findings(in, &nf);
	assert_int_equal(nf, INSP_MAX_FINDINGS);
	assert_int_equal(inspect_dropped(in), 2);
	inspector_free(in);
}

static void test_every_key(void **state)
{
	static const char *const words[] = { "deepseek", "moonshot", "dashscope", "siliconflow" };
	struct inspector *in;
	char err[256];
	unsigned key;

	(void)state;
	in = inspector_new(NULL, err, sizeof(err));
	assert_non_null(in);
	for (key = 1; key < 256; key++) {
		uint8_t text[200];
		size_t n = 0, w, i, nf;
		struct insp_blob b = { "mem", NULL, text, 0, 0, false };
		const struct insp_finding *f;

		if (key == 0x20)
			continue;  /* capitals: indistinguishable from plain text */
		for (w = 0; w < 4; w++) {
			for (i = 0; words[w][i]; i++)
				text[n++] = (uint8_t)(words[w][i] ^ key);
			text[n++] = (uint8_t)(',' ^ key);
		}
		b.len = n;
		assert_int_equal(insp_blob_run(in, &b), 0);
		f = inspect_findings(in, &nf);
		assert_true(nf >= 1);
		assert_string_equal(f[nf - 1].rule, "obfuscation.xor-table");
		assert_int_equal(f[nf - 1].key, (int)key);
	}
	inspector_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_bun),
		cmocka_unit_test(test_elf_name_wrap),
		cmocka_unit_test(test_sea_magic),
		cmocka_unit_test(test_blob_end),
		cmocka_unit_test(test_findings_cap),
		cmocka_unit_test(test_every_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
