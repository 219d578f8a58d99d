/* The note under a result table when a hypervisor took CPU time from either end's machine. */
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
