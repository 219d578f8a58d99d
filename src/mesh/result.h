#ifndef TCPLAB_MESH_RESULT_H
#define TCPLAB_MESH_RESULT_H

#include <stdint.h>

#include <jansson.h>

#include "mesh/spec.h"

struct tl_err;

struct tl_mesh_result_meta {
	const char *launch;
	uint64_t rendezvous_ns;   /* first contact to every rank listening */
	uint64_t connect_ns;      /* table sent to every connection up */
};

/*
 * Merges the ranks' final reports (finals[0..ranks), one per rank) into the run's results,
 * the one model every renderer reads:
 *   {"transport", "pattern", "ranks", "tokens", "message_size", "seed", "launch",
 *    "rendezvous_ms", "connect_ms", "window_s", "hops", "hops_per_s", "hops_sent",
 *    "hops_received", "hops_requested" (--hops runs), "hops_complete",
 *    "latency_ns": {count, min, mean, p50, p90, p99, p99_9, max} or null (ranks on hosts
 *                  with different clocks), "latency_note",
 *    "cpu": {mesh: {user_s, sys_s, pct_of_core, pct_of_machine, vol_ctx, invol_ctx,
 *                   cpu_ns_per_hop, vol_ctx_per_hop, invol_ctx_per_hop},
 *            machine: {hosts, ncpu, busy_pct, idle_pct, other_busy_pct}},
 *    "tcp_counters": {name: delta, ...} (each network namespace once) or null for unix,
 *    "tokens_check": {expected, held, id_sum_ok, id_hash_ok, conserved},
 *    "misrouted", "ok",
 *    "per_rank": [{rank, hops_received, hops_sent, held, cpu_pct, vol_ctx, invol_ctx}]}
 * "ok" is true when the tokens are conserved, every sent message arrived, no token left
 * its tour and a --hops run made all its hops.
 */
int tl_mesh_result_build(const struct tl_mesh_spec *spec, const json_t *const *finals,
			 const struct tl_mesh_result_meta *meta, json_t **out, struct tl_err *err);

/* The expected checksums of tokens 0..tokens-1 (sum of ids, XOR of their hashes). */
void tl_mesh_tokens_expected(uint32_t tokens, uint64_t *id_sum, uint64_t *id_hash);

#endif
