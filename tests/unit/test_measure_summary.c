/* Spreads across flows: order statistics on odd and even counts, Jain's index on known
 * values, and 10^4..10^5 flows adding up exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/summary.h"

#define assert_close(got, want, rel)                                                       \
	do {                                                                               \
		double g_ = (got), w_ = (want);                                            \
		if (!(fabs(g_ - w_) <= (rel) * fabs(w_)))                                  \
			fail_msg("%s = %.17g, want %.17g", #got, g_, w_);                  \
	} while (0)

static void test_odd_even(void **state)
{
	(void)state;
	struct tl_summary s;
	double odd[] = { 5, 1, 3 };
	assert_int_equal(tl_summary_of(odd, 3, &s), 0);
	assert_int_equal(s.n, 3);
	assert_true(s.min == 1 && s.median == 3 && s.max == 5 && s.mean == 3 && s.sum == 9);
	assert_true(odd[0] == 5 && odd[1] == 1); /* the input is not sorted in place */

	double even[] = { 4, 1, 3, 2 };
	assert_int_equal(tl_summary_of(even, 4, &s), 0);
	assert_true(s.min == 1 && s.median == 2.5 && s.max == 4 && s.mean == 2.5 && s.sum == 10);
	assert_close(s.jain, 100.0 / 120.0, 1e-15);
	/* type 7: p10 at position 0.3 between 1 and 2, p90 at 2.7 between 3 and 4 */
	assert_close(s.p10, 1.3, 1e-15);
	assert_close(s.p90, 3.7, 1e-15);

	double one[] = { 7 };
	assert_int_equal(tl_summary_of(one, 1, &s), 0);
	assert_true(s.min == 7 && s.median == 7 && s.max == 7 && s.p10 == 7 && s.p90 == 7);
	assert_true(s.jain == 1.0);

	memset(&s, 0xff, sizeof(s));
	assert_int_equal(tl_summary_of(NULL, 0, &s), 0);
	assert_true(s.n == 0 && s.min == 0 && s.max == 0 && s.mean == 0 && s.sum == 0 &&
		    s.jain == 0 && s.median == 0);

	double nan_in[] = { 1, NAN, 2 };
	assert_int_equal(tl_summary_of(nan_in, 3, &s), -EINVAL);
}

static void test_jain_known(void **state)
{
	(void)state;
	double eq[64];
	for (int i = 0; i < 64; i++)
		eq[i] = 123.456e6;
	assert_close(tl_jain_index(eq, 64), 1.0, 1e-15);

	double one_of_n[10] = { 0 };
	one_of_n[6] = 5e9;
	assert_close(tl_jain_index(one_of_n, 10), 0.1, 1e-15);

	double four[] = { 1, 2, 3, 4 };
	assert_close(tl_jain_index(four, 4), 0.8333333333333334, 1e-15);

	double zeros[5] = { 0 };
	assert_true(tl_jain_index(zeros, 5) == 0.0);
	assert_true(tl_jain_index(NULL, 0) == 0.0);

	/* Scale-free: values whose squares overflow a double, or underflow it. */
	double huge[] = { 1e200, 1e200, 2e200 };
	assert_close(tl_jain_index(huge, 3), 16.0 / 18.0, 1e-15);
	double tiny[] = { 1e-200, 1e-200, 2e-200 };
	assert_close(tl_jain_index(tiny, 3), 16.0 / 18.0, 1e-15);
}

static void test_many_flows(void **state)
{
	(void)state;
	enum { N = 10000 };
	double *v = malloc(N * sizeof(*v));
	assert_non_null(v);
	/* 1..N in a scrambled order (7919 is prime, so i*7919 mod N is a permutation). */
	for (size_t i = 0; i < N; i++)
		v[i] = (double)((i * 7919) % N + 1);
	struct tl_summary s;
	assert_int_equal(tl_summary_of(v, N, &s), 0);
	assert_int_equal(s.n, N);
	assert_true(s.min == 1 && s.max == N);
	assert_true(s.sum == 50005000.0);
	assert_true(s.mean == 5000.5);
	assert_true(s.median == 5000.5);
	assert_close(s.p10, 1000.9, 1e-15);
	assert_close(s.p90, 9000.1, 1e-15);
	/* Jain of 1..n = 3(n+1) / (2(2n+1)) */
	assert_close(s.jain, 3.0 * (N + 1) / (2.0 * (2 * N + 1)), 1e-14);
	free(v);

	/* 100,000 equal flows of an awkward throughput: still exactly fair. */
	enum { M = 100000 };
	v = malloc(M * sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < M; i++)
		v[i] = 941234567.891;
	assert_int_equal(tl_summary_of(v, M, &s), 0);
	assert_close(s.jain, 1.0, 1e-15);
	assert_close(s.sum, 941234567.891 * M, 1e-15);
	assert_true(s.mean == 941234567.891);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odd_even),
		cmocka_unit_test(test_jain_known),
		cmocka_unit_test(test_many_flows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
