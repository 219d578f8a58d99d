/* The stream decoder on real documents (a --verify --bytes run, a --bidir run, a refused
 * connection): every figure a renderer shows comes out as the document has it, and a field
 * that is missing or of another type is an error that names it, never a 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "out/render.h"
#include "result/stream.h"
#include "result_fixture.h"

static uint64_t u64_at(json_t *doc, const char *const *path)
{
	return (uint64_t)json_integer_value(at(doc, path));
}

static void test_verify_run(void **state)
{
	(void)state;
	json_t *doc = fixture("stream_verify.json");
	struct tl_stream_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_stream_result_decode(doc, &r, &err), 0);
	assert_true(r.start.started);
	assert_string_equal(r.start.spec.workload, "stream");
	assert_int_equal(r.start.spec.flows, 2);
	assert_int_equal(r.start.spec.bytes, u64_at(doc, (const char *[]){ "start", "test_start", "bytes", NULL }));
	assert_int_equal(r.start.connect_ns, u64_at(doc, (const char *[]){ "start", "connect_ns", NULL }));
	assert_true(r.has_end);
	assert_null(r.error);
	const struct tl_stream_end *e = &r.end;
	assert_int_equal(e->nflows, 2);
	assert_int_equal(e->sum.bytes, u64_at(doc, (const char *[]){ "end", "sum", "bytes", NULL }));
	assert_true(e->sum.bytes > 0);
	assert_int_equal(e->sum.flows.count, 2);
	assert_true(e->has_bytes_expected);
	assert_int_equal(e->bytes_arrived, e->bytes_expected);
	assert_false(e->has_dirs);
	assert_true(e->has_verify);
	assert_true(e->verify.ok);
	assert_true(e->verify.has_io_sizes);
	assert_true(e->verify.send.nbuckets > 0);
	assert_true(e->verify.send.first_min <= e->verify.send.mode_min);
	assert_true(e->verify.send.mode_max <= e->verify.send.last_max);
	for (size_t i = 0; i < e->nflows; i++) {
		const struct tl_stream_flow *f = &e->flows[i];
		assert_int_equal(f->id, i);
		assert_string_equal(f->dir, "c2a");
		assert_int_equal(f->verified, 1);
		assert_true(f->sender.connected && f->receiver.connected);
		assert_true(f->sender.has_tcp_info);
		assert_false(f->receiver.has_tcp_info);
		assert_non_null(f->sender.limited_by);
		char key[8];
		snprintf(key, sizeof(key), "%zu", i);
		assert_int_equal(f->receiver.bytes,
				 u64_at(doc, (const char *[]){ "end", "streams", key, "receiver", "bytes", NULL }));
	}
	/* the table from the structs: the flows, the total and the verdict */
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct tl_table_opts o = { 0 };
	tl_table_end(out, &r, &o);
	fclose(out);
	assert_non_null(strstr(buf, "Total: "));
	assert_non_null(strstr(buf, "Verify: OK: 20.0 MiB sent, 20.0 MiB received, 0 flow(s) mismatched"));
	assert_non_null(strstr(buf, "  send(): "));
	free(buf);
	tl_stream_result_free(&r);
	json_decref(doc);
}

static void test_bidir_run(void **state)
{
	(void)state;
	json_t *doc = fixture("stream_bidir.json");
	struct tl_stream_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_stream_result_decode(doc, &r, &err), 0);
	assert_true(r.end.has_dirs);
	assert_int_equal(r.end.nflows, 4);
	assert_int_equal(r.end.sum_c2a.bytes + r.end.sum_a2c.bytes, r.end.sum.bytes);
	assert_false(r.end.has_verify);
	json_t *ivs = json_object_get(doc, "intervals");
	assert_true(json_array_size(ivs) >= 2);
	size_t i;
	json_t *j;
	json_array_foreach(ivs, i, j) {
		struct tl_stream_interval iv;
		assert_int_equal(tl_stream_interval_decode(j, &iv, &err), 0);
		assert_int_equal(iv.k, i);
		assert_true(iv.has_dirs);
		assert_int_equal(iv.nflows, 4);
		assert_true(iv.end > iv.start);
		assert_int_equal(iv.sum.bytes, iv.sum_c2a.bytes + iv.sum_a2c.bytes);
		tl_stream_interval_free(&iv);
	}
	tl_stream_result_free(&r);
	json_decref(doc);
}

