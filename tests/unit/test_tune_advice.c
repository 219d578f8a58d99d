/* The tuner's arithmetic: BDP -> window -> SO_*BUF requests, caps, stream counts, the choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>

#include "sys/bdp.h"
#include "tune/advice.h"
#include "tune/autotune.h"

#define MS 1000000ULL
#define US 1000ULL

/* Linux defaults before ~6.16/6.18: tcp_rmem max 6 MiB, tcp_wmem max 4 MiB, r/wmem_max 208 KiB. */
static const struct tl_advice_limits old_defaults = {
	.tcp_rmem_max = 6291456, .tcp_wmem_max = 4194304, .rmem_max = 212992, .wmem_max = 212992,
};
/* This machine's 6.18 values: tcp_rmem max 32 MiB, the rest 4 MiB. */
static const struct tl_advice_limits new_defaults = {
	.tcp_rmem_max = 33554432, .tcp_wmem_max = 4194304, .rmem_max = 4194304, .wmem_max = 4194304,
};

static void test_streams_needed(void **state)
{
	(void)state;
	/* BDP of seed 001 (1.25 MB) under a 208 KiB cap: 5.87 -> 6 flows. */
	assert_int_equal(tl_advice_streams_needed(1250000, 212992), 6);
	/* with the 25 % headroom: 1.5625 MB / 212992 = 7.34 -> 8 */
	assert_int_equal(tl_advice_streams_needed(1562500, 212992), 8);
	assert_int_equal(tl_advice_streams_needed(212992, 212992), 1);
	assert_int_equal(tl_advice_streams_needed(212993, 212992), 2);
	assert_int_equal(tl_advice_streams_needed(0, 212992), 1);
	/* no cap at all, or more flows than we would ever suggest */
	assert_int_equal(tl_advice_streams_needed(1, 0), TL_ADVICE_MAX_FLOWS + 1);
	assert_int_equal(tl_advice_streams_needed(1ULL << 40, 65536), TL_ADVICE_MAX_FLOWS + 1);
}

static void test_effective_doubles_and_clamps(void **state)
{
	(void)state;
	/* setsockopt(SO_RCVBUF, 64 KiB) -> getsockopt says 128 KiB [M1] */
	assert_int_equal(tl_advice_effective(65536, 212992), 131072);
	/* clamped to rmem_max first, then doubled: asking 8 MiB with rmem_max 208 KiB gives 416 KiB */
	assert_int_equal(tl_advice_effective(8u << 20, 212992), 425984);
}

/* Seed 001: 100 Mbit/s x 100 ms on a host with the old defaults. */
static void test_seed001_old_limits(void **state)
{
	(void)state;
	struct tl_advice a;
	struct tl_advice_input in = { .rate_bps = 100000000, .rtt_ns = 100 * MS };
	tl_advice_compute(&in, &old_defaults, &a);
	assert_int_equal(a.bdp_bytes, 1250000);
	assert_int_equal(a.window_total, 1562500);  /* x 1.25 */
	/* explicit: a request is clamped to 212992 and doubled; half the doubled rcvbuf is
	 * window, so the window cap per flow is 212992 */
	assert_int_equal(a.explicit_window_cap, 212992);
	assert_int_equal(a.explicit_flows, 8);
	assert_int_equal(a.flows, 8);               /* flows = 0 asked: the fewest that fit */
	assert_int_equal(a.window_per_flow, 195313); /* ceil(1562500 / 8) */
	assert_int_equal(a.sndbuf_request, 195313);  /* memory 2 x window, halved for the doubling */
	assert_int_equal(a.rcvbuf_request, 195313);
	assert_int_equal(a.sndbuf_effective, 390626);
	assert_int_equal(a.rcvbuf_effective, 390626);
	assert_true(a.explicit_ok);
	/* autotuning: min(6 MiB / 2, 4 MiB / 2) = 2 MiB of window per flow: one flow is enough */
	assert_int_equal(a.autotune_window_cap, 2097152);
	assert_int_equal(a.autotune_flows, 1);
	assert_true(a.autotune_ok);
	/* one flow would need rmem_max >= 1.5625 MB (the request), tcp_rmem[2] >= 3.125 MB */
	assert_int_equal(a.rmem_max_needed, 1562500);
	assert_int_equal(a.wmem_max_needed, 1562500);
	assert_int_equal(a.tcp_rmem_max_needed, 3125000);
	assert_int_equal(a.tcp_wmem_max_needed, 3125000);
	/* one explicitly sized flow gets at most 212992 B per 100 ms = 17.04 Mbit/s */
	assert_true(fabs(a.explicit_flow_ceiling_bps - 17039360.0) < 1);
	assert_true(fabs(a.autotune_flow_ceiling_bps - 167772160.0) < 1);
}

