/*
 * The merge of the ranks' final reports (mesh/result.c): the counts add up, and a report with
 * a field missing or of another type is refused with the field named, not read as 0 (a 0
 * would make the token check or the CPU figures lie).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "measure/hist.h"
#include "mesh/rank_loop.h"
#include "mesh/result.h"
#include "mesh/spec.h"

/* Rank i's final report as rank_loop.c writes it: rank i holds token i. */
static json_t *final_report(uint32_t i)
{
	struct tl_hist *h = tl_hist_new();
	assert_non_null(h);
	tl_hist_record(h, 20000 + i);
	uint64_t hash = tl_mesh_token_hash(i);
	char hex[24];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash);
	json_t *f = json_pack("{s:s, s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:o,"
			      " s:{s:I, s:I, s:I, s:I, s:I}, s:s, s:s}",
			      "type", "final", "rank", (json_int_t)i, "held", (json_int_t)1,
			      "held_id_sum", (json_int_t)i, "held_id_hash", hex,
			      "hops_sent", (json_int_t)100, "hops_received", (json_int_t)100,
			      "hops_in_window", (json_int_t)90, "misrouted", (json_int_t)0,
			      "window_ns", (json_int_t)1000000000, "latency", tl_hist_to_json(h),
			      "cpu", "wall_ns", (json_int_t)1000000000, "user_ns", (json_int_t)100000000,
			      "sys_ns", (json_int_t)200000000, "vol_ctx", (json_int_t)50,
			      "invol_ctx", (json_int_t)2, "host_id", "h1", "netns_id", "n1");
	tl_hist_free(h);
	assert_non_null(f);
	return f;
}

static int build(json_t **finals, uint32_t n, json_t **out, struct tl_err *err)
{
	struct tl_mesh_spec spec;
	struct tl_mesh_result_meta meta = { .launch = "test", .rendezvous_ns = 1000, .connect_ns = 1000 };
	tl_mesh_spec_defaults(&spec);
	spec.ranks = n;
	spec.tokens = n;
	return tl_mesh_result_build(&spec, (const json_t *const *)finals, &meta, out, err);
}

static void test_counts_add_up(void **state)
{
	(void)state;
	json_t *finals[2] = { final_report(0), final_report(1) };
	json_t *res = NULL;
	struct tl_err err = { 0 };
	assert_int_equal(build(finals, 2, &res, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(res, "hops_sent")), 200);
	assert_int_equal(json_integer_value(json_object_get(res, "hops_received")), 200);
	assert_int_equal(json_array_size(json_object_get(res, "per_rank")), 2);
	json_decref(res);
	json_decref(finals[0]);
	json_decref(finals[1]);
}

/* Each broken report must fail, with the message naming want. */
static void expect_refused(json_t *broken, const char *want)
{
	json_t *finals[2] = { final_report(0), broken };
	json_t *res = NULL;
	struct tl_err err = { 0 };
	assert_int_equal(build(finals, 2, &res, &err), -1);
	assert_null(res);
	if (!strstr(err.msg, want))
		fail_msg("error \"%s\" does not name %s", err.msg, want);
	json_decref(finals[0]);
	json_decref(finals[1]);
}

static void test_bad_fields_named(void **state)
{
	(void)state;
	json_t *f = final_report(1);
	json_object_del(f, "hops_sent");
	expect_refused(f, "rank 1 final report.hops_sent");
	f = final_report(1);
	json_object_set_new(f, "held", json_string("1"));
	expect_refused(f, "rank 1 final report.held");
	f = final_report(1);
	json_object_set_new(json_object_get(f, "cpu"), "user_ns", json_real(-1.5));
	expect_refused(f, "rank 1 final report.cpu.user_ns");
	f = final_report(1);
	json_object_set_new(f, "machine", json_pack("{s:I, s:I}", "busy_ticks", (json_int_t)5,
						    "idle_ticks", (json_int_t)5));
	expect_refused(f, "rank 1 final report.machine.ncpu");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_add_up),
		cmocka_unit_test(test_bad_fields_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
