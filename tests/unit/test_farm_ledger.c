/* The server's ledger: hand-out, results, duplicates, missing jobs, re-queue of lost jobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "farm/ledger.h"

#define SEC 1000000000ULL

static void test_all_done_passes(void **state)
{
	(void)state;
	struct tl_farm_ledger l;
	uint32_t ids[10];
	assert_int_equal(tl_farm_ledger_init(&l, 10, NULL), 0);
	assert_int_equal(tl_farm_ledger_take(&l, 4, 0, ids), 4);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[3], 3);
	assert_int_equal(tl_farm_ledger_take(&l, 100, 0, ids + 4), 6);  /* only 6 left */
	assert_int_equal(tl_farm_ledger_take(&l, 1, 0, ids), 0);
	for (uint32_t i = 0; i < 10; i++) {
		assert_false(tl_farm_ledger_complete(&l));
		assert_int_equal(tl_farm_ledger_result(&l, i, i, NULL), TL_FARM_RESULT_ACCEPTED);
	}
	assert_true(tl_farm_ledger_complete(&l));
	struct tl_farm_check c;
	tl_farm_ledger_check(&l, 45, &c);
	assert_true(c.pass);
	assert_int_equal(c.total, 45);
	assert_int_equal(c.missing, 0);
	assert_int_equal(c.first_missing, -1);
	tl_farm_ledger_check(&l, 46, &c);  /* a wrong total fails */
	assert_true(c.complete);
	assert_false(c.pass);
	tl_farm_ledger_free(&l);
}

static void test_missing_and_duplicates(void **state)
{
	(void)state;
	struct tl_farm_ledger l;
	uint32_t ids[8];
	assert_int_equal(tl_farm_ledger_init(&l, 8, NULL), 0);
	assert_int_equal(tl_farm_ledger_take(&l, 8, 0, ids), 8);
	for (uint32_t i = 0; i < 8; i++)
		if (i != 3 && i != 6)
			tl_farm_ledger_result(&l, i, 1, NULL);
	/* The same result twice is a duplicate; a different value is a mismatch. */
	assert_int_equal(tl_farm_ledger_result(&l, 2, 1, NULL), TL_FARM_RESULT_DUPLICATE);
	assert_int_equal(tl_farm_ledger_result(&l, 2, 5, NULL), TL_FARM_RESULT_MISMATCH);
	struct tl_farm_check c;
	tl_farm_ledger_check(&l, 6, &c);
	assert_false(c.complete);
	assert_false(c.pass);                 /* total would be right, but 2 jobs are missing */
	assert_int_equal(c.missing, 2);
	assert_int_equal(c.first_missing, 3);
	assert_int_equal(c.duplicates, 1);
	assert_int_equal(c.mismatches, 1);
	assert_int_equal(c.total, 6);         /* the first value counts, once */
	tl_farm_ledger_result(&l, 3, 1, NULL);
	tl_farm_ledger_result(&l, 6, 1, NULL);
	tl_farm_ledger_check(&l, 8, &c);
	assert_true(c.complete);
	assert_false(c.pass);                 /* a worker disagreed with itself: not trusted */
	tl_farm_ledger_free(&l);
}

static void test_refuses_unknown_and_early(void **state)
{
	(void)state;
	struct tl_farm_ledger l;
	struct tl_err err = { 0 };
	uint32_t ids[4];
	assert_int_equal(tl_farm_ledger_init(&l, 4, NULL), 0);
	assert_true(tl_farm_ledger_result(&l, 4, 1, &err) < 0);
	assert_non_null(strstr(err.msg, "no such job"));
	assert_true(tl_farm_ledger_result(&l, 0, 1, &err) < 0);  /* before it was handed out */
	assert_non_null(strstr(err.msg, "never handed out"));
	assert_int_equal(tl_farm_ledger_take(&l, 1, 0, ids), 1);
	assert_int_equal(tl_farm_ledger_result(&l, 0, 1, &err), TL_FARM_RESULT_ACCEPTED);
	assert_true(tl_farm_ledger_result(&l, 1, 1, &err) < 0);
	assert_int_equal(l.done, 1);
	tl_farm_ledger_free(&l);
	assert_true(tl_farm_ledger_init(&l, 0, &err) < 0);
}

