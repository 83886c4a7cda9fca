/* SPDX-License-Identifier: MIT */
/*
 * proxy.c - `overt proxy`: the inline-inspecting reverse proxy.
 *
 * Parses the command line into a proxy_config and runs the proxy; all the
 * work is in src/proxy/.  Listening beyond this machine needs
 * --allow-remote and an access token, read from a file or the environment
 * but never from the command line, where every user of the machine can
 * read it in /proc.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>

#include "overt.h"
#include "cmd/cmd.h"
#include "proxy/action.h"
#include "proxy/config.h"
#include "proxy/proxy.h"
#include "util/file.h"
#include "util/parse.h"
#include "util/banned.h"

static const char usage_text[] =
	"usage: overt proxy --upstream URL [options]\n"
	"       overt proxy --config FILE [options]\n"
	"\n"
	"A reverse proxy for model APIs that scans every request before it leaves.\n"
	"Point an agent's base URL at it, e.g. ANTHROPIC_BASE_URL=http://127.0.0.1:8787.\n"
	"\n"
	"      --upstream URL       where requests go, e.g. https://api.anthropic.com\n"
	"      --config FILE        routes by path to several upstreams, and settings\n"
	"                           (docs/PROXY.md); the options here override it\n"
	"      --listen ADDR        127.0.0.1:8787 (default), [::1]:PORT or unix:/path\n"
	"      --action ACTION      for findings at --action-at that no policy rule of\n"
	"                           the configuration names: log (default), alert\n"
	"                           (stderr and syslog too), normalize (plain forms of\n"
	"                           covert characters), redact (placeholders) or block\n"
	"      --action-at SEVERITY the least severe finding --action applies to\n"
	"                           (default high; --block-at is the old name)\n"
	"      --alert-at SEVERITY  findings logged to stderr (default medium)\n"
	"      --syslog-facility F  for alerts: authpriv (default), auth, user, daemon,\n"
	"                           local0..local7, or none\n"
	"      --cacert FILE        trust this CA file for the upstream too\n"
	"      --max-body SIZE      largest request body, also once decompressed\n"
	"                           (default 32M; larger gets 413)\n"
	"      --ready-file FILE    write the listening address to FILE once listening\n"
	"      --db PATH            keep a tamper-evident audit log (SQLite, mode 0600);\n"
	"                           see 'overt log'\n"
	"      --fail-open          forward requests even when the audit log cannot be\n"
	"                           written (default: refuse them with 503)\n"
	"      --sync               end each reply only once its audit record is\n"
	"                           committed (replies are relayed chunked)\n"
	"      --token-file FILE    require this access token (file mode 0600) on every\n"
	"                           request, as 'X-Overt-Token: TOKEN' or\n"
	"                           'Proxy-Authorization: Bearer TOKEN'; or set\n"
	"                           OVERT_PROXY_TOKEN\n"
	"      --allow-remote       allow a --listen address other than loopback;\n"
	"                           needs an access token\n"
	"      --allow-connect HOST[:PORT]  allow CONNECT tunnels to HOST (port 443\n"
	"                           unless given; * for any); repeatable (overt run)\n"
	"  -h, --help               show this help\n";

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "overt proxy: %s '%s'\nsee 'overt proxy --help'\n", what, arg);
	return EXIT_USAGE;
}

#define MAX_CONNECT_ALLOW 64
static const char *connect_allow[MAX_CONNECT_ALLOW];

static int parse(int argc, char **argv, struct proxy_config *c, const char **token_file,
		 bool *allow_remote)
{
	static const struct option opts[] = {
		{ "upstream", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'C' },
		{ "listen", required_argument, NULL, 'l' },
		{ "action", required_argument, NULL, 'a' },
		{ "block-at", required_argument, NULL, 'B' },
		{ "action-at", required_argument, NULL, 'B' },
		{ "syslog-facility", required_argument, NULL, 'S' },
		{ "alert-at", required_argument, NULL, 'A' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'd' },
		{ "fail-open", no_argument, NULL, 'o' },
		{ "sync", no_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 't' },
		{ "allow-remote", no_argument, NULL, 'R' },
		{ "allow-connect", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t size;
	int opt, sev;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u': c->upstream = optarg; break;
		case 'C': break; /* read before the other options */
		case 'l': c->listen = optarg; break;
		case 'c': c->cacert = optarg; break;
		case 'r': c->ready_file = optarg; break;
		case 'd': c->db = optarg; break;
		case 'o': c->fail_open = true; break;
		case 's': c->sync = true; break;
		case 't': *token_file = optarg; break;
		case 'R': *allow_remote = true; break;
		case 'K':
			if (c->nconnect_allow == MAX_CONNECT_ALLOW)
				return usage_error("at most 64 --allow-connect, not", optarg);
			connect_allow[c->nconnect_allow++] = optarg;
			c->connect_allow = connect_allow;
			break;
		case 'a':
			if (proxy_action_parse(optarg) < 0)
				return usage_error("--action takes log, alert, normalize, redact "
						   "or block, not", optarg);
			c->action = (enum proxy_action)proxy_action_parse(optarg);
			break;
		case 'S':
			if (proxy_syslog_facility(optarg) == -2)
				return usage_error("--syslog-facility takes authpriv, auth, user, "
						   "daemon, local0..local7 or none, not", optarg);
			c->syslog_facility = proxy_syslog_facility(optarg);
			break;
		case 'B':
		case 'A':
			sev = scan_severity_parse(optarg);
			if (sev < 0)
				return usage_error("a severity is info, low, medium, high "
						   "or critical, not", optarg);
			*(opt == 'B' ? &c->block_at : &c->alert_at) = (enum scan_severity)sev;
			break;
		case 'm':
			if (parse_size(optarg, (uint64_t)1 << 32, &size) || !size)
				return usage_error("--max-body takes a size such as 32M, not",
						   optarg);
			c->max_body = (size_t)size;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (!c->upstream && !c->nroutes)
		return usage_error("--upstream (or --config with routes) is required, e.g.",
				   "https://api.anthropic.com");
	if (c->upstream && strncmp(c->upstream, "http://", 7) && strncmp(c->upstream, "https://", 8))
		return usage_error("--upstream takes an http:// or https:// URL, not", c->upstream);
	return 0;
}

