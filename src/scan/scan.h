/* SPDX-License-Identifier: MIT */
/*
 * scan.h - internals shared by the files of src/scan/.
 *
 * A body is scanned in one walk: json_walk reports every string, the string
 * scanner (string.c) skips plain bytes sixteen at a time and looks closely
 * only at the rest, and per-body statistics decide at the end (finish.c)
 * what the collected candidates mean: one U+2019 among forty ASCII
 * apostrophes is an anomaly, forty U+2019 are a typographic style.
 */
#ifndef OVERT_SCAN_INTERNAL_H
#define OVERT_SCAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicode/uspoof.h>

#include "overt.h"
#include "json/json.h"
#include "scan/patterns.h"
#include "util/arena.h"
#include "util/buf.h"

/* Rules, in the order of the table in rules.c. */
enum rule {
	R_UTF8_INVALID,
	R_UTF8_NONCHARACTER,
	R_JSON_LONE_SURROGATE,
	R_JSON_NUL,
	R_JSON_RAW_CONTROL,
	R_JSON_DUPLICATE_KEY,
	R_CONTROL,
	R_INVISIBLE_ZERO_WIDTH,
	R_INVISIBLE_FORMAT,
	R_INVISIBLE_SOFT_HYPHEN,
	R_INVISIBLE_BOM,
	R_INVISIBLE_FILLER,
	R_INVISIBLE_RUN,
	R_PRIVATE_USE,
	R_UNASSIGNED,
	R_TAG_TEXT,
	R_VARIATION_PAYLOAD,
	R_VARIATION_STRAY,
	R_BIDI_OVERRIDE,
	R_BIDI_UNBALANCED,
	R_BIDI_EMBEDDING,
	R_BIDI_MARK,
	R_LOOKALIKE_APOSTROPHE,
	R_LOOKALIKE_QUOTE,
	R_LOOKALIKE_DASH,
	R_LOOKALIKE_SLASH,
	R_LOOKALIKE_SPACE,
	R_LOOKALIKE_FULLWIDTH,
	R_HOMOGLYPH_MIXED_SCRIPT,
	R_DATE_MIXED,
	R_DATE_SENTENCE,
	R_WS_TRAILING,
	R_WS_SPACE_PATTERN,
	R_WS_LINE_SEPARATOR,
	R_WS_MIXED_NEWLINES,
	/* secrets.c: specific kinds first, so that of two findings on one
	 * span the more specific wins a tie */
	R_SECRET_ANTHROPIC,
	R_SECRET_OPENAI,
	R_SECRET_AWS_ACCESS_KEY,
	R_SECRET_AWS_SECRET_KEY,
	R_SECRET_GITHUB,
	R_SECRET_GITLAB,
	R_SECRET_SLACK,
	R_SECRET_GOOGLE,
	R_SECRET_STRIPE,
	R_SECRET_PRIVATE_KEY,
	R_SECRET_JWT,
	R_SECRET_URL_CREDENTIALS,
	R_SECRET_ASSIGNMENT,
	R_SECRET_API_KEY_HEADER,
	R_ENV_SELF_HOME,
	R_ENV_SELF_USERNAME,
	R_ENV_SELF_HOSTNAME,
	R_ENV_HOME_PATH,
	R_ENV_USER_PROMPT,
	R_ENV_PRIVATE_IP,
	R_ENV_MAC_ADDRESS,
	R_ENV_MACHINE_ID,
	R_ENV_INTERNAL_HOST,
	R_ENV_TIMEZONE,
	R_ENV_LOCALE,
	R_SCAN_TRUNCATED,
	R_SCHEME, /* rule id comes from the scheme, or from a nested scan */
	R_COUNT
};

extern const struct scan_rule_info scan_rule_table[R_COUNT];

/* Look-alike classes whose severity depends on the request's own style. */
enum drift {
	DRIFT_NONE,
	DRIFT_APOSTROPHE, /* between letters: don't, Today's */
	DRIFT_QUOTE,      /* single or double quote marks elsewhere */
	DRIFT_DASH,
	DRIFT_SLASH,
	DRIFT_SPACE,
	DRIFT_COUNT
};

/* How the origin of a finding is settled once the whole body is seen:
 * either the path alone says it, or it is the role of message @index in
 * container @list ("messages", "contents" or "input"). */
enum role_list { LIST_NONE, LIST_MESSAGES, LIST_CONTENTS, LIST_INPUT };

struct place {
	enum scan_origin origin; /* SCAN_ORIGIN_UNKNOWN with list set: by role */
	enum role_list list;
	size_t index;
};

