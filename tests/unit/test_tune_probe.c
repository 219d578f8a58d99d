/* What the probe reads from the rr and bulk result documents, and its JSON round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>

#include "result_fixture.h"
#include "tune/probe.h"

/*
 * The documents are real ones (tests/unit/data/probe_rr.json: tcplab rr -P 1 -T 1 -t 300ms -i 0
 * --json; probe_bulk.json: tcplab stream -P 2 -T 2 -O 500ms -t 2 -i 250ms --json, both on
 * loopback, as the probe runs its phases), so every field the decoders require is there. The
 * figures the probe reads are then set to those of a path shaped by tbf 100mbit, in the
 * documents' units (tcp_info rtt/min_rtt in us, delivery_rate in bit/s, latency in ns), so
 * that what it computes from them is known.
 */
static json_t *path(json_t *doc, const char *const *keys)
{
	return at(doc, keys);
}

static void set_int(json_t *o, const char *key, json_int_t v)
{
	assert_int_equal(json_object_set_new(o, key, json_integer(v)), 0);
}

static void set_real(json_t *o, const char *key, double v)
{
	assert_int_equal(json_object_set_new(o, key, json_real(v)), 0);
}

static json_t *rr_doc(void)
{
	json_t *rr = fixture("probe_rr.json");
	json_t *lat = path(rr, (const char *[]){ "end", "sum", "latency", NULL });
	json_t *ti = path(rr, (const char *[]){ "end", "streams", "0", "tcp_info", NULL });
	set_int(lat, "min_ns", 41000);
	set_int(lat, "p50_ns", 52000);
	set_int(ti, "rtt", 48);
	set_int(ti, "min_rtt", 37);
	return rr;
}

/* The bulk document's intervals become n copies of its first, with these lengths, receiver
 * rates and sender rates. */
static void set_intervals(json_t *bulk, const double *seconds, const double *rates, double sender_bps,
			  size_t n)
{
	json_t *first = json_deep_copy(path(bulk, (const char *[]){ "intervals", "0", NULL }));
	json_t *ivs = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *iv = json_deep_copy(first);
		set_int(iv, "k", (json_int_t)i);
		set_real(iv, "seconds", seconds[i]);
		set_real(json_object_get(iv, "sum"), "bits_per_second", rates[i]);
		set_real(json_object_get(iv, "sum"), "sender_bits_per_second", sender_bps);
		json_array_append_new(ivs, iv);
	}
	json_object_set_new(bulk, "intervals", ivs);
	json_decref(first);
}

static json_t *bulk_doc(void)
{
	static const json_int_t rtt[] = { 45000, 47000 }, min_rtt[] = { 35, 40 },
				rate[] = { 48000000, 47000000 }, retrans[] = { 10, 5 },
				bytes_retrans[] = { 14480, 7240 };
	static const double app[] = { 0.01, 0.03 }, net[] = { 0.99, 0.97 };
	json_t *bulk = fixture("probe_bulk.json");
	json_t *streams = path(bulk, (const char *[]){ "end", "streams", NULL });
	assert_int_equal(json_array_size(streams), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *snd = json_object_get(json_array_get(streams, i), "sender");
		json_t *ti = json_object_get(snd, "tcp_info"), *lim = json_object_get(snd, "limited_by");
		set_int(ti, "rtt", rtt[i]);
		set_int(ti, "min_rtt", min_rtt[i]);
		set_int(ti, "delivery_rate", rate[i]);
		set_int(ti, "snd_mss", 1448);
		set_int(ti, "retransmits", retrans[i]);
		set_int(ti, "bytes_sent", 30000000);
		set_int(ti, "bytes_retrans", bytes_retrans[i]);
		set_real(lim, "app", app[i]);
		set_real(lim, "rwnd", 0.0);
		set_real(lim, "sndbuf", 0.0);
		set_real(lim, "network", net[i]);
	}
	json_t *sum = path(bulk, (const char *[]){ "end", "sum", NULL });
	set_real(sum, "bits_per_second", 95600000.0);
	set_real(sum, "seconds", 2.0);
	const double secs[] = { 0.25, 0.25, 0.002 }, rates[] = { 95000000.0, 96100000.0, 400000000.0 };
	set_intervals(bulk, secs, rates, 0, 3);
	return bulk;
}

