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
	/* 6 MiB of buffer before 6.6 (adv_win_scale 1) -> 3 MiB window -> 251.66 Mbit/s. */
	uint64_t w = tl_bdp_window_of_rcvbuf(6291456, false, 1);
	assert_int_equal(w, 3145728);
	assert_true(fabs(tl_bdp_window_ceiling_bps(w, 100 * MS) - 251658240.0) < 1);
	/* adv_win_scale 2 (before 3.4): 3/4; -1: a half; -2: a quarter [K1][K16]. */
	assert_int_equal(tl_bdp_window_of_rcvbuf(65536, false, 2), 49152);
	assert_int_equal(tl_bdp_window_of_rcvbuf(65536, false, -1), 32768);
	assert_int_equal(tl_bdp_window_of_rcvbuf(65536, false, -2), 16384);
	/* 6.6+: 64 KiB x 160/256 = 40 KiB, 6.55 Mbit/s at 50 ms; the testbed measured 6.21
	 * Mbit/s (about 39 KiB), where rcvbuf/2 predicted 32 KiB and 5.24 Mbit/s. */
	w = tl_bdp_window_of_rcvbuf(65536, true, 1);
	assert_int_equal(w, 40960);
	assert_true(fabs(tl_bdp_window_ceiling_bps(w, 50 * MS) - 6553600.0) < 1);
	/* 4096 87380 65536: the default above the max is what sockets keep [K16]. */
	assert_int_equal(tl_bdp_autotuned_rcvbuf(87380, 65536), 87380);
	assert_int_equal(tl_bdp_autotuned_rcvbuf(131072, 6291456), 6291456);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdp),
		cmocka_unit_test(test_rcvbuf_needed),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_pow2ceil),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
