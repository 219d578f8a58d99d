/* The farm's verdict: which run was limited by what, quoting the port ceiling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "farm/run.h"

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
	r.ceiling.reuse = true;
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
		cmocka_unit_test(test_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
