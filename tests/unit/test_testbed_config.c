/* testbed options: defaults, parsing into link specs, delay split, errors that name the option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testbed/config.h"
#include "util/clock.h"

#define MS TL_NSEC_PER_MSEC

static json_t *opts_of(const char *const kv[][2], size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tl_testbed_opt_set(o, kv[i][0], kv[i][1], NULL), 0);
	return o;
}

static void test_defaults(void **state)
{
	(void)state;
	json_t *o = json_object();
	struct tl_testbed_config c;
	assert_int_equal(tl_testbed_config_eval(o, &c, NULL), 0);
	assert_int_equal(c.senders, 1);
	assert_int_equal(c.fwd.rate_bps, 100000000);
	assert_int_equal(c.rev.rate_bps, 100000000);
	assert_int_equal(c.rtt_ns[0], 40 * MS);
	/* 40 ms split half each way on the shared link. */
	assert_int_equal(c.fwd.delay_ns, 20 * MS);
	assert_int_equal(c.rev.delay_ns, 20 * MS);
	/* 1bdp = 100 Mbit/s x 40 ms = 500000 counted bytes, in both directions. */
	assert_int_equal(c.bdp_bytes, 500000);
	assert_int_equal(c.fwd.queue.kind, TL_QDISC_TAILDROP);
	assert_int_equal(c.fwd.queue.limit_bytes, 500000);
	assert_int_equal(c.fwd.queue.limit_pkts, 0);
	assert_int_equal(c.rev.queue.limit_bytes, 500000);
	assert_int_equal(c.fwd.loss.kind, TL_LOSS_NONE);
	assert_int_equal(c.seed, 1);
	assert_int_equal(c.pool, 65536);
	assert_int_equal(c.spin_ns, 400000);
	assert_int_equal(c.prio, TL_TESTBED_PRIO_HIGH);
	assert_false(c.isolate);
	assert_true(c.standby);
	assert_false(c.fwd.reorder);
	assert_string_equal(tl_testbed_opt(o, "rate"), "100mbit");
	assert_string_equal(tl_testbed_opt(o, "rev-rate"), "");
	json_decref(o);
}

static void test_full_options(void **state)
{
	(void)state;
	static const char *const kv[][2] = {
		{ "rate", "10mbit" },  { "rtt", "21ms" },  { "buffer", "100p" },
		{ "aqm", "codel:target=2ms,interval=50ms" }, { "loss", "1%" },
		{ "jitter", "1ms" },   { "reorder", "on" }, { "rev-rate", "1mbit" },
		{ "rev-buffer", "64K" }, { "rev-aqm", "pie" }, { "rev-loss", "ge:p=1%,r=30%" },
		{ "seed", "42" },      { "pool", "4096" },  { "spin", "0" },
	};
	json_t *o = opts_of(kv, sizeof(kv) / sizeof(kv[0]));
	struct tl_testbed_config c;
	struct tl_err err = { 0 };
	assert_int_equal(tl_testbed_config_eval(o, &c, &err), 0);
	assert_int_equal(c.fwd.rate_bps, 10000000);
	/* An odd RTT: the extra nanosecond goes on the way back. */
	assert_int_equal(c.fwd.delay_ns, 10500000);
	assert_int_equal(c.rev.delay_ns, 10500000);
	assert_int_equal(c.fwd.queue.kind, TL_QDISC_CODEL);
	assert_int_equal(c.fwd.queue.codel.target_ns, 2 * MS);
	assert_int_equal(c.fwd.queue.codel.interval_ns, 50 * MS);
	assert_int_equal(c.fwd.queue.limit_pkts, 100);
	assert_int_equal(c.fwd.loss.kind, TL_LOSS_BERNOULLI);
	assert_true(c.fwd.loss.p > 0.0099 && c.fwd.loss.p < 0.0101);
	assert_int_equal(c.fwd.jitter_ns, 1 * MS);
	assert_true(c.fwd.reorder);
	assert_int_equal(c.rev.rate_bps, 1000000);
	assert_int_equal(c.rev.queue.kind, TL_QDISC_PIE);
	assert_int_equal(c.rev.queue.limit_bytes, 65536);
	assert_int_equal(c.rev.loss.kind, TL_LOSS_GE);
	assert_int_equal(c.rev.jitter_ns, 0);
	assert_int_equal(c.seed, 42);
	assert_int_equal(c.pool, 4096);
	assert_int_equal(c.spin_ns, 0);
	/* The two directions draw from different streams of the one seed. */
	assert_true(c.fwd.seed != c.rev.seed);
	json_decref(o);
}

