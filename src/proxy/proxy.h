/* SPDX-License-Identifier: MIT */
/*
 * proxy.h - the inline-inspecting reverse proxy for model APIs.
 *
 * Every request body is scanned before it leaves; findings are logged, and
 * with the block action a request whose findings reach the threshold is
 * refused in the API's own error format.  Otherwise the original bytes go
 * upstream untouched and the reply streams back as it arrives.
 */
#ifndef OVERT_PROXY_H
#define OVERT_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "overt.h"

enum proxy_action {
	PROXY_LOG,    /* forward, log findings */
	PROXY_BLOCK,  /* refuse requests with findings at or above block_at */
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
	enum proxy_action action;
	enum scan_severity block_at; /* with PROXY_BLOCK */
	enum scan_severity alert_at; /* findings at least this severe go to @log */
	size_t max_body;          /* 0: 32 MiB */
	const char *ready_file;   /* write the bound address here once listening */
	const char *db;           /* the audit log (SQLite), or NULL for none */
	bool fail_open;           /* forward even when the audit log fails */
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
