/* SPDX-License-Identifier: MIT */
/*
 * proxy.c - request in, scan, decide, forward, stream the reply back.
 *
 * The decision is a plain function of the findings (decide()), kept apart
 * from the sockets as in redis: read, parse, run, reply.  The request body
 * is forwarded as the bytes that arrived, never re-serialised, because
 * re-encoding JSON changes numbers, escapes and key order, and the audit
 * must show what really went out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit/audit.h"
#include "proxy/api.h"
#include "proxy/config.h"
#include "proxy/connect.h"
#include "proxy/http.h"
#include "proxy/proxy.h"
#include "proxy/upstream.h"
#include "util/buf.h"
#include "util/banned.h"

struct proxy {
	struct proxy_config cfg;
	const struct scan_engine *engine;
	uv_loop_t loop;
	struct http_server *srv;
	struct upstream *up;
	struct audit_store *audit; /* NULL without --db */
	struct connect_policy tunnels;
};

/* Replies kept for the audit log, per exchange; the rest is relayed but
 * not recorded, and the record says how long the reply really was. */
#define MAX_RECORDED_REPLY ((size_t)32 << 20)

/* One request on its way through. */
struct exchange {
	struct proxy *p;
	struct http_response *res;
	struct upstream_req *up;
	enum api_kind api;
	uint64_t id;
	bool head_sent;
	bool cancelled;
	int status;
	int64_t time_ms;          /* wall clock at the start, for the record */
	int64_t ttfb_ms;
	uint64_t reply_bytes;
	const char *route;        /* the upstream it went to */
	struct scan_report report;
	struct buf url;
	struct buf reply;         /* the reply as relayed, for the audit log */
};

struct verdict {
	int worst;                        /* highest severity, -1 for none */
	const struct scan_finding *first; /* the first finding that is that severe */
};

bool proxy_listen_is_loopback(const char *listen)
{
	if (!listen)
		return true;
	return !strncmp(listen, "unix:", 5) || !strncmp(listen, "127.", 4) ||
	       !strncmp(listen, "[::1]:", 6) || !strncmp(listen, "localhost:", 10);
}

static void refuse(struct http_response *res, enum api_kind api, int status,
		   const char *message)
{
	struct buf body;

	buf_init(&body, 64 * 1024);
	if (api_error_json(&body, api, status, message))
		buf_reset(&body);
	http_res_send(res, status, "application/json", body.data ? body.data : "",
		      body.len);
	buf_release(&body);
}

/* Scan the body and log what is at least cfg.alert_at. */
static struct verdict inspect(struct proxy *p, struct exchange *x,
			      const struct http_request *req)
{
	struct verdict v = { -1, NULL };
	size_t i;

	if (!req->body_len)
		return v;
	scan_body(p->engine, req->body, req->body_len, &x->report);
	if (x->report.error && p->cfg.log)
		fprintf(p->cfg.log, "overt: #%llu %s %s: %s\n", (unsigned long long)req->id,
			req->method, req->path, x->report.error_msg);
	for (i = 0; i < x->report.nfindings; i++) {
		const struct scan_finding *f = &x->report.findings[i];

		if ((int)f->severity > v.worst) {
			v.worst = (int)f->severity;
			v.first = f;
		}
		if (f->severity < p->cfg.alert_at || !p->cfg.log)
			continue;
		fprintf(p->cfg.log, "overt: #%llu %s %s: %s %s (%s) %s byte %zu: %s\n",
			(unsigned long long)req->id, req->method, req->path,
			scan_severity_name(f->severity), f->rule, scan_origin_name(f->origin),
			f->json_path, f->byte_offset, f->message);
	}
	return v;
}

/* The API key the agent sent, for the record's fingerprint. */
static const char *api_key_of(const struct http_request *req)
{
	const char *k = http_request_header(req, "x-api-key");

	if (!k)
		k = http_request_header(req, "x-goog-api-key");
	if (!k && (k = http_request_header(req, "authorization")) && !strncasecmp(k, "bearer ", 7))
		k += 7;
	return k;
}

/* The key deltas are taken against: agents resend the whole conversation
 * each turn, and a body's opening (model, system prompt, first message) is
 * the same from one turn to the next. */
static void conversation_of(const struct http_request *req, char *out, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i, len = req->body_len < 2048 ? req->body_len : 2048;

	for (i = 0; i < len; i++)
		h = (h ^ req->body[i]) * 1099511628211ULL;
	snprintf(out, n, "%s %s %016llx", req->method, req->path, (unsigned long long)h);
}

