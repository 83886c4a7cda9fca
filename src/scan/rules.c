/* SPDX-License-Identifier: MIT */
/*
 * rules.c - the built-in rule table and the names used in every output.
 *
 * Rule ids and categories are a stable contract: scripts and SARIF viewers
 * key on them.  Add rules; never rename one.
 */
#include <string.h>

#include "scan/scan.h"
#include "util/banned.h"

const struct scan_rule_info scan_rule_table[R_COUNT] = {
	[R_UTF8_INVALID] = { "utf8.invalid", "encoding", SCAN_SEV_MEDIUM,
		"Bytes that are not valid UTF-8 (overlong, surrogate, truncated or stray)." },
	[R_UTF8_NONCHARACTER] = { "utf8.noncharacter", "encoding", SCAN_SEV_MEDIUM,
		"A Unicode noncharacter, which is never meant to appear in text." },
	[R_JSON_LONE_SURROGATE] = { "json.lone-surrogate", "encoding", SCAN_SEV_MEDIUM,
		"A \\u escape of half a surrogate pair, which decodes to no character." },
	[R_JSON_NUL] = { "json.nul", "encoding", SCAN_SEV_MEDIUM,
		"A NUL character inside a string, which many programs truncate at." },
	[R_JSON_RAW_CONTROL] = { "json.raw-control", "encoding", SCAN_SEV_LOW,
		"A raw control byte inside a JSON string, where JSON requires an escape." },
	[R_JSON_DUPLICATE_KEY] = { "json.duplicate-key", "json", SCAN_SEV_MEDIUM,
		"A key repeated in one object: parsers disagree on which value wins." },
	[R_CONTROL] = { "invisible.control", "invisible", SCAN_SEV_LOW,
		"A control character other than tab, line feed or carriage return." },
	[R_INVISIBLE_ZERO_WIDTH] = { "invisible.zero-width", "invisible", SCAN_SEV_MEDIUM,
		"A zero-width character outside a context that needs it." },
	[R_INVISIBLE_FORMAT] = { "invisible.format", "invisible", SCAN_SEV_MEDIUM,
		"An invisible format character (Cf or default-ignorable)." },
	[R_INVISIBLE_SOFT_HYPHEN] = { "invisible.soft-hyphen", "invisible", SCAN_SEV_LOW,
		"A soft hyphen, invisible unless a line breaks there." },
	[R_INVISIBLE_BOM] = { "invisible.bom", "invisible", SCAN_SEV_MEDIUM,
		"A byte order mark inside text, where it is an invisible zero-width no-break space." },
	[R_INVISIBLE_FILLER] = { "invisible.filler", "invisible", SCAN_SEV_MEDIUM,
		"A blank filler character (Hangul filler, braille blank) that renders as nothing." },
	[R_INVISIBLE_RUN] = { "invisible.run", "invisible", SCAN_SEV_HIGH,
		"A run of invisible characters, the shape of a hidden binary payload." },
	[R_PRIVATE_USE] = { "invisible.private-use", "invisible", SCAN_SEV_LOW,
		"A private-use character, with no meaning outside an agreement." },
	[R_UNASSIGNED] = { "invisible.unassigned", "invisible", SCAN_SEV_LOW,
		"A code point not assigned in this version of Unicode." },
	[R_TAG_TEXT] = { "tag.smuggled-text", "tag", SCAN_SEV_HIGH,
		"Unicode tag characters (U+E0000-E007F) spelling hidden ASCII text." },
	[R_VARIATION_PAYLOAD] = { "variation.payload", "variation-selector", SCAN_SEV_HIGH,
		"A run of variation selectors, each standing for a byte of a hidden payload." },
	[R_VARIATION_STRAY] = { "variation.stray", "variation-selector", SCAN_SEV_LOW,
		"A variation selector after a character it does not vary." },
	[R_BIDI_OVERRIDE] = { "bidi.override", "bidi", SCAN_SEV_HIGH,
		"A bidirectional override, which reorders how text is displayed (Trojan Source)." },
	[R_BIDI_UNBALANCED] = { "bidi.unbalanced", "bidi", SCAN_SEV_HIGH,
		"Bidirectional embeddings or isolates left open or closed without opening." },
	[R_BIDI_EMBEDDING] = { "bidi.embedding", "bidi", SCAN_SEV_MEDIUM,
		"A bidirectional embedding or isolate control." },
	[R_BIDI_MARK] = { "bidi.mark", "bidi", SCAN_SEV_LOW,
		"A left-to-right or right-to-left mark in text with no right-to-left script." },
	[R_LOOKALIKE_APOSTROPHE] = { "lookalike.apostrophe", "lookalike", SCAN_SEV_MEDIUM,
		"An apostrophe look-alike that differs from the request's own apostrophe style." },
	[R_LOOKALIKE_QUOTE] = { "lookalike.quote", "lookalike", SCAN_SEV_LOW,
		"A quotation-mark look-alike that differs from the request's own style." },
	[R_LOOKALIKE_DASH] = { "lookalike.dash", "lookalike", SCAN_SEV_LOW,
		"A hyphen or minus look-alike where the request otherwise uses U+002D." },
	[R_LOOKALIKE_SLASH] = { "lookalike.slash", "lookalike", SCAN_SEV_MEDIUM,
		"A slash look-alike where the request otherwise uses U+002F." },
	[R_LOOKALIKE_SPACE] = { "lookalike.space", "lookalike", SCAN_SEV_LOW,
		"A space look-alike (no-break, thin, ideographic ...) among ordinary spaces." },
	[R_LOOKALIKE_FULLWIDTH] = { "lookalike.fullwidth", "lookalike", SCAN_SEV_MEDIUM,
		"A full-width form of an ASCII character outside East Asian text." },
	[R_HOMOGLYPH_MIXED_SCRIPT] = { "homoglyph.mixed-script", "homoglyph", SCAN_SEV_MEDIUM,
		"A word mixing Latin letters with Cyrillic, Greek or other look-alike letters." },
	[R_DATE_MIXED] = { "date.mixed-styles", "date-format", SCAN_SEV_LOW,
		"A date written in a different style from the other dates in the request." },
	[R_DATE_SENTENCE] = { "date.sentence-variant", "date-format", SCAN_SEV_MEDIUM,
		"A date sentence whose separator or shape differs from the usual ISO form." },
	[R_WS_TRAILING] = { "whitespace.trailing-pattern", "whitespace", SCAN_SEV_MEDIUM,
		"Trailing spaces and tabs at line ends that vary line by line, as bits do." },
	[R_WS_SPACE_PATTERN] = { "whitespace.space-pattern", "whitespace", SCAN_SEV_HIGH,
		"Ordinary and no-break spaces alternating between words, as bits do." },
	[R_WS_LINE_SEPARATOR] = { "whitespace.line-separator", "whitespace", SCAN_SEV_LOW,
		"An unusual line separator (U+2028, U+2029, U+0085) or a lone carriage return." },
	[R_WS_MIXED_NEWLINES] = { "whitespace.mixed-newlines", "whitespace", SCAN_SEV_LOW,
		"CRLF and LF line ends mixed in one string." },
	[R_SECRET_ANTHROPIC] = { "secret.anthropic-key", "secret", SCAN_SEV_CRITICAL,
		"An Anthropic API key (sk-ant-...)." },
	[R_SECRET_OPENAI] = { "secret.openai-key", "secret", SCAN_SEV_CRITICAL,
		"An OpenAI-style API key (sk-..., sk-proj-...)." },
	[R_SECRET_AWS_ACCESS_KEY] = { "secret.aws-access-key", "secret", SCAN_SEV_CRITICAL,
		"An AWS access key id (AKIA..., ASIA...)." },
	[R_SECRET_AWS_SECRET_KEY] = { "secret.aws-secret-key", "secret", SCAN_SEV_CRITICAL,
		"An AWS secret access key: 40 characters next to an access key id or its name." },
	[R_SECRET_GITHUB] = { "secret.github-token", "secret", SCAN_SEV_CRITICAL,
		"A GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)." },
	[R_SECRET_GITLAB] = { "secret.gitlab-token", "secret", SCAN_SEV_CRITICAL,
		"A GitLab personal access token (glpat-...)." },
	[R_SECRET_SLACK] = { "secret.slack-token", "secret", SCAN_SEV_CRITICAL,
		"A Slack token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-)." },
	[R_SECRET_GOOGLE] = { "secret.google-api-key", "secret", SCAN_SEV_HIGH,
		"A Google API key (AIza...)." },
	[R_SECRET_STRIPE] = { "secret.stripe-key", "secret", SCAN_SEV_CRITICAL,
		"A Stripe live secret or restricted key (sk_live_, rk_live_)." },
	[R_SECRET_PRIVATE_KEY] = { "secret.private-key", "secret", SCAN_SEV_CRITICAL,
		"A private key block (-----BEGIN ... PRIVATE KEY-----)." },
	[R_SECRET_JWT] = { "secret.jwt", "secret", SCAN_SEV_HIGH,
		"A JSON Web Token (header.payload.signature)." },
	[R_SECRET_URL_CREDENTIALS] = { "secret.url-credentials", "secret", SCAN_SEV_HIGH,
		"A password inside a URL (scheme://user:password@host)." },
	[R_SECRET_ASSIGNMENT] = { "secret.assignment", "secret", SCAN_SEV_HIGH,
		"A password, secret or API key assigned a high-entropy value (password=...)." },
	[R_SECRET_API_KEY_HEADER] = { "secret.api-key-header", "secret", SCAN_SEV_INFO,
		"The API key a request header carries by design; named by fingerprint only." },
	[R_ENV_SELF_HOME] = { "env.self-home", "environment", SCAN_SEV_HIGH,
		"This machine's own home directory, as the caller gave it." },
	[R_ENV_SELF_USERNAME] = { "env.self-username", "environment", SCAN_SEV_HIGH,
		"This machine's own user name, as the caller gave it." },
	[R_ENV_SELF_HOSTNAME] = { "env.self-hostname", "environment", SCAN_SEV_HIGH,
		"This machine's own host name, as the caller gave it." },
	[R_ENV_HOME_PATH] = { "env.home-path", "environment", SCAN_SEV_MEDIUM,
		"A home directory path that names a user (/home/NAME, /Users/NAME, C:\\Users\\NAME)." },
	[R_ENV_USER_PROMPT] = { "env.user-prompt", "environment", SCAN_SEV_MEDIUM,
		"A shell prompt naming a user and a host (user@host:~$)." },
	[R_ENV_PRIVATE_IP] = { "env.private-ip", "environment", SCAN_SEV_LOW,
		"A private IPv4 address (10/8, 172.16/12, 192.168/16)." },
	[R_ENV_MAC_ADDRESS] = { "env.mac-address", "environment", SCAN_SEV_MEDIUM,
		"A network interface's MAC address." },
	[R_ENV_MACHINE_ID] = { "env.machine-id", "environment", SCAN_SEV_MEDIUM,
		"A machine id (32 hex digits next to \"machine-id\")." },
	[R_ENV_INTERNAL_HOST] = { "env.internal-host", "environment", SCAN_SEV_LOW,
		"A host name on an internal network (*.local, *.corp, *.internal, *.lan)." },
	[R_ENV_TIMEZONE] = { "env.timezone", "environment", SCAN_SEV_LOW,
		"An IANA time zone name (Area/City) in a system prompt." },
	[R_ENV_LOCALE] = { "env.locale", "environment", SCAN_SEV_LOW,
		"A locale name (xx_YY.UTF-8, LANG=xx_YY) in a system prompt." },
	[R_SCAN_TRUNCATED] = { "scan.truncated", "scan", SCAN_SEV_INFO,
		"More findings than the per-body limit; the least severe were left out." },
	[R_SCHEME] = { "scheme", "known-scheme", SCAN_SEV_CRITICAL,
		"A known covert scheme, decoded (see the scheme's own rule id)." },
};

const struct scan_rule_info *scan_rules(size_t *count)
{
	*count = R_COUNT;
	return scan_rule_table;
}

static const char *const severity_names[] = {
	"info", "low", "medium", "high", "critical",
};

const char *scan_severity_name(enum scan_severity sev)
{
	if ((unsigned)sev > SCAN_SEV_CRITICAL)
		return "unknown";
	return severity_names[sev];
}

int scan_severity_parse(const char *name)
{
	int i;

	for (i = 0; i <= SCAN_SEV_CRITICAL; i++)
		if (!strcmp(name, severity_names[i]))
			return i;
	return -1;
}

const char *scan_origin_name(enum scan_origin origin)
{
	switch (origin) {
	case SCAN_ORIGIN_SYSTEM:
		return "system";
	case SCAN_ORIGIN_USER:
		return "user";
	case SCAN_ORIGIN_ASSISTANT:
		return "assistant";
	case SCAN_ORIGIN_TOOL_DEFINITION:
		return "tool_definition";
	case SCAN_ORIGIN_TOOL_RESULT:
		return "tool_result";
	case SCAN_ORIGIN_METADATA:
		return "metadata";
	case SCAN_ORIGIN_UNKNOWN:
		break;
	}
	return "unknown";
}
