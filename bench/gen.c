/* SPDX-License-Identifier: MIT */
/*
 * gen.c - deterministic corpus generator for the scan benchmark.  It writes
 * request bodies shaped like the ones coding agents send to the Anthropic
 * Messages API (system prompt, user/assistant turns with tool_use and
 * tool_result blocks, a tools array with JSON schemas), about 200 KB each,
 * one per line (jsonl) or a single body (raw).  The "ascii" kind is English
 * prose, markdown, source code and tool output; the "cjk" kind keeps about
 * 70% of its bytes in Chinese and Japanese text.  Both carry a sprinkle of
 * the characters a scanner must look at but not flag (\u00e9, \u2019, em
 * dashes, about one per 50 KB) and, in a few bodies, a real marker: a zero
 * width space or a "Today\u2019s date is 2026/06/30." sentence.  The same
 * seed always gives the same bytes: the PRNG is our own splitmix64, so the
 * corpus does not depend on the libc.  Used by bench/run-scan.sh.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define OUT_CAP (1u << 20)     /* write buffer; bodies stream through it */
#define BODY_MIN (150u * 1000) /* body sizes are drawn from [MIN, MAX] */
#define BODY_MAX (250u * 1000)
#define CJK_TEXT_PERMILLE 900 /* see want_cjk() */
#define TOOLS_SEED UINT64_C(0x746f6f6c73) /* tool definitions never change */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum kind { KIND_ASCII, KIND_CJK };
enum format { FORMAT_JSONL, FORMAT_RAW };

struct out {
	FILE *fp; /* NULL: count bytes only (measuring the tools array) */
	unsigned char *buf;
	size_t len;
	uint64_t pos; /* bytes emitted in the current body */
	bool failed;
};

struct gen {
	uint64_t rng;
	enum kind kind;
	struct out o;
	uint64_t cjk_bytes;     /* bytes of CJK text in the current body */
	uint64_t next_sprinkle; /* body offset of the next sprinkled character */
	uint64_t next_leak;     /* body offset of the next leaked secret (leaks[]) */
	bool quiet;             /* no sprinkles (tool definitions) */
	bool zwsp_pending;      /* this body still owes its zero width space */
	uint64_t tools_len;
};

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* below - uniform in [0, n); the multiply-shift bias is far below noise. */
static uint32_t below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((splitmix64(&g->rng) >> 32) * n) >> 32);
}

static uint32_t range(struct gen *g, uint32_t lo, uint32_t hi)
{
	return lo + below(g, hi - lo + 1);
}

static bool chance(struct gen *g, uint32_t num, uint32_t den)
{
	return below(g, den) < num;
}

#define PICK(g, arr) ((arr)[below((g), NELEM(arr))])

/* ---- output ------------------------------------------------------------- */

static void out_flush(struct out *o)
{
	if (o->len && o->fp && !o->failed &&
	    fwrite(o->buf, 1, o->len, o->fp) != o->len)
		o->failed = true;
	o->len = 0;
}

static unsigned char *out_reserve(struct out *o, size_t n)
{
	if (OUT_CAP - o->len < n)
		out_flush(o);
	return o->buf + o->len;
}

/* lit - JSON syntax or text that needs no escaping, emitted as is. */
static void lit_n(struct gen *g, const char *s, size_t n)
{
	while (n) {
		size_t chunk = n < 4096 ? n : 4096;

		memcpy(out_reserve(&g->o, chunk), s, chunk);
		g->o.len += chunk;
		g->o.pos += chunk;
		s += chunk;
		n -= chunk;
	}
}

static void lit(struct gen *g, const char *s)
{
	lit_n(g, s, strlen(s));
}

/*
 * txt_n - logical text inside a JSON string: quotes, backslashes and control
 * characters are escaped the way JSON.stringify does, everything else
 * (including UTF-8) goes through unchanged.
 */
static void txt_n(struct gen *g, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	while (n) {
		size_t chunk = n < 4096 ? n : 4096;
		unsigned char *d = out_reserve(&g->o, 6 * chunk), *start = d;

		for (size_t i = 0; i < chunk; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '"' || c == '\\') {
				*d++ = '\\';
				*d++ = c;
			} else if (c == '\n') {
				*d++ = '\\';
				*d++ = 'n';
			} else if (c == '\t') {
				*d++ = '\\';
				*d++ = 't';
			} else if (c < 0x20) {
				memcpy(d, "\\u00", 4);
				d[4] = (unsigned char)hex[c >> 4];
				d[5] = (unsigned char)hex[c & 15];
				d += 6;
			} else {
				*d++ = c;
			}
		}
		g->o.len += (size_t)(d - start);
		g->o.pos += (uint64_t)(d - start);
		s += chunk;
		n -= chunk;
	}
}

static void txt(struct gen *g, const char *s)
{
	txt_n(g, s, strlen(s));
}

static void num(struct gen *g, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	lit(g, b);
}

/* ---- vocabulary --------------------------------------------------------- */

