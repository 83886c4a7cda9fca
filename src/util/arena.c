/* SPDX-License-Identifier: MIT */
/*
 * arena.c - chained blocks; a request larger than a block gets its own.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/banned.h"

#define BLOCK_SIZE (64 * 1024)

struct block {
	struct block *next;
	size_t used;
	size_t size;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct block *head;
};

static struct block *block_new(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);

	if (!b)
		return NULL;
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->head = block_new(BLOCK_SIZE);
	if (!a->head) {
		free(a);
		return NULL;
	}
	return a;
}

void arena_free(struct arena *a)
{
	struct block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void arena_reset(struct arena *a)
{
	struct block *b, *next;

	/* Keep the oldest block: it is the one a steady workload reuses. */
	while (a->head->next) {
		b = a->head;
		next = b->next;
		free(b);
		a->head = next;
	}
	a->head->used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct block *b = a->head;
	size_t off;

	if (n > SIZE_MAX - align)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	off = b->used;
	if (n > b->size - off) {
		b = block_new(n > BLOCK_SIZE ? n : BLOCK_SIZE);
		if (!b)
			return NULL;
		b->next = a->head;
		a->head = b;
		off = 0;
	}
	b->used = off + n;
	return b->data + off;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = n < SIZE_MAX ? arena_alloc(a, n + 1) : NULL;

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
