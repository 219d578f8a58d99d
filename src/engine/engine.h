#ifndef TCPLAB_ENGINE_ENGINE_H
#define TCPLAB_ENGINE_ENGINE_H

/*
 * The traffic engine: T worker threads, each with its own epoll loop, moving bytes on the
 * flows handed to it. Flows are connected elsewhere (client connect phase, agent accept) and
 * added before the start; every worker starts sending at the same instant (start_ns) and
 * stops at stop_ns. Counters are written by one worker each and read by the reporter with
 * relaxed atomic loads: no locks on the data path.
 *
 * Lifecycle: tl_engine_new -> tl_engine_add_flow x N -> tl_engine_start -> (tl_engine_sample)*
 * -> tl_engine_stop -> tl_engine_free (closes every flow socket, abortively).
 */

#include <stddef.h>
#include <stdint.h>

#include "measure/cpu.h"
#include "util/err.h"

struct tl_engine;

struct tl_engine_config {
	uint32_t threads;
	uint32_t max_flows;
	uint32_t length;   /* bytes per send() */
	int verify;        /* receivers check every byte against the pattern */
	int latency;       /* keep transaction and connect latency histograms (rr, crr) */
};

/* What a flow does (engine/flow.c: stream; engine/rr.c: the others). */
enum tl_flow_mode {
	TL_MODE_STREAM = 0,
	TL_MODE_RR_CLIENT,   /* sends requests, reads responses, times each transaction */
	TL_MODE_RR_SERVER,   /* reads requests, answers each with a response */
	TL_MODE_CRR_CLIENT,  /* a connector: connect, K transactions, close, again */
};

enum tl_flow_state {
	TL_FLOW_ACTIVE = 0,
	TL_FLOW_DONE = 1,   /* sender: its byte budget is sent; receiver: EOF */
	TL_FLOW_ERROR = 2,
};

struct tl_flow_params {
	int fd;                      /* connected, non-blocking; the engine owns it from now on */
	uint32_t id;                 /* the test's flow id (selects the byte pattern) */
	int sender;
	int zerocopy;                /* MSG_ZEROCOPY (SO_ZEROCOPY must be set already) */
	uint64_t budget;             /* sender: bytes to send then shut down; 0 = until stop_ns */
	uint64_t stop_reading_after_ns; /* fault injection: receiver stops reading this long after
				      * the start; 0 = never */
	/* rr and crr */
	int mode;                    /* enum tl_flow_mode */
	uint32_t request_size, response_size;
	uint64_t send_interval_ns;   /* client open loop: one transaction (crr: connection) per
				      * interval, latency counted from the scheduled time; 0 = closed loop */
	uint64_t send_phase_ns;      /* offset of this flow's schedule, so flows do not send in step */
	/* crr client (fd is -1: the flow makes its own connections) */
	const void *dest;            /* struct tl_addr * */
	const void *src;             /* struct tl_addr *, or NULL */
	uint32_t requests_per_conn;
	int client_closes;           /* 1: the client closes first (TIME_WAIT here) */
	int linger0;                 /* the closing side sends an RST instead of a FIN */
	uint64_t connect_timeout_ns; /* crr: an attempt not established by then fails (ETIMEDOUT) */
	const void *sockopts;        /* struct tl_sockopts * applied before each connect */
};

/* crr server: answers connections on a listening socket (shared by every worker). */
struct tl_crr_server_params {
	uint32_t request_size, response_size;
	uint32_t requests_per_conn;
	int server_closes;
	int linger0;
};

/* Engine-wide counters for rr/crr, summed over the workers. */
struct tl_engine_counters {
	uint64_t transactions;
	uint64_t connects;           /* crr connections established (client) or accepted (server) */
	uint64_t connect_fail[4];    /* EADDRNOTAVAIL, ECONNREFUSED, ETIMEDOUT, other */
	int last_connect_errno;
};

enum { TL_CFAIL_ADDRNOTAVAIL, TL_CFAIL_REFUSED, TL_CFAIL_TIMEDOUT, TL_CFAIL_OTHER };

/* --verify: how many send() (sender) or recv() (receiver) calls returned n bytes, in
 * power-of-two buckets: bucket k counts 2^k <= n < 2^(k+1); the last takes everything above. */
#define TL_IO_SIZE_BUCKETS 25

struct tl_flow_sample {
	uint64_t bytes;            /* sent (sender) or received (receiver) since the flow was added */
	uint64_t last_progress_ns; /* when bytes last grew; 0 = never */
	int state;                 /* enum tl_flow_state */
	int err_no;                /* errno of a failed flow */
	uint64_t verify_errors;    /* receiver: chunks that did not match the pattern */
	uint64_t first_bad_offset; /* receiver: stream offset of the first wrong byte */
	uint64_t zc_sends, zc_completions, zc_copied;
	uint64_t transactions;     /* rr/crr: completed request/response pairs */
	uint64_t io_calls[TL_IO_SIZE_BUCKETS]; /* --verify only, else 0 */
};

struct tl_engine *tl_engine_new(const struct tl_engine_config *cfg, struct tl_err *err);

/* Adds a flow, spread round-robin over the workers. Returns the flow's slot (>= 0). */
int tl_engine_add_flow(struct tl_engine *e, const struct tl_flow_params *p, struct tl_err *err);

size_t tl_engine_flow_count(const struct tl_engine *e);
int tl_engine_flow_fd(const struct tl_engine *e, size_t slot);

/* crr server: every worker accepts from listen_fd (EPOLLEXCLUSIVE); the engine does not own it. */
int tl_engine_add_listener(struct tl_engine *e, int listen_fd, const struct tl_crr_server_params *p,
			   struct tl_err *err);

struct tl_hist;
/* Merges every worker's latency histograms into txn / connect (either may be NULL) and
 * resets them: one call per interval gives that interval's latencies. */
void tl_engine_take_latency(struct tl_engine *e, struct tl_hist *txn, struct tl_hist *connect);
void tl_engine_counters(const struct tl_engine *e, struct tl_engine_counters *out);

/* Every worker begins moving data at start_ns and senders stop at stop_ns (monotonic). */
int tl_engine_start(struct tl_engine *e, uint64_t start_ns, uint64_t stop_ns);

void tl_engine_sample(const struct tl_engine *e, size_t slot, struct tl_flow_sample *out);

/* Stops and joins the workers; idempotent. CPU of the workers over the run goes to *cpu. */
void tl_engine_stop(struct tl_engine *e, struct tl_cpu_sample *cpu);

/* Stops if needed, closes every flow socket with an RST (nothing orphaned), frees. NULL ok. */
void tl_engine_free(struct tl_engine *e);

/* The byte pattern both ends agree on, for --verify: byte k of flow f. */
uint8_t tl_pattern_byte(uint32_t flow_id, uint64_t offset);

#endif