/* Hand the exchange to the audit log, the bodies with it. */
static void record(struct proxy *p, struct exchange *x, const struct http_request *req,
		   int status, enum audit_action action)
{
	struct audit_finding *af;
	struct audit_exchange ax = { 0 };
	char conv[64];
	size_t i, n = x->report.nfindings;
	int rc;

	if (!p->audit)
		return;
	af = calloc(n ? n : 1, sizeof(*af));
	if (!af)
		return;
	for (i = 0; i < n; i++) {
		const struct scan_finding *f = &x->report.findings[i];

		af[i] = (struct audit_finding){ f->rule, f->category, f->severity, f->origin,
						f->json_path, f->byte_offset, f->codepoint, action };
	}
	conversation_of(req, conv, sizeof(conv));
	ax.time_ms = x->time_ms;
	ax.client = req->peer;
	ax.route = x->route;
	ax.method = req->method;
	ax.path = req->target;
	ax.status = status;
	ax.ttfb_ms = x->ttfb_ms;
	ax.total_ms = (int64_t)(uv_now(&p->loop) - req->start_ms);
	ax.request_bytes = req->body_len;
	ax.response_bytes = x->reply_bytes;
	ax.api_key = api_key_of(req);
	ax.action = action;
	ax.conversation = conv;
	ax.request_body = req->body;
	ax.request_len = req->body_len;
	ax.response_body = (const uint8_t *)x->reply.data;
	ax.response_len = x->reply.len;
	ax.findings = af;
	ax.nfindings = n;
	/* The bodies are handed over, not copied again: 200 KB a request. */
	rc = audit_submit_take(p->audit, &ax, http_request_body_take(x->res),
			       x->reply.data ? (uint8_t *)buf_take(&x->reply) : NULL);
	if (rc && p->cfg.log)
		fprintf(p->cfg.log, "overt: #%llu not recorded in the audit log: %s\n",
			(unsigned long long)req->id, audit_strerror(rc));
	free(af);
}

/* The policy: a plain function of the findings. */
static bool decide_block(const struct proxy_config *cfg, const struct verdict *v)
{
	return cfg->action == PROXY_BLOCK && v->worst >= (int)cfg->block_at;
}

static struct exchange *exchange_new(struct proxy *p, struct http_response *res,
				     const struct http_request *req)
{
	struct exchange *x = calloc(1, sizeof(*x));
	struct timespec t;

	if (!x)
		return NULL;
	x->p = p;
	x->res = res;
	x->api = api_of_path(req->path);
	x->id = req->id;
	x->ttfb_ms = -1;
	clock_gettime(CLOCK_REALTIME, &t);
	x->time_ms = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
	scan_report_init(&x->report);
	buf_init(&x->url, 64 * 1024);
	buf_init(&x->reply, MAX_RECORDED_REPLY);
	return x;
}

static void exchange_free(struct exchange *x)
{
	scan_report_release(&x->report);
	buf_release(&x->url);
	buf_release(&x->reply);
	free(x);
}

static int on_head(void *arg, int status, const struct http_header *h, size_t n)
{
	struct exchange *x = arg;
	const char *length = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcasecmp(h[i].name, "content-length"))
			length = h[i].value; /* relayed as the framing, if valid */
		else if (!upstream_is_hop_by_hop(h[i].name))
			http_res_header(x->res, h[i].name, h[i].value);
	}
	x->head_sent = true;
	x->status = status;
	x->ttfb_ms = (int64_t)(uv_now(&x->p->loop) - http_res_request(x->res)->start_ms);
	return http_res_stream_start_length(x->res, status, NULL, length) ? -1 : 0;
}

static int on_data(void *arg, const uint8_t *p, size_t len)
{
	struct exchange *x = arg;
	int rc = http_res_stream_write(x->res, p, len);

	x->reply_bytes += len;
	if (x->p->audit)
		buf_add(&x->reply, p, len); /* past the cap the record is cut short */
	/* 1: queued, but the agent reads slower than upstream sends: pause
	 * upstream until the queue drains, so nothing grows without bound. */
	return rc == 0 ? 0 : rc == 1 ? 1 : -1;
}