/* A finding under construction; severity may change in finish.c. */
struct pending {
	struct scan_finding f;
	struct place place;
	enum rule rule;
	enum drift drift;
	uint32_t plain;   /* the character the look-alike stands for */
	bool typographic; /* ordinary typography when used consistently */
	bool dropped;
};

struct scheme;
struct secret_db; /* secrets.c */

struct scan_engine {
	struct scheme *schemes;
	size_t nschemes;
	unsigned max_depth;
	size_t max_findings;
	USpoofChecker *spoof;
	uint32_t triggers[64]; /* characters some scheme slot lists, sorted */
	size_t ntriggers;
	/* An ASCII apostrophe is looked at only after one of these bytes (the
	 * end of a scheme's text before an apostrophe slot), or always. */
	uint8_t apos_after[2];
	bool apos_all;
	bool avx2;             /* the CPU has AVX2: string.c uses it */
	struct secret_db *sec; /* secret and environment rules */
};

/* A secret or environment detail found by the prefilter and confirmed
 * (verify.c), in the coordinates of the text that was scanned. */
struct sec_hit {
	size_t start, end;
	enum rule rule;
	enum scan_severity sev;
	uint8_t prefix;  /* bytes at the start that are no secret ("sk-ant-") */
};

/* A date seen in the body. */
struct date_seen {
	size_t offset;
	size_t length;
	uint32_t sep;        /* separator code point */
	uint8_t order;       /* DATE_YMD, DATE_XXY */
	bool sentence;       /* preceded by "date" or "today" */
	struct place place;
	const char *path;
};

enum { DATE_YMD, DATE_XXY };

/* Count of one look-alike code point in one drift class. */
struct variant_count {
	uint32_t cp;
	uint8_t drift;
	uint32_t n;
};

#define MAX_VARIANTS 64
#define RUN_MAX_SYMBOLS 1024
#define RUN_MAX_DISTINCT 8
#define MAX_BIDI 64
#define MAX_TRAILING 512

enum run_family { RUN_NONE, RUN_ZW, RUN_TAG, RUN_VS };

struct run {
	enum run_family family;
	size_t start, end;       /* raw offsets */
	uint32_t count;
	uint32_t first_cp;
	uint32_t prev_cp;        /* the character before the run */
	uint32_t distinct[RUN_MAX_DISTINCT];
	unsigned ndistinct;
	uint8_t sym[RUN_MAX_SYMBOLS]; /* decoded payload bytes or symbol indexes */
};

struct bidi_event {
	uint32_t cp;
	size_t offset, len;
};

/* The secret triggers' masks of the block before (string.c). */
struct trig_carry {
	unsigned run;        /* the run the block before ended with */
	uint64_t colon, lq;  /* its colons, letters and quotes */
};

/* State of the string being scanned. */
struct strstate {
	size_t start, end;
	bool is_key;
	uint32_t last_cp;        /* last character decoded by the slow path */
	size_t last_end;         /* ... and where it ended */
	size_t skip_to;          /* dates already parsed up to here */
	size_t homoglyph_word;   /* start of the last word reported */
	bool has_rtl;
	bool u_ascii;            /* a six-byte escape of printable ASCII: secrets.c
				  * scans the decoded string */
	struct run run;
	struct bidi_event bidi[MAX_BIDI];
	unsigned nbidi;
	int embed_depth, isolate_depth;
	size_t unbalanced_at;    /* first closing control without opener */
	bool unbalanced;
	uint8_t trailing[MAX_TRAILING]; /* per line: 0 none, else a form code */
	unsigned nlines;
	unsigned ntrailing;
	size_t first_trailing;
	unsigned n_crlf, n_lf, n_cr;
	bool saw_crlf;
	size_t first_cr;
	unsigned n_spacevar;
	size_t first_pending;    /* pendings of this string start here */
};

struct role_seen {
	enum role_list list;
	size_t index;
	enum scan_origin origin;
};

/* Per-body working state; lives in report->scratch between bodies. */
struct scan_ctx {
	const struct scan_engine *e;
	struct scan_report *r;
	struct arena *arena;
	const uint8_t *body;
	size_t len;
	const struct json_walker *w;
	struct place place;      /* of the current string, when have_place */
	bool have_place;
	const char *path;        /* of the current string, made on first use */
	struct strstate s;

