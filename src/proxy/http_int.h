/* SPDX-License-Identifier: MIT */
/*
 * http_int.h - what http.c (listening, reading, parsing) and http_write.c
 * (responses, the write queue) share about a connection.  Not for callers:
 * they see only http.h.
 */
#ifndef OVERT_HTTP_INT_H
#define OVERT_HTTP_INT_H

#include <llhttp.h>
#include <uv.h>

#include "proxy/http.h"
#include "util/buf.h"

/* Where a connection is in its request/response cycle. */
enum conn_phase {
	PH_IDLE,      /* waiting for the first byte of a request */
	PH_HEAD,      /* request line and headers */
	PH_BODY,      /* request body */
	PH_HANDLING,  /* the handler (or an error response) owns the request */
	PH_LINGER,    /* response written, write side shut, draining input */
};

enum res_state {
	RES_NONE,     /* nothing written yet */
	RES_STREAM,   /* head written, stream open */
	RES_DONE,     /* finished; the core owns the request again */
};

struct http_response {
	struct http_conn *conn;
	enum res_state state;
	int status;
	int chunked;          /* 1: chunked framing; 0: close-delimited or sized */
	int no_body;          /* HEAD, 1xx, 204, 304: the head is all */
	int64_t length;       /* Content-Length of a sized stream; -1: none */
	struct buf head;      /* headers added by the handler */
	void (*drain)(void *arg);
	void (*cancel)(void *arg);
	void *arg;
	int want_drain;       /* the producer was told to pause */
	char *held;           /* a stream's head, waiting for its first bytes */
	size_t held_len;
	int end_pending;      /* ended with nothing left to write: on_flush
				 finishes it */
	uint64_t bytes_out;
};

struct http_conn {
	struct http_server *srv;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	uv_timer_t timer;
	uv_shutdown_t shutdown;
	int open_handles;     /* handle + timer; freed at 0 */
	struct http_conn *prev, *next;
	struct http_conn *flush_next; /* in srv->flushq while a head is held */
	int flush_queued;
	llhttp_t parser;
	char peer[64];

	enum conn_phase phase;
	int closing;
	int reading;
	int keep_alive;
	int err_status;       /* set by a parser callback that fails */
	const char *err_msg;

	/* The head scanner (see head_scan in http.c). */
	size_t head_bytes;
	unsigned char first_byte; /* of the request, to recognise TLS */
	size_t line_len;
	unsigned lines;
	int cr;

	/* The request being read or handled. */
	struct http_request req;
	struct http_response res;
	struct buf head;      /* target, header names and values, NUL-separated */
	size_t url_end;       /* offset of the target's NUL, 0 until complete */
	size_t *hdr_off;      /* name and value offsets into head, 2 per header */
	unsigned nhdr;
	struct http_header *hdrs;
	struct buf body;
	struct buf pending;   /* bytes read while a request is being handled */
	size_t queued;        /* bytes handed to uv_write, not yet written */

	char rbuf[65536];
};

struct http_server {
	uv_loop_t *loop;
	struct http_config cfg;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} listener;
	int is_unix;
	int has_token;
	unsigned char token_hash[32]; /* SHA-256 of cfg.access_token */
	uv_timer_t stop_timer;
	uv_check_t flush;     /* sends held heads at the end of a loop turn */
	struct http_conn *flushq;
	uv_signal_t sig[2];
	int signals;          /* 1 when sig[] are initialised */
	unsigned signal_deadline_ms;
	int open_handles;     /* listener, stop timer, signals */
	int stopping;
	struct http_conn *conns;
	size_t nconns;
	uint64_t next_id;
	char address[300];
	char unix_path[256];
};

/* http.c */
void http_conn_close(struct http_conn *c);
void http_conn_arm(struct http_conn *c, unsigned ms);
void http_conn_response_done(struct http_conn *c);
void http_conn_stop(struct http_conn *c);
void http_on_connection(uv_stream_t *l, int status);

/* http_server.c */
void http_server_maybe_stopped(struct http_server *srv);
int http_token_hash(const char *token, size_t len, unsigned char out[32]);

/* http_write.c */
void http_res_reset(struct http_response *res, struct http_conn *c);
int http_write_raw(struct http_conn *c, char *data, size_t len);
void http_res_cancelled(struct http_response *res);
void http_res_summary(struct http_conn *c, int cancelled);
void http_res_forget_held(struct http_conn *c);

#endif