static void on_done(void *arg, int error, const char *message)
{
	struct exchange *x = arg;
	char msg[512];

	x->up = NULL;
	if (x->cancelled) {
		/* Still inside the cancel callback: the request is valid. */
		record(x->p, x, http_res_request(x->res), x->status, AUDIT_ACTION_LOG);
		exchange_free(x);
		return;
	}
	record(x->p, x, http_res_request(x->res), error && !x->head_sent ? 502 : x->status,
	       AUDIT_ACTION_LOG);
	if (error && !x->head_sent) {
		snprintf(msg, sizeof(msg), "overt could not reach the upstream %s: %s",
			 x->url.data, message ? message : "unknown error");
		refuse(x->res, x->api, 502, msg);
	} else {
		if (error && x->p->cfg.log)
			fprintf(x->p->cfg.log, "overt: #%llu upstream reply cut short: %s\n",
				(unsigned long long)x->id, message ? message : "unknown error");
		http_res_stream_end(x->res);
	}
	exchange_free(x);
}

static void on_drain(void *arg)
{
	struct exchange *x = arg;

	if (x->up)
		upstream_resume(x->up);
}

/* The agent went away: stop the upstream request too. */
static void on_cancel(void *arg)
{
	struct exchange *x = arg;

	x->cancelled = true;
	if (x->up)
		upstream_cancel(x->up); /* calls on_done, which frees x */
	else
		exchange_free(x);
}

static void forward(struct proxy *p, struct exchange *x, struct http_request *req)
{
	static const struct upstream_callbacks cbs = { on_head, on_data, on_done };
	const struct proxy_route *route = proxy_route_for(&p->cfg, req->path);
	const char *base = route ? route->upstream : p->cfg.upstream;
	size_t base_len;
	int rc;

	if (!base) {
		refuse(x->res, x->api, 404, "overt has no route for this path; add one to "
		       "the proxy's configuration");
		exchange_free(x);
		return;
	}
	x->route = base;
	base_len = strlen(base);
	while (base_len && base[base_len - 1] == '/')
		base_len--;
	if (buf_add(&x->url, base, base_len) || buf_adds(&x->url, req->target)) {
		refuse(x->res, x->api, 414, "overt: the request target is too long");
		exchange_free(x);
		return;
	}
	http_res_callbacks(x->res, on_drain, on_cancel, x);
	rc = upstream_start(p->up, req->method, x->url.data, req->headers, req->nheaders,
			    req->body, req->body_len, &cbs, x, &x->up);
	if (rc) {
		refuse(x->res, x->api, 502, "overt could not start the upstream request");
		exchange_free(x);
	}
}

/* Refuse before anything goes upstream, and record that. */
static void refuse_recorded(struct exchange *x, struct http_request *req, int status,
			    const char *msg, enum audit_action action)
{
	record(x->p, x, req, status, action);
	refuse(x->res, x->api, status, msg);
	exchange_free(x);
}

/* The audit log must be writable, unless the proxy was told to fail open. */
static bool audit_ok(struct proxy *p, struct exchange *x, struct http_request *req)
{
	struct audit_status st;
	char msg[512];

	if (!p->audit || audit_healthy(p->audit))
		return true;
	audit_status(p->audit, &st);
	if (p->cfg.fail_open) {
		if (p->cfg.log)
			fprintf(p->cfg.log, "overt: ALARM: #%llu forwarded without an audit "
				"record: %s\n", (unsigned long long)req->id, st.message);
		return true;
	}
	snprintf(msg, sizeof(msg), "overt cannot write its audit log (%s), so it refuses "
		 "requests; free space or fix the log, or run the proxy with --fail-open",
		 st.message);
	refuse(x->res, x->api, 503, msg);
	exchange_free(x);
	return false;
}

static void handle(struct http_request *req, struct http_response *res, void *ctx)
{
	struct proxy *p = ctx;
	struct exchange *x = exchange_new(p, res, req);
	const char *ce = http_request_header(req, "content-encoding");
	struct verdict v;
	char msg[1024];

	if (x && req->target && req->target[0] != '/' && req->target[0] != '*') {
		exchange_free(x);
		connect_refuse_plain(&p->tunnels, req, res); /* "GET http://host/" */
		return;
	}
	if (!x) {
		refuse(res, api_of_path(req->path), 503, "overt is out of memory");
		return;
	}
	if (!audit_ok(p, x, req))
		return;
	if (ce && strcasecmp(ce, "identity")) {
		snprintf(msg, sizeof(msg), "overt cannot inspect a request body with "
			 "content-encoding '%s' yet; send it uncompressed", ce);
		refuse_recorded(x, req, 415, msg, AUDIT_ACTION_BLOCK);
		return;
	}
	v = inspect(p, x, req);
	if (decide_block(&p->cfg, &v)) {
		snprintf(msg, sizeof(msg), "overt blocked this request: %s (%s) at %s, byte %zu: "
			 "%s. The overt proxy's log lists every finding.",
			 v.first->rule, scan_severity_name(v.first->severity),
			 v.first->json_path, v.first->byte_offset, v.first->message);
		refuse_recorded(x, req, 403, msg, AUDIT_ACTION_BLOCK);
		return;
	}
	forward(p, x, req);
}

