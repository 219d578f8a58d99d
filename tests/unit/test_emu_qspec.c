/* The testbed's --aqm, --buffer and --loss parsers: good inputs, and the messages for bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "emu/loss.h"
#include "emu/qspec.h"

#define MS 1000000ull

static struct tl_qspec aqm_ok(const char *s)
{
	struct tl_qspec q;
	struct tl_err err = { 0 };
	int ret = tl_qspec_parse("--aqm", s, &q, &err);
	if (ret != 0)
		fail_msg("%s: %s", s, err.msg);
	return q;
}

static void test_aqm_good(void **state)
{
	(void)state;
	struct tl_qspec q = aqm_ok("taildrop");
	assert_int_equal(q.kind, TL_QDISC_TAILDROP);
	assert_int_equal(q.limit_pkts, 1000);
	assert_int_equal(q.mtu, 1514);

	q = aqm_ok("codel:target=5ms,interval=100ms");
	assert_int_equal(q.kind, TL_QDISC_CODEL);
	assert_int_equal(q.codel.target_ns, 5 * MS);
	assert_int_equal(q.codel.interval_ns, 100 * MS);
	q = aqm_ok("codel:target=10ms,ecn");
	assert_int_equal(q.codel.target_ns, 10 * MS);
	assert_int_equal(q.codel.interval_ns, 100 * MS);
	assert_true(q.ecn);

	q = aqm_ok("pie:target=15ms");
	assert_int_equal(q.kind, TL_QDISC_PIE);
	assert_int_equal(q.pie.target_ns, 15 * MS);
	assert_int_equal(q.pie.tupdate_ns, 15 * MS);
	assert_int_equal(q.pie.max_burst_ns, 150 * MS);
	assert_true(q.pie.alpha == 0.125 && q.pie.beta == 1.25);
	q = aqm_ok("pie:target=20ms,tupdate=30ms,alpha=0.25,beta=2.5,burst=100ms,derand=on");
	assert_int_equal(q.pie.tupdate_ns, 30 * MS);
	assert_true(q.pie.alpha == 0.25 && q.pie.beta == 2.5 && q.pie.derand);
	assert_int_equal(q.pie.max_burst_ns, 100 * MS);

	q = aqm_ok("red:min=30K,max=90K,p=0.1");
	assert_int_equal(q.kind, TL_QDISC_RED);
	assert_int_equal(q.red.min_bytes, 30720);
	assert_int_equal(q.red.max_bytes, 92160);
	assert_true(q.red.max_p == 0.1 && q.red.wq == 0.002 && !q.red.gentle);
	q = aqm_ok("red:min=30000,max=90000,p=2%,wq=0.01,gentle");
	assert_true(fabs(q.red.max_p - 0.02) < 1e-15 && q.red.wq == 0.01 && q.red.gentle);

	q = aqm_ok("fq_codel:flows=1024,quantum=1514");
	assert_int_equal(q.kind, TL_QDISC_FQ_CODEL);
	assert_int_equal(q.fq_codel.flows, 1024);
	assert_int_equal(q.fq_codel.quantum, 1514);
	assert_int_equal(q.limit_pkts, 10240);
	assert_int_equal(q.limit_bytes, 32 << 20);
	assert_int_equal(q.fq_codel.codel.target_ns, 5 * MS);
	q = aqm_ok("FQ_CODEL:flows=64,target=10ms,interval=200ms,memory=4M,drop_batch=8");
	assert_int_equal(q.fq_codel.flows, 64);
	assert_int_equal(q.fq_codel.codel.interval_ns, 200 * MS);
	assert_int_equal(q.limit_bytes, 4 << 20);
	assert_int_equal(q.fq_codel.drop_batch, 8);
}

struct bad {
	const char *in;
	const char *want; /* a substring of the message */
};