	struct pending *pend;
	size_t npend, pend_cap;
	struct date_seen *dates;
	size_t ndates, dates_cap;
	struct role_seen *roles;
	size_t nroles, roles_cap;
	uint32_t plain_count[DRIFT_COUNT];
	struct variant_count variants[MAX_VARIANTS];
	unsigned nvariants;
	size_t last_scheme_match; /* offset, to report a sentence once */
	struct buf tmp;
	bool consuming;          /* the string's end is found by the scan */
	struct scan_report *inner; /* for JSON text inside a string */
	struct buf inner_body;
	size_t bad_at;           /* where a string went wrong */
	int error;
	/* secrets.c: trigger positions of the current string (string.c) */
	bool sec_on;             /* the engine has secret rules, not nested */
	size_t *cand;
	size_t ncand, cand_cap;
	bool cand_full;          /* too many: scan the string with Vectorscan */
	bool secret_key;         /* the last key was named like a secret */
	/* secrets.c: hits of the body's prefilter pass, by start */
	void *hs_scratch;
	const void *hs_for;      /* the secret_db the scratch was made for */
	struct sec_hit *hits;
	size_t nhits, hits_cap, hit_next;
	struct buf sec_text;     /* a decoded string, a decoded secret */
	size_t env_seen[64];     /* pending index of each distinct env detail */
	uint64_t env_hash[64];
	unsigned nenv;
};

/* engine.c */
/* scan_ctx_start - empty @r and ready its working state for @body; NULL
 * (with r->error set) when out of memory. */
struct scan_ctx *scan_ctx_start(const struct scan_engine *e, struct scan_report *r,
				const uint8_t *body, size_t len);
/* scan_grow - make room in *@arr (of *@cap items of @size bytes) for item @n. */
int scan_grow(void **arr, size_t *cap, size_t n, size_t size);
int scan_add(struct scan_ctx *c, enum rule rule, enum scan_severity sev,
	     uint32_t cp, uint32_t count, size_t off, size_t len,
	     struct pending **out);