static void test_from_docs(void **state)
{
	(void)state;
	json_t *rr = rr_doc(), *bulk = bulk_doc();
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
	json_t *bulk = bulk_doc();
	/* A receiver that fell behind and caught up: one slow and one swollen interval. The
	 * window's mean is off by the backlog; the median of the intervals is not. */
	const double rates[] = { 95.5e6, 20e6, 170e6, 95.7e6, 95.6e6, 95.4e6, 95.8e6, 500e6 };
	const double secs[] = { 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.1 };
	set_intervals(bulk, secs, rates, 0, 8);
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
	double secs[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		secs[i] = 0.25;
	set_intervals(bulk, secs, rates, sender_bps, n);
}

static void test_disagreeing_samples_are_flagged(void **state)
{
	(void)state;
	json_t *bulk = bulk_doc();
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
	json_t *bulk = bulk_doc();
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
	/* a refused connection: the document's own error */
	json_t *e = fixture("stream_refused.json");
	assert_int_equal(tl_probe_from_docs(NULL, e, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Connection refused"));
	json_decref(e);
	json_t *empty = bulk_doc();
	json_object_set_new(path(empty, (const char *[]){ "end", NULL }), "streams", json_array());
	assert_int_equal(tl_probe_from_docs(NULL, empty, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no flows"));
	json_decref(empty);
	json_t *bulk = bulk_doc();
	json_object_set_new(json_object_get(bulk, "end"), "failed_flows", json_integer(1));
	assert_int_equal(tl_probe_from_docs(NULL, bulk, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "1 of 2 flows failed"));
	json_decref(bulk);
}

/* A field the probe reads that is missing or of another type is refused with its path, never
 * read as 0. */
static void expect_refused(json_t *rr, json_t *bulk, const char *path_text)
{
	struct tl_probe_result r;
	struct tl_err err = { 0 };
	if (tl_probe_from_docs(rr, bulk, &r, &err) != -EINVAL)
		fail_msg("a document without a good %s was read (%s)", path_text, err.msg);
	if (!strstr(err.msg, path_text))
		fail_msg("\"%s\" does not name %s", err.msg, path_text);
	json_decref(rr);
	json_decref(bulk);
}

static json_t *sender_ti(json_t *bulk, const char *flow)
{
	return path(bulk, (const char *[]){ "end", "streams", flow, "sender", "tcp_info", NULL });
}

static void test_bad_fields_are_named(void **state)
{
	(void)state;
	json_t *bulk = bulk_doc();
	json_object_del(sender_ti(bulk, "1"), "bytes_retrans");
	expect_refused(NULL, bulk, "end.streams[1].sender.tcp_info.bytes_retrans");
	bulk = bulk_doc();
	json_object_set_new(sender_ti(bulk, "0"), "snd_mss", json_string("1448"));
	expect_refused(NULL, bulk, "end.streams[0].sender.tcp_info.snd_mss");
	bulk = bulk_doc();
	json_object_set_new(sender_ti(bulk, "0"), "delivery_rate", json_string("fast"));
	expect_refused(NULL, bulk, "end.streams[0].sender.tcp_info.delivery_rate");
	bulk = bulk_doc();
	json_object_set_new(path(bulk, (const char *[]){ "end", "streams", "1", "sender", "limited_by", NULL }),
			    "rwnd", json_string("0.5"));
	expect_refused(NULL, bulk, "end.streams[1].sender.limited_by.rwnd");
	bulk = bulk_doc();
	json_object_del(path(bulk, (const char *[]){ "intervals", "2", "sum", NULL }), "bits_per_second");
	expect_refused(NULL, bulk, "intervals[2]");
	bulk = bulk_doc();
	json_object_set_new(path(bulk, (const char *[]){ "end", "sum", NULL }), "seconds", json_string("2"));
	expect_refused(NULL, bulk, "end.sum.seconds");
	/* the rr phase's too */
	json_t *rr = rr_doc();
	json_object_set_new(path(rr, (const char *[]){ "end", "streams", "0", "tcp_info", NULL }),
			    "min_rtt", json_string("37"));
	expect_refused(rr, bulk_doc(), "end.streams[0].tcp_info.min_rtt");
	rr = rr_doc();
	json_object_del(path(rr, (const char *[]){ "end", "sum", "latency", NULL }), "p50_ns");
	expect_refused(rr, bulk_doc(), "p50_ns");
}

static uint64_t ti_u64(json_t *ti, const char *key)
{
	json_t *v = json_object_get(ti, key);
	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

/* The real documents as they came: the probe's figures are the documents' own. */
static void test_real_docs(void **state)
{
	(void)state;
	json_t *rr = fixture("probe_rr.json"), *bulk = fixture("probe_bulk.json");
	struct tl_probe_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_probe_from_docs(rr, bulk, &r, &err), 0);
	json_t *lat = path(rr, (const char *[]){ "end", "sum", "latency", NULL });
	json_t *rti = path(rr, (const char *[]){ "end", "streams", "0", "tcp_info", NULL });
	assert_int_equal(r.rr_min_ns, ti_u64(lat, "min_ns"));
	assert_int_equal(r.rr_p50_ns, ti_u64(lat, "p50_ns"));
	assert_int_equal(r.rtt_smoothed_ns, 1000 * ti_u64(rti, "rtt"));
	uint64_t min_rtt_us = ti_u64(rti, "min_rtt");
	uint64_t mss = 0, retrans = 0, sent = 0, rsent = 0, dr = 0;
	json_t *streams = path(bulk, (const char *[]){ "end", "streams", NULL });
	for (size_t i = 0; i < json_array_size(streams); i++) {
		json_t *ti = path(json_array_get(streams, i), (const char *[]){ "sender", "tcp_info", NULL });
		uint64_t m = ti_u64(ti, "min_rtt");
		if (m && m < min_rtt_us)
			min_rtt_us = m;
		if (!mss)
			mss = ti_u64(ti, "snd_mss");
		retrans += ti_u64(ti, "retransmits");
		sent += ti_u64(ti, "bytes_sent");
		rsent += ti_u64(ti, "bytes_retrans");
		dr += ti_u64(ti, "delivery_rate");
	}
	assert_true(mss > 0 && sent > 0 && dr > 0);
	assert_int_equal(r.flows, json_array_size(streams));
	assert_int_equal(r.tcp_min_rtt_ns, min_rtt_us * 1000);
	assert_int_equal(r.mss, mss);
	assert_int_equal(r.retransmits, retrans);
	assert_int_equal(r.bytes_sent, sent);
	assert_int_equal(r.bytes_retrans, rsent);
	assert_int_equal(r.delivery_rate_bps, dr);
	double win = json_number_value(path(bulk, (const char *[]){ "end", "sum", "bits_per_second", NULL }));
	assert_int_equal(r.window_rate_bps, (uint64_t)llround(win));
	/* every interval of this run is a full one of 250 ms */
	assert_int_equal(r.intervals, json_array_size(json_object_get(bulk, "intervals")));
	assert_true(r.interval_ns > 240000000 && r.interval_ns < 260000000);
	assert_true(r.interval_p25_bps <= r.rate_bps && r.rate_bps <= r.interval_p75_bps);
	assert_true(r.interval_p75_bps <= r.interval_max_bps);
	json_decref(rr);
	json_decref(bulk);
}

static void test_json_round_trip(void **state)
{
	(void)state;
	json_t *rr = rr_doc(), *bulk = bulk_doc();
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
		cmocka_unit_test(test_bad_fields_are_named),
		cmocka_unit_test(test_real_docs),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_auto_omit_and_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
