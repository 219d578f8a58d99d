/* Prime counting: both methods against known values of pi(x) and against each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "farm/primes.h"
#include "farm/split.h"

/* pi(x), OEIS A000720 / A006880. */
static const struct { uint64_t x, pi; } known[] = {
	{ 1, 0 }, { 2, 1 }, { 3, 2 }, { 10, 4 }, { 100, 25 }, { 1000, 168 }, { 10000, 1229 },
	{ 100000, 9592 }, { 1000000, 78498 },
};

static void test_trial_known(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_int_equal(tl_primes_count_trial(1, known[i].x), known[i].pi);
	assert_int_equal(tl_primes_count_trial(0, 1), 0);
	assert_int_equal(tl_primes_count_trial(4, 4), 0);
	assert_int_equal(tl_primes_count_trial(25, 25), 0);        /* a square of a prime */
	assert_int_equal(tl_primes_count_trial(4999999, 4999999), 1); /* the last prime below 5e6 */
}

static void test_sieve_known(void **state)
{
	(void)state;
	uint64_t n;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_int_equal(tl_primes_count_sieve(1, known[i].x, &n, NULL), 0);
		assert_int_equal(n, known[i].pi);
	}
	/* The seed's total: 348,513 primes below 5,000,000. */
	assert_int_equal(tl_primes_count_sieve(1, 5000000, &n, NULL), 0);
	assert_int_equal(n, 348513);
	/* pi(10^8) = 5,761,455: several segments. */
	assert_int_equal(tl_primes_count_sieve(1, 100000000, &n, NULL), 0);
	assert_int_equal(n, 5761455);
}

static void test_methods_agree_on_jobs(void **state)
{
	(void)state;
	/* The seed's jobs near the top of the range, and ranges above 2^32 (64-bit path). */
	uint64_t sum = 0, n;
	for (uint32_t i = 49000; i < 50000; i++) {
		struct tl_farm_range r = tl_farm_split_job(1, 5000000, 50000, i);
		uint64_t t = tl_primes_count_trial(r.lo, r.hi);
		assert_int_equal(tl_primes_count_sieve(r.lo, r.hi, &n, NULL), 0);
		assert_int_equal(t, n);
		sum += t;
	}
	assert_int_equal(tl_primes_count_sieve(4900001, 5000000, &n, NULL), 0);
	assert_int_equal(sum, n);
	uint64_t lo = 4294967000ULL, hi = 4294968000ULL;  /* across 2^32 */
	assert_int_equal(tl_primes_count_sieve(lo, hi, &n, NULL), 0);
	assert_int_equal(tl_primes_count_trial(lo, hi), n);
	lo = 999999999000ULL, hi = 1000000000000ULL;     /* at the top of the allowed range */
	assert_int_equal(tl_primes_count_sieve(lo, hi, &n, NULL), 0);
	assert_int_equal(tl_primes_count_trial(lo, hi), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trial_known),
		cmocka_unit_test(test_sieve_known),
		cmocka_unit_test(test_methods_agree_on_jobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