static void test_one_flow_asked_over_limit(void **state)
{
	(void)state;
	struct tl_advice a;
	struct tl_advice_input in = { .rate_bps = 100000000, .rtt_ns = 100 * MS, .flows = 1 };
	tl_advice_compute(&in, &old_defaults, &a);
	assert_int_equal(a.flows, 1);
	assert_int_equal(a.sndbuf_request, 1562500);
	assert_false(a.explicit_ok);
	/* what the kernel would actually give: clamped to 212992, doubled */
	assert_int_equal(a.rcvbuf_effective, 425984);
	assert_int_equal(a.explicit_flows, 8);
}

static void test_new_limits_one_flow(void **state)
{
	(void)state;
	struct tl_advice a;
	struct tl_advice_input in = { .rate_bps = 100000000, .rtt_ns = 100 * MS };
	tl_advice_compute(&in, &new_defaults, &a);
	assert_int_equal(a.explicit_window_cap, 4194304);
	assert_int_equal(a.flows, 1);
	assert_int_equal(a.sndbuf_request, 1562500);
	assert_int_equal(a.rcvbuf_effective, 3125000);
	assert_true(a.explicit_ok);
	assert_true(a.autotune_ok);
}

static void test_long_fat_pipe(void **state)
{
	(void)state;
	/* ESnet: one 10 Gbit/s stream over 100 ms "requires 120MB of buffering" (125 MB) [E1].
	 * x 1.25 = 156.25 MB over 4 MiB per flow: 37.25 -> 38 flows. Autotuning's cap is 2 MiB
	 * (tcp_wmem max 4 MiB / 2): 75 flows. */
	struct tl_advice a;
	struct tl_advice_input in = { .rate_bps = 10000000000ULL, .rtt_ns = 100 * MS };
	tl_advice_compute(&in, &new_defaults, &a);
	assert_int_equal(a.bdp_bytes, 125000000);
	assert_int_equal(a.window_total, 156250000);
	assert_int_equal(a.explicit_flows, 38);
	assert_int_equal(a.autotune_flows, 75);
	assert_int_equal(a.flows, 38);
	assert_true(a.explicit_ok);
	assert_false(a.autotune_ok); /* 4.1 MB per flow > 2 MiB */
	/* a fixed flow count above what the caps need is fine; below it is not */
	in.flows = 4;
	tl_advice_compute(&in, &new_defaults, &a);
	assert_int_equal(a.window_per_flow, 39062500);
	assert_false(a.explicit_ok);
}

static void test_lan_floor(void **state)
{
	(void)state;
	/* 100 Mbit/s x 50 us = 625 B: the path is not what sizes the buffer; 64 KiB floor. */
	struct tl_advice a;
	struct tl_advice_input in = { .rate_bps = 100000000, .rtt_ns = 50 * US };
	tl_advice_compute(&in, &old_defaults, &a);
	assert_int_equal(a.bdp_bytes, 625);
	assert_int_equal(a.window_total, 782); /* ceil(625 x 1.25) */
	assert_int_equal(a.flows, 1);
	assert_int_equal(a.window_per_flow, TL_ADVICE_MIN_WINDOW);
	assert_int_equal(a.sndbuf_request, 65536);
	assert_int_equal(a.rcvbuf_effective, 131072);
	assert_true(a.explicit_ok);
	/* no measurement at all still gives a sane answer */
	struct tl_advice_input zero = { 0 };
	tl_advice_compute(&zero, &old_defaults, &a);
	assert_int_equal(a.flows, 1);
	assert_int_equal(a.window_per_flow, TL_ADVICE_MIN_WINDOW);
}

