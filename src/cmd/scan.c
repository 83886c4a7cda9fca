/* SPDX-License-Identifier: MIT */
/*
 * scan.c - `overt scan`: read captured requests, scan every body, report.
 *
 * The command glues three engines together: capture readers find bodies,
 * the scan engine turns each into findings, a reporter writes them.  It
 * owns only the policy of the command line: which findings to show, which
 * make the exit status 1, and that an unreadable input makes it 4 while
 * every other input is still scanned.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "overt.h"
#include "capture/capture.h"
#include "cmd/cmd.h"
#include "report/report.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/parse.h"
#include "util/banned.h"

extern const struct scan_scheme_source scan_builtin_schemes[];
extern const size_t scan_builtin_schemes_n;

#define MAX_SCHEME_FILE (1 << 20)

struct scan_run {
	struct scan_engine *engine;
	struct scan_report report;
	struct reporter *out;
	int min_severity;
	int fail_on;
	int worst;          /* highest severity shown, -1 for none */
	size_t errors;
	size_t bodies;
	size_t findings;
	/* Progress on stderr, when it is a terminal and the report is not. */
	bool progress;
	bool progress_shown;
	double started, last_progress;
	uint64_t bytes;
};

static const char usage_text[] =
	"usage: overt scan [options] [PATH...|-]\n"
	"\n"
	"Find covert channels in captured model-API requests: raw JSON bodies,\n"
	"JSON Lines, HAR 1.2 files, directories of them, or standard input.\n"
	"\n"
	"  -f, --format FORMAT      text (default), json (one finding per line) or sarif\n"
	"      --fail-on SEVERITY   exit 1 when a finding is at least this severe\n"
	"                           (info, low, medium, high, critical; default medium)\n"
	"      --min-severity SEV   show only findings at least this severe (default info)\n"
	"      --schemes DIR        also load the known-scheme files (*.json) in DIR\n"
	"      --max-body SIZE      largest body accepted (default 256M)\n"
	"      --max-findings N     findings kept per body (default 1000)\n"
	"      --color WHEN         auto (default), always or never\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: 0 nothing at or above --fail-on, 1 findings, 2 usage,\n"
	"3 bad scheme file, 4 an input could not be read or parsed.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "overt scan: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nsee 'overt scan --help'\n");
	return EXIT_USAGE;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress_clear(struct scan_run *run)
{
	if (run->progress_shown)
		fputs("\r\033[K", stderr);
	run->progress_shown = false;
}

/* At most five times a second: bytes, bodies and findings so far. */
static void progress_tick(struct scan_run *run)
{
	double t = now(), secs = t - run->started;

	if (!run->progress || t - run->last_progress < 0.2)
		return;
	run->last_progress = t;
	fprintf(stderr, "\rscanning: %.1f MB, %zu bodies, %zu findings, %.0f MB/s\033[K",
		(double)run->bytes / 1e6, run->bodies, run->findings,
		secs > 0 ? (double)run->bytes / 1e6 / secs : 0.0);
	run->progress_shown = true;
}

/* Print a diagnostic with control characters made harmless: file names
 * come from scanned directories, and a name may hold terminal escapes. */
static void diag(struct scan_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void diag(struct scan_run *run, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	size_t i;

	progress_clear(run);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7F)
			line[i] = '?';
	fprintf(stderr, "overt: %s\n", line);
}

static void entry_prefix(char *buf, size_t n, const char *file, long entry)
{
	if (entry >= 0)
		snprintf(buf, n, "'%s' entry %ld", file, entry);
	else
		snprintf(buf, n, "'%s'", file);
}

/* Drop what is below --min-severity; the report is ours to edit. */
static void filter(struct scan_report *r, int min)
{
	size_t i, n = 0;

	for (i = 0; i < r->nfindings; i++)
		if ((int)r->findings[i].severity >= min)
			r->findings[n++] = r->findings[i];
	r->nfindings = n;
}