static const char *const words[] = {
	"the", "the", "the", "a", "a", "to", "to", "of", "of", "and", "and",
	"in", "in", "is", "is", "that", "it", "for", "on", "with", "as", "this",
	"be", "are", "not", "we", "you", "can", "will", "if", "when", "from",
	"by", "or", "an", "but", "all", "so", "there", "which", "should",
	"would", "could", "into", "only", "after", "before", "then", "also",
	"file", "function", "value", "buffer", "request", "response", "error",
	"test", "tests", "build", "change", "code", "line", "lines", "path",
	"string", "number", "byte", "bytes", "length", "parser", "scanner",
	"config", "option", "flag", "command", "output", "input", "return",
	"call", "calls", "loop", "state", "list", "table", "index", "key",
	"field", "type", "struct", "pointer", "memory", "size", "limit",
	"check", "checks", "case", "cases", "module", "package", "version",
	"release", "branch", "commit", "diff", "patch", "review", "comment",
	"issue", "bug", "fix", "crash", "warning", "compiler", "header",
	"library", "server", "client", "proxy", "socket", "stream", "event",
	"handler", "queue", "thread", "process", "signal", "timeout", "retry",
	"cache", "database", "query", "schema", "record", "log", "message",
	"user", "agent", "model", "token", "tokens", "prompt", "tool", "result",
	"directory", "repository", "script", "shell", "environment", "variable",
	"simple", "small", "large", "new", "old", "first", "last", "next",
	"same", "other", "different", "correct", "wrong", "safe", "fast",
	"slow", "empty", "valid", "invalid", "missing", "current", "default",
	"explicit", "internal", "public", "private", "static", "global",
	"local", "simpler", "clear", "careful", "unused", "existing",
	"read", "write", "open", "close", "parse", "scan", "run", "add",
	"remove", "update", "rename", "move", "keep", "use", "make", "need",
	"want", "see", "look", "find", "try", "handle", "pass", "fail",
	"start", "stop", "skip", "allocate", "free", "copy", "compare",
	"print", "report", "match", "split", "join", "load", "save", "send",
	"receive", "because", "instead", "probably", "already", "still",
	"again", "here", "now", "just", "once", "every", "each", "both",
	"either", "neither", "whether", "while", "until", "without", "about",
};

static const char *const contractions[] = {
	"don't", "it's", "we'll", "doesn't", "I'm", "that's", "you're",
	"isn't", "can't", "won't", "there's", "let's", "we're", "I'll",
	"didn't", "shouldn't", "wasn't", "aren't", "I've", "we've",
};

static const char *const idents[] = {
	"buf", "len", "ctx", "cfg", "path", "name", "data", "item", "items",
	"node", "next", "prev", "count", "offset", "limit", "state", "result",
	"request", "response", "body", "header", "token", "cursor", "entry",
	"scan", "parse", "read", "write", "open", "close", "init", "free",
	"check", "match", "decode", "encode", "flush", "report", "finding",
	"policy", "scheme", "origin", "stream", "event", "handler", "queue",
	"width", "height", "index", "key", "value", "error", "status", "line",
};

static const char *const types[] = {
	"int", "size_t", "uint32_t", "uint8_t", "const char *", "bool",
	"struct buf *", "struct scan_ctx *", "ssize_t", "uint64_t", "double",
};

static const char *const dirs[] = {
	"src", "src/scan", "src/json", "src/util", "lib", "tests", "tests/unit",
	"docs", "scripts", "include", "app/models", "pkg/server", "cmd", "web",
};

static const char *const exts[] = {
	".c", ".h", ".py", ".js", ".ts", ".md", ".json", ".sh", ".c", ".py",
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const char *const models[] = {
	"claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805",
	"claude-3-5-haiku-20241022", "claude-sonnet-4-20250514",
};

/* ---- placeholders ------------------------------------------------------- */

static void emit_ident(struct gen *g, bool camel)
{
	unsigned parts = range(g, 1, 3);

	for (unsigned i = 0; i < parts; i++) {
		const char *w = PICK(g, idents);

		if (i && !camel) {
			txt(g, "_");
		} else if (i && camel) {
			char up[2] = { (char)(w[0] - 'a' + 'A'), 0 };

			txt(g, up);
			w++;
		}
		txt(g, w);
	}
}

static void emit_path(struct gen *g)
{
	txt(g, PICK(g, dirs));
	txt(g, "/");
	emit_ident(g, false);
	txt(g, PICK(g, exts));
}

/*
 * emit_fmt - three random numbers [lo, hi] through a format.  They are drawn
 * here one after the other: as function arguments their order would be
 * unspecified, and gcc and clang would write different corpora.
 */
static void emit_fmt(struct gen *g, const char *fmt, const unsigned lo[3],
		     const unsigned hi[3])
{
	unsigned v[3];
	char tmp[64];

	for (unsigned i = 0; i < 3; i++)
		v[i] = range(g, lo[i], hi[i]);
	snprintf(tmp, sizeof(tmp), fmt, v[0], v[1], v[2]);
	txt(g, tmp);
}

static void emit_hex(struct gen *g, unsigned digits)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[48];

	if (digits >= sizeof(tmp))
		digits = sizeof(tmp) - 1;
	for (unsigned i = 0; i < digits; i++)
		tmp[i] = hex[below(g, 16)];
	tmp[digits] = 0;
	txt(g, tmp);
}

/* emit_token - @n letters and digits, or capitals and digits, as keys have. */
static void emit_token(struct gen *g, unsigned n, bool upper)
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char tmp[48];

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	for (unsigned i = 0; i < n; i++)
		tmp[i] = b62[below(g, upper ? 36 : 62)];
	tmp[n] = 0;
	txt(g, tmp);
}

