#ifndef TCPLAB_REPORT_REPORT_H
#define TCPLAB_REPORT_REPORT_H

#include "util/err.h"

struct sqlite3;

/*
 * Writes the report of a campaign database: one self-contained HTML file (inline SVG and
 * CSS, no script, no external file) at html_path, and with svg_dir, every plot also as
 * svg_dir/ID.svg. Which plots appear depends on the axes: a cc mix gives the share plot, a
 * window axis the window sweep, a probe the latency CDF.
 */
int tl_report_write(struct sqlite3 *db, const char *html_path, const char *svg_dir,
		    unsigned *plots, struct tl_err *err);

#endif
