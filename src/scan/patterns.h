/* SPDX-License-Identifier: MIT */
/*
 * patterns.h - the Vectorscan patterns of the secret and environment rules,
 * shared by the engine (secrets.c, verify.c) and by cmake/secret_dbgen.c,
 * which compiles them when overt is built: compiling at run time would
 * bring about 4 MB of Vectorscan's compiler into every process (measured
 * as resident code pages), where a serialized database is 24 KB.
 */
#ifndef OVERT_SCAN_PATTERNS_H
#define OVERT_SCAN_PATTERNS_H

#include <stdbool.h>
#include <stddef.h>

struct sec_anchor {
	const char *literal;
	bool caseless;
};

/* Literal anchors, for strings decoded from \u escapes and for header
 * values; in the order of enum anchor (verify.c). */
static const struct sec_anchor sec_anchor_list[] = {
	{ "sk-", false },
	{ "AKIA", false },
	{ "ASIA", false },
	{ "aws_secret", true },
	{ "ghp_", false },
	{ "gho_", false },
	{ "ghu_", false },
	{ "ghs_", false },
	{ "ghr_", false },
	{ "github_pat_", false },
	{ "glpat-", false },
	{ "xox", false },
	{ "AIza", false },
	{ "k_live_", false },
	{ "-----BEGIN ", false },
	{ "eyJ", false },
	{ "://", false },
	{ ":\\/\\/", false },
	{ "passw", true },
	{ "secret", true },
	{ "api_key", true },
	{ "apikey", true },
	{ "api-key", true },
	{ "/home/", false },
	{ "/Users/", false },
	{ "Users\\", false },
	{ ":~", false },
	{ "]$ ", false },
	{ "]# ", false },
	{ "10.", false },
	{ "172.", false },
	{ "192.168.", false },
	{ "mac", true },
	{ "HWaddr", false },
	{ "/ether ", false },
	{ "Physical Addr", false },
	{ ".local", false },
	{ ".corp", false },
	{ ".internal", false },
	{ ".lan", false },
};
#define SEC_NANCHORS (sizeof(sec_anchor_list) / sizeof(sec_anchor_list[0]))

/* System prompts and header values: ids of the second database. */
#define SEC_SYS_TIMEZONE 2000
#define SEC_SYS_LOCALE 2001
#define SEC_SYS_LANG 2002
#define SEC_SYS_HOME 2003
#define SEC_SYS_HOST 2004
#define SEC_SYS_IP 2005
#define SEC_SYS_MAC 2006
#define SEC_SYS_PROMPT 2007
#define SEC_SYS_WINHOME 2008

/* The whole regular expressions, on a few kilobytes; those with
 * start-of-match report where they begin, the others are confirmed from
 * their end, which keeps the database small. */
static const char *const sec_sys_patterns[] = {
	("(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)"
	 "/[A-Z][A-Za-z_+\\-]{1,30}(?:/[A-Z][A-Za-z_+\\-]{1,30})?"),
	"[a-z]{2,3}_[A-Z]{2}\\.(?:UTF-8|utf-8|UTF8|utf8|ISO-8859-[0-9]{1,2})",
	"(?:LANG|LANGUAGE|LC_ALL|LC_[A-Z]{2,14})=[a-z]{2,3}_[A-Z]{2}",
	"(?:10\\.[0-9]{1,3}|172\\.(?:1[6-9]|2[0-9]|3[01])|192\\.168)\\.[0-9]{1,3}\\.[0-9]{1,3}",
	"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}",
	"/(?:home|Users)/[A-Za-z0-9_]",
	"[A-Za-z0-9]\\.(?:local|corp|internal|lan)",
	"@[A-Za-z0-9][A-Za-z0-9.\\-]{0,62}:~",
	"Users\\\\{1,2}[A-Za-z0-9_]",
};
static const unsigned sec_sys_ids[] = {
	SEC_SYS_TIMEZONE, SEC_SYS_LOCALE, SEC_SYS_LANG, SEC_SYS_IP, SEC_SYS_MAC,
	SEC_SYS_HOME, SEC_SYS_HOST, SEC_SYS_PROMPT, SEC_SYS_WINHOME,
};
static const bool sec_sys_som[] = { true, true, true, true, true, false, false, false, false };
#define SEC_NSYS (sizeof(sec_sys_ids) / sizeof(sec_sys_ids[0]))

#endif
