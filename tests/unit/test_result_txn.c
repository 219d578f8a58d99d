/* The rr/crr decoder on real documents (a crr run, a refused rr): the figures the table and
 * the CSV show come out as the document has them; a mistyped field is an error naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "out/render.h"
#include "result/txn.h"
#include "result_fixture.h"

static void test_crr_run(void **state)
{
	(void)state;
	json_t *doc = fixture("crr.json");
	struct tl_txn_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_txn_result_decode(doc, &r, &err), 0);
	assert_string_equal(r.start.spec.workload, "crr");
	assert_string_equal(r.start.spec.close, "client");
	assert_true(r.start.has_crr);
	assert_true(r.start.crr.predicted_max_connections_per_second > 0);
	assert_non_null(r.start.crr.ceiling_reason);
	assert_true(r.start.started);
	const struct tl_txn_end *e = &r.end;
	json_t *sum = json_object_get(json_object_get(doc, "end"), "sum");
	assert_int_equal(e->sum.transactions, json_integer_value(json_object_get(sum, "transactions")));
	assert_true(e->sum.transactions > 0);
	assert_true(e->sum.crr.present);
	assert_int_equal(e->sum.crr.connects, json_integer_value(json_object_get(sum, "connects")));
	assert_int_equal(e->sum.crr.time_wait_peak_client,
			 json_integer_value(json_object_get(sum, "time_wait_peak_client")));
	assert_int_equal(e->sum.latency.count, e->sum.transactions);
	assert_true(e->sum.latency.p50_ns <= e->sum.latency.p99_ns);
	assert_true(e->sum.has_flows);
	assert_int_equal(e->nflows, 2);
	assert_non_null(e->latency_histogram);
	json_t *ivs = json_object_get(doc, "intervals");
	size_t i;
	json_t *j;
	uint64_t txn = 0;
	json_array_foreach(ivs, i, j) {
		struct tl_txn_interval iv;
		assert_int_equal(tl_txn_interval_decode(j, &iv, &err), 0);
		assert_int_equal(iv.k, i);
		assert_true(iv.sum.crr.present);
		assert_true(iv.sum.crr.has_ports_free);
		txn += iv.sum.transactions;
		tl_txn_interval_free(&iv);
	}
	assert_int_equal(txn, e->sum.transactions);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	tl_txn_table_end(out, &r);
	fclose(out);
	assert_non_null(strstr(buf, "Connections: "));
	assert_non_null(strstr(buf, "TIME_WAIT: peak "));
	free(buf);
	tl_txn_result_free(&r);
	json_decref(doc);
}

static void test_refused_rr(void **state)
{
	(void)state;
	json_t *doc = fixture("rr_refused.json");
	struct tl_txn_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_txn_result_decode(doc, &r, &err), 0);
	assert_false(r.start.started);
	assert_false(r.start.has_crr);
	assert_non_null(strstr(r.error, "refused"));
	assert_int_equal(r.end.failed_flows, 1);
	assert_true(r.end.flows[0].failed);
	assert_false(r.end.sum.crr.present);
	tl_txn_result_free(&r);
	json_decref(doc);
}

static void test_mistyped(void **state)
{
	(void)state;
	json_t *doc = fixture("crr.json");
	struct tl_txn_result r;
	struct tl_err err = { 0 };
	json_t *sum = json_object_get(json_object_get(doc, "end"), "sum");
	json_object_set_new(json_object_get(sum, "latency"), "p99_ns", json_real(3.5));
	assert_int_equal(tl_txn_result_decode(doc, &r, &err), -1);
	assert_non_null(strstr(err.msg, "end.sum.latency.p99_ns"));
	json_object_set_new(json_object_get(sum, "latency"), "p99_ns", json_integer(7));
	json_object_del(json_object_get(sum, "connect_failures"), "refused");
	assert_int_equal(tl_txn_result_decode(doc, &r, &err), -1);
	assert_non_null(strstr(err.msg, "end.sum.connect_failures.refused"));
	json_object_set_new(json_object_get(sum, "connect_failures"), "refused", json_integer(0));
	json_object_set_new(json_object_get(json_object_get(doc, "start"), "crr"), "ports_usable",
			    json_string("many"));
	assert_int_equal(tl_txn_result_decode(doc, &r, &err), -1);
	assert_non_null(strstr(err.msg, "start.crr.ports_usable"));
	json_t *iv = json_array_get(json_object_get(doc, "intervals"), 0);
	struct tl_txn_interval out;
	json_object_set_new(json_object_get(iv, "sum"), "transactions", json_true());
	assert_int_equal(tl_txn_interval_decode(iv, &out, &err), -1);
	assert_non_null(strstr(err.msg, "interval.sum.transactions"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crr_run),
		cmocka_unit_test(test_refused_rr),
		cmocka_unit_test(test_mistyped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
