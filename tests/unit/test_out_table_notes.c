/* The notes under a result table: steal from 1% on either end, naming both shares; the
 * kernel's counters under stalled flows, only when there are stalls and the counters grew. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "out/render.h"

/* What a note function writes for an end object given as JSON text. */
static char *note_of(void (*note)(FILE *, const json_t *), const char *end_json)
{
	json_t *end = json_loads(end_json, 0, NULL);
	assert_non_null(end);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	note(f, end);
	fclose(f);
	json_decref(end);
	return buf;
}

static void test_quiet_machine_no_note(void **state)
{
	(void)state;
	char *s = note_of(tl_table_machine_note, "{\"machine_cpu\": {\"client\": {\"busy_percent\": 90, \"steal_percent\": 0.4, "
			   "\"cpus\": 2}, \"agent\": {\"busy_percent\": 90, \"steal_percent\": 0.99, "
			   "\"cpus\": 2}}}");
	assert_string_equal(s, "");
	free(s);
	/* Older agents send no machine_cpu at all: nothing to say. */
	s = note_of(tl_table_machine_note, "{}");
	assert_string_equal(s, "");
	free(s);
}

static void test_steal_named(void **state)
{
	(void)state;
	char *s = note_of(tl_table_machine_note, "{\"machine_cpu\": {\"client\": {\"busy_percent\": 70, \"steal_percent\": 0.2, "
			   "\"cpus\": 2}, \"agent\": {\"busy_percent\": 80, \"steal_percent\": 3.25, "
			   "\"cpus\": 4}}}");
	assert_non_null(strstr(s, "0.2% of the client machine's CPU time"));
	assert_non_null(strstr(s, "3.2% of the agent's"));
	assert_non_null(strstr(s, "steal"));
	free(s);
	/* Only the client's machine known, at exactly the threshold. */
	s = note_of(tl_table_machine_note, "{\"machine_cpu\": {\"client\": {\"busy_percent\": 50, \"steal_percent\": 1.0, "
		     "\"cpus\": 2}}}");
	assert_non_null(strstr(s, "1.0% of the client machine's"));
	free(s);
}

static void test_kernel_note(void **state)
{
	(void)state;
	/* Stalls, and the agent's namespace advertised zero windows: the agent's line only. */
	char *s = note_of(tl_table_kernel_note,
			  "{\"stalled_flows\": 3, \"kernel_tcp\": {\"client\": {\"TCPToZeroWindowAdv\": 0, "
			  "\"TCPMemoryPressures\": 0, \"PruneCalled\": 0}, \"agent\": "
			  "{\"TCPToZeroWindowAdv\": 12, \"TCPMemoryPressures\": 2, \"PruneCalled\": 7}}}");
	assert_null(strstr(s, "client's kernel"));
	assert_non_null(strstr(s, "agent's kernel during the test: 12 zero-window advertisements"));
	assert_non_null(strstr(s, "2 entries into TCP memory pressure"));
	assert_non_null(strstr(s, "7 receive queues pruned"));
	free(s);
	/* The same counters without a stalled flow: nothing to explain. */
	s = note_of(tl_table_kernel_note, "{\"stalled_flows\": 0, \"kernel_tcp\": {\"agent\": "
					  "{\"TCPToZeroWindowAdv\": 12}}}");
	assert_string_equal(s, "");
	free(s);
	/* Stalls but counters that did not grow (or an end without them): nothing either. */
	s = note_of(tl_table_kernel_note, "{\"stalled_flows\": 1, \"kernel_tcp\": {\"client\": "
					  "{\"TCPToZeroWindowAdv\": 0}}}");
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_machine_no_note),
		cmocka_unit_test(test_steal_named),
		cmocka_unit_test(test_kernel_note),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
