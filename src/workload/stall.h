#ifndef TCPLAB_WORKLOAD_STALL_H
#define TCPLAB_WORKLOAD_STALL_H

/*
 * Stall detection for one flow: a flow that is still active but has moved no byte for
 * --stall-timeout is stalled. The judgement is on one engine sample at a time, so the rule is
 * the same on both ends and testable without a clock of its own.
 */

#include <stdint.h>

struct tl_flow_sample;

struct tl_stall {
	int stalled;             /* sticky: the flow stalled at some check */
	uint64_t stalled_for_ns; /* how long it has been idle, while that is past the timeout;
				  * 0 when it is not stalled now */
};

/*
 * Judges one flow at now_ns from its sample fs. Idle time counts from its last progress, or
 * from since_ns (the test's start) when that was earlier or it never moved: the wait before
 * the start is not a stall. A flow that has ended (done or failed) is not stalled now.
 * Returns 1 when the flow is stalled at this check.
 */
int tl_stall_update(struct tl_stall *st, const struct tl_flow_sample *fs, uint64_t since_ns,
		    uint64_t now_ns, uint64_t timeout_ns);

#endif
