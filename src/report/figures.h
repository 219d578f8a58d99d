#ifndef TCPLAB_REPORT_FIGURES_H
#define TCPLAB_REPORT_FIGURES_H

#include <stdint.h>

#include "exp/summary.h"
#include "report/buf.h"

struct sqlite3;

/*
 * The figures of a report. Each appends complete <svg> elements to out, one per plot, and
 * calls emit(id, svg text, ctx) for each so the caller can also write it alone.
 */
typedef void (*tl_fig_emit)(const char *id, const char *svg, void *ctx);

struct tl_fig_ctx {
	struct sqlite3 *db;
	const struct tl_exp_psum *pts;
	uint32_t npts;
	tl_fig_emit emit;
	void *emit_ctx;
	struct tl_rbuf *html;
	unsigned plots;
	char id_suffix[16];       /* "-2" for the second facet of the buffer plots */
	char title_suffix[160];   /* " (2 flows, RTT 10ms/100ms)" */
};

/*
 * Share, utilisation and queue delay against the buffer, one line per AQM, and the Jain
 * heatmap (AQM x buffer): one set per facet, a facet being the points that agree on every
 * axis but the buffer and the AQM (2 flows with equal RTTs, 10 flows with mixed RTTs...).
 */
void tl_fig_buffer_plots(struct tl_fig_ctx *c);
/* Throughput against the window, with W/RTT and the link rate. */
void tl_fig_window(struct tl_fig_ctx *c);
/* CDFs of the queue's sojourn time and of the probe's latency, one line per AQM. */
void tl_fig_cdfs(struct tl_fig_ctx *c);
/* Per point (at most TL_FIG_MAX_POINTS, the first TL_FIG_OPEN_POINTS unfolded): flows'
 * throughput and the queue over time, each point in a <details> element. */
#define TL_FIG_MAX_POINTS 200
#define TL_FIG_OPEN_POINTS 12
void tl_fig_timelines(struct tl_fig_ctx *c);

/* Appends an <svg> to the page and hands it to emit. */
void tl_fig_add(struct tl_fig_ctx *c, const char *id, struct tl_rbuf *svg);

#endif
