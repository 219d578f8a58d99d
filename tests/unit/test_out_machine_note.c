/* The note under a result table: printed from 1% steal on either end, naming both shares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "out/render.h"

/* What tl_table_machine_note writes for an end object given as JSON text. */
static char *note_for(const char *end_json)
{
	json_t *end = json_loads(end_json, 0, NULL);
	assert_non_null(end);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	tl_table_machine_note(f, end);
	fclose(f);
	json_decref(end);
	return buf;
}

static void test_quiet_machine_no_note(void **state)
{
	(void)state;
	char *s = note_for("{\"machine_cpu\": {\"client\": {\"busy_percent\": 90, \"steal_percent\": 0.4, "
			   "\"cpus\": 2}, \"agent\": {\"busy_percent\": 90, \"steal_percent\": 0.99, "
			   "\"cpus\": 2}}}");
	assert_string_equal(s, "");
	free(s);
	/* Older agents send no machine_cpu at all: nothing to say. */
	s = note_for("{}");
	assert_string_equal(s, "");
	free(s);
}

static void test_steal_named(void **state)
{
	(void)state;
	char *s = note_for("{\"machine_cpu\": {\"client\": {\"busy_percent\": 70, \"steal_percent\": 0.2, "
			   "\"cpus\": 2}, \"agent\": {\"busy_percent\": 80, \"steal_percent\": 3.25, "
			   "\"cpus\": 4}}}");
	assert_non_null(strstr(s, "0.2% of the client machine's CPU time"));
	assert_non_null(strstr(s, "3.2% of the agent's"));
	assert_non_null(strstr(s, "steal"));
	free(s);
	/* Only the client's machine known, at exactly the threshold. */
	s = note_for("{\"machine_cpu\": {\"client\": {\"busy_percent\": 50, \"steal_percent\": 1.0, "
		     "\"cpus\": 2}}}");
	assert_non_null(strstr(s, "1.0% of the client machine's"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_machine_no_note),
		cmocka_unit_test(test_steal_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
