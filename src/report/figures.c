/* The report's figures, from the per-point summaries and the per-run rows. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/figures.h"
#include "report/svg.h"

#define MAX_LINES TL_SVG_MAX_SERIES

void tl_fig_add(struct tl_fig_ctx *c, const char *id, struct tl_rbuf *svg)
{
	if (!tl_rbuf_ok(svg) || !svg->s)
		return;
	tl_rbuf_printf(c->html, "<figure>%s</figure>\n", svg->s);
	if (c->emit)
		c->emit(id, svg->s, c->emit_ctx);
	c->plots++;
}

/* Whether parameter k takes more than one value over the points. */
static int varies(const struct tl_fig_ctx *c, int k)
{
	for (uint32_t i = 1; i < c->npts; i++)
		if (strcmp(c->pts[i].param[k], c->pts[0].param[k]) != 0)
			return 1;
	return 0;
}

/* A line's label: the values of the varying parameters other than skip (and the buffer). */
static void line_label(const struct tl_fig_ctx *c, const struct tl_exp_psum *p, int skip,
		       char *buf, size_t len)
{
	static const char *const unit[TL_P_COUNT] = { [TL_P_FLOWS] = " flows",
						      [TL_P_RTT] = " RTT" };
	size_t n = 0;
	buf[0] = '\0';
	for (int k = 0; k < TL_P_COUNT && n < len; k++) {
		if (k == TL_P_BUFFER || k == skip || !varies(c, k))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s", n ? ", " : "", p->param[k],
				      unit[k] ? unit[k] : "");
	}
	if (!buf[0])
		snprintf(buf, len, "%s", p->param[TL_P_AQM]);
}

struct lines {
	char label[MAX_LINES][96];
	double *x[MAX_LINES], *y[MAX_LINES], *e[MAX_LINES];
	uint32_t n[MAX_LINES];
	unsigned count;
};

static void lines_free(struct lines *l)
{
	for (unsigned i = 0; i < l->count; i++) {
		free(l->x[i]);
		free(l->y[i]);
		free(l->e[i]);
	}
}

/* Points by line (label) in buffer order, metric m against buffer_bdp. */
static void collect_lines(const struct tl_fig_ctx *c, int m, struct lines *l)
{
	memset(l, 0, sizeof(*l));
	for (uint32_t i = 0; i < c->npts; i++) {
		const struct tl_exp_psum *p = &c->pts[i];
		char lab[96];
		if (isnan(p->mean[m]))
			continue;
		line_label(c, p, -1, lab, sizeof(lab));
		unsigned k;
		for (k = 0; k < l->count; k++)
			if (strcmp(l->label[k], lab) == 0)
				break;
		if (k == l->count) {
			if (l->count == MAX_LINES)
				continue;
			snprintf(l->label[k], sizeof(l->label[k]), "%s", lab);
			l->x[k] = calloc(c->npts, sizeof(double));
			l->y[k] = calloc(c->npts, sizeof(double));
			l->e[k] = calloc(c->npts, sizeof(double));
			l->count++;
			if (!l->x[k] || !l->y[k] || !l->e[k])
				continue;
		}
		if (!l->x[k] || !l->y[k] || !l->e[k])
			continue;
		/* insertion in buffer order */
		uint32_t j = l->n[k];
		while (j > 0 && l->x[k][j - 1] > p->buffer_bdp) {
			l->x[k][j] = l->x[k][j - 1];
			l->y[k][j] = l->y[k][j - 1];
			l->e[k][j] = l->e[k][j - 1];
			j--;
		}
		double scale = m == TL_M_GOODPUT ? 1e-6 : 1;
		l->x[k][j] = p->buffer_bdp;
		l->y[k][j] = p->mean[m] * scale;
		l->e[k][j] = p->sd[m] * scale;
		l->n[k]++;
	}
}

