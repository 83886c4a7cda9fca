/* SPDX-License-Identifier: MIT */
/*
 * proxy.c - request in, scan, decide, forward, stream the reply back.
 *
 * The decisions are plain functions of the findings (action.c), kept apart
 * from the sockets as in redis: read, parse, run, reply.  The request body
 * is forwarded as the bytes that arrived, never re-serialised, because
 * re-encoding JSON changes numbers, escapes and key order, and the audit
 * must show what really went out.  Only the normalize and redact actions
 * change it, string by string (action_rewrite.c), and the audit log then
 * keeps the original beside a report of every change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "audit/audit.h"
#include "proxy/action.h"
#include "proxy/api.h"
#include "proxy/config.h"
#include "proxy/connect.h"
#include "proxy/http.h"
#include "proxy/proxy.h"
#include "proxy/upstream.h"
#include "util/buf.h"
#include "util/banned.h"

/* A scan report keeps its scratch (Vectorscan's scratch, the context and
 * its buffers) from one scan to the next; made fresh per request, it cost
 * some 50,000 instructions, a fifth of a small request.  Reports of ended
 * exchanges are kept for the next ones, this many. */
#define SPARE_REPORTS 8

struct proxy {
	struct proxy_config cfg;
	const struct scan_engine *engine;
	uv_loop_t loop;
	struct http_server *srv;
	struct upstream *up;
	struct audit_store *audit; /* NULL without --db */
	size_t audit_reserved;    /* exchanges let through, not yet submitted */
	/* --sync: exchanges whose reply ends once their record is committed,
	 * and the writer's wake-up after each batch */
	struct exchange *held;
	uv_async_t committed;
	bool committed_live;
	struct connect_policy tunnels;
	/* cfg.log writes into memory, and the lines of one turn of the loop
	 * go to the real log in one write: stderr is unbuffered, and a
	 * request's finding lines and summary cost a write(2) each. */
	struct scan_report spare[SPARE_REPORTS]; /* scanned with before, kept */
	size_t nspare;
	FILE *log_out;
	char *log_mem;
	size_t log_len;
	uv_prepare_t log_flush;
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
	bool reserved;            /* counted in p->audit_reserved */
	uint64_t ticket;          /* --sync: the record's place in the writer's order */
	int held_status;          /* --sync: a refusal waiting for the commit */
	char *held_msg;
	struct exchange *held_next;
	int status;
	int64_t time_ms;          /* wall clock at the start, for the record */
	int64_t ttfb_ms;
	uint64_t reply_bytes;
	const char *route;        /* the upstream it went to */
	const uint8_t *body;      /* the body as scanned: decoded, or the request's */
	size_t body_len;
	struct buf decoded;       /* a Content-Encoding body, decoded */
	struct scan_report report;
	enum proxy_action *acts;  /* per finding of the report */
	struct scan_report hreport; /* findings in the request's headers */
	enum proxy_action *hacts;   /* per finding of hreport */
	enum proxy_action action; /* the strongest of them */
	struct proxy_rewrite rw;  /* what normalize and redact made of the body */
	struct http_header *headers; /* sent upstream with a rewritten body */
	size_t nheaders;
	struct buf url;
	struct buf reply;         /* the reply as relayed, for the audit log */
};

bool proxy_listen_is_loopback(const char *listen)
{
	if (!listen)
		return true;
	return !strncmp(listen, "unix:", 5) || !strncmp(listen, "127.", 4) ||
	       !strncmp(listen, "[::1]:", 6) || !strncmp(listen, "localhost:", 10);
}

static void flush_log(struct proxy *p);

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

/* One line for a finding at least cfg.alert_at severe that is not an
 * alert (those have their own line, in proxy_alert). */
static void log_finding(struct proxy *p, const struct http_request *req,
			const struct scan_finding *f, enum proxy_action a)
{
	bool secret = !strcmp(f->category, "secret");

	if (f->severity < p->cfg.alert_at || !p->cfg.log)
		return;
	/* The scanner's message masks a secret already; the fingerprint is
	 * all this line needs. */
	fprintf(p->cfg.log, "overt: #%llu %s %s: %s %s (%s) %s byte %zu: %s [%s]\n",
		(unsigned long long)req->id, req->method, req->path,
		scan_severity_name(f->severity), f->rule, scan_origin_name(f->origin),
		f->json_path, f->byte_offset,
		secret ? (f->fingerprint ? f->fingerprint : "a secret") : f->message,
		proxy_action_name(a));
}

