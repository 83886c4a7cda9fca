/* SPDX-License-Identifier: MIT */
/*
 * verify.c - confirming what the secret prefilter found.
 *
 * The prefilter (secrets.c) runs Vectorscan over the whole body looking for
 * short literals only ("sk-", "AKIA", "/home/", "://" ...): a literal set
 * is the one thing Vectorscan scans at several GB/s, where the full
 * regular expressions ran at about 1.3 GB/s on the benchmark corpus and
 * would have cost the scan a third of its speed.  Each literal that
 * matched is confirmed here by hand, which is also where the exact span
 * is decided: a token's real end, a boundary that is a JSON escape ("\n"
 * before a key), a value after "password": or "password=", the END line
 * of a private key.  Every function reads only t[0, n) and never crosses
 * an unescaped quote, so a span stays inside one JSON string.
 */
#include <string.h>

#include "scan/scan.h"
#include "util/banned.h"

/* Anchor ids: the order of scan_sec_anchors. */
enum anchor {
	A_SK, A_AKIA, A_ASIA, A_AWS_SECRET,
	A_GHP, A_GHO, A_GHU, A_GHS, A_GHR, A_GHPAT, A_GLPAT, A_XOX, A_AIZA,
	A_LIVE, A_BEGIN, A_JWT, A_URL, A_URL_ESC,
	A_PASSW, A_SECRET, A_APIKEY1, A_APIKEY2, A_APIKEY3,
	A_HOME, A_USERS, A_WINUSERS, A_PROMPT, A_BRACKET1, A_BRACKET2,
	A_IP10, A_IP172, A_IP192, A_MAC, A_HWADDR, A_ETHER, A_PHYS,
	A_LOCAL, A_CORP, A_INTERNAL, A_LAN,
	A_COUNT
};

_Static_assert(A_COUNT == SEC_NANCHORS, "patterns.h lists the anchors in enum order");
const struct sec_anchor *const scan_sec_anchors = sec_anchor_list;
const unsigned scan_sec_nanchors = A_COUNT;

