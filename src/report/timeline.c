/* CDFs over the campaign and per-point time series, read from the per-run rows. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/figures.h"
#include "report/svg.h"

#define CDF_MARKS 100

struct col {
	double *v;
	uint32_t n, cap;
};

static void push(struct col *c, double v)
{
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? 2 * c->cap : 256;
		double *nv = realloc(c->v, cap * sizeof(double));
		if (!nv)
			return;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = v;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Values (weights w, or 1) sorted into at most CDF_MARKS points of the CDF. */
static uint32_t cdf(struct col *v, double *x, double *y)
{
	qsort(v->v, v->n, sizeof(double), cmp_dbl);
	uint32_t m = v->n < CDF_MARKS ? v->n : CDF_MARKS;
	for (uint32_t i = 0; i < m; i++) {
		uint32_t k = m == v->n ? i : (uint32_t)((double)(i + 1) * v->n / m) - 1;
		x[i] = v->v[k];
		y[i] = (double)(k + 1) / v->n;
	}
	return m;
}

/* One CDF line per AQM: sql returns (aqm_kind, value, count). */
static void cdf_plot(struct tl_fig_ctx *c, const char *id, const char *title, const char *xl,
		     const char *sql)
{
	struct col vals[TL_SVG_MAX_SERIES] = { 0 };
	char names[TL_SVG_MAX_SERIES][32];
	double xs[TL_SVG_MAX_SERIES][CDF_MARKS], ys[TL_SVG_MAX_SERIES][CDF_MARKS];
	unsigned n = 0;
	sqlite3_stmt *st = NULL;
	struct tl_svg_plot p = { .id = id, .title = title, .xlabel = xl,
				 .ylabel = "fraction of samples (CDF)", .y0 = true,
				 .ymax_fixed = 1 };
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		unsigned k;
		for (k = 0; k < n && strcmp(names[k], a ? a : "") != 0; k++)
			;
		if (k == n) {
			if (n == TL_SVG_MAX_SERIES)
				continue;
			snprintf(names[n++], sizeof(names[0]), "%s", a ? a : "");
		}
		int64_t cnt = sqlite3_column_int64(st, 2);
		for (int64_t j = 0; j < cnt && j < 100000; j++)
			push(&vals[k], sqlite3_column_double(st, 1));
	}
	sqlite3_finalize(st);
	for (unsigned k = 0; k < n; k++) {
		if (vals[k].n == 0)
			continue;
		struct tl_svg_series *s = &p.s[p.ns++];
		snprintf(s->name, sizeof(s->name), "%s", names[k]);
		s->n = cdf(&vals[k], xs[k], ys[k]);
		s->x = xs[k];
		s->y = ys[k];
		s->style = TL_SVG_LINE_MARKS;
	}
	if (p.ns) {
		struct tl_rbuf b = { 0 };
		tl_svg_plot(&b, &p);
		tl_fig_add(c, id, &b);
		tl_rbuf_free(&b);
	}
	for (unsigned k = 0; k < n; k++)
		free(vals[k].v);
}

void tl_fig_cdfs(struct tl_fig_ctx *c)
{
	cdf_plot(c, "qdelay-cdf", "Queue delay at the bottleneck (median of each 100 ms), CDF",
		 "queue delay (ms)", "SELECT p.aqm_kind, q.sojourn_p50_ms, 1 FROM queue q JOIN "
		 "points p USING (point) ORDER BY p.point");
	cdf_plot(c, "latency-cdf", "Latency under load (probe transactions), CDF",
		 "request-response latency (ms)", "SELECT p.aqm_kind, l.hi_ns / 1e6, l.count FROM "
		 "latency l JOIN points p USING (point) ORDER BY p.point");
}

