/* What the probe reads from the rr and bulk result documents, and its JSON round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>

#include "tune/probe.h"

/*
 * Shaped like the real documents (tcplab rr --json; tcplab stream -P 2 -O 1 -i 250ms --json on
 * a veth pair shaped by tbf 100mbit) with only the fields the probe reads, in their units:
 * tcp_info rtt/min_rtt in us, delivery_rate in bit/s, latency in ns.
 */
static const char rr_doc_text[] =
	"{\"end\": {\"sum\": {\"latency\": {\"count\": 9000, \"min_ns\": 41000, \"p50_ns\": 52000,"
	" \"p99_ns\": 90000}}, \"streams\": [{\"id\": 0, \"transactions\": 9000,"
	" \"tcp_info\": {\"rtt\": 48, \"min_rtt\": 37, \"snd_mss\": 1448}}]}}";

static const char bulk_doc_text[] =
	"{\"intervals\": ["
	" {\"k\": 0, \"seconds\": 0.25, \"sum\": {\"bits_per_second\": 95000000.0}},"
	" {\"k\": 1, \"seconds\": 0.25, \"sum\": {\"bits_per_second\": 96100000.0}},"
	" {\"k\": 2, \"seconds\": 0.002, \"sum\": {\"bits_per_second\": 400000000.0}}],"
	" \"end\": {\"failed_flows\": 0, \"stalled_flows\": 0,"
	"  \"sum\": {\"bytes\": 23900000, \"bits_per_second\": 95600000.0, \"seconds\": 2.0},"
	"  \"streams\": ["
	"   {\"id\": 0, \"bits_per_second\": 47900000.0, \"sender\": {"
	"     \"tcp_info\": {\"rtt\": 45000, \"min_rtt\": 35, \"delivery_rate\": 48000000,"
	"      \"snd_mss\": 1448, \"retransmits\": 10, \"bytes_sent\": 30000000, \"bytes_retrans\": 14480},"
	"     \"limited_by\": {\"dominant\": \"network\", \"app\": 0.01, \"rwnd\": 0.0,"
	"      \"sndbuf\": 0.0, \"network\": 0.99}}},"
	"   {\"id\": 1, \"bits_per_second\": 47700000.0, \"sender\": {"
	"     \"tcp_info\": {\"rtt\": 47000, \"min_rtt\": 40, \"delivery_rate\": 47000000,"
	"      \"snd_mss\": 1448, \"retransmits\": 5, \"bytes_sent\": 30000000, \"bytes_retrans\": 7240},"
	"     \"limited_by\": {\"dominant\": \"network\", \"app\": 0.03, \"rwnd\": 0.0,"
	"      \"sndbuf\": 0.0, \"network\": 0.97}}}]}}";

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("test JSON does not parse: %s at %d:%d", e.text, e.line, e.column);
	return j;
}

static void test_from_docs(void **state)
{
	(void)state;
	json_t *rr = parse(rr_doc_text), *bulk = parse(bulk_doc_text);
	struct tl_probe_result r;
	struct tl_err err = { 0 };
	memset(&r, 0, sizeof(r));
	assert_int_equal(tl_probe_from_docs(rr, bulk, &r, &err), 0);
	/* two full intervals only: the rate is the receiver's goodput over the window, not the
	 * delivery-rate sum */
	assert_int_equal(r.rate_bps, 95600000);
	assert_int_equal(r.window_rate_bps, 95600000);
	assert_int_equal(r.intervals, 2);
	assert_int_equal(r.delivery_rate_bps, 95000000);
	/* the 2 ms tail interval is ignored for the maximum */
	assert_int_equal(r.interval_max_bps, 96100000);
	assert_int_equal(r.flows, 2);
	assert_int_equal(r.window_ns, 2000000000ULL);
	assert_int_equal(r.mss, 1448);
	/* min RTT: smallest of rr min (41 us), rr min_rtt (37 us), bulk min_rtt (35, 40 us) */
	assert_int_equal(r.rtt_min_ns, 35000);
	assert_int_equal(r.tcp_min_rtt_ns, 35000);
	assert_int_equal(r.rr_min_ns, 41000);
	assert_int_equal(r.rr_p50_ns, 52000);
	assert_int_equal(r.rtt_smoothed_ns, 48000);   /* the idle rr connection's srtt */
	assert_int_equal(r.rtt_loaded_ns, 46000000);  /* mean of 45 and 47 ms */
	/* loss: (14480 + 7240) / 60 MB */
	assert_int_equal(r.retransmits, 15);
	assert_true(fabs(r.loss_ratio - 21720.0 / 60000000.0) < 1e-12);
	assert_string_equal(r.limited_by, "network");
	assert_true(fabs(r.limited_share - 0.98) < 1e-9);
	assert_false(r.rate_lower_bound);
	json_decref(rr);
	json_decref(bulk);
}

