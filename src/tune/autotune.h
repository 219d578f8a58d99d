#ifndef TCPLAB_TUNE_AUTOTUNE_H
#define TCPLAB_TUNE_AUTOTUNE_H

/*
 * 'stream --autotune': from a probe result and this host's limits, choose the flow count and
 * each flow's SO_SNDBUF (at the sender) and SO_RCVBUF (at the receiver), then run the user's
 * test twice on the same path: once as the kernel's autotuning would (no buffer options) and
 * once with the choice, so the two can be read side by side. Both runs use the same number of
 * flows: the buffers are the only difference.
 */

#include <jansson.h>
#include <stdint.h>

#include "result/stream.h"
#include "spec/spec.h"
#include "tune/advice.h"
#include "tune/probe.h"
#include "util/err.h"

struct tl_autotune_choice {
	struct tl_advice advice;
	uint32_t flows;
	uint64_t sndbuf; /* per flow, the setsockopt value */
	uint64_t rcvbuf;
	char why[1536];  /* the reasoning, with its arithmetic, in sentences */
};

/*
 * Chooses for the path p under lim, with at least min_flows flows (the user's -P). The
 * fewest flows whose buffers fit rmem_max/wmem_max are used, capped at TL_ADVICE_MAX_FLOWS.
 * Pure.
 */
void tl_autotune_choose(const struct tl_probe_result *p, const struct tl_advice_limits *lim,
			uint32_t min_flows, struct tl_autotune_choice *out);

/*
 * The two runs from the user's spec: kernel = user's with the chosen flow count and no
 * buffer options; tuned = the same with sndbuf/rcvbuf set. Fails with -EINVAL when the
 * user's spec sets buffers itself (--sndbuf, --rcvbuf, groups) or runs both directions.
 */
int tl_autotune_specs(const struct tl_spec *user, const struct tl_autotune_choice *c,
		      struct tl_spec *kernel, struct tl_spec *tuned, struct tl_err *err);

/*
 * The whole result: {"autotune": {"probe", "probe_origin", "limits"+"advice", "choice",
 * "kernel", "tuned", "comparison"}}. kernel_doc and tuned_doc are borrowed; the comparison is
 * computed from their ends as result/stream.h decoded them (kernel_end, tuned_end). New
 * reference.
 */
json_t *tl_autotune_doc(const struct tl_probe_result *p, int from_cache, uint64_t age_s,
			const struct tl_advice_limits *lim, const struct tl_autotune_choice *c,
			const json_t *kernel_doc, const json_t *tuned_doc,
			const struct tl_stream_end *kernel_end, const struct tl_stream_end *tuned_end);

#endif
