/* SPDX-License-Identifier: MIT */
/*
 * term.c - print untrusted text safely on a terminal.
 *
 * `overt log` shows bodies from the network, `overt inventory` paths from
 * users' homes and `overt inspect` names from archives: any of them can
 * hold escape sequences that move the cursor or retitle the window, or
 * bidi controls that make "evil.js" read as "sj.live".  Everything that is
 * not printable is shown as a visible escape instead; the bytes themselves
 * never reach the terminal.  Invisible characters (zero-width, tags,
 * variation selectors, fillers: Unicode's default-ignorable set) are
 * escaped too, since they are what a reviewer of an agent's traffic must
 * be able to see.
 */
#include <string.h>

#include <unicode/uchar.h>

#include "util/term.h"
#include "util/utf8.h"
#include "util/banned.h"

int term_needs_escape(uint32_t cp, unsigned flags)
{
	if ((flags & TERM_KEEP_LINES) && (cp == '\n' || cp == '\t'))
		return 0;
	if (cp < 0x20 || cp == 0x7F)
		return 1;
	if (cp < 0x80)
		return 0;
	return cp < 0xA0 || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
	       u_hasBinaryProperty((UChar32)cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
	       u_charType((UChar32)cp) == U_PRIVATE_USE_CHAR;
}

void term_put_safe(FILE *out, const char *s, size_t n, unsigned flags)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;
	uint32_t cp;
	size_t len;

	while (p < end) {
		if (utf8_decode(p, (size_t)(end - p), &cp, &len) != UTF8_OK) {
			fprintf(out, "\\x%02X", *p++);
			continue;
		}
		if (term_needs_escape(cp, flags))
			fprintf(out, "\\u{%04X}", (unsigned)cp);
		else
			fwrite(p, 1, len, out);
		p += len;
	}
}
