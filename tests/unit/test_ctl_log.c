/* The agent's log escaping: client text never forges a line or a terminal sequence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/agent.h"

static void test_escape_controls(void **state)
{
	(void)state;
	char out[256];
	tl_log_escape("peer: bye\n12:00:00 test 9 done\r\x1b[2J\x7f", out, sizeof(out));
	assert_string_equal(out, "peer: bye\\x0a12:00:00 test 9 done\\x0d\\x1b[2J\\x7f");
	/* C1 controls as UTF-8 (U+009B is a CSI to some terminals); other UTF-8 stays */
	tl_log_escape("a\xc2\x9b" "b \xc3\xa9t\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "a\\u009bb \xc3\xa9t\xc3\xa9");
	assert_null(strchr(out, '\n'));
}

static void test_escape_caps_length(void **state)
{
	(void)state;
	char in[5000], out[64];
	memset(in, 'x', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	size_t n = tl_log_escape(in, out, sizeof(out));
	assert_true(n < sizeof(out));
	assert_int_equal(strlen(out), n);
	assert_memory_equal(out + n - 3, "...", 3);
	/* an escape is never cut in half */
	memset(in, '\n', 100);
	in[100] = '\0';
	n = tl_log_escape(in, out, sizeof(out));
	assert_memory_equal(out + n - 3, "...", 3);
	assert_int_equal((n - 3) % 4, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_caps_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
