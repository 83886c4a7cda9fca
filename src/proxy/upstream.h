/* SPDX-License-Identifier: MIT */
/*
 * upstream.h - the proxy's client to model APIs: libcurl on the proxy's
 * libuv loop.
 *
 * A request goes out with the body bytes exactly as given, and the reply
 * comes back as it arrives: the head once, then every chunk of the body as
 * libcurl reads it, never buffered until the end, so server-sent events
 * reach the agent as soon as the upstream sends them.  Nothing is decoded
 * on the way: no Accept-Encoding of our own, compressed replies stay
 * compressed.  TLS is verified (peer and host name) against the system
 * store or a given CA file; plain http is allowed for local upstreams.
 */
#ifndef OVERT_UPSTREAM_H
#define OVERT_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "proxy/http.h"

enum upstream_error {
	UPSTREAM_OK = 0,
	UPSTREAM_ENOMEM = -1,
	UPSTREAM_EINVAL = -2,   /* bad URL or header */
	UPSTREAM_ECURL = -3,    /* libcurl refused to start; the message says why */
};

struct upstream;
struct upstream_req;

struct upstream_opts {
	const char *cacert;           /* PEM file of CAs to trust, or NULL */
	unsigned connect_timeout_ms;  /* 0: 10 s */
	unsigned idle_timeout_ms;     /* no byte for this long ends it; 0: 300 s */
};

/* What a request reports, on the loop's thread, in this order: head at
 * most once, data any number of times, done exactly once (after which the
 * request is freed; do not use it). */
struct upstream_callbacks {
	/* The status line and headers; the headers are only valid during the
	 * call.  Return 0 to go on, non-zero to cancel. */
	int (*head)(void *arg, int status, const struct http_header *headers,
		    size_t nheaders);
	/* A chunk of the body as it arrived.  Return 0 when it was taken, 1
	 * when it was taken but no more can be for now (pause until
	 * upstream_resume()), 2 when it was not taken (it comes again after
	 * upstream_resume()), another value to cancel. */
	int (*data)(void *arg, const uint8_t *p, size_t len);
	/* The end: @error 0, or a libcurl failure with a message saying what
	 * went wrong ("could not connect to 127.0.0.1:9: Connection refused",
	 * "TLS: certificate verify failed ..."), or cancelled. */
	void (*done)(void *arg, int error, const char *message);
};

/*
 * upstream_new - a client on @loop.  @opt may be NULL for defaults.
 * Returns 0 or UPSTREAM_E* with a message in @err.
 */
int upstream_new(uv_loop_t *loop, const struct upstream_opts *opt,
		 struct upstream **out, char *err, size_t errlen);

/*
 * upstream_start - send @method @url with @headers and @body.  The body is
 * not copied: it must stay valid until done is called.  Hop-by-hop headers,
 * Host, Content-Length and Expect in @headers are not forwarded (libcurl
 * writes its own).  On success *@out is the request (for cancel, pause).
 */
int upstream_start(struct upstream *u, const char *method, const char *url,
		   const struct http_header *headers, size_t nheaders,
		   const uint8_t *body, size_t len,
		   const struct upstream_callbacks *cb, void *arg,
		   struct upstream_req **out);

/* upstream_resume - resume a request whose data callback paused it. */
void upstream_resume(struct upstream_req *r);

/* upstream_cancel - abandon a request (the client went away); done is
 * called from the loop soon after, with error set, unless it already was. */
void upstream_cancel(struct upstream_req *r);

/* upstream_free - cancel what is in flight and release the client; the
 * loop must then run until its handles are closed. */
void upstream_free(struct upstream *u);

/* upstream_is_hop_by_hop - whether a header must not cross a proxy
 * (RFC 9110 section 7.6.1), ASCII case-insensitive. */
int upstream_is_hop_by_hop(const char *name);

#endif