static void test_rate_is_interval_median(void **state)
{
	(void)state;
	json_t *bulk = parse(bulk_doc_text);
	/* A receiver that fell behind and caught up: one slow and one swollen interval. The
	 * window's mean is off by the backlog; the median of the intervals is not. */
	const double rates[] = { 95.5e6, 20e6, 170e6, 95.7e6, 95.6e6, 95.4e6, 95.8e6 };
	json_t *ivs = json_array();
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		json_array_append_new(ivs, json_pack("{s:i,s:f,s:{s:f}}", "k", (int)i, "seconds", 0.25,
						     "sum", "bits_per_second", rates[i]));
	json_array_append_new(ivs, json_pack("{s:i,s:f,s:{s:f}}", "k", 7, "seconds", 0.1,
					     "sum", "bits_per_second", 500e6));
	json_object_set_new(bulk, "intervals", ivs);
	struct tl_probe_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_probe_from_docs(NULL, bulk, &r, &err), 0);
	/* 170 Mbit/s is above what the senders could send (1.25 x their 95 Mbit/s delivery
	 * rate): impossible as a path rate, left out; the rest agree (one slow interval is
	 * below the first quartile), so the result stands */
	assert_int_equal(r.rejected_intervals, 1);
	assert_int_equal(r.bound_bps, 118750000);
	assert_int_equal(r.intervals, 6);         /* the 0.1 s tail is not a full interval */
	assert_int_equal(r.rate_bps, 95550000);    /* median of the 6 */
	assert_int_equal(r.window_rate_bps, 95600000); /* the document's own window sum */
	assert_int_equal(r.interval_max_bps, 95800000);
	/* quartiles of the sorted 6: 20, 95.4, 95.5, 95.6, 95.7, 95.8 */
	assert_int_equal(r.interval_p25_bps, 95400000);
	assert_int_equal(r.interval_p75_bps, 95700000);
	assert_int_equal(r.interval_ns, 250000000);
	assert_true(r.consistent);
	json_decref(bulk);
}

/* The samples of the report: 37.8 Mbit/s median, quartiles 0 .. 142, best 236, on a path whose
 * senders moved 100 Mbit/s. The 236 is rejected; the rest still disagree: flagged. */
static void sample_doc(json_t *bulk, const double *rates, size_t n, double sender_bps)
{
	json_t *ivs = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ivs, json_pack("{s:i,s:f,s:{s:f,s:f}}", "k", (int)i, "seconds", 0.25,
						     "sum", "bits_per_second", rates[i],
						     "sender_bits_per_second", sender_bps));
	json_object_set_new(bulk, "intervals", ivs);
}