/* The --config argument, found before getopt so the other options can
 * override what the file says. */
static const char *config_path(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}

static int load_config(const char *path, struct proxy_config *cfg, struct proxy_file *file)
{
	char err[512];
	struct buf text;
	int rc;

	buf_init(&text, 1 << 20);
	rc = read_small_file(path, &text);
	if (rc) {
		fprintf(stderr, "overt: cannot read '%s': %s\n", path,
			rc == READ_EIO ? strerror(errno) : "larger than 1 MiB or out of memory");
	} else if (proxy_config_load(path, text.data ? text.data : "", text.len, cfg, file,
				     err, sizeof(err))) {
		fprintf(stderr, "overt: %s\n", err);
		rc = -1;
	}
	buf_release(&text);
	return rc;
}

/* The engine, told this machine's host name, user name and home, so a
 * request that carries them is an env.self-* finding. */
static struct scan_engine *new_engine(char *err, size_t errlen)
{
	struct scan_options opt = { 0 };
	struct passwd *pw = getpwuid(geteuid());
	char host[256];

	if (!gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = '\0';
		opt.self.hostname = host;
	}
	if (pw) {
		opt.self.username = pw->pw_name;
		opt.self.home = pw->pw_dir;
	}
	return scan_engine_new(&opt, err, errlen);
}

/* The access token from --token-file, else OVERT_PROXY_TOKEN, into @out
 * (empty when neither is given).  The file must be the user's alone. */
