#ifndef TCPLAB_RESULT_STREAM_H
#define TCPLAB_RESULT_STREAM_H

/*
 * A stream result as C structs, decoded once from the result document (workload/result.h
 * builds it, docs/stream.schema.json describes it) where the document arrives in cmd/; every
 * renderer in out/ reads these, none reads a key. A missing or mistyped field is a decoding
 * error naming it (result/dec.h), never a silent 0.
 *
 * Strings and the testbed series are borrowed from the document: a decoded struct is valid
 * while the JSON it came from is alive. Arrays are allocated: free with the matching _free.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* The spread of a per-flow figure over the flows (measure/summary.h). */
struct tl_res_flows {
	uint32_t count;
	double min, median, max, mean, jain;
};

/* What the user asked for (start.test_start), as far as the renderers show it. */
struct tl_res_spec {
	const char *workload, *direction;
	uint32_t flows, threads;
	uint64_t bytes, duration_ns, max_duration_ns, interval_ns;
	/* rr and crr only (0 / NULL for stream) */
	uint64_t request_size, response_size, rate, requests_per_conn;
	const char *close;
	int linger0;
};

/* crr's port ceiling (start.crr). */
struct tl_res_crr_ceiling {
	uint64_t ports_usable;
	double port_hold_seconds;
	uint64_t predicted_max_connections_per_second;
	const char *ceiling_reason;
};

/* The document's "start": the same for stream, rr and crr. */
struct tl_res_start {
	const char *host;
	int port;
	struct tl_res_spec spec;
	const char **warnings;
	size_t nwarnings;
	int started;             /* the flows started (start_monotonic_ns is there) */
	uint64_t start_monotonic_ns;
	uint64_t agent_threads, connect_ns; /* 0 until the test started */
	int has_crr;
	struct tl_res_crr_ceiling crr;
};

struct tl_stream_sum {
	uint64_t bytes, sent_bytes;
	double bits_per_second, sender_bits_per_second, seconds;
	struct tl_res_flows flows;
};

struct tl_stream_iv_flow {
	uint32_t id;
	const char *dir;
	uint64_t bytes, sent_bytes, rtt_us, snd_cwnd, retransmits;
	double bits_per_second;
};

struct tl_stream_interval {
	uint64_t k;
	double start, end, seconds;
	struct tl_stream_sum sum;
	int has_dirs;                         /* --bidir: sum_c2a and sum_a2c */
	struct tl_stream_sum sum_c2a, sum_a2c;
	struct tl_stream_iv_flow *flows;      /* when the interval carries them */
	size_t nflows;
};

enum tl_res_limit { TL_RES_LIMIT_APP, TL_RES_LIMIT_RWND, TL_RES_LIMIT_SNDBUF, TL_RES_LIMIT_NET,
		    TL_RES_LIMITS };

/* One end of a flow (end.streams[].sender / .receiver). */
struct tl_stream_side {
	const char *state;        /* active, done, error; "not connected" / "missing" */
	const char *error;        /* NULL without one */
	int connected;            /* the end had the connection: the counts below are there */
	uint64_t bytes, sndbuf, rcvbuf, sndbuf_end, rcvbuf_end;
	int has_tcp_info;         /* a sender that read TCP_INFO: the fields below */
	double rtt_us, min_rtt_us, snd_cwnd, snd_cwnd_bytes, snd_wnd;
	double delivery_rate_bps; /* 0 when the kernel's figure did not fit (null) */
	uint64_t snd_mss, retransmits_total, bytes_sent, bytes_retrans; /* the connection's life */
	uint64_t retransmits_window;
	const char *limited_by;   /* the dominant limit (measure/tcpinfo.h) */
	double limit_share[TL_RES_LIMITS];
};

struct tl_stream_flow {
	uint32_t id;
	const char *dir, *cc;     /* cc NULL when the sender never connected */
	double bits_per_second;
	int stalled, failed;
	int verified;             /* -1 without --verify */
	struct tl_stream_side sender, receiver;
};

/* One kind of --verify call sizes, summed over the flows. */
struct tl_res_io_kind {
	uint64_t calls;
	size_t nbuckets;
	uint64_t first_min, last_max;  /* the smallest and largest calls' buckets */
	uint64_t mode_min, mode_max;   /* the bucket with the most calls (the first such) */
};

