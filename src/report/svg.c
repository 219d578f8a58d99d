/* Line, step and marker plots and heatmaps as SVG, with axes, ticks, units and a legend. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/svg.h"

#define W 640
#define H 400
#define ML 72   /* margins: room for tick labels and axis titles */
#define MR 16
#define MT 36
#define MB 56

/* Okabe & Ito, "Color Universal Design" (2008): black excluded, used for axes. */
static const char *const palette[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7",
				       "#E69F00", "#56B4E9", "#F0E442", "#000000" };

struct scale {
	double lo, hi;
	bool log;
	int px0, px1;
};

static double map(const struct scale *s, double v)
{
	double a = s->log ? log10(s->lo) : s->lo, b = s->log ? log10(s->hi) : s->hi;
	double x = s->log ? log10(v > 0 ? v : s->lo) : v;
	return s->px0 + (x - a) / (b - a) * (s->px1 - s->px0);
}

static double nice_step(double range, int target)
{
	double raw = range / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void fmt_num(double v, char *buf, size_t len)
{
	double a = fabs(v);
	if (a >= 1e9)
		snprintf(buf, len, "%gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (a >= 1e4)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", fabs(v) < 1e-12 ? 0 : v);
}

static void ticks(struct tl_rbuf *b, const struct scale *s, bool xaxis)
{
	char lab[32];
	if (s->log) {
		for (double d = pow(10, floor(log10(s->lo))); d <= s->hi * 1.0001; d *= 10)
			for (int m = 1; m < 10; m++) {
				double v = d * m;
				if (v < s->lo * 0.9999 || v > s->hi * 1.0001)
					continue;
				double p = map(s, v);
				bool major = m == 1 || m == 2 || m == 5;
				if (!major)
					continue;
				fmt_num(v, lab, sizeof(lab));
				if (xaxis)
					tl_rbuf_printf(b, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' class='grid'/>"
						       "<text x='%.1f' y='%d' class='tick' text-anchor='middle'>%s</text>",
						       p, MT, p, H - MB, p, H - MB + 16, lab);
				else
					tl_rbuf_printf(b, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' class='grid'/>"
						       "<text x='%d' y='%.1f' class='tick' text-anchor='end'>%s</text>",
						       ML, p, W - MR, p, ML - 6, p + 4, lab);
			}
		return;
	}
	double step = nice_step(s->hi - s->lo, 6);
	for (double v = ceil(s->lo / step) * step; v <= s->hi + step * 1e-6; v += step) {
		double p = map(s, v);
		fmt_num(v, lab, sizeof(lab));
		if (xaxis)
			tl_rbuf_printf(b, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' class='grid'/>"
				       "<text x='%.1f' y='%d' class='tick' text-anchor='middle'>%s</text>",
				       p, MT, p, H - MB, p, H - MB + 16, lab);
		else
			tl_rbuf_printf(b, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' class='grid'/>"
				       "<text x='%d' y='%.1f' class='tick' text-anchor='end'>%s</text>",
				       ML, p, W - MR, p, ML - 6, p + 4, lab);
	}
}

/* The marker shapes, one per series, so colour is never the only cue. */
static void shape(struct tl_rbuf *b, unsigned shape, double x, double y, const char *col)
{
	switch (shape % 4) {
	case 0:
		tl_rbuf_printf(b, "<circle cx='%.1f' cy='%.1f' r='4' fill='%s'/>", x, y, col);
		break;
	case 1:
		tl_rbuf_printf(b, "<rect x='%.1f' y='%.1f' width='8' height='8' fill='%s'/>", x - 4,
			       y - 4, col);
		break;
	case 2:
		tl_rbuf_printf(b, "<path d='M%.1f %.1fl5 8h-10z' fill='%s'/>", x, y - 5, col);
		break;
	default:
		tl_rbuf_printf(b, "<path d='M%.1f %.1fl5 5l-5 5l-5-5z' fill='%s'/>", x, y - 5, col);
	}
}

static void marker(struct tl_rbuf *b, unsigned kind, double x, double y, const char *col,
		   const char *tip)
{
	tl_rbuf_printf(b, "<g class='mark'><title>");
	tl_rbuf_esc(b, tip);
	tl_rbuf_printf(b, "</title>");
	shape(b, kind, x, y, col);
	tl_rbuf_printf(b, "</g>");
}

static void bounds(const struct tl_svg_plot *p, struct scale *xs, struct scale *ys)
{
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	for (unsigned i = 0; i < p->ns; i++)
		for (uint32_t k = 0; k < p->s[i].n; k++) {
			double x = p->s[i].x[k], y = p->s[i].y[k];
			double e = p->s[i].err && !isnan(p->s[i].err[k]) ? p->s[i].err[k] : 0;
			if (isnan(x) || isnan(y) || (p->xlog && x <= 0) || (p->ylog && y <= 0))
				continue;
			xlo = fmin(xlo, x);
			xhi = fmax(xhi, x);
			ylo = fmin(ylo, y - e);
			yhi = fmax(yhi, y + e);
		}
	if (!isfinite(xlo)) {
		xlo = p->xlog ? 1 : 0;
		xhi = p->xlog ? 10 : 1;
		ylo = p->ylog ? 1 : 0;
		yhi = 1;
	}
	if (p->y0 && !p->ylog)
		ylo = fmin(ylo, 0);
	if (p->ymax_fixed > 0)
		yhi = fmax(yhi, p->ymax_fixed);
	if (xhi <= xlo && !p->xlog)
		xhi = xlo + 1;
	if (p->xlog) { /* a margin of a third of a decade, or more around a single value */
		double f = xhi > xlo ? pow(xhi / xlo, 0.06) : 2;
		xlo /= f;
		xhi *= f;
	}
	if (yhi <= ylo)
		yhi = ylo + (p->ylog ? ylo * 9 : fabs(ylo) + 1);
	if (!p->xlog) {
		double pad = (xhi - xlo) * 0.03;
		xlo -= xlo - pad < 0 && xlo >= 0 ? xlo : pad;
		xhi += pad;
	}
	if (!p->ylog)
		yhi += (yhi - ylo) * 0.05;
	*xs = (struct scale){ xlo, xhi, p->xlog, ML, W - MR };
	*ys = (struct scale){ ylo, yhi, p->ylog, H - MB, MT };
}

static void frame(struct tl_rbuf *b, const char *id, const char *title, const char *xl,
		  const char *yl, unsigned marks, int height)
{
	tl_rbuf_printf(b, "<svg xmlns='http://www.w3.org/2000/svg' class='plot' id='%s' "
		       "data-marks='%u' viewBox='0 0 %d %d' width='%d' height='%d' role='img'>"
		       "<style>.grid{stroke:#ddd}.tick{font:11px sans-serif;fill:#333}"
		       ".lab{font:13px sans-serif;fill:#000}.ttl{font:bold 14px sans-serif}"
		       ".leg{font:12px sans-serif}</style>"
		       "<rect width='%d' height='%d' fill='#fff'/><text x='%d' y='20' class='ttl'>",
		       id, marks, W, height, W, height, W, height, ML);
	tl_rbuf_esc(b, title);
	tl_rbuf_printf(b, "</text><text x='%d' y='%d' class='lab' text-anchor='middle'>",
		       (ML + W - MR) / 2, H - 12);
	tl_rbuf_esc(b, xl);
	tl_rbuf_printf(b, "</text><text transform='translate(16 %d) rotate(-90)' class='lab' "
		       "text-anchor='middle'>", (MT + H - MB) / 2);
	tl_rbuf_esc(b, yl);
	tl_rbuf_printf(b, "</text>");
}

/* Reference lines are grey; their dash patterns tell them apart. */
static const char *dash(int kind)
{
	return kind == 0 ? "" : kind == 1 ? " stroke-dasharray='6 4'" : " stroke-dasharray='2 3'";
}

static void series(struct tl_rbuf *b, const struct tl_svg_plot *p, unsigned i,
		   const struct scale *xs, const struct scale *ys)
{
	const struct tl_svg_series *s = &p->s[i];
	const char *col = s->dashed ? "#555" : palette[i % 8];
	char tip[160];
	if (s->style != TL_SVG_MARKS) {
		tl_rbuf_printf(b, "<polyline fill='none' stroke='%s' stroke-width='%s'%s points='",
			       col, s->dashed ? "1.5" : "2", dash(s->dashed));
		double py = NAN;
		for (uint32_t k = 0; k < s->n; k++) {
			if (isnan(s->y[k]) || isnan(s->x[k]))
				continue;
			double x = map(xs, s->x[k]), y = map(ys, s->y[k]);
			if (s->style == TL_SVG_STEP && !isnan(py))
				tl_rbuf_printf(b, "%.1f,%.1f ", x, py);
			tl_rbuf_printf(b, "%.1f,%.1f ", x, y);
			py = y;
		}
		tl_rbuf_printf(b, "'/>");
	}
	if (s->style != TL_SVG_LINE_MARKS && s->style != TL_SVG_MARKS)
		return;
	for (uint32_t k = 0; k < s->n; k++) {
		if (isnan(s->y[k]) || isnan(s->x[k]))
			continue;
		double x = map(xs, s->x[k]), y = map(ys, s->y[k]);
		if (s->err && !isnan(s->err[k]) && s->err[k] > 0) {
			double y1 = map(ys, s->y[k] - s->err[k]), y2 = map(ys, s->y[k] + s->err[k]);
			tl_rbuf_printf(b, "<path d='M%.1f %.1fV%.1fM%.1f %.1fh8M%.1f %.1fh8' stroke='%s' "
				       "stroke-width='1.5' class='errbar'/>", x, y1, y2, x - 4, y1, x - 4,
				       y2, col);
		}
		snprintf(tip, sizeof(tip), "%s: x=%g y=%g", s->name, s->x[k], s->y[k]);
		marker(b, i, x, y, col, tip);
	}
}

/* The legend sits under the plot, entries left to right, wrapped: it never hides data. */
#define LEG_ROW 18

static int legend_width(const struct tl_svg_series *s)
{
	return 36 + 7 * (int)strlen(s->name) + 16;
}

static int legend_rows(const struct tl_svg_plot *p)
{
	int x = ML, rows = p->ns ? 1 : 0;
	for (unsigned i = 0; i < p->ns; i++) {
		int w = legend_width(&p->s[i]);
		if (x + w > W - MR && x > ML) {
			rows++;
			x = ML;
		}
		x += w;
	}
	return rows;
}

static void legend(struct tl_rbuf *b, const struct tl_svg_plot *p)
{
	int x = ML, y = H + 4;
	for (unsigned i = 0; i < p->ns; i++) {
		const char *col = p->s[i].dashed ? "#555" : palette[i % 8];
		int w = legend_width(&p->s[i]);
		if (x + w > W - MR && x > ML) {
			x = ML;
			y += LEG_ROW;
		}
		tl_rbuf_printf(b, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='2'%s/>",
			       x, y - 4, x + 24, y - 4, col, dash(p->s[i].dashed));
		if (p->s[i].style == TL_SVG_LINE_MARKS || p->s[i].style == TL_SVG_MARKS)
			shape(b, i, x + 12, y - 4, col);
		tl_rbuf_printf(b, "<text x='%d' y='%d' class='leg'>", x + 30, y);
		tl_rbuf_esc(b, p->s[i].name);
		tl_rbuf_printf(b, "</text>");
		x += w;
	}
}

void tl_svg_plot(struct tl_rbuf *b, const struct tl_svg_plot *p)
{
	struct scale xs, ys;
	unsigned marks = 0;
	for (unsigned i = 0; i < p->ns; i++)
		if (p->s[i].style == TL_SVG_LINE_MARKS || p->s[i].style == TL_SVG_MARKS)
			for (uint32_t k = 0; k < p->s[i].n; k++)
				marks += !isnan(p->s[i].x[k]) && !isnan(p->s[i].y[k]);
	bounds(p, &xs, &ys);
	frame(b, p->id, p->title, p->xlabel, p->ylabel, marks, H + 6 + legend_rows(p) * LEG_ROW);
	ticks(b, &xs, true);
	ticks(b, &ys, false);
	tl_rbuf_printf(b, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#333'/>",
		       ML, MT, W - ML - MR, H - MT - MB);
	for (unsigned i = 0; i < p->ns; i++)
		series(b, p, i, &xs, &ys);
	legend(b, p);
	tl_rbuf_printf(b, "</svg>\n");
}

/* viridis at 5 stops (van der Walt and Smith, matplotlib, 2015): sequential, readable in
 * grey and with colour-vision deficiencies [VIRIDIS]. */
static void ramp(double t, char *buf, size_t len)
{
	static const int stops[5][3] = { { 68, 1, 84 }, { 59, 82, 139 }, { 33, 145, 140 },
					 { 94, 201, 98 }, { 253, 231, 37 } };
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	double f = t * 4;
	int i = f >= 4 ? 3 : (int)f;
	double u = f - i;
	snprintf(buf, len, "rgb(%d,%d,%d)", (int)(stops[i][0] + u * (stops[i + 1][0] - stops[i][0])),
		 (int)(stops[i][1] + u * (stops[i + 1][1] - stops[i][1])),
		 (int)(stops[i][2] + u * (stops[i + 1][2] - stops[i][2])));
}

void tl_svg_heatmap(struct tl_rbuf *b, const struct tl_svg_heatmap *h)
{
	unsigned marks = 0;
	char col[32], tip[160];
	for (unsigned i = 0; i < h->nrows * h->ncols; i++)
		marks += !isnan(h->v[i]);
	frame(b, h->id, h->title, h->xlabel, h->ylabel, marks, H);
	int pw = W - ML - MR - 70, ph = H - MT - MB;
	double cw = (double)pw / (h->ncols ? h->ncols : 1), ch = (double)ph / (h->nrows ? h->nrows : 1);
	for (unsigned r = 0; r < h->nrows; r++) {
		tl_rbuf_printf(b, "<text x='%d' y='%.1f' class='tick' text-anchor='end'>", ML - 6,
			       MT + (r + 0.5) * ch + 4);
		tl_rbuf_esc(b, h->rows[r]);
		tl_rbuf_printf(b, "</text>");
		for (unsigned c = 0; c < h->ncols; c++) {
			double v = h->v[r * h->ncols + c];
			double x = ML + c * cw, y = MT + r * ch;
			if (isnan(v)) {
				tl_rbuf_printf(b, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' "
					       "fill='#eee' stroke='#fff'/>", x, y, cw, ch);
				continue;
			}
			ramp((v - h->vmin) / (h->vmax - h->vmin), col, sizeof(col));
			snprintf(tip, sizeof(tip), "%s %s, %s %s: %.3f", h->ylabel, h->rows[r],
				 h->xlabel, h->cols[c], v);
			tl_rbuf_printf(b, "<g class='mark'><title>");
			tl_rbuf_esc(b, tip);
			tl_rbuf_printf(b, "</title><rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' "
				       "fill='%s' stroke='#fff'/><text x='%.1f' y='%.1f' class='tick' "
				       "text-anchor='middle' fill='%s'>%.2f</text></g>", x, y, cw, ch,
				       col, x + cw / 2, y + ch / 2 + 4,
				       (v - h->vmin) / (h->vmax - h->vmin) > 0.6 ? "#000" : "#fff", v);
		}
	}
	for (unsigned c = 0; c < h->ncols; c++) {
		tl_rbuf_printf(b, "<text x='%.1f' y='%d' class='tick' text-anchor='middle'>",
			       ML + (c + 0.5) * cw, H - MB + 16);
		tl_rbuf_esc(b, h->cols[c]);
		tl_rbuf_printf(b, "</text>");
	}
	for (int i = 0; i < 20; i++) {
		ramp(1 - i / 19.0, col, sizeof(col));
		tl_rbuf_printf(b, "<rect x='%d' y='%.1f' width='16' height='%.1f' fill='%s'/>",
			       W - MR - 50, MT + i * ph / 20.0, ph / 20.0 + 0.5, col);
	}
	tl_rbuf_printf(b, "<text x='%d' y='%d' class='tick'>%.2f</text><text x='%d' y='%d' "
		       "class='tick'>%.2f</text><text x='%d' y='%d' class='tick'>", W - MR - 30,
		       MT + 10, h->vmax, W - MR - 30, MT + ph, h->vmin, W - MR - 60, MT - 6);
	tl_rbuf_esc(b, h->vlabel);
	tl_rbuf_printf(b, "</text></svg>\n");
}