static void test_senders_rtts(void **state)
{
	(void)state;
	static const char *const kv[][2] = { { "senders", "3" }, { "rtt", "10ms,100ms,31ms" },
					     { "rate", "1gbit" } };
	json_t *o = opts_of(kv, 3);
	struct tl_testbed_config c;
	assert_int_equal(tl_testbed_config_eval(o, &c, NULL), 0);
	assert_int_equal(c.senders, 3);
	assert_int_equal(c.min_rtt_ns, 10 * MS);
	assert_int_equal(c.max_rtt_ns, 100 * MS);
	/* The common 10 ms on the shared link, the rest on each sender's own line. */
	assert_int_equal(c.fwd.delay_ns + c.rev.delay_ns, 10 * MS);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(c.fwd.delay_ns + c.rev.delay_ns + c.access_fwd[i].delay_ns +
					 c.access_rev[i].delay_ns,
				 c.rtt_ns[i]);
	assert_int_equal(c.access_fwd[0].delay_ns, 0);
	assert_int_equal(c.access_fwd[1].delay_ns, 45 * MS);
	assert_int_equal(c.access_rev[2].delay_ns, 10500000);
	/* The BDP uses the largest RTT: 1 Gbit/s x 100 ms. */
	assert_int_equal(c.bdp_bytes, 12500000);
	assert_int_equal(c.fwd.queue.limit_bytes, 12500000);
	/* Access lines: delay only. */
	assert_int_equal(c.access_fwd[1].rate_bps, 0);
	assert_int_equal(c.access_fwd[1].loss.kind, TL_LOSS_NONE);
	/* One RTT for all senders. */
	tl_testbed_opt_set(o, "rtt", "25ms", NULL);
	assert_int_equal(tl_testbed_config_eval(o, &c, NULL), 0);
	assert_int_equal(c.rtt_ns[2], 25 * MS);
	assert_int_equal(c.access_fwd[2].delay_ns, 0);
	json_decref(o);
}

struct bad_case {
	const char *key, *value, *want; /* want: a piece of the message */
};

static void test_errors_name_the_option(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "rate", "fast", "--rate" },
		{ "rate", "100mbps", "--rate" },
		{ "rtt", "40", NULL }, /* a bare number is seconds: fine */
		{ "rtt", "10ms,20ms", "2 values for 1 sender" },
		{ "rtt", "", "--rtt" },
		{ "buffer", "lots", "--buffer" },
		{ "buffer", "100", "--buffer" },
		{ "aqm", "wred", "--aqm" },
		{ "aqm", "codel:tgt=5ms", "--aqm" },
		{ "loss", "150%", "--loss" },
		{ "jitter", "x", "--jitter" },
		{ "reorder", "maybe", "--reorder" },
		{ "rev-rate", "x", "--rev-rate" },
		{ "rev-aqm", "x", "--rev-aqm" },
		{ "senders", "0", "--senders" },
		{ "senders", "33", "--senders" },
		{ "pool", "10", "--pool" },
		{ "spin", "2s", "--spin" },
		{ "prio", "fifo", "write high, rt or normal" },
		{ "isolate", "maybe", "--isolate \"maybe\": write on or off" },
		{ "standby", "2", "--standby \"2\": write on or off" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = json_object();
		struct tl_testbed_config c;
		struct tl_err err = { 0 };
		tl_testbed_opt_set(o, cases[i].key, cases[i].value, NULL);
		int ret = tl_testbed_config_eval(o, &c, &err);
		if (!cases[i].want) {
			assert_int_equal(ret, 0);
		} else {
			assert_true(ret < 0);
			if (!strstr(err.msg, cases[i].want))
				fail_msg("%s=%s: \"%s\" lacks \"%s\"", cases[i].key, cases[i].value,
					 err.msg, cases[i].want);
		}
		json_decref(o);
	}
}