static void test_requeue_after_timeout(void **state)
{
	(void)state;
	struct tl_farm_ledger l;
	uint32_t ids[6];
	assert_int_equal(tl_farm_ledger_init(&l, 6, NULL), 0);
	/* Worker A takes 0..2 at t=0 and dies; worker B takes 3..5 at t=5 s and delivers. */
	assert_int_equal(tl_farm_ledger_take(&l, 3, 0, ids), 3);
	assert_int_equal(tl_farm_ledger_take(&l, 3, 5 * SEC, ids), 3);
	for (uint32_t i = 3; i < 6; i++)
		tl_farm_ledger_result(&l, i, 10, NULL);
	assert_int_equal(tl_farm_ledger_next_expiry(&l, 10 * SEC), 10 * SEC);
	assert_int_equal(tl_farm_ledger_requeue_expired(&l, 9 * SEC, 10 * SEC), 0);
	assert_int_equal(tl_farm_ledger_take(&l, 3, 9 * SEC, ids), 0);  /* nothing waiting yet */
	assert_int_equal(tl_farm_ledger_requeue_expired(&l, 10 * SEC, 10 * SEC), 3);
	assert_int_equal(l.requeued, 3);
	/* B's jobs were done: not re-queued when their leases run out. */
	assert_int_equal(tl_farm_ledger_requeue_expired(&l, 60 * SEC, 10 * SEC), 0);
	assert_int_equal(tl_farm_ledger_next_expiry(&l, 10 * SEC), 0);
	/* C takes the lost jobs; A turns out to be alive and delivers one late: accepted once. */
	assert_int_equal(tl_farm_ledger_take(&l, 2, 61 * SEC, ids), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(tl_farm_ledger_result(&l, 2, 7, NULL), TL_FARM_RESULT_ACCEPTED);
	/* Job 2 is still in the queue, but done: the next take skips it. */
	assert_int_equal(tl_farm_ledger_take(&l, 5, 61 * SEC, ids), 0);
	assert_int_equal(tl_farm_ledger_result(&l, 0, 7, NULL), TL_FARM_RESULT_ACCEPTED);
	assert_int_equal(tl_farm_ledger_result(&l, 1, 7, NULL), TL_FARM_RESULT_ACCEPTED);
	struct tl_farm_check c;
	tl_farm_ledger_check(&l, 51, &c);
	assert_true(c.pass);
	assert_int_equal(l.handed_out, 8);
	tl_farm_ledger_free(&l);
}

/* A clock read before a hand-out (the server's loop stamps "now" once per wake-up) must not
 * make a fresh lease look 584 years old. */
static void test_now_slightly_older(void **state)
{
	(void)state;
	struct tl_farm_ledger l;
	uint32_t ids[2];
	assert_int_equal(tl_farm_ledger_init(&l, 2, NULL), 0);
	assert_int_equal(tl_farm_ledger_take(&l, 2, 5 * SEC, ids), 2);
	assert_int_equal(tl_farm_ledger_requeue_expired(&l, 5 * SEC - 1000, 10 * SEC), 0);
	assert_int_equal(l.requeued, 0);
	tl_farm_ledger_free(&l);
}

/* Many rounds of losing and re-handing jobs never overflow the rings or lose a job. */
static void test_requeue_churn(void **state)
{
	(void)state;
	struct tl_farm_ledger l;
	uint32_t ids[64];
	assert_int_equal(tl_farm_ledger_init(&l, 64, NULL), 0);
	uint64_t t = 0;
	for (int round = 0; round < 50 && !tl_farm_ledger_complete(&l); round++) {
		tl_farm_ledger_requeue_expired(&l, t, SEC);
		uint32_t n = tl_farm_ledger_take(&l, 16, t, ids);
		/* Deliver only every third job taken; the rest are "lost". */
		for (uint32_t i = 0; i < n; i += 3)
			tl_farm_ledger_result(&l, ids[i], 1, NULL);
		t += SEC / 2;
	}
	for (int round = 0; round < 200 && !tl_farm_ledger_complete(&l); round++) {
		tl_farm_ledger_requeue_expired(&l, t, SEC);
		uint32_t n = tl_farm_ledger_take(&l, 64, t, ids);
		for (uint32_t i = 0; i < n; i++)
			tl_farm_ledger_result(&l, ids[i], 1, NULL);
		t += SEC;
	}
	struct tl_farm_check c;
	tl_farm_ledger_check(&l, 64, &c);
	assert_true(c.pass);
	assert_true(l.requeued > 0);
	tl_farm_ledger_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_done_passes),
		cmocka_unit_test(test_missing_and_duplicates),
		cmocka_unit_test(test_refuses_unknown_and_early),
		cmocka_unit_test(test_requeue_after_timeout),
		cmocka_unit_test(test_now_slightly_older),
		cmocka_unit_test(test_requeue_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