static void emit_phrase(struct gen *g, unsigned lo, unsigned hi)
{
	unsigned n = range(g, lo, hi);

	for (unsigned i = 0; i < n; i++) {
		if (i)
			txt(g, " ");
		txt(g, PICK(g, words));
	}
}

/*
 * expand - write a template as JSON string text.  $i identifier, $c
 * camelCase identifier, $T C type, $n number, $p path, $v version, $d ISO
 * date, $t time, $w word, $s phrase, $h short hash, $H full hash, $m month,
 * $D day of the month, $M machine id, $k 40 letters and digits, $K 16
 * capitals and digits, $$ a dollar sign.
 */
static void expand(struct gen *g, const char *t)
{
	while (*t) {
		const char *dollar = strchr(t, '$');

		if (!dollar) {
			txt(g, t);
			return;
		}
		txt_n(g, t, (size_t)(dollar - t));
		switch (dollar[1]) {
		case 'i': emit_ident(g, false); break;
		case 'c': emit_ident(g, true); break;
		case 'T': txt(g, PICK(g, types)); break;
		case 'n': num(g, chance(g, 3, 4) ? below(g, 512) : below(g, 70000)); break;
		case 'p': emit_path(g); break;
		case 'v': emit_fmt(g, "%u.%u.%u", (unsigned[]){ 0, 0, 0 }, (unsigned[]){ 4, 29, 11 }); break;
		case 'd': emit_fmt(g, "%u-%02u-%02u", (unsigned[]){ 2023, 1, 1 }, (unsigned[]){ 2026, 12, 28 }); break;
		case 't': emit_fmt(g, "%02u:%02u:%02u", (unsigned[]){ 0, 0, 0 }, (unsigned[]){ 23, 59, 59 }); break;
		case 'w': txt(g, PICK(g, words)); break;
		case 's': emit_phrase(g, 3, 9); break;
		case 'h': emit_hex(g, 8); break;
		case 'H': emit_hex(g, 40); break;
		case 'M': emit_hex(g, 32); break;
		case 'k': emit_token(g, 40, false); break;
		case 'K': emit_token(g, 16, true); break;
		case 'm': txt(g, PICK(g, months)); break;
		case 'D': num(g, range(g, 1, 28)); break;
		case '$': txt(g, "$"); break;
		default: txt_n(g, dollar, dollar[1] ? 2 : 1); break;
		}
		t = dollar + (dollar[1] ? 2 : 1);
	}
}

/* ---- sprinkles and markers ---------------------------------------------- */

/*
 * maybe_sprinkle - about once per 50 KB of body, a character that real
 * traffic carries and a scanner must not call covert: accented letters and
 * typographic punctuation, as JSON escapes or raw UTF-8.
 */
static void maybe_sprinkle(struct gen *g)
{
	if (g->quiet || g->o.pos < g->next_sprinkle)
		return;
	g->next_sprinkle = g->o.pos + range(g, 25000, 75000);
	switch (below(g, 5)) {
	case 0: lit(g, "caf\\u00e9 "); break;
	case 1: lit(g, "it\\u2019s "); break;
	case 2: lit(g, "\\u2014 "); break;
	case 3: txt(g, "\xe2\x80\x94 "); break;   /* U+2014 raw */
	default: txt(g, "r\xc3\xa9sum\xc3\xa9 "); break; /* U+00E9 raw */
	}
}

/*
 * Lines of tool output that leak what the secret and environment rules
 * look for (made-up keys in the real shapes, private addresses, home
 * paths, a machine id), about one per 40 KB of tool output, so that the
 * benchmark pays for confirming them.
 */
static const char *const leaks[] = {
	"export ANTHROPIC_API_KEY=sk-ant-api03-$k$k\n",
	"OPENAI_API_KEY=sk-proj-$k\n",
	"[default]\naws_access_key_id = AKIA$K\naws_secret_access_key = $k\n",
	"remote: https://$i:ghp_$kAbCd@github.com/$i/$i.git\n",
	"DATABASE_URL=postgres://app:$k@10.0.$D.$D:5432/$i\n",
	"ssh dev@192.168.$D.$n 'uptime' # from /Users/alice/src/$i\n",
	"/etc/machine-id: $M\n",
	"curl -s http://build.corp.internal:8080/$i\n",
};

static void maybe_leak(struct gen *g)
{
	if (g->quiet || g->o.pos < g->next_leak)
		return;
	g->next_leak = g->o.pos + range(g, 20000, 60000);
	expand(g, PICK(g, leaks));
}

/* word - one prose word, carrying this body's zero width space if owed. */
static void word(struct gen *g, const char *w)
{
	size_t n = strlen(w);

	if (g->zwsp_pending && !g->quiet && n >= 4 && chance(g, 1, 1500)) {
		txt_n(g, w, n / 2);
		txt(g, "\xe2\x80\x8b"); /* U+200B */
		txt(g, w + n / 2);
		g->zwsp_pending = false;
		return;
	}
	txt_n(g, w, n);
}

/* ---- English prose and markdown ----------------------------------------- */

