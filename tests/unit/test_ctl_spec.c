/*
 * The test spec on the wire: the JSON round trip the client and the agent rely on (for the
 * defaults and for --cc mixes too) and every refusal of a malformed spec. The plain struct's
 * own rules are tested in test_spec_spec.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/spec.h"
#include "util/clock.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void assert_msg_has(const struct tl_err *err, const char *part)
{
	if (!strstr(err->msg, part))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, part);
}

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

static void assert_spec_equal(const struct tl_spec *a, const struct tl_spec *b)
{
	assert_int_equal(a->workload, b->workload);
	assert_int_equal(a->direction, b->direction);
	assert_int_equal(a->flows, b->flows);
	assert_int_equal(a->threads, b->threads);
	assert_int_equal(a->duration_ns, b->duration_ns);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->max_duration_ns, b->max_duration_ns);
	assert_int_equal(a->omit_ns, b->omit_ns);
	assert_int_equal(a->interval_ns, b->interval_ns);
	assert_int_equal(a->length, b->length);
	assert_int_equal(a->stall_timeout_ns, b->stall_timeout_ns);
	assert_int_equal(a->connect_timeout_ns, b->connect_timeout_ns);
	assert_int_equal(a->verify, b->verify);
	assert_opts_equal(&a->opts, &b->opts);
	assert_int_equal(a->ngroups, b->ngroups);
	for (uint32_t g = 0; g < a->ngroups; g++) {
		assert_int_equal(a->groups[g].count, b->groups[g].count);
		assert_opts_equal(&a->groups[g].opts, &b->groups[g].opts);
	}
	assert_int_equal(a->fault_stop_reading_flow, b->fault_stop_reading_flow);
	assert_int_equal(a->fault_after_ns, b->fault_after_ns);
}

/* to_json, through text (as it travels), then from_json: must give back the same spec. */
static void round_trip(const struct tl_spec *s)
{
	struct tl_err err = { 0 };
	assert_int_equal(tl_spec_validate(s, &err), 0);
	json_t *j = tl_spec_to_json(s);
	assert_non_null(j);
	char *text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	json_t *back = json_loads(text, 0, NULL);
	assert_non_null(back);
	struct tl_spec out;
	memset(&out, 0xa5, sizeof(out));
	if (tl_spec_from_json(back, &out, &err) != 0)
		fail_msg("from_json of %s: %s", text, err.msg);
	assert_spec_equal(s, &out);
	/* And whatever else the JSON carries (fields other workloads add) came back too. */
	json_t *again = tl_spec_to_json(&out);
	assert_true(json_equal(j, again));
	json_decref(again);
	free(text);
	json_decref(j);
	json_decref(back);
}

static void test_defaults_validate(void **state)
{
	(void)state;
	struct tl_spec s;
	struct tl_err err = { 0 };
	tl_spec_defaults(&s);
	assert_int_equal(tl_spec_validate(&s, &err), 0);
	assert_int_equal(s.direction, TL_DIR_FORWARD);
	assert_int_equal(s.flows, 1);
	assert_int_equal(s.bytes, 0);
	assert_int_equal(s.ngroups, 0);
	assert_int_equal(s.fault_stop_reading_flow, -1);
	assert_string_equal(s.opts.cc, "");
	assert_int_equal(tl_spec_connections(&s), 1);
	assert_string_equal(tl_direction_name(TL_DIR_FORWARD), "forward");
	assert_string_equal(tl_direction_name(TL_DIR_REVERSE), "reverse");
	assert_string_equal(tl_direction_name(TL_DIR_BIDIR), "bidir");
	round_trip(&s);
}

