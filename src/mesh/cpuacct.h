#ifndef TCPLAB_MESH_CPUACCT_H
#define TCPLAB_MESH_CPUACCT_H

#include <stdint.h>

#include "measure/cpu.h"

/*
 * The seed's question, "why is the CPU idle while tokens are always in flight?", as
 * arithmetic over what the ranks measured in the same window:
 *   - mesh:    the ranks' own CPU time (getrusage of each rank, summed with tl_cpu_add).
 *   - machine: /proc/stat busy and idle ticks of every host taking part (each host once).
 * Everything below is derived, so it is checked by unit tests rather than by running.
 */
struct tl_mesh_cpu_input {
	struct tl_cpu_sample mesh;   /* summed rank deltas; wall_ns = the window */
	uint64_t machine_busy_ticks; /* summed over hosts */
	uint64_t machine_idle_ticks;
	unsigned ncpu;               /* cores of those hosts, summed */
	uint64_t hops;               /* hops completed in the window */
};

struct tl_mesh_cpu_report {
	double mesh_pct_of_core;     /* 100 = one core busy all the window; N busy ranks -> N*100 */
	double mesh_pct_of_machine;  /* share of every core of the hosts, 0..100 */
	double machine_busy_pct;     /* /proc/stat: all work on the hosts, mesh or not */
	double machine_idle_pct;     /* 100 - busy: what the seed saw as "idle" */
	double other_busy_pct;       /* machine busy not explained by the mesh (>= 0) */
	double cpu_ns_per_hop;       /* user + sys of the mesh per hop */
	double vol_ctx_per_hop;      /* sleeps: a rank waited for a token */
	double invol_ctx_per_hop;    /* preemptions: more runnable ranks than cores */
};

void tl_mesh_cpu_report(const struct tl_mesh_cpu_input *in, struct tl_mesh_cpu_report *out);

/*
 * Adds one host's /proc/stat delta (b - a) into in, unless a host with the same id was
 * already added (hosts[] holds the ids seen so far, *nhosts of them, room for max).
 * Returns 1 if added, 0 if that host was counted already, -ENOSPC if hosts[] is full.
 */
int tl_mesh_cpu_add_host(struct tl_mesh_cpu_input *in, const char *host_id,
			 uint64_t busy_ticks, uint64_t idle_ticks, unsigned ncpu,
			 char (*hosts)[40], unsigned *nhosts, unsigned max);

#endif
