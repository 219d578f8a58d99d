/* Notes under a result table: what the machine and the kernel did that explains the figures. */
#include "out/render.h"

/* From this share on, a figure may be off by more than run-to-run noise on a quiet machine. */
#define STEAL_NOTE_PERCENT 1.0

static double steal_of(const json_t *machine_cpu, const char *end)
{
	const json_t *v = json_object_get(json_object_get(machine_cpu, end), "steal_percent");
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

void tl_table_machine_note(FILE *f, const json_t *end)
{
	const json_t *m = json_object_get(end, "machine_cpu");
	double client = steal_of(m, "client"), agent = steal_of(m, "agent");
	if (client < STEAL_NOTE_PERCENT && agent < STEAL_NOTE_PERCENT)
		return;
	fprintf(f, "Note: a hypervisor took %.1f%% of the client machine's CPU time and %.1f%% of the "
		"agent's during the test (steal): the figures above are disturbed; repeat when steal "
		"is near 0.\n", client, agent);
}

static long long counter_of(const json_t *end, const char *side, const char *name)
{
	const json_t *v = json_object_get(
		json_object_get(json_object_get(end, "kernel_tcp"), side), name);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

void tl_table_kernel_note(FILE *f, const json_t *end)
{
	const json_t *st = json_object_get(end, "stalled_flows");
	if (!json_is_integer(st) || json_integer_value(st) == 0)
		return;
	static const char *const sides[] = { "client", "agent" };
	for (unsigned i = 0; i < 2; i++) {
		long long zero = counter_of(end, sides[i], "TCPToZeroWindowAdv");
		long long pressure = counter_of(end, sides[i], "TCPMemoryPressures");
		long long pruned = counter_of(end, sides[i], "PruneCalled");
		if (zero + pressure + pruned == 0)
			continue;
		fprintf(f, "  %s's kernel during the test: %lld zero-window advertisements (a "
			"receive buffer was full), %lld entries into TCP memory pressure (tcp_mem), "
			"%lld receive queues pruned\n", sides[i], zero, pressure, pruned);
	}
}