static void test_round_trips(void **state)
{
	(void)state;
	struct tl_spec s;

	/* bidir, every option set, long interval and non-default timers */
	tl_spec_defaults(&s);
	s.direction = TL_DIR_BIDIR;
	s.flows = 64;
	s.threads = 8;
	s.duration_ns = 86400 * TL_NSEC_PER_SEC;
	s.omit_ns = 3600 * TL_NSEC_PER_SEC;
	s.interval_ns = 0;
	s.length = 16u << 20;
	s.stall_timeout_ns = 86400 * TL_NSEC_PER_SEC;
	s.connect_timeout_ns = 10 * TL_NSEC_PER_MSEC;
	s.verify = 1;
	s.opts = (struct tl_sockopts){ .sndbuf = 1ULL << 31, .rcvbuf = 4u << 20, .window_clamp = 1u << 31,
				       .mss = 65535, .pacing_bps = 1ULL << 50, .nodelay = 1, .zerocopy = 1,
				       .cc = "reno" };
	round_trip(&s);

	/* reverse with groups, each with its own options, groups not covering every flow */
	tl_spec_defaults(&s);
	s.direction = TL_DIR_REVERSE;
	s.flows = 12;
	s.opts.rcvbuf = 1u << 20;
	s.ngroups = 3;
	s.groups[0] = (struct tl_flow_group){ .count = 8, .opts = { .cc = "cubic", .sndbuf = 65536 } };
	s.groups[1] = (struct tl_flow_group){ .count = 2, .opts = { .cc = "bbr", .pacing_bps = 100000000 } };
	s.groups[2] = (struct tl_flow_group){ .count = 1, .opts = { .mss = 1200, .nodelay = 1 } };
	round_trip(&s);

	/* the most groups there can be */
	tl_spec_defaults(&s);
	s.flows = TL_SPEC_MAX_GROUPS;
	s.ngroups = TL_SPEC_MAX_GROUPS;
	for (uint32_t g = 0; g < s.ngroups; g++) {
		s.groups[g].count = 1;
		snprintf(s.groups[g].opts.cc, sizeof(s.groups[g].opts.cc), "cc-%u_x", g);
	}
	round_trip(&s);

	/* bytes mode: no duration needed, max time caps it */
	tl_spec_defaults(&s);
	s.bytes = 10ULL << 30;
	s.flows = 3;
	s.duration_ns = 0;
	s.max_duration_ns = 100 * TL_NSEC_PER_MSEC;
	s.interval_ns = 10 * TL_NSEC_PER_MSEC;
	round_trip(&s);
	s.bytes = 1ULL << 60;
	round_trip(&s);

	/* fault injection on the last connection of a bidir run */
	tl_spec_defaults(&s);
	s.direction = TL_DIR_BIDIR;
	s.flows = 4;
	s.fault_stop_reading_flow = 7;
	s.fault_after_ns = 2 * TL_NSEC_PER_SEC;
	s.stall_timeout_ns = 10 * TL_NSEC_PER_MSEC;
	round_trip(&s);

	/* the most flows and threads */
	tl_spec_defaults(&s);
	s.flows = TL_SPEC_MAX_FLOWS;
	s.threads = TL_SPEC_MAX_THREADS;
	snprintf(s.opts.cc, sizeof(s.opts.cc), "abcdefghijklmno"); /* 15 chars: the longest name */
	round_trip(&s);
}

/* ---- from_json refusals ---------------------------------------------------------------- */

/* A valid spec as JSON (4 forward flows, groups cubic:2 and bbr:1) for the cases to alter. */
static json_t *base_json(void)
{
	struct tl_spec s;
	tl_spec_defaults(&s);
	s.flows = 4;
	s.ngroups = 2;
	s.groups[0] = (struct tl_flow_group){ .count = 2, .opts = { .cc = "cubic" } };
	s.groups[1] = (struct tl_flow_group){ .count = 1, .opts = { .cc = "bbr" } };
	json_t *j = tl_spec_to_json(&s);
	assert_non_null(j);
	return j;
}

static void expect_from_json_refused(json_t *j, const char *what, const char *part)
{
	struct tl_spec s;
	struct tl_err err = { 0 };
	int rc = tl_spec_from_json(j, &s, &err);
	if (rc >= 0) {
		char *text = json_dumps(j, JSON_COMPACT);
		fail_msg("%s: accepted %s", what, text);
	}
	if (part && !strstr(err.msg, part))
		fail_msg("%s: message \"%s\" lacks \"%s\"", what, err.msg, part);
}

