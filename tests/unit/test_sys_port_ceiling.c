/*
 * The port-ceiling model, one row per combination of the facts, each with the source of the
 * rule it checks (docs/references.md):
 *   [K1]  ip-sysctl.rst: tcp_tw_reuse 0 disable, 1 global enable, 2 loopback only;
 *         ip_local_port_range, ip_local_reserved_ports.
 *   [K15] tcp_twsk_unique(): reuse needs the old connection's timestamp and a loopback
 *         address (127/8, ::1) for 2; the delay is a strict "after".
 *   [K6]  tcp_tw_reuse_delay (ms, since 6.14); before it, within 1 s.
 *   [K8]  TCP_TIMEWAIT_LEN = 60 s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sys/port_ceiling.h"

struct row {
	const char *source;
	int tw_reuse, timestamps;
	int64_t delay_ms;
	bool loopback;
	bool reuse;
	uint32_t hold_ms;
	enum tl_port_reason reason;
};

/* 1000 ports (40000-40999): the ceiling is 1000 x 1000 / hold_ms. */
static const struct row rows[] = {
	{ "[K1] 0 = disable; [K8] 60 s", 0, 1, 1000, false, false, 60000, TL_PORT_REUSE_OFF },
	{ "[K1] 0 = disable, loopback too", 0, 1, 1000, true, false, 60000, TL_PORT_REUSE_OFF },
	{ "[K1] 0 = disable, no timestamps", 0, 0, 1000, true, false, 60000, TL_PORT_REUSE_OFF },
	{ "[K1] 1 = global enable; [K6] delay", 1, 1, 1000, false, true, 1000, TL_PORT_REUSE_ALL },
	{ "[K1] 1 = global enable, loopback", 1, 1, 1000, true, true, 1000, TL_PORT_REUSE_ALL },
	{ "[K15] 1 needs timestamps", 1, 0, 1000, false, false, 60000,
	  TL_PORT_REUSE_NO_TIMESTAMPS },
	{ "[K15] 1 needs timestamps, loopback", 1, 0, 1000, true, false, 60000,
	  TL_PORT_REUSE_NO_TIMESTAMPS },
	{ "[K1] 2 = loopback only: not loopback", 2, 1, 1000, false, false, 60000,
	  TL_PORT_REUSE_LOOPBACK_ONLY },
	{ "[K1][K15] 2 and a loopback address", 2, 1, 1000, true, true, 1000,
	  TL_PORT_REUSE_LOOPBACK },
	{ "[K15] 2 on loopback needs timestamps", 2, 0, 1000, true, false, 60000,
	  TL_PORT_REUSE_NO_TIMESTAMPS },
	{ "[K15] 2 off loopback, no timestamps", 2, 0, 1000, false, false, 60000,
	  TL_PORT_REUSE_LOOPBACK_ONLY },
	{ "tcp_timestamps = 2 (no random offset) is on", 1, 2, 1000, false, true, 1000,
	  TL_PORT_REUSE_ALL },
	{ "[K6] tcp_tw_reuse_delay = 250 ms", 1, 1, 250, false, true, 250, TL_PORT_REUSE_ALL },
	{ "[K6] delay 250 ms, 2 on loopback", 2, 1, 250, true, true, 250, TL_PORT_REUSE_LOOPBACK },
	{ "[K15] delay 0: strictly after, 1 ms", 1, 1, 0, false, true, 1, TL_PORT_REUSE_ALL },
	{ "[K6] before 6.14: within 1 s", 1, 1, -1, false, true, 1000, TL_PORT_REUSE_ALL },
	{ "[K6] before 6.14, 2 on loopback", 2, 1, -1, true, true, 1000, TL_PORT_REUSE_LOOPBACK },
	{ "[K12] unknown tcp_tw_reuse is the default 2", -1, 1, 1000, true, true, 1000,
	  TL_PORT_REUSE_LOOPBACK },
	{ "[K12] unknown tcp_tw_reuse, not loopback", -1, 1, 1000, false, false, 60000,
	  TL_PORT_REUSE_LOOPBACK_ONLY },
	{ "unknown timestamps are taken as on", 1, -1, 1000, false, true, 1000,
	  TL_PORT_REUSE_ALL },
};

static void test_every_combination(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct tl_port_facts f = { .port_lo = 40000, .port_hi = 40999,
					   .tw_reuse = r->tw_reuse, .timestamps = r->timestamps,
					   .reuse_delay_ms = r->delay_ms };
		struct tl_port_ceiling c;
		tl_port_ceiling(&f, r->loopback, 1, &c);
		if (c.reuse != r->reuse || c.hold_ms != r->hold_ms || c.reason != r->reason ||
		    c.ports != 1000)
			fail_msg("row %zu (%s): reuse %d hold %u reason %d ports %u", i, r->source,
				 c.reuse, c.hold_ms, c.reason, c.ports);
		uint64_t want = 1000ULL * 1000 / r->hold_ms;
		if (c.per_sec_floor != want)
			fail_msg("row %zu (%s): %llu/s, want %llu", i, r->source,
				 (unsigned long long)c.per_sec_floor, (unsigned long long)want);
		/* What TIME_WAIT alone allows: 1000 / 60 s, whatever reuse does. */
		assert_true(c.no_reuse_per_sec > 16.66 && c.no_reuse_per_sec < 16.67);
		assert_true(c.why[0] != '\0');
	}
}

