#ifndef TCPLAB_WORKLOAD_RESULT_ENDS_H
#define TCPLAB_WORKLOAD_RESULT_ENDS_H

/*
 * What the stream and the transaction result models (result.c, txn_result.c) read from each
 * end's results alike: integer fields, and each end's CPU and kernel counters side by side.
 * Both models include this, and neither includes the other's file for it.
 */

#include <jansson.h>
#include <stdint.h>

/* obj[key] as a count: 0 when it is missing, not an integer, or not positive. */
uint64_t tl_result_u64(const json_t *obj, const char *key);

/* {"client": x, "agent": y}: each end's cpu.percent, 0.0 where an end has none. New reference. */
json_t *tl_result_cpu_percent(const json_t *client_res, const json_t *agent_res);

/*
 * Each end's machine over the test, {"client": {busy_percent, steal_percent, cpus},
 * "agent": {...}}, from their results' cpu.machine (an end that could not read /proc/stat
 * is left out). For stream and the transaction tests alike. New reference.
 */
json_t *tl_result_machine_cpu(const json_t *client_res, const json_t *agent_res);

/*
 * Each end's kernel counter growth over the test, {"client": {"TCPMemoryPressures": n, ...},
 * "agent": {...}}, from their results' kernel_tcp (left out where absent). New reference.
 */
json_t *tl_result_kernel_tcp(const json_t *client_res, const json_t *agent_res);

#endif
