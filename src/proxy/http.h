/* SPDX-License-Identifier: MIT */
/*
 * http.h - the HTTP/1.1 server core under `overt proxy` and `overt mock`.
 *
 * A server listens on TCP or a Unix socket in a libuv loop, parses each
 * request with llhttp in strict mode (no lenient flags, plus our own checks
 * against obsolete line folding and bare LF), buffers the body within a hard
 * limit, and hands the complete request to one handler callback.  One
 * request per connection is handled at a time: pipelined requests wait until
 * the previous response has been written.  The handler answers at once or
 * later, with a whole response or a stream (chunked, or close-delimited for
 * HTTP/1.0) whose writes leave immediately (TCP_NODELAY) and whose queue is
 * capped, so a client that does not read pauses the producer instead of
 * growing memory.  The core knows nothing about model APIs: errors it finds
 * itself (400, 408, 413, 431) are rendered by the caller's error callback.
 *
 * Threading: everything runs on the loop's thread; no function here may be
 * called from another thread.
 */
#ifndef OVERT_HTTP_H
#define OVERT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

enum http_error {
	HTTP_OK = 0,
	HTTP_ENOMEM = -1,   /* allocation failed */
	HTTP_EINVAL = -2,   /* bad argument: address, header name or value */
	HTTP_ELISTEN = -3,  /* cannot bind or listen; the message says why */
	HTTP_ESTATE = -4,   /* call not valid now (response already sent ...) */
	HTTP_EFULL = -5,    /* write queue at its cap; wait for the drain callback */
	HTTP_ECLOSED = -6,  /* the client is gone */
};

/* One request header, as received (name case kept, value trimmed by llhttp). */
struct http_header {
	const char *name;
	const char *value;
};

/*
 * A request.  Everything it points to is owned by the connection and stays
 * valid until the response is finished or the cancel callback has returned.
 * On error responses made by the core, fields not parsed yet are NULL/0.
 */
struct http_request {
	uint64_t id;               /* per server, from 1 */
	const char *method;        /* "POST"; NULL if not parsed yet */
	const char *target;        /* raw request-target "/v1/x?a=b"; or NULL */
	const char *path;          /* target up to '?'; or NULL */
	const char *query;         /* after '?', without it; NULL if none */
	const struct http_header *headers;
	size_t nheaders;
	const uint8_t *body;       /* NUL-terminated for convenience; may hold NULs */
	size_t body_len;
	int http_minor;            /* 1 for HTTP/1.1, 0 for HTTP/1.0 */
	const char *peer;          /* "127.0.0.1:51234", "[::1]:5", "unix" */
	uint64_t start_ms;         /* uv_now() when the first byte arrived */
};

struct http_response;
struct http_server;

/* The handler: answer @req through @res, now or later, exactly once (send,
 * or stream_start ... stream_end).  @ctx is http_config.ctx. */
typedef void (*http_handler_fn)(struct http_request *req,
				struct http_response *res, void *ctx);

/* Render an error the core detected (@status 400, 408, 413, 431, 500) with
 * @message (lowercase, for people); must call http_res_send before it
 * returns.  The connection is closed afterwards. */
typedef void (*http_error_fn)(struct http_request *req,
			      struct http_response *res, int status,
			      const char *message, void *ctx);

/* A response is over: written (@cancelled 0) or abandoned because the client
 * went away or the server stopped (@cancelled 1).  For access logs. */
struct http_summary {
	int status;                /* 0 if no head was written */
	uint64_t bytes_out;        /* body bytes (chunk framing excluded) */
	uint64_t ms;               /* since the request's first byte */
	int cancelled;
};
typedef void (*http_done_fn)(const struct http_request *req,
			     const struct http_summary *sum, void *ctx);

struct http_config {
	const char *listen;          /* "127.0.0.1:8080", "[::1]:0", "unix:/p";
					NULL means "127.0.0.1:0" */
	http_handler_fn handler;     /* required */
	http_handler_fn connect;     /* CONNECT requests (connect.c); NULL: 501 */
	http_error_fn error;         /* NULL: a text/plain body */
	http_done_fn done;           /* NULL: nothing */
	void *ctx;
	size_t max_body;             /* 0: 32 MiB */
	unsigned max_headers;        /* 0: 100 */
	size_t max_header_bytes;     /* request line + headers; 0: 64 KiB */
	unsigned header_timeout_ms;  /* first byte to end of headers; 0: 10 s */
	unsigned idle_timeout_ms;    /* keep-alive wait, body and write stalls;
					0: 60 s */
	size_t write_queue_max;      /* per connection; 0: 1 MiB */
	/* When set, every request must carry this token, as
	 * "Proxy-Authorization: Bearer TOKEN" or "X-Overt-Token: TOKEN", or
	 * it is refused with 401 before its body is read; the headers that
	 * carried it are removed from the request.  Only a hash is kept. */
	const char *access_token;
};

