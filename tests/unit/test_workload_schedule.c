/* Open-loop schedule arithmetic and crr's port ceiling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/socket.h>

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

/* crr's ceiling is the model's, with this namespace's facts and the destination's kind. */
static void test_ceiling_follows_the_destination(void **state)
{
	(void)state;
	struct tl_addr lo, far;
	struct tl_err err = { 0 };
	assert_int_equal(tl_addr_resolve("127.0.0.1", 80, AF_INET, 0, &lo, &err), 0);
	assert_int_equal(tl_addr_resolve("192.0.2.1", 80, AF_INET, 0, &far, &err), 0);
	struct tl_port_facts f;
	struct tl_port_ceiling got, want;
	tl_schedule_ceiling(&lo, 2, &f, &got);
	tl_port_ceiling(&f, true, 2, &want);
	assert_int_equal(got.per_sec_floor, want.per_sec_floor);
	assert_int_equal(got.sources, 2);
	tl_schedule_ceiling(&far, 1, &f, &got);
	tl_port_ceiling(&f, false, 1, &want);
	assert_int_equal(got.per_sec_floor, want.per_sec_floor);
	assert_int_equal(got.hold_ms, want.hold_ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_and_phase),
		cmocka_unit_test(test_schedule_sends_the_rate),
		cmocka_unit_test(test_ceiling_follows_the_destination),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
