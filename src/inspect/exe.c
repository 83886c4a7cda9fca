/* SPDX-License-Identifier: MIT */
/*
 * exe.c - JavaScript embedded in native executables (Bun, Node SEA).
 *
 * Agents ship as single-file executables: a JavaScript runtime with the
 * agent's bundle appended or injected.  Inspecting the bundle means finding
 * it, so this file reads just enough of ELF, Mach-O and PE to locate:
 *   - Bun's standalone module graph: a ".bun" section (ELF, PE) or
 *     "__BUN,__bun" (Mach-O), or for older Bun a payload appended to the
 *     file; both end with the trailer "\n---- Bun! ----\n" preceded by an
 *     Offsets record that points at the module table;
 *   - Node's single executable application blob: an ELF note or Mach-O
 *     section named NODE_SEA_BLOB (as postject injects it), or the blob's
 *     magic number anywhere when the container is one we do not parse.
 * No library parses these layouts (libelf would cover ELF only, and the
 * Bun and SEA records are undocumented), so the code is small, reads only
 * the few fields it needs and checks every offset against the file size
 * before use: the input is hostile.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect/internal.h"
#include "util/banned.h"

static const char bun_trailer[] = "\n---- Bun! ----\n";
#define BUN_TRAILER_LEN 16
#define SEA_MAGIC 0x0143DA20u
#define MAX_MODULES 100000

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static uint32_t rd32be(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

/* [off, off+n) lies within a file of @len bytes. */
static bool within(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

bool insp_is_executable(const uint8_t *p, size_t len, const char **format)
{
	uint32_t pe;

	if (len >= 64 && !memcmp(p, "\x7f" "ELF", 4)) {
		*format = "ELF";
		return true;
	}
	if (len >= 32 && (rd32(p) == 0xFEEDFACFu || rd32(p) == 0xFEEDFACEu ||
			  rd32be(p) == 0xCAFEBABEu)) {
		*format = "Mach-O";
		return true;
	}
	if (len >= 64 && p[0] == 'M' && p[1] == 'Z' && (pe = rd32(p + 0x3C)) &&
	    within(pe, 24, len) && !memcmp(p + pe, "PE\0\0", 4)) {
		*format = "PE";
		return true;
	}
	return false;
}

/* A named region of an executable: a section, a segment or a note. */
struct region {
	uint64_t off, len;
	bool found;
};

static void elf_note_sea(const uint8_t *p, size_t len, uint64_t off, uint64_t size,
			 struct region *sea)
{
	uint64_t at = off, end = off + size;

	while (at + 12 <= end && !sea->found) {
		uint32_t namesz = rd32(p + at), descsz = rd32(p + at + 4);
		uint64_t name = at + 12, desc = name + ((namesz + 3u) & ~3u);

		if (!within(name, namesz, len) || !within(desc, descsz, len) || desc + descsz > end)
			return;
		if (namesz >= 13 && !memcmp(p + name, "NODE_SEA_BLOB", 13))
			*sea = (struct region){ desc, descsz, true };
		at = desc + ((descsz + 3u) & ~3u);
	}
}

/* ELF (64- and 32-bit, little-endian): the .bun section and SEA notes. */
static void elf_scan(const uint8_t *p, size_t len, struct region *bun, struct region *sea)
{
	bool is64 = p[4] == 2;
	uint64_t shoff = is64 ? rd64(p + 0x28) : rd32(p + 0x20);
	uint32_t shentsize = rd16(p + (is64 ? 0x3A : 0x2E));
	uint32_t shnum = rd16(p + (is64 ? 0x3C : 0x30));
	uint32_t shstrndx = rd16(p + (is64 ? 0x3E : 0x32));
	uint64_t stroff, i;

	if (p[5] != 1 || shentsize < (is64 ? 64u : 40u) || shstrndx >= shnum ||
	    !within(shoff, (uint64_t)shnum * shentsize, len))
		return;
	stroff = is64 ? rd64(p + shoff + shstrndx * shentsize + 0x18)
		      : rd32(p + shoff + shstrndx * shentsize + 0x10);
	for (i = 0; i < shnum; i++) {
		const uint8_t *sh = p + shoff + i * shentsize;
		uint32_t name = rd32(sh), type = rd32(sh + 4);
		uint64_t off = is64 ? rd64(sh + 0x18) : rd32(sh + 0x10);
		uint64_t size = is64 ? rd64(sh + 0x20) : rd32(sh + 0x14);

		/* stroff is the file's word: stroff + name can wrap around. */
		if (!within(off, size, len) || !within(stroff, (uint64_t)name + 5, len))
			continue;
		if (!memcmp(p + stroff + name, ".bun", 5))
			*bun = (struct region){ off, size, true };
		else if (type == 7 /* SHT_NOTE */)
			elf_note_sea(p, len, off, size, sea);
	}
}

/* Mach-O 64-bit, little-endian: __BUN,__bun and __POSTJECT,__NODE_SEA_BLOB. */
static void macho_scan(const uint8_t *p, size_t len, uint64_t base, struct region *bun,
		       struct region *sea)
{
	uint32_t ncmds, i, j;
	uint64_t at = 32;  /* not 32 bits: at + size must not wrap in a 4 GiB slice */

	if (len < 32 || rd32(p) != 0xFEEDFACFu)
		return;
	ncmds = rd32(p + 16);
	for (i = 0; i < ncmds && within(at, 8, len); i++) {
		uint32_t cmd = rd32(p + at), size = rd32(p + at + 4);

		if (size < 8 || !within(at, size, len))
			return;
		if (cmd == 0x19 /* LC_SEGMENT_64 */ && size >= 72) {
			uint32_t nsects = rd32(p + at + 64);

			for (j = 0; j < nsects && within(at + 72 + (uint64_t)j * 80, 80, at + size); j++) {
				const uint8_t *s = p + at + 72 + j * 80;
				struct region r = { base + rd32(s + 48), rd64(s + 40), true };

				if (!strncmp((const char *)s, "__bun", 16) && !strncmp((const char *)s + 16, "__BUN", 16))
					*bun = r;
				if (!strncmp((const char *)s, "__NODE_SEA_BLOB", 16))
					*sea = r;
			}
		}
		at += size;
	}
}

static void fat_scan(const uint8_t *p, size_t len, struct region *bun, struct region *sea)
{
	uint32_t n = rd32be(p + 4), i;

	for (i = 0; i < n && i < 16 && within(8 + (uint64_t)i * 20, 20, len); i++) {
		uint32_t off = rd32be(p + 8 + i * 20 + 8), size = rd32be(p + 8 + i * 20 + 12);

		if (within(off, size, len))
			macho_scan(p + off, size, off, bun, sea);
	}
}

static void pe_scan(const uint8_t *p, size_t len, struct region *bun)
{
	uint32_t pe = rd32(p + 0x3C), nsec, opt, i;
	uint64_t tab;

	if (!within(pe, 24, len))
		return;
	nsec = rd16(p + pe + 6);
	opt = rd16(p + pe + 20);
	tab = (uint64_t)pe + 24 + opt;
	for (i = 0; i < nsec && within(tab + (uint64_t)i * 40, 40, len); i++) {
		const uint8_t *s = p + tab + i * 40;

		if (!memcmp(s, ".bun\0", 5))
			*bun = (struct region){ rd32(s + 20), rd32(s + 16), true };
	}
}

/* The last Bun trailer in [off, off+n). */
static const uint8_t *last_trailer(const uint8_t *p, uint64_t off, uint64_t n)
{
	const uint8_t *q = p + off, *end = p + off + n, *hit, *last = NULL;

	while ((hit = memmem(q, (size_t)(end - q), bun_trailer, BUN_TRAILER_LEN))) {
		last = hit;
		q = hit + 1;
	}
	return last;
}

static bool bun_name_ok(const uint8_t *p, uint64_t n)
{
	return (n > 8 && (!memcmp(p, "/$bunfs/", 8) || !memcmp(p, "B:/~BUN/", 8) ||
			  !memcmp(p, "B:\\~BUN\\", 8)));
}

/* The size of one module record: the smallest that divides the table and
 * makes every record's name a Bun virtual path.  Records grew fields over
 * Bun's versions (bytecode, module format, ...), so it is found, not known. */
static uint32_t bun_record_size(const uint8_t *g, uint64_t glen, uint32_t moff, uint32_t mlen)
{
	uint32_t rs, i;

	for (rs = 16; rs <= 96; rs++) {
		if (mlen % rs || mlen / rs > MAX_MODULES)
			continue;
		for (i = 0; i < mlen / rs; i++) {
			const uint8_t *r = g + moff + (uint64_t)i * rs;
			uint32_t no = rd32(r), nl = rd32(r + 4), co = rd32(r + 8), cl = rd32(r + 12);

			if (!within(no, nl, glen) || !within(co, cl, glen) || !bun_name_ok(g + no, nl))
				break;
		}
		if (i == mlen / rs)
			return rs;
	}
	return 0;
}

static int bun_modules(const uint8_t *p, size_t len, const uint8_t *t, struct insp_embed *e)
{
	static const uint32_t osizes[] = { 32, 24 };
	size_t k;

	for (k = 0; k < 2; k++) {
		uint64_t at = (uint64_t)(t - p), osz = osizes[k], bc, start;
		uint32_t moff, mlen, rs, i;
		const uint8_t *g;

		if (at < osz)
			continue;
		bc = rd64(t - osz);
		moff = rd32(t - osz + 8);
		mlen = rd32(t - osz + 12);
		if (bc > at - osz || !within(moff, mlen, bc + osz))
			continue;
		start = at - osz - bc;
		g = p + start;
		if (!(rs = bun_record_size(g, at - start, moff, mlen)))
			continue;
		e->mods = calloc(mlen / rs, sizeof(*e->mods));
		if (!e->mods)
			return INSP_ENOMEM;
		for (i = 0; i < mlen / rs; i++) {
			const uint8_t *r = g + moff + (uint64_t)i * rs;

			e->mods[i].name = strndup((const char *)g + rd32(r), rd32(r + 4));
			e->mods[i].off = start + rd32(r + 8);
			e->mods[i].len = rd32(r + 12);
			if (!e->mods[i].name)
				return INSP_ENOMEM;
			e->nmods++;
		}
		e->off = start;
		e->len = at + BUN_TRAILER_LEN - start;
		(void)len;
		return 0;
	}
	return INSP_EFORMAT;
}

/* A SEA blob at @off: magic, flags, then length-prefixed code path and
 * main script (u64 lengths, as Node writes them on 64-bit platforms). */
static int sea_blob(const uint8_t *p, size_t len, uint64_t off, uint64_t n, struct insp_embed *e)
{
	uint64_t at = off + 8, end = off + n, plen, mlen;

	if (n < 24 || !within(off, n, len) || rd32(p + off) != SEA_MAGIC)
		return INSP_EFORMAT;
	plen = rd64(p + at);
	if (plen > end - at - 8)
		return INSP_EFORMAT;
	at += 8 + plen;
	if (end - at < 8 || (mlen = rd64(p + at)) > end - at - 8)
		return INSP_EFORMAT;
	if (!(e->mods = calloc(1, sizeof(*e->mods))))
		return INSP_ENOMEM;
	e->mods[0].name = plen && plen < 4096 ? strndup((const char *)p + off + 16, plen)
					       : strdup("main");
	if (!e->mods[0].name)
		return INSP_ENOMEM;
	e->mods[0].off = at + 8;
	e->mods[0].len = mlen;
	e->nmods = 1;
	e->off = off;
	e->len = n;
	return 0;
}

/* The SEA magic anywhere, for containers we do not parse (PE resources). */
static int sea_search(const uint8_t *p, size_t len, struct insp_embed *e)
{
	static const uint8_t magic[4] = { 0x20, 0xDA, 0x43, 0x01 };
	const uint8_t *q = p, *hit;

	while ((hit = memmem(q, len - (size_t)(q - p), magic, 4))) {
		if (!sea_blob(p, len, (uint64_t)(hit - p), len - (size_t)(hit - p), e))
			return 0;
		insp_embed_release(e);
		q = hit + 1;
	}
	return INSP_EFORMAT;
}

int insp_find_embed(const uint8_t *p, size_t len, struct insp_embed *e)
{
	struct region bun = { 0 }, sea = { 0 };
	const uint8_t *t = NULL;
	const char *format = "";
	memset(e, 0, sizeof(*e));
	insp_is_executable(p, len, &format);
	if (!strcmp(format, "ELF"))
		elf_scan(p, len, &bun, &sea);
	else if (!strcmp(format, "Mach-O"))
		rd32be(p) == 0xCAFEBABEu ? fat_scan(p, len, &bun, &sea) : macho_scan(p, len, 0, &bun, &sea);
	else if (!strcmp(format, "PE"))
		pe_scan(p, len, &bun);
	if (bun.found && within(bun.off, bun.len, len))
		t = last_trailer(p, bun.off, bun.len);
	if (!t && len > 4096 + BUN_TRAILER_LEN)
		t = last_trailer(p, len - 4096, 4096);
	if (!t)
		t = last_trailer(p, 0, len);
	if (t && !bun_modules(p, len, t, e)) {
		e->kind = "bun";
		e->how = !bun.found ? "a payload appended to the executable, ending in Bun's trailer"
			: !strcmp(format, "ELF") ? "the ELF section .bun"
			: !strcmp(format, "PE") ? "the PE section .bun" : "the Mach-O section __BUN,__bun";
		return 0;
	}
	insp_embed_release(e);
	if (sea.found && !sea_blob(p, len, sea.off, sea.len, e)) {
		e->kind = "node-sea";
		e->how = !strcmp(format, "ELF") ? "the ELF note NODE_SEA_BLOB (postject)"
						: "the Mach-O section __POSTJECT,__NODE_SEA_BLOB";
		return 0;
	}
	insp_embed_release(e);
	if (memmem(p, len, "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1", 48) &&
	    !sea_search(p, len, e)) {
		e->kind = "node-sea";
		e->how = "a NODE_SEA_BLOB found by its magic number (the SEA fuse is set)";
		return 0;
	}
	insp_embed_release(e);
	/* A trailer we cannot read is most likely Bun's own constant (the
	 * runtime carries the string it looks for): no embedding. */
	return 0;
}

void insp_embed_release(struct insp_embed *e)
{
	size_t i;

	for (i = 0; i < e->nmods; i++)
		free(e->mods[i].name);
	free(e->mods);
	memset(e, 0, sizeof(*e));
}