static inline bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(uint8_t c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static inline bool is_alnum(uint8_t c)
{
	return is_digit(c) || is_alpha(c);
}

static inline bool is_hex(uint8_t c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Token characters: base64url and the separators keys use. */
static inline bool is_tok(uint8_t c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

static inline bool is_b64(uint8_t c)
{
	return is_alnum(c) || c == '/' || c == '+';
}

static inline bool is_host(uint8_t c)
{
	return is_alnum(c) || c == '-' || c == '.';
}

static inline bool is_user(uint8_t c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* Whether t[i] is the letter of a JSON escape ("\n"): an odd number of
 * backslashes before it. */
static bool escaped_at(const uint8_t *t, size_t i)
{
	size_t k = 0;

	while (k < i && k < 64 && t[i - 1 - k] == '\\')
		k++;
	return k & 1;
}

/* No letter or digit just before @at, other than an escape's ("\nsk-"). */
static bool left_ok(const uint8_t *t, size_t at)
{
	return !at || !is_alnum(t[at - 1]) || escaped_at(t, at - 1);
}

/* Inlined, so that @cls is a known function and no call is made per byte. */
static inline __attribute__((always_inline))
size_t span(const uint8_t *t, size_t n, size_t i, bool (*cls)(uint8_t))
{
	while (i < n && cls(t[i]))
		i++;
	return i;
}

static inline __attribute__((always_inline))
size_t span_back(const uint8_t *t, size_t lo, size_t i, bool (*cls)(uint8_t))
{
	while (i > lo && cls(t[i - 1]))
		i--;
	return i;
}

static inline bool has_at(const uint8_t *t, size_t n, size_t i, const char *s)
{
	size_t k = __builtin_strlen(s);

	return i <= n && n - i >= k && !memcmp(t + i, s, k);
}

static inline bool has_at_nocase(const uint8_t *t, size_t n, size_t i, const char *s)
{
	size_t k = strlen(s), j;

	if (i > n || n - i < k)
		return false;
	for (j = 0; j < k; j++)
		if ((t[i + j] | 0x20) != (s[j] | 0x20))
			return false;
	return true;
}

static size_t hit(struct sec_hit *out, size_t s, size_t e, enum rule rule,
		  size_t prefix)
{
	out->start = s;
	out->end = e;
	out->rule = rule;
	out->sev = scan_rule_table[rule].default_severity;
	out->prefix = (uint8_t)(prefix > 255 ? 255 : prefix);
	return 1;
}

/* Enough different characters to be random rather than a word or a
 * placeholder ("xxxxxxxx", "12345678"). */
static bool varied(const uint8_t *v, size_t n)
{
	bool seen[256] = { false };
	size_t distinct = 0, i;
	bool letter = false, other = false;

	for (i = 0; i < n; i++) {
		distinct += !seen[v[i]];
		seen[v[i]] = true;
		if (is_alpha(v[i]))
			letter = true;
		else
			other = true;
	}
	return letter && other && distinct >= (n < 16 ? (n * 5 + 7) / 8 : 10);
}

static bool has_nocase(const uint8_t *v, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (has_at_nocase(v, n, i, word))
			return true;
	return false;
}

/* Values that are documentation, templates or code, not secrets. */
static bool placeholder(const uint8_t *v, size_t n)
{
	static const char *const words[] = {
		"xxxx", "****", "....", "${", "{{", "<", ">", "$(", "your", "example",
		"placeholder", "redacted", "changeme", "dummy", "process.env",
		"environ", "getenv", "(", NULL,
	};
	const char *const *w;

	if (!n || v[0] == '$' || v[0] == '%')
		return true;
	for (w = words; *w; w++)
		if (has_nocase(v, n, *w))
			return true;
	return false;
}

static size_t v_sk(const uint8_t *t, size_t n, size_t from, struct sec_hit *out)
{
	size_t e = span(t, n, from + 3, is_tok), prefix = 3;

	if (!left_ok(t, from))
		return 0;
	if (has_at(t, n, from, "sk-ant-"))
		return e - from >= 40 && varied(t + from + 7, e - from - 7) ?
			hit(out, from, e, R_SECRET_ANTHROPIC, 7) : 0;
	if (has_at(t, n, from, "sk-proj-"))
		prefix = 8;
	else if (has_at(t, n, from, "sk-svcacct-"))
		prefix = 11;
	else if (has_at(t, n, from, "sk-admin-"))
		prefix = 9;
	if (e - from < prefix + 20 || !varied(t + from + prefix, e - from - prefix) ||
	    placeholder(t + from, e - from))
		return 0;
	return hit(out, from, e, R_SECRET_OPENAI, prefix);
}

/* 40 characters of base64 with a capital, a small letter and a digit, on
 * its own: an AWS secret access key.  AWS's documented example ends in
 * EXAMPLEKEY and is left alone. */
static bool aws_secret_at(const uint8_t *t, size_t n, size_t i)
{
	bool up = false, low = false, dig = false;
	size_t k;

	if (n - i < 40 || (i && is_b64(t[i - 1]) && !escaped_at(t, i - 1)))
		return false;
	if (span(t, n, i, is_b64) != i + 40 || (i + 40 < n && t[i + 40] == '='))
		return false;
	for (k = i; k < i + 40; k++) {
		up |= t[k] >= 'A' && t[k] <= 'Z';
		low |= t[k] >= 'a' && t[k] <= 'z';
		dig |= is_digit(t[k]);
	}
	return up && low && dig && !has_at(t, n, i + 30, "EXAMPLEKEY");
}

static size_t v_aws(const uint8_t *t, size_t n, size_t from, struct sec_hit *out,
		    size_t max)
{
	size_t k, lo, i, nh;

	if (!left_ok(t, from) || n - from < 20 || has_at(t, n, from + 13, "EXAMPLE"))
		return 0;
	for (k = from + 4; k < from + 20; k++)
		if (!is_digit(t[k]) && !(t[k] >= 'A' && t[k] <= 'Z'))
			return 0;
	if (from + 20 < n && is_alnum(t[from + 20]))
		return 0;
	nh = hit(out, from, from + 20, R_SECRET_AWS_ACCESS_KEY, 4);
	/* The secret key usually sits within a line or two of its id, in the
	 * same string. */
	lo = from;
	while (lo > 0 && from - lo < 256 && !(t[lo - 1] == '"' && !escaped_at(t, lo - 1)))
		lo--;
	for (i = lo; i + 40 <= n && i < from + 276 && nh < max; i++) {
		if (t[i] == '"' && !escaped_at(t, i))
			break;
		if (i >= from && i < from + 20)
			continue;
		if (aws_secret_at(t, n, i)) {
			nh += hit(out + nh, i, i + 40, R_SECRET_AWS_SECRET_KEY, 0);
			i += 39;
		}
	}
	return nh;
}

static size_t v_prefixed(const uint8_t *t, size_t n, size_t from, size_t plen,
			 size_t min, bool (*cls)(uint8_t), enum rule rule,
			 struct sec_hit *out)
{
	size_t e = span(t, n, from + plen, cls);

	if (!left_ok(t, from) || e - from < plen + min ||
	    !varied(t + from + plen, e - from - plen) || placeholder(t + from, e - from))
		return 0;
	return hit(out, from, e, rule, plen);
}

static bool is_slack(uint8_t c)
{
	return is_alnum(c) || c == '-';
}

static bool is_alnum_c(uint8_t c)
{
	return is_alnum(c);
}

static bool is_word(uint8_t c)
{
	return is_alnum(c) || c == '_';
}

static size_t v_xox(const uint8_t *t, size_t n, size_t from, struct sec_hit *out)
{
	if (n - from < 5 || !strchr("baprs", t[from + 3]) || !t[from + 3] || t[from + 4] != '-')
		return 0;
	return v_prefixed(t, n, from, 5, 15, is_slack, R_SECRET_SLACK, out);
}

static size_t v_google(const uint8_t *t, size_t n, size_t from, struct sec_hit *out)
{
	if (!left_ok(t, from) || span(t, n, from + 4, is_tok) != from + 39)
		return 0;
	return hit(out, from, from + 39, R_SECRET_GOOGLE, 4);
}

static size_t v_stripe(const uint8_t *t, size_t n, size_t from, struct sec_hit *out)
{
	if (!from || (t[from - 1] != 's' && t[from - 1] != 'r'))
		return 0;
	return v_prefixed(t, n, from - 1, 8, 16, is_alnum_c, R_SECRET_STRIPE, out);
}

/* A line end in the text: a raw one or a "\n", "\r" escape. */
static size_t line_end_len(const uint8_t *t, size_t n, size_t i)
{
	if (t[i] == '\n' || t[i] == '\r')
		return 1;
	if (t[i] == '\\' && i + 1 < n && (t[i + 1] == 'n' || t[i + 1] == 'r'))
		return 2;
	return 0;
}

static size_t v_private_key(const uint8_t *t, size_t n, size_t from, struct sec_hit *out)
{
	size_t i = from + 11, head, b64 = 0, k;

	while (i < n && i - from < 80 && (t[i] == ' ' || is_alnum(t[i])) &&
	       !has_at(t, n, i, "PRIVATE KEY"))
		i++;
	if (!has_at(t, n, i, "PRIVATE KEY"))
		return 0;
	i += 11;
	if (has_at(t, n, i, " BLOCK"))
		i += 6;
	if (!has_at(t, n, i, "-----"))
		return 0;
	head = i + 5;
	for (i = head; i < n && i - head < 65536; i++) {
		if (t[i] == '"' && !escaped_at(t, i))
			break;
		if (has_at(t, n, i, "-----END ")) {
			for (k = i + 9; k < n && k - i < 80 && (t[k] == ' ' || is_alnum(t[k])); k++)
				;
			if (has_at(t, n, k, "-----"))
				i = k + 5;
			break;
		}
		if ((k = line_end_len(t, n, i)))
			i += k - 1;
		else
			b64 += is_b64(t[i]);
	}
	/* "-----BEGIN PRIVATE KEY-----\n...\n-----END" is documentation. */
	return b64 >= 64 ? hit(out, from, i, R_SECRET_PRIVATE_KEY, head - from) : 0;
}

static size_t v_jwt(const uint8_t *t, size_t n, size_t from, struct sec_hit *out)
{
	size_t h = span(t, n, from, is_tok), p, s;

	if (!left_ok(t, from) || h - from < 10 || h >= n || t[h] != '.' ||
	    !has_at(t, n, h + 1, "eyJ"))
		return 0;
	p = span(t, n, h + 1, is_tok);
	if (p - h - 1 < 10 || p >= n || t[p] != '.')
		return 0;
	s = span(t, n, p + 1, is_tok);
	if (s < n && t[s] == '.')
		return 0;
	return hit(out, from, s, R_SECRET_JWT, 3);
}

/* The characters of a URL's user or password: anything but its delimiters
 * and what ends a string or a word. */
static inline bool is_userinfo(uint8_t c)
{
	switch (c) {
	case '@': case '/': case '?': case '#': case '"': case '\'': case '\\': case ':':
	case '<': case '>': case '[': case ']': case '{': case '}': case '`':
		return false;
	}
	return c > ' ' && c < 0x7F;
}

static size_t v_url(const uint8_t *t, size_t n, size_t from, size_t to,
		    struct sec_hit *out)
{
	size_t s = span_back(t, from > 32 ? from - 32 : 0, from, is_alnum_c), u, p;

	if (from - s < 2 || !left_ok(t, s))
		return 0;
	u = span(t, n, to, is_userinfo);
	if (u == to || u - to > 64 || u >= n || t[u] != ':')
		return 0;
	p = span(t, n, u + 1, is_userinfo);
	if (p == u + 1 || p - u - 1 > 128 || p >= n || t[p] != '@' ||
	    p + 1 >= n || !is_alnum(t[p + 1]))
		return 0;
	if (placeholder(t + u + 1, p - u - 1) || has_nocase(t + u + 1, p - u - 1, "pass") ||
	    (p - u - 1 <= 3 && t[u + 1] == t[p - 1]))
		return 0;
	return hit(out, u + 1, p, R_SECRET_URL_CREDENTIALS, 0);
}

/* After a name ending at @i: a closing quote, blanks, '=' or ':', blanks
 * and an opening quote.  Returns where the value starts (SIZE_MAX when
 * this is no assignment) and in *@quote how it is quoted: 0 not at all,
 * '"' a JSON string of its own, '\\' an escaped quote, '\'' single. */
static size_t value_start(const uint8_t *t, size_t n, size_t i, int *quote)
{
	size_t k;

	i = span(t, n, i, is_tok);
	if (i < n && (t[i] == '"' || t[i] == '\''))
		i++;
	else if (has_at(t, n, i, "\\\""))
		i += 2;
	for (k = 0; i < n && t[i] == ' ' && k < 4; k++)
		i++;
	if (i >= n || (t[i] != '=' && t[i] != ':'))
		return SIZE_MAX;
	i++;
	if (i < n && (t[i] == '=' && t[i - 1] == '='))
		return SIZE_MAX; /* a comparison */
	if (i < n && ((t[i] == '=' && t[i - 1] == ':') || (t[i] == '>' && t[i - 1] == '=')))
		i++;
	for (k = 0; i < n && t[i] == ' ' && k < 4; k++)
		i++;
	*quote = 0;
	if (has_at(t, n, i, "\\\"")) {
		*quote = '\\';
		i += 2;
	} else if (i < n && (t[i] == '"' || t[i] == '\'')) {
		*quote = t[i];
		i++;
	}
	return i;
}

static size_t value_end(const uint8_t *t, size_t n, size_t i, int quote)
{
	size_t s = i;

	for (; i < n && i - s < 256; i++) {
		uint8_t ch = t[i];

		if (ch <= ' ' || ch == '\\' || ch == '"' || ch == '\'' || ch == 0x7F)
			break;
		if (!quote && strchr(",;&)}]<>`", ch))
			break;
	}
	return i;
}

static size_t v_assign(const uint8_t *t, size_t n, size_t to, bool aws, struct sec_hit *out)
{
	int quote;
	size_t s = value_start(t, n, to, &quote), e;

	if (s == SIZE_MAX)
		return 0;
	e = value_end(t, n, s, quote);
	if (aws && e - s == 40 && aws_secret_at(t, n, s))
		return hit(out, s, e, R_SECRET_AWS_SECRET_KEY, 0);
	if (e - s < 8 || e - s >= 256 || !varied(t + s, e - s) || placeholder(t + s, e - s))
		return 0;
	/* Code, not a value: config.password, self.secret_key. */
	if (span(t, n, s, is_word) < e && t[span(t, n, s, is_word)] == '.' &&
	    span(t, n, s, is_word) > s && !is_digit(t[s]))
		return 0;
	return hit(out, s, e, R_SECRET_ASSIGNMENT, 0);
}

static bool same(const uint8_t *t, size_t n, const char *s, size_t len)
{
	return s && len == n && !memcmp(t, s, n);
}

/* A user name in a home path or a prompt: is it this machine's? */
static enum rule who(const struct secret_self *self, const uint8_t *path, size_t plen,
		     const uint8_t *name, size_t nlen, enum rule otherwise)
{
	if (same(path, plen, self->home, self->home_len))
		return R_ENV_SELF_HOME;
	if (same(name, nlen, self->username, self->username_len))
		return R_ENV_SELF_USERNAME;
	return otherwise;
}

static size_t name_end(const uint8_t *t, size_t n, size_t i)
{
	size_t e = span(t, n, i, is_user);

	if (e - i > 32)
		return i;
	while (e > i && (t[e - 1] == '.' || t[e - 1] == '-'))
		e--;
	return e;
}

static size_t v_home(const struct secret_self *self, const uint8_t *t, size_t n,
		     size_t from, size_t to, struct sec_hit *out)
{
	size_t e = name_end(t, n, to);

	if (e == to || !is_word(t[to]) ||
	    (from && (is_user(t[from - 1]) && !escaped_at(t, from - 1))))
		return 0;
	if (same(t + to, e - to, "linuxbrew", 9) || same(t + to, e - to, "Shared", 6))
		return 0;
	return hit(out, from, e, who(self, t + from, e - from, t + to, e - to,
				     R_ENV_HOME_PATH), 0);
}

/* "C:\Users\NAME", or "C:\\Users\\NAME" as raw JSON. */
static size_t v_winhome(const struct secret_self *self, const uint8_t *t, size_t n,
			size_t from, size_t to, struct sec_hit *out)
{
	size_t d = from, e;
	bool twice;

	if (d < 3 || t[d - 1] != '\\')
		return 0;
	d--;
	twice = t[d - 1] == '\\';
	d -= twice;
	if (d < 2 || t[d - 1] != ':' || !is_alpha(t[d - 2]) ||
	    (d > 2 && is_alnum(t[d - 3]) && !escaped_at(t, d - 3)))
		return 0;
	d -= 2;
	if (twice && to < n && t[to] == '\\')
		to++;
	e = name_end(t, n, to);
	if (e == to || same(t + to, e - to, "Public", 6) || same(t + to, e - to, "Default", 7))
		return 0;
	return hit(out, d, e, who(self, t + d, e - d, t + to, e - to, R_ENV_HOME_PATH), 0);
}

static enum rule prompt_rule(const struct secret_self *self, const uint8_t *t,
			     size_t u, size_t at, size_t h)
{
	if (same(t + u, at - u, self->username, self->username_len))
		return R_ENV_SELF_USERNAME;
	if (self->hostname && h - at - 1 == self->hostname_len &&
	    has_at_nocase(t, h, at + 1, self->hostname))
		return R_ENV_SELF_HOSTNAME;
	return R_ENV_USER_PROMPT;
}

/* "user@host:~/dir$ " */
static size_t v_prompt(const struct secret_self *self, const uint8_t *t, size_t n,
		       size_t from, size_t to, struct sec_hit *out)
{
	size_t h = span_back(t, from > 64 ? from - 64 : 0, from, is_host), u, i;

	if (h == from || h == 0 || t[h - 1] != '@')
		return 0;
	u = span_back(t, h - 1 > 32 ? h - 33 : 0, h - 1, is_user);
	if (u == h - 1 || !left_ok(t, u) || !is_alnum(t[h]))
		return 0;
	for (i = to; i < n && i - to < 200; i++) {
		if (t[i] == '$' || t[i] == '#') {
			if (i + 1 == n || t[i + 1] == ' ' || t[i + 1] == '\\' || t[i + 1] == '"')
				return hit(out, u, from, prompt_rule(self, t, u, h - 1, from), 0);
			return 0;
		}
		if (t[i] <= ' ' || t[i] == '"' || t[i] == '\\')
			return 0;
	}
	return 0;
}

/* "[user@host dir]$ " */
static size_t v_bracket(const struct secret_self *self, const uint8_t *t, size_t n,
			size_t from, struct sec_hit *out)
{
	size_t b = from, u, at, h;

	while (b > 0 && from - b < 128 && t[b - 1] != '[' && t[b - 1] != '"' && t[b - 1] != '\n')
		b--;
	if (!b || t[b - 1] != '[')
		return 0;
	u = b;
	at = span(t, n, u, is_user);
	if (at == u || at >= from || t[at] != '@')
		return 0;
	h = span(t, n, at + 1, is_host);
	if (h == at + 1 || h >= from || t[h] != ' ')
		return 0;
	return hit(out, u, h, prompt_rule(self, t, u, at, h), 0);
}

static size_t octet(const uint8_t *t, size_t n, size_t i, unsigned *v)
{
	size_t k = 0;

	*v = 0;
	while (i + k < n && k < 3 && is_digit(t[i + k]))
		*v = *v * 10 + (unsigned)(t[i + k++] - '0');
	return k && *v <= 255 ? i + k : SIZE_MAX;
}

static size_t v_ip(const uint8_t *t, size_t n, size_t from, struct sec_hit *out)
{
	unsigned v[4];
	size_t i = from, k;

	if (from && (t[from - 1] == '.' || (!left_ok(t, from))))
		return 0;
	for (k = 0; k < 4; k++) {
		if (k && (i >= n || t[i++] != '.'))
			return 0;
		i = octet(t, n, i, &v[k]);
		if (i == SIZE_MAX)
			return 0;
	}
	if (i < n && (is_alnum(t[i]) || (t[i] == '.' && i + 1 < n && is_digit(t[i + 1]))))
		return 0;
	if (v[0] == 172 && (v[1] < 16 || v[1] > 31))
		return 0;
	return hit(out, from, i, R_ENV_PRIVATE_IP, 0);
}

static bool mac_at(const uint8_t *t, size_t n, size_t i)
{
	uint8_t sep;
	size_t k;
	bool zero = true, ones = true;

	if (n - i < 17 || (i && (is_alnum(t[i - 1]) && !escaped_at(t, i - 1))))
		return false;
	sep = t[i + 2];
	if (sep != ':' && sep != '-')
		return false;
	for (k = 0; k < 6; k++) {
		const uint8_t *p = t + i + 3 * k;

		if (!is_hex(p[0]) || !is_hex(p[1]) || (k < 5 && p[2] != sep))
			return false;
		zero &= p[0] == '0' && p[1] == '0';
		ones &= (p[0] | 0x20) == 'f' && (p[1] | 0x20) == 'f';
	}
	if (i + 17 < n && (is_alnum(t[i + 17]) || t[i + 17] == sep))
		return false;
	return !zero && !ones;
}

static size_t v_machine_id(const uint8_t *t, size_t n, size_t from, struct sec_hit *out)
{
	size_t i = from + 7, e;

	if (!has_at_nocase(t, n, from, "machine"))
		return 0;
	if (i < n && (t[i] == '-' || t[i] == '_' || t[i] == ' '))
		i++;
	if (!has_at_nocase(t, n, i, "id"))
		return 0;
	for (i += 2; i + 32 <= n && i - from < 128; i++) {
		if (t[i] == '"' && !escaped_at(t, i) && i - from > 40)
			return 0;
		if (!is_hex(t[i]) || (is_alnum(t[i - 1]) && !escaped_at(t, i - 1)))
			continue;
		e = span(t, n - i > 33 ? i + 33 : n, i, is_hex);
		if (e - i == 32 && (e == n || !is_alnum(t[e])))
			return hit(out, i, e, R_ENV_MACHINE_ID, 0);
		i = e;
	}
	return 0;
}

static size_t v_mac(const uint8_t *t, size_t n, size_t from, size_t to, struct sec_hit *out)
{
	size_t i;

	if (has_at_nocase(t, n, from, "machine"))
		return v_machine_id(t, n, from, out);
	for (i = to; i + 17 <= n && i - to < 64; i++) {
		if (t[i] == '"' && !escaped_at(t, i))
			return 0;
		if (is_hex(t[i]) && mac_at(t, n, i))
			return hit(out, i, i + 17, R_ENV_MAC_ADDRESS, 0);
	}
	return 0;
}

/* "printer.local", "build-01.corp.internal"; not "~/.local", "self.local()". */
static size_t v_host(const uint8_t *t, size_t n, size_t from, size_t to,
		     struct sec_hit *out)
{
	static const char *const receivers[] = {
		"self", "this", "threading", "window", "os", "ctx", "thread", NULL,
	};
	const char *const *r;
	size_t h, label;

	if (to < n && (is_tok(t[to]) || t[to] == '(' || t[to] == '=' ||
		       (t[to] == '.' && to + 1 < n && is_alnum(t[to + 1]))))
		return 0;
	h = span_back(t, from > 253 ? from - 253 : 0, from, is_host);
	while (h < from && (t[h] == '.' || t[h] == '-'))
		h++;
	if (h == from || (h && (t[h - 1] == '_' || t[h - 1] == '$') ) || !left_ok(t, h))
		return 0;
	label = from;
	while (label > h && t[label - 1] != '.')
		label--;
	for (r = receivers; *r; r++)
		if (same(t + label, from - label, *r, strlen(*r)))
			return 0;
	return hit(out, h, to, R_ENV_INTERNAL_HOST, 0);
}

static bool word_edge(const uint8_t *t, size_t n, size_t s, size_t e)
{
	if (s && is_tok(t[s - 1]) && !escaped_at(t, s - 1))
		return false;
	return e >= n || (!is_tok(t[e]) && !(t[e] == '.' && e + 1 < n && is_alnum(t[e + 1])));
}

static size_t v_self(unsigned id, const uint8_t *t, size_t n, size_t from, size_t to,
		     struct sec_hit *out)
{
	switch (id) {
	case SEC_SELF_HOSTNAME:
		if (from && is_tok(t[from - 1]) && !escaped_at(t, from - 1))
			return 0;
		if (to < n && is_tok(t[to]))
			return 0;
		return hit(out, from, to, R_ENV_SELF_HOSTNAME, 0);
	case SEC_SELF_USERNAME:
		return word_edge(t, n, from, to) ? hit(out, from, to, R_ENV_SELF_USERNAME, 0) : 0;
	case SEC_SELF_HOME:
		if (from && (is_user(t[from - 1]) || t[from - 1] == '/'))
			return 0;
		if (to < n && is_user(t[to]))
			return 0;
		return hit(out, from, to, R_ENV_SELF_HOME, 0);
	}
	return 0;
}

size_t scan_verify(const struct secret_self *self, unsigned id, const uint8_t *t,
		   size_t n, size_t from, size_t to, struct sec_hit *out, size_t max)
{
	if (id >= SEC_SELF_HOSTNAME)
		return v_self(id, t, n, from, to, out);
	switch ((enum anchor)id) {
	case A_SK: return v_sk(t, n, from, out);
	case A_AKIA: case A_ASIA: return v_aws(t, n, from, out, max);
	case A_AWS_SECRET: return v_assign(t, n, to, true, out);
	case A_GHP: case A_GHO: case A_GHU: case A_GHS: case A_GHR:
		return v_prefixed(t, n, from, 4, 36, is_alnum_c, R_SECRET_GITHUB, out);
	case A_GHPAT: return v_prefixed(t, n, from, 11, 40, is_word, R_SECRET_GITHUB, out);
	case A_GLPAT: return v_prefixed(t, n, from, 6, 20, is_tok, R_SECRET_GITLAB, out);
	case A_XOX: return v_xox(t, n, from, out);
	case A_AIZA: return v_google(t, n, from, out);
	case A_LIVE: return v_stripe(t, n, from, out);
	case A_BEGIN: return v_private_key(t, n, from, out);
	case A_JWT: return v_jwt(t, n, from, out);
	case A_URL: case A_URL_ESC: return v_url(t, n, from, to, out);
	case A_PASSW: case A_SECRET: case A_APIKEY1: case A_APIKEY2: case A_APIKEY3:
		return v_assign(t, n, to, false, out);
	case A_HOME: case A_USERS: return v_home(self, t, n, from, to, out);
	case A_WINUSERS: return v_winhome(self, t, n, from, to, out);
	case A_PROMPT: return v_prompt(self, t, n, from, to, out);
	case A_BRACKET1: case A_BRACKET2: return v_bracket(self, t, n, from, out);
	case A_IP10: case A_IP172: case A_IP192: return v_ip(t, n, from, out);
	case A_MAC: case A_HWADDR: case A_ETHER: case A_PHYS: return v_mac(t, n, from, to, out);
	case A_LOCAL: case A_CORP: case A_INTERNAL: case A_LAN: return v_host(t, n, from, to, out);
	case A_COUNT: break;
	}
	return 0;
}

size_t scan_verify_system(const struct secret_self *self, unsigned id, const uint8_t *t,
			  size_t n, size_t from, size_t to, struct sec_hit *out)
{
	if (id == SEC_SYS_IP)
		return v_ip(t, n, from, out);
	if (id == SEC_SYS_MAC)
		return mac_at(t, n, from) ? hit(out, from, from + 17, R_ENV_MAC_ADDRESS, 0) : 0;
	if (id == SEC_SYS_PROMPT)
		return v_prompt(self, t, n, to - 2, to, out);
	if (id == SEC_SYS_WINHOME) {
		size_t u = to - 2;

		while (u > 0 && t[u] == '\\')
			u--;
		return u >= 4 ? v_winhome(self, t, n, u - 4, u + 2, out) : 0;
	}
	if (id == SEC_SYS_HOME) {
		from = to >= 7 && t[to - 7] == '/' ? to - 7 : to >= 8 ? to - 8 : 0;
		return v_home(self, t, n, from, to - 1, out);
	}
	if (id == SEC_SYS_HOST) {
		size_t d = to;

		while (d > 0 && t[d - 1] != '.')
			d--;
		return d > 0 ? v_host(t, n, d - 1, to, out) : 0;
	}
	if (from && is_alnum(t[from - 1]) && !escaped_at(t, from - 1))
		return 0;
	if (to < n && is_alnum(t[to]))
		return 0;
	return hit(out, from, to, id == SEC_SYS_TIMEZONE ? R_ENV_TIMEZONE : R_ENV_LOCALE, 0);
}

/* Secret-looking names, by their ends: the identifier before '=' or ':'
 * or a JSON key.  A name ends in d, t, y or n, or it is none of them, which
 * settles most names with one comparison. */
static bool secret_name(const uint8_t *t, size_t s, size_t e, bool *aws)
{
	static const struct {
		const char *s;
		size_t n;
	} tails[] = {
#define TAIL(x) { x, sizeof(x) - 1 }
		TAIL("password"), TAIL("passwd"), TAIL("secret"), TAIL("api_key"),
		TAIL("apikey"), TAIL("api-key"), TAIL("access_key"), TAIL("secret_key"),
		TAIL("private_key"), TAIL("auth_token"), TAIL("access_token"),
		TAIL("api_token"), TAIL("refresh_token"), TAIL("bearer_token"),
#undef TAIL
	};
	uint8_t last = e > s ? t[e - 1] | 0x20 : 0;
	size_t i, k;

	*aws = false;
	if (e - s < 6 || (last != 'd' && last != 't' && last != 'y' && last != 'n'))
		return false;
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		const char *w = tails[i].s;

		k = tails[i].n;
		if (e - s >= k && (uint8_t)w[k - 1] == last && has_at_nocase(t, e, e - k, w)) {
			*aws = e - s >= 21 && has_at_nocase(t, e, e - 21, "aws_secret_access_key");
			return true;
		}
	}
	return false;
}

/* '=' or ':' at @pos: "password=...", "secret: ...", "\"api_key\": \"...\"". */
static size_t at_assign(const uint8_t *t, size_t lo, size_t pos, size_t n,
			struct sec_hit *out)
{
	size_t e = pos, s;
	bool aws;

	while (e > lo && pos - e < 3 && t[e - 1] == ' ')
		e--;
	if (e > lo && (t[e - 1] == '"' || t[e - 1] == '\''))
		e -= 1 + (e - 1 > lo && t[e - 2] == '\\');
	/* every secret name ends in d, t, y or n (secret_name) */
	if (e <= lo || !strchr("dtynDTYN", t[e - 1]) || !t[e - 1])
		return 0;
	s = span_back(t, e > lo + 40 ? e - 40 : lo, e, is_tok);
	if (s == e || t[e - 1] < 'A' || !secret_name(t, s, e, &aws))
		return 0;
	return v_assign(t, n, e, aws, out);
}

/* A token that starts at @s: what its prefix says it is. */
static size_t token_at(const uint8_t *t, size_t s, size_t n, struct sec_hit *out, size_t max)
{
	switch (t[s]) {
	case 's':
		if (has_at(t, n, s, "sk-"))
			return v_sk(t, n, s, out);
		return has_at(t, n, s, "sk_live_") ? v_stripe(t, n, s + 1, out) : 0;
	case 'r':
		return has_at(t, n, s, "rk_live_") ? v_stripe(t, n, s + 1, out) : 0;
	case 'A':
		if (has_at(t, n, s, "AKIA") || has_at(t, n, s, "ASIA"))
			return v_aws(t, n, s, out, max);
		return has_at(t, n, s, "AIza") ? v_google(t, n, s, out) : 0;
	case 'g':
		if (has_at(t, n, s, "github_pat_"))
			return v_prefixed(t, n, s, 11, 40, is_word, R_SECRET_GITHUB, out);
		if (has_at(t, n, s, "glpat-"))
			return v_prefixed(t, n, s, 6, 20, is_tok, R_SECRET_GITLAB, out);
		if (n - s > 4 && t[s + 1] == 'h' && t[s + 3] == '_' && t[s + 2] &&
		    strchr("pousr", t[s + 2]))
			return v_prefixed(t, n, s, 4, 36, is_alnum_c, R_SECRET_GITHUB, out);
		return 0;
	case 'x':
		return has_at(t, n, s, "xox") ? v_xox(t, n, s, out) : 0;
	case 'e':
		return has_at(t, n, s, "eyJ") ? v_jwt(t, n, s, out) : 0;
	}
	return 0;
}

/* A private address: a separator after two digits ("10.", "72.", "68."). */
static size_t run_ip(const uint8_t *t, size_t lo, size_t pos, size_t n, struct sec_hit *out)
{
	size_t s = span_back(t, pos > lo + 3 ? pos - 3 : lo, pos, is_digit);

	if (!(has_at(t, n, s, "10.") || has_at(t, n, s, "172.") || has_at(t, n, s, "192.168.")))
		return 0;
	return s > lo && is_digit(t[s - 1]) ? 0 : v_ip(t, n, s, out);
}

size_t scan_verify_run(const struct secret_self *self, const uint8_t *t, size_t lo,
		       size_t pos, size_t n, struct sec_hit *out, size_t max)
{
	size_t s, ts, k;

	(void)self;
	if (pos < lo + 19)
		return 0;
	s = pos - 19;
	/* "\nsk-..." in raw JSON: the run begins with an escape's letter. */
	if (s > lo && escaped_at(t, s))
		s += t[s] == 'u' ? 5 : 1;
	/* the token may begin before the run: "sk-ant-api03-", "ghp_" */
	ts = span_back(t, s > lo + 64 ? s - 64 : lo, s, is_tok);
	if (ts > lo && escaped_at(t, ts))
		ts += t[ts] == 'u' ? 5 : 1;
	if ((k = token_at(t, ts, n, out, max)) || (ts != s && (k = token_at(t, s, n, out, max))))
		return k;
	/* a long value after a name: password = '...', \"secret\": \"...\" */
	for (k = ts; k > lo && ts - k < 6 && (t[k - 1] == ' ' || t[k - 1] == '"' ||
					       t[k - 1] == '\'' || t[k - 1] == '\\'); k--)
		;
	if (k > lo && k < ts && (t[k - 1] == '=' || t[k - 1] == ':'))
		return at_assign(t, lo, k - 1, n, out);
	/* 32 hex digits after "machine-id" */
	if (is_hex(t[s]) && span(t, n - s > 33 ? s + 33 : n, s, is_hex) == s + 32)
		for (k = s; k > lo && s - k < 96; k--)
			if ((t[k - 1] | 0x20) == 'm' && has_at_nocase(t, n, k - 1, "machine"))
				return v_machine_id(t, n, k - 1, out);
	return 0;
}

static size_t at_dot(const uint8_t *t, size_t lo, size_t pos, size_t n, struct sec_hit *out)
{
	size_t s = span_back(t, pos > lo + 3 ? pos - 3 : lo, pos, is_digit);

	if (s < pos && (has_at(t, n, s, "10.") || has_at(t, n, s, "172.") ||
			has_at(t, n, s, "192.168.")))
		return v_ip(t, n, s, out);
	return 0;
}

/* The host of a URL: an internal name or a private address. */
static size_t url_host(const uint8_t *t, size_t h, size_t n, struct sec_hit *out)
{
	static const char *const tld[] = { ".local", ".corp", ".internal", ".lan", NULL };
	const char *const *d;
	size_t e = span(t, n, h, is_host), k;

	if (e == h)
		return 0;
	if (is_digit(t[h]))
		return at_dot(t, h, span(t, n, h, is_digit), n, out);
	for (d = tld; *d; d++) {
		k = strlen(*d);
		if (e - h > k && !memcmp(t + e - k, *d, k))
			return v_host(t, n, e - k, e, out);
	}
	return 0;
}

/* "scheme://" at @pos (or "scheme:\/\/" in raw JSON). */
static size_t at_url(const uint8_t *t, size_t pos, size_t n, struct sec_hit *out)
{
	size_t to = pos + (t[pos + 1] == '\\' ? 5 : 3), k, u;

	if (to > n || (to == pos + 5 && !has_at(t, n, pos, ":\\/\\/")))
		return 0;
	k = v_url(t, n, pos, to, out);
	u = span(t, n, to, is_userinfo);
	if (u < n && t[u] == ':')
		u = span(t, n, u + 1, is_userinfo);
	return k + url_host(t, u < n && t[u] == '@' ? u + 1 : to, n, out + k);
}

size_t scan_verify_at(const struct secret_self *self, const uint8_t *t, size_t lo,
		      size_t pos, size_t n, struct sec_hit *out, size_t max)
{
	(void)max;
	switch (t[pos]) {
	case '/':
		if (has_at(t, n, pos, "/home/"))
			return v_home(self, t, n, pos, pos + 6, out);
		return has_at(t, n, pos, "/Users/") ? v_home(self, t, n, pos, pos + 7, out) : 0;
	case '\\':
		return has_at(t, n, pos, "\\Users\\") ?
			v_winhome(self, t, n, pos + 1, pos + 7, out) : 0;
	case '-':
		if (pos >= lo + 4 && has_at(t, n, pos - 4, "-----BEGIN "))
			return v_private_key(t, n, pos - 4, out);
		return 0;
	case '.':
		return pos >= lo + 2 && is_digit(t[pos - 1]) ? run_ip(t, lo, pos, n, out) : 0;
	case ':':
		if (pos + 2 < n && (t[pos + 1] == '/' || t[pos + 1] == '\\'))
			return at_url(t, pos, n, out);
		if (pos + 1 < n && t[pos + 1] == '~')
			return v_prompt(self, t, n, pos, pos + 2, out);
		if (pos >= lo + 8 && mac_at(t, n, pos - 8))
			return hit(out, pos - 8, pos + 9, R_ENV_MAC_ADDRESS, 0);
		return at_assign(t, lo, pos, n, out);
	case '=':
		return at_assign(t, lo, pos, n, out);
	}
	return 0;
}

/* A JSON value after a key named like a secret ("password": "..."). */
bool scan_secret_name(const uint8_t *t, size_t n)
{
	bool aws;

	return n < 64 && secret_name(t, 0, n, &aws);
}

size_t scan_verify_value(const uint8_t *t, size_t s, size_t e, struct sec_hit *out)
{
	if (aws_secret_at(t, e, s) && e - s == 40)
		return hit(out, s, e, R_SECRET_AWS_SECRET_KEY, 0);
	if (e - s < 8 || e - s >= 256 || !varied(t + s, e - s) || placeholder(t + s, e - s) ||
	    memchr(t + s, ' ', e - s) || memchr(t + s, '\\', e - s))
		return 0;
	return hit(out, s, e, R_SECRET_ASSIGNMENT, 0);
}