static void test_disagreeing_samples_are_flagged(void **state)
{
	(void)state;
	json_t *bulk = parse(bulk_doc_text);
	const double bad[] = { 0, 0, 37.8e6, 142e6, 236e6, 0, 90e6, 120e6 };
	sample_doc(bulk, bad, 8, 100e6);
	struct tl_probe_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_probe_from_docs(NULL, bulk, &r, &err), 0);
	assert_int_equal(r.bound_bps, 125000000);
	assert_int_equal(r.rejected_intervals, 2); /* 142 and 236 */
	assert_false(r.consistent);             /* the rest: 0, 0, 0, 37.8, 90, 120 */
	assert_non_null(strstr(r.inconsistency, "caught up"));
	assert_true(r.interval_max_bps <= r.bound_bps);
	/* the same path measured quietly: consistent */
	const double good[] = { 95.5e6, 95.2e6, 95.7e6, 95.6e6, 95.4e6, 95.8e6, 95.3e6, 95.6e6 };
	sample_doc(bulk, good, 8, 97e6);
	assert_int_equal(tl_probe_from_docs(NULL, bulk, &r, &err), 0);
	assert_true(r.consistent);
	assert_int_equal(r.rejected_intervals, 0);
	assert_string_equal(r.inconsistency, "");
	/* round trip keeps the verdict; an old state file without it reads as believed */
	r.consistent = false;
	snprintf(r.inconsistency, sizeof(r.inconsistency), "x");
	snprintf(r.host, sizeof(r.host), "h");
	r.port = 1;
	json_t *j = tl_probe_to_json(&r);
	struct tl_probe_result b;
	assert_int_equal(tl_probe_from_json(j, &b, &err), 0);
	assert_false(b.consistent);
	assert_string_equal(b.inconsistency, "x");
	json_object_del(json_object_get(j, "rate"), "consistent");
	json_object_del(json_object_get(j, "rate"), "inconsistency");
	assert_int_equal(tl_probe_from_json(j, &b, &err), 0);
	assert_true(b.consistent);
	json_decref(j);
	json_decref(bulk);
}

static void test_window_limited_is_lower_bound(void **state)
{
	(void)state;
	json_t *bulk = parse(bulk_doc_text);
	json_t *streams = json_object_get(json_object_get(bulk, "end"), "streams");
	for (size_t i = 0; i < 2; i++) {
		json_t *lim = json_object_get(json_object_get(json_array_get(streams, i), "sender"), "limited_by");
		json_object_set_new(lim, "rwnd", json_real(0.8));
		json_object_set_new(lim, "network", json_real(0.2));
	}
	struct tl_probe_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_probe_from_docs(NULL, bulk, &r, &err), 0);
	assert_string_equal(r.limited_by, "rwnd");
	assert_true(r.rate_lower_bound);
	/* without the rr phase the min RTT comes from the bulk flows alone */
	assert_int_equal(r.rtt_min_ns, 35000);
	assert_int_equal(r.rr_min_ns, 0);
	json_decref(bulk);
}

