/* SPDX-License-Identifier: MIT */
/*
 * term.h - printing untrusted text (network bodies, file names from users'
 * homes, archive member names) on a terminal without letting it drive the
 * terminal or reorder what the reader sees.
 */
#ifndef OVERT_TERM_H
#define OVERT_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Keep '\n' and '\t' as they are (multi-line bodies); otherwise every
 * C0 control is escaped too (one-line fields such as paths). */
#define TERM_KEEP_LINES 1u

/* term_needs_escape - whether code point @cp is shown as an escape: C0
 * and C1 controls, DEL, the bidi controls (embeddings, overrides,
 * isolates), default-ignorable characters (zero-width, LRM/RLM, tags,
 * variation selectors, fillers, soft hyphen) and private-use characters. */
int term_needs_escape(uint32_t cp, unsigned flags);

/* term_put_safe - write @n bytes of @s to @out: valid UTF-8 as it is but
 * for the characters term_needs_escape names ("\u{202E}"), and every byte
 * of an invalid sequence as "\xNN". */
void term_put_safe(FILE *out, const char *s, size_t n, unsigned flags);

#endif