static void test_aqm_new(void **state)
{
	(void)state;
	struct tl_qspec q = aqm_ok("gsp");
	assert_int_equal(q.kind, TL_QDISC_GSP);
	assert_false(q.gsp.adaptive);
	assert_false(q.gsp.delay);
	assert_true(fabs(q.gsp.alpha - 1.1) < 1e-12);
	q = aqm_ok("gsp:adaptive,interval=80ms,tau=400ms,threshold=30K");
	assert_true(q.gsp.adaptive);
	assert_int_equal(q.gsp.interval_ns, 80 * MS);
	assert_int_equal(q.gsp.tau_ns, 400 * MS);
	assert_int_equal(q.gsp.threshold_bytes, 30 * 1024);
	q = aqm_ok("gsp:delay");
	assert_true(q.gsp.delay);
	assert_int_equal(q.gsp.threshold_ns, 10 * MS);
	q = aqm_ok("gsp:threshold=5ms");
	assert_true(q.gsp.delay);
	assert_int_equal(q.gsp.threshold_ns, 5 * MS);
	q = aqm_ok("gsp:threshold=20p");
	assert_int_equal(q.gsp.threshold_bytes, 20 * 1514);

	q = aqm_ok("ppv");
	assert_int_equal(q.kind, TL_QDISC_PPV);
	assert_int_equal(q.ppv.core, TL_PPV_PPOV);
	assert_int_equal(q.ppv.cls, TL_PPV_FLOW);
	assert_int_equal(q.ppv.tvf_points, 0);
	assert_true(q.ppv.weight[1] == 1 && q.ppv.weight[32] == 1);
	q = aqm_ok("ppv:core=pie,class=host,weights=2:1.5,tvf=0:1000/10mbit:100/100mbit:1");
	assert_int_equal(q.ppv.core, TL_PPV_PIE);
	assert_int_equal(q.ppv.cls, TL_PPV_HOST);
	assert_true(q.ppv.weight[1] == 2 && q.ppv.weight[2] == 1.5 && q.ppv.weight[3] == 1);
	assert_int_equal(q.ppv.tvf_points, 3);
	assert_true(q.ppv.tvf_rate[1] == 1e7 && q.ppv.tvf_value[1] == 100);
	assert_int_equal(q.ppv.pie.target_ns, 20 * MS);

	q = aqm_ok("dualpi2");
	assert_int_equal(q.kind, TL_QDISC_DUALPI2);
	assert_int_equal(q.dualpi2.target_ns, 15 * MS);
	assert_int_equal(q.dualpi2.tupdate_ns, 16 * MS);
	assert_true(q.dualpi2.alpha == 0.16 && q.dualpi2.beta == 3.2 && q.dualpi2.k == 2);
	assert_int_equal(q.dualpi2.step_ns, 1 * MS);
	assert_true(q.ecn);
	q = aqm_ok("dualpi2:k=1.5,step=2ms,target=10ms");
	assert_true(q.dualpi2.k == 1.5);
	assert_int_equal(q.dualpi2.step_ns, 2 * MS);
}

