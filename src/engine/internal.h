#ifndef TCPLAB_ENGINE_INTERNAL_H
#define TCPLAB_ENGINE_INTERNAL_H

/* The engine's own structures, shared by engine.c, worker.c and flow.c only. */

#include <pthread.h>
#include <stdint.h>

#include "engine/engine.h"
#include "measure/cpu.h"

struct tl_worker;

/*
 * One flow. The counters the reporter reads (bytes, last_progress_ns, state...) are
 * written only by the owning worker, with relaxed atomic stores.
 */
struct tl_flow {
	int fd;
	uint32_t id;
	int sender;
	int zerocopy;
	int reading;           /* receiver still registered for input */
	uint64_t budget;
	uint64_t stop_reading_after_ns;
	struct tl_worker *worker;

	uint64_t bytes;
	uint64_t last_progress_ns;
	int state;
	int err_no;
	uint64_t verify_errors;
	uint64_t first_bad_offset;
	uint64_t zc_sends, zc_completions, zc_copied;
};

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
};

struct tl_engine {
	struct tl_engine_config cfg;
	uint8_t *pattern;       /* PERIOD + extra bytes, read-only once built */
	size_t pattern_extra;
	struct tl_worker *workers;
	uint32_t nworkers;
	struct tl_flow *flows;  /* max_flows slots */
	size_t nflows;
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

#define TL_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define TL_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#endif