static void sentence_en(struct gen *g)
{
	unsigned n = range(g, 6, 22);

	for (unsigned i = 0; i < n; i++) {
		unsigned r = below(g, 100);

		if (i)
			txt(g, chance(g, 1, 12) ? ", " : " ");
		maybe_sprinkle(g);
		if (i == 0) {
			const char *w = PICK(g, words);
			char up[2] = { (char)(w[0] >= 'a' && w[0] <= 'z' ? w[0] - 32 : w[0]), 0 };

			txt(g, up);
			word(g, w + 1);
		} else if (r < 6) {
			txt(g, PICK(g, contractions));
		} else if (r < 9) {
			expand(g, "`$i()`");
		} else if (r < 10) {
			expand(g, "`$p`");
		} else if (r < 11) {
			expand(g, chance(g, 1, 2) ? "v$v" : "$d");
		} else if (r < 13) {
			expand(g, "$n");
		} else {
			word(g, PICK(g, words));
		}
	}
	txt(g, chance(g, 1, 10) ? "?" : chance(g, 1, 12) ? ":" : ".");
}

static void paragraph_en(struct gen *g)
{
	unsigned n = range(g, 2, 6);

	for (unsigned i = 0; i < n; i++) {
		if (i)
			txt(g, " ");
		sentence_en(g);
	}
	txt(g, "\n\n");
}

static void code_block(struct gen *g, uint64_t budget);

static void markdown_en(struct gen *g, uint64_t budget)
{
	uint64_t end = g->o.pos + budget;

	while (g->o.pos < end) {
		unsigned r = below(g, 100);

		if (r < 8) {
			expand(g, chance(g, 1, 2) ? "## $s\n\n" : "### $w $w\n\n");
		} else if (r < 20) {
			unsigned items = range(g, 2, 6);

			for (unsigned i = 0; i < items; i++) {
				expand(g, chance(g, 1, 2) ? "- **$w**: " : "- ");
				sentence_en(g);
				txt(g, "\n");
			}
			txt(g, "\n");
		} else if (r < 30) {
			code_block(g, range(g, 200, 1500));
		} else {
			paragraph_en(g);
		}
	}
}

/* ---- source code -------------------------------------------------------- */

static const char *const c_lines[] = {
	"\tif ($i == NULL)\n\t\treturn -EINVAL;\n",
	"\tsize_t $i = strlen($i);\n",
	"\tfprintf(stderr, \"cannot open '%s': %s\\n\", $i, strerror(errno));\n",
	"\tfor (size_t i = 0; i < $i->len; i++) {\n\t\tif ($i->items[i].$i == $n)\n\t\t\tbreak;\n\t}\n",
	"\tint rc = $i($i, $n);\n\tif (rc < 0)\n\t\tgoto out;\n",
	"\t/* $s. */\n",
	"\tmemcpy($i->buf + $i->len, $i, $i);\n",
	"\tsnprintf(buf, sizeof(buf), \"%s/%s\", $i, \"$p\");\n",
	"\tuint32_t $i = 0x$h;\n",
	"\treturn $i(ctx, \"$w\\t$w\");\n",
	"\tassert($i->$i <= $n);\n",
	"\tswitch ($i) {\n\tcase $n:\n\t\treturn \"$w\";\n\tdefault:\n\t\tbreak;\n\t}\n",
	"\t$T$i = $i($i);\n",
	"\tprintf(\"%-20s %8zu\\n\", \"$w\", $i);\n",
	"\n",
};

static const char *const py_lines[] = {
	"    \"\"\"$s.\"\"\"\n",
	"    if $i is None:\n        raise ValueError(f\"invalid $w: {$i!r}\")\n",
	"    with open(\"$p\", \"r\", encoding=\"utf-8\") as fh:\n        data = json.load(fh)\n",
	"    for $i in $i:\n        print(f\"{$i}\\t{$i}\")\n",
	"    return {\"$w\": $n, \"$w\": \"$w\"}\n",
	"    # $s\n",
	"    $i = re.compile(r\"^(\\d{4})-(\\d{2})-(\\d{2})$$\")\n",
	"    logger.info(\"%s took %.2fs\", $i, elapsed)\n",
	"    $i = $i.get(\"$w\", $n)\n",
	"    assert $i == $n, \"expected $n\"\n",
	"\n",
};

static const char *const js_lines[] = {
	"  const $c = await fetch(`https://api.example.com/v1/${$c}`, { method: 'POST' });\n",
	"  if (!$c) throw new Error(\"missing $w: \" + $c);\n",
	"  const { $c, $c } = require('$w');\n",
	"  console.log('[%s] %d $w', $c, $n);\n",
	"  return $c.map((x) => x.$c).filter(Boolean).join(\"\\n\");\n",
	"  // $s\n",
	"  let $c = JSON.parse(fs.readFileSync(\"$p\", 'utf8'));\n",
	"  expect($c($n)).toBe(\"$w\");\n",
	"\n",
};

static const char *code_line(struct gen *g, unsigned lang)
{
	return lang == 0 ? PICK(g, c_lines) : lang == 1 ? PICK(g, py_lines)
							: PICK(g, js_lines);
}