static void buffer_plot(struct tl_fig_ctx *c, const char *base, const char *ttl, int m,
			const char *ylabel, double ymax)
{
	struct lines l;
	char id[64], title[320];
	snprintf(id, sizeof(id), "%s%s", base, c->id_suffix);
	snprintf(title, sizeof(title), "%s%s", ttl, c->title_suffix);
	struct tl_svg_plot p = { .id = id, .title = title, .xlabel = "buffer (BDP, log scale)",
				 .ylabel = ylabel, .xlog = true, .y0 = true, .ymax_fixed = ymax };
	struct tl_rbuf b = { 0 };
	collect_lines(c, m, &l);
	for (unsigned i = 0; i < l.count; i++) {
		struct tl_svg_series *s = &p.s[p.ns++];
		snprintf(s->name, sizeof(s->name), "%s", l.label[i]);
		s->x = l.x[i];
		s->y = l.y[i];
		s->err = l.e[i];
		s->n = l.n[i];
		s->style = TL_SVG_LINE_MARKS;
	}
	if (p.ns) {
		tl_svg_plot(&b, &p);
		tl_fig_add(c, id, &b);
	}
	tl_rbuf_free(&b);
	lines_free(&l);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void jain_heatmap(struct tl_fig_ctx *c)
{
	double bufs[64];
	unsigned nb = 0, nr = 0;
	char rows[MAX_LINES][96], cols[64][32];
	const char *rp[MAX_LINES], *cp[64];
	for (uint32_t i = 0; i < c->npts && nb < 64; i++) {
		unsigned k;
		for (k = 0; k < nb && bufs[k] != c->pts[i].buffer_bdp; k++)
			;
		if (k == nb)
			bufs[nb++] = c->pts[i].buffer_bdp;
	}
	qsort(bufs, nb, sizeof(double), cmp_dbl);
	double *v = malloc(sizeof(double) * MAX_LINES * (nb ? nb : 1));
	if (!v)
		return;
	for (unsigned i = 0; i < MAX_LINES * nb; i++)
		v[i] = NAN;
	for (uint32_t i = 0; i < c->npts; i++) {
		char lab[96];
		const struct tl_exp_psum *p = &c->pts[i];
		line_label(c, p, -1, lab, sizeof(lab));
		unsigned r, k;
		for (r = 0; r < nr && strcmp(rows[r], lab) != 0; r++)
			;
		if (r == nr) {
			if (nr == MAX_LINES)
				continue;
			snprintf(rows[nr++], sizeof(rows[0]), "%s", lab);
		}
		for (k = 0; k < nb && bufs[k] != p->buffer_bdp; k++)
			;
		if (k < nb)
			v[r * nb + k] = p->mean[TL_M_JAIN];
	}
	unsigned cells = 0;
	for (unsigned i = 0; i < nr * nb; i++)
		cells += !isnan(v[i]);
	if (cells == 0) { /* no run finished: nothing to draw */
		free(v);
		return;
	}
	for (unsigned k = 0; k < nb; k++) {
		snprintf(cols[k], sizeof(cols[k]), "%g", bufs[k]);
		cp[k] = cols[k];
	}
	for (unsigned r = 0; r < nr; r++)
		rp[r] = rows[r];
	char id[64], title[320];
	snprintf(id, sizeof(id), "jain%s", c->id_suffix);
	snprintf(title, sizeof(title), "Jain's fairness index over all flows%s", c->title_suffix);
	struct tl_svg_heatmap h = { .id = id, .title = title,
				    .xlabel = "buffer (BDP)", .ylabel = "", .vlabel = "Jain (0-1)",
				    .cols = cp, .rows = rp, .ncols = nb, .nrows = nr, .v = v,
				    .vmin = 0, .vmax = 1 };
	struct tl_rbuf b = { 0 };
	tl_svg_heatmap(&b, &h);
	tl_fig_add(c, id, &b);
	tl_rbuf_free(&b);
	free(v);
}

static void facet_plots(struct tl_fig_ctx *c);

/* Whether two points agree on every axis but the buffer and the AQM. */
static int same_facet(const struct tl_exp_psum *a, const struct tl_exp_psum *b)
{
	for (int k = 0; k < TL_P_COUNT; k++)
		if (k != TL_P_BUFFER && k != TL_P_AQM && strcmp(a->param[k], b->param[k]) != 0)
			return 0;
	return 1;
}

/* "flows 10, rtt 10ms/100ms": the axes that vary between facets, with p's values. */
static void facet_label(const struct tl_fig_ctx *c, const struct tl_exp_psum *p, char *buf,
			size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int k = 0; k < TL_P_COUNT && n < len; k++)
		if (k != TL_P_BUFFER && k != TL_P_AQM && varies(c, k))
			n += (size_t)snprintf(buf + n, len - n, "%s%s %s", n ? ", " : "",
					      tl_exp_param_name(k), p->param[k]);
}

void tl_fig_buffer_plots(struct tl_fig_ctx *c)
{
	struct tl_exp_psum *sub = malloc((c->npts ? c->npts : 1) * sizeof(*sub));
	char *done = calloc(c->npts + 1, 1), label[128];
	unsigned nf = 0;
	int faceted = 0;
	for (uint32_t i = 1; i < c->npts; i++)
		faceted = faceted || !same_facet(&c->pts[0], &c->pts[i]);
	for (uint32_t i = 0; sub && done && i < c->npts; i++) {
		uint32_t n = 0;
		if (done[i])
			continue;
		for (uint32_t j = i; j < c->npts; j++)
			if (!done[j] && same_facet(&c->pts[i], &c->pts[j])) {
				sub[n++] = c->pts[j];
				done[j] = 1;
			}
		struct tl_fig_ctx f = *c;
		f.pts = sub;
		f.npts = n;
		f.plots = 0;
		if (faceted) {
			facet_label(c, &sub[0], label, sizeof(label));
			snprintf(f.id_suffix, sizeof(f.id_suffix), "-%u", ++nf);
			snprintf(f.title_suffix, sizeof(f.title_suffix), " (%s)", label);
			tl_rbuf_printf(c->html, "<h3>");
			tl_rbuf_esc(c->html, label);
			tl_rbuf_printf(c->html, "</h3>\n");
		}
		facet_plots(&f);
		c->plots += f.plots;
	}
	free(sub);
	free(done);
}