static void test_aqm_bad(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{ "cod", "--aqm \"cod\": unknown discipline \"cod\" (choose taildrop, red, codel, "
			 "pie, fq_codel, gsp, ppv, dualpi2)" },
		{ "gsp:interval=-5ms", "--aqm \"gsp:interval=-5ms\": interval \"-5ms\"" },
		{ "gsp:threshold=lots", "threshold \"lots\": not a size or a time" },
		{ "gsp:alpha=0", "alpha \"0\": out of range" },
		{ "ppv:tvf=gold", "tvf \"gold\": unknown (write tvf=equal, or points" },
		{ "ppv:tvf=10mbit:5/1mbit:10", "point 2 must have a higher rate" },
		{ "ppv:weights=2:0", "weights \"2:0\": weight of snd2 is 0; a weight must be above 0" },
		{ "ppv:weights=2::1", "weight of snd2 is missing" },
		{ "ppv:core=fifo", "core \"fifo\": unknown (write core=ppov or core=pie)" },
		{ "ppv:class=user", "class \"user\": unknown (write class=flow or class=host)" },
		{ "dualpi2:k=0", "k \"0\": out of range" },
		{ "dualpi2:step=-1ms", "step \"-1ms\"" },
		{ "", "unknown discipline \"\"" },
		{ "codel:target=5x", "--aqm \"codel:target=5x\": target \"5x\": not a duration" },
		{ "codel:foo=1", "unknown parameter \"foo\" for codel (known: target, interval, mtu, "
				 "ecn)" },
		{ "codel:target", "target needs a value (write target=...)" },
		{ "codel:ecn=maybe", "ecn \"maybe\": not on or off" },
		{ "red:min=90K,max=30K", "min (92160 B) must be below max (30720 B)" },
		{ "red:p=1.5", "p \"1.5\": out of range" },
		{ "red:p=nan", "p \"nan\": not a number" },
		{ "pie:alpha=abc", "alpha \"abc\": not a number (write e.g. 0.125)" },
		{ "pie:tupdate=0", "tupdate \"0\": out of range" },
		{ "fq_codel:flows=0", "flows \"0\": out of range" },
		{ "fq_codel:quantum=1514,bogus", "unknown parameter \"bogus\" for fq_codel" },
		{ "taildrop:limit=5", "unknown parameter \"limit\" for taildrop (known: none)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_qspec q;
		struct tl_err err = { 0 };
		assert_true(tl_qspec_parse("--aqm", cases[i].in, &q, &err) < 0);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].in, err.msg, cases[i].want);
	}
	struct tl_qspec q;
	struct tl_err err = { 0 };
	assert_true(tl_qspec_parse("--aqm", NULL, &q, &err) < 0);
	assert_non_null(strstr(err.msg, "missing value"));
}

static void test_buffer_parse_and_apply(void **state)
{
	(void)state;
	struct tl_buffer_spec b;
	struct tl_err err = { 0 };
	struct tl_qspec q;
	assert_int_equal(tl_qspec_parse_buffer("--buffer", "1bdp", &b, &err), 0);
	assert_int_equal(b.unit, TL_BUF_BDP);
	assert_true(b.bdp == 1.0);
	assert_int_equal(tl_qspec_parse_buffer("--buffer", "0.5BDP", &b, &err), 0);
	assert_true(b.bdp == 0.5);
	assert_int_equal(tl_qspec_parse_buffer("--buffer", "64K", &b, &err), 0);
	assert_int_equal(b.unit, TL_BUF_BYTES);
	assert_int_equal(b.count, 65536);
	assert_int_equal(tl_qspec_parse_buffer("--buffer", "150000", &b, &err), 0);
	assert_int_equal(b.count, 150000);
	assert_int_equal(tl_qspec_parse_buffer("--buffer", "100p", &b, &err), 0);
	assert_int_equal(b.unit, TL_BUF_PKTS);
	assert_int_equal(b.count, 100);

	/* 100 Mbit/s x 40 ms = 500000 B (counted bytes, as the queue limit is). */
	tl_qspec_default(&q, TL_QDISC_TAILDROP);
	tl_qspec_parse_buffer("--buffer", "1bdp", &b, &err);
	assert_int_equal(tl_qspec_apply_buffer(&q, &b, 100000000, 40 * MS, &err), 0);
	assert_int_equal(q.limit_bytes, 500000);
	assert_int_equal(q.limit_pkts, 0);
	tl_qspec_parse_buffer("--buffer", "0.5bdp", &b, &err);
	assert_int_equal(tl_qspec_apply_buffer(&q, &b, 100000000, 40 * MS, &err), 0);
	assert_int_equal(q.limit_bytes, 250000);
	tl_qspec_parse_buffer("--buffer", "100p", &b, &err);
	assert_int_equal(tl_qspec_apply_buffer(&q, &b, 0, 0, &err), 0);
	assert_int_equal(q.limit_pkts, 100);
	assert_int_equal(q.limit_bytes, 0);
	/* FQ-CoDel keeps its memory limit beside a packet limit. */
	tl_qspec_default(&q, TL_QDISC_FQ_CODEL);
	assert_int_equal(tl_qspec_apply_buffer(&q, &b, 0, 0, &err), 0);
	assert_int_equal(q.limit_pkts, 100);
	assert_int_equal(q.limit_bytes, 32 << 20);

	/* Refusals, with the reason and the fix. */
	tl_qspec_default(&q, TL_QDISC_TAILDROP);
	tl_qspec_parse_buffer("--buffer", "1bdp", &b, &err);
	assert_true(tl_qspec_apply_buffer(&q, &b, 0, 40 * MS, &err) < 0);
	assert_non_null(strstr(err.msg, "needs both a rate and an RTT (give --rate and --rtt"));
	tl_qspec_parse_buffer("--buffer", "0.001bdp", &b, &err);
	assert_true(tl_qspec_apply_buffer(&q, &b, 10000000, 10 * MS, &err) < 0);
	assert_non_null(strstr(err.msg, "13 B is less than one full-size packet (1514 B)"));
	tl_qspec_parse_buffer("--buffer", "1000", &b, &err);
	assert_true(tl_qspec_apply_buffer(&q, &b, 0, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "give at least 1514B"));

	static const struct bad bad[] = {
		{ "1.5x", "--buffer \"1.5x\": not a buffer size (write bytes 64K or 150000, packets "
			  "100p, or a multiple of rate x RTT 1bdp or 0.5bdp)" },
		{ "0bdp", "--buffer \"0bdp\": out of range (more than 0 and at most 1000bdp)" },
		{ "-1bdp", "not a buffer size" },
		{ "abcbdp", "not a buffer size" },
		{ "1e3bdp", "not a buffer size" },
		{ "p", "not a buffer size" },
		{ "0p", "--buffer \"0p\": out of range (1p to 100000000p)" },
		{ "1.5p", "not a buffer size" },
		{ "0", "--buffer \"0\": out of range (1 byte to 1T)" },
		{ "", "not a buffer size" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(tl_qspec_parse_buffer("--buffer", bad[i].in, &b, &err) < 0);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].in, err.msg, bad[i].want);
	}
}