/* code - whole functions in C, Python or JavaScript, as logical text. */
static void code(struct gen *g, uint64_t budget, unsigned lang)
{
	uint64_t end = g->o.pos + budget;

	while (g->o.pos < end) {
		unsigned n = range(g, 3, 12);

		if (lang == 0)
			expand(g, chance(g, 1, 4) ? "#include <$i.h>\n\nstatic int $i($T$i, const char *$i)\n{\n"
						  : "int $i($T$i)\n{\n");
		else if (lang == 1)
			expand(g, chance(g, 1, 4) ? "import $i\nfrom $i import $i\n\ndef $i($i, $i=None):\n"
						  : "def $i(self, $i):\n");
		else
			expand(g, "export async function $c($c, options = {}) {\n");
		for (unsigned i = 0; i < n && g->o.pos < end; i++)
			expand(g, code_line(g, lang));
		txt(g, lang == 1 ? "\n" : "}\n\n");
	}
}

static void code_block(struct gen *g, uint64_t budget)
{
	static const char *const fence[] = { "```c\n", "```python\n", "```js\n" };
	unsigned lang = below(g, 3);

	txt(g, fence[lang]);
	code(g, budget, lang);
	txt(g, "```\n\n");
}

/* ---- CJK prose ---------------------------------------------------------- */

/* Common Hanzi (all three bytes in UTF-8); split at run time. */
static const char hanzi[] =
	"的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生"
	"会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无"
	"开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意"
	"进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间"
	"新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却"
	"代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数"
	"件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解"
	"各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论"
	"百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传"
	"近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语"
	"英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩"
	"站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组"
	"造落视济喜离虽坏兴切跑谈码件库函数据测试错误文档配置";

static const char *const kana_particles[] = {
	"の", "は", "を", "に", "が", "で", "と", "も", "から", "まで", "へ",
	"という", "ために", "について", "として", "による", "では", "には",
};

static const char *const kana_endings[] = {
	"です。", "ます。", "しました。", "でした。", "ません。", "してください。",
	"になります。", "できます。", "があります。", "しています。",
};

static const char *const katakana[] = {
	"ファイル", "サーバー", "データ", "テスト", "コード", "エラー", "メモリ",
	"プロセス", "リクエスト", "バージョン", "ディレクトリ", "コンパイラ",
	"ライブラリ", "モジュール", "インターフェース", "スキャナー", "ツール",
	"モデル", "パス", "バッファ", "ログ", "キャッシュ", "プロキシ",
};

static void cjk_put(struct gen *g, const char *s, size_t n)
{
	lit_n(g, s, n); /* only multi-byte characters: nothing to escape */
	g->cjk_bytes += n;
}

static void hanzi_run(struct gen *g, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (g->zwsp_pending && !g->quiet && chance(g, 1, 3000)) {
			txt(g, "\xe2\x80\x8b"); /* U+200B, the body's marker */
			g->zwsp_pending = false;
		}
		cjk_put(g, hanzi + 3 * below(g, (sizeof(hanzi) - 1) / 3), 3);
	}
}

/* sentence_zh - clauses of Hanzi with full-width punctuation and code. */
static void sentence_zh(struct gen *g)
{
	unsigned clauses = range(g, 1, 4);

	for (unsigned i = 0; i < clauses; i++) {
		unsigned r = below(g, 100);

		maybe_sprinkle(g);
		hanzi_run(g, range(g, 3, 14));
		if (r < 8) {
			expand(g, " `$i()` ");
			hanzi_run(g, range(g, 2, 6));
		} else if (r < 14) {
			cjk_put(g, "「", 3);
			hanzi_run(g, range(g, 2, 5));
			cjk_put(g, "」", 3);
		} else if (r < 19) {
			cjk_put(g, "（", 3);
			expand(g, chance(g, 1, 2) ? "$w" : "$n");
			cjk_put(g, "）", 3);
		}
		if (i + 1 < clauses)
			cjk_put(g, "，", 3);
	}
	if (chance(g, 1, 10)) {
		cjk_put(g, "：", 3);
		hanzi_run(g, range(g, 2, 6));
	}
	cjk_put(g, "。", 3);
}

/* sentence_ja - Kanji and Katakana words held together by Hiragana. */
static void sentence_ja(struct gen *g)
{
	unsigned parts = range(g, 2, 6);

	for (unsigned i = 0; i < parts; i++) {
		const char *s;

		maybe_sprinkle(g);
		if (chance(g, 1, 3)) {
			s = PICK(g, katakana);
			cjk_put(g, s, strlen(s));
		} else if (chance(g, 1, 12)) {
			cjk_put(g, "「", 3);
			expand(g, "$p");
			cjk_put(g, "」", 3);
		} else {
			hanzi_run(g, range(g, 1, 3));
		}
		s = PICK(g, kana_particles);
		cjk_put(g, s, strlen(s));
		if (chance(g, 1, 5))
			cjk_put(g, "、", 3);
	}
	hanzi_run(g, range(g, 1, 2));
	{
		const char *s = PICK(g, kana_endings);

		cjk_put(g, s, strlen(s));
	}
}

static void paragraph_cjk(struct gen *g)
{
	bool ja = chance(g, 2, 5);
	unsigned n = range(g, 2, 8);

	if (chance(g, 1, 8)) {
		txt(g, "## ");
		hanzi_run(g, range(g, 3, 8));
		txt(g, "\n\n");
	}
	for (unsigned i = 0; i < n; i++) {
		if (ja)
			sentence_ja(g);
		else
			sentence_zh(g);
	}
	txt(g, "\n\n");
}

/* ---- mixed text --------------------------------------------------------- */

