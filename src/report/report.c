/* The HTML page: the campaign's facts, its figures and a table of every point. */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exp/summary.h"
#include "report/figures.h"
#include "report/report.h"

struct svg_out {
	const char *dir;
	int failed;
	char path[600];
};

static void write_svg(const char *id, const char *svg, void *ctx)
{
	struct svg_out *o = ctx;
	if (!o->dir || o->failed)
		return;
	snprintf(o->path, sizeof(o->path), "%s/%s.svg", o->dir, id);
	FILE *f = fopen(o->path, "w");
	if (!f || fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n%s", svg) < 0)
		o->failed = errno ? errno : EIO;
	if (f && fclose(f) != 0)
		o->failed = errno;
}

static void facts(sqlite3 *db, struct tl_rbuf *h)
{
	sqlite3_stmt *st = NULL;
	const char *title = "tcplab campaign";
	if (sqlite3_prepare_v2(db, "SELECT title, command, version, host, kernel, cpus, "
			       "datetime(created_unix, 'unixepoch'), testbed FROM campaign", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		static const char *const names[] = { "", "command", "tcplab version", "host",
						     "kernel", "CPUs", "started (UTC)",
						     "testbed and host settings" };
		tl_rbuf_printf(h, "<h1>");
		tl_rbuf_esc(h, t && *t ? t : title);
		tl_rbuf_printf(h, "</h1>\n<table class='facts'>");
		for (int c = 1; c < 8; c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			tl_rbuf_printf(h, "<tr><th>%s</th><td>", names[c]);
			tl_rbuf_esc(h, v ? v : "");
			tl_rbuf_printf(h, "</td></tr>");
		}
		tl_rbuf_printf(h, "</table>\n");
	}
	sqlite3_finalize(st);
}

static void cell(struct tl_rbuf *h, double v, double sd, const char *fmt)
{
	char buf[64];
	if (isnan(v)) {
		tl_rbuf_printf(h, "<td></td>");
		return;
	}
	snprintf(buf, sizeof(buf), fmt, v);
	tl_rbuf_printf(h, "<td>%s", buf);
	if (!isnan(sd)) {
		snprintf(buf, sizeof(buf), fmt, sd);
		tl_rbuf_printf(h, " &plusmn; %s", buf);
	}
	tl_rbuf_printf(h, "</td>");
}

static void table(const struct tl_exp_psum *v, uint32_t n, struct tl_rbuf *h)
{
	static const struct {
		int m;
		const char *head, *fmt;
		double scale;
	} cols[] = {
		{ TL_M_GOODPUT, "goodput (Mbit/s)", "%.2f", 1e-6 },
		{ TL_M_UTIL, "utilisation", "%.3f", 1 },
		{ TL_M_JAIN, "Jain", "%.3f", 1 },
		{ TL_M_CC_SHARE, "share of first cc", "%.3f", 1 },
		{ TL_M_CC_RATIO, "cc ratio", "%.2f", 1 },
		{ TL_M_RTT_RATIO, "RTT ratio (short/long)", "%.2f", 1 },
		{ TL_M_QD50, "queue delay p50 (ms)", "%.2f", 1 },
		{ TL_M_QD99, "queue delay p99 (ms)", "%.2f", 1 },
		{ TL_M_DROPS, "drops", "%.0f", 1 },
		{ TL_M_MARKS, "ECN marks", "%.0f", 1 },
		{ TL_M_RETRANS, "retransmits", "%.0f", 1 },
		{ TL_M_LAT50, "latency p50 (ms)", "%.2f", 1 },
		{ TL_M_LAT99, "latency p99 (ms)", "%.2f", 1 },
	};
	tl_rbuf_printf(h, "<h2 id='points'>Every point (mean &plusmn; standard deviation over "
		       "the runs)</h2>\n<div class='wide'><table class='points'><tr><th>point</th>");
	for (int k = 0; k < TL_P_COUNT; k++)
		tl_rbuf_printf(h, "<th>%s</th>", tl_exp_param_name(k));
	tl_rbuf_printf(h, "<th>runs ok / failed</th>");
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		tl_rbuf_printf(h, "<th>%s</th>", cols[c].head);
	tl_rbuf_printf(h, "<th>failure</th></tr>\n");
	for (uint32_t i = 0; i < n; i++) {
		tl_rbuf_printf(h, "<tr><td>%u</td>", v[i].point);
		for (int k = 0; k < TL_P_COUNT; k++) {
			tl_rbuf_printf(h, "<td>");
			tl_rbuf_esc(h, v[i].param[k]);
			tl_rbuf_printf(h, "</td>");
		}
		tl_rbuf_printf(h, "<td>%u / %u</td>", v[i].runs_ok, v[i].runs_failed);
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			cell(h, v[i].mean[cols[c].m] * cols[c].scale, v[i].sd[cols[c].m] * cols[c].scale,
			     cols[c].fmt);
		tl_rbuf_printf(h, "<td>");
		tl_rbuf_esc(h, v[i].reason);
		tl_rbuf_printf(h, "</td></tr>\n");
	}
	tl_rbuf_printf(h, "</table></div>\n");
}

static const char *const css =
	"body{font:15px/1.4 sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#111}"
	"figure{display:inline-block;margin:.5em;vertical-align:top}"
	"svg.plot{max-width:100%;height:auto;border:1px solid #ccc}"
	"table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;"
	"text-align:right}th{background:#f2f2f2}.facts td,.facts th{text-align:left}"
	".wide{overflow-x:auto}summary{font-weight:bold;margin:.8em 0 .2em;cursor:pointer}";

int tl_report_write(sqlite3 *db, const char *html_path, const char *svg_dir, unsigned *plots,
		    struct tl_err *err)
{
	struct tl_exp_psum *v = NULL;
	uint32_t n = 0;
	struct tl_rbuf h = { 0 };
	struct svg_out so = { .dir = svg_dir };
	int ret = -1;
	if (svg_dir && mkdir(svg_dir, 0755) < 0 && errno != EEXIST)
		return tl_err_errno(err, "--svg %s", svg_dir);
	if (tl_exp_summary_read(db, &v, &n, err) < 0)
		return -EIO;
	struct tl_fig_ctx c = { .db = db, .pts = v, .npts = n, .emit = write_svg,
				.emit_ctx = &so, .html = &h };
	tl_rbuf_printf(&h, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
		       "<meta name='viewport' content='width=device-width'>"
		       "<title>tcplab campaign report</title><style>%s</style></head><body>\n", css);
	facts(db, &h);
	uint32_t ok = 0;
	for (uint32_t i = 0; i < n; i++)
		ok += v[i].runs_ok;
	if (ok == 0)
		tl_rbuf_printf(&h, "<p><strong>No run of this campaign has finished yet</strong>: "
			       "there is nothing to plot. The table below shows each point's "
			       "failures, if any.</p>\n");
	tl_rbuf_printf(&h, "<h2>Against the buffer</h2>\n");
	tl_fig_buffer_plots(&c);
	tl_fig_window(&c);
	tl_rbuf_printf(&h, "<h2>Distributions</h2>\n");
	tl_fig_cdfs(&c);
	table(v, n, &h);
	tl_rbuf_printf(&h, "<h2>Over time, per point</h2>\n");
	tl_fig_timelines(&c);
	tl_rbuf_printf(&h, "<p>Written by tcplab %s. Error bars and &plusmn; are one standard "
		       "deviation over the repetitions.</p>\n</body></html>\n", TCPLAB_VERSION);
	if (!tl_rbuf_ok(&h)) {
		tl_err_set(err, ENOMEM, "report: out of memory");
		goto out;
	}
	if (so.failed) {
		errno = so.failed;
		tl_err_errno(err, "--svg: writing %s", so.path);
		goto out;
	}
	FILE *f = fopen(html_path, "w");
	if (!f) {
		tl_err_errno(err, "-o %s", html_path);
		goto out;
	}
	size_t w = fwrite(h.s, 1, h.len, f);
	if (fclose(f) != 0 || w != h.len) {
		tl_err_errno(err, "writing %s", html_path);
		goto out;
	}
	*plots = c.plots;
	ret = 0;
out:
	tl_rbuf_free(&h);
	free(v);
	return ret;
}
