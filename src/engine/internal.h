#ifndef TCPLAB_ENGINE_INTERNAL_H
#define TCPLAB_ENGINE_INTERNAL_H

/* The engine's own structures, shared by engine.c, worker.c, flow.c and rr.c only. */

#include <pthread.h>
#include <stdint.h>

#include "engine/engine.h"
#include "measure/cpu.h"
#include "net/addr.h"
#include "net/sock.h"

struct tl_worker;
struct tl_hist;

/* What an epoll registration points at: the first member of each of these structs. */
enum tl_ev_kind { TL_EV_FLOW = 1, TL_EV_CONN, TL_EV_LISTENER };

#define TL_RR_SCHED_SLOTS 256 /* open-loop transactions outstanding on one flow at most */

/*
 * Request/response state of one connection, shared by rr clients and servers and crr
 * connections: how far the current incoming and outgoing messages have got, and how many
 * whole messages are owed.
 */
struct tl_rr {
	uint32_t in_size, out_size;   /* bytes per incoming / outgoing message */
	uint32_t in_off, out_off;     /* progress inside the current message */
	uint32_t out_owed;            /* whole outgoing messages still to send */
	uint32_t in_expected;         /* client: responses still to come */
	uint64_t *sched;              /* client: when each outstanding request was due [SLOTS] */
	uint32_t sched_head, sched_count;
	uint32_t done_on_conn;        /* transactions completed on this connection */
};

/*
 * One flow. The counters the reporter reads (bytes, last_progress_ns, state...) are
 * written only by the owning worker, with relaxed atomic stores.
 */
struct tl_flow {
	int kind;              /* TL_EV_FLOW */
	int fd;
	uint32_t id;
	int sender;
	int zerocopy;
	int reading;           /* receiver still registered for input */
	int mode;              /* enum tl_flow_mode */
	uint64_t budget;
	uint64_t stop_reading_after_ns;
	struct tl_worker *worker;

	/* rr / crr */
	struct tl_rr rr;
	uint64_t interval_ns, next_due_ns; /* open loop schedule; next_due 0 = none */
	uint64_t timer_ns;     /* the worker calls tl_rr_on_timer at this time; 0 = none */
	int crr_state;
	uint64_t connect_started_ns, cycle_due_ns;
	struct tl_addr dest, src;
	int has_src;
	uint32_t requests_per_conn;
	int client_closes, linger0;
	uint64_t connect_timeout_ns;
	struct tl_sockopts sockopts;

	uint64_t bytes;
	uint64_t last_progress_ns;
	int state;
	int err_no;
	uint64_t verify_errors;
	uint64_t first_bad_offset;
	uint64_t zc_sends, zc_completions, zc_copied;
	uint64_t transactions;
	uint64_t io_calls[TL_IO_SIZE_BUCKETS]; /* --verify: sizes send()/recv() returned */
};

/* A crr server connection, made by accept and reused from the worker's free list. */
struct tl_conn {
	int kind;              /* TL_EV_CONN */
	int fd;
	struct tl_rr rr;
	int want_out;          /* registered for EPOLLOUT: a response waits for room */
	struct tl_conn *next_free;
	struct tl_conn *all_next; /* every conn the worker allocated, for the final close */
};

struct tl_listener {
	int kind;              /* TL_EV_LISTENER */
	int fd;
	struct tl_crr_server_params p;
};

/*
 * The most a blocking one-flow receiver (stream_solo.c) asks of one recv(). tcp_recvmsg()
 * holds the socket lock for the whole copy, and segments that arrive meanwhile wait in the
 * backlog until it is released, so one 1 MiB read stalls the sender's ACK clock for the
 * length of the copy. On loopback (2 vCPUs, one flow, 1 MiB writes) 64 KiB reads moved
 * 36-43 Gbit/s against 28-30 with 1 MiB reads. The epoll loop keeps whole-buffer reads: there
 * the syscall count matters more (16 flows: 28-30 Gbit/s with 64 KiB reads, 39-43 without).
 * Figures: bench/results/stream-notes.md, "receive size".
 */
#define TL_STREAM_READ_MAX (64u * 1024)

