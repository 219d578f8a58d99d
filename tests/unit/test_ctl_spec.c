/*
 * The test spec: defaults, validation and its messages, the --cc mix parser, the JSON round
 * trip the client and the agent rely on, and the per-connection helpers (group options, byte
 * shares) the engine reads.
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
		cmocka_unit_test(test_defaults_validate),
		cmocka_unit_test(test_pacing_cap),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_from_json_each_required_missing),
		cmocka_unit_test(test_from_json_out_of_range),
		cmocka_unit_test(test_from_json_wrong_types),
		cmocka_unit_test(test_from_json_bad_names_and_structure),
		cmocka_unit_test(test_cc_mix_ok),
		cmocka_unit_test(test_cc_mix_errors),
		cmocka_unit_test(test_flow_opts_groups),
		cmocka_unit_test(test_connections_and_sides),
		cmocka_unit_test(test_conn_bytes_split),
		cmocka_unit_test(test_validate_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
