#include "workload/stall.h"

#include "engine/engine.h"

int tl_stall_update(struct tl_stall *st, const struct tl_flow_sample *fs, uint64_t since_ns,
		    uint64_t now_ns, uint64_t timeout_ns)
{
	if (fs->state != TL_FLOW_ACTIVE) {
		st->stalled_for_ns = 0;
		return 0;
	}
	uint64_t since = fs->last_progress_ns > since_ns ? fs->last_progress_ns : since_ns;
	uint64_t idle = now_ns > since ? now_ns - since : 0;
	st->stalled_for_ns = idle >= timeout_ns ? idle : 0;
	if (st->stalled_for_ns)
		st->stalled = 1;
	return st->stalled_for_ns != 0;
}
