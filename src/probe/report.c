/* SPDX-License-Identifier: MIT */
/*
 * report.c - what `overt probe` prints: a table per covert or visible
 * difference (the factors' levels -> the value, with code points), the
 * scanner's findings, and the noise in one line; or, with --format json,
 * JSON lines: one per cell, per difference, per finding and a summary.
 *
 * Nothing an agent sent reaches the terminal as is: outside printable
 * ASCII every character is written as ⟨U+XXXX⟩, so an invisible character
 * or a look-alike apostrophe is seen for what it is.
 */
#include <stdlib.h>
#include <string.h>

#include "overt.h"
#include "json/json.h"
#include "probe/probe.h"
#include "util/banned.h"

#define MAX_SHOWN_CPS 12

int probe_escape(struct buf *out, const char *s, size_t n)
{
	uint32_t *cps;
	size_t ncps, i;
	int rc = 0;

	if (!n)
		return 0;
	if (probe_utf8_cps(s, n, &cps, &ncps))
		return BUF_ENOMEM;
	for (i = 0; i < ncps && !rc; i++) {
		if (cps[i] >= 0x20 && cps[i] < 0x7f)
			rc = buf_addc(out, (char)cps[i]);
		else
			rc = buf_printf(out, "\xe2\x9f\xa8U+%04X\xe2\x9f\xa9", (unsigned)cps[i]);
	}
	free(cps);
	return rc;
}

static const char *class_name(enum probe_class c)
{
	return c == PROBE_COVERT ? "covert" : c == PROBE_VISIBLE ? "visible" : "noise";
}

/* "'" U+0027, or (absent), or a long value's first characters. */
static void show_value(FILE *out, const struct probe_value *v)
{
	struct buf b;
	uint32_t *cps;
	size_t n, i;

	if (!v->text) {
		fputs("(absent)", out);
		return;
	}
	buf_init(&b, (size_t)1 << 20);
	if (probe_utf8_cps(v->text, v->len, &cps, &n))
		return;
	buf_addc(&b, '"');
	probe_escape(&b, v->text, v->len > 200 ? 200 : v->len);
	buf_adds(&b, v->len > 200 ? "\"\xe2\x80\xa6" : "\"");
	if (n <= MAX_SHOWN_CPS)
		for (i = 0; i < n; i++)
			buf_printf(&b, " U+%04X", (unsigned)cps[i]);
	else
		buf_printf(&b, " (%zu code points)", n);
	if (!n)
		buf_adds(&b, " (empty)");
	fwrite(b.data, 1, b.len, out);
	buf_release(&b);
	free(cps);
}

static void factor_list(FILE *out, unsigned set, const char *sep)
{
	int f, first = 1;

	for (f = 0; f < PROBE_NFACTORS; f++)
		if (set >> f & 1) {
			fprintf(out, "%s%s", first ? "" : sep, probe_factor_name((enum probe_factor)f));
			first = 0;
		}
}

/* One row per combination of the explaining factors' levels. */
static void diff_table(FILE *out, const struct probe_plan *plan,
		       const struct probe_difference *d)
{
	size_t i, j;
	int f, w[PROBE_NFACTORS] = { 0 };

	for (f = 0; f < PROBE_NFACTORS; f++) {
		w[f] = (int)strlen(probe_factor_name((enum probe_factor)f));
		for (i = 0; i < plan->f[f].n; i++)
			if ((int)strlen(plan->f[f].v[i]) > w[f])
				w[f] = (int)strlen(plan->f[f].v[i]);
	}
	fputs("   ", out);
	for (f = 0; f < PROBE_NFACTORS; f++)
		if (d->factors >> f & 1)
			fprintf(out, " %-*s", w[f], probe_factor_name((enum probe_factor)f));
	fputs(" value\n", out);
	for (i = 0; i < plan->ncells; i++) {
		if (!d->took_part[i])
			continue;
		for (j = 0; j < i; j++) {
			if (!d->took_part[j])
				continue;
			for (f = 0; f < PROBE_NFACTORS; f++)
				if ((d->factors >> f & 1) && plan->cells[j].lv[f] != plan->cells[i].lv[f])
					break;
			if (f == PROBE_NFACTORS)
				break;
		}
		if (j < i)
			continue;
		fputs("   ", out);
		for (f = 0; f < PROBE_NFACTORS; f++)
			if (d->factors >> f & 1)
				fprintf(out, " %-*s", w[f], plan->f[f].v[plan->cells[i].lv[f]]);
		fputc(' ', out);
		show_value(out, &d->values[i]);
		fputc('\n', out);
	}
}

