#ifndef TCPLAB_WORKLOAD_SIDE_INTERNAL_H
#define TCPLAB_WORKLOAD_SIDE_INTERNAL_H

/*
 * One end of a test inside: shared by workload/side.c (the lifecycle and the clock),
 * side_sample.c (what is read at each instant: engine counts, TCP_INFO, CPU, kernel
 * counters) and side_json.c (the JSON both ends report). Nothing outside those files (and
 * their unit test) includes it.
 */

#include <stdint.h>

#include "engine/engine.h"
#include "measure/cpu.h"
#include "measure/tcpinfo.h"
#include "net/sock.h"
#include "spec/spec.h"
#include "sys/counter_set.h"
#include "workload/side.h"
#include "workload/stall.h"

struct side_conn {
	int slot;                 /* engine slot; -1 until attached */
	int sender;
	struct tl_sock_effective eff;      /* at attach: what the options gave */
	struct tl_sock_effective eff_end;  /* at the end: what autotuning grew them to */
	uint64_t base_bytes;      /* engine count (bytes, or transactions) at the window start */
	uint64_t prev_bytes;      /* at the last boundary */
	uint64_t final_bytes;     /* in the window, set at the end */
	uint32_t prev_retrans;    /* total_retrans at the last boundary */
	struct tl_stall stall;
	struct tl_tcpinfo ti_start, ti_end;
	int has_ti;
	struct tl_flow_sample end;
};

/* A latency histogram's summary, taken when its interval ends (the histogram is reused). */
struct side_lat {
	uint64_t count, min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns;
	double mean_ns;
};

/* What an rr or crr interval adds to the byte (transaction) counts. */
struct side_txn_iv {
	struct side_lat lat, connect_lat;
	uint64_t transactions_all, connects;
	uint64_t connect_fail[4];   /* TL_CFAIL_*, in this interval */
	int has_time_wait, has_ports_free;
	uint32_t time_wait, ports_free;
};

struct tl_side {
	struct tl_spec spec;
	int is_client;
	struct tl_engine *engine;
	uint32_t nconn, attached;
	struct side_conn *conns;

	uint64_t start_ns, window_start_ns, window_end_ns, hard_end_ns, ended_ns;
	int started, window_started, finished, incomplete, interrupted;

	uint32_t iv_max, iv_count;
	uint64_t *iv_end_ns;       /* [iv_max] */
	uint64_t *iv_agg;          /* [iv_max] bytes over all conns */
	uint64_t *iv_sent, *iv_recv; /* [iv_max] the same, split by what this end sent / received */
	uint64_t *iv_bytes;        /* [iv_max * nconn] or NULL */
	uint32_t *iv_rtt, *iv_cwnd, *iv_retrans;
	struct tl_cpu_sample cpu;
	/* The whole machine over the test (/proc/stat): busy and stolen shares. have_sys: 1
	 * with the start sample, 2 with both. */
	struct tl_sys_cpu sys_start, sys_end;
	int have_sys;
	/* The kernel's counters that explain stalls and slow flows, at the start and the end
	 * (have_kernel as have_sys). */
	struct tl_counter_set kernel_start, kernel_end;
	int have_kernel;

	/* rr / crr */
	int txn;                   /* workload counts transactions, not bytes */
	struct tl_hist *lat_iv, *lat_total, *conn_iv, *conn_total;
	struct side_txn_iv *iv_txn; /* [iv_txn_cap], one per recorded interval */
	uint32_t iv_txn_cap;
	struct tl_engine_counters prev_counters;
	uint16_t tw_port;          /* count TIME_WAIT towards this port (client of crr) */
	int tw_all;                /* count every TIME_WAIT of the netns (agent of crr) */
	uint32_t tw_peak;
	uint32_t ports_in_range;
	int listen_fd;
	uint64_t first_addrnotavail_ns;
};

/* side_sample.c */

/* The kernel counters this end reports (kernel_tcp), and how many. */
extern const struct tl_counter_id tl_side_counters[];
extern const unsigned tl_side_ncounters;

/* At the start instant: the machine's CPU and the kernel counters. */
void tl_side_sample_begin(struct tl_side *s);
/* Each attached flow's count now becomes its base and its last boundary's. */
void tl_side_sample_bases(struct tl_side *s);
/* When the window opens: each flow's count becomes its base (after a warm-up; without one
 * the base is 0), and the senders' TCP_INFO its start. */
void tl_side_sample_window_open(struct tl_side *s);
/* The interval that ends at end_ns: each flow's count since the last boundary, the senders'
 * RTT, cwnd and retransmissions, and for rr and crr the latencies and connections. */
void tl_side_sample_interval(struct tl_side *s, uint64_t end_ns);
/* rr and crr: folds the latencies since the last interval into the totals (into *iv when
 * given), and counts connections, failures and TIME_WAIT sockets. */
void tl_side_sample_txn(struct tl_side *s, struct side_txn_iv *iv);
/* At the end: each flow's last sample, effective options, TCP_INFO; the engine's CPU, the
 * machine's CPU and the kernel counters. Stops the engine. */
void tl_side_sample_final(struct tl_side *s);
/* The TCP_INFO of conn c now (zeroed where the kernel gives none). */
void tl_side_sample_tcpinfo(const struct tl_side *s, const struct side_conn *c, struct tl_tcpinfo *ti);
/* A histogram's summary. */
void tl_side_lat_of(const struct tl_hist *h, struct side_lat *out);

#endif