static void test_prio_values(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		enum tl_testbed_prio want;
	} cases[] = { { "high", TL_TESTBED_PRIO_HIGH },
		      { "rt", TL_TESTBED_PRIO_RT },
		      { "normal", TL_TESTBED_PRIO_NORMAL } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = json_object();
		struct tl_testbed_config c;
		tl_testbed_opt_set(o, "prio", cases[i].value, NULL);
		assert_int_equal(tl_testbed_config_eval(o, &c, NULL), 0);
		assert_int_equal(c.prio, cases[i].want);
		assert_string_equal(tl_testbed_prio_name(c.prio), cases[i].value);
		json_decref(o);
	}
}

static void test_bdp_needs_rate(void **state)
{
	(void)state;
	static const char *const kv[][2] = { { "rate", "0" } };
	json_t *o = opts_of(kv, 1);
	struct tl_testbed_config c;
	struct tl_err err = { 0 };
	assert_true(tl_testbed_config_eval(o, &c, &err) < 0);
	assert_non_null(strstr(err.msg, "--buffer"));
	/* With no rate limit, a buffer in bytes is fine. */
	tl_testbed_opt_set(o, "buffer", "1M", NULL);
	assert_int_equal(tl_testbed_config_eval(o, &c, NULL), 0);
	assert_int_equal(c.fwd.rate_bps, 0);
	json_decref(o);
}

static void test_keys(void **state)
{
	(void)state;
	json_t *o = json_object();
	struct tl_err err = { 0 };
	assert_true(tl_testbed_opt_set(o, "bandwidth", "1", &err) < 0);
	assert_non_null(strstr(err.msg, "bandwidth"));
	assert_true(tl_testbed_opt_known("rev-jitter"));
	assert_false(tl_testbed_opt_known("rev-senders"));
	assert_true(tl_testbed_opt_runtime("rate"));
	assert_false(tl_testbed_opt_runtime("senders"));
	assert_false(tl_testbed_opt_runtime("seed"));
	assert_false(tl_testbed_opt_runtime("pool"));
	assert_false(tl_testbed_opt_runtime("isolate"));
	assert_true(tl_testbed_opt_runtime("standby"));
	/* --isolate on is kept as written and read back as on; so is --standby off. */
	struct tl_testbed_config c;
	assert_int_equal(tl_testbed_opt_set(o, "isolate", "on", NULL), 0);
	assert_int_equal(tl_testbed_opt_set(o, "standby", "off", NULL), 0);
	assert_int_equal(tl_testbed_config_eval(o, &c, NULL), 0);
	assert_true(c.isolate);
	assert_false(c.standby);
	json_object_clear(o);
	/* A state file with a foreign key or a non-string value is refused. */
	json_object_set_new(o, "rate", json_integer(5));
	assert_true(tl_testbed_opts_check(o, &err) < 0);
	json_object_clear(o);
	json_object_set_new(o, "colour", json_string("red"));
	assert_true(tl_testbed_opts_check(o, &err) < 0);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_options),
		cmocka_unit_test(test_senders_rtts),
		cmocka_unit_test(test_errors_name_the_option),
		cmocka_unit_test(test_prio_values),
		cmocka_unit_test(test_bdp_needs_rate),
		cmocka_unit_test(test_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
