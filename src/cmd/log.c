/* SPDX-License-Identifier: MIT */
/*
 * log.c - `overt log`: list, show, export, verify and summarise the audit
 * log that `overt proxy` writes.
 *
 * Every reading subcommand opens the file read-only, so looking at the
 * evidence never changes it.  Bodies and strings in the text formats come
 * from the network: control characters, C1 controls and bidi controls are
 * shown as escapes, so a body cannot drive the terminal or reorder what the
 * reader sees.  The hidden `import` subcommand builds a log from the JSON
 * Lines `export` writes, for tests and for moving a log without a proxy.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "overt.h"
#include "audit/audit.h"
#include "cmd/cmd.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/parse.h"
#include "util/term.h"
#include "util/banned.h"

static const char usage_text[] =
	"usage: overt log <subcommand> --db PATH [options]\n"
	"\n"
	"Read the audit log written by 'overt proxy'.  The file is opened read-only.\n"
	"\n"
	"  list    [--format text|json] [FILTERS]   exchanges, one per line\n"
	"  show    [--format text|json] ID          one exchange, findings and bodies\n"
	"  export  [--format jsonl|har] [FILTERS]   JSON Lines (\"schema\":1) or HAR 1.2\n"
	"  verify  [--expect-head HASH]             check the hash chain; with HASH (a\n"
	"                                           head an earlier verify printed), also\n"
	"                                           that the chain still holds that entry\n"
	"  stats   [--format text|json]             counts and compression\n"
	"  events  [--format text|json] [--since T] network attempts and 'overt run'\n"
	"                                           sessions, one per line\n"
	"\n"
	"Filters:\n"
	"      --since TIME         at or after TIME: Unix milliseconds, 2026-06-30,\n"
	"                           2026-06-30T12:00:00Z, or an age such as 30m, 12h, 7d\n"
	"      --min-severity SEV   with a finding at least this severe\n"
	"      --rule RULE          with a finding of this rule\n"
	"      --route NAME         sent through this route\n"
	"      --limit N            at most N exchanges\n"
	"\n"
	"Exit status: 0 success, 1 verify found a problem, 2 usage,\n"
	"4 the log is missing, unreadable or damaged.\n";

enum { FMT_TEXT, FMT_JSON, FMT_JSONL, FMT_HAR };

struct log_args {
	const char *sub;
	const char *db;
	const char *expect_head; /* verify: "sha256:<64 hex>" or 64 hex */
	int format;
	struct audit_filter filter;
};

static int usage_error(const char *sub, const char *fmt, const char *arg)
{
	fprintf(stderr, "overt log%s%s: ", sub ? " " : "", sub ? sub : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nsee 'overt log --help'\n");
	return EXIT_USAGE;
}

/* "1719748800000", "2026-06-30", "2026-06-30T12:00:00Z", "30m", "12h", "7d". */
static int parse_since(const char *s, int64_t *ms)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 },
	};
	struct tm tm = { 0 };
	const char *end;
	char *e;
	long long v;
	size_t i;

	errno = 0;
	v = strtoll(s, &e, 10);
	if (!errno && e != s && !*e && v >= 0) {
		*ms = v;
		return 0;
	}
	for (i = 0; !errno && e != s && v >= 0 && e[1] == '\0' && i < 4; i++)
		if (*e == units[i].unit && v < INT64_MAX / units[i].ms) {
			*ms = (int64_t)time(NULL) * 1000 - v * units[i].ms;
			return 0;
		}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && *end == 'T')
		end = strptime(end + 1, "%H:%M:%S", &tm);
	if (end && *end == 'Z')
		end++;
	if (!end || *end)
		return -1;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

static int parse_format(struct log_args *a, const char *arg)
{
	int export = !strcmp(a->sub, "export");

	if (!export && !strcmp(arg, "text"))
		a->format = FMT_TEXT;
	else if (!export && !strcmp(arg, "json"))
		a->format = FMT_JSON;
	else if (export && !strcmp(arg, "jsonl"))
		a->format = FMT_JSONL;
	else if (export && !strcmp(arg, "har"))
		a->format = FMT_HAR;
	else
		return usage_error(a->sub, export ? "--format takes jsonl or har, not '%s'" :
				   "--format takes text or json, not '%s'", arg);
	return 0;
}

