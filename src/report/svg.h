#ifndef TCPLAB_REPORT_SVG_H
#define TCPLAB_REPORT_SVG_H

#include <stdbool.h>
#include <stdint.h>

#include "report/buf.h"

/*
 * Plots as standalone SVG elements. Every data mark (a point's marker, a heatmap cell) is
 * an element with class="mark", and the <svg> carries data-marks="N", its number of marks,
 * so a test can check in a browser that each plot drew all its data. Colours are the
 * Okabe-Ito palette, distinguishable with the common colour-vision deficiencies [OKABEITO],
 * and each series also has its own marker shape, so colour is never the only cue.
 */

enum tl_svg_style { TL_SVG_LINE_MARKS, TL_SVG_LINE, TL_SVG_STEP, TL_SVG_MARKS };

struct tl_svg_series {
	char name[96];
	const double *x, *y, *err; /* err may be NULL: no error bars */
	uint32_t n;
	enum tl_svg_style style;
	int dashed;                /* reference lines (W/RTT, link rate): 1 dashed, 2 dotted */
};

#define TL_SVG_MAX_SERIES 16

struct tl_svg_plot {
	const char *id;            /* the element id, and the file name with --svg */
	const char *title;
	const char *xlabel, *ylabel; /* with their units: "buffer (BDP)" */
	bool xlog, ylog;
	bool y0;                   /* the y axis starts at 0 */
	double ymax_fixed;         /* > 0: the y axis ends there (shares: 1) */
	struct tl_svg_series s[TL_SVG_MAX_SERIES];
	unsigned ns;
};

/* Appends the plot as <svg ...>...</svg>. */
void tl_svg_plot(struct tl_rbuf *b, const struct tl_svg_plot *p);

/*
 * A heatmap: rows x cols cells with values v[r * cols + c] (NAN: no data, drawn hatched and
 * not counted as a mark), on a sequential colour scale from vmin to vmax with its legend.
 */
struct tl_svg_heatmap {
	const char *id, *title, *xlabel, *ylabel, *vlabel;
	const char *const *cols, *const *rows;
	unsigned ncols, nrows;
	const double *v;
	double vmin, vmax;
};
void tl_svg_heatmap(struct tl_rbuf *b, const struct tl_svg_heatmap *h);

#endif
