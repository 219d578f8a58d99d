/*
 * Stall detection: the rule on engine samples (table-driven), then on real flows over a
 * loopback TCP connection whose peer never sends, or never reads, in time and bytes mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/engine.h"
#include "workload/side_internal.h"
#include "workload/stall.h"

#include "test_workload_loop.h"

#define SEC TL_NSEC_PER_SEC

static void test_rule(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		int flow_state;
		uint64_t last_progress, since, now, timeout;
		int stalled_now;
		uint64_t stalled_for;
	} cases[] = {
		{ "moved just now", TL_FLOW_ACTIVE, 10 * SEC, 1 * SEC, 10 * SEC + 1, 3 * SEC, 0, 0 },
		{ "idle a little less than the timeout", TL_FLOW_ACTIVE, 10 * SEC, 1 * SEC,
		  13 * SEC - 1, 3 * SEC, 0, 0 },
		{ "idle exactly the timeout", TL_FLOW_ACTIVE, 10 * SEC, 1 * SEC, 13 * SEC, 3 * SEC, 1, 3 * SEC },
		{ "idle longer: the whole idle time", TL_FLOW_ACTIVE, 10 * SEC, 1 * SEC, 20 * SEC, 3 * SEC, 1,
		  10 * SEC },
		{ "never moved: counted from the start", TL_FLOW_ACTIVE, 0, 5 * SEC, 8 * SEC, 3 * SEC, 1, 3 * SEC },
		{ "never moved, start not long ago", TL_FLOW_ACTIVE, 0, 5 * SEC, 7 * SEC, 3 * SEC, 0, 0 },
		{ "moved before the start (warm-up connect): from the start", TL_FLOW_ACTIVE, 2 * SEC, 5 * SEC,
		  7 * SEC, 3 * SEC, 0, 0 },
		{ "a clock read before the sample: no idle time", TL_FLOW_ACTIVE, 10 * SEC, 1 * SEC, 9 * SEC,
		  1, 0, 0 },
		{ "done: never stalled", TL_FLOW_DONE, 1 * SEC, 1 * SEC, 100 * SEC, 3 * SEC, 0, 0 },
		{ "failed: never stalled", TL_FLOW_ERROR, 1 * SEC, 1 * SEC, 100 * SEC, 3 * SEC, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_flow_sample fs;
		struct tl_stall st = { 0 };
		memset(&fs, 0, sizeof(fs));
		fs.state = cases[i].flow_state;
		fs.last_progress_ns = cases[i].last_progress;
		int got = tl_stall_update(&st, &fs, cases[i].since, cases[i].now, cases[i].timeout);
		if (got != cases[i].stalled_now || st.stalled_for_ns != cases[i].stalled_for ||
		    st.stalled != cases[i].stalled_now)
			fail_msg("%s: got %d for %llu ns (sticky %d), want %d for %llu ns", cases[i].what, got,
				 (unsigned long long)st.stalled_for_ns, st.stalled, cases[i].stalled_now,
				 (unsigned long long)cases[i].stalled_for);
	}
}

/* Once stalled, a flow is reported as such even after it moves again or ends. */
static void test_sticky(void **state)
{
	(void)state;
	struct tl_flow_sample fs;
	struct tl_stall st = { 0 };
	memset(&fs, 0, sizeof(fs));
	fs.state = TL_FLOW_ACTIVE;
	fs.last_progress_ns = 1 * SEC;
	assert_int_equal(tl_stall_update(&st, &fs, 0, 5 * SEC, 3 * SEC), 1);
	fs.last_progress_ns = 6 * SEC;
	assert_int_equal(tl_stall_update(&st, &fs, 0, 6 * SEC + 1, 3 * SEC), 0);
	assert_int_equal(st.stalled_for_ns, 0);
	assert_int_equal(st.stalled, 1);
	fs.state = TL_FLOW_DONE;
	assert_int_equal(tl_stall_update(&st, &fs, 0, 100 * SEC, 3 * SEC), 0);
	assert_int_equal(st.stalled, 1);
}

static struct tl_spec spec_of(uint64_t duration_ns, uint64_t bytes)
{
	struct tl_spec s;
	tl_spec_defaults(&s);
	s.threads = 1;
	s.interval_ns = 0;
	s.length = 64 * 1024;
	s.stall_timeout_ns = 50 * MS;
	s.duration_ns = duration_ns;
	if (bytes) {
		s.bytes = bytes;
		s.max_duration_ns = duration_ns;
	}
	return s;
}