static void test_loss_parse(void **state)
{
	(void)state;
	struct tl_loss_spec l;
	struct tl_err err = { 0 };
	assert_int_equal(tl_loss_parse("--loss", "1%", &l, &err), 0);
	assert_int_equal(l.kind, TL_LOSS_BERNOULLI);
	assert_true(fabs(l.p - 0.01) < 1e-15);
	assert_int_equal(tl_loss_parse("--loss", "0.005", &l, &err), 0);
	assert_true(l.p == 0.005);
	assert_int_equal(tl_loss_parse("--loss", "0", &l, &err), 0);
	assert_int_equal(l.kind, TL_LOSS_NONE);
	assert_int_equal(tl_loss_parse("--loss", "ge:p=1%,r=30%", &l, &err), 0);
	assert_int_equal(l.kind, TL_LOSS_GE);
	assert_true(fabs(l.p - 0.01) < 1e-15 && fabs(l.r - 0.3) < 1e-15);
	assert_true(l.loss_bad == 1 && l.loss_good == 0);
	assert_int_equal(tl_loss_parse("--loss", "ge:p=0.02,r=0.25,bad=50%,good=0.1%", &l, &err), 0);
	assert_true(l.loss_bad == 0.5 && fabs(l.loss_good - 0.001) < 1e-15);

	static const struct bad bad[] = {
		{ "abc", "--loss \"abc\": not a loss rate (write 1%, 0.01, or ge:p=1%,r=30% for "
			 "Gilbert-Elliott bursts)" },
		{ "150%", "--loss \"150%\": out of range (0 to 1)" },
		{ "ge:p=1%", "--loss \"ge:p=1%\": Gilbert-Elliott needs p (good->bad) and r "
			     "(bad->good)" },
		{ "ge:q=1%,r=2%", "unknown key \"q\" (known: p, r, bad, good" },
		{ "ge:p,r=2%", "no value for \"p\"" },
		{ "ge:p=x,r=1%", "--loss \"ge:p=x,r=1%\": p \"x\": not a number" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(tl_loss_parse("--loss", bad[i].in, &l, &err) < 0);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].in, err.msg, bad[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aqm_good),
		cmocka_unit_test(test_aqm_new),
		cmocka_unit_test(test_aqm_bad),
		cmocka_unit_test(test_buffer_parse_and_apply),
		cmocka_unit_test(test_loss_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
