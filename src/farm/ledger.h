#ifndef TCPLAB_FARM_LEDGER_H
#define TCPLAB_FARM_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * The server's book of jobs: which are waiting, which are out with a worker (and since
 * when), which are done and with what result. It hands jobs out in FIFO order, takes results
 * back, re-queues jobs whose worker has not answered within a timeout (a worker that died must
 * not make the total wrong or the run endless), and at the end checks the books: every job
 * done exactly once, duplicates and disagreeing duplicates counted, the total against an
 * independent reference. Single-threaded (the server's loop owns it); times are passed in, so
 * tests drive the clock.
 */

enum tl_farm_job_state {
	TL_FARM_JOB_WAITING = 0,
	TL_FARM_JOB_OUT = 1,
	TL_FARM_JOB_DONE = 2,
};

struct tl_farm_ledger {
	uint32_t njobs;
	uint8_t *state;       /* enum tl_farm_job_state, per job */
	uint8_t *handed;      /* 1 once a job has been handed out at least once */
	uint64_t *value;      /* the accepted result of a done job */
	uint64_t *out_ns;     /* when a job was last handed out */
	uint32_t *queue;      /* waiting jobs, a ring of njobs */
	uint32_t q_head, q_len;
	uint32_t *leases;     /* handed-out jobs in hand-out order (so in expiry order), a ring */
	uint32_t l_head, l_len;
	/* Counters. */
	uint32_t done;
	uint64_t total;       /* sum of the accepted results */
	uint64_t handed_out;  /* jobs handed out, re-hands included */
	uint64_t requeued;    /* jobs put back after their lease expired */
	uint64_t duplicates;  /* results for jobs already done (same value) */
	uint64_t mismatches;  /* results for jobs already done, with a different value */
};

/* All njobs (1..TL_FARM_JOBS_MAX) waiting. 0 or -ENOMEM/-EINVAL with err set. */
int tl_farm_ledger_init(struct tl_farm_ledger *l, uint32_t njobs, struct tl_err *err);
void tl_farm_ledger_free(struct tl_farm_ledger *l);

/* Hands out up to want waiting jobs (their ids into ids[]) at now_ns; returns how many. */
uint32_t tl_farm_ledger_take(struct tl_farm_ledger *l, uint32_t want, uint64_t now_ns,
			     uint32_t *ids);

enum tl_farm_result_kind {
	TL_FARM_RESULT_ACCEPTED = 0,
	TL_FARM_RESULT_DUPLICATE = 1,  /* job already done, same value: counted, ignored */
	TL_FARM_RESULT_MISMATCH = 2,   /* job already done, other value: counted, first kept */
};

/*
 * Takes the result of job. Returns an enum tl_farm_result_kind, or -EPROTO with err set for a
 * job id out of range or a job that was never handed out (a result before its job: out of
 * order). A late result for a job that timed out and was re-queued is accepted (the job then
 * leaves the queue when its turn comes).
 */
int tl_farm_ledger_result(struct tl_farm_ledger *l, uint32_t job, uint64_t value,
			  struct tl_err *err);

/* Puts back the jobs out for longer than timeout_ns at now_ns; returns how many. */
uint32_t tl_farm_ledger_requeue_expired(struct tl_farm_ledger *l, uint64_t now_ns,
					uint64_t timeout_ns);

/* Earliest moment a lease can expire (0: none out). */
uint64_t tl_farm_ledger_next_expiry(const struct tl_farm_ledger *l, uint64_t timeout_ns);

static inline bool tl_farm_ledger_complete(const struct tl_farm_ledger *l)
{
	return l->done == l->njobs;
}

/* What the books say at the end. */
struct tl_farm_check {
	uint64_t total;          /* sum of accepted results */
	uint64_t expected;       /* the reference, from the caller */
	uint32_t done, njobs;
	uint32_t missing;        /* jobs without a result */
	int64_t first_missing;   /* the lowest such job id, -1 when none */
	uint64_t duplicates, mismatches;
	bool complete;           /* every job has a result */
	bool pass;               /* complete, total == expected and no mismatching duplicate */
};

void tl_farm_ledger_check(const struct tl_farm_ledger *l, uint64_t expected,
			  struct tl_farm_check *out);

#endif