static int parse_filter(struct log_args *a, int opt, const char *arg)
{
	uint64_t n;

	switch (opt) {
	case 'S':
		if (parse_since(arg, &a->filter.since_ms))
			return usage_error(a->sub, "--since takes Unix milliseconds, a date "
					   "such as 2026-06-30 or an age such as 12h, not '%s'", arg);
		return 0;
	case 'm':
		a->filter.min_severity = scan_severity_parse(arg);
		if (a->filter.min_severity < 0)
			return usage_error(a->sub, "--min-severity takes info, low, medium, "
					   "high or critical, not '%s'", arg);
		return 0;
	case 'r':
		a->filter.rule = arg;
		return 0;
	case 'R':
		a->filter.route = arg;
		return 0;
	default:
		if (parse_size(arg, (uint64_t)1 << 40, &n) || !n)
			return usage_error(a->sub, "--limit takes a positive number, not '%s'", arg);
		a->filter.limit = n;
		return 0;
	}
}

static const char *option_name(const struct option *opts, int val)
{
	for (; opts->name; opts++)
		if (opts->val == val)
			return opts->name;
	return "?";
}

/* Options of every subcommand; those a subcommand does not take are refused. */
static int parse_args(int argc, char **argv, struct log_args *a, const char *takes)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 'S' },
		{ "min-severity", required_argument, NULL, 'm' },
		{ "rule", required_argument, NULL, 'r' },
		{ "route", required_argument, NULL, 'R' },
		{ "limit", required_argument, NULL, 'n' },
		{ "expect-head", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc = 0;

	optind = 0;
	while (!rc && (opt = getopt_long(argc, argv, ":d:f:h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage_text, stdout);
			return -1;
		}
		if (opt == '?' || opt == ':')
			return usage_error(a->sub, opt == ':' ? "option '%s' needs a value" :
					   "unknown option '%s'", argv[optind - 1]);
		if (!strchr(takes, opt))
			return usage_error(a->sub, "--%s does not apply here", option_name(opts, opt));
		if (opt == 'd')
			a->db = optarg;
		else if (opt == 'E')
			a->expect_head = optarg;
		else if (opt == 'f')
			rc = parse_format(a, optarg);
		else
			rc = parse_filter(a, opt, optarg);
	}
	if (!rc && !a->db)
		return usage_error(a->sub, "%s", "--db PATH names the audit log");
	return rc;
}

static int open_ro(const struct log_args *a, struct audit_store **s)
{
	char err[512];
	int rc = audit_open_readonly(a->db, s, err, sizeof(err));

	if (rc)
		fprintf(stderr, "overt: %s\n", err);
	return rc ? EXIT_RUNTIME : 0;
}

static int report(const struct log_args *a, int rc)
{
	if (rc == 0)
		return EXIT_CLEAN;
	fprintf(stderr, "overt: cannot read '%s': %s\n", a->db, audit_strerror(rc));
	return EXIT_RUNTIME;
}

/* ---- text output: hostile bytes made visible ---- */

static void put_str(const char *s)
{
	if (s)
		term_put_safe(stdout, s, strlen(s), TERM_KEEP_LINES);
	else
		fputs("-", stdout);
}

static void put_time(int64_t ms)
{
	time_t sec = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	char out[40];

	if (!gmtime_r(&sec, &tm)) {
		printf("%lld", (long long)ms);
		return;
	}
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%s.%03dZ", out, (int)(ms - (int64_t)sec * 1000));
}

static const char *worst_name(int worst)
{
	return worst < 0 ? "none" : scan_severity_name((enum scan_severity)worst);
}

static int list_text(void *ctx, const struct audit_record *r)
{
	const struct audit_exchange *x = &r->x;

	(void)ctx;
	printf("%6lld  ", (long long)x->id);
	put_time(x->time_ms);
	fputs("  ", stdout);
	put_str(x->route);
	fputs("  ", stdout);
	put_str(x->method);
	fputs(" ", stdout);
	put_str(x->path);
	printf("  %d  %lldms  %zu finding%s (worst %s)  %s\n", x->status,
	       (long long)x->total_ms, r->nfindings, r->nfindings == 1 ? "" : "s",
	       worst_name(r->worst), audit_action_name(x->action));
	return 0;
}

static int json_str(struct buf *b, const char *key, const char *v)
{
	int rc = buf_printf(b, ",\"%s\":", key);

	if (rc)
		return rc;
	return v ? json_write_string(b, v, strlen(v)) : buf_adds(b, "null");
}

/* One line per exchange: its columns and a summary of its findings. */
static int list_json(void *ctx, const struct audit_record *r)
{
	const struct audit_exchange *x = &r->x;
	struct buf *b = ctx;
	int rc;

	buf_reset(b);
	rc = buf_printf(b, "{\"schema\":%d,\"id\":%lld,\"time_ms\":%lld", OVERT_SCHEMA,
			(long long)x->id, (long long)x->time_ms);
	rc = rc ? rc : json_str(b, "client", x->client);
	rc = rc ? rc : json_str(b, "route", x->route);
	rc = rc ? rc : json_str(b, "method", x->method);
	rc = rc ? rc : json_str(b, "path", x->path);
	rc = rc ? rc : buf_printf(b, ",\"status\":%d,\"ttfb_ms\":%lld,\"total_ms\":%lld,"
				  "\"request_bytes\":%llu,\"response_bytes\":%llu,"
				  "\"action\":\"%s\",\"findings\":%zu,\"worst\":", x->status,
				  (long long)x->ttfb_ms, (long long)x->total_ms,
				  (unsigned long long)x->request_bytes,
				  (unsigned long long)x->response_bytes,
				  audit_action_name(x->action), r->nfindings);
	if (!rc && r->worst < 0)
		rc = buf_adds(b, "null}\n");
	else if (!rc)
		rc = buf_printf(b, "\"%s\"}\n", worst_name(r->worst));
	if (rc)
		return AUDIT_ENOMEM;
	fwrite(b->data, 1, b->len, stdout);
	return 0;
}

static int do_list(struct audit_store *s, const struct log_args *a)
{
	struct buf b;
	int rc;

	buf_init(&b, (size_t)1 << 24);
	rc = audit_list(s, &a->filter, a->format == FMT_JSON ? list_json : list_text, &b);
	buf_release(&b);
	return rc;
}

static void show_body(const char *name, const uint8_t *p, size_t n)
{
	if (!p) {
		printf("%s body: none\n", name);
		return;
	}
	printf("%s body: %zu bytes\n", name, n);
	term_put_safe(stdout, (const char *)p, n, TERM_KEEP_LINES);
	if (n && p[n - 1] != '\n')
		putchar('\n');
}

/* A replacement as a JSON string ("\"" for a quote), or "dropped". */
static void show_replacement(const char *s)
{
	struct buf b;

	buf_init(&b, 64 * 1024);
	if (!s[0])
		puts("dropped");
	else if (json_write_string(&b, s, strlen(s)))
		puts("(too long to show)");
	else
		term_put_safe(stdout, b.data, b.len, 0), putchar('\n');
	buf_release(&b);
}

/* What the proxy forwarded instead of the recorded request body. */
static void show_changes(const struct audit_exchange *x)
{
	const struct audit_change *c;
	size_t i;

	if (!x->nchanges)
		return;
	printf("changes to the forwarded body: %zu\n", x->nchanges);
	for (i = 0; i < x->nchanges; i++) {
		c = &x->changes[i];
		printf("  %s ", audit_action_name(c->action));
		put_str(c->json_path);
		printf(" byte %llu", (unsigned long long)c->byte_offset);
		if (c->codepoint <= 0x10FFFF)
			printf(" U+%04X", (unsigned)c->codepoint);
		printf(" (%llu byte%s) -> ", (unsigned long long)c->byte_length,
		       c->byte_length == 1 ? "" : "s");
		show_replacement(c->replacement);
	}
}

static void show_text(const struct audit_exchange *x)
{
	const struct audit_finding *f;
	size_t i;

	printf("exchange %lld\ntime: ", (long long)x->id);
	put_time(x->time_ms);
	printf("\nclient: ");
	put_str(x->client);
	printf("\nroute: ");
	put_str(x->route);
	printf("\nrequest: ");
	put_str(x->method);
	putchar(' ');
	put_str(x->path);
	printf("\nstatus: %d\ntime to first byte: %lld ms\ntotal: %lld ms\n"
	       "bytes: %llu sent, %llu received\napi key: ", x->status,
	       (long long)x->ttfb_ms, (long long)x->total_ms,
	       (unsigned long long)x->request_bytes, (unsigned long long)x->response_bytes);
	if (x->key_fingerprint)
		printf("%s (ends ", x->key_fingerprint), put_str(x->key_last4), puts(")");
	else
		puts("none");
	printf("action: %s\nconversation: ", audit_action_name(x->action));
	put_str(x->conversation);
	printf("\nfindings: %zu\n", x->nfindings);
	for (i = 0; i < x->nfindings; i++) {
		f = &x->findings[i];
		printf("  %s: ", scan_severity_name(f->severity));
		put_str(f->rule);
		printf(" (%s) ", scan_origin_name(f->origin));
		put_str(f->json_path);
		printf(" byte %llu", (unsigned long long)f->byte_offset);
		if (f->codepoint <= 0x10FFFF)
			printf(" U+%04X", (unsigned)f->codepoint);
		printf(" %s\n", audit_action_name(f->action));
	}
	show_changes(x);
	show_body("request", x->request_body, x->request_len);
	show_body("response", x->response_body, x->response_len);
}

static int do_show(struct audit_store *s, const struct log_args *a, const char *arg)
{
	struct audit_record *r;
	struct buf b;
	char *end;
	long long id;
	int rc;

	errno = 0;
	id = strtoll(arg, &end, 10);
	if (errno || *end || id <= 0)
		return usage_error("show", "the exchange id is a positive number, not '%s'", arg);
	rc = audit_get(s, id, &r);
	if (rc == AUDIT_ENOENT) {
		fprintf(stderr, "overt: no exchange %lld in '%s'; 'overt log list' shows "
			"the ids\n", id, a->db);
		return EXIT_RUNTIME;
	}
	if (rc)
		return report(a, rc);
	if (a->format == FMT_JSON) {
		buf_init(&b, (size_t)1 << 34);
		rc = audit_exchange_json(&b, &r->x) ? AUDIT_ENOMEM : 0;
		if (!rc)
			fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
	} else {
		show_text(&r->x);
	}
	audit_record_free(r);
	return report(a, rc);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "sha256:" and 64 hex digits (or the digits alone) into @out; -1 if not. */
static int parse_head(const char *text, uint8_t out[32])
{
	size_t i;
	int hi, lo;

	if (!strncmp(text, "sha256:", 7))
		text += 7;
	if (strlen(text) != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		hi = hex_digit(text[2 * i]);
		lo = hex_digit(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int do_verify(struct audit_store *s, const struct log_args *a)
{
	struct audit_verify_result v;
	uint8_t head[32];
	int rc, i;

	if (a->expect_head && parse_head(a->expect_head, head))
		return usage_error(a->sub, "--expect-head takes sha256: and 64 hex digits, "
				   "as verify prints them, not '%s'", a->expect_head);
	rc = audit_verify_expect(s, a->expect_head ? head : NULL, &v);
	if (rc == AUDIT_ECORRUPT) {
		fprintf(stderr, "overt: '%s' does not verify: %s\n", a->db, v.message);
		if (v.bad_seq)
			fprintf(stderr, "overt: first bad entry: seq %llu (%s row %lld); "
				"%llu entries before it check out\n",
				(unsigned long long)v.bad_seq, v.table, (long long)v.row_id,
				(unsigned long long)v.records);
		return EXIT_FINDINGS;
	}
	if (rc) {
		fprintf(stderr, "overt: %s\n", v.message[0] ? v.message : audit_strerror(rc));
		return EXIT_RUNTIME;
	}
	/* A consistent chain without the recorded head was recomputed after an
	 * edit, or cut short: someone with write access rewrote the file. */
	if (a->expect_head && !v.expect_seq) {
		fprintf(stderr, "overt: '%s' does not verify: no entry has the expected head "
			"%s, so the file was rewritten or truncated since it was recorded\n",
			a->db, a->expect_head);
		return EXIT_FINDINGS;
	}
	printf("%s: ok: %llu entries, head sha256:", a->db, (unsigned long long)v.records);
	for (i = 0; i < 32; i++)
		printf("%02x", v.head[i]);
	if (a->expect_head)
		printf(", expected head at seq %llu", (unsigned long long)v.expect_seq);
	putchar('\n');
	return EXIT_CLEAN;
}

static double ratio(const struct audit_stats *st)
{
	return st->body_stored_bytes ? (double)st->body_raw_bytes / (double)st->body_stored_bytes : 0.0;
}

static void stats_text(const struct audit_stats *st)
{
	size_t i;
	int v;

	printf("exchanges: %llu\nfindings: %llu (", (unsigned long long)st->exchanges,
	       (unsigned long long)st->findings);
	for (v = SCAN_SEV_CRITICAL; v >= SCAN_SEV_INFO; v--)
		printf("%llu %s%s", (unsigned long long)st->by_severity[v],
		       scan_severity_name((enum scan_severity)v), v ? ", " : ")\n");
	printf("by rule:\n");
	for (i = 0; i < st->nrules; i++) {
		printf("  %8llu  ", (unsigned long long)st->by_rule[i].count);
		put_str(st->by_rule[i].name);
		putchar('\n');
	}
	printf("by route:\n");
	for (i = 0; i < st->nroutes; i++) {
		printf("  %8llu  ", (unsigned long long)st->by_route[i].count);
		put_str(st->by_route[i].name[0] ? st->by_route[i].name : "-");
		putchar('\n');
	}
	printf("bodies: %llu, %llu bytes raw, %llu bytes stored, ratio %.1f:1\n"
	       "file: %llu bytes\n", (unsigned long long)st->bodies,
	       (unsigned long long)st->body_raw_bytes,
	       (unsigned long long)st->body_stored_bytes, ratio(st),
	       (unsigned long long)st->file_bytes);
}

static int counts_json(struct buf *b, const char *name, const struct audit_count *c, size_t n)
{
	size_t i;
	int rc = buf_printf(b, ",\"%s\":{", name);

	for (i = 0; !rc && i < n; i++) {
		rc = i ? buf_addc(b, ',') : 0;
		rc = rc ? rc : json_write_string(b, c[i].name, strlen(c[i].name));
		rc = rc ? rc : buf_printf(b, ":%llu", (unsigned long long)c[i].count);
	}
	return rc ? rc : buf_addc(b, '}');
}

static int stats_json(const struct audit_stats *st)
{
	struct buf b;
	int rc, v;

	buf_init(&b, (size_t)1 << 26);
	rc = buf_printf(&b, "{\"schema\":%d,\"exchanges\":%llu,\"findings\":%llu,"
			"\"by_severity\":{", OVERT_SCHEMA, (unsigned long long)st->exchanges,
			(unsigned long long)st->findings);
	for (v = SCAN_SEV_CRITICAL; !rc && v >= SCAN_SEV_INFO; v--)
		rc = buf_printf(&b, "\"%s\":%llu%s", scan_severity_name((enum scan_severity)v),
				(unsigned long long)st->by_severity[v], v ? "," : "}");
	rc = rc ? rc : counts_json(&b, "by_rule", st->by_rule, st->nrules);
	rc = rc ? rc : counts_json(&b, "by_route", st->by_route, st->nroutes);
	rc = rc ? rc : buf_printf(&b, ",\"bodies\":%llu,\"body_raw_bytes\":%llu,"
				  "\"body_stored_bytes\":%llu,\"compression_ratio\":%.2f,"
				  "\"file_bytes\":%llu}\n", (unsigned long long)st->bodies,
				  (unsigned long long)st->body_raw_bytes,
				  (unsigned long long)st->body_stored_bytes, ratio(st),
				  (unsigned long long)st->file_bytes);
	if (!rc)
		fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
	return rc ? AUDIT_ENOMEM : 0;
}

static int do_stats(struct audit_store *s, const struct log_args *a)
{
	struct audit_stats st;
	int rc = audit_stats(s, &st);

	if (rc)
		return rc;
	if (a->format == FMT_JSON)
		rc = stats_json(&st);
	else
		stats_text(&st);
	audit_stats_release(&st);
	return rc;
}

/* ---- events: CONNECT attempts and overt run sessions ---- */

static int event_text(void *ctx, const struct audit_event *e)
{
	(void)ctx;
	printf("%6lld  ", (long long)e->id);
	put_time(e->time_ms);
	printf("  %-13s  ", e->kind ? e->kind : "-");
	put_str(e->verdict);
	fputs("  ", stdout);
	put_str(e->target);
	if (e->detail) {
		fputs("  ", stdout);
		put_str(e->detail);
	}
	fputs("\n", stdout);
	return 0;
}

static int event_json(void *ctx, const struct audit_event *e)
{
	struct buf b;
	int rc;

	(void)ctx;
	buf_init(&b, (size_t)64 << 20);
	rc = buf_printf(&b, "{\"schema\":%d,\"id\":%lld,\"time_ms\":%lld", OVERT_SCHEMA,
			(long long)e->id, (long long)e->time_ms);
	rc = rc ? rc : json_str(&b, "kind", e->kind);
	rc = rc ? rc : json_str(&b, "client", e->client);
	rc = rc ? rc : json_str(&b, "target", e->target);
	rc = rc ? rc : json_str(&b, "verdict", e->verdict);
	rc = rc ? rc : json_str(&b, "detail", e->detail);
	rc = rc ? rc : buf_adds(&b, "}\n");
	if (!rc)
		fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
	return rc ? AUDIT_ENOMEM : 0;
}

/* `overt log import --db PATH FILE.jsonl`: the one subcommand that writes. */
static int do_import(const struct log_args *a, const char *file)
{
	struct audit_store *s;
	char err[512];
	FILE *in = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	int rc, crc;

	if (!in) {
		fprintf(stderr, "overt: cannot open '%s': %s\n", file, strerror(errno));
		return EXIT_RUNTIME;
	}
	rc = audit_open(a->db, NULL, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "overt: %s\n", err);
		if (in != stdin)
			fclose(in);
		return EXIT_RUNTIME;
	}
	rc = audit_import_jsonl(s, in, file, err, sizeof(err));
	if (rc)
		fprintf(stderr, "overt: %s\n", err);
	crc = audit_close(s);
	if (!rc && crc)
		fprintf(stderr, "overt: cannot write '%s': %s\n", a->db, audit_strerror(crc));
	if (in != stdin)
		fclose(in);
	return rc || crc ? EXIT_RUNTIME : EXIT_CLEAN;
}

struct sub {
	const char *name;
	const char *takes;  /* option letters it accepts */
	int nargs;          /* positional arguments */
};

static const struct sub subs[] = {
	{ "list", "dfSmrRn", 0 },
	{ "show", "df", 1 },
	{ "export", "dfSmrRn", 0 },
	{ "verify", "dE", 0 },
	{ "stats", "df", 0 },
	{ "import", "d", 1 },
	{ "events", "dfS", 0 },
};

static int run_sub(const struct sub *sub, struct log_args *a, char *arg)
{
	struct audit_store *s;
	int rc;

	if (!strcmp(sub->name, "import"))
		return do_import(a, arg);
	if ((rc = open_ro(a, &s)) != 0)
		return rc;
	if (!strcmp(sub->name, "list"))
		rc = report(a, do_list(s, a));
	else if (!strcmp(sub->name, "show"))
		rc = do_show(s, a, arg);
	else if (!strcmp(sub->name, "export"))
		rc = report(a, a->format == FMT_HAR ? audit_export_har(s, &a->filter, stdout) :
			    audit_export_jsonl(s, &a->filter, stdout));
	else if (!strcmp(sub->name, "verify"))
		rc = do_verify(s, a);
	else if (!strcmp(sub->name, "events"))
		rc = report(a, audit_list_events(s, a->filter.since_ms, a->format == FMT_JSON ?
						 event_json : event_text, NULL));
	else
		rc = report(a, do_stats(s, a));
	audit_close(s);
	return rc;
}

int cmd_log(int argc, char **argv)
{
	struct log_args a = { 0 };
	const struct sub *sub = NULL;
	size_t i;
	int rc;

	if (argc < 2)
		return usage_error(NULL, "%s", "name a subcommand: list, show, export, verify or stats");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return EXIT_CLEAN;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			sub = &subs[i];
	if (!sub)
		return usage_error(NULL, "'%s' is not a subcommand", argv[1]);
	a.sub = sub->name;
	a.format = strcmp(sub->name, "export") ? FMT_TEXT : FMT_JSONL;
	audit_filter_init(&a.filter);
	rc = parse_args(argc - 1, argv + 1, &a, sub->takes);
	if (rc)
		return rc < 0 ? EXIT_CLEAN : rc;
	if (argc - 1 - optind != sub->nargs)
		return usage_error(a.sub, sub->nargs ? "takes %s argument" : "takes %s arguments",
				   sub->nargs ? "one" : "no");
	return run_sub(sub, &a, sub->nargs ? argv[1 + optind] : NULL);
}
