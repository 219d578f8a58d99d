/* What each end's machine and kernel did during a test: end.cpu_utilization_percent,
 * end.machine_cpu and end.kernel_tcp, the same in stream, rr and crr documents. */
#include <stdio.h>

#include "result/stream_internal.h"

static void host_decode(struct tl_dec *d, const json_t *end, const char *side,
			struct tl_res_end_host *h)
{
	char w[48];
	snprintf(w, sizeof(w), "end.machine_cpu.%s", side);
	/* an end that could not read /proc/stat (or its counters) is left out */
	const json_t *m = tl_dec_obj_opt(d, tl_dec_obj(d, end, "end", "machine_cpu"), "end.machine_cpu", side);
	h->has_machine = m != NULL;
	if (m)
		h->steal_percent = tl_dec_num(d, m, w, "steal_percent");
	const json_t *k = tl_dec_obj_opt(d, tl_dec_obj(d, end, "end", "kernel_tcp"), "end.kernel_tcp", side);
	snprintf(w, sizeof(w), "end.kernel_tcp.%s", side);
	/* the counters this kernel has: one it lacks is not reported */
	h->to_zero_window = tl_dec_u64_opt(d, k, w, "TCPToZeroWindowAdv", NULL);
	h->memory_pressures = tl_dec_u64_opt(d, k, w, "TCPMemoryPressures", NULL);
	h->prune_called = tl_dec_u64_opt(d, k, w, "PruneCalled", NULL);
}

void tl_res_end_common_decode(struct tl_dec *d, const json_t *end, double *cpu_client,
			      double *cpu_agent, struct tl_res_end_host *client,
			      struct tl_res_end_host *agent)
{
	const json_t *cpu = tl_dec_obj(d, end, "end", "cpu_utilization_percent");
	*cpu_client = tl_dec_num(d, cpu, "end.cpu_utilization_percent", "client");
	*cpu_agent = tl_dec_num(d, cpu, "end.cpu_utilization_percent", "agent");
	host_decode(d, end, "client", client);
	host_decode(d, end, "agent", agent);
}
