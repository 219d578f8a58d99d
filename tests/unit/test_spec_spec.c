/*
 * The test spec as a plain struct: the --cc mix parser's errors, the per-connection helpers
 * (group options, directions, byte shares) the engine reads, validation and its messages,
 * and the pacing cap. Its JSON form is tested in test_ctl_spec.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spec/spec.h"
#include "util/clock.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void assert_opts_equal(const struct tl_sockopts *a, const struct tl_sockopts *b)
{
	assert_int_equal(a->sndbuf, b->sndbuf);
	assert_int_equal(a->rcvbuf, b->rcvbuf);
	assert_int_equal(a->window_clamp, b->window_clamp);
	assert_int_equal(a->mss, b->mss);
	assert_int_equal(a->pacing_bps, b->pacing_bps);
	assert_int_equal(a->nodelay, b->nodelay);
	assert_int_equal(a->zerocopy, b->zerocopy);
	assert_string_equal(a->cc, b->cc);
}

static void test_cc_mix_errors(void **state)
{
	(void)state;
	char seventeen[256] = "";
	for (int g = 0; g < TL_SPEC_MAX_GROUPS + 1; g++)
		snprintf(seventeen + strlen(seventeen), sizeof(seventeen) - strlen(seventeen), "%sc%d:1",
			 g ? "," : "", g);
	char too_long[600];
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	const struct {
		const char *in;
		const char *part;
	} cases[] = {
		{ "cubic:", "--cc count \"\"" },
		{ ":3", "\"\" is not a congestion control name" },
		{ "cubic:2,bbr", "part \"bbr\" has no count" },
		{ "cubic:x", "--cc count \"x\"" },
		{ "cubic:0", "--cc count" },
		{ "cubic:1.5", "--cc count" },
		{ "cubic:-1", "--cc count" },
		{ "cubic:1000001", "--cc count" },
		{ seventeen, "more than 16 groups" },
		{ "", "--cc \"\": not a congestion control name" },
		{ "bbr;rm", "--cc \"bbr;rm\": not a congestion control name" },
		{ "bbr;rm:2", "\"bbr;rm\" is not a congestion control name" },
		{ "abcdefghijklmnop", "not a congestion control name" }, /* 16 characters */
		{ "abcdefghijklmnop:1", "\"abcdefghijklmnop\" is not" },
		{ "bbr,", "an empty part" },
		{ "bbr,cubic:1", "part \"bbr\" has no count" },
		{ ",", "--cc \",\": an empty part" }, /* found by fuzz_ctl: was accepted as nothing */
		{ ",,,", "an empty part" },
		{ "cubic:2,,bbr:1", "an empty part" },
		{ "cubic:2,", "an empty part" },
		{ too_long, "too long" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct tl_spec s;
		struct tl_err err = { 0 };
		tl_spec_defaults(&s);
		if (tl_spec_parse_cc_mix(&s, cases[i].in, &err) >= 0)
			fail_msg("\"%s\" accepted", cases[i].in);
		if (!strstr(err.msg, cases[i].part))
			fail_msg("\"%.40s\": message \"%s\" lacks \"%s\"", cases[i].in, err.msg, cases[i].part);
		assert_string_equal(s.opts.cc, "");
	}
}

/* ---- per-connection helpers ------------------------------------------------------------ */

static void test_flow_opts_groups(void **state)
{
	(void)state;
	struct tl_spec s;
	struct tl_err err = { 0 };
	struct tl_sockopts o;
	tl_spec_defaults(&s);
	s.flows = 12;
	snprintf(s.opts.cc, sizeof(s.opts.cc), "reno");
	s.opts.rcvbuf = 1u << 20;
	s.opts.sndbuf = 4096;
	s.opts.mss = 1400;
	assert_int_equal(tl_spec_parse_cc_mix(&s, "cubic:8,bbr:2", &err), 0);
	s.groups[0].opts.sndbuf = 65536;
	s.groups[1].opts.nodelay = 1;
	s.groups[1].opts.mss = 1200;
	assert_int_equal(tl_spec_validate(&s, &err), 0);

	static const struct {
		uint32_t conn;
		const char *cc;
		uint64_t sndbuf;
		int nodelay;
		uint32_t mss;
	} cases[] = {
		{ 0, "cubic", 65536, 0, 1400 }, { 7, "cubic", 65536, 0, 1400 }, /* first group's edges */
		{ 8, "bbr", 4096, 1, 1200 },    { 9, "bbr", 4096, 1, 1200 },    /* second group's edges */
		{ 10, "reno", 4096, 0, 1400 },  { 11, "reno", 4096, 0, 1400 },  /* past the groups */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		tl_spec_flow_opts(&s, cases[i].conn, &o);
		assert_string_equal(o.cc, cases[i].cc);
		assert_int_equal(o.sndbuf, cases[i].sndbuf);
		assert_int_equal(o.nodelay, cases[i].nodelay);
		assert_int_equal(o.mss, cases[i].mss);
		assert_int_equal(o.rcvbuf, 1u << 20); /* unset in the groups: falls back to the run */
	}

	/* bidir: connection c >= flows is flow c % flows of the other direction */
	s.direction = TL_DIR_BIDIR;
	assert_int_equal(tl_spec_connections(&s), 24);
	for (uint32_t c = 0; c < 12; c++) {
		struct tl_sockopts a, b;
		tl_spec_flow_opts(&s, c, &a);
		tl_spec_flow_opts(&s, c + 12, &b);
		assert_opts_equal(&a, &b);
	}
	tl_spec_flow_opts(&s, 12, &o);
	assert_string_equal(o.cc, "cubic");
	tl_spec_flow_opts(&s, 19, &o);
	assert_string_equal(o.cc, "cubic");
	tl_spec_flow_opts(&s, 20, &o);
	assert_string_equal(o.cc, "bbr");
	tl_spec_flow_opts(&s, 23, &o);
	assert_string_equal(o.cc, "reno");

	/* no groups: every connection gets the run's options */
	tl_spec_defaults(&s);
	s.flows = 3;
	s.opts.mss = 1200;
	for (uint32_t c = 0; c < 3; c++) {
		tl_spec_flow_opts(&s, c, &o);
		assert_opts_equal(&o, &s.opts);
	}
}