/* One end (sender or receiver of flow 0) on a loopback connection whose peer, held here,
 * neither reads nor writes. */
static struct tl_side *lone_end(const struct tl_spec *spec, int sender, int *peer)
{
	struct tl_err err = { 0 };
	int fds[2];
	loopback_pair(fds);
	/* forward: the client sends, the agent receives */
	struct tl_side *s = tl_side_new(spec, sender, &err);
	if (!s)
		fail_msg("tl_side_new: %s", err.msg);
	if (tl_side_attach(s, 0, sender ? fds[0] : fds[1], &err) < 0)
		fail_msg("tl_side_attach: %s", err.msg);
	*peer = sender ? fds[1] : fds[0];
	return s;
}

/* A receiver whose sender sends nothing stalls, and its end is cut short. */
static void test_silent_sender(void **state)
{
	(void)state;
	struct tl_spec spec = spec_of(300 * MS, 0);
	int peer;
	struct tl_side *s = lone_end(&spec, 0, &peer);
	run_ends(s, NULL);
	const struct side_conn *c = &s->conns[0];
	assert_int_equal(c->sender, 0);
	assert_int_equal(c->stall.stalled, 1);
	assert_true(c->stall.stalled_for_ns >= spec.stall_timeout_ns);
	assert_int_equal(tl_side_cut_short(s), 1);
	json_t *r = tl_side_results_json(s);
	const json_t *cj = json_array_get(json_object_get(r, "conns"), 0);
	assert_true(json_is_true(json_object_get(cj, "stalled")));
	assert_true(json_integer_value(json_object_get(cj, "stalled_for_ns")) >= (json_int_t)spec.stall_timeout_ns);
	assert_true(json_is_true(json_object_get(r, "cut_short")));
	json_decref(r);
	tl_side_free(s);
	close(peer);
}

/* A sender whose receiver never reads fills the buffers and stalls; a sender's stall alone
 * does not cut its end short (the receiver's end judges). */
static void test_reader_that_never_reads(void **state)
{
	(void)state;
	struct tl_spec spec = spec_of(400 * MS, 0);
	int peer;
	struct tl_side *s = lone_end(&spec, 1, &peer);
	run_ends(s, NULL);
	const struct side_conn *c = &s->conns[0];
	assert_int_equal(c->sender, 1);
	assert_int_equal(c->stall.stalled, 1);
	assert_true(c->end.bytes > 0); /* it moved bytes into the buffers first */
	assert_int_equal(tl_side_cut_short(s), 0);
	tl_side_free(s);
	close(peer);
}

/* --bytes: a stalled receiver ends its test before --max-time (not incomplete), ... */
static void test_bytes_receiver_stall_ends_early(void **state)
{
	(void)state;
	struct tl_spec spec = spec_of(20 * SEC, 1 << 20);
	int peer;
	struct tl_side *s = lone_end(&spec, 0, &peer);
	run_ends(s, NULL);
	assert_int_equal(s->conns[0].stall.stalled, 1);
	assert_int_equal(s->incomplete, 0); /* the stall ended it, not the 20 s cap */
	assert_int_equal(tl_side_cut_short(s), 1);
	tl_side_free(s);
	close(peer);
}

/* ... while a stalled --bytes sender keeps waiting for its receiver until --max-time. */
static void test_bytes_sender_stall_waits(void **state)
{
	(void)state;
	struct tl_spec spec = spec_of(500 * MS, 1ULL << 30); /* far more than the buffers hold */
	int peer;
	struct tl_side *s = lone_end(&spec, 1, &peer);
	run_ends(s, NULL);
	assert_int_equal(s->conns[0].stall.stalled, 1);
	assert_int_equal(s->incomplete, 1); /* ended by the cap */
	assert_true(s->ended_ns - s->start_ns >= spec.max_duration_ns);
	tl_side_free(s);
	close(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_sticky),
		cmocka_unit_test(test_silent_sender),
		cmocka_unit_test(test_reader_that_never_reads),
		cmocka_unit_test(test_bytes_receiver_stall_ends_early),
		cmocka_unit_test(test_bytes_sender_stall_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
