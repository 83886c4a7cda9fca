/* SPDX-License-Identifier: MIT */
/*
 * run_record.c - a session of `overt run` in the audit log: its start
 * (the command and the policy) before the proxy opens the log, its end
 * (the status and what the sandbox achieved) after the proxy has closed
 * it.  The log has one writer at a time, so the two records bracket the
 * proxy's own and all of them are links of the same hash chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "cmd/run.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/banned.h"

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int json_list(struct buf *b, const char *key, const char *const *v, size_t n)
{
	size_t i;
	int rc = buf_printf(b, "%s\"%s\":[", b->len > 1 ? "," : "", key);

	for (i = 0; !rc && i < n; i++) {
		rc = i ? buf_addc(b, ',') : 0;
		rc = rc ? rc : json_write_string(b, v[i], strlen(v[i]));
	}
	return rc ? rc : buf_addc(b, ']');
}

static int json_kv(struct buf *b, const char *key, const char *v)
{
	int rc = buf_printf(b, "%s\"%s\":", b->len > 1 ? "," : "", key);

	if (rc)
		return rc;
	return v ? json_write_string(b, v, strlen(v)) : buf_adds(b, "null");
}

/* The names of the variables dropped, never their values. */
static int dropped_names(struct buf *b, const struct sbx_env *d)
{
	const char **names = calloc(d->n + 1, sizeof(*names));
	size_t i;
	int rc;

	if (!names)
		return -1;
	for (i = 0; i < d->n; i++) {
		names[i] = d->v[i];
		((char *)d->v[i])[strcspn(d->v[i], "=")] = '\0';
	}
	rc = json_list(b, "env_dropped", names, d->n);
	free(names);
	return rc;
}

static int policy_json(struct buf *b, const struct run_opts *o, const struct run_session *s)
{
	int rc = buf_addc(b, '{');

	rc = rc ? rc : json_kv(b, "upstream", o->upstream);
	rc = rc ? rc : json_kv(b, "cwd", s->cwd);
	rc = rc ? rc : json_kv(b, "agent", s->agent ? s->agent->name : NULL);
	rc = rc ? rc : json_list(b, "allow_read", o->read.v, o->read.n);
	rc = rc ? rc : json_list(b, "allow_write", o->write.v, o->write.n);
	rc = rc ? rc : json_list(b, "allow_host", o->hosts.v, o->hosts.n);
	rc = rc ? rc : json_list(b, "hidden", o->hide.v, o->hide.n);
	rc = rc ? rc : json_list(b, "env_pass", o->pass.v, o->pass.n);
	rc = rc ? rc : dropped_names(b, &s->dropped);
	rc = rc ? rc : json_kv(b, "home", s->home[0] ? s->home : NULL);
	rc = rc ? rc : buf_printf(b, ",\"allow_degraded\":%s}", o->degraded ? "true" : "false");
	return rc;
}

static int submit(const struct run_opts *o, const struct audit_event *ev)
{
	struct audit_store *st;
	char err[512];
	int rc;

	rc = audit_open(o->db_path, NULL, &st, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "overt: %s\n", err);
		return -1;
	}
	rc = audit_submit_event(st, ev);
	if (audit_close(st) || rc) {
		fprintf(stderr, "overt: cannot record the session in '%s': %s\n", o->db_path,
			audit_strerror(rc ? rc : AUDIT_EIO));
		return -1;
	}
	return 0;
}

int run_record_start(struct run_opts *o, struct run_session *s)
{
	struct audit_event ev = { 0 };
	struct buf cmd, policy;
	size_t n;
	int rc;

	s->start_ms = now_ms();
	if (!o->db_path)
		return 0;
	buf_init(&cmd, 1 << 20);
	buf_init(&policy, 1 << 20);
	for (n = 0; o->argv[n]; n++)
		;
	rc = json_list(&cmd, "argv", (const char *const *)o->argv, n);
	rc = rc ? rc : policy_json(&policy, o, s);
	if (!rc) {
		ev.time_ms = s->start_ms;
		ev.kind = "session.start";
		ev.target = strchr(cmd.data, '[');
		ev.verdict = "start";
		ev.detail = policy.data;
		rc = submit(o, &ev);
	}
	buf_release(&cmd);
	buf_release(&policy);
	return rc ? -1 : 0;
}

void run_record_end(struct run_opts *o, struct run_session *s, int rc, int status)
{
	const char *steps = s->report.degraded_steps;
	struct audit_event ev = { 0 };
	char verdict[32];
	struct buf detail;
	int err;

	if (!o->db_path || !s->start_ms)
		return;
	snprintf(verdict, sizeof(verdict), rc && rc != SBX_EEXEC ? "failed" : "exit %d", status);
	buf_init(&detail, 4096);
	err = buf_printf(&detail, "{\"status\":%d,\"setup_ms\":%.2f,\"landlock_abi\":%d,"
			 "\"degraded\":%u,\"degraded_steps\":", status, s->report.setup_ms,
			 s->report.landlock_abi, s->report.degraded);
	err = err ? err : json_write_string(&detail, steps, strlen(steps));
	err = err ? err : buf_printf(&detail, ",\"ms\":%lld}", (long long)(now_ms() - s->start_ms));
	ev.time_ms = now_ms();
	ev.kind = "session.end";
	ev.target = o->argv[0];
	ev.verdict = verdict;
	ev.detail = err ? NULL : detail.data;
	submit(o, &ev);
	buf_release(&detail);
}
