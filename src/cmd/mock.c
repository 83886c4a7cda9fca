/* SPDX-License-Identifier: MIT */
/*
 * mock.c - `overt mock`: run the mock model API server until SIGTERM/SIGINT.
 *
 * The command parses options, builds the mock and an HTTP server for it in
 * one libuv loop, reports where it listens (stderr, and --ready-file for
 * scripts that asked for port 0), and runs the loop until a signal has
 * stopped the server and the last response in flight is written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "cmd/cmd.h"
#include "proxy/http.h"
#include "proxy/mock.h"
#include "util/parse.h"
#include "util/banned.h"

/* How long in-flight responses may take to finish after SIGTERM. */
#define STOP_DEADLINE_MS 5000

static const char usage_text[] =
	"usage: overt mock [options]\n"
	"\n"
	"Serve a mock model API: Anthropic Messages, OpenAI Chat Completions and\n"
	"Responses, Gemini generateContent.  Replies are short and valid, streamed\n"
	"or not; with --record every request is kept exactly as it arrived.\n"
	"\n"
	"  -l, --listen ADDR        127.0.0.1:PORT (default 127.0.0.1:0, a free port),\n"
	"                           [::1]:PORT or unix:PATH\n"
	"  -r, --record DIR         write each request to DIR/NNNNNN.json (API keys\n"
	"                           hashed) and a line to DIR/index.jsonl\n"
	"      --ready-file FILE    write the bound address to FILE once listening\n"
	"      --reply TEXT         the reply text (default \"ok\")\n"
	"      --delay-ms N         wait N ms before each response\n"
	"      --chunk-delay-ms N   wait N ms between streamed events\n"
	"      --max-body SIZE      largest request body (default 32M)\n"
	"  -q, --quiet              no line per request on stderr\n"
	"  -h, --help               show this help\n"
	"\n"
	"SIGTERM or SIGINT stops it: in-flight responses get 5 s to finish.\n"
	"Exit status: 0 stopped by a signal, 2 usage, 4 cannot listen or record.\n";

struct mock_args {
	const char *listen;
	const char *ready_file;
	struct mock_config mock;
	uint64_t max_body;
	int quiet;
};

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "overt mock: ");
	fprintf(stderr, msg, arg);
	fprintf(stderr, "\nsee 'overt mock --help'\n");
	return EXIT_USAGE;
}

static int parse_ms(const char *opt, const char *arg, unsigned *out)
{
	uint64_t v;

	/* parse_size takes plain numbers; a suffix would mean bytes. */
	if (strpbrk(arg, "KMGkmg") || parse_size(arg, 3600000, &v))
		return usage_error(opt, arg);
	*out = (unsigned)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct mock_args *a)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "record", required_argument, NULL, 'r' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "reply", required_argument, NULL, 't' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "chunk-delay-ms", required_argument, NULL, 'c' },
		{ "max-body", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc = 0;

	while (!rc && (opt = getopt_long(argc, argv, "l:r:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': a->listen = optarg; break;
		case 'r': a->mock.record_dir = optarg; break;
		case 'R': a->ready_file = optarg; break;
		case 't': a->mock.reply = optarg; break;
		case 'q': a->quiet = 1; break;
		case 'd':
			rc = parse_ms("--delay-ms takes milliseconds, not '%s'", optarg,
				      &a->mock.delay_ms);
			break;
		case 'c':
			rc = parse_ms("--chunk-delay-ms takes milliseconds, not '%s'", optarg,
				      &a->mock.chunk_delay_ms);
			break;
		case 'b':
			if (parse_size(optarg, (uint64_t)1 << 32, &a->max_body) || !a->max_body)
				return usage_error("--max-body takes a size such as 32M, not '%s'", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (!rc && optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return rc;
}

/* Write the address to a temporary file and rename it, so a script that
 * polls for the file never reads half of it. */
static int write_ready(const char *path, const char *address)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%s\n", address);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int serve(uv_loop_t *loop, const struct mock_args *a, struct mock *m)
{
	struct http_config cfg = { 0 };
	struct http_server *srv = NULL;
	char err[512];
	int rc;

	cfg.listen = a->listen;
	cfg.max_body = (size_t)a->max_body;
	mock_http_config(m, &cfg);
	rc = http_server_new(loop, &cfg, &srv, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "overt mock: %s\n", err);
		return rc == HTTP_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	http_server_catch_signals(srv, STOP_DEADLINE_MS);
	if (a->ready_file && write_ready(a->ready_file, http_server_address(srv))) {
		fprintf(stderr, "overt mock: cannot write '%s': %s\n", a->ready_file,
			strerror(errno));
		http_server_stop(srv, 0);
		uv_run(loop, UV_RUN_DEFAULT);
		http_server_free(srv);
		return EXIT_RUNTIME;
	}
	fprintf(stderr, "overt mock: listening on %s\n", http_server_address(srv));
	uv_run(loop, UV_RUN_DEFAULT);
	http_server_free(srv);
	return EXIT_CLEAN;
}

int cmd_mock(int argc, char **argv)
{
	struct mock_args a = { 0 };
	struct mock *m = NULL;
	uv_loop_t loop;
	char err[512];
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_CLEAN : rc;
	a.mock.log = a.quiet ? NULL : stderr;
	if (uv_loop_init(&loop)) {
		fprintf(stderr, "overt mock: cannot start the event loop\n");
		return EXIT_RUNTIME;
	}
	if (mock_new(&loop, &a.mock, &m, err, sizeof(err))) {
		fprintf(stderr, "overt mock: %s\n", err);
		rc = EXIT_RUNTIME;
	} else {
		rc = serve(&loop, &a, m);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	mock_free(m);
	return rc;
}