static void test_from_json_each_required_missing(void **state)
{
	(void)state;
	static const char *required[] = {
		"workload", "direction", "flows", "threads", "length", "duration_ns", "bytes",
		"max_duration_ns", "omit_ns", "interval_ns", "stall_timeout_ns", "connect_timeout_ns",
		"verify", "opts", "groups",
	};
	for (size_t i = 0; i < ARRAY_LEN(required); i++) {
		json_t *j = base_json();
		assert_int_equal(json_object_del(j, required[i]), 0);
		expect_from_json_refused(j, required[i], required[i]);
		json_decref(j);
	}
	/* The fault fields are optional. */
	json_t *j = base_json();
	json_object_del(j, "fault_stop_reading_flow");
	json_object_del(j, "fault_after_ns");
	struct tl_spec s;
	struct tl_err err = { 0 };
	assert_int_equal(tl_spec_from_json(j, &s, &err), 0);
	assert_int_equal(s.fault_stop_reading_flow, -1);
	json_decref(j);
	/* So are the fields of opts (zero = the kernel's default). */
	j = base_json();
	json_object_set_new(j, "opts", json_object());
	assert_int_equal(tl_spec_from_json(j, &s, &err), 0);
	json_decref(j);
	/* A group's count is not. */
	j = base_json();
	json_object_del(json_array_get(json_object_get(j, "groups"), 0), "count");
	expect_from_json_refused(j, "group count", "flow group 1 is malformed");
	json_decref(j);
	j = base_json();
	json_object_del(json_array_get(json_object_get(j, "groups"), 1), "opts");
	expect_from_json_refused(j, "group opts", "\"opts\" must be an object");
	json_decref(j);
}

struct field_case {
	const char *key;
	const char *value; /* JSON text */
	const char *part;  /* expected in the message */
};

static void apply_cases(const struct field_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *j = base_json();
		json_t *v = json_loads(cases[i].value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		/* "opts.x" sets a field of the run's opts, "group.x" one of the first group, and
		 * "gopts.x" one of the first group's opts. */
		json_t *group0 = json_array_get(json_object_get(j, "groups"), 0);
		if (!strncmp(cases[i].key, "opts.", 5))
			json_object_set_new(json_object_get(j, "opts"), cases[i].key + 5, v);
		else if (!strncmp(cases[i].key, "group.", 6))
			json_object_set_new(group0, cases[i].key + 6, v);
		else if (!strncmp(cases[i].key, "gopts.", 6))
			json_object_set_new(json_object_get(group0, "opts"), cases[i].key + 6, v);
		else
			json_object_set_new(j, cases[i].key, v);
		char what[128];
		snprintf(what, sizeof(what), "%s = %s", cases[i].key, cases[i].value);
		expect_from_json_refused(j, what, cases[i].part);
		json_decref(j);
	}
}

static void test_from_json_out_of_range(void **state)
{
	(void)state;
	static const struct field_case cases[] = {
		{ "flows", "0", "\"flows\" = 0 is out of range" },
		{ "flows", "1000001", "\"flows\" = 1000001" },
		{ "threads", "0", "\"threads\"" },
		{ "threads", "1025", "(1 to 1024)" },
		{ "length", "0", "\"length\"" },
		{ "length", "16777217", "\"length\"" },
		{ "duration_ns", "86400000000001", "\"duration_ns\"" },
		{ "duration_ns", "99999999", "--time" }, /* in range for JSON, refused by validate */
		{ "bytes", "1152921504606846977", "\"bytes\"" },
		{ "max_duration_ns", "0", "--max-time" },
		{ "omit_ns", "3600000000001", "\"omit_ns\"" },
		{ "interval_ns", "9999999", "--interval" },
		{ "interval_ns", "3600000000001", "\"interval_ns\"" },
		{ "stall_timeout_ns", "9999999", "--stall-timeout" },
		{ "stall_timeout_ns", "86400000000001", "\"stall_timeout_ns\"" },
		{ "connect_timeout_ns", "0", "--connect-timeout" },
		{ "connect_timeout_ns", "3600000000001", "\"connect_timeout_ns\"" },
		{ "fault_after_ns", "86400000000001", "\"fault_after_ns\"" },
		{ "fault_stop_reading_flow", "-2", "fault_stop_reading_flow" },
		{ "fault_stop_reading_flow", "2000001", "fault_stop_reading_flow" },
		{ "opts.sndbuf", "2147483649", "\"sndbuf\"" },
		{ "opts.rcvbuf", "2147483649", "\"rcvbuf\"" },
		{ "opts.window_clamp", "2147483649", "\"window_clamp\"" },
		{ "opts.mss", "65536", "\"mss\"" },
		{ "opts.pacing_bps", "1125899906842625", "\"pacing_bps\"" },
		{ "group.count", "0", "flow group 1" },
		{ "group.count", "1000001", "flow group 1" },
	};
	apply_cases(cases, ARRAY_LEN(cases));
}

