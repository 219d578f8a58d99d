/* Open-loop schedule arithmetic and the TIME_WAIT ceiling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "workload/schedule.h"

static void test_interval_and_phase(void **state)
{
	(void)state;
	uint64_t iv, ph;
	/* 1000/s over 4 flows: each flow every 4 ms, phases 0, 1, 2, 3 ms */
	for (uint32_t i = 0; i < 4; i++) {
		tl_schedule_flow(1000, 4, i, &iv, &ph);
		assert_int_equal(iv, 4000000);
		assert_int_equal(ph, 1000000ULL * i);
	}
	/* one flow at 1/s: every second, no phase */
	tl_schedule_flow(1, 1, 0, &iv, &ph);
	assert_int_equal(iv, 1000000000ULL);
	assert_int_equal(ph, 0);
	/* closed loop: no schedule */
	tl_schedule_flow(0, 8, 3, &iv, &ph);
	assert_int_equal(iv, 0);
	assert_int_equal(ph, 0);
	/* a rate above 1/ns per flow is clamped to 1 ns, never 0 (that would mean closed loop) */
	tl_schedule_flow(100000000ULL, 1, 0, &iv, &ph);
	assert_int_equal(iv, 10);
	tl_schedule_flow(3000000000ULL, 1, 0, &iv, &ph);
	assert_int_equal(iv, 1);
}

static void test_schedule_sends_the_rate(void **state)
{
	(void)state;
	/* Over 10 s, the flows together are due rate x 10 times (within one per flow). */
	const uint64_t rate = 777, window = 10000000000ULL;
	const uint32_t flows = 7;
	uint64_t due = 0;
	for (uint32_t i = 0; i < flows; i++) {
		uint64_t iv, ph;
		tl_schedule_flow(rate, flows, i, &iv, &ph);
		for (uint64_t t = ph; t < window; t += iv)
			due++;
	}
	assert_true(due >= rate * 10 - flows && due <= rate * 10 + flows);
}

static void test_port_hold_and_ceiling(void **state)
{
	(void)state;
	assert_true(tl_port_hold_seconds(0, 1) == 60.0);
	assert_true(tl_port_hold_seconds(0, 0) == 60.0);
	assert_true(tl_port_hold_seconds(1, 0) == 1.0);
	assert_true(tl_port_hold_seconds(2, 1) == 1.0);
	assert_true(tl_port_hold_seconds(2, 0) == 60.0);
	/* seed 002: Linux default 28232 ports / 60 s = 470 connections/s */
	assert_int_equal(tl_connection_ceiling(28232, 1, 60.0), 470);
	/* macOS default 16384 ports, 2 x MSL = 30 s: 546/s */
	assert_int_equal(tl_connection_ceiling(16384, 1, 30.0), 546);
	/* two source addresses double it */
	assert_int_equal(tl_connection_ceiling(28232, 2, 60.0), 941);
	assert_int_equal(tl_connection_ceiling(64512, 0, 60.0), 1075);
	assert_int_equal(tl_connection_ceiling(100, 1, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_and_phase),
		cmocka_unit_test(test_schedule_sends_the_rate),
		cmocka_unit_test(test_port_hold_and_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