static int on_body(void *ctx, const struct capture_body *b)
{
	struct scan_run *run = ctx;
	char where[512];
	size_t i;
	int rc;

	run->bodies++;
	run->bytes += b->len;
	scan_body(run->engine, b->data, b->len, &run->report);
	if (run->report.error == SCAN_ENOMEM) {
		diag(run, "out of memory scanning '%s'", b->file);
		return EXIT_RUNTIME;
	}
	if (run->report.error) {
		entry_prefix(where, sizeof(where), b->file, b->entry);
		diag(run, "%s: %s; findings before that byte are reported", where,
		     run->report.error_msg);
		run->errors++;
	}
	filter(&run->report, run->min_severity);
	for (i = 0; i < run->report.nfindings; i++)
		if ((int)run->report.findings[i].severity > run->worst)
			run->worst = (int)run->report.findings[i].severity;
	run->findings += run->report.nfindings;
	progress_tick(run);
	rc = report_body(run->out, b->file, b->entry, b->data, b->len, &run->report);
	if (rc) {
		fprintf(stderr, "overt: cannot write the report: %s\n", report_strerror(rc));
		return EXIT_RUNTIME;
	}
	return 0;
}

static int on_error(void *ctx, const char *file, long entry, size_t offset,
		    const char *msg)
{
	struct scan_run *run = ctx;
	char where[512];

	/* Messages about whole files name the file themselves. */
	if (entry < 0 && offset == SIZE_MAX &&
	    (!strncmp(msg, "cannot ", 7) || !strncmp(msg, "skipping ", 9))) {
		diag(run, "%s", msg);
		run->errors++;
		return 0;
	}
	entry_prefix(where, sizeof(where), file, entry);
	if (offset != SIZE_MAX)
		diag(run, "%s: byte %zu: %s", where, offset, msg);
	else
		diag(run, "%s: %s", where, msg);
	run->errors++;
	return 0;
}

struct scheme_set {
	struct scan_scheme_source *src;
	size_t n;
};

static int read_scheme_file(const char *path, struct scan_scheme_source *s)
{
	struct buf b;
	int rc;

	buf_init(&b, MAX_SCHEME_FILE);
	rc = read_small_file(path, &b);
	if (rc) {
		if (rc == BUF_ETOOBIG)
			fprintf(stderr, "overt: '%s' is larger than 1 MiB; a scheme "
				"file is a small JSON document\n", path);
		else
			fprintf(stderr, "overt: cannot read '%s': %s\n", path,
				rc == READ_EIO ? strerror(errno) : "out of memory");
		buf_release(&b);
		return -1;
	}
	s->len = b.len;
	s->text = buf_take(&b);
	s->name = strdup(path);
	return s->name ? 0 : -1;
}

static int is_json_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".json");
}

/* The built-in schemes followed by those in @dir. */
static int load_schemes(const char *dir, struct scheme_set *set)
{
	struct dirent **names = NULL;
	char path[4096];
	int n, i, rc = 0;

	set->n = scan_builtin_schemes_n;
	n = scandir(dir, &names, is_json_name, alphasort);
	if (n < 0) {
		fprintf(stderr, "overt: cannot read scheme directory '%s': %s\n",
			dir, strerror(errno));
		return -1;
	}
	set->src = calloc(scan_builtin_schemes_n + (size_t)n, sizeof(*set->src));
	if (!set->src)
		rc = -1;
	if (set->src)
		memcpy(set->src, scan_builtin_schemes,
		       scan_builtin_schemes_n * sizeof(*set->src));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!rc && read_scheme_file(path, &set->src[set->n]) == 0)
			set->n++;
		else
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static void free_schemes(struct scheme_set *set)
{
	size_t i;

	for (i = scan_builtin_schemes_n; set->src && i < set->n; i++) {
		free((char *)set->src[i].text);
		free((char *)set->src[i].name);
	}
	free(set->src);
}

struct scan_args {
	enum report_format format;
	int color;
	int fail_on;
	int min_severity;
	const char *schemes;
	uint64_t max_body;
	uint64_t max_findings;
};

static int parse_severity(const char *opt, const char *arg, int *out)
{
	*out = scan_severity_parse(arg);
	if (*out < 0)
		return usage_error("%s takes info, low, medium, high or critical", opt);
	return 0;
}

