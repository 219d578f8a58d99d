#ifndef TCPLAB_WORKLOAD_TXN_RESULT_H
#define TCPLAB_WORKLOAD_TXN_RESULT_H

/* rr and crr results from both ends' samples (see workload/result.h for the stream ones). */

#include <jansson.h>
#include <stdint.h>

#include "spec/spec.h"

json_t *tl_txn_merge_interval(const struct tl_spec *spec, uint32_t nconn, uint32_t per_flow_limit,
			      const json_t *client_iv, const json_t *agent_iv);
json_t *tl_txn_merge_end(const struct tl_spec *spec, uint32_t nconn, const json_t *client_res,
			 const json_t *agent_res);

#endif