static void test_from_json_wrong_types(void **state)
{
	(void)state;
	static const struct field_case cases[] = {
		{ "workload", "1", "must be a string" },
		{ "workload", "null", "must be a string" },
		{ "direction", "2", "must be a string" },
		{ "flows", "\"4\"", "non-negative integer" },
		{ "flows", "4.0", "non-negative integer" },
		{ "flows", "-4", "non-negative integer" },
		{ "bytes", "true", "non-negative integer" },
		{ "verify", "1", "true or false" },
		{ "verify", "\"yes\"", "true or false" },
		{ "opts", "[]", "\"opts\" must be an object" },
		{ "opts", "null", "\"opts\" must be an object" },
		{ "opts.cc", "5", "must be a string" },
		{ "opts.nodelay", "1", "true or false" },
		{ "groups", "{}", "\"groups\" must be an array" },
		{ "groups", "[1]", "flow group 1 is malformed" },
		{ "groups", "[{\"count\":1,\"opts\":{}},[]]", "flow group 2 is malformed" },
		{ "fault_stop_reading_flow", "\"1\"", "fault_stop_reading_flow" },
		{ "fault_stop_reading_flow", "1.0", "fault_stop_reading_flow" },
	};
	apply_cases(cases, ARRAY_LEN(cases));
	/* Not an object at all. */
	json_t *arr = json_array();
	expect_from_json_refused(arr, "array", "must be a JSON object");
	json_decref(arr);
	expect_from_json_refused(NULL, "NULL (no \"spec\" in the TEST message)", "must be a JSON object");
}

static void test_from_json_bad_names_and_structure(void **state)
{
	(void)state;
	static const struct field_case cases[] = {
		{ "workload", "\"udp\"", "workload \"udp\" is not supported" },
		{ "workload", "\"Stream\"", "not supported" },
		{ "direction", "\"sideways\"", "direction \"sideways\" is unknown" },
		{ "direction", "\"\"", "is unknown" },
		{ "opts.cc", "\"bbr;rm\"", "not a congestion control name" },
		{ "opts.cc", "\"bbr rm\"", "not a congestion control name" },
		{ "opts.cc", "\"../x\"", "not a congestion control name" },
		{ "opts.cc", "\"abcdefghijklmnop\"", "\"cc\" is longer than 15 bytes" },
		{ "gopts.cc", "\"bbr;rm\"", "\"cc\" is not a congestion control name" },
		{ "gopts.cc", "\"abcdefghijklmnop\"", "\"cc\" is longer than 15 bytes" },
		{ "gopts.mss", "65536", "\"mss\"" },
		/* groups sum 2 + 1 = 3: more than 2 flows */
		{ "flows", "2", "flow groups cover 3 flows but --flows is 2" },
		/* 4 forward flows: connections 0..3 */
		{ "fault_stop_reading_flow", "4", "fault flow 4 does not exist (4 connections)" },
	};
	apply_cases(cases, ARRAY_LEN(cases));

	/* 17 groups */
	json_t *j = base_json();
	json_t *groups = json_object_get(j, "groups");
	json_array_clear(groups);
	for (int g = 0; g < TL_SPEC_MAX_GROUPS + 1; g++)
		json_array_append_new(groups, json_pack("{s:i,s:{}}", "count", 1, "opts"));
	json_object_set_new(j, "flows", json_integer(100));
	expect_from_json_refused(j, "17 groups", "more than 16 flow groups");
	/* 16 is fine */
	json_array_remove(groups, 0);
	struct tl_spec s;
	struct tl_err err = { 0 };
	assert_int_equal(tl_spec_from_json(j, &s, &err), 0);
	assert_int_equal(s.ngroups, 16);
	json_decref(j);

	/* bidir doubles the connections a fault may name */
	j = base_json();
	json_object_set_new(j, "direction", json_string("bidir"));
	json_object_set_new(j, "fault_stop_reading_flow", json_integer(7));
	assert_int_equal(tl_spec_from_json(j, &s, &err), 0);
	assert_int_equal(s.fault_stop_reading_flow, 7);
	json_object_set_new(j, "fault_stop_reading_flow", json_integer(8));
	expect_from_json_refused(j, "bidir fault 8", "fault flow 8 does not exist (8 connections)");
	json_decref(j);

	/* Unknown extra fields are ignored (a newer client may add some). */
	j = base_json();
	json_object_set_new(j, "future_option", json_true());
	assert_int_equal(tl_spec_from_json(j, &s, &err), 0);
	json_decref(j);
}