static void on_error(struct http_request *req, struct http_response *res, int status,
		     const char *message, void *ctx)
{
	char msg[512];

	(void)ctx;
	snprintf(msg, sizeof(msg), "overt: %s", message);
	refuse(res, api_of_path(req ? req->path : NULL), status, msg);
}

static void on_exchange_done(const struct http_request *req, const struct http_summary *sum,
			     void *ctx)
{
	struct proxy *p = ctx;

	if (p->cfg.log)
		fprintf(p->cfg.log, "overt: #%llu %s %s -> %d, %llu bytes, %llu ms%s\n",
			(unsigned long long)req->id, req->method ? req->method : "-",
			req->path ? req->path : "-", sum->status,
			(unsigned long long)sum->bytes_out, (unsigned long long)sum->ms,
			sum->cancelled ? ", cancelled" : "");
}

static void handle_connect(struct http_request *req, struct http_response *res, void *ctx)
{
	struct proxy *p = ctx;

	connect_handle(&p->tunnels, req, res);
}

static int write_ready(const char *path, const char *addr, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%s\n", addr) < 0 || fclose(f)) {
		snprintf(err, errlen, "cannot write '%s'", path);
		return -1;
	}
	return 0;
}

static int start(struct proxy *p, char *err, size_t errlen)
{
	struct upstream_opts uo = { .cacert = p->cfg.cacert };
	struct http_config hc = {
		.listen = p->cfg.listen ? p->cfg.listen : "127.0.0.1:8787",
		.handler = handle, .connect = handle_connect, .error = on_error,
		.done = on_exchange_done,
		.ctx = p, .max_body = p->cfg.max_body, .access_token = p->cfg.access_token,
	};
	int rc;

	rc = p->cfg.db ? audit_open(p->cfg.db, NULL, &p->audit, err, errlen) : 0;
	p->tunnels = (struct connect_policy){ p->cfg.connect_allow, p->cfg.nconnect_allow,
					      p->audit, p->cfg.log, &p->loop };
	if (!rc)
		rc = upstream_new(&p->loop, &uo, &p->up, err, errlen);
	if (!rc)
		rc = http_server_new(&p->loop, &hc, &p->srv, err, errlen);
	if (!rc)
		rc = http_server_catch_signals(p->srv, 10000);
	if (!rc && p->cfg.log)
		fprintf(p->cfg.log, "overt: proxy listening on %s, %s%s\n",
			http_server_address(p->srv),
			p->cfg.upstream ? "upstream " : "routes from the configuration",
			p->cfg.upstream ? p->cfg.upstream : "");
	if (!rc && p->cfg.ready_file)
		rc = write_ready(p->cfg.ready_file, http_server_address(p->srv), err, errlen);
	return rc;
}

int proxy_run(const struct proxy_config *cfg, const struct scan_engine *engine,
	      char *err, size_t errlen)
{
	struct proxy *p = calloc(1, sizeof(*p));
	int rc;

	if (!p || uv_loop_init(&p->loop)) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->cfg = *cfg;
	p->engine = engine;
	rc = start(p, err, errlen);
	if (!rc)
		uv_run(&p->loop, UV_RUN_DEFAULT);
	else if (p->srv)
		http_server_stop(p->srv, 0);
	upstream_free(p->up);
	uv_run(&p->loop, UV_RUN_DEFAULT); /* close what is left */
	http_server_free(p->srv);
	uv_loop_close(&p->loop);
	/* Flush the log before saying goodbye: every exchange is in it. */
	if (p->audit && audit_close(p->audit) && !rc) {
		snprintf(err, errlen, "the audit log could not be completed");
		rc = -1;
	}
	free(p);
	return rc;
}