static void cell_problems(FILE *out, const struct probe_plan *plan)
{
	struct buf b;
	size_t i, ran = 0;

	for (i = 0; i < plan->ncells; i++)
		ran += plan->cells[i].ran && !plan->cells[i].setup_failed;
	fprintf(out, "%zu cells, %zu ran\n", plan->ncells, ran);
	buf_init(&b, 4096);
	for (i = 0; i < plan->ncells; i++) {
		const struct probe_cell *c = &plan->cells[i];

		if (c->setup_failed || (!c->timed_out && !c->status && c->nrequests))
			continue;
		buf_reset(&b);
		probe_cell_describe(plan, i, &b);
		fprintf(out, "  cell %zu (%s): %s", i + 1, b.data ? b.data : "",
			c->setup_failed ? "could not be set up" :
			c->timed_out ? "timed out" : "");
		if (!c->timed_out && c->status)
			fprintf(out, "agent exited with status %d", c->status);
		if (!c->nrequests)
			fprintf(out, "%sno request reached the mock", c->timed_out || c->status ? "; " : "");
		fputc('\n', out);
	}
	buf_release(&b);
}

void probe_report_text(FILE *out, const struct probe_plan *plan, const struct probe_result *res,
		       int show_noise)
{
	size_t i, n = 0, shown = 0;
	const struct probe_difference *d;
	const char *paths[4];

	cell_problems(out, plan);
	for (i = 0; i < res->ndiffs; i++) {
		d = &res->diffs[i];
		if (d->cls == PROBE_NOISE && !show_noise)
			continue;
		fprintf(out, "\n%s difference %zu: %s, ", class_name(d->cls), ++n, d->kind);
		if (d->cls == PROBE_NOISE) {
			fputs("differs between identical runs\n", out);
		} else {
			fputs("explained by ", out);
			factor_list(out, d->factors, " and ");
			fputc('\n', out);
		}
		fprintf(out, "  %s  %s", d->request, d->json_path);
		if (d->offset != SIZE_MAX)
			fprintf(out, "  at code point %zu", d->offset);
		fputc('\n', out);
		if (d->context)
			fprintf(out, "  %s\n", d->context);
		if (d->cls != PROBE_NOISE) {
			fprintf(out, "  %s\n", d->condition);
			diff_table(out, plan, d);
		}
	}
	if (res->nfindings)
		fprintf(out, "\nscanner findings (%zu):\n", res->nfindings);
	for (i = 0; i < res->nfindings; i++) {
		const struct probe_finding *f = &res->findings[i];

		fprintf(out, "  %s %s  %s  %s", f->severity, f->rule, f->endpoint, f->json_path);
		if (f->codepoint != UINT32_MAX)
			fprintf(out, "  U+%04X", (unsigned)f->codepoint);
		fprintf(out, "  in %u of %zu cells (%s)\n    %s\n", f->ncells, plan->ncells,
			f->cells, f->message);
	}
	if (res->nnoise && !show_noise) {
		fprintf(out, "\nnoise: %zu difference%s between identical runs (ids, timestamps)",
			res->nnoise, res->nnoise == 1 ? "" : "s");
		for (i = 0; i < res->ndiffs && shown < 4; i++) {
			size_t k;

			if (res->diffs[i].cls != PROBE_NOISE)
				continue;
			for (k = 0; k < shown && strcmp(paths[k], res->diffs[i].json_path); k++)
				;
			if (k < shown)
				continue;
			paths[shown] = res->diffs[i].json_path;
			fprintf(out, "%s %s", shown++ ? "," : ":", paths[k]);
		}
		fputs(shown < res->nnoise ? ", ...; --show-noise lists them\n" : "\n", out);
	}
	fprintf(out, "\n%zu covert, %zu visible, %zu noise\n", res->ncovert, res->nvisible,
		res->nnoise);
}

static void jstr(FILE *out, struct buf *b, const char *s)
{
	buf_reset(b);
	if (!s) {
		fputs("null", out);
		return;
	}
	json_write_string(b, s, strlen(s));
	fwrite(b->data, 1, b->len, out);
}