static void facet_plots(struct tl_fig_ctx *c)
{
	int mix = 0;
	char title[160], ylab[96], first[32] = "";
	for (uint32_t i = 0; i < c->npts; i++)
		if (strchr(c->pts[i].param[TL_P_CC], ',')) {
			mix = 1;
			snprintf(first, sizeof(first), "%.*s",
				 (int)strcspn(c->pts[i].param[TL_P_CC], ":,"), c->pts[i].param[TL_P_CC]);
			break;
		}
	if (mix) {
		snprintf(title, sizeof(title), "Throughput share of %s against the buffer", first);
		snprintf(ylab, sizeof(ylab), "share of %s (0-1; 0.5 = fair with two groups)", first);
		buffer_plot(c, "share", title, TL_M_CC_SHARE, ylab, 1);
	}
	jain_heatmap(c);
	buffer_plot(c, "utilisation", "Link utilisation: goodput / (rate x 1448/1514)",
		    TL_M_UTIL, "utilisation (0-1)", 1);
	buffer_plot(c, "qdelay", "Queue delay at the bottleneck, p99", TL_M_QD99,
		    "queue delay p99 (ms)", 0);
}

void tl_fig_window(struct tl_fig_ctx *c)
{
	int kclamp = varies(c, TL_P_CLAMP);
	if (!varies(c, TL_P_RCVBUF) && !kclamp)
		return;
	double *x = calloc(c->npts + 1, sizeof(double)), *y = calloc(c->npts + 1, sizeof(double));
	double *e = calloc(c->npts + 1, sizeof(double)), ax[1], ay[1];
	double wx[64], wy[64], lx[2], ly[2], rtt = 0, rate = 0, lo = INFINITY, hi = 0;
	uint32_t n = 0, na = 0;
	struct tl_svg_plot p = { .id = "window", .title = "Throughput against the receive window",
				 .xlabel = "receive buffer asked (bytes, log scale); autotuning: what it grew to",
				 .ylabel = "goodput (Mbit/s)", .xlog = true, .y0 = true };
	for (uint32_t i = 0; x && y && e && i < c->npts; i++) {
		const struct tl_exp_psum *q = &c->pts[i];
		double w = kclamp ? q->clamp_bytes : q->rcvbuf_bytes;
		rtt = q->rtt_max_ms;
		rate = q->rate_bps;
		if (isnan(q->mean[TL_M_GOODPUT]))
			continue;
		if (w == 0) { /* autotuning: where its window ended, read from the flows */
			sqlite3_stmt *st = NULL;
			ax[0] = NAN;
			if (sqlite3_prepare_v2(c->db, "SELECT avg(rcvbuf) FROM flows WHERE point = ?",
					       -1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_int64(st, 1, q->point);
				if (sqlite3_step(st) == SQLITE_ROW)
					ax[0] = sqlite3_column_double(st, 0);
			}
			sqlite3_finalize(st);
			ay[0] = q->mean[TL_M_GOODPUT] / 1e6;
			na = 1;
			continue;
		}
		x[n] = w;
		y[n] = q->mean[TL_M_GOODPUT] / 1e6;
		e[n++] = q->sd[TL_M_GOODPUT] / 1e6;
		lo = fmin(lo, w);
		hi = fmax(hi, w);
	}
	if (n && rtt > 0) {
		struct tl_rbuf b = { 0 };
		p.s[p.ns++] = (struct tl_svg_series){ .x = x, .y = y, .err = e, .n = n,
						      .style = TL_SVG_LINE_MARKS };
		snprintf(p.s[0].name, sizeof(p.s[0].name), "measured");
		if (na) {
			p.s[p.ns] = (struct tl_svg_series){ .x = ax, .y = ay, .n = 1,
							    .style = TL_SVG_MARKS };
			snprintf(p.s[p.ns++].name, sizeof(p.s[0].name), "kernel autotuning");
		}
		/* W/RTT: a window-limited flow sends one window per round trip [RFC7323-1]. */
		unsigned nw = 0;
		for (double w = lo; w <= hi * 1.0001 && nw < 64; w *= pow(hi / lo, 1.0 / 40), nw++) {
			wx[nw] = w;
			wy[nw] = fmin(w * 8 / (rtt / 1e3) / 1e6, rate * 1.3 / 1e6);
			if (hi <= lo)
				break;
		}
		p.s[p.ns] = (struct tl_svg_series){ .x = wx, .y = wy, .n = nw ? nw : 1,
						    .style = TL_SVG_LINE, .dashed = 1 };
		snprintf(p.s[p.ns++].name, sizeof(p.s[0].name), "W / RTT (%g ms)", rtt);
		lx[0] = lo;
		lx[1] = hi;
		ly[0] = ly[1] = rate * 1448.0 / 1514.0 / 1e6;
		p.s[p.ns] = (struct tl_svg_series){ .x = lx, .y = ly, .n = 2, .style = TL_SVG_LINE,
						    .dashed = 2 };
		snprintf(p.s[p.ns++].name, sizeof(p.s[0].name), "link: rate x 1448/1514");
		tl_svg_plot(&b, &p);
		tl_fig_add(c, "window", &b);
		tl_rbuf_free(&b);
	}
	free(x);
	free(y);
	free(e);
}