/* ---- --cc mix ------------------------------------------------------------------------- */

static void test_cc_mix_ok(void **state)
{
	(void)state;
	struct tl_spec s;
	struct tl_err err = { 0 };
	tl_spec_defaults(&s);
	assert_int_equal(tl_spec_parse_cc_mix(&s, "cubic:8,bbr:2", &err), 0);
	assert_int_equal(s.ngroups, 2);
	assert_int_equal(s.groups[0].count, 8);
	assert_string_equal(s.groups[0].opts.cc, "cubic");
	assert_int_equal(s.groups[1].count, 2);
	assert_string_equal(s.groups[1].opts.cc, "bbr");
	assert_string_equal(s.opts.cc, ""); /* a mix leaves the run's cc alone */
	s.flows = 10;
	assert_int_equal(tl_spec_validate(&s, &err), 0);
	round_trip(&s);
	s.flows = 9;
	assert_int_equal(tl_spec_validate(&s, &err), -EINVAL);
	assert_msg_has(&err, "flow groups cover 10 flows but --flows is 9");

	tl_spec_defaults(&s);
	assert_int_equal(tl_spec_parse_cc_mix(&s, "bbr", &err), 0);
	assert_int_equal(s.ngroups, 0);
	assert_string_equal(s.opts.cc, "bbr");
	round_trip(&s);

	/* Counts take the count units; names their characters; 15 characters is the longest. */
	tl_spec_defaults(&s);
	assert_int_equal(tl_spec_parse_cc_mix(&s, "dctcp:1k,my_cc-2:1", &err), 0);
	assert_int_equal(s.groups[0].count, 1000);
	assert_string_equal(s.groups[1].opts.cc, "my_cc-2");
	assert_int_equal(tl_spec_parse_cc_mix(&s, "abcdefghijklmno", &err), 0);
	assert_string_equal(s.opts.cc, "abcdefghijklmno");

	/* 16 groups is the maximum; a new mix appends to the groups already there (a --group
	 * before a --cc mix is kept). */
	char text[256] = "";
	for (int g = 0; g < TL_SPEC_MAX_GROUPS - 1; g++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%sc%d:1", g ? "," : "", g);
	tl_spec_defaults(&s);
	assert_int_equal(tl_spec_parse_cc_mix(&s, "reno:3", &err), 0);
	assert_int_equal(tl_spec_parse_cc_mix(&s, text, &err), 0);
	assert_int_equal(s.ngroups, TL_SPEC_MAX_GROUPS);
	assert_int_equal(s.groups[0].count, 3);
	assert_string_equal(s.groups[0].opts.cc, "reno");
	assert_string_equal(s.groups[15].opts.cc, "c14");
	assert_true(tl_spec_parse_cc_mix(&s, "one:1", &err) < 0);
	assert_non_null(strstr(err.msg, "more than 16 groups"));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_validate),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_from_json_each_required_missing),
		cmocka_unit_test(test_from_json_out_of_range),
		cmocka_unit_test(test_from_json_wrong_types),
		cmocka_unit_test(test_from_json_bad_names_and_structure),
		cmocka_unit_test(test_cc_mix_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