/*
 * http_server_new - bind and listen on @cfg->listen in @loop.  On success
 * stores the server in *@out and returns 0; otherwise returns HTTP_EINVAL,
 * HTTP_ELISTEN or HTTP_ENOMEM with a message in @err (lowercase, cause
 * last).  @cfg is copied, except @cfg->listen, read only during the call.
 */
int http_server_new(uv_loop_t *loop, const struct http_config *cfg,
		    struct http_server **out, char *err, size_t errlen);

/* http_server_address - the bound address in the --listen syntax, with the
 * real port when port 0 was asked: "127.0.0.1:40123", "[::1]:5", "unix:/p". */
const char *http_server_address(const struct http_server *srv);

/*
 * http_server_catch_signals - on SIGTERM or SIGINT, call
 * http_server_stop(srv, @deadline_ms).  Returns 0 or HTTP_EINVAL.
 */
int http_server_catch_signals(struct http_server *srv, unsigned deadline_ms);

/*
 * http_server_stop - stop accepting, close idle connections, let responses
 * in flight finish for up to @deadline_ms, then close what remains (their
 * cancel callbacks run).  Once every handle is closed the loop has nothing
 * left of ours and uv_run returns.  Calling it again does nothing.
 */
void http_server_stop(struct http_server *srv, unsigned deadline_ms);

/* http_server_stopped - 1 once the server and all its connections are closed. */
int http_server_stopped(const struct http_server *srv);

/* http_server_free - release a stopped server (after uv_run returned);
 * NULL is accepted.  Freeing a running server is a bug and aborts. */
void http_server_free(struct http_server *srv);

/* http_request_header - the value of the first header named @name (ASCII
 * case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *req,
				const char *name);

/*
 * http_res_header - add a response header before the head is written.
 * Names are tokens, values have no CR, LF or NUL (HTTP_EINVAL otherwise);
 * Content-Length, Transfer-Encoding and Connection are the core's own.
 */
int http_res_header(struct http_response *res, const char *name,
		    const char *value);

/*
 * http_res_send - write a complete response with a Content-Length.
 * @content_type may be NULL.  The data is copied.  Afterwards @res and the
 * request belong to the core again.  Returns 0, HTTP_ESTATE or HTTP_ENOMEM
 * (the connection is then closed).
 */
int http_res_send(struct http_response *res, int status,
		  const char *content_type, const void *body, size_t len);

/*
 * http_res_stream_start - write the head of a streamed response: chunked
 * for HTTP/1.1 clients, close-delimited for HTTP/1.0.  Returns 0,
 * HTTP_ESTATE or HTTP_ENOMEM.
 */
int http_res_stream_start(struct http_response *res, int status,
			  const char *content_type);

/*
 * http_res_stream_start_length - like http_res_stream_start, but when
 * @content_length (a header value as received, or NULL) is a valid decimal
 * length the stream is framed with it instead of chunked, as the upstream
 * framed it.  Bytes past that length are dropped and the connection closes
 * after them; a stream ended short of it closes the connection too, so the
 * client sees the truncation.  Replies to HEAD and 1xx/204/304 replies get
 * the head only.  Returns as http_res_stream_start.
 */
int http_res_stream_start_length(struct http_response *res, int status,
				 const char *ctype, const char *content_length);

/*
 * http_res_stream_write - queue @len bytes (copied) and send them now.
 * Returns 0; 1 when the data was queued but the queue has reached
 * write_queue_max (stop producing until the drain callback); HTTP_EFULL
 * when the queue was already full (nothing queued); HTTP_ESTATE or
 * HTTP_ECLOSED.
 */
int http_res_stream_write(struct http_response *res, const void *data,
			  size_t len);

/* http_res_stream_end - finish the stream; afterwards @res belongs to the
 * core again.  Returns 0, HTTP_ESTATE or HTTP_ENOMEM. */
int http_res_stream_end(struct http_response *res);

/* http_res_abort - close the connection in the middle of a streamed
 * response, so the client sees it incomplete; no callback is called. */
void http_res_abort(struct http_response *res);

/*
 * http_res_callbacks - @drain runs when a full queue has gone down to half
 * of write_queue_max; @cancel runs once if the client disconnects or the
 * server stops before the response is finished.  After @cancel returns,
 * @res and the request must not be used.  Either may be NULL.
 */
void http_res_callbacks(struct http_response *res, void (*drain)(void *arg),
			void (*cancel)(void *arg), void *arg);

/*
 * http_request_body_take - hand the request's body (req->body, malloc'd) to
 * the caller, who frees it; NULL when the body is empty.  Afterwards the
 * request's body is empty: take it only once nothing else reads it (the
 * upstream request is over).
 */
uint8_t *http_request_body_take(struct http_response *res);

/* http_res_request - the request @res answers. */
struct http_request *http_res_request(struct http_response *res);

/* http_status_reason - "Not Found" for 404; "" when unknown. */
const char *http_status_reason(int status);

#endif
