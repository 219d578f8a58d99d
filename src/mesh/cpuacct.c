#include "mesh/cpuacct.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static double ratio(double num, double den)
{
	return den > 0 ? num / den : 0.0;
}

void tl_mesh_cpu_report(const struct tl_mesh_cpu_input *in, struct tl_mesh_cpu_report *out)
{
	double cpu_ns = (double)in->mesh.user_ns + (double)in->mesh.sys_ns;
	double wall = (double)in->mesh.wall_ns;
	double ticks = (double)in->machine_busy_ticks + (double)in->machine_idle_ticks;

	memset(out, 0, sizeof(*out));
	out->mesh_pct_of_core = tl_cpu_percent(&in->mesh);
	out->mesh_pct_of_machine = ratio(cpu_ns * 100.0, wall * in->ncpu);
	if (ticks > 0) {
		out->machine_busy_pct = (double)in->machine_busy_ticks * 100.0 / ticks;
		out->machine_idle_pct = 100.0 - out->machine_busy_pct;
	}
	/* Ticks (1/USER_HZ) and getrusage (ns) are sampled a little apart: never below 0. */
	out->other_busy_pct = out->machine_busy_pct - out->mesh_pct_of_machine;
	if (out->other_busy_pct < 0)
		out->other_busy_pct = 0;
	out->cpu_ns_per_hop = ratio(cpu_ns, (double)in->hops);
	out->vol_ctx_per_hop = ratio((double)in->mesh.vol_ctx, (double)in->hops);
	out->invol_ctx_per_hop = ratio((double)in->mesh.invol_ctx, (double)in->hops);
}

int tl_mesh_cpu_add_host(struct tl_mesh_cpu_input *in, const char *host_id,
			 uint64_t busy_ticks, uint64_t idle_ticks, unsigned ncpu,
			 char (*hosts)[40], unsigned *nhosts, unsigned max)
{
	for (unsigned i = 0; i < *nhosts; i++)
		if (strncmp(hosts[i], host_id, 39) == 0)
			return 0;
	if (*nhosts >= max)
		return -ENOSPC;
	snprintf(hosts[*nhosts], 40, "%s", host_id);
	(*nhosts)++;
	in->machine_busy_ticks += busy_ticks;
	in->machine_idle_ticks += idle_ticks;
	in->ncpu += ncpu;
	return 1;
}
