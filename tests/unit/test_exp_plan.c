/* Plan files: scalars and lists, options, the command line's axes kept separate, errors
 * with their line, and 2500 mutated plans that must each parse or fail with a message
 * (run under ASan+UBSan by make test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp/plan.h"

static const char *const good =
	"# Cubic vs BBR\n"
	"title: Cubic vs BBR fairness\n"
	"rate: 100mbit\n"
	"rtt: [40ms, 10ms/100ms]\n"
	"buffer:\n"
	"  - 0.5bdp\n"
	"  - 2bdp\n"
	"aqm: [taildrop, \"codel:target=5ms,interval=50ms\"]\n"
	"cc: \"cubic:1,bbr:1\"\n"
	"flows: [2, 10]\n"
	"window_clamp: auto\n"
	"time: 30s\n"
	"repeat: 3\n"
	"probe: 20\n"
	"order: in-order\n"
	"seed: 9\n";

static char path[64];

static int load(const char *text, struct tl_exp_plan *p, struct tl_err *err)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	memset(p, 0, sizeof(*p));
	tl_exp_axes_init(&p->axes);
	return tl_exp_plan_load(path, p, err);
}

static void test_good(void **state)
{
	(void)state;
	struct tl_exp_plan *p = malloc(sizeof(*p));
	struct tl_err err = { 0 };
	if (load(good, p, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(p->axes.title, "Cubic vs BBR fairness");
	assert_int_equal(p->axes.count[TL_AXIS_RATE], 1);
	assert_int_equal(p->axes.count[TL_AXIS_RTT], 2);
	assert_string_equal(p->axes.values[TL_AXIS_RTT][1], "10ms/100ms");
	assert_int_equal(p->axes.count[TL_AXIS_BUFFER], 2);
	assert_string_equal(p->axes.values[TL_AXIS_AQM][1], "codel:target=5ms,interval=50ms");
	assert_string_equal(p->axes.values[TL_AXIS_CC][0], "cubic:1,bbr:1");
	assert_int_equal(p->axes.count[TL_AXIS_FLOWS], 2);
	assert_int_equal(p->axes.count[TL_AXIS_CLAMP], 1);
	assert_int_equal(p->axes.count[TL_AXIS_LOSS], 0);
	assert_int_equal(p->axes.repeat, 3);
	assert_true(p->axes.probe);
	assert_int_equal(p->axes.probe_rate, 20);
	assert_true(p->shuffle_given && !p->shuffle);
	assert_true(p->seed_given && p->seed == 9);
	free(p);
}

static void expect_error(const char *text, const char *want)
{
	struct tl_exp_plan *p = malloc(sizeof(*p));
	struct tl_err err = { 0 };
	assert_true(load(text, p, &err) < 0);
	if (!strstr(err.msg, want))
		fail_msg("plan %s: message \"%s\" lacks \"%s\"", text, err.msg, want);
	free(p);
}

static void test_errors(void **state)
{
	(void)state;
	char want[96];
	snprintf(want, sizeof(want), "%s:3:", path);
	expect_error("rate: 10mbit\nbuffer: [1bdp, 2bdp\naqm: codel\n", ":3:");
	expect_error("rate: 10mbit\nbuffers: [1bdp]\n", ":2: unknown key \"buffers\"");
	expect_error("rate: 10mbit\nrepeat: [1, 2]\n", "\"repeat\" takes one value");
	expect_error("repeat: 0\n", "repeat");
	expect_error("probe: maybe\n", "probe");
	expect_error("order: random\n", "write shuffle or in-order");
	expect_error("- rate\n- 10mbit\n", "key: value");
	expect_error("rate: [[1, 2]]\n", "not a plain value");
	expect_error("buffer: [1bdp, 1bdp]\n", "listed twice");
	expect_error("rate: 10mbit\n\tbad: tab\n", path);
	struct tl_exp_plan p;
	struct tl_err err = { 0 };
	tl_exp_axes_init(&p.axes);
	assert_true(tl_exp_plan_load("/nonexistent/plan.yaml", &p, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/plan.yaml"));
}

static uint64_t rng = 88172645463325252ULL;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void test_mutants(void **state)
{
	(void)state;
	static const char alphabet[] = "[]{}:,-#\"'\n\t &*!|>%@` aZ09";
	size_t len = strlen(good);
	char *buf = malloc(len * 2 + 64);
	struct tl_exp_plan *p = malloc(sizeof(*p));
	int parsed = 0, refused = 0;
	for (int i = 0; i < 2500; i++) {
		memcpy(buf, good, len + 1);
		size_t n = len;
		int edits = 1 + (int)(next_rand() % 4);
		for (int e = 0; e < edits; e++) {
			size_t at = next_rand() % (n + 1);
			switch (next_rand() % 3) {
			case 0: /* replace */
				if (at < n)
					buf[at] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* insert */
				memmove(buf + at + 1, buf + at, n - at + 1);
				buf[at] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
				n++;
				break;
			default: /* truncate */
				buf[at] = '\0';
				n = at;
			}
		}
		struct tl_err err = { 0 };
		if (load(buf, p, &err) == 0) {
			parsed++;
		} else {
			refused++;
			assert_true(err.msg[0] != '\0');
		}
	}
	assert_true(parsed > 0 && refused > 0);
	free(buf);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_exp_plan.%ld.yaml", (long)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_mutants),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
