#ifndef TCPLAB_RESULT_TXN_H
#define TCPLAB_RESULT_TXN_H

/*
 * An rr or crr result as C structs (workload/txn_result.c writes the document; docs/rr and
 * crr .schema.json describe it), decoded once where the document arrives in cmd/. The same
 * rules as result/stream.h: a missing or mistyped field is an error naming it; strings and
 * the histograms are borrowed from the document; free with the matching _free.
 */

#include "result/stream.h"

struct tl_txn_latency {
	uint64_t count, min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns;
};

/* crr's connection figures in a sum (absent in rr: present 0). */
struct tl_txn_crr {
	int present;
	uint64_t connects;
	double connects_per_second;
	struct tl_txn_latency connect_latency;
	uint64_t fail_addrnotavail, fail_refused, fail_timedout, fail_other;
	int has_time_wait_client, has_ports_free;
	uint64_t time_wait_client, ports_free;              /* at the interval's end */
	uint64_t time_wait_peak_client, time_wait_peak_agent_host; /* the end's sum only */
};

struct tl_txn_sum {
	uint64_t transactions;
	double transactions_per_second, seconds;  /* seconds: the end's sum only */
	struct tl_txn_latency latency;
	int has_flows;
	struct tl_res_flows flows;
	struct tl_txn_crr crr;
};

struct tl_txn_iv_flow {
	uint32_t id;
	uint64_t transactions;
	double transactions_per_second;
};

struct tl_txn_interval {
	uint64_t k;
	double start, end, seconds;
	struct tl_txn_sum sum;
	struct tl_txn_iv_flow *flows;
	size_t nflows;
};

struct tl_txn_flow {
	uint32_t id;
	uint64_t transactions;
	double transactions_per_second;
	int failed;
	const char *error;        /* NULL without one */
	int has_tcp_info;         /* rr: the client's connection at the end */
	double rtt_us, min_rtt_us;
};

struct tl_txn_end {
	struct tl_txn_flow *flows;
	size_t nflows;
	struct tl_txn_sum sum;
	uint64_t failed_flows;
	double cpu_client, cpu_agent;
	struct tl_res_end_host client, agent;
	const json_t *latency_histogram; /* measure/hist.h reads it (tl_hist_from_json) */
};

struct tl_txn_result {
	struct tl_res_start start;
	int has_end;
	struct tl_txn_end end;
	const char *error;
	int interrupted;
};

int tl_txn_interval_decode(const json_t *iv, struct tl_txn_interval *out, struct tl_err *err);
int tl_txn_end_decode(const json_t *end, struct tl_txn_end *out, struct tl_err *err);
int tl_txn_result_decode(const json_t *doc, struct tl_txn_result *out, struct tl_err *err);

void tl_txn_interval_free(struct tl_txn_interval *iv);
void tl_txn_end_free(struct tl_txn_end *e);
void tl_txn_result_free(struct tl_txn_result *r);

#endif