/* The action for finding @f (of a header when @header), logged. */
static enum proxy_action act_on(struct proxy *p, struct exchange *x,
				const struct http_request *req, const struct scan_finding *f,
				bool header)
{
	enum proxy_action a = proxy_policy_action(&p->cfg, f);

	if (header && !strcmp(f->rule, "secret.api-key-header"))
		a = PROXY_LOG;
	else if (header && a == PROXY_NORMALIZE)
		a = PROXY_LOG;
	else if (header && a == PROXY_REDACT)
		a = PROXY_BLOCK;
	if (a > x->action)
		x->action = a;
	if (a == PROXY_ALERT)
		proxy_alert(p->cfg.log, p->cfg.syslog_facility >= 0, req->id, req->method,
			    req->path, f);
	else
		log_finding(p, req, f, a);
	return a;
}

/* Scan the body, give each finding its action by the policy, and log. */
static int inspect(struct proxy *p, struct exchange *x, const struct http_request *req)
{
	size_t i;

	x->action = PROXY_LOG;
	if (!x->body_len)
		return 0;
	scan_body(p->engine, x->body, x->body_len, &x->report);
	if (x->report.error && p->cfg.log)
		fprintf(p->cfg.log, "overt: #%llu %s %s: %s\n", (unsigned long long)req->id,
			req->method, req->path, x->report.error_msg);
	x->acts = calloc(x->report.nfindings ? x->report.nfindings : 1, sizeof(*x->acts));
	if (!x->acts)
		return -1;
	for (i = 0; i < x->report.nfindings; i++)
		x->acts[i] = act_on(p, x, req, &x->report.findings[i], false);
	return 0;
}

/*
 * Headers are scanned with the secret and environment rules.  The API key
 * header is the request's own credential, never a finding to act on; a
 * header is not rewritten, so normalize is nothing there and redact, which
 * would forward the secret otherwise, blocks.
 */
