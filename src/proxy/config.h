/* SPDX-License-Identifier: MIT */
/*
 * config.h - the proxy's configuration file: routes by path prefix to
 * several upstreams, and the settings the command line also has.
 *
 * {"schema": 1,
 *  "routes": [{"prefix": "/v1/messages", "upstream": "https://api.anthropic.com"},
 *             {"prefix": "/", "upstream": "https://api.openai.com"}],
 *  "policy": [{"rule": "tag.*", "action": "block"},
 *             {"category": "secret", "action": "redact"},
 *             {"category": "lookalike", "min_severity": "medium",
 *              "origin": "system", "action": "normalize"}],
 *  "listen": "127.0.0.1:8787", "action": "log", "action_at": "high",
 *  "alert_at": "medium", "syslog_facility": "authpriv", "db": "audit.db",
 *  "cacert": "ca.pem", "fail_open": false}
 */
#ifndef OVERT_PROXY_CONFIG_H
#define OVERT_PROXY_CONFIG_H

#include <stddef.h>

#include "proxy/proxy.h"

/* The routes and strings a loaded file owns. */
struct proxy_file {
	struct proxy_route *routes;
	size_t nroutes;
	struct proxy_rule *policy; /* its strings are freed with the file */
	size_t npolicy;
	char *strings[8];  /* listen, db, cacert ...: freed with the file */
	size_t nstrings;
};

/*
 * proxy_config_load - read the JSON configuration in @text (@len bytes,
 * named @name in messages) into @cfg, whose fields the file sets; @file
 * owns what @cfg then points to.  Returns 0, or -1 with a message in @err
 * naming the file, the byte offset for bad JSON, and the setting at fault.
 */
int proxy_config_load(const char *name, const char *text, size_t len,
		      struct proxy_config *cfg, struct proxy_file *file,
		      char *err, size_t errlen);

/* proxy_file_release - free what a loaded file owns. */
void proxy_file_release(struct proxy_file *file);

/* proxy_syslog_facility - LOG_AUTHPRIV for "authpriv", LOG_USER,
 * LOG_DAEMON, LOG_LOCAL0..7; -1 for "none"; -2 when unknown. */
int proxy_syslog_facility(const char *name);

/* proxy_route_for - the route whose prefix is the longest one @path starts
 * with, or NULL. */
const struct proxy_route *proxy_route_for(const struct proxy_config *cfg, const char *path);

#endif