static void json_values(FILE *out, struct buf *b, const struct probe_plan *plan,
			const struct probe_difference *d)
{
	size_t i, k, n, first = 1;
	uint32_t *cps;

	fputs(",\"values\":[", out);
	for (i = 0; i < plan->ncells; i++) {
		if (!d->took_part[i])
			continue;
		fprintf(out, "%s{\"cell\":%zu,\"value\":", first ? "" : ",", i + 1);
		first = 0;
		if (!d->values[i].text) {
			fputs("null}", out);
			continue;
		}
		buf_reset(b);
		json_write_string(b, d->values[i].text, d->values[i].len);
		fwrite(b->data, 1, b->len, out);
		fputs(",\"codepoints\":[", out);
		if (!probe_utf8_cps(d->values[i].text, d->values[i].len, &cps, &n)) {
			for (k = 0; k < n && k < 64; k++)
				fprintf(out, "%s\"U+%04X\"", k ? "," : "", (unsigned)cps[k]);
			free(cps);
		}
		fputs("]}", out);
	}
	fputc(']', out);
}

static void json_cells(FILE *out, struct buf *b, const struct probe_plan *plan)
{
	size_t i;
	int f;

	for (i = 0; i < plan->ncells; i++) {
		const struct probe_cell *c = &plan->cells[i];

		fprintf(out, "{\"schema\":%d,\"type\":\"cell\",\"cell\":%zu,\"levels\":{", OVERT_SCHEMA,
			i + 1);
		for (f = 0; f < PROBE_NFACTORS; f++) {
			fprintf(out, "%s\"%s\":", f ? "," : "", probe_factor_name((enum probe_factor)f));
			jstr(out, b, plan->f[f].v[c->lv[f]]);
		}
		fprintf(out, "},\"repeat\":%u,\"setup_failed\":%s,\"status\":%d,\"timed_out\":%s,"
			     "\"requests\":%u,\"agent_ms\":%.1f,\"total_ms\":%.1f}\n",
			c->repeat, c->setup_failed ? "true" : "false", c->status,
			c->timed_out ? "true" : "false", c->nrequests, c->agent_ms, c->total_ms);
	}
}

void probe_report_json(FILE *out, const struct probe_plan *plan, const struct probe_result *res)
{
	struct buf b;
	size_t i;
	int f, first;

	buf_init(&b, (size_t)1 << 28);
	json_cells(out, &b, plan);
	for (i = 0; i < res->ndiffs; i++) {
		const struct probe_difference *d = &res->diffs[i];

		fprintf(out, "{\"schema\":%d,\"type\":\"difference\",\"class\":\"%s\",\"kind\":\"%s\","
			     "\"endpoint\":", OVERT_SCHEMA, class_name(d->cls), d->kind);
		jstr(out, &b, d->endpoint);
		fputs(",\"request\":", out);
		jstr(out, &b, d->request);
		fputs(",\"json_path\":", out);
		jstr(out, &b, d->json_path);
		if (d->offset != SIZE_MAX)
			fprintf(out, ",\"offset\":%zu", d->offset);
		fputs(",\"factors\":[", out);
		for (f = 0, first = 1; f < PROBE_NFACTORS; f++)
			if (d->factors >> f & 1) {
				fprintf(out, "%s\"%s\"", first ? "" : ",",
					probe_factor_name((enum probe_factor)f));
				first = 0;
			}
		fputs("],\"condition\":", out);
		jstr(out, &b, d->condition);
		fputs(",\"context\":", out);
		jstr(out, &b, d->context);
		json_values(out, &b, plan, d);
		fputs("}\n", out);
	}
	for (i = 0; i < res->nfindings; i++) {
		const struct probe_finding *fd = &res->findings[i];

		fprintf(out, "{\"schema\":%d,\"type\":\"finding\",\"rule\":", OVERT_SCHEMA);
		jstr(out, &b, fd->rule);
		fprintf(out, ",\"severity\":\"%s\",\"request\":", fd->severity);
		jstr(out, &b, fd->endpoint);
		fputs(",\"json_path\":", out);
		jstr(out, &b, fd->json_path);
		if (fd->codepoint != UINT32_MAX)
			fprintf(out, ",\"codepoint\":\"U+%04X\"", (unsigned)fd->codepoint);
		fputs(",\"message\":", out);
		jstr(out, &b, fd->message);
		fprintf(out, ",\"cells\":[%s]}\n", fd->cells ? fd->cells : "");
	}
	fprintf(out, "{\"schema\":%d,\"type\":\"summary\",\"cells\":%zu,\"covert\":%zu,"
		     "\"visible\":%zu,\"noise\":%zu,\"findings\":%zu}\n", OVERT_SCHEMA, plan->ncells,
		res->ncovert, res->nvisible, res->nnoise, res->nfindings);
	buf_release(&b);
}
