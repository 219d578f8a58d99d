#ifndef TCPLAB_FARM_WORKER_H
#define TCPLAB_FARM_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "net/addr.h"
#include "util/err.h"

/*
 * The farm's workers: W threads of this process (threads, so each one's CPU time is read
 * with RUSAGE_THREAD and compared with its wall time). Each asks the server for up to batch
 * jobs, counts the primes of each, and returns the results with its next request. With
 * persistent connections a worker keeps one connection; per-request, it connects for every
 * request and closes first after the answer, which leaves one TIME_WAIT socket on this host
 * per request: one job per connection exhausts the ephemeral ports.
 *
 * A connect that fails with EADDRNOTAVAIL (no ephemeral port free) or times out is counted,
 * never hidden, and retried after a short backoff (5 ms doubling to 100 ms), so the run keeps
 * going and its rate shows the ceiling. A connection that breaks is reopened and the results
 * it carried are sent again (the server counts duplicates). Refused before any answer, or an
 * ERROR from the server, ends the worker with that message.
 */

struct tl_farm_work_config {
	struct tl_addr dest;
	uint32_t workers;
	uint32_t batch;             /* 1..TL_FARM_BATCH_MAX jobs per request */
	bool persistent;
	uint32_t worker_id_base;    /* worker i tells the server base + i */
	uint64_t deadline_ns;       /* CLOCK_MONOTONIC: every worker stops by then */
	uint64_t io_timeout_ns;     /* one connect or one request/answer */
};

struct tl_farm_work_stats {
	uint64_t jobs;              /* jobs computed */
	uint64_t jobs_returned;     /* results the server received (answered requests) */
	uint64_t requests;          /* answered requests */
	uint64_t connects;          /* connections opened */
	uint64_t connect_attempts;
	uint64_t connect_failed;    /* attempts that failed, any reason */
	uint64_t addr_not_avail;    /* of those, EADDRNOTAVAIL */
	uint64_t broken;            /* exchanges cut by a connection error, then retried */
	uint64_t waits;             /* answers with no job free (all out with others) */
	uint64_t compute_ns;        /* wall time spent counting primes, all workers */
	uint64_t idle_ns;           /* wall time asleep because no job was free (the tail) */
	uint64_t wall_ns;           /* each worker's life, summed */
	uint64_t cpu_ns;            /* user + sys of the worker threads (at their end) */
	uint64_t start_ns;          /* CLOCK_MONOTONIC when the threads were started */
	uint64_t end_ns;            /* when the last one ended (0 while any runs) */
	uint32_t running;           /* threads not yet ended */
	bool got_done;              /* some worker heard DONE */
	uint32_t verdict;           /* TL_FARM_VERDICT_* from DONE, 0 if none */
	uint64_t primes, expected;  /* from DONE */
	bool server_gone;           /* refused after answers: the server has ended */
};

struct tl_farm_workers;

/* Starts the threads. stop_fd (an eventfd, or -1) ends them early when readable. */
struct tl_farm_workers *tl_farm_workers_start(const struct tl_farm_work_config *cfg,
					      int stop_fd, struct tl_err *err);

/* Tells the threads to stop (they also watch stop_fd; this ends a batch being computed). */
void tl_farm_workers_stop(struct tl_farm_workers *w);

/* Sums the workers' counters now (relaxed reads; exact after join). */
void tl_farm_workers_stats(const struct tl_farm_workers *w, struct tl_farm_work_stats *out);

/*
 * The first connect failure, as one line with the cause, the ceiling and the remedies; NULL
 * until a connect has failed. The text does not change once set.
 */
const char *tl_farm_workers_first_failure(const struct tl_farm_workers *w);

/*
 * Time of each answered request, from the start of its connect (per-request) or of its
 * write (persistent) to the whole answer, merged over the workers into out (call after
 * join). The histogram is farm/measure's log-linear one (<= 1% error).
 */
struct tl_hist;
void tl_farm_workers_latency(const struct tl_farm_workers *w, struct tl_hist *out);

/* Joins the threads. 0, or the first worker's fatal error (err set). */
int tl_farm_workers_join(struct tl_farm_workers *w, struct tl_err *err);

void tl_farm_workers_free(struct tl_farm_workers *w);

#endif