/*
 * want_cjk - keep the CJK kind at about 70% CJK bytes over each body.  Only
 * the free text follows this; tool inputs, the JSON around them and the
 * tools array stay ASCII, so the text aims higher than the body's share.
 */
static bool want_cjk(const struct gen *g)
{
	return g->kind == KIND_CJK &&
	       g->cjk_bytes * 1000 < g->o.pos * CJK_TEXT_PERMILLE;
}

/* text - what a human or the model writes: prose, lists, code blocks. */
static void text(struct gen *g, uint64_t budget)
{
	uint64_t end = g->o.pos + budget;

	while (g->o.pos < end) {
		uint64_t left = end - g->o.pos;

		if (want_cjk(g))
			paragraph_cjk(g);
		else
			markdown_en(g, left < 800 ? left : range(g, 300, 800));
	}
}

/* ---- tool output -------------------------------------------------------- */

static const char *const out_lines[] = {
	"-rw-r--r-- 1 dev dev $n $m $D $t $p\n",
	"drwxr-xr-x 2 dev dev 4096 $m $D $t $i\n",
	"$p:$n:$n: warning: unused variable '$i' [-Wunused-variable]\n",
	"$p:$n:$n: error: '$i' undeclared (first use in this function)\n",
	"test_$i (tests.test_$i.$c) ... ok\n",
	"PASS  $p ($n ms)\n",
	"FAIL tests/test_$i.py::test_$i - AssertionError: assert $n == $n\n",
	"commit $H\nAuthor: dev <dev@example.com>\nDate:   Tue $m $D $t 2026 +0200\n\n    $s\n\n",
	"@@ -$n,$n +$n,$n @@ $i\n-\t$i = $n;\n+\t$i = $n;\n",
	"$p:$n:    $i = $i($i, \"$w\");\n",
	"[$d $t] INFO  $i: $s ($n ms)\n",
	"npm WARN deprecated $i@$v: $s\n",
	"  Compiling $i v$v\n",
	"[$n/$n] Building C object CMakeFiles/$i.dir/$p.o\n",
};

/* file_listing - a source file as the Read tool shows it: numbered lines. */
static void file_listing(struct gen *g, uint64_t budget)
{
	uint64_t end = g->o.pos + budget;
	unsigned lang = below(g, 3), line = range(g, 1, 400);

	while (g->o.pos < end) {
		char no[16];

		snprintf(no, sizeof(no), "%6u\t", line++);
		txt(g, no);
		if (want_cjk(g)) {
			txt(g, lang == 1 ? "# " : "// ");
			sentence_zh(g);
			txt(g, "\n");
		} else {
			expand(g, code_line(g, lang));
		}
	}
}

static void tool_output(struct gen *g, uint64_t budget)
{
	uint64_t end = g->o.pos + budget;

	if (chance(g, 2, 5)) {
		file_listing(g, budget);
		return;
	}
	while (g->o.pos < end) {
		if (want_cjk(g)) {
			paragraph_cjk(g);
			continue;
		}
		expand(g, PICK(g, out_lines));
		if (chance(g, 1, 40))
			maybe_sprinkle(g);
		if (chance(g, 1, 20))
			maybe_leak(g);
	}
}

/* ---- message blocks ----------------------------------------------------- */

static void tool_id(struct gen *g, char id[32])
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	memcpy(id, "toolu_01", 8);
	for (unsigned i = 8; i < 30; i++)
		id[i] = b62[below(g, 62)];
	id[30] = 0;
}

static const char *const commands[] = {
	"git status --short && git log --oneline -n 5",
	"cd /home/dev/$w && make -j2 2>&1 | tail -n 20",
	"rg -n \"$i\" src/ --type c",
	"python3 -m pytest tests/test_$i.py -q -k \"$w\"",
	"npm test -- --grep \"$w\"",
	"ls -la $p",
	"sed -n '$n,$np' $p",
	"gcc -O2 -Wall -o /tmp/$i $p && /tmp/$i --help",
	"cmake --build build --target $i -j2",
	"find . -name '*.c' -newer $p | xargs wc -l",
	"echo \"$$HOME\" && env | grep -i $w",
};


enum tool { TOOL_BASH, TOOL_READ, TOOL_EDIT, TOOL_WRITE, TOOL_GREP };

static const char *const tool_names[] = { "Bash", "Read", "Edit", "Write", "Grep" };

static enum tool pick_tool(struct gen *g)
{
	static const enum tool mix[] = {
		TOOL_BASH, TOOL_BASH, TOOL_BASH, TOOL_READ, TOOL_READ,
		TOOL_EDIT, TOOL_EDIT, TOOL_WRITE, TOOL_GREP,
	};

	return PICK(g, mix);
}

