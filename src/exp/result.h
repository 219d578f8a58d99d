#ifndef TCPLAB_EXP_RESULT_H
#define TCPLAB_EXP_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "exp/matrix.h"

/*
 * One run (a point's repetition) as the database holds it: decoded once from the JSON
 * documents of stream and rr (exp/collect.c), turned into metrics (exp/metrics.c) and
 * written in one transaction (exp/store.c).
 */

struct tl_exp_flow {
	uint32_t flow;       /* index over the run: sender * flows + the stream's id */
	uint32_t sender;     /* 1.. */
	char cc[32];
	double rtt_ms;       /* the sender's configured RTT: its RTT group */
	uint64_t bytes;      /* received in the window */
	double bps;          /* the receiver's rate over the window */
	uint64_t retransmits;
	uint64_t rcvbuf;     /* the receiver's effective SO_RCVBUF at the end */
	double srtt_ms;      /* TCP_INFO smoothed RTT at the end */
	bool stalled, failed;
	char *tcp_info;      /* the sender's TCP_INFO at the end, as JSON text (owned) */
};

struct tl_exp_interval {
	uint32_t flow, k;
	double start_s, end_s;
	uint64_t bytes;
	double bps;
	uint32_t rtt_us, cwnd;
	uint64_t retransmits;
};

/* One 100 ms line of the router's series, forward direction, counters from the window start. */
struct tl_exp_qsample {
	double t_s;                 /* from the first line of the window */
	uint64_t backlog_bytes, backlog_pkts;
	double sojourn_p50_ms, sojourn_p99_ms, sojourn_max_ms;
	double out_bps;
	uint64_t drops, marks, samples;
};

struct tl_exp_lbucket {
	uint64_t lo_ns, hi_ns, count;
};

struct tl_exp_group {
	char kind[4];   /* "cc" or "rtt" */
	char name[32];  /* "cubic", "10ms" */
	uint32_t flows;
	double bps, share;
};

struct tl_exp_metrics {
	double goodput_bps;
	double utilisation;   /* goodput / (rate x 1448/1514) */
	double jain;
	double cc_share;      /* throughput share of the mix's first cc */
	double cc_ratio;      /* share of the mix's first cc / share of its second; NAN with one */
	double rtt_ratio;     /* share of the shortest RTT group / the longest; NAN with one */
	double qdelay_p50_ms, qdelay_p99_ms;
	uint64_t drops, marks, retransmits;
	double latency_p50_ms, latency_p99_ms; /* NAN without a probe */
};

#define TL_EXP_MAX_GROUPS (TL_EXP_MAX_CC + TL_EXP_MAX_SENDERS)

struct tl_exp_run {
	uint32_t point, rep;
	bool ok;
	char reason[512];
	double started_unix, seconds;
	struct tl_exp_flow *flows;
	uint32_t nflows;
	struct tl_exp_interval *intervals;
	uint32_t nintervals;
	struct tl_exp_qsample *queue;
	uint32_t nqueue;
	struct tl_exp_lbucket *latency;
	uint32_t nlatency;
	struct tl_exp_group groups[TL_EXP_MAX_GROUPS];
	uint32_t ngroups;
	struct tl_exp_metrics m;
};

void tl_exp_run_free(struct tl_exp_run *r);

/*
 * Fills r->m and r->groups from the flows, queue series and latency buckets, for point p.
 * The same arithmetic is documented in docs/exp-schema.md so that a query can recompute it.
 */
void tl_exp_metrics_compute(struct tl_exp_run *r, const struct tl_exp_point *p);

/* Weighted percentile (0..100) of values v with weights w (nearest rank). */
double tl_exp_wpercentile(const double *v, const double *w, uint32_t n, double pct);

#endif
