/* TIME_WAIT ceiling arithmetic (tuning knowledge §5), and the verdict that quotes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "farm/ceiling.h"
#include "farm/run.h"

static void test_linux_default(void **state)
{
	(void)state;
	struct tl_farm_ceiling_in in = { .port_lo = 32768, .port_hi = 60999, .tw_reuse = 0,
					 .timestamps = 1, .reuse_delay_ms = 1000 };
	struct tl_farm_ceiling c;
	tl_farm_ceiling_compute(&in, &c);
	assert_int_equal(c.ports, 28232);
	assert_true(c.conn_per_s > 470.5 && c.conn_per_s < 470.6);  /* 28232 / 60 */
	assert_false(c.reuse_applies);
	assert_true(c.reuse_conn_per_s == c.conn_per_s);
}

static void test_widened_and_reserved(void **state)
{
	(void)state;
	struct tl_farm_ceiling_in in = { .port_lo = 1024, .port_hi = 65535, .reserved = 512,
					 .tw_reuse = 0, .timestamps = 1 };
	struct tl_farm_ceiling c;
	tl_farm_ceiling_compute(&in, &c);
	assert_int_equal(c.ports, 64000);
	assert_true(c.conn_per_s > 1066.6 && c.conn_per_s < 1066.7);
	/* The namespace range of the integration test: 201 ports, 3.35 connections/s. */
	in = (struct tl_farm_ceiling_in){ .port_lo = 40000, .port_hi = 40200, .tw_reuse = 0 };
	tl_farm_ceiling_compute(&in, &c);
	assert_int_equal(c.ports, 201);
	assert_true(c.conn_per_s > 3.34 && c.conn_per_s < 3.36);
	/* Everything reserved, or a reversed range: no ports, no connections. */
	in = (struct tl_farm_ceiling_in){ .port_lo = 40000, .port_hi = 40009, .reserved = 10 };
	tl_farm_ceiling_compute(&in, &c);
	assert_int_equal(c.ports, 0);
	assert_true(c.conn_per_s == 0);
	in = (struct tl_farm_ceiling_in){ .port_lo = 5, .port_hi = 4 };
	tl_farm_ceiling_compute(&in, &c);
	assert_int_equal(c.ports, 0);
}

static void test_tw_reuse(void **state)
{
	(void)state;
	struct tl_farm_ceiling_in in = { .port_lo = 32768, .port_hi = 60999, .tw_reuse = 2,
					 .timestamps = 1, .reuse_delay_ms = 1000,
					 .dest_loopback = true };
	struct tl_farm_ceiling c;
	tl_farm_ceiling_compute(&in, &c);
	assert_true(c.reuse_applies);                     /* 2 = loopback only, and it is */
	assert_true(c.reuse_conn_per_s == 28232.0);       /* ports / 1 s */
	in.dest_loopback = false;
	tl_farm_ceiling_compute(&in, &c);
	assert_false(c.reuse_applies);
	in.tw_reuse = 1;
	in.reuse_delay_ms = 250;
	tl_farm_ceiling_compute(&in, &c);
	assert_true(c.reuse_applies);
	assert_true(c.reuse_conn_per_s == 28232.0 * 4);
	in.timestamps = 0;                                /* reuse needs timestamps */
	tl_farm_ceiling_compute(&in, &c);
	assert_false(c.reuse_applies);
}

static void test_time_to_exhaust(void **state)
{
	(void)state;
	/* 28232 ports at 1000/s: drained at 470.5/s, so full after 28232 / 529.5 = 53.3 s. */
	double s = tl_farm_ceiling_exhaust_s(28232, 1000);
	assert_true(s > 53.2 && s < 53.4);
	assert_true(tl_farm_ceiling_exhaust_s(28232, 400) == 0);  /* below the ceiling: never */
	s = tl_farm_ceiling_exhaust_s(201, 2000);
	assert_true(s > 0.1 && s < 0.11);
}

/* The summary names the ports when connects failed, and computation when workers computed. */
static void test_verdict(void **state)
{
	(void)state;
	struct tl_farm_result r;
	memset(&r, 0, sizeof(r));
	tl_farm_spec_defaults(&r.spec, TL_FARM_MODE_BOTH);
	r.have_workers = r.have_server = r.have_ceiling = true;
	r.ceiling.ports = 28232;
	r.elapsed_ns = 100ULL * 1000000000ULL;
	r.work.requests = 41200;
	r.work.addr_not_avail = 17;
	r.tw_peak = 28000;
	r.stopped_by = TL_FARM_STOP_DONE;
	r.outcome = TL_FARM_PASS;
	tl_farm_verdict(&r);
	assert_string_equal(r.limited_by, "ephemeral-ports");
	if (!strstr(r.summary, "per-request batch 1: 412 requests/s, limited by ephemeral ports "
				"(TIME_WAIT 28,000 of 28,232 ports; 17 connects failed"))
		fail_msg("summary: %s", r.summary);
	r.spec.persistent = true;
	r.spec.batch = 10000;
	r.work.addr_not_avail = 0;
	r.tw_peak = 0;
	r.work.wall_ns = 1000;
	r.work.compute_ns = 950;
	tl_farm_verdict(&r);
	assert_string_equal(r.limited_by, "computation");
	assert_non_null(strstr(r.summary, "95% of their busy time"));
	/* Idle at the end (no job left) is nobody's limit: 600 of 800 busy ns is 75%. */
	r.work.compute_ns = 600;
	r.work.idle_ns = 200;
	tl_farm_verdict(&r);
	assert_string_equal(r.limited_by, "computation");
	assert_non_null(strstr(r.summary, "idle 20% of their time at the end"));
	r.work.compute_ns = 100;
	r.work.idle_ns = 0;
	tl_farm_verdict(&r);
	assert_string_equal(r.limited_by, "per-request-overhead");
	assert_non_null(strstr(r.summary, "batch more jobs per request"));
	/* Per-request with TIME_WAIT on 95% of the ports: ports if no reuse, else a note. */
	r.spec.persistent = false;
	r.spec.batch = 1;
	r.tw_peak = 27000;
	tl_farm_verdict(&r);
	assert_string_equal(r.limited_by, "ephemeral-ports");
	r.ceiling.reuse_applies = true;
	r.ceiling_in.tw_reuse = 2;
	tl_farm_verdict(&r);
	assert_string_equal(r.limited_by, "per-request-overhead");
	assert_non_null(strstr(r.summary, "only tcp_tw_reuse=2 kept connects going"));
	/* A run cut by --max-time says how far it got. */
	r.outcome = TL_FARM_INCOMPLETE;
	r.stopped_by = TL_FARM_STOP_MAX_TIME;
	r.check.done = 1234;
	tl_farm_verdict(&r);
	assert_non_null(strstr(r.summary, "stopped at --max-time with 1,234 of 50,000 jobs done"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_default),
		cmocka_unit_test(test_widened_and_reserved),
		cmocka_unit_test(test_tw_reuse),
		cmocka_unit_test(test_time_to_exhaust),
		cmocka_unit_test(test_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
