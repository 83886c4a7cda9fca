/* SPDX-License-Identifier: MIT */
/*
 * inspect.c - `overt inspect`: look inside agent packages and binaries.
 *
 * The command owns only the policy of the command line: which findings to
 * show, which make the exit status 1, that an unreadable input makes it 4
 * while every other input is still inspected, and progress on a terminal.
 * The work is src/inspect/'s.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "overt.h"
#include "cmd/cmd.h"
#include "inspect/inspect.h"
#include "util/term.h"
#include "util/banned.h"

static const char usage_text[] =
	"usage: overt inspect [options] PATH...\n"
	"\n"
	"Look inside agent packages before they run: npm package folders and\n"
	"tarballs, JavaScript bundles, native executables (ELF, Mach-O, PE) with\n"
	"JavaScript embedded by Bun or as a Node single executable application,\n"
	"VS Code .vsix files.  Reports obfuscated string tables (XOR, base64,\n"
	"char codes) that decode to domain, timezone, AI-lab or variable names,\n"
	"environment fingerprinting near prompt-building code, and look-alike or\n"
	"invisible characters in code.\n"
	"\n"
	"  -f, --format FORMAT      text (default), json (one finding per line) or sarif\n"
	"      --fail-on SEVERITY   exit 1 when a finding is at least this severe\n"
	"                           (info, low, medium, high, critical; default high)\n"
	"      --min-severity SEV   show only findings at least this severe (default info)\n"
	"      --extract DIR        write the JavaScript embedded in executables to DIR\n"
	"      --color WHEN         auto (default), always or never\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: 0 nothing at or above --fail-on, 1 findings, 2 usage,\n"
	"4 an input could not be read.\n";

struct inspect_args {
	const char *format;
	int fail_on, min_sev;
	const char *extract;
	int color;  /* -1 auto */
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "overt inspect: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nsee 'overt inspect --help'\n");
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct inspect_args *a)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "min-severity", required_argument, NULL, 'm' },
		{ "extract", required_argument, NULL, 'x' },
		{ "color", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	/* 0, not 1: glibc then starts afresh and permutes, so options may
	 * follow the paths (main's "+" scan left it in POSIX order). */
	optind = 0;
	while ((opt = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "sarif"))
				return usage_error("unknown format '%s': use text, json or sarif", optarg);
			a->format = optarg;
			break;
		case 'F':
		case 'm':
			if (scan_severity_parse(optarg) < 0)
				return usage_error("unknown severity '%s': use info, low, medium, high or critical", optarg);
			*(opt == 'F' ? &a->fail_on : &a->min_sev) = scan_severity_parse(optarg);
			break;
		case 'x':
			a->extract = optarg;
			break;
		case 'c':
			if (!strcmp(optarg, "auto"))
				a->color = -1;
			else if (!strcmp(optarg, "always") || !strcmp(optarg, "never"))
				a->color = !strcmp(optarg, "always");
			else
				return usage_error("unknown --color '%s': use auto, always or never", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_CLEAN + 100;
		default:
			fputs("see 'overt inspect --help'\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no PATH given");
	return 0;
}

/* A message that names files found in the inspected tree: their names are
 * the package's, so control and bidi characters are shown escaped. */
static void say(const char *msg)
{
	fputs("overt: ", stderr);
	term_put_safe(stderr, msg, strlen(msg), 0);
	fputc('\n', stderr);
}

/* An input inside a directory that cannot be read: said at once, the rest
 * of the directory is still inspected. */
static void on_error(void *ctx, const char *msg)
{
	const struct insp_options *o = ctx;

	if (o->progress)
		fputs("\r\033[K", stderr);
	say(msg);
}

int cmd_inspect(int argc, char **argv)
{
	struct inspect_args a = { "text", SCAN_SEV_HIGH, SCAN_SEV_INFO, NULL, -1 };
	struct insp_options o = { 0 };
	struct inspector *in;
	const struct insp_finding *f;
	char err[512];
	size_t n, i;
	int rc, status = EXIT_CLEAN, worst = -1;
	bool failed = false, color;

	if ((rc = parse_args(argc, argv, &a)))
		return rc == EXIT_CLEAN + 100 ? EXIT_CLEAN : rc;
	o.extract_dir = a.extract;
	o.progress = isatty(STDERR_FILENO);
	o.on_error = on_error;
	o.error_ctx = &o;
	in = inspector_new(&o, err, sizeof(err));
	if (!in) {
		fprintf(stderr, "overt: inspect: %s\n", err);
		return EXIT_RUNTIME;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		rc = inspect_path(in, argv[i], err, sizeof(err));
		if (o.progress)
			fputs("\r\033[K", stderr);
		if (rc && rc != INSP_EREPORTED)
			say(err);
		failed |= rc != 0;
	}
	if (inspect_dropped(in)) {
		fprintf(stderr, "overt: inspect: %zu more findings were not kept (at most %d are); "
			"inspect fewer files at once\n", inspect_dropped(in), INSP_MAX_FINDINGS);
	}
	f = inspect_findings(in, &n);
	for (i = 0; i < n; i++) {
		if ((int)f[i].severity < a.min_sev)
			continue;
		if ((int)f[i].severity > worst)
			worst = (int)f[i].severity;
	}
	color = a.color < 0 ? isatty(STDOUT_FILENO) && !getenv("NO_COLOR") : a.color == 1;
	if (inspect_write(in, a.format, stdout, color, a.min_sev) ||
	    fflush(stdout)) {
		fprintf(stderr, "overt: inspect: cannot write the report\n");
		status = EXIT_RUNTIME;
	}
	if (worst >= a.fail_on && status == EXIT_CLEAN)
		status = EXIT_FINDINGS;
	if (failed)
		status = EXIT_RUNTIME;
	inspector_free(in);
	return status;
}