static void test_connections_and_sides(void **state)
{
	(void)state;
	struct tl_spec s;
	tl_spec_defaults(&s);
	s.flows = 5;
	s.direction = TL_DIR_FORWARD;
	assert_int_equal(tl_spec_connections(&s), 5);
	for (uint32_t c = 0; c < 5; c++)
		assert_true(tl_spec_conn_client_sends(&s, c));
	s.direction = TL_DIR_REVERSE;
	assert_int_equal(tl_spec_connections(&s), 5);
	for (uint32_t c = 0; c < 5; c++)
		assert_false(tl_spec_conn_client_sends(&s, c));
	s.direction = TL_DIR_BIDIR;
	assert_int_equal(tl_spec_connections(&s), 10);
	for (uint32_t c = 0; c < 10; c++)
		assert_int_equal(tl_spec_conn_client_sends(&s, c), c < 5);
}

static void test_conn_bytes_split(void **state)
{
	(void)state;
	struct tl_spec s;
	tl_spec_defaults(&s);
	s.bytes = 10;
	s.flows = 3;
	assert_int_equal(tl_spec_conn_bytes(&s, 0), 4);
	assert_int_equal(tl_spec_conn_bytes(&s, 1), 3);
	assert_int_equal(tl_spec_conn_bytes(&s, 2), 3);

	static const struct {
		uint64_t bytes;
		uint32_t flows;
	} cases[] = { { 10, 3 }, { 3, 3 }, { 1, 1 }, { 7, 1 }, { 1000003, 7 }, { 10ULL << 30, 1000 },
		      { (1ULL << 60) + 0, 999983 }, { 65535, 256 } };
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		for (int dir = 0; dir <= TL_DIR_BIDIR; dir++) {
			tl_spec_defaults(&s);
			s.bytes = cases[i].bytes;
			s.flows = cases[i].flows;
			s.direction = (enum tl_direction)dir;
			uint32_t nconn = tl_spec_connections(&s);
			uint64_t sum_fwd = 0, sum_back = 0, lo = UINT64_MAX, hi = 0;
			for (uint32_t c = 0; c < nconn; c++) {
				uint64_t b = tl_spec_conn_bytes(&s, c);
				/* the remainder goes to the first flows: shares never grow */
				if (c % s.flows)
					assert_true(b <= tl_spec_conn_bytes(&s, c - 1));
				if (c < s.flows)
					sum_fwd += b;
				else
					sum_back += b;
				lo = b < lo ? b : lo;
				hi = b > hi ? b : hi;
			}
			/* each direction carries exactly the total, split evenly */
			assert_int_equal(sum_fwd, cases[i].bytes);
			if (dir == TL_DIR_BIDIR)
				assert_int_equal(sum_back, cases[i].bytes);
			assert_true(hi - lo <= 1);
			assert_true(lo >= 1);
		}
	}

	/* time mode: no byte budget */
	tl_spec_defaults(&s);
	s.flows = 4;
	for (uint32_t c = 0; c < 4; c++)
		assert_int_equal(tl_spec_conn_bytes(&s, c), 0);
}

/* ---- validate's messages --------------------------------------------------------------- */