/* The run never started: the start as far as it got, an end of failed flows, the error. */
static void test_refused_run(void **state)
{
	(void)state;
	json_t *doc = fixture("stream_refused.json");
	struct tl_stream_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_stream_result_decode(doc, &r, &err), 0);
	assert_false(r.start.started);
	assert_non_null(r.error);
	assert_non_null(strstr(r.error, "refused"));
	assert_int_equal(r.end.failed_flows, 1);
	assert_false(r.end.flows[0].sender.connected);
	assert_string_equal(r.end.flows[0].sender.state, "not connected");
	assert_null(r.end.flows[0].cc);
	tl_stream_result_free(&r);
	json_decref(doc);
}

/* One field changed in a real document: the decoder's error names it. */
static void expect_refused(const char *const *path, json_t *value, const char *named)
{
	json_t *doc = fixture("stream_bidir.json");
	size_t n = 0;
	while (path[n + 1])
		n++;
	const char *last = path[n];
	char *parent_path[8] = { 0 };
	for (size_t k = 0; k < n; k++)
		parent_path[k] = (char *)path[k];
	json_t *parent = at(doc, (const char *const *)parent_path);
	if (value)
		json_object_set_new(parent, last, value);
	else
		assert_int_equal(json_object_del(parent, last), 0);
	struct tl_stream_result r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_stream_result_decode(doc, &r, &err), -1);
	if (!strstr(err.msg, named))
		fail_msg("\"%s\" does not name %s", err.msg, named);
	json_decref(doc);
}

static void test_mistyped_fields(void **state)
{
	(void)state;
	expect_refused((const char *[]){ "end", "sum", "bits_per_second", NULL }, json_string("fast"),
		       "end.sum.bits_per_second");
	expect_refused((const char *[]){ "end", "sum_a2c", "flows", "jain", NULL }, NULL,
		       "end.sum_a2c.flows.jain");
	expect_refused((const char *[]){ "end", "streams", "2", "sender", "tcp_info", "rtt", NULL },
		       json_string("1 ms"), "end.streams[2].sender.tcp_info.rtt");
	expect_refused((const char *[]){ "end", "failed_flows", NULL }, json_integer(-1), "end.failed_flows");
	expect_refused((const char *[]){ "end", "stalled_flows", NULL }, json_string("0"), "end.stalled_flows");
	expect_refused((const char *[]){ "start", "connecting_to", "host", NULL }, json_integer(1),
		       "start.connecting_to.host");
	expect_refused((const char *[]){ "start", "test_start", "flows", NULL }, NULL, "start.test_start.flows");
	/* a mistyped optional field is refused too; only its absence is allowed */
	expect_refused((const char *[]){ "end", "incomplete_reason", NULL }, json_integer(3),
		       "end.incomplete_reason");
}

static void test_mistyped_interval(void **state)
{
	(void)state;
	json_t *doc = fixture("stream_bidir.json");
	json_t *iv = json_array_get(json_object_get(doc, "intervals"), 0);
	json_object_set_new(json_array_get(json_object_get(iv, "streams"), 1), "rtt_us", json_string("1 ms"));
	struct tl_stream_interval out;
	struct tl_err err = { 0 };
	assert_int_equal(tl_stream_interval_decode(iv, &out, &err), -1);
	assert_non_null(strstr(err.msg, "interval.streams[1].rtt_us"));
	json_object_del(iv, "sum");
	assert_int_equal(tl_stream_interval_decode(iv, &out, &err), -1);
	assert_non_null(strstr(err.msg, "interval.sum"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_run),
		cmocka_unit_test(test_bidir_run),
		cmocka_unit_test(test_refused_run),
		cmocka_unit_test(test_mistyped_fields),
		cmocka_unit_test(test_mistyped_interval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
