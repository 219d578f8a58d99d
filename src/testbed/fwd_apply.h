#ifndef TCPLAB_TESTBED_FWD_APPLY_H
#define TCPLAB_TESTBED_FWD_APPLY_H

/* What may change while the forwarder runs: --prio, --cpu-latency, `set` (fwd_apply.c). */

#include <sys/types.h>

#include <jansson.h>

#include "testbed/fwd_state.h"
#include "util/err.h"

/*
 * SCHED_FIFO for --prio rt; SCHED_OTHER at nice -20 for high, at nice 0 for normal. For
 * thread tid (0: the calling one): Linux schedules threads, not processes.
 */
int tl_testbed_fwd_apply_prio(pid_t tid, enum tl_testbed_prio prio, struct tl_err *err);

/* --cpu-latency: like --prio, a machine that refuses it (no PM QoS device) still forwards;
 * why is left in f->cpu_latency_note. */
void tl_testbed_fwd_apply_cpu_latency(struct tl_testbed_fwd *f, int32_t us);

/* Applies a new option set to the running links. */
int tl_testbed_fwd_apply(struct tl_testbed_fwd *f, const json_t *opts, uint64_t now_ns,
			 struct tl_err *err);

#endif
