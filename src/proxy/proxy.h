/* SPDX-License-Identifier: MIT */
/*
 * proxy.h - the inline-inspecting reverse proxy for model APIs.
 *
 * Every request body is scanned before it leaves (decompressed first when
 * it is gzip, deflate, zstd or br); each finding gets an action from the
 * policy: log, alert, normalize, redact or block.  A blocked request is
 * refused in the API's own error format; a request no action rewrote goes
 * upstream as the original bytes; the reply streams back as it arrives.
 */
#ifndef OVERT_PROXY_H
#define OVERT_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "overt.h"

/* What the proxy does about a finding; the order is the strength (the
 * strongest action among a request's findings wins) and matches enum
 * audit_action. */
enum proxy_action {
	PROXY_LOG,        /* forward, log findings */
	PROXY_ALERT,      /* also one line per finding to stderr and syslog */
	PROXY_NORMALIZE,  /* rewrite covert characters to their plain forms */
	PROXY_REDACT,     /* replace the finding's bytes with a placeholder */
	PROXY_BLOCK,      /* refuse the request */
};

/* One policy rule: a finding that matches every set field gets @action.
 * Rules are tried in order; the first match wins. */
struct proxy_rule {
	const char *rule;      /* rule id, "tag.*" for a prefix, NULL for any */
	const char *category;  /* NULL for any */
	int min_severity;      /* enum scan_severity, or -1 for any */
	int origin;            /* enum scan_origin, or -1 for any */
	enum proxy_action action;
};

/* Requests whose path starts with @prefix go to @upstream (a base URL). */
struct proxy_route {
	const char *prefix;
	const char *upstream;
};

struct proxy_config {
	const char *listen;       /* NULL: 127.0.0.1:8787 */
	const char *upstream;     /* base URL for every path, or NULL with routes */
	const struct proxy_route *routes; /* longest prefix wins */
	size_t nroutes;
	const char *cacert;       /* extra CA file for the upstream, or NULL */
	const struct proxy_rule *policy; /* tried first, in order */
	size_t npolicy;
	enum proxy_action action; /* for findings no rule matches ... */
	enum scan_severity block_at; /* ... at least this severe (else log) */
	int syslog_facility;      /* LOG_AUTHPRIV, LOG_USER ...; -1: no syslog;
				   * 0 (LOG_KERN, not for programs): LOG_AUTHPRIV */
	enum scan_severity alert_at; /* findings at least this severe go to @log */
	size_t max_body;          /* 0: 32 MiB */
	const char *ready_file;   /* write the bound address here once listening */
	const char *db;           /* the audit log (SQLite), or NULL for none */
	bool fail_open;           /* forward even when the audit log fails */
	bool sync;                /* end a reply only once its record is committed */
	size_t audit_queue_max;   /* records waiting for the writer; 0: 4096.
				   * Set small by tests (OVERT_AUDIT_QUEUE_MAX) */
	const char *access_token; /* required on every request, or NULL */
	FILE *log;                /* one line per exchange and per finding */
	/* CONNECT tunnels allowed (proxy/connect.h has the syntax); every
	 * attempt is in the audit log.  None: every CONNECT is refused. */
	const char *const *connect_allow;
	size_t nconnect_allow;
};

/*
 * proxy_run - listen and serve until SIGTERM or SIGINT, then let streams in
 * flight finish (up to 10 s).  Returns 0, or a negative code with a message
 * in @err when the proxy could not start.
 */
int proxy_run(const struct proxy_config *cfg, const struct scan_engine *engine,
	      char *err, size_t errlen);

/* proxy_listen_is_loopback - whether @listen ("host:port", "[::1]:port",
 * "unix:/path") only accepts connections from this machine. */
bool proxy_listen_is_loopback(const char *listen);

#endif
