/* Per-point mean and spread of the metrics over the repetitions. */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp/summary.h"

static const char *const metric_names[TL_M_COUNT] = {
	"goodput_bps", "utilisation", "jain", "cc_share", "cc_ratio", "rtt_ratio",
	"qdelay_p50_ms", "qdelay_p99_ms", "drops", "marks", "retransmits", "latency_p50_ms",
	"latency_p99_ms",
};

static const char *const param_names[TL_P_COUNT] = {
	"rate", "rtt", "buffer", "aqm", "loss", "cc", "flows", "rcvbuf", "window_clamp",
	"duration_s",
};

const char *tl_exp_metric_name(enum tl_exp_metric m)
{
	return (unsigned)m < TL_M_COUNT ? metric_names[m] : "?";
}

const char *tl_exp_param_name(enum tl_exp_param p)
{
	return (unsigned)p < TL_P_COUNT ? param_names[p] : "?";
}

static void text(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static int read_points(sqlite3 *db, struct tl_exp_psum **out, uint32_t *count,
		       struct tl_err *err)
{
	sqlite3_stmt *st = NULL;
	uint32_t n = 0, cap = 0;
	struct tl_exp_psum *v = NULL;
	if (sqlite3_prepare_v2(db, "SELECT point, rate, rtt, buffer, aqm, loss, cc, flows, rcvbuf, "
			       "window_clamp, duration_s, aqm_kind, rate_bps, rtt_max_ms, buffer_bdp, "
			       "buffer_bytes, rcvbuf_bytes, window_clamp_bytes, senders FROM points "
			       "ORDER BY point", -1, &st, NULL) != SQLITE_OK)
		return tl_err_set(err, EIO, "read points: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			void *np = realloc(v, cap * sizeof(*v));
			if (!np) {
				free(v);
				sqlite3_finalize(st);
				return tl_err_set(err, ENOMEM, "out of memory");
			}
			v = np;
		}
		struct tl_exp_psum *p = &v[n++];
		memset(p, 0, sizeof(*p));
		p->point = (uint32_t)sqlite3_column_int64(st, 0);
		for (int k = 0; k < TL_P_COUNT; k++)
			text(st, 1 + k, p->param[k], sizeof(p->param[k]));
		text(st, 11, p->aqm_kind, sizeof(p->aqm_kind));
		p->rate_bps = sqlite3_column_double(st, 12);
		p->rtt_max_ms = sqlite3_column_double(st, 13);
		p->buffer_bdp = sqlite3_column_double(st, 14);
		p->buffer_bytes = sqlite3_column_double(st, 15);
		p->rcvbuf_bytes = sqlite3_column_double(st, 16);
		p->clamp_bytes = sqlite3_column_double(st, 17);
		p->senders = (uint32_t)sqlite3_column_int64(st, 18);
		p->flows = (uint32_t)sqlite3_column_int64(st, 7);
		for (int m = 0; m < TL_M_COUNT; m++)
			p->mean[m] = p->sd[m] = NAN;
	}
	sqlite3_finalize(st);
	*out = v;
	*count = n;
	return 0;
}

static struct tl_exp_psum *find(struct tl_exp_psum *v, uint32_t n, uint32_t point)
{
	/* Points are read in order and ids are dense in an unsharded file; search anyway. */
	for (uint32_t i = 0; i < n; i++)
		if (v[i].point == point)
			return &v[i];
	return NULL;
}

static int add_runs(sqlite3 *db, struct tl_exp_psum *v, uint32_t n, struct tl_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT point, status, reason FROM runs", -1, &st, NULL) !=
	    SQLITE_OK)
		return tl_err_set(err, EIO, "read runs: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tl_exp_psum *p = find(v, n, (uint32_t)sqlite3_column_int64(st, 0));
		if (!p)
			continue;
		if (strcmp((const char *)sqlite3_column_text(st, 1), "ok") == 0) {
			p->runs_ok++;
		} else {
			p->runs_failed++;
			text(st, 2, p->reason, sizeof(p->reason));
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int add_metrics(sqlite3 *db, struct tl_exp_psum *v, uint32_t n, struct tl_err *err)
{
	char sql[512] = "SELECT point";
	sqlite3_stmt *st = NULL;
	double sum2[TL_M_COUNT];
	for (int m = 0; m < TL_M_COUNT; m++) {
		size_t l = strlen(sql);
		snprintf(sql + l, sizeof(sql) - l, ", %s", metric_names[m]);
	}
	strncat(sql, " FROM metrics ORDER BY point", sizeof(sql) - strlen(sql) - 1);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return tl_err_set(err, EIO, "read metrics: %s", sqlite3_errmsg(db));
	/* Two passes in one: sums here, then sd from the sum of squares (values are small). */
	struct tl_exp_psum *cur = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tl_exp_psum *p = find(v, n, (uint32_t)sqlite3_column_int64(st, 0));
		if (!p)
			continue;
		if (p != cur) {
			cur = p;
			for (int m = 0; m < TL_M_COUNT; m++) {
				p->mean[m] = 0;
				p->sd[m] = 0;
			}
		}
		for (int m = 0; m < TL_M_COUNT; m++) {
			if (sqlite3_column_type(st, 1 + m) == SQLITE_NULL)
				continue;
			double x = sqlite3_column_double(st, 1 + m);
			p->n[m]++;
			p->mean[m] += x;
			p->sd[m] += x * x;
		}
	}
	sqlite3_finalize(st);
	for (uint32_t i = 0; i < n; i++) {
		struct tl_exp_psum *p = &v[i];
		for (int m = 0; m < TL_M_COUNT; m++) {
			uint32_t k = p->n[m];
			if (k == 0) {
				p->mean[m] = p->sd[m] = NAN;
				continue;
			}
			sum2[m] = p->sd[m];
			double mean = p->mean[m] / k;
			double var = k > 1 ? (sum2[m] - k * mean * mean) / (k - 1) : NAN;
			p->mean[m] = mean;
			p->sd[m] = k > 1 ? sqrt(var > 0 ? var : 0) : NAN;
		}
	}
	return 0;
}

int tl_exp_summary_read(sqlite3 *db, struct tl_exp_psum **out, uint32_t *count,
			struct tl_err *err)
{
	if (read_points(db, out, count, err) < 0)
		return -EIO;
	if (add_runs(db, *out, *count, err) < 0 || add_metrics(db, *out, *count, err) < 0) {
		free(*out);
		*out = NULL;
		return -EIO;
	}
	return 0;
}
