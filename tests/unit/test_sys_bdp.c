/* The buffer and connection-rate arithmetic the doctor quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "sys/bdp.h"

#define MS 1000000ULL

static void test_bdp(void **state)
{
	(void)state;
	/* ESnet: 50 ms x 1 Gbit/s / 8 = 6.25 MB [E1]. */
	assert_int_equal(tl_bdp_bytes(1000000000ULL, 50 * MS), 6250000);
	assert_int_equal(tl_bdp_bytes(1000000000ULL, 100 * MS), 12500000);
	/* ESnet: one 10 Gbit/s stream over 100 ms needs 120 MB of buffering (125 MB exactly). */
	assert_int_equal(tl_bdp_bytes(10000000000ULL, 100 * MS), 125000000);
	/* Seed 001: 100 Mbit/s x 100 ms. */
	assert_int_equal(tl_bdp_bytes(100000000ULL, 100 * MS), 1250000);
	/* Rounded up to whole bytes. */
	assert_int_equal(tl_bdp_bytes(1000, 1 * MS), 1);
	assert_int_equal(tl_bdp_bytes(0, 100 * MS), 0);
}

static void test_rcvbuf_needed(void **state)
{
	(void)state;
	/* The example: one flow at 1 Gbit/s, 100 ms needs 2 x BDP = 25 MB. */
	assert_int_equal(tl_bdp_rcvbuf_needed(12500000, 1), 25000000);
	assert_int_equal(tl_bdp_rcvbuf_needed(12500000, 4), 6250000);
	assert_int_equal(tl_bdp_rcvbuf_needed(10, 3), 8);  /* ceil(10/3) = 4, x2 */
	assert_int_equal(tl_bdp_rcvbuf_needed(12500000, 0), 25000000);
}

static void test_ceilings(void **state)
{
	(void)state;
	/* 6 MiB of buffer -> 3 MiB window -> 3145728 x 8 / 0.1 s = 251.66 Mbit/s. */
	assert_true(fabs(tl_bdp_rcvbuf_ceiling_bps(6291456, 100 * MS) - 251658240.0) < 1);
	/* Seed 001: a 64 KiB window at 100 ms gives ~5 Mbit/s. */
	assert_true(fabs(tl_bdp_window_ceiling_bps(65536, 100 * MS) - 5242880.0) < 1);
	assert_true(isinf(tl_bdp_window_ceiling_bps(65536, 0)));
}

static void test_pow2ceil(void **state)
{
	(void)state;
	assert_int_equal(tl_bdp_pow2ceil(0), 1);
	assert_int_equal(tl_bdp_pow2ceil(1), 1);
	assert_int_equal(tl_bdp_pow2ceil(25000000), 33554432);
	assert_int_equal(tl_bdp_pow2ceil(33554432), 33554432);
	assert_int_equal(tl_bdp_pow2ceil(33554433), 67108864);
}

static void test_time_wait_ceiling(void **state)
{
	(void)state;
	/* §5: 28232 ports / 60 s ~ 470/s; 1024-65535 ~ 1075/s; reuse after 1 s ~ 28k/s. */
	assert_true(fabs(tl_tw_ceiling_per_sec(28232, TL_TIME_WAIT_SECONDS) - 470.53) < 0.01);
	assert_true(fabs(tl_tw_ceiling_per_sec(64512, TL_TIME_WAIT_SECONDS) - 1075.2) < 0.01);
	assert_true(fabs(tl_tw_ceiling_per_sec(28232, 1.0) - 28232.0) < 0.01);
	/* macOS row: 16384 ports / 30 s ~ 546/s. */
	assert_true(fabs(tl_tw_ceiling_per_sec(16384, 30.0) - 546.13) < 0.01);
	assert_true(isinf(tl_tw_ceiling_per_sec(100, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdp),
		cmocka_unit_test(test_rcvbuf_needed),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_pow2ceil),
		cmocka_unit_test(test_time_wait_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