/* tool_input - the "input" object of a tool_use block. */
static void tool_input(struct gen *g, enum tool tool, uint64_t budget)
{
	switch (tool) {
	case TOOL_BASH:
		lit(g, "{\"command\":\"");
		expand(g, PICK(g, commands));
		lit(g, "\",\"description\":\"");
		emit_phrase(g, 3, 8);
		lit(g, "\"}");
		break;
	case TOOL_READ:
		lit(g, "{\"file_path\":\"/home/dev/project/");
		emit_path(g);
		lit(g, "\"}");
		break;
	case TOOL_EDIT:
		lit(g, "{\"file_path\":\"/home/dev/project/");
		emit_path(g);
		lit(g, "\",\"old_string\":\"");
		code(g, budget / 2, below(g, 3));
		lit(g, "\",\"new_string\":\"");
		code(g, budget / 2, below(g, 3));
		lit(g, "\",\"replace_all\":false}");
		break;
	case TOOL_WRITE:
		lit(g, "{\"file_path\":\"/home/dev/project/");
		emit_path(g);
		lit(g, "\",\"content\":\"");
		if (chance(g, 1, 3))
			text(g, budget);
		else
			code(g, budget, below(g, 3));
		lit(g, "\"}");
		break;
	default:
		lit(g, "{\"pattern\":\"");
		expand(g, chance(g, 1, 2) ? "$i\\(" : "$i|$i");
		lit(g, "\",\"path\":\"");
		txt(g, PICK(g, dirs));
		lit(g, "\",\"output_mode\":\"content\",\"-n\":true}");
		break;
	}
}