struct tl_worker {
	struct tl_engine *engine;
	pthread_t thread;
	int started_thread;
	int epfd;
	int wakefd;             /* eventfd: start, stop */
	uint8_t *rbuf;
	size_t rbuf_len;
	struct tl_flow **flows; /* the flows this worker owns */
	size_t nflows, cap;
	struct tl_cpu_sample cpu_start, cpu_used;
	int sending_started;

	/* rr / crr */
	pthread_mutex_t lat_lock; /* guards the two histograms against the reporter's take */
	struct tl_hist *lat_txn, *lat_connect;
	struct tl_conn *free_conns, *all_conns;
	uint64_t transactions, connects, connect_fail[4]; /* atomic */
	int last_connect_errno;
	int timers;             /* flows of this worker that use timers */
};

struct tl_engine {
	struct tl_engine_config cfg;
	uint8_t *pattern;       /* PERIOD + extra bytes, read-only once built */
	size_t pattern_extra;
	struct tl_worker *workers;
	uint32_t nworkers;
	struct tl_flow *flows;  /* max_flows slots */
	size_t nflows;
	struct tl_listener listener;
	uint64_t start_ns;      /* 0 until tl_engine_start; atomic */
	uint64_t stop_ns;       /* atomic */
	int quit;               /* atomic: workers leave their loop */
	int stopped;
};

void *tl_worker_main(void *arg);

/* Flow I/O, called by the owning worker. now_ns is the loop's current time. */
void tl_flow_on_events(struct tl_worker *w, struct tl_flow *f, uint32_t events, uint64_t now_ns);
/* Sends until the socket is full, the budget is spent or the stop time passed. */
void tl_flow_send(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns);
/* The sender's first turn, at the start instant (flow.c says why it is short). */
void tl_flow_send_first(struct tl_worker *w, struct tl_flow *f);

/* rr / crr (engine/rr.c) */
int tl_rr_flow_init(struct tl_flow *f, const struct tl_flow_params *p);
void tl_rr_begin(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns);
void tl_rr_flow_on_events(struct tl_worker *w, struct tl_flow *f, uint32_t events, uint64_t now_ns);
void tl_rr_on_timer(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns);
void tl_rr_conn_on_events(struct tl_worker *w, struct tl_conn *c, uint32_t events, uint64_t now_ns);
void tl_rr_accept(struct tl_worker *w, struct tl_listener *l, uint64_t now_ns);
void tl_rr_worker_free(struct tl_worker *w);
/* Shared by rr.c and rr_solo.c. */
int tl_rr_pump_out(struct tl_worker *w, int fd, struct tl_rr *rr, uint64_t *bytes);
void tl_rr_client_responses(struct tl_worker *w, struct tl_flow *f, uint32_t complete,
			    uint64_t now_ns);
/* `complete` whole messages came in on an rr client or server flow. */
void tl_rr_flow_complete(struct tl_worker *w, struct tl_flow *f, uint32_t complete,
			 uint64_t now_ns);
void tl_rr_flow_error(struct tl_worker *w, struct tl_flow *f, int err_no);

/*
 * rr_solo.c: a worker whose only flow is a closed-loop rr client or an rr server runs it
 * with blocking I/O, outside epoll, from the start until the flow is done or the engine
 * quits. Returns whether it did (0: not eligible, the epoll loop carries on as usual).
 */
int tl_rr_solo_run(struct tl_worker *w);
/* stream_solo.c: the same for a worker whose only flow is a stream sender or receiver. */
int tl_stream_solo_run(struct tl_worker *w);

/* solo.c, shared by both solo loops. */
#define TL_SOLO_QUIT_POLL_NS (20 * 1000 * 1000ULL)
/* The worker's only flow when it has exactly one, with a socket, still active; else NULL. */
struct tl_flow *tl_solo_flow(const struct tl_worker *w);
/* Blocking: f leaves the epoll set and its socket blocks, with TL_SOLO_QUIT_POLL_NS send and
 * receive timeouts. Not blocking: back to non-blocking, in the epoll set for events. -1 when
 * fcntl (or epoll_ctl on the way back) failed. */
int tl_solo_set_blocking(struct tl_worker *w, struct tl_flow *f, int blocking, uint32_t events);

#define TL_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define TL_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#endif