struct tl_stream_verify {
	int ok;
	uint64_t bytes_sent, bytes_received, mismatched_flows;
	const char *method;
	int has_io_sizes;
	uint64_t write_size;
	struct tl_res_io_kind send, recv;
};

/* Each end's machine (end.machine_cpu) and kernel counters (end.kernel_tcp). */
struct tl_res_end_host {
	int has_machine;
	double steal_percent;
	uint64_t to_zero_window, memory_pressures, prune_called; /* 0 when not reported */
};

/* The AQM's own state (testbed/fwd_aqm.c writes it): in a series line's "aqm" and in a
 * status document's "qdisc", for GSP, PPV and DualPI2. */
enum tl_tb_aqm_kind { TL_TB_AQM_NONE, TL_TB_AQM_GSP, TL_TB_AQM_PPV, TL_TB_AQM_DUALPI2 };
/* The largest PPV classes kept (a series line has the router's 4 largest, a status its 16;
 * the tables show at most 8) */
#define TL_TB_PPV_CLASSES 8

struct tl_tb_aqm {
	enum tl_tb_aqm_kind kind;
	double interval_ns, cumul_ns, signals, min_gap_ns;             /* GSP */
	double threshold_value, prob;                                  /* PPV */
	struct { const char *name; double share, drops; } classes[TL_TB_PPV_CLASSES];
	size_t nclasses;
	double p_base, p_c, p_cl;                                      /* DualPI2 */
	double classic_pkts, classic_qdelay_ns, classic_drops, classic_marks;
	double l4s_pkts, l4s_qdelay_ns, l4s_marks;
};

/* One direction of the testbed's router in one series line (testbed/series.h). */
struct tl_tb_dir {
	double bytes_out, qdelay_p99_ns, drops_queue_full, drops_aqm, drops_loss, marks;
	struct tl_tb_aqm aqm;
};

struct tl_tb_line {
	double t_ns, late_p99_ns, late_max_ns, cpu_wait_ns, steal_percent;
	double backlog_drops; /* cumulative since the router started; -1 when not reported */
	struct tl_tb_dir fwd, rev;
};

struct tl_stream_testbed {
	const char *name;
	const char *error;        /* the series could not be read */
	struct tl_tb_line *lines;
	size_t nlines;
};

struct tl_stream_end {
	struct tl_stream_flow *flows;
	size_t nflows;
	struct tl_stream_sum sum;
	int has_dirs;
	struct tl_stream_sum sum_c2a, sum_a2c;
	uint64_t stalled_flows, failed_flows;
	int incomplete;
	const char *incomplete_reason;  /* NULL when complete */
	int has_bytes_expected;         /* --bytes */
	uint64_t bytes_expected, bytes_arrived;
	double cpu_client, cpu_agent;
	struct tl_res_end_host client, agent;
	int has_verify;
	struct tl_stream_verify verify;
	int has_testbed;
	struct tl_stream_testbed testbed;
};

struct tl_stream_result {
	struct tl_res_start start;
	int has_end;
	struct tl_stream_end end;
	const char *error;        /* the run failed: why (NULL otherwise) */
	int interrupted;
};

/* Each returns 0, or -1 with err naming the first missing or mistyped field. */
int tl_res_start_decode(const json_t *start, struct tl_res_start *out, struct tl_err *err);
int tl_stream_interval_decode(const json_t *iv, struct tl_stream_interval *out, struct tl_err *err);
int tl_stream_end_decode(const json_t *end, struct tl_stream_end *out, struct tl_err *err);
int tl_stream_result_decode(const json_t *doc, struct tl_stream_result *out, struct tl_err *err);

/* The document's "intervals" array, each decoded as above (*out allocated, free with
 * tl_stream_intervals_free); an error names the interval ("intervals[3]: ..."). */
int tl_stream_intervals_decode(const json_t *doc, struct tl_stream_interval **out, size_t *n,
			       struct tl_err *err);

void tl_res_start_free(struct tl_res_start *s);
void tl_stream_interval_free(struct tl_stream_interval *iv);
void tl_stream_end_free(struct tl_stream_end *e);
void tl_stream_result_free(struct tl_stream_result *r);
void tl_stream_intervals_free(struct tl_stream_interval *ivs, size_t n);

#endif