/* turn - an assistant message calling a tool, then the user's tool_result. */
static void turn(struct gen *g, uint64_t left)
{
	enum tool tool = pick_tool(g);
	uint64_t in_budget = range(g, 200, 4000);
	uint64_t out_budget = chance(g, 1, 4) ? range(g, 5000, 30000)
					      : range(g, 200, 5000);
	char id[32];

	if (in_budget > left / 2)
		in_budget = left / 2;
	if (out_budget > left)
		out_budget = left;
	lit(g, ",{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"");
	text(g, range(g, 80, 1200));
	lit(g, "\"},{\"type\":\"tool_use\",\"id\":\"");
	tool_id(g, id);
	lit(g, id);
	lit(g, "\",\"name\":\"");
	lit(g, tool_names[tool]);
	lit(g, "\",\"input\":");
	tool_input(g, tool, in_budget);
	lit(g, "}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"");
	lit(g, id);
	lit(g, "\",\"content\":\"");
	tool_output(g, out_budget);
	lit(g, "\"}]}");
}

/* ---- tools array -------------------------------------------------------- */

static void schema_prop(struct gen *g, const char *name, const char *type,
			bool first)
{
	lit(g, first ? "\"" : ",\"");
	lit(g, name);
	lit(g, "\":{\"type\":\"");
	lit(g, type);
	lit(g, "\",\"description\":\"");
	emit_phrase(g, 6, 20);
	lit(g, "\"}");
}

static void tool_def(struct gen *g, enum tool tool, bool first)
{
	static const char *const props[][4] = {
		{ "command", "timeout", "description", "run_in_background" },
		{ "file_path", "offset", "limit", NULL },
		{ "file_path", "old_string", "new_string", "replace_all" },
		{ "file_path", "content", NULL, NULL },
		{ "pattern", "path", "glob", "output_mode" },
	};
	static const char *const prop_types[][4] = {
		{ "string", "number", "string", "boolean" },
		{ "string", "number", "number", NULL },
		{ "string", "string", "string", "boolean" },
		{ "string", "string", NULL, NULL },
		{ "string", "string", "string", "string" },
	};

	lit(g, first ? "{\"name\":\"" : ",{\"name\":\"");
	lit(g, tool_names[tool]);
	lit(g, "\",\"description\":\"");
	markdown_en(g, tool == TOOL_BASH ? 6000 : range(g, 800, 2500));
	lit(g, "\",\"input_schema\":{\"type\":\"object\",\"properties\":{");
	for (unsigned i = 0; i < 4 && props[tool][i]; i++)
		schema_prop(g, props[tool][i], prop_types[tool][i], i == 0);
	lit(g, "},\"required\":[\"");
	lit(g, props[tool][0]);
	lit(g, "\"],\"additionalProperties\":false,"
	       "\"$schema\":\"http://json-schema.org/draft-07/schema#\"}}");
}

/*
 * tools - the same tool definitions in every body, as an agent sends them:
 * generated from a fixed seed, without sprinkles or markers.
 */
static void tools(struct gen *g)
{
	uint64_t saved = g->rng;

	g->rng = TOOLS_SEED;
	g->quiet = true;
	lit(g, "[");
	for (unsigned t = TOOL_BASH; t <= TOOL_GREP; t++)
		tool_def(g, (enum tool)t, t == TOOL_BASH);
	lit(g, "]");
	g->quiet = false;
	g->rng = saved;
}

/* ---- bodies ------------------------------------------------------------- */

static void system_prompt(struct gen *g, bool date_marker)
{
	lit(g, "[{\"type\":\"text\",\"text\":\"You are Claude Code, Anthropic's "
	       "official CLI for Claude.\",\"cache_control\":{\"type\":\"ephemeral\"}},"
	       "{\"type\":\"text\",\"text\":\"");
	text(g, range(g, 4000, 12000));
	expand(g, "<env>\nWorking directory: /home/dev/$i\nIs directory a git repo: "
		  "Yes\nPlatform: linux\nOS Version: Linux 6.1.0-$n-amd64\n");
	/* the marker: a typographic apostrophe and a non-ISO date, escaped */
	lit(g, date_marker ? "Today\\u2019s date is 2026/06/30.\\n"
			   : "Today's date is 2026-06-30.\\n");
	txt(g, "</env>\n");
	lit(g, "\"}]");
}

/* body - one request of about @target bytes (never less than a skeleton). */
static void body(struct gen *g, uint64_t target)
{
	bool date_marker;

	g->o.pos = 0;
	g->cjk_bytes = 0;
	g->next_sprinkle = range(g, 5000, 50000);
	g->next_leak = range(g, 5000, 40000);
	g->zwsp_pending = chance(g, 1, 20);
	date_marker = chance(g, 1, 25);

	lit(g, "{\"model\":\"");
	lit(g, PICK(g, models));
	lit(g, "\",\"max_tokens\":");
	num(g, chance(g, 1, 2) ? 32000 : 8192);
	lit(g, ",\"stream\":true,\"metadata\":{\"user_id\":\"user_");
	emit_hex(g, 40);
	lit(g, "\"},\"system\":");
	system_prompt(g, date_marker);
	lit(g, ",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"");
	text(g, range(g, 200, 3000));
	lit(g, "\"}]}");
	while (g->o.pos + g->tools_len + 2 < target)
		turn(g, target - g->o.pos - g->tools_len - 2);
	lit(g, "],\"tools\":");
	tools(g);
	lit(g, "}");
}

/* measure_tools - the tools array's length, so bodies can leave room for it. */
static void measure_tools(struct gen *g)
{
	FILE *fp = g->o.fp;

	out_flush(&g->o);
	g->o.fp = NULL;
	g->o.pos = 0;
	tools(g);
	g->tools_len = g->o.pos;
	out_flush(&g->o); /* discards */
	g->o.fp = fp;
}

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *fp)
{
	fputs("usage: bench_gen --kind ascii|cjk --size BYTES[K|M|G] --out FILE|-\n"
	      "                 [--seed N] [--format jsonl|raw]\n"
	      "Writes a deterministic corpus of Anthropic Messages request bodies:\n"
	      "one per line (jsonl, the default, about 200 KB each) or one body of\n"
	      "about BYTES (raw).  K, M and G are powers of 1024.\n",
	      fp);
}

/* parse_u64 - a whole decimal number with an optional K/M/G suffix. */
static int parse_u64(const char *s, bool suffix, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (suffix && *end) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -1;
		}
		end++;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

struct opts {
	enum kind kind;
	enum format format;
	uint64_t size, seed;
	const char *out;
	bool have_kind;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *what = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "k:s:o:S:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			what = "kind";
			o->have_kind = true;
			if (!strcmp(optarg, "ascii"))
				o->kind = KIND_ASCII;
			else if (!strcmp(optarg, "cjk"))
				o->kind = KIND_CJK;
			else
				goto bad;
			break;
		case 's':
			what = "size";
			if (parse_u64(optarg, true, &o->size) || o->size == 0)
				goto bad;
			break;
		case 'S':
			what = "seed";
			if (parse_u64(optarg, false, &o->seed))
				goto bad;
			break;
		case 'f':
			what = "format";
			if (!strcmp(optarg, "jsonl"))
				o->format = FORMAT_JSONL;
			else if (!strcmp(optarg, "raw"))
				o->format = FORMAT_RAW;
			else
				goto bad;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bench_gen: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (!o->have_kind || !o->size || !o->out) {
		fputs("bench_gen: --kind, --size and --out are required\n", stderr);
		usage(stderr);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "bench_gen: invalid value '%s' for --%s\n", optarg, what);
	usage(stderr);
	return -1;
}

static int generate(struct gen *g, const struct opts *o, uint64_t *total,
		    uint64_t *bodies)
{
	do {
		uint64_t left = o->size > *total ? o->size - *total : 0;
		uint64_t target = range(g, BODY_MIN, BODY_MAX);

		if (o->format == FORMAT_RAW || left < target + BODY_MIN / 2)
			target = left;
		body(g, target);
		if (o->format == FORMAT_JSONL)
			lit(g, "\n");
		*total += g->o.pos;
		++*bodies;
	} while (o->format == FORMAT_JSONL && *total < o->size && !g->o.failed);
	out_flush(&g->o);
	return g->o.failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .format = FORMAT_JSONL, .seed = 1 };
	struct gen g = { 0 };
	uint64_t total = 0, bodies = 0;
	bool to_stdout;
	int rc;

	if (parse_opts(argc, argv, &o))
		return 2;
	to_stdout = !strcmp(o.out, "-");
	g.o.fp = to_stdout ? stdout : fopen(o.out, "wb");
	if (!g.o.fp) {
		fprintf(stderr, "bench_gen: cannot open '%s': %s\n", o.out,
			strerror(errno));
		return 4;
	}
	g.o.buf = malloc(OUT_CAP);
	if (!g.o.buf) {
		fputs("bench_gen: out of memory\n", stderr);
		return 4;
	}
	g.kind = o.kind;
	g.rng = o.seed;
	measure_tools(&g);
	rc = generate(&g, &o, &total, &bodies);
	if ((to_stdout ? fflush(g.o.fp) : fclose(g.o.fp)) != 0)
		rc = -1;
	free(g.o.buf);
	if (rc) {
		fprintf(stderr, "bench_gen: cannot write '%s': %s\n", o.out,
			strerror(errno));
		return 4;
	}
	fprintf(stderr, "bench_gen: wrote %" PRIu64 " bytes in %" PRIu64
		" bodies to '%s'\n", total, bodies, o.out);
	return 0;
}