static int inspect_headers(struct proxy *p, struct exchange *x, const struct http_request *req)
{
	struct scan_header *h = calloc(req->nheaders ? req->nheaders : 1, sizeof(*h));
	size_t i;

	if (!h)
		return -1;
	for (i = 0; i < req->nheaders; i++)
		h[i] = (struct scan_header){ req->headers[i].name,
					     (const uint8_t *)req->headers[i].value,
					     strlen(req->headers[i].value) };
	scan_headers(p->engine, h, req->nheaders, &x->hreport);
	free(h);
	x->hacts = calloc(x->hreport.nfindings ? x->hreport.nfindings : 1, sizeof(*x->hacts));
	if (!x->hacts)
		return -1;
	for (i = 0; i < x->hreport.nfindings; i++)
		x->hacts[i] = act_on(p, x, req, &x->hreport.findings[i], true);
	return 0;
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
 * the same from one turn to the next.  Taken over the body as scanned,
 * so compressed turns are compared decompressed. */
static void conversation_of(const struct exchange *x, const struct http_request *req,
			    char *out, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i, len = x->body_len < 2048 ? x->body_len : 2048;

	for (i = 0; i < len; i++)
		h = (h ^ x->body[i]) * 1099511628211ULL;
	snprintf(out, n, "%s %s %016llx", req->method, req->path, (unsigned long long)h);
}

/* The changes of the rewrite, as the audit log takes them. */
static struct audit_change *changes_of(const struct proxy_rewrite *rw)
{
	struct audit_change *c = calloc(rw->nchanges ? rw->nchanges : 1, sizeof(*c));
	size_t i;

	for (i = 0; c && i < rw->nchanges; i++) {
		const struct proxy_change *pc = &rw->changes[i];

		c[i] = (struct audit_change){ (enum audit_action)pc->action, pc->json_path,
					      pc->offset, pc->length, pc->codepoint,
					      pc->replacement };
	}
	return c;
}

/*
 * The request body the record keeps: the one scanned, with any secret
 * masked.  It is handed to the store when it can be (*@take, malloc'd,
 * exactly the body returned; NULL when the store must copy), so after
 * this the exchange's body belongs to the store and must not be read.
 * NULL (and nothing to take) when masking failed: no body rather than a
 * secret in clear.
 */
static const uint8_t *recorded_body(struct exchange *x, uint8_t **take)
{
	const struct http_request *req = http_res_request(x->res);
	const uint8_t *body = x->body;
	size_t i;

	*take = NULL;
	if (x->decoded.data && x->body == (const uint8_t *)x->decoded.data)
		body = *take = (uint8_t *)buf_take(&x->decoded);
	else if (x->body == req->body && (*take = http_request_body_take(x->res)))
		body = *take;
	for (i = 0; i < x->report.nfindings; i++)
		if (!strcmp(x->report.findings[i].category, "secret"))
			break;
	if (i == x->report.nfindings)
		return body;
	/* The body is ours now (the upstream is done with it, or never got
	 * it): mask it where it lies instead of copying 200 KB. */
	if (!*take && (*take = malloc(x->body_len + 1)))
		memcpy(*take, body, x->body_len);
	if (!*take || proxy_mask_secrets(*take, x->body_len, &x->report)) {
		free(*take);
		*take = NULL;
		return NULL;
	}
	return *take;
}

static void fill_record(struct exchange *x, const struct http_request *req, int status,
			struct audit_exchange *ax)
{
	ax->time_ms = x->time_ms;
	ax->client = req->peer;
	ax->route = x->route;
	ax->method = req->method;
	ax->path = req->target;
	ax->status = status;
	ax->ttfb_ms = x->ttfb_ms;
	ax->total_ms = (int64_t)(uv_now(&x->p->loop) - req->start_ms);
	ax->request_bytes = req->body_len;
	ax->response_bytes = x->reply_bytes;
	ax->api_key = api_key_of(req);
	ax->action = (enum audit_action)x->action;
	ax->request_len = x->body_len;
	ax->response_body = (const uint8_t *)x->reply.data;
	ax->response_len = x->reply.len;
}

/* @rep's findings with their actions (all log when @acts is NULL). */
static void findings_of(const struct scan_report *rep, const enum proxy_action *acts,
			struct audit_finding *af)
{
	size_t i;

	for (i = 0; i < rep->nfindings; i++) {
		const struct scan_finding *f = &rep->findings[i];

		af[i] = (struct audit_finding){ f->rule, f->category, f->severity, f->origin,
						f->json_path, f->byte_offset, f->codepoint,
						acts ? (enum audit_action)acts[i] : AUDIT_ACTION_LOG };
	}
}

static void unreserve(struct exchange *x)
{
	if (x->reserved)
		x->p->audit_reserved--;
	x->reserved = false;
}

/* Hand the exchange to the audit log, the bodies with it.  Returns the
 * exchange's id in the log, or 0 when not recorded. */
static int64_t record(struct proxy *p, struct exchange *x, const struct http_request *req,
		      int status)
{
	struct audit_finding *af;
	struct audit_change *ac;
	struct audit_exchange ax = { 0 };
	uint8_t *take, *reply;
	char conv[64];
	size_t n = x->report.nfindings;
	int64_t id = 0;
	int rc;

	if (!p->audit)
		return 0;
	unreserve(x);
	n += x->hreport.nfindings;
	af = calloc(n ? n : 1, sizeof(*af));
	ac = changes_of(&x->rw);
	if (af) {
		findings_of(&x->report, x->acts, af);
		findings_of(&x->hreport, x->hacts, af + x->report.nfindings);
	}
	conversation_of(x, req, conv, sizeof(conv));
	fill_record(x, req, status, &ax);
	ax.conversation = conv;
	ax.request_body = recorded_body(x, &take);
	ax.findings = af;
	ax.nfindings = n;
	ax.changes = ac;
	ax.nchanges = x->rw.nchanges;
	/* The bodies are handed over, not copied again: 200 KB a request. */
	reply = x->reply.data ? (uint8_t *)buf_take(&x->reply) : NULL;
	if (!af || !ac || (x->body_len && !ax.request_body)) {
		free(take);
		free(reply);
		rc = AUDIT_ENOMEM;
	} else {
		rc = audit_submit_take_id(p->audit, &ax, take, reply, &id);
	}
	if (rc && p->cfg.log)
		fprintf(p->cfg.log, "overt: #%llu not recorded in the audit log: %s\n",
			(unsigned long long)req->id, audit_strerror(rc));
	free(af);
	free(ac);
	return rc ? 0 : id;
}

/* A report for a new exchange: a spare one, or a fresh one. */
static void report_take(struct proxy *p, struct scan_report *r)
{
	if (!p->nspare) {
		scan_report_init(r);
		return;
	}
	/* No findings of the exchange before, even where no scan runs (a
	 * request without a body, one refused before the scan). */
	*r = p->spare[--p->nspare];
	r->findings = NULL;
	r->nfindings = 0;
	r->suppressed = 0;
	r->error = 0;
	r->error_offset = 0;
	r->error_msg[0] = '\0';
}

/* The report of an ended exchange, kept as a spare when there is room.
 * Its findings are dropped at the next scan (scan_ctx_start). */
static void report_give(struct proxy *p, struct scan_report *r)
{
	if (p->nspare < SPARE_REPORTS)
		p->spare[p->nspare++] = *r;
	else
		scan_report_release(r);
	scan_report_init(r);
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
	report_take(p, &x->report);
	report_take(p, &x->hreport);
	proxy_rewrite_init(&x->rw);
	buf_init(&x->decoded, 0);
	buf_init(&x->url, 64 * 1024);
	buf_init(&x->reply, MAX_RECORDED_REPLY);
	return x;
}

static void exchange_free(struct exchange *x)
{
	unreserve(x);
	free(x->held_msg);
	report_give(x->p, &x->report);
	report_give(x->p, &x->hreport);
	free(x->hacts);
	proxy_rewrite_release(&x->rw);
	buf_release(&x->decoded);
	free(x->acts);
	free(x->headers);
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
	/* --sync relays every reply chunked, so its end is a chunk that can
	 * wait for the commit; with a length the last byte would end it. */
	if (x->p->cfg.sync && x->p->audit)
		length = NULL;
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

static void unhold(struct exchange *x)
{
	struct exchange **h;

	for (h = &x->p->held; *h; h = &(*h)->held_next)
		if (*h == x) {
			*h = x->held_next;
			break;
		}
}

/* --sync: the agent went away while its reply's end waited. */
static void on_cancel_held(void *arg)
{
	struct exchange *x = arg;

	unhold(x);
	exchange_free(x);
}

/* --sync: end every held reply whose record is committed; cut off those
 * whose record was lost, so the agent never sees a complete reply that
 * the log does not have. */
static void on_committed(uv_async_t *a)
{
	struct proxy *p = a->data;
	struct exchange **h = &p->held, *x;
	int d;

	while ((x = *h) != NULL) {
		d = audit_durable(p->audit, x->ticket);
		if (!d) {
			h = &x->held_next;
			continue;
		}
		*h = x->held_next;
		/* A refusal forwarded nothing: it goes out even when its record
		 * was lost, as the agent must learn it was refused. */
		if (x->held_msg)
			refuse(x->res, x->api, x->held_status, x->held_msg);
		else if (d > 0)
			http_res_stream_end(x->res);
		else
			http_res_abort(x->res);
		exchange_free(x);
	}
}

static void notify_committed(void *ctx)
{
	uv_async_send(ctx);
}

/*
 * --sync: the reply is relayed but not ended (the last chunk, or with
 * HTTP/1.0 the close) until the writer has committed its record, which
 * holds the reply as relayed.  A record that could not be submitted (@id
 * 0) cannot become durable: the reply is cut off instead.
 */
static void hold_end(struct exchange *x, int64_t id)
{
	struct proxy *p = x->p;

	if (!id) {
		if (x->held_msg)
			refuse(x->res, x->api, x->held_status, x->held_msg);
		else
			http_res_abort(x->res);
		exchange_free(x);
		return;
	}
	x->ticket = audit_ticket(p->audit);
	x->held_next = p->held;
	p->held = x;
	http_res_callbacks(x->res, NULL, on_cancel_held, x);
	audit_flush(p->audit); /* commit now, not after the batch time */
	on_committed(&p->committed); /* the writer may have been quick */
}

/* Send a refusal whose exchange is recorded as @id: with --sync once the
 * record is committed, else now.  Frees @x. */
static void refuse_end(struct exchange *x, int status, const char *msg, int64_t id)
{
	if (x->p->cfg.sync && x->p->audit) {
		x->held_status = status;
		x->held_msg = strdup(msg);
		if (x->held_msg) {
			hold_end(x, id);
			return;
		}
	}
	refuse(x->res, x->api, status, msg);
	exchange_free(x);
}

static void on_done(void *arg, int error, const char *message)
{
	struct exchange *x = arg;
	char msg[512];
	int64_t id;

	x->up = NULL;
	if (x->cancelled) {
		/* Still inside the cancel callback: the request is valid. */
		record(x->p, x, http_res_request(x->res), x->status);
		exchange_free(x);
		return;
	}
	id = record(x->p, x, http_res_request(x->res), error && !x->head_sent ? 502 : x->status);
	flush_log(x->p);
	if (error && !x->head_sent) {
		snprintf(msg, sizeof(msg), "overt could not reach the upstream %s: %s",
			 x->url.data, message ? message : "unknown error");
		refuse_end(x, 502, msg, id);
		return;
	} else {
		if (error && x->p->cfg.log)
			fprintf(x->p->cfg.log, "overt: #%llu upstream reply cut short: %s\n",
				(unsigned long long)x->id, message ? message : "unknown error");
		if (x->p->cfg.sync && x->p->audit) {
			hold_end(x, id);
			return;
		}
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
	if (x->rw.nchanges)
		rc = upstream_start(p->up, req->method, x->url.data, x->headers,
				    x->nheaders, (const uint8_t *)x->rw.body.data,
				    x->rw.body.len, &cbs, x, &x->up);
	else
		rc = upstream_start(p->up, req->method, x->url.data, req->headers,
				    req->nheaders, req->body, req->body_len, &cbs, x, &x->up);
	if (rc) {
		refuse(x->res, x->api, 502, "overt could not start the upstream request");
		exchange_free(x);
	}
}

/* Refuse before anything goes upstream, and record that. */
static void refuse_recorded(struct exchange *x, struct http_request *req, int status,
			    const char *msg, enum proxy_action action)
{
	x->action = action;
	int64_t id = record(x->p, x, req, status);

	flush_log(x->p); /* the lines about a refusal are out before it is */
	refuse_end(x, status, msg, id);
}

/* Refuse @x with 503 for @why, unless the proxy fails open: then forward
 * it and raise an alarm.  False when refused. */
static bool audit_refuse(struct proxy *p, struct exchange *x, struct http_request *req,
			 const char *why)
{
	char msg[512];

	if (p->cfg.fail_open) {
		if (p->cfg.log)
			fprintf(p->cfg.log, "overt: ALARM: #%llu forwarded without an audit "
				"record: %s\n", (unsigned long long)req->id, why);
		return true;
	}
	snprintf(msg, sizeof(msg), "overt cannot record this request in its audit log (%s), "
		 "so it refuses it; free space, fix the log or retry later, or run the "
		 "proxy with --fail-open", why);
	if (p->cfg.log)
		fprintf(p->cfg.log, "overt: #%llu refused: %s\n", (unsigned long long)req->id, why);
	refuse(x->res, x->api, 503, msg);
	exchange_free(x);
	return false;
}

/*
 * The audit log must be writable and have room for this exchange's record
 * before anything is forwarded, unless the proxy was told to fail open.
 * The record is submitted only when the exchange ends, so a slot is
 * reserved now (counted against the queue's room with every exchange let
 * through and not yet submitted): a request that goes upstream is one the
 * log can take, instead of one whose record is dropped afterwards.
 */
static bool audit_ok(struct proxy *p, struct exchange *x, struct http_request *req)
{
	struct audit_status st;

	if (!p->audit)
		return true;
	if (!audit_healthy(p->audit)) {
		audit_status(p->audit, &st);
		return audit_refuse(p, x, req, st.message);
	}
	if (audit_room(p->audit) <= p->audit_reserved)
		return audit_refuse(p, x, req, "its write queue is full");
	x->reserved = true;
	p->audit_reserved++;
	return true;
}

/* Decode a compressed body for scanning; false when refused. */
static bool decode_request(struct proxy *p, struct exchange *x, struct http_request *req)
{
	const char *ce = http_request_header(req, "content-encoding");
	char msg[512];
	int rc;

	x->body = req->body;
	x->body_len = req->body_len;
	if (!ce || !strcasecmp(ce, "identity") || !req->body_len)
		return true; /* no body: nothing to decode, even if announced */
	/* The same limit as for the body on the wire: a bomb stops there. */
	buf_init(&x->decoded, p->cfg.max_body ? p->cfg.max_body : (size_t)32 << 20);
	rc = proxy_decode_body(ce, req->body, req->body_len, &x->decoded, msg, sizeof(msg));
	if (rc) {
		/* The record keeps the body as it came. */
		refuse_recorded(x, req, rc == DECODE_EUNKNOWN ? 415 : rc == DECODE_ETOOBIG ? 413
				: rc == DECODE_ECORRUPT ? 400 : 503, msg, PROXY_BLOCK);
		return false;
	}
	x->body = (const uint8_t *)(x->decoded.data ? x->decoded.data : "");
	x->body_len = x->decoded.len;
	return true;
}

/*
 * Normalize and redact: rewrite the body; when anything changed it goes
 * upstream uncompressed, so Content-Encoding is dropped (libcurl writes
 * the new Content-Length).  False when refused.
 */
static bool rewrite(struct exchange *x, struct http_request *req)
{
	size_t i;

	if (x->action != PROXY_NORMALIZE && x->action != PROXY_REDACT)
		return true;
	if (proxy_rewrite_body(x->body, x->body_len, &x->report, x->acts, &x->rw)) {
		/* Never forward what policy says must not go out as it is. */
		refuse_recorded(x, req, 503, "overt could not rewrite this request as its "
				"policy requires (out of memory or too large)", PROXY_BLOCK);
		return false;
	}
	if (!x->rw.nchanges)
		return true;
	x->headers = calloc(req->nheaders ? req->nheaders : 1, sizeof(*x->headers));
	if (!x->headers) {
		refuse_recorded(x, req, 503, "overt is out of memory", PROXY_BLOCK);
		return false;
	}
	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, "content-encoding"))
			x->headers[x->nheaders++] = req->headers[i];
	return true;
}

/* The rules whose findings block, at most four, and the first finding. */
struct fired {
	const char *rules[4];
	size_t nrules;
	bool more;
	const struct scan_finding *first;
};

static void rules_fired(const struct scan_report *rep, const enum proxy_action *acts,
			struct fired *fr)
{
	size_t i, k;

	for (i = 0; acts && i < rep->nfindings; i++) {
		const struct scan_finding *f = &rep->findings[i];

		if (acts[i] != PROXY_BLOCK)
			continue;
		fr->first = fr->first ? fr->first : f;
		for (k = 0; k < fr->nrules && strcmp(fr->rules[k], f->rule); k++)
			;
		if (k == fr->nrules && fr->nrules < 4)
			fr->rules[fr->nrules++] = f->rule;
		else if (k == fr->nrules)
			fr->more = true;
	}
}

/* Name the rules that fired (at most four) and where the first one did. */
static void block_message(struct proxy *p, struct exchange *x, int64_t id, char *msg,
			  size_t n)
{
	struct fired fired = { 0 };
	const struct scan_finding *first;
	const char *const *rules = fired.rules;
	size_t k, nrules, len;
	bool more;

	rules_fired(&x->report, x->acts, &fired);
	rules_fired(&x->hreport, x->hacts, &fired);
	first = fired.first;
	nrules = fired.nrules;
	more = fired.more;
	len = (size_t)snprintf(msg, n, "overt blocked this request by policy: rule");
	for (k = 0; k < nrules && len < n; k++)
		len += (size_t)snprintf(msg + len, n - len, "%s %s",
					k ? "," : nrules > 1 ? "s" : "", rules[k]);
	if (more && len < n)
		len += (size_t)snprintf(msg + len, n - len, " and others");
	if (first && len < n)
		len += (size_t)snprintf(msg + len, n - len, "; first at %s, byte %zu (%s): %s.",
					first->json_path, first->byte_offset,
					scan_severity_name(first->severity),
					!strcmp(first->category, "secret") ? "a secret"
									  : first->message);
	if (len >= n)
		return;
	if (id)
		snprintf(msg + len, n - len, " Details: overt log show %lld --db %s",
			 (long long)id, p->cfg.db);
	else
		snprintf(msg + len, n - len, " Details: the overt proxy's log, request #%llu",
			 (unsigned long long)x->id);
}

static void block(struct proxy *p, struct exchange *x, struct http_request *req)
{
	char msg[2048];
	int64_t id = record(p, x, req, 403);

	block_message(p, x, id, msg, sizeof(msg));
	flush_log(p);
	refuse_end(x, 403, msg, id);
}

static void handle(struct http_request *req, struct http_response *res, void *ctx)
{
	struct proxy *p = ctx;
	struct exchange *x = exchange_new(p, res, req);

	if (x && req->target && req->target[0] != '/' && req->target[0] != '*') {
		exchange_free(x);
		connect_refuse_plain(&p->tunnels, req, res); /* "GET http://host/" */
		flush_log(p);
		return;
	}
	if (!x) {
		refuse(res, api_of_path(req->path), 503, "overt is out of memory");
		return;
	}
	if (!audit_ok(p, x, req) || !decode_request(p, x, req))
		return;
	if (inspect(p, x, req) || inspect_headers(p, x, req)) {
		refuse_recorded(x, req, 503, "overt is out of memory", PROXY_BLOCK);
		return;
	}
	if (x->action == PROXY_BLOCK) {
		block(p, x, req);
		return;
	}
	if (rewrite(x, req))
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
	flush_log(p);
}

/* Before the loop waits: what this turn logged, in one write. */
static void flush_log(struct proxy *p)
{
	if (!p->log_out || fflush(p->cfg.log) || !p->log_len)
		return;
	fwrite(p->log_mem, 1, p->log_len, p->log_out);
	fflush(p->log_out);
	fseeko(p->cfg.log, 0, SEEK_SET);
}

static void on_log_flush(uv_prepare_t *h)
{
	flush_log(h->data);
}

/* Buffer cfg.log in memory, flushed each turn of the loop (flush_log);
 * without the memory, lines go straight out as before. */
static void buffer_log(struct proxy *p)
{
	FILE *mem;

	if (!p->cfg.log || !(mem = open_memstream(&p->log_mem, &p->log_len)))
		return;
	p->log_out = p->cfg.log;
	p->cfg.log = mem;
	uv_prepare_init(&p->loop, &p->log_flush);
	p->log_flush.data = p;
	uv_prepare_start(&p->log_flush, on_log_flush);
	uv_unref((uv_handle_t *)&p->log_flush); /* never what keeps the loop up */
}

static void unbuffer_log(struct proxy *p)
{
	if (!p->log_out)
		return;
	flush_log(p);
	fclose(p->cfg.log);
	free(p->log_mem);
	p->cfg.log = p->log_out;
	p->log_out = NULL;
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
	struct audit_options ao = { .queue_max = p->cfg.audit_queue_max };
	int rc;

	rc = p->cfg.db ? audit_open(p->cfg.db, &ao, &p->audit, err, errlen) : 0;
	if (!rc && p->audit && p->cfg.sync) {
		rc = uv_async_init(&p->loop, &p->committed, on_committed);
		if (rc)
			snprintf(err, errlen, "cannot start: %s", uv_strerror(rc));
		p->committed.data = p;
		p->committed_live = !rc;
		/* Only the held exchanges keep the loop running, not this. */
		if (!rc)
			uv_unref((uv_handle_t *)&p->committed);
		if (!rc)
			audit_set_notify(p->audit, notify_committed, &p->committed);
	}
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
	if (!rc && p->cfg.syslog_facility >= 0)
		openlog("overt", LOG_PID, p->cfg.syslog_facility ? p->cfg.syslog_facility
								  : LOG_AUTHPRIV);
	flush_log(p); /* "listening" is out before the ready file says so */
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
	buffer_log(p);
	rc = start(p, err, errlen);
	if (!rc)
		uv_run(&p->loop, UV_RUN_DEFAULT);
	else if (p->srv)
		http_server_stop(p->srv, 0);
	upstream_free(p->up);
	if (p->committed_live) {
		audit_set_notify(p->audit, NULL, NULL);
		uv_close((uv_handle_t *)&p->committed, NULL);
	}
	if (p->log_out)
		uv_close((uv_handle_t *)&p->log_flush, NULL);
	uv_run(&p->loop, UV_RUN_DEFAULT); /* close what is left */
	unbuffer_log(p);
	http_server_free(p->srv);
	uv_loop_close(&p->loop);
	/* Flush the log before saying goodbye: every exchange is in it. */
	if (p->audit && audit_close(p->audit) && !rc) {
		snprintf(err, errlen, "the audit log could not be completed");
		rc = -1;
	}
	if (p->cfg.syslog_facility >= 0)
		closelog();
	while (p->nspare)
		scan_report_release(&p->spare[--p->nspare]);
	free(p);
	return rc;
}