static void test_from_docs_errors(void **state)
{
	(void)state;
	struct tl_probe_result r;
	struct tl_err err = { 0 };
	json_t *e = parse("{\"error\": \"connect 10.0.0.2:5299: Connection refused\"}");
	assert_int_equal(tl_probe_from_docs(NULL, e, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Connection refused"));
	json_decref(e);
	json_t *empty = parse("{\"end\": {\"streams\": []}}");
	assert_int_equal(tl_probe_from_docs(NULL, empty, &r, &err), -EINVAL);
	json_decref(empty);
	json_t *bulk = parse(bulk_doc_text);
	json_object_set_new(json_object_get(bulk, "end"), "failed_flows", json_integer(1));
	assert_int_equal(tl_probe_from_docs(NULL, bulk, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "1 of 2 flows failed"));
	json_decref(bulk);
}

static void test_json_round_trip(void **state)
{
	(void)state;
	json_t *rr = parse(rr_doc_text), *bulk = parse(bulk_doc_text);
	struct tl_probe_result a, b;
	struct tl_err err = { 0 };
	memset(&a, 0, sizeof(a));
	assert_int_equal(tl_probe_from_docs(rr, bulk, &a, &err), 0);
	snprintf(a.host, sizeof(a.host), "10.0.0.2");
	a.port = 5299;
	a.direction = TL_DIR_REVERSE;
	a.measured_at = 1731000000;
	a.omit_ns = 1000000000;
	json_t *j = tl_probe_to_json(&a);
	assert_non_null(j);
	assert_int_equal(tl_probe_from_json(j, &b, &err), 0);
	assert_string_equal(b.host, "10.0.0.2");
	assert_int_equal(b.port, 5299);
	assert_int_equal(b.direction, TL_DIR_REVERSE);
	assert_int_equal(b.measured_at, 1731000000);
	assert_int_equal(b.rate_bps, a.rate_bps);
	assert_int_equal(b.window_rate_bps, a.window_rate_bps);
	assert_int_equal(b.intervals, a.intervals);
	assert_int_equal(b.rtt_min_ns, a.rtt_min_ns);
	assert_int_equal(b.rtt_loaded_ns, a.rtt_loaded_ns);
	assert_int_equal(b.omit_ns, a.omit_ns);
	assert_int_equal(b.bytes_retrans, a.bytes_retrans);
	assert_string_equal(b.limited_by, a.limited_by);
	assert_true(fabs(b.loss_ratio - a.loss_ratio) < 1e-12);

	/* spoilt fields are refused with their name */
	json_object_set_new(j, "port", json_integer(0));
	assert_true(tl_probe_from_json(j, &b, &err) < 0);
	assert_non_null(strstr(err.msg, "port"));
	json_object_set_new(j, "port", json_integer(5299));
	json_object_set_new(json_object_get(j, "loss"), "ratio", json_real(2.0));
	assert_true(tl_probe_from_json(j, &b, &err) < 0);
	json_object_set_new(json_object_get(j, "loss"), "ratio", json_real(0.0));
	json_object_del(json_object_get(j, "rate"), "bits_per_second");
	assert_true(tl_probe_from_json(j, &b, &err) < 0);
	assert_non_null(strstr(err.msg, "bits_per_second"));
	assert_true(tl_probe_from_json(json_object_get(j, "host"), &b, &err) < 0);
	json_decref(j);
	json_decref(rr);
	json_decref(bulk);
}

static void test_auto_omit_and_window(void **state)
{
	(void)state;
	/* 500 ms + 20 RTTs: 100 ms -> 2.5 s; loopback -> just over 500 ms; capped at 10 s */
	assert_int_equal(tl_probe_auto_omit_ns(100000000ULL), 2500000000ULL);
	assert_int_equal(tl_probe_auto_omit_ns(50000ULL), 501000000ULL);
	assert_int_equal(tl_probe_auto_omit_ns(0), 500000000ULL);
	assert_int_equal(tl_probe_auto_omit_ns(2000000000ULL), TL_PROBE_OMIT_MAX_NS);
	/* window 2 s + 20 RTTs: 100 ms -> 4 s; capped at 10 s */
	assert_int_equal(tl_probe_auto_window_ns(100000000ULL), 4000000000ULL);
	assert_int_equal(tl_probe_auto_window_ns(0), 2000000000ULL);
	assert_int_equal(tl_probe_auto_window_ns(5000000000ULL), TL_PROBE_BULK_MAX_NS);
	/* intervals of 4 RTTs within [250 ms, 1 s] */
	assert_int_equal(tl_probe_auto_interval_ns(50000ULL), TL_PROBE_INTERVAL_MIN_NS);
	assert_int_equal(tl_probe_auto_interval_ns(100000000ULL), 400000000ULL);
	assert_int_equal(tl_probe_auto_interval_ns(300000000ULL), TL_PROBE_INTERVAL_MAX_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_docs),
		cmocka_unit_test(test_rate_is_interval_median),
		cmocka_unit_test(test_disagreeing_samples_are_flagged),
		cmocka_unit_test(test_window_limited_is_lower_bound),
		cmocka_unit_test(test_from_docs_errors),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_auto_omit_and_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
