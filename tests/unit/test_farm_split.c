/* Job splitting: every number of the range in exactly one job, for any range and job count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "farm/split.h"

/* Walks jobs 0..n-1 and checks they tile lo..hi: contiguous, ascending, sizes within one. */
static void assert_tiles(uint64_t lo, uint64_t hi, uint32_t n)
{
	uint64_t next = lo, len = hi - lo + 1;
	uint64_t small = len / n, big = small + (len % n ? 1 : 0);
	for (uint32_t i = 0; i < n; i++) {
		struct tl_farm_range r = tl_farm_split_job(lo, hi, n, i);
		assert_int_equal(r.lo, next);             /* no gap, no overlap */
		assert_true(r.hi >= r.lo);                /* never empty */
		uint64_t size = r.hi - r.lo + 1;
		assert_true(size == small || size == big);
		/* The longer jobs come first. */
		assert_int_equal(size, i < len % n ? big : small);
		next = r.hi + 1;
	}
	assert_int_equal(next, hi + 1);                   /* the whole range, nothing beyond */
}

static void test_seed_workload(void **state)
{
	(void)state;
	/* 1..5,000,000 in 50,000 jobs: exactly 100 numbers each. */
	struct tl_farm_range r = tl_farm_split_job(1, 5000000, 50000, 0);
	assert_int_equal(r.lo, 1);
	assert_int_equal(r.hi, 100);
	r = tl_farm_split_job(1, 5000000, 50000, 49999);
	assert_int_equal(r.lo, 4999901);
	assert_int_equal(r.hi, 5000000);
	assert_tiles(1, 5000000, 50000);
}

static void test_remainders(void **state)
{
	(void)state;
	/* 10 numbers in 3 jobs: 4, 3, 3. */
	struct tl_farm_range r0 = tl_farm_split_job(1, 10, 3, 0), r1 = tl_farm_split_job(1, 10, 3, 1),
			     r2 = tl_farm_split_job(1, 10, 3, 2);
	assert_int_equal(r0.lo, 1);
	assert_int_equal(r0.hi, 4);
	assert_int_equal(r1.lo, 5);
	assert_int_equal(r1.hi, 7);
	assert_int_equal(r2.lo, 8);
	assert_int_equal(r2.hi, 10);
	/* As many jobs as numbers: one each. */
	assert_tiles(7, 7 + 999, 1000);
	/* One job: the whole range. */
	struct tl_farm_range all = tl_farm_split_job(5, 1000000000000ULL, 1, 0);
	assert_int_equal(all.lo, 5);
	assert_int_equal(all.hi, 1000000000000ULL);
}

static void test_many_shapes(void **state)
{
	(void)state;
	/* A table of awkward shapes, then a seeded sweep of random ones. */
	static const struct { uint64_t lo, hi; uint32_t n; } cases[] = {
		{ 1, 1, 1 }, { 1, 2, 2 }, { 1, 100, 7 }, { 1, 101, 10 }, { 3, 1000003, 999 },
		{ 1, 5000000, 49999 }, { 1, 5000000, 5000000 }, { 999999999000ULL, 1000000000000ULL, 13 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_tiles(cases[i].lo, cases[i].hi, cases[i].n);
	srand(2002);
	for (int k = 0; k < 300; k++) {
		uint64_t lo = 1 + (uint64_t)(rand() % 100000);
		uint64_t len = 1 + (uint64_t)(rand() % 20000);
		uint32_t n = 1 + (uint32_t)((uint64_t)rand() % len);
		assert_tiles(lo, lo + len - 1, n);
	}
}

static void test_check_refuses(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	assert_int_equal(tl_farm_split_check(1, 5000000, 50000, &err), 0);
	assert_true(tl_farm_split_check(0, 10, 1, &err) < 0);          /* 0 is not a number here */
	assert_true(tl_farm_split_check(10, 9, 1, &err) < 0);          /* backwards */
	assert_true(tl_farm_split_check(1, TL_FARM_NUMBER_MAX + 1, 1, &err) < 0);
	assert_true(tl_farm_split_check(1, 10, 0, &err) < 0);          /* no jobs */
	assert_true(tl_farm_split_check(1, 10, 11, &err) < 0);         /* more jobs than numbers */
	assert_non_null(strstr(err.msg, "at least one number"));
	assert_true(tl_farm_split_check(1, 100000000, TL_FARM_JOBS_MAX + 1, &err) < 0);
}

static void test_parse_range(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	uint64_t lo, hi;
	assert_int_equal(tl_farm_split_parse_range("--range", "1-5000000", &lo, &hi, &err), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 5000000);
	assert_int_equal(tl_farm_split_parse_range("--range", "1k-5m", &lo, &hi, &err), 0);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 5000000);
	assert_true(tl_farm_split_parse_range("--range", "5000000", &lo, &hi, &err) < 0);
	assert_non_null(strstr(err.msg, "A-B"));
	assert_true(tl_farm_split_parse_range("--range", "10-5", &lo, &hi, &err) < 0);
	assert_true(tl_farm_split_parse_range("--range", "0-5", &lo, &hi, &err) < 0);
	assert_true(tl_farm_split_parse_range("--range", "-5", &lo, &hi, &err) < 0);
	assert_true(tl_farm_split_parse_range("--range", "1-x", &lo, &hi, &err) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_workload),
		cmocka_unit_test(test_remainders),
		cmocka_unit_test(test_many_shapes),
		cmocka_unit_test(test_check_refuses),
		cmocka_unit_test(test_parse_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