int scan_set_message(struct scan_ctx *c, struct pending *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int scan_set_decoded(struct scan_ctx *c, struct pending *p, const struct buf *json);
const char *scan_path(struct scan_ctx *c);
const struct place *scan_place(struct scan_ctx *c);
void scan_char_label(uint32_t cp, char *out, size_t n); /* "U+2019 RIGHT SINGLE QUOTATION MARK" */

/* string.c */
int scan_string(struct scan_ctx *c, size_t start, size_t end);
/* scan_string_consume - scan a string value from @start to its closing
 * quote, found in the same pass, and store the quote's offset in *@end; on
 * SCAN_EJSON (a bad escape, or no closing quote) *@end is where. */
int scan_string_consume(struct scan_ctx *c, size_t start, size_t *end);

/* chars.c: what a non-ASCII character is */
enum cclass {
	CC_PLAIN,
	CC_ZW,          /* zero-width family: may form runs */
	CC_FORMAT,      /* other format or default-ignorable */
	CC_FILLER,      /* Hangul fillers, braille blank */
	CC_TAG,
	CC_VS,
	CC_BIDI_EMBED,  /* LRE RLE */
	CC_BIDI_OVERRIDE, /* LRO RLO */
	CC_BIDI_POP,    /* PDF */
	CC_BIDI_ISOLATE, /* LRI RLI FSI */
	CC_BIDI_POP_ISOLATE, /* PDI */
	CC_BIDI_MARK,   /* LRM RLM ALM */
	CC_LOOKALIKE,
	CC_FULLWIDTH,
	CC_LINESEP,
	CC_CONTROL,     /* C0 except TAB LF CR, DEL, C1 */
	CC_PRIVATE,
	CC_UNASSIGNED,
	CC_NONCHAR,
	CC_FOREIGN_LETTER, /* Cyrillic, Greek ... letters: homoglyph candidates */
};

struct lookalike {
	enum drift drift;
	uint32_t plain;
	bool typographic; /* ordinary typography when used consistently */
	enum rule rule;
};

enum cclass scan_classify(uint32_t cp, struct lookalike *la);
bool scan_is_cjk(uint32_t cp);
bool scan_is_rtl(uint32_t cp);
bool scan_is_joining_script(uint32_t cp);
bool scan_is_emoji_part(uint32_t cp);
bool scan_is_pictographic(uint32_t cp);
bool scan_is_ideograph(uint32_t cp);
bool scan_is_letter(uint32_t cp);

/* runs.c */
int scan_run_add(struct scan_ctx *c, enum run_family fam, uint32_t cp,
		 size_t off, size_t len, uint32_t prev);
int scan_run_flush(struct scan_ctx *c);

/* date.c */
struct date_parsed {
	size_t len;      /* characters spanned */
	uint32_t sep;
	uint8_t order;
};
/* Parse a date whose first character is cps[0]; the character before it (if
 * any) must not be a digit or separator, checked by the caller. */
bool scan_date_parse(const uint32_t *cps, size_t n, struct date_parsed *d);
bool scan_is_date_sep(uint32_t cp);
/* A date separator (or what may be one) at @off: record the date around it,
 * if there is one; *@next is where scanning goes on. */
int scan_date_at(struct scan_ctx *c, size_t off, size_t *next);
int scan_dates_finish(struct scan_ctx *c);

/* scheme.c */
int scan_schemes_load(struct scan_engine *e, const struct scan_scheme_source *src,
		      size_t n, char *err, size_t errlen);
void scan_schemes_free(struct scan_engine *e);
/* Whether some scheme's character slot lists @cp: a few comparisons, since
 * it is asked for every non-ASCII character. */
static inline bool scan_scheme_trigger(const struct scan_engine *e, uint32_t cp)
{
	size_t i;

	if (!e->ntriggers || cp < e->triggers[0] || cp > e->triggers[e->ntriggers - 1])
		return false;
	for (i = 0; i < e->ntriggers; i++)
		if (e->triggers[i] == cp)
			return true;
	return false;
}
/* @cp is the character at @off, or SCAN_DATE_EVENT when a date starts there. */
#define SCAN_DATE_EVENT UINT32_MAX
int scan_scheme_try(struct scan_ctx *c, size_t off, uint32_t cp);

/* origin.c */
void scan_place_of(const struct json_walker *w, struct place *p);
int scan_note_role(struct scan_ctx *c, size_t start, size_t end);
void scan_roles_sort(struct scan_ctx *c); /* before scan_resolve_origin */
enum scan_origin scan_resolve_origin(const struct scan_ctx *c, const struct place *p);

/* nested.c */
/* scan_raw_span - the raw bytes [*@rs, *@re) of string content [start, end)
 * that decode to the decoded bytes [ds, de). */
void scan_raw_span(const uint8_t *b, size_t start, size_t end, size_t ds, size_t de,
		   size_t *rs, size_t *re);
int scan_nested(struct scan_ctx *c, size_t start, size_t end);

/* secrets.c */
int scan_secrets_load(struct scan_engine *e, const struct scan_self *self,
		      char *err, size_t errlen);
void scan_secrets_free(struct scan_engine *e);
void scan_secrets_ctx_free(struct scan_ctx *c);
/* Before the walk: the prefilter over the whole body. */
int scan_secrets_body(struct scan_ctx *c);
/* From string.c: trigger bits of the block at @base, shapes and runs. */
#define SEC_RUN_FLAG ((size_t)1 << (sizeof(size_t) * 8 - 1))
void scan_secret_note(struct scan_ctx *c, size_t base, uint64_t shapes, uint64_t runs);
/* After each string [start, end) is scanned: its hits become findings. */
int scan_secrets_string(struct scan_ctx *c, size_t start, size_t end);

/* verify.c: confirm the anchor @id that matched t[from, to) of a text of
 * @n bytes; hits go to @out (room for @max), their number is returned. */
struct secret_self {
	char *hostname, *username, *home;
	size_t hostname_len, username_len, home_len;
};
size_t scan_verify(const struct secret_self *self, unsigned id, const uint8_t *t,
		   size_t n, size_t from, size_t to, struct sec_hit *out, size_t max);
/* Confirm the trigger at t[@pos] (string.c) inside string content that
 * starts at @lo. */
size_t scan_verify_at(const struct secret_self *self, const uint8_t *t, size_t lo,
		      size_t pos, size_t n, struct sec_hit *out, size_t max);
size_t scan_verify_run(const struct secret_self *self, const uint8_t *t, size_t lo,
		       size_t pos, size_t n, struct sec_hit *out, size_t max);
/* A key named like a secret, and a whole string value that is one. */
bool scan_secret_name(const uint8_t *t, size_t n);
size_t scan_verify_value(const uint8_t *t, size_t s, size_t e, struct sec_hit *out);
/* The anchors of patterns.h, and their number (verify.c). */
extern const struct sec_anchor *const scan_sec_anchors;
extern const unsigned scan_sec_nanchors;
/* Ids of the machine's own facts, found by search (secrets.c). */
#define SEC_SELF_HOSTNAME 1000
#define SEC_SELF_USERNAME 1001
#define SEC_SELF_HOME 1002
size_t scan_verify_system(const struct secret_self *self, unsigned id, const uint8_t *t,
			  size_t n, size_t from, size_t to, struct sec_hit *out);

/* finish.c */
int scan_string_finish(struct scan_ctx *c);
int scan_line_end(struct scan_ctx *c, size_t off, bool escaped);
int scan_body_finish(struct scan_ctx *c);
void scan_count_variant(struct scan_ctx *c, uint32_t cp, enum drift d);

#endif
