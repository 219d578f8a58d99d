#ifndef TCPLAB_RESULT_MESH_H
#define TCPLAB_RESULT_MESH_H

/*
 * A mesh document ({"command": "mesh", "ok", "runs": [...]}: mesh/result.h builds each run)
 * as C structs, decoded once in cmd/mesh.c; out/mesh_table.c renders them and reads no key.
 * A missing or mistyped field is an error naming its path ("runs[1].cpu.mesh.pct_of_core"),
 * never a silent 0. Strings are borrowed from the document; free with tl_mesh_doc_free.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mesh/counters.h"
#include "util/err.h"

struct tl_mesh_res_latency {
	uint64_t count, min, p50, p90, p99, p99_9, max;
	double mean;
};

struct tl_mesh_res_cpu {
	/* the ranks together ("mesh") */
	double user_s, sys_s, pct_of_core, pct_of_machine;
	uint64_t vol_ctx, invol_ctx;
	double cpu_ns_per_hop, vol_ctx_per_hop, invol_ctx_per_hop;
	/* the hosts they ran on ("machine") */
	uint64_t hosts, ncpu;
	double busy_pct, idle_pct, other_busy_pct;
};

struct tl_mesh_res_rank {
	uint64_t rank, hops_received, hops_sent, held, vol_ctx, invol_ctx;
	double cpu_pct;
};

struct tl_mesh_res_run {
	const char *transport, *pattern, *launch;
	uint64_t ranks, tokens, message_size, seed;
	double rendezvous_ms, connect_ms, window_s, hops_per_s;
	uint64_t hops, hops_sent, hops_received;
	int has_hops_requested;             /* a --hops run: the two below */
	uint64_t hops_requested;
	int hops_complete;
	int has_latency;                    /* null when the ranks ran on different hosts */
	struct tl_mesh_res_latency latency;
	const char *latency_note;           /* NULL without one */
	struct tl_mesh_res_cpu cpu;
	int has_counters;                   /* null for unix sockets */
	int has_counter[TL_MESH_COUNTERS];  /* counter i (tl_mesh_counter_name) was reported */
	int64_t counter[TL_MESH_COUNTERS];
	uint64_t tokens_expected, tokens_held;
	int id_sum_ok, id_hash_ok, conserved;
	uint64_t misrouted;
	int ok, interrupted;
	struct tl_mesh_res_rank *per_rank;
	size_t nranks;
};

struct tl_mesh_doc {
	int ok, interrupted;
	const char *error;                  /* NULL when the command did not fail */
	struct tl_mesh_res_run *runs;
	size_t nruns;
};

/* One run (where names it in messages, "runs[0]"); 0, or -1 with err naming the field. */
int tl_mesh_run_decode(const json_t *run, const char *where, struct tl_mesh_res_run *out,
		       struct tl_err *err);
void tl_mesh_run_free(struct tl_mesh_res_run *r);

/* The whole document: its runs and how it ended. 0 or -1 as above. */
int tl_mesh_doc_decode(const json_t *doc, struct tl_mesh_doc *out, struct tl_err *err);
void tl_mesh_doc_free(struct tl_mesh_doc *d);

#endif