static int load_token(const char *path, struct buf *out)
{
	const char *env = getenv("OVERT_PROXY_TOKEN");
	struct stat st;
	int rc = 0;

	if (path && stat(path, &st)) {
		fprintf(stderr, "overt: cannot read the token file '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	if (path && (st.st_mode & 077)) {
		fprintf(stderr, "overt: cannot use the token file '%s': others may read it; "
			"chmod 600 it\n", path);
		return -1;
	}
	if (path)
		rc = read_small_file(path, out);
	else if (env)
		rc = buf_adds(out, env);
	if (rc) {
		fprintf(stderr, "overt: cannot read the token file '%s': %s\n", path,
			rc == READ_EIO ? strerror(errno) : "larger than 4 KiB");
		return -1;
	}
	while (out->len && strchr(" \t\r\n", out->data[out->len - 1]))
		out->data[--out->len] = '\0';
	if (out->len && (out->len < 16 || strpbrk(out->data, " \t\r\n"))) {
		fprintf(stderr, "overt: the access token must be one line of at least 16 "
			"characters without spaces; make one with 'openssl rand -hex 32'\n");
		return -1;
	}
	if ((path || env) && !out->len) {
		fprintf(stderr, "overt: the access token is empty\n");
		return -1;
	}
	return 0;
}

/* Beyond loopback only when asked for, and never without a token. */
static bool listen_allowed(const char *listen, bool allow_remote, bool has_token)
{
	if (proxy_listen_is_loopback(listen))
		return true;
	if (!allow_remote)
		fprintf(stderr, "overt: refusing to listen on '%s': it is not a loopback "
			"address; add --allow-remote and an access token (--token-file)\n",
			listen);
	else if (!has_token)
		fprintf(stderr, "overt: --allow-remote needs an access token: "
			"--token-file FILE or OVERT_PROXY_TOKEN\n");
	return allow_remote && has_token;
}

/* OVERT_AUDIT_QUEUE_MAX: a smaller audit queue, for tests of what the proxy
 * does when it is full (docs/AUDIT.md); not an option, since no deployment
 * wants one.  Returns -1 for a bad value. */
static int queue_from_env(struct proxy_config *cfg)
{
	const char *v = getenv("OVERT_AUDIT_QUEUE_MAX");
	uint64_t n;

	if (!v)
		return 0;
	if (parse_size(v, 1 << 20, &n) || !n) {
		fprintf(stderr, "overt: OVERT_AUDIT_QUEUE_MAX takes a number of records "
			"from 1, not '%s'\n", v);
		return -1;
	}
	cfg->audit_queue_max = (size_t)n;
	return 0;
}

int cmd_proxy(int argc, char **argv)
{
	struct proxy_config cfg = {
		.action = PROXY_LOG, .block_at = SCAN_SEV_HIGH, .alert_at = SCAN_SEV_MEDIUM,
		.syslog_facility = LOG_AUTHPRIV, .log = stderr,
	};
	const char *config = config_path(argc, argv), *token_file = NULL;
	struct proxy_file file = { 0 };
	struct buf token;
	bool allow_remote = false;
	struct scan_engine *engine;
	char err[512];
	int rc;

	buf_init(&token, 4096);
	if (queue_from_env(&cfg) || (config && load_config(config, &cfg, &file)))
		return EXIT_CONFIG;
	rc = parse(argc, argv, &cfg, &token_file, &allow_remote);
	/* Waiting for a record that is never written would be a promise the
	 * proxy does not keep. */
	if (!rc && cfg.sync && !cfg.db) {
		fprintf(stderr, "overt proxy: --sync waits for audit records: add --db PATH\n"
			"see 'overt proxy --help'\n");
		rc = EXIT_USAGE;
	}
	if (rc) {
		proxy_file_release(&file);
		return rc < 0 ? EXIT_CLEAN : rc;
	}
	if (load_token(token_file, &token) ||
	    !listen_allowed(cfg.listen, allow_remote, token.len > 0)) {
		rc = EXIT_CONFIG;
		goto out;
	}
	cfg.access_token = token.len ? token.data : NULL;
	setvbuf(stderr, NULL, _IOLBF, 0);
	engine = new_engine(err, sizeof(err));
	if (!engine) {
		fprintf(stderr, "overt: %s\n", err);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = proxy_run(&cfg, engine, err, sizeof(err));
	scan_engine_free(engine);
	if (rc)
		fprintf(stderr, "overt: %s\n", err);
	rc = rc ? EXIT_RUNTIME : EXIT_CLEAN;
out:
	if (token.data)
		explicit_bzero(token.data, token.len);
	buf_release(&token);
	proxy_file_release(&file);
	return rc;
}
