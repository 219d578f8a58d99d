#ifndef TCPLAB_RESULT_STATUS_H
#define TCPLAB_RESULT_STATUS_H

/*
 * `testbed status` and `router status` as C structs, decoded once from the document their
 * --json prints (docs/testbed-status.schema.json, docs/router-status.schema.json); the
 * tables in out/status_table.c read these, never a key. Both documents carry the
 * forwarder's own part (testbed/fwd_stats.c writes it: the two directions, the senders'
 * access lines, the ports and the forwarder process), decoded by one function for both.
 * A missing or mistyped field is an error naming its path (result/dec.h), never a 0.
 *
 * Strings are borrowed from the document: a decoded struct is valid while the JSON it came
 * from is alive. Arrays are allocated: free with the matching _free.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "result/stream.h"
#include "util/err.h"

/* One of the largest flows of a direction (--flows N). */
struct tl_st_flow {
	const char *proto, *src, *dst;
	uint64_t pkts_in, bytes_in, drops;
};

/* One direction of the emulated link: its settings, counters and queue delay. */
struct tl_st_dir {
	uint64_t rate_bps, delay_ns;     /* rate 0: unlimited; delay one-way */
	const char *aqm;
	uint64_t limit_bytes, limit_pkts; /* the buffer: bytes, or packets when bytes is 0 */
	uint64_t pkts_in, pkts_out, drops_queue_full, drops_aqm, drops_loss, backlog_bytes;
	uint64_t qdelay_p50_ns, qdelay_p99_ns;
	struct tl_tb_aqm qdisc;          /* GSP, PPV, DualPI2: their state (result/stream.h) */
	struct tl_st_flow *flows;
	size_t nflows;
};

/* A sender's own delay line before the shared bottleneck (a testbed with several RTTs). */
struct tl_st_access {
	const char *host;
	uint64_t rtt_ns, fwd_delay_ns, rev_delay_ns;
};

/* The forwarder process. */
struct tl_st_forwarder {
	uint64_t pool_size, pool_free, pool_min_free, no_buffer_drops;
	double cpu_user_s, cpu_system_s;
	int has_cpu_wait, has_steal;     /* each read when the kernel gives it */
	double cpu_wait_s, steal_percent;
	int has_backlog_drops;
	uint64_t backlog_drops; /* this host's input-queue drops since the start */
	const char *sched, *isolation;   /* NULL when not reported */
	const char *standby_state;       /* NULL when not reported */
	int standby_running;
	int64_t standby_cpu;
	uint64_t standby_sent;
	uint64_t late_p50_ns, late_p99_ns; /* 0 when not reported */
};

/* The forwarder's part of both documents. */
struct tl_fwd_status {
	int64_t pid;
	uint64_t uptime_ns;
	struct tl_st_dir fwd, rev;
	struct tl_st_access *access;
	size_t naccess;
	uint64_t rx_kernel_drops;        /* summed over the ports */
	struct tl_st_forwarder forwarder;
};

struct tl_st_host {
	const char *name, *addr, *netns;
};

/* testbed status: the testbed's state, and the forwarder's part while it runs. */
struct tl_testbed_status {
	const char *name, *phase;
	struct tl_st_host *hosts;
	size_t nhosts;
	int running;
	struct tl_fwd_status fwd;        /* only when running */
};

/* router status: the router and its two interfaces, and the forwarder's part. */
struct tl_router_status {
	const char *name, *in, *out;
	struct tl_fwd_status fwd;
};

/* Each returns 0, or -1 with err naming the first missing or mistyped field. */
int tl_fwd_status_decode(const json_t *doc, struct tl_fwd_status *out, struct tl_err *err);
int tl_testbed_status_decode(const json_t *doc, struct tl_testbed_status *out, struct tl_err *err);
int tl_router_status_decode(const json_t *doc, struct tl_router_status *out, struct tl_err *err);

void tl_fwd_status_free(struct tl_fwd_status *s);
void tl_testbed_status_free(struct tl_testbed_status *s);
void tl_router_status_free(struct tl_router_status *s);

#endif