static void test_rounding_down(void **state)
{
	(void)state;
	struct tl_port_facts f = { .port_lo = 40000, .port_hi = 40999, .tw_reuse = 0,
				   .timestamps = 1, .reuse_delay_ms = 1000 };
	struct tl_port_ceiling c;
	tl_port_ceiling(&f, false, 1, &c);
	assert_int_equal(c.per_sec_floor, 16);       /* 1000 / 60 = 16.67: sustains 16 */
	f.port_hi = 40100;                            /* 101 ports / 60 s = 1.68 */
	tl_port_ceiling(&f, false, 1, &c);
	assert_int_equal(c.per_sec_floor, 1);
	f = (struct tl_port_facts){ .port_lo = 32768, .port_hi = 60999, .tw_reuse = 2,
				    .timestamps = 1, .reuse_delay_ms = 1000 };
	tl_port_ceiling(&f, false, 1, &c);
	assert_int_equal(c.ports, 28232);
	assert_int_equal(c.per_sec_floor, 470);      /* 470.53: Bernat's ~500/s [B1] */
	f.port_lo = 1024;                             /* 64512 / 60 = 1075.2 */
	f.port_hi = 65535;
	tl_port_ceiling(&f, false, 1, &c);
	assert_int_equal(c.per_sec_floor, 1075);
	/* An exact quotient stays exact: 600 ports / 60 s = 10, not 9. */
	f.port_lo = 40000;
	f.port_hi = 40599;
	tl_port_ceiling(&f, false, 1, &c);
	assert_int_equal(c.per_sec_floor, 10);
}

static void test_reserved_sources_and_empty(void **state)
{
	(void)state;
	struct tl_port_facts f = { .port_lo = 1024, .port_hi = 65535, .reserved = 512,
				   .tw_reuse = 0, .timestamps = 1, .reuse_delay_ms = 1000 };
	struct tl_port_ceiling c;
	tl_port_ceiling(&f, false, 1, &c);
	assert_int_equal(c.ports, 64000);             /* [K1] reserved ports are skipped */
	assert_int_equal(c.per_sec_floor, 1066);
	tl_port_ceiling(&f, false, 2, &c);            /* two source addresses: two tuples */
	assert_int_equal(c.sources, 2);
	assert_int_equal(c.per_sec_floor, 2133);
	tl_port_ceiling(&f, false, 0, &c);            /* 0 sources counts as 1 */
	assert_int_equal(c.per_sec_floor, 1066);
	f = (struct tl_port_facts){ .port_lo = 40000, .port_hi = 40009, .reserved = 10,
				    .tw_reuse = 1, .timestamps = 1, .reuse_delay_ms = 1000 };
	tl_port_ceiling(&f, true, 1, &c);
	assert_int_equal(c.ports, 0);
	assert_int_equal(c.reason, TL_PORT_NO_PORTS);
	assert_int_equal(c.per_sec_floor, 0);
	f = (struct tl_port_facts){ .port_lo = 5, .port_hi = 4, .tw_reuse = 0 };
	tl_port_ceiling(&f, false, 1, &c);
	assert_int_equal(c.ports, 0);
	assert_int_equal(c.per_sec_floor, 0);
}

static void test_reason_words(void **state)
{
	(void)state;
	struct tl_port_facts f = { .port_lo = 40000, .port_hi = 40999, .tw_reuse = 2,
				   .timestamps = 1, .reuse_delay_ms = 1000 };
	struct tl_port_ceiling c;
	tl_port_ceiling(&f, false, 1, &c);
	assert_non_null(strstr(c.why, "loopback only"));
	tl_port_ceiling(&f, true, 1, &c);
	assert_non_null(strstr(c.why, "tcp_tw_reuse_delay = 1000 ms"));
	f.reuse_delay_ms = -1;
	tl_port_ceiling(&f, true, 1, &c);
	assert_non_null(strstr(c.why, "no tcp_tw_reuse_delay"));
	f.timestamps = 0;
	tl_port_ceiling(&f, true, 1, &c);
	assert_non_null(strstr(c.why, "tcp_timestamps = 0"));
}

static void test_time_to_exhaust(void **state)
{
	(void)state;
	/* 28232 ports at 1000/s: drained at 470.5/s, so full after 28232 / 529.5 = 53.3 s. */
	double s = tl_port_exhaust_seconds(28232, 1000);
	assert_true(s > 53.2 && s < 53.4);
	assert_true(tl_port_exhaust_seconds(28232, 400) == 0);  /* below the ceiling: never */
	s = tl_port_exhaust_seconds(201, 2000);
	assert_true(s > 0.1 && s < 0.11);
}

static void test_read_this_namespace(void **state)
{
	(void)state;
	struct tl_port_facts f;
	struct tl_err err = { 0 };
	if (tl_port_facts_read(&f, &err) < 0)
		skip(); /* no /proc/sys here */
	assert_true(f.port_lo >= 1 && f.port_lo <= f.port_hi && f.port_hi <= 65535);
	assert_true(f.tw_reuse >= -1 && f.tw_reuse <= 2);
	assert_true(f.reuse_delay_ms >= -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_combination),
		cmocka_unit_test(test_rounding_down),
		cmocka_unit_test(test_reserved_sources_and_empty),
		cmocka_unit_test(test_reason_words),
		cmocka_unit_test(test_time_to_exhaust),
		cmocka_unit_test(test_read_this_namespace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