static void test_headroom(void **state)
{
	(void)state;
	struct tl_advice a;
	struct tl_advice_input in = { .rate_bps = 100000000, .rtt_ns = 100 * MS, .headroom_pct = 100 };
	tl_advice_compute(&in, &old_defaults, &a);
	assert_int_equal(a.window_total, 1250000);
	assert_int_equal(a.explicit_flows, 6);
}

static void test_autotune_choice(void **state)
{
	(void)state;
	struct tl_probe_result p;
	struct tl_autotune_choice c;
	memset(&p, 0, sizeof(p));
	p.rate_bps = 100000000;
	p.rtt_min_ns = 100 * MS;
	snprintf(p.limited_by, sizeof(p.limited_by), "network");
	tl_autotune_choose(&p, &old_defaults, 1, &c);
	assert_int_equal(c.flows, 8);
	assert_int_equal(c.sndbuf, 195313);
	assert_int_equal(c.rcvbuf, 195313);
	assert_non_null(strstr(c.why, "BDP = 100 Mbit/s x 100 ms / 8"));
	assert_non_null(strstr(c.why, "8 flows = ceil("));
	assert_non_null(strstr(c.why, "rmem_max"));
	/* the user's -P is a minimum */
	tl_autotune_choose(&p, &old_defaults, 12, &c);
	assert_int_equal(c.flows, 12);
	assert_int_equal(c.sndbuf, 130209); /* ceil(1562500 / 12) */
	assert_non_null(strstr(c.why, "as asked with -P"));
	/* a window-limited probe is flagged as a lower bound */
	p.rate_lower_bound = true;
	snprintf(p.limited_by, sizeof(p.limited_by), "rwnd");
	tl_autotune_choose(&p, &new_defaults, 1, &c);
	assert_int_equal(c.flows, 1);
	assert_non_null(strstr(c.why, "lower bound"));
	assert_non_null(strstr(c.why, "One flow can hold that"));
}

static void test_autotune_specs(void **state)
{
	(void)state;
	struct tl_spec user, k, t;
	struct tl_autotune_choice c;
	struct tl_err err = { 0 };
	memset(&c, 0, sizeof(c));
	c.flows = 3;
	c.sndbuf = 100000;
	c.rcvbuf = 120000;
	tl_spec_defaults(&user);
	user.threads = 8;
	assert_int_equal(tl_autotune_specs(&user, &c, &k, &t, &err), 0);
	assert_int_equal(k.flows, 3);
	assert_int_equal(t.flows, 3);
	assert_int_equal(k.threads, 3);
	assert_int_equal(k.opts.sndbuf, 0);  /* the kernel run sets no buffer */
	assert_int_equal(k.opts.rcvbuf, 0);
	assert_int_equal(t.opts.sndbuf, 100000);
	assert_int_equal(t.opts.rcvbuf, 120000);
	assert_int_equal(k.duration_ns, user.duration_ns);

	user.opts.rcvbuf = 65536;
	assert_int_equal(tl_autotune_specs(&user, &c, &k, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--rcvbuf"));
	user.opts.rcvbuf = 0;
	user.direction = TL_DIR_BIDIR;
	assert_int_equal(tl_autotune_specs(&user, &c, &k, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--bidir"));
	user.direction = TL_DIR_FORWARD;
	user.ngroups = 1;
	user.groups[0].count = 1;
	assert_int_equal(tl_autotune_specs(&user, &c, &k, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--group"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streams_needed),
		cmocka_unit_test(test_effective_doubles_and_clamps),
		cmocka_unit_test(test_seed001_old_limits),
		cmocka_unit_test(test_one_flow_asked_over_limit),
		cmocka_unit_test(test_new_limits_one_flow),
		cmocka_unit_test(test_long_fat_pipe),
		cmocka_unit_test(test_lan_floor),
		cmocka_unit_test(test_headroom),
		cmocka_unit_test(test_autotune_choice),
		cmocka_unit_test(test_autotune_specs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
