#include "farm/ledger.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "farm/split.h"

int tl_farm_ledger_init(struct tl_farm_ledger *l, uint32_t njobs, struct tl_err *err)
{
	memset(l, 0, sizeof(*l));
	if (njobs < 1 || njobs > TL_FARM_JOBS_MAX)
		return tl_err_set(err, EINVAL, "ledger of %u jobs: between 1 and %u", njobs,
				  TL_FARM_JOBS_MAX);
	l->njobs = njobs;
	l->state = calloc(njobs, 1);
	l->handed = calloc(njobs, 1);
	l->value = calloc(njobs, sizeof(*l->value));
	l->out_ns = calloc(njobs, sizeof(*l->out_ns));
	l->queue = malloc(njobs * sizeof(*l->queue));
	l->leases = malloc(njobs * sizeof(*l->leases));
	if (!l->state || !l->handed || !l->value || !l->out_ns || !l->queue || !l->leases) {
		tl_farm_ledger_free(l);
		return tl_err_set(err, ENOMEM, "ledger of %u jobs: out of memory", njobs);
	}
	for (uint32_t i = 0; i < njobs; i++)
		l->queue[i] = i;
	l->q_len = njobs;
	return 0;
}

void tl_farm_ledger_free(struct tl_farm_ledger *l)
{
	free(l->state);
	free(l->handed);
	free(l->value);
	free(l->out_ns);
	free(l->queue);
	free(l->leases);
	memset(l, 0, sizeof(*l));
}

static uint32_t ring_pop(uint32_t *ring, uint32_t cap, uint32_t *head, uint32_t *len)
{
	uint32_t v = ring[*head];
	*head = *head + 1 == cap ? 0 : *head + 1;
	(*len)--;
	return v;
}

/* A job is in each ring at most once (see requeue), so a ring of njobs never overflows. */
static void ring_push(uint32_t *ring, uint32_t cap, uint32_t head, uint32_t *len, uint32_t v)
{
	uint32_t at = head + *len;
	ring[at >= cap ? at - cap : at] = v;
	(*len)++;
}

uint32_t tl_farm_ledger_take(struct tl_farm_ledger *l, uint32_t want, uint64_t now_ns,
			     uint32_t *ids)
{
	uint32_t n = 0;
	while (n < want && l->q_len > 0) {
		uint32_t job = ring_pop(l->queue, l->njobs, &l->q_head, &l->q_len);
		if (l->state[job] != TL_FARM_JOB_WAITING)
			continue; /* a late result finished it while it waited again */
		l->state[job] = TL_FARM_JOB_OUT;
		l->handed[job] = 1;
		l->out_ns[job] = now_ns;
		ring_push(l->leases, l->njobs, l->l_head, &l->l_len, job);
		l->handed_out++;
		ids[n++] = job;
	}
	return n;
}

int tl_farm_ledger_result(struct tl_farm_ledger *l, uint32_t job, uint64_t value,
			  struct tl_err *err)
{
	if (job >= l->njobs)
		return tl_err_set(err, EPROTO, "result for job %u: no such job (there are %u)", job,
				  l->njobs);
	if (!l->handed[job])
		return tl_err_set(err, EPROTO, "result for job %u, which was never handed out "
				  "(out of order)", job);
	if (l->state[job] == TL_FARM_JOB_DONE) {
		if (l->value[job] == value) {
			l->duplicates++;
			return TL_FARM_RESULT_DUPLICATE;
		}
		l->mismatches++;
		return TL_FARM_RESULT_MISMATCH;
	}
	/* OUT, or WAITING again after its lease expired: the lease/queue entry is skipped later. */
	l->state[job] = TL_FARM_JOB_DONE;
	l->value[job] = value;
	l->total += value;
	l->done++;
	return TL_FARM_RESULT_ACCEPTED;
}

uint32_t tl_farm_ledger_requeue_expired(struct tl_farm_ledger *l, uint64_t now_ns,
					uint64_t timeout_ns)
{
	uint32_t n = 0;
	while (l->l_len > 0) {
		uint32_t job = l->leases[l->l_head];
		/* Written as a sum: a caller's now_ns may be slightly older than out_ns. */
		if (l->state[job] == TL_FARM_JOB_OUT && l->out_ns[job] + timeout_ns > now_ns)
			break; /* hand-out order is expiry order: the rest are younger */
		ring_pop(l->leases, l->njobs, &l->l_head, &l->l_len);
		if (l->state[job] != TL_FARM_JOB_OUT)
			continue; /* done meanwhile */
		/*
		 * Its lease entry is gone now, and it enters the queue once: both rings keep
		 * at most one entry per job.
		 */
		l->state[job] = TL_FARM_JOB_WAITING;
		ring_push(l->queue, l->njobs, l->q_head, &l->q_len, job);
		l->requeued++;
		n++;
	}
	return n;
}

uint64_t tl_farm_ledger_next_expiry(const struct tl_farm_ledger *l, uint64_t timeout_ns)
{
	uint32_t at = l->l_head;
	for (uint32_t i = 0; i < l->l_len; i++) {
		uint32_t job = l->leases[at];
		if (l->state[job] == TL_FARM_JOB_OUT)
			return l->out_ns[job] + timeout_ns;
		at = at + 1 == l->njobs ? 0 : at + 1;
	}
	return 0;
}

void tl_farm_ledger_check(const struct tl_farm_ledger *l, uint64_t expected,
			  struct tl_farm_check *out)
{
	memset(out, 0, sizeof(*out));
	out->total = l->total;
	out->expected = expected;
	out->done = l->done;
	out->njobs = l->njobs;
	out->first_missing = -1;
	for (uint32_t i = 0; i < l->njobs; i++)
		if (l->state[i] != TL_FARM_JOB_DONE) {
			if (out->first_missing < 0)
				out->first_missing = i;
			out->missing++;
		}
	out->duplicates = l->duplicates;
	out->mismatches = l->mismatches;
	out->complete = out->missing == 0;
	out->pass = out->complete && l->total == expected && l->mismatches == 0;
}