/* Per-flow throughput of one run over time, one line per flow (at most 16). */
static void flows_over_time(struct tl_fig_ctx *c, const struct tl_exp_psum *q, char *id,
			    char *title)
{
	double *x[TL_SVG_MAX_SERIES] = { 0 }, *y[TL_SVG_MAX_SERIES] = { 0 };
	uint32_t cap = 4096;
	sqlite3_stmt *st = NULL;
	struct tl_svg_plot p = { .id = id, .title = title, .xlabel = "time in the window (s)",
				 .ylabel = "throughput (Mbit/s)", .y0 = true };
	if (sqlite3_prepare_v2(c->db, "SELECT i.flow, f.cc, f.rtt_ms, i.end_s, i.bps FROM "
			       "intervals i JOIN flows f USING (point, rep, flow) WHERE i.point = ? "
			       "AND i.rep = (SELECT min(rep) FROM runs WHERE point = ? AND status = "
			       "'ok') AND i.flow < 16 ORDER BY i.flow, i.k", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, q->point);
	sqlite3_bind_int64(st, 2, q->point);
	while (sqlite3_step(st) == SQLITE_ROW) {
		unsigned f = (unsigned)sqlite3_column_int64(st, 0);
		if (f >= TL_SVG_MAX_SERIES)
			continue;
		while (p.ns <= f) {
			x[p.ns] = calloc(cap, sizeof(double));
			y[p.ns] = calloc(cap, sizeof(double));
			p.s[p.ns].style = TL_SVG_LINE_MARKS;
			p.ns++;
		}
		struct tl_svg_series *s = &p.s[f];
		snprintf(s->name, sizeof(s->name), "flow %u (%s, %g ms)", f,
			 sqlite3_column_text(st, 1), sqlite3_column_double(st, 2));
		if (!x[f] || !y[f] || s->n >= cap)
			continue;
		x[f][s->n] = sqlite3_column_double(st, 3);
		y[f][s->n++] = sqlite3_column_double(st, 4) / 1e6;
		s->x = x[f];
		s->y = y[f];
	}
	sqlite3_finalize(st);
	if (p.ns) {
		struct tl_rbuf b = { 0 };
		tl_svg_plot(&b, &p);
		tl_fig_add(c, id, &b);
		tl_rbuf_free(&b);
	}
	for (unsigned i = 0; i < p.ns; i++) {
		free(x[i]);
		free(y[i]);
	}
}

static void queue_over_time(struct tl_fig_ctx *c, const struct tl_exp_psum *q, char *id,
			    char *title)
{
	uint32_t cap = 8192, n = 0;
	double *t = calloc(cap, sizeof(double)), *a = calloc(cap, sizeof(double));
	double *b99 = calloc(cap, sizeof(double));
	sqlite3_stmt *st = NULL;
	struct tl_svg_plot p = { .id = id, .title = title, .xlabel = "time in the window (s)",
				 .ylabel = "sojourn time in the queue (ms)", .y0 = true };
	if (t && a && b99 && sqlite3_prepare_v2(c->db, "SELECT t_s, sojourn_p50_ms, sojourn_p99_ms "
			       "FROM queue WHERE point = ? AND rep = (SELECT min(rep) FROM runs WHERE "
			       "point = ? AND status = 'ok') ORDER BY t_s", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, q->point);
		sqlite3_bind_int64(st, 2, q->point);
		while (sqlite3_step(st) == SQLITE_ROW && n < cap) {
			t[n] = sqlite3_column_double(st, 0);
			a[n] = sqlite3_column_double(st, 1);
			b99[n++] = sqlite3_column_double(st, 2);
		}
		sqlite3_finalize(st);
	}
	if (n) {
		struct tl_rbuf b = { 0 };
		p.s[0] = (struct tl_svg_series){ .name = "p50 of each 100 ms", .x = t, .y = a, .n = n,
						 .style = TL_SVG_LINE_MARKS };
		p.s[1] = (struct tl_svg_series){ .name = "p99 of each 100 ms", .x = t, .y = b99,
						 .n = n, .style = TL_SVG_LINE_MARKS };
		p.ns = 2;
		tl_svg_plot(&b, &p);
		tl_fig_add(c, id, &b);
		tl_rbuf_free(&b);
	}
	free(t);
	free(a);
	free(b99);
}

void tl_fig_timelines(struct tl_fig_ctx *c)
{
	char id[64], title[200];
	unsigned shown = 0;
	for (uint32_t i = 0; i < c->npts && shown < TL_FIG_MAX_POINTS; i++) {
		const struct tl_exp_psum *q = &c->pts[i];
		if (q->runs_ok == 0)
			continue;
		tl_rbuf_printf(c->html, "<details%s><summary id='point-%u'>Point %u: ",
			       shown < TL_FIG_OPEN_POINTS ? " open" : "", q->point, q->point);
		shown++;
		for (int k = 0; k < TL_P_COUNT; k++) {
			tl_rbuf_printf(c->html, "%s%s ", k ? ", " : "", tl_exp_param_name(k));
			tl_rbuf_esc(c->html, q->param[k]);
		}
		tl_rbuf_printf(c->html, "</summary>\n");
		snprintf(id, sizeof(id), "flows-%u", q->point);
		snprintf(title, sizeof(title), "Point %u: throughput of each flow (first run)",
			 q->point);
		flows_over_time(c, q, id, title);
		snprintf(id, sizeof(id), "queue-%u", q->point);
		snprintf(title, sizeof(title), "Point %u: the queue's sojourn time (first run)",
			 q->point);
		queue_over_time(c, q, id, title);
		tl_rbuf_printf(c->html, "</details>\n");
	}
	if (shown == TL_FIG_MAX_POINTS && c->npts > shown)
		tl_rbuf_printf(c->html, "<p>Time series are drawn for the first %u points; the "
			       "database holds every run's (tables intervals and queue).</p>\n",
			       TL_FIG_MAX_POINTS);
}
