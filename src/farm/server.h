#ifndef TCPLAB_FARM_SERVER_H
#define TCPLAB_FARM_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "farm/ledger.h"
#include "net/addr.h"
#include "util/err.h"

/*
 * The job server: one thread, one epoll loop, non-blocking sockets. It hands out the jobs of
 * lo..hi (split into njobs, farm/split.h) to whoever asks (farm/proto.h), takes the results
 * back into its ledger, re-queues jobs whose worker went silent for job_timeout, and when
 * every job is in, checks the total against the reference and answers DONE with the
 * verdict. It never closes a healthy connection first: the worker does, so TIME_WAIT stays on
 * the worker's side, where a job server's workers run out of ports.
 */

struct tl_farm_server_config {
	const char *bind;           /* address to listen on; NULL or "" = all (IPv6 and IPv4) */
	uint16_t port;              /* 0 = any free port */
	uint64_t lo, hi;            /* the numbers */
	uint32_t njobs;
	uint64_t expected;          /* reference prime count of lo..hi */
	uint64_t job_timeout_ns;    /* a job out longer than this goes back to the queue */
	uint64_t idle_timeout_ns;   /* a connection silent this long is closed */
	uint32_t max_conns;         /* connections open at once; more are closed at accept */
	uint64_t linger_ns;         /* after the last result, keep answering DONE this long, then
				       stop by itself (0: run until stopped) */
	uint64_t deadline_ns;       /* CLOCK_MONOTONIC: stop at this moment regardless */
};

/* Counters, readable while the server runs (relaxed atomics) and exact after it stopped. */
struct tl_farm_server_stats {
	uint64_t accepted;          /* connections accepted */
	uint64_t refused;           /* closed at accept: max_conns reached */
	uint64_t requests;          /* REQUESTs answered */
	uint64_t malformed;         /* requests answered with ERROR */
	uint64_t idle_closed;
	uint64_t open_conns;
	uint64_t jobs_done, handed_out, requeued, duplicates, mismatches;
	uint64_t cpu_ns;            /* the server thread's CPU time (user + sys), at the end */
	uint64_t first_ns;          /* CLOCK_MONOTONIC of the first request (0: none yet) */
	uint64_t done_ns;           /* when the last result came in (0: not yet) */
	bool finished;              /* the thread has ended */
};

struct tl_farm_server;

/* Listens (so the port is known before anything runs) and builds the ledger. NULL on error. */
struct tl_farm_server *tl_farm_server_new(const struct tl_farm_server_config *cfg,
					  struct tl_err *err);

/* The address and port listened on. */
const struct tl_addr *tl_farm_server_addr(const struct tl_farm_server *s);

/* Runs the loop in a thread until stop_fd is readable, the deadline, linger, or an error. */
int tl_farm_server_start(struct tl_farm_server *s, int stop_fd, struct tl_err *err);

void tl_farm_server_stats(const struct tl_farm_server *s, struct tl_farm_server_stats *out);

/*
 * Waits for the thread, then fills the final books. Returns 0, or the negative errno of an
 * error that stopped the loop (with err set). Call once.
 */
int tl_farm_server_join(struct tl_farm_server *s, struct tl_farm_check *check,
			struct tl_err *err);

/* The first malformed request's error text, "" if none (read after join). */
const char *tl_farm_server_first_malformed(const struct tl_farm_server *s);

void tl_farm_server_free(struct tl_farm_server *s);

#endif
