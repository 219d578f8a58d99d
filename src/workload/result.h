#ifndef TCPLAB_WORKLOAD_RESULT_H
#define TCPLAB_WORKLOAD_RESULT_H

/*
 * The result model of a stream test: one JSON document {start, intervals, end} that every
 * renderer reads (table, JSON, JSON lines, CSV). It is built on the client by merging what
 * its own end saw (workload/side.h) with what the agent's end reports: for each flow the
 * receiver's count is the throughput, the sender's count and TCP_INFO stand beside it.
 * docs/json.md describes every field.
 */

#include <jansson.h>
#include <stdint.h>

#include "spec/spec.h"
#include "workload/result_ends.h" /* tl_result_machine_cpu, tl_result_kernel_tcp */

struct tl_stream_merge;

/* per_flow_limit: above this many connections, intervals carry sums only (end keeps all). */
struct tl_stream_merge *tl_stream_merge_new(const struct tl_spec *spec, uint32_t per_flow_limit);
void tl_stream_merge_free(struct tl_stream_merge *m);

/* One interval from both ends' interval JSON (either may be NULL). New reference. */
json_t *tl_stream_merge_interval(struct tl_stream_merge *m, const json_t *client_iv,
				 const json_t *agent_iv);

/* The "end" object from both ends' results. New reference. */
json_t *tl_stream_merge_end(struct tl_stream_merge *m, const json_t *client_res,
			    const json_t *agent_res);

#endif
