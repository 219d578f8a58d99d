#ifndef TCPLAB_EXP_SUMMARY_H
#define TCPLAB_EXP_SUMMARY_H

#include <stdint.h>

#include "util/err.h"

struct sqlite3;

/*
 * Per-point metrics over the repetitions: the mean and the sample standard deviation of
 * each column of the metrics table, and the point's parameters. Read by `exp export` and
 * `report`; the arithmetic is in docs/exp-schema.md.
 */
enum tl_exp_metric {
	TL_M_GOODPUT, TL_M_UTIL, TL_M_JAIN, TL_M_CC_SHARE, TL_M_CC_RATIO, TL_M_RTT_RATIO,
	TL_M_QD50, TL_M_QD99, TL_M_DROPS, TL_M_MARKS, TL_M_RETRANS, TL_M_LAT50, TL_M_LAT99,
	TL_M_COUNT
};

/* The column's name in the metrics table ("goodput_bps"). */
const char *tl_exp_metric_name(enum tl_exp_metric m);

enum tl_exp_param {
	TL_P_RATE, TL_P_RTT, TL_P_BUFFER, TL_P_AQM, TL_P_LOSS, TL_P_CC, TL_P_FLOWS, TL_P_RCVBUF,
	TL_P_CLAMP, TL_P_TIME, TL_P_COUNT
};
const char *tl_exp_param_name(enum tl_exp_param p);

struct tl_exp_psum {
	uint32_t point;
	char param[TL_P_COUNT][96];
	char aqm_kind[32];
	double rate_bps, rtt_max_ms, buffer_bdp, buffer_bytes, rcvbuf_bytes, clamp_bytes;
	uint32_t senders, flows;
	uint32_t runs_ok, runs_failed;
	char reason[256];              /* a failed run's reason, if any */
	double mean[TL_M_COUNT];       /* NAN when no run has the metric */
	double sd[TL_M_COUNT];         /* NAN with fewer than 2 values */
	uint32_t n[TL_M_COUNT];
};

/* Every point of the database, in point order, into a malloc'd array. */
int tl_exp_summary_read(struct sqlite3 *db, struct tl_exp_psum **out, uint32_t *count,
			struct tl_err *err);

#endif
