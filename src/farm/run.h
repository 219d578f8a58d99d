#ifndef TCPLAB_FARM_RUN_H
#define TCPLAB_FARM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "sys/port_ceiling.h"
#include "farm/ledger.h"
#include "farm/proto.h"
#include "farm/server.h"
#include "farm/worker.h"
#include "util/err.h"

/*
 * One farm run: the job server, the workers, or both on this machine (the server on
 * loopback, port 0), watched from the calling thread. While it runs, the caller's thread
 * samples the TIME_WAIT sockets towards the server's port through sock_diag every
 * sample_ns, calls progress, and says once when connects start failing. Everything is bounded
 * by max_time: a run that runs out of ephemeral ports still ends then, and reports what it
 * did. The result is one model for the table and the JSON.
 */

#define TL_FARM_TW_SERIES_MAX 1024

enum tl_farm_mode {
	TL_FARM_MODE_BOTH,   /* tcplab farm: server and workers here */
	TL_FARM_MODE_SERVE,  /* tcplab farm serve */
	TL_FARM_MODE_WORK,   /* tcplab farm work HOST */
};

struct tl_farm_spec {
	enum tl_farm_mode mode;
	const char *host;          /* WORK: the server */
	const char *bind;          /* SERVE: listen address (NULL: all); BOTH: 127.0.0.1 */
	uint16_t port;             /* SERVE/WORK; BOTH listens on port 0 */
	uint64_t lo, hi;           /* SERVE/BOTH: the numbers */
	uint32_t jobs;             /* SERVE/BOTH */
	uint32_t workers, batch;   /* WORK/BOTH */
	bool persistent;           /* WORK/BOTH */
	uint64_t max_time_ns;
	uint64_t job_timeout_ns;   /* SERVE/BOTH: re-queue after this */
	uint64_t io_timeout_ns;    /* WORK/BOTH: one connect or exchange */
	uint64_t sample_ns;        /* TIME_WAIT sampling and progress interval */
	bool isolated;             /* the caller moved the run into a private netns (report only) */
};

enum tl_farm_stop {
	TL_FARM_STOP_DONE,        /* every job returned (or, for work, DONE heard) */
	TL_FARM_STOP_MAX_TIME,
	TL_FARM_STOP_SIGNAL,
	TL_FARM_STOP_ERROR,
	TL_FARM_STOP_SERVER_GONE, /* work: the server stopped answering after the work */
};

enum tl_farm_outcome {
	TL_FARM_PASS,             /* every job in, total equal to the reference */
	TL_FARM_FAIL,             /* every job in, total (or a duplicate) wrong */
	TL_FARM_INCOMPLETE,       /* not every job came back: nothing to verify */
};

struct tl_farm_progress {
	uint64_t elapsed_ns;
	uint64_t jobs_done, jobs_total;   /* jobs_total 0 when unknown (work) */
	uint64_t requests, connects, connect_failed;
	uint32_t time_wait, time_wait_peak;
};

struct tl_farm_result {
	struct tl_farm_spec spec;
	char server_addr[80];             /* address:port of the server */
	uint16_t port;
	struct tl_port_facts ceiling_in;  /* this namespace's facts (sys/port_ceiling.h) */
	struct tl_port_ceiling ceiling;   /* towards the server, one source address */
	bool dest_loopback;
	bool have_ceiling;
	uint64_t expected;                /* reference count (SERVE/BOTH) */
	uint64_t reference_ns;            /* time the sieve took */
	uint64_t elapsed_ns;              /* first request to last result */
	enum tl_farm_stop stopped_by;
	enum tl_farm_outcome outcome;
	uint64_t primes;                  /* the total the farm found */
	bool have_server;
	struct tl_farm_server_stats server;
	struct tl_farm_check check;
	char first_malformed[TL_FARM_ERROR_MAX + 1];
	bool have_workers;
	struct tl_farm_work_stats work;
	char first_failure[640];          /* the one line about failing connects ("" none) */
	/* Request times (connect included per-request), ns: p50, p90, p99, p99.9, max. */
	uint64_t lat_count, lat_min, lat_pct[4], lat_max;
	uint32_t tw_start, tw_peak, tw_end, tw_samples;
	/* The samples taken while the run ran (the first TL_FARM_TW_SERIES_MAX of them). */
	uint32_t tw_series_n;
	struct tl_farm_tw_sample {
		uint32_t t_ms;                /* since the workers (or the server) started */
		uint32_t count;
	} tw_series[TL_FARM_TW_SERIES_MAX];
	char tw_note[256];                /* why sampling stopped, if it did */
	double machine_busy_pct;
	unsigned ncpu;
	char limited_by[32];              /* "ephemeral-ports", "computation", ... */
	char summary[640];                /* one line: which run was limited by what */
	char error[512];                  /* a runtime error ("" none) */
};

struct tl_farm_callbacks {
	/* After the server listens (port known) and the ceiling is read, before any work. */
	void (*started)(void *ctx, const struct tl_farm_result *r);
	void (*progress)(void *ctx, const struct tl_farm_progress *p);
	/* Once, when connects start failing: the one line with cause and remedies. */
	void (*failure)(void *ctx, const char *line);
	void *ctx;
	int stop_fd;  /* readable = stop now (a signalfd), or -1 */
};

/* Default values for a spec (one job per connection, five workers). */
void tl_farm_spec_defaults(struct tl_farm_spec *s, enum tl_farm_mode mode);

/* Checks a spec once; conflicts and limits named. */
int tl_farm_spec_validate(const struct tl_farm_spec *s, struct tl_err *err);

/*
 * Runs the farm. The result is always filled as far as the run got (also on error, with
 * r->error set). Returns 0, or a negative errno when the run could not start or broke.
 */
int tl_farm_run(const struct tl_farm_spec *s, const struct tl_farm_callbacks *cb,
		struct tl_farm_result *r, struct tl_err *err);

/* "per-request batch 1", "persistent batch 10000", "serve". */
const char *tl_farm_spec_label(const struct tl_farm_spec *s, char *buf, unsigned len);

const char *tl_farm_stop_name(enum tl_farm_stop s);
const char *tl_farm_outcome_name(enum tl_farm_outcome o);

/* Fills r->limited_by and r->summary from the rest of r (farm/verdict.c). */
void tl_farm_verdict(struct tl_farm_result *r);

#endif
