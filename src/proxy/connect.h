/* SPDX-License-Identifier: MIT */
/*
 * connect.h - the proxy's CONNECT endpoint: tunnels to allowed hosts only,
 * every attempt recorded.
 *
 * `overt run` points HTTP_PROXY and HTTPS_PROXY at the proxy, so whatever
 * an agent fetches besides its model API (package registries, web pages)
 * comes here as CONNECT host:port.  The allow list decides; the audit log
 * gets one event per attempt, allowed, denied or failed.  The tunnel
 * carries bytes only: no TLS is intercepted.
 */
#ifndef OVERT_PROXY_CONNECT_H
#define OVERT_PROXY_CONNECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "audit/audit.h"
#include "proxy/http.h"

struct connect_policy {
	/* "host" (port 443), "host:port", "host:*" (any port), "*.example.com"
	 * (its subdomains), "[::1]:443".  Names compare without case. */
	const char *const *allow;
	size_t nallow;
	struct audit_store *audit;  /* NULL: not recorded */
	FILE *log;                  /* one line per attempt, or NULL */
	uv_loop_t *loop;
};

/* connect_parse_target - split a CONNECT request-target "host:port" or
 * "[v6]:port" into @host (without brackets) and *@port.  Returns 0, or -1
 * when it is not one (no port, port out of range, bad characters). */
int connect_parse_target(const char *target, char *host, size_t hostlen, unsigned *port);

/* connect_allowed - whether @pol allows a tunnel to @host:@port. */
bool connect_allowed(const struct connect_policy *pol, const char *host, unsigned port);

/* connect_handle - the http_config.connect handler: refuse (403, recorded)
 * or resolve, connect, answer 200 and relay bytes both ways until either
 * side closes.  @pol must outlive the server. */
void connect_handle(const struct connect_policy *pol, struct http_request *req,
		    struct http_response *res);

/* connect_refuse_plain - a request in absolute form ("GET http://host/"),
 * sent by a client told to use us as its HTTP proxy: refused (403) and
 * recorded as a denied attempt, since only tunnels to allowed hosts go out. */
void connect_refuse_plain(const struct connect_policy *pol, struct http_request *req,
			  struct http_response *res);

#endif