static int parse_args(int argc, char **argv, struct scan_args *a)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "min-severity", required_argument, NULL, 'm' },
		{ "schemes", required_argument, NULL, 's' },
		{ "max-body", required_argument, NULL, 'b' },
		{ "max-findings", required_argument, NULL, 'n' },
		{ "color", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nc = getenv("NO_COLOR");
	int opt, v, rc = 0;

	a->color = isatty(STDOUT_FILENO) && !(nc && *nc);
	while (!rc && (opt = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			v = report_format_parse(optarg);
			if (v < 0)
				return usage_error("--format takes text, json or sarif, not '%s'", optarg);
			a->format = (enum report_format)v;
			break;
		case 'F':
			rc = parse_severity("--fail-on", optarg, &a->fail_on);
			break;
		case 'm':
			rc = parse_severity("--min-severity", optarg, &a->min_severity);
			break;
		case 's':
			a->schemes = optarg;
			break;
		case 'b':
			if (parse_size(optarg, (uint64_t)1 << 40, &a->max_body) || !a->max_body)
				return usage_error("--max-body takes a size such as 32M, not '%s'", optarg);
			break;
		case 'n':
			if (parse_size(optarg, 1 << 24, &a->max_findings) || !a->max_findings)
				return usage_error("--max-findings takes a positive number, not '%s'", optarg);
			break;
		case 'c':
			if (!strcmp(optarg, "always") || !strcmp(optarg, "never"))
				a->color = optarg[0] == 'a';
			else if (strcmp(optarg, "auto"))
				return usage_error("--color takes auto, always or never, not '%s'", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	return rc;
}

static int scan_inputs(struct scan_run *run, const struct scan_args *a,
		       int npaths, char **paths)
{
	struct capture_opts copt = { .max_body = a->max_body };
	struct capture_sink sink = { run, on_body, on_error };
	static char *stdin_path[] = { "-" };
	int i, rc = 0;

	if (npaths == 0) {
		if (isatty(STDIN_FILENO))
			return usage_error("%s", "no input: name files or directories, or pipe a body in");
		npaths = 1;
		paths = stdin_path;
	}
	for (i = 0; !rc && i < npaths; i++)
		rc = capture_read_path(paths[i], &copt, &sink);
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args a = { REPORT_TEXT, 0, SCAN_SEV_MEDIUM, SCAN_SEV_INFO, NULL, 0, 0 };
	struct scheme_set set = { NULL, 0 };
	struct scan_options sopt = { 0 };
	struct scan_run run = { 0 };
	struct report_opts ropt;
	char err[512];
	int rc, frc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_CLEAN : rc;
	if (a.schemes) {
		if (load_schemes(a.schemes, &set)) {
			free_schemes(&set);
			return EXIT_CONFIG;
		}
		sopt.schemes = set.src;
		sopt.nschemes = set.n;
	}
	sopt.max_findings = (size_t)a.max_findings;
	run.engine = scan_engine_new(&sopt, err, sizeof(err));
	free_schemes(&set);
	if (!run.engine) {
		fprintf(stderr, "overt: %s\n", err);
		return EXIT_CONFIG;
	}
	ropt = (struct report_opts){ a.format, a.color, stdout };
	run.out = report_new(&ropt);
	run.min_severity = a.min_severity;
	run.fail_on = a.fail_on;
	run.worst = -1;
	run.progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
	run.started = run.last_progress = now();
	scan_report_init(&run.report);
	if (!run.out) {
		fprintf(stderr, "overt: out of memory\n");
		rc = EXIT_RUNTIME;
	} else {
		rc = scan_inputs(&run, &a, argc - optind, argv + optind);
	}
	progress_clear(&run);
	if (run.out && rc != EXIT_USAGE && (frc = report_finish(run.out)) != 0) {
		fprintf(stderr, "overt: cannot write the report: %s\n",
			frc == REPORT_EIO ? strerror(errno) : report_strerror(frc));
		rc = EXIT_RUNTIME;
	}
	report_free(run.out);
	scan_report_release(&run.report);
	scan_engine_free(run.engine);
	if (rc)
		return rc;
	if (run.errors)
		return EXIT_RUNTIME;
	return run.worst >= run.fail_on ? EXIT_FINDINGS : EXIT_CLEAN;
}
