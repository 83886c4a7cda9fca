/* SPDX-License-Identifier: MIT */
/*
 * arena.h - bump allocator whose allocations never move.
 *
 * Findings point at paths and messages that live as long as their report;
 * an arena gives them stable addresses and frees them all at once.
 */
#ifndef OVERT_ARENA_H
#define OVERT_ARENA_H

#include <stddef.h>

struct arena;

/* arena_new - an empty arena; NULL on allocation failure. */
struct arena *arena_new(void);
/* arena_free - free the arena and everything in it; NULL is accepted. */
void arena_free(struct arena *a);
/* arena_reset - forget all allocations, keeping the first block. */
void arena_reset(struct arena *a);
/* arena_alloc - @n bytes aligned for any type; NULL on failure. */
void *arena_alloc(struct arena *a, size_t n);
/* arena_strndup - copy @n bytes and a NUL; NULL on failure. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

#endif