static void test_validate_messages(void **state)
{
	(void)state;
	struct tl_spec s;
	struct tl_err err;

#define EXPECT_INVALID(mutation, part1, part2)                                             \
	do {                                                                               \
		tl_spec_defaults(&s);                                                      \
		mutation;                                                                  \
		tl_err_clear(&err);                                                        \
		if (tl_spec_validate(&s, &err) >= 0)                                       \
			fail_msg("accepted: %s", #mutation);                               \
		if (!strstr(err.msg, part1) || !strstr(err.msg, part2))                    \
			fail_msg("%s: message \"%s\" lacks \"%s\" or \"%s\"", #mutation,   \
				 err.msg, part1, part2);                                   \
	} while (0)

	EXPECT_INVALID((s.bytes = 1000, s.omit_ns = TL_NSEC_PER_SEC), "--omit", "--bytes");
	EXPECT_INVALID((s.bytes = 3, s.flows = 4), "--bytes 3", "4 flows");
	EXPECT_INVALID(s.flows = 0, "--flows 0", "1 to 1000000");
	EXPECT_INVALID(s.flows = TL_SPEC_MAX_FLOWS + 1, "--flows 1000001", "1 to 1000000");
	EXPECT_INVALID(s.threads = 0, "--threads 0", "1 to 1024");
	EXPECT_INVALID(s.threads = 1025, "--threads 1025", "1 to 1024");
	EXPECT_INVALID(s.direction = (enum tl_direction)3, "direction 3", "unknown");
	EXPECT_INVALID(s.duration_ns = 99 * TL_NSEC_PER_MSEC, "--time", "100ms to 24h");
	EXPECT_INVALID(s.duration_ns = 86400 * TL_NSEC_PER_SEC + 1, "--time", "100ms to 24h");
	EXPECT_INVALID(s.max_duration_ns = 0, "--max-time", "100ms to 24h");
	EXPECT_INVALID(s.omit_ns = 3600 * TL_NSEC_PER_SEC + 1, "--omit", "at most 1h");
	EXPECT_INVALID(s.interval_ns = 9 * TL_NSEC_PER_MSEC, "--interval", "or 0 for none");
	EXPECT_INVALID(s.length = 0, "--length 0", "1 byte to 16M");
	EXPECT_INVALID(s.length = (16u << 20) + 1, "--length 16777217", "16M");
	EXPECT_INVALID(s.stall_timeout_ns = 9 * TL_NSEC_PER_MSEC, "--stall-timeout", "10ms");
	EXPECT_INVALID(s.connect_timeout_ns = 0, "--connect-timeout", "10ms to 1h");
	EXPECT_INVALID((s.flows = 4, s.ngroups = 1, s.groups[0].count = 0), "flow group 1", "no flows");
	EXPECT_INVALID((s.flows = 4, s.ngroups = 2, s.groups[0].count = 3, s.groups[1].count = 2),
		       "flow groups cover 5 flows", "--flows is 4");
	EXPECT_INVALID((s.ngroups = 1, s.groups[0].count = 1, memcpy(s.groups[0].opts.cc, "a;b", 4)),
		       "flow group 1", "congestion control");
	EXPECT_INVALID(memcpy(s.opts.cc, "bbr;rm", 7), "--cc \"bbr;rm\"", "not a congestion control");
	EXPECT_INVALID((s.flows = 2, s.fault_stop_reading_flow = 2), "fault flow 2", "2 connections");
#undef EXPECT_INVALID

	/* The edges that are allowed. */
	tl_spec_defaults(&s);
	s.bytes = 1;
	s.duration_ns = 0; /* bytes mode: --time does not apply */
	assert_int_equal(tl_spec_validate(&s, &err), 0);
	s.bytes = 0;
	s.duration_ns = 100 * TL_NSEC_PER_MSEC;
	s.interval_ns = 0;
	s.length = 1;
	s.stall_timeout_ns = 10 * TL_NSEC_PER_MSEC;
	s.fault_stop_reading_flow = 0;
	assert_int_equal(tl_spec_validate(&s, &err), 0);
}

/* The pacing cap lowers, never raises. */
static void test_pacing_cap(void **state)
{
	(void)state;
	struct tl_spec s;
	tl_spec_defaults(&s);
	s.ngroups = 2;
	s.groups[0].opts.pacing_bps = 5000000;
	s.groups[1].opts.pacing_bps = 0;
	s.opts.pacing_bps = 0;
	tl_spec_cap_pacing(&s, 1000000);
	assert_int_equal(s.opts.pacing_bps, 1000000);
	assert_int_equal(s.groups[0].opts.pacing_bps, 1000000);
	assert_int_equal(s.groups[1].opts.pacing_bps, 0); /* takes the run's, capped */
	s.opts.pacing_bps = 500000;
	tl_spec_cap_pacing(&s, 1000000);
	assert_int_equal(s.opts.pacing_bps, 500000);
	tl_spec_cap_pacing(&s, 0);
	assert_int_equal(s.opts.pacing_bps, 500000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pacing_cap),
		cmocka_unit_test(test_cc_mix_errors),
		cmocka_unit_test(test_flow_opts_groups),
		cmocka_unit_test(test_connections_and_sides),
		cmocka_unit_test(test_conn_bytes_split),
		cmocka_unit_test(test_validate_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
