/* The notes under a result table: steal from 1% on either end, naming both shares; the
 * kernel's counters under stalled flows, only when there are stalls and the counters grew;
 * a testbed's bottleneck over the test, and its forwarder's lateness with the causes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "out/render.h"

/* Fills what obj lacks from defaults, at every level of nested objects. */
static void fill_missing(json_t *obj, const json_t *defaults)
{
	const char *key;
	json_t *def;
	json_object_foreach((json_t *)defaults, key, def) {
		json_t *have = json_object_get(obj, key);
		if (!have)
			json_object_set(obj, key, def);
		else if (json_is_object(have) && json_is_object(def))
			fill_missing(have, def);
	}
}

/* The fields every end and every series line has, so that each case gives only the ones it
 * is about. */
static const char end_skeleton[] =
	"{\"streams\": [], \"sum\": {\"bytes\": 0, \"bits_per_second\": 0, \"sent_bytes\": 0, "
	"\"sender_bits_per_second\": 0, \"seconds\": 0, \"flows\": {\"count\": 0, \"min\": 0, "
	"\"median\": 0, \"max\": 0, \"mean\": 0, \"jain\": 0}}, \"stalled_flows\": 0, "
	"\"failed_flows\": 0, \"incomplete\": false, \"cpu_utilization_percent\": {\"client\": 0, "
	"\"agent\": 0}, \"machine_cpu\": {}, \"kernel_tcp\": {}}";
#define DIR_SKELETON "{\"bytes_out\": 0, \"qdelay_p99_ns\": 0, \"marks\": 0, \"drops\": " \
	"{\"queue_full\": 0, \"aqm\": 0, \"loss\": 0}}"
static const char line_skeleton[] = "{\"t_ns\": 0, \"late_p99_ns\": 0, \"late_max_ns\": 0, "
	"\"fwd\": " DIR_SKELETON ", \"rev\": " DIR_SKELETON "}";

/* What a note function writes for an end given as JSON text (completed from the skeletons
 * and decoded as cmd/ decodes a real one). */
static char *note_of(void (*note)(FILE *, const struct tl_stream_end *), const char *end_json)
{
	json_t *end = json_loads(end_json, 0, NULL), *skel = json_loads(end_skeleton, 0, NULL);
	json_t *line_skel = json_loads(line_skeleton, 0, NULL), *line;
	assert_non_null(end);
	assert_non_null(skel);
	assert_non_null(line_skel);
	fill_missing(end, skel);
	size_t i;
	json_array_foreach(json_object_get(json_object_get(end, "testbed"), "series"), i, line)
		fill_missing(line, line_skel);
	struct tl_stream_end e;
	struct tl_err err = { 0 };
	if (tl_stream_end_decode(end, &e, &err) < 0)
		fail_msg("%s", err.msg);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	note(f, &e);
	fclose(f);
	tl_stream_end_free(&e);
	json_decref(end);
	json_decref(skel);
	json_decref(line_skel);
	return buf;
}

static void machine_note(FILE *f, const struct tl_stream_end *e)
{
	tl_table_machine_note(f, &e->client, &e->agent);
}

static void test_quiet_machine_no_note(void **state)
{
	(void)state;
	char *s = note_of(machine_note, "{\"machine_cpu\": {\"client\": {\"busy_percent\": 90, \"steal_percent\": 0.4, "
			   "\"cpus\": 2}, \"agent\": {\"busy_percent\": 90, \"steal_percent\": 0.99, "
			   "\"cpus\": 2}}}");
	assert_string_equal(s, "");
	free(s);
	/* Older agents send no machine_cpu at all: nothing to say. */
	s = note_of(machine_note, "{}");
	assert_string_equal(s, "");
	free(s);
}

static void test_steal_named(void **state)
{
	(void)state;
	char *s = note_of(machine_note, "{\"machine_cpu\": {\"client\": {\"busy_percent\": 70, \"steal_percent\": 0.2, "
			   "\"cpus\": 2}, \"agent\": {\"busy_percent\": 80, \"steal_percent\": 3.25, "
			   "\"cpus\": 4}}}");
	assert_non_null(strstr(s, "0.2% of the client machine's CPU time"));
	assert_non_null(strstr(s, "3.2% of the agent's"));
	assert_non_null(strstr(s, "steal"));
	free(s);
	/* Only the client's machine known, at exactly the threshold. */
	s = note_of(machine_note, "{\"machine_cpu\": {\"client\": {\"busy_percent\": 50, \"steal_percent\": 1.0, "
		     "\"cpus\": 2}}}");
	assert_non_null(strstr(s, "1.0% of the client machine's"));
	free(s);
}

static void test_kernel_note(void **state)
{
	(void)state;
	/* Stalls, and the agent's namespace advertised zero windows: the agent's line only. */
	char *s = note_of(tl_table_kernel_note,
			  "{\"stalled_flows\": 3, \"kernel_tcp\": {\"client\": {\"TCPToZeroWindowAdv\": 0, "
			  "\"TCPMemoryPressures\": 0, \"PruneCalled\": 0}, \"agent\": "
			  "{\"TCPToZeroWindowAdv\": 12, \"TCPMemoryPressures\": 2, \"PruneCalled\": 7}}}");
	assert_null(strstr(s, "client's kernel"));
	assert_non_null(strstr(s, "agent's kernel during the test: 12 zero-window advertisements"));
	assert_non_null(strstr(s, "2 entries into TCP memory pressure"));
	assert_non_null(strstr(s, "7 receive queues pruned"));
	free(s);
	/* The same counters without a stalled flow: nothing to explain. */
	s = note_of(tl_table_kernel_note, "{\"stalled_flows\": 0, \"kernel_tcp\": {\"agent\": "
					  "{\"TCPToZeroWindowAdv\": 12}}}");
	assert_string_equal(s, "");
	free(s);
	/* Stalls but counters that did not grow (or an end without them): nothing either. */
	s = note_of(tl_table_kernel_note, "{\"stalled_flows\": 1, \"kernel_tcp\": {\"client\": "
					  "{\"TCPToZeroWindowAdv\": 0}}}");
	assert_string_equal(s, "");
	free(s);
}

/* Three 100 ms lines: counters are totals since up, the rest per period. */
#define TB_LINE(t, bytes, full, loss, qd, late99, latemax, wait, steal)                        \
	"{\"t_ns\": " #t ", \"fwd\": {\"bytes_out\": " #bytes ", \"drops\": {\"queue_full\": " #full \
	", \"aqm\": 0, \"loss\": " #loss "}, \"marks\": 0, \"qdelay_p99_ns\": " #qd "}, "        \
	"\"late_p99_ns\": " #late99 ", \"late_max_ns\": " #latemax ", \"cpu_wait_ns\": " #wait     \
	", \"steal_percent\": " #steal "}"

static void test_testbed_note(void **state)
{
	(void)state;
	char *s = note_of(tl_table_testbed_note, "{}");
	assert_string_equal(s, "");
	free(s);
	s = note_of(tl_table_testbed_note, "{\"testbed\": {\"name\": \"lab\", \"error\": \"no testbed lab\"}}");
	assert_non_null(strstr(s, "Testbed lab: no router series (no testbed lab)"));
	free(s);

	/* 12.5 MB out in 0.2 s: 500 Mbit/s; 5 queue-full drops and 3 losses since the first
	 * line; the worst queue delay 4.5 ms; lateness under 0.2 ms: no note. */
	s = note_of(tl_table_testbed_note, "{\"end\": 0, \"testbed\": {\"name\": \"lab\", \"series\": ["
		    TB_LINE(1000000000, 1000000, 10, 1, 3000000, 50000, 90000, 0, 0) ","
		    TB_LINE(1100000000, 7000000, 12, 2, 4500000, 120000, 150000, 1000, 0) ","
		    TB_LINE(1200000000, 13500000, 15, 4, 2000000, 199000, 210000, 1000, 0.5) "]}}");
	assert_non_null(strstr(s, "Testbed lab, senders -> receiver over the test: 500.0 Mbit/s of "
				  "frames out, queue delay up to 4.50 ms"));
	assert_non_null(strstr(s, "drops 5 queue full, 0 AQM, 3 loss, 0 ECN marks"));
	assert_null(strstr(s, "Note"));
	assert_null(strstr(s, "receiver -> senders")); /* nothing came back */
	free(s);

	/* A --reverse test: the way back carried the data and gets its own line. */
	s = note_of(tl_table_testbed_note, "{\"testbed\": {\"name\": \"lab\", \"series\": ["
		    "{\"t_ns\": 0, \"fwd\": {\"bytes_out\": 0}, \"rev\": {\"bytes_out\": 0}},"
		    "{\"t_ns\": 100000000, \"fwd\": {\"bytes_out\": 40000}, \"rev\": {\"bytes_out\": 1250000, "
		    "\"drops\": {\"queue_full\": 2}, \"qdelay_p99_ns\": 1000000}}]}}");
	assert_non_null(strstr(s, "Testbed lab, senders -> receiver over the test: 3.2 Mbit/s"));
	assert_non_null(strstr(s, "Testbed lab, receiver -> senders over the test: 100.0 Mbit/s of "
				  "frames out, queue delay up to 1.00 ms (p99 of the worst 100 ms), "
				  "drops 2 queue full"));
	free(s);

	/* Late by 0.35 ms at p99 in one period: the note, with the CPU wait (50 ms of 200, at
	 * least 1%) and the steal (mean 2.0% of the periods after the first). */
	s = note_of(tl_table_testbed_note, "{\"testbed\": {\"name\": \"lab\", \"series\": ["
		    TB_LINE(1000000000, 0, 0, 0, 0, 0, 0, 999000000, 50) ","
		    TB_LINE(1100000000, 0, 0, 0, 0, 350000, 1200000, 30000000, 3) ","
		    TB_LINE(1200000000, 0, 0, 0, 0, 100000, 150000, 20000000, 1) "]}}");
	assert_non_null(strstr(s, "in 1 of 3 periods of 100 ms the testbed's forwarder sent packets "
				  "0.2 ms or more late at p99 (worst 0.35 ms, 1.20 ms at most)"));
	assert_non_null(strstr(s, "It waited 0.050 s for a CPU: a testbed made with --isolate on"));
	assert_non_null(strstr(s, "A hypervisor took 2.0% of the machine's CPU time"));
	free(s);

	/* Late, but neither cause seen: the note alone. */
	s = note_of(tl_table_testbed_note, "{\"testbed\": {\"name\": \"lab\", \"series\": ["
		    TB_LINE(1000000000, 0, 0, 0, 0, 0, 0, 0, 0) ","
		    TB_LINE(1100000000, 0, 0, 0, 0, 300000, 400000, 100000, 0.2) "]}}");
	assert_non_null(strstr(s, "in 1 of 2 periods"));
	assert_null(strstr(s, "waited"));
	assert_null(strstr(s, "hypervisor"));
	free(s);

	/* One late period in 30 (a 3 s test) is noted, one in 60 (under 2.5%) is not. */
	for (int total = 30; total <= 60; total += 30) {
		char *doc = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&doc, &len);
		fprintf(m, "{\"testbed\": {\"name\": \"lab\", \"series\": [");
		for (int i = 0; i < total; i++)
			fprintf(m, "%s{\"t_ns\": %d00000000, \"late_p99_ns\": %d}", i ? "," : "", i + 1,
				i == 5 ? 900000 : 10000);
		fprintf(m, "]}}");
		fclose(m);
		s = note_of(tl_table_testbed_note, doc);
		if (total == 30)
			assert_non_null(strstr(s, "in 1 of 30 periods"));
		else
			assert_null(strstr(s, "Note"));
		free(s);
		free(doc);
	}
}

/* The host's input-queue drops during the test (last line's count minus the first's):
 * named with the fix; none, or a forwarder that does not report them, no note. */
static void test_testbed_backlog_note(void **state)
{
	(void)state;
	char *s = note_of(tl_table_testbed_note, "{\"testbed\": {\"name\": \"lab\", \"series\": ["
			  "{\"t_ns\": 0, \"backlog_drops\": 40},"
			  "{\"t_ns\": 100000000, \"backlog_drops\": 41},"
			  "{\"t_ns\": 200000000, \"backlog_drops\": 4425}]}}");
	assert_non_null(strstr(s, "this host's kernel dropped 4385 packets at a full input queue "
				  "while the test ran, outside testbed lab's emulated links"));
	assert_non_null(strstr(s, "sysctl -w net.core.netdev_max_backlog=10000"));
	free(s);
	s = note_of(tl_table_testbed_note, "{\"testbed\": {\"name\": \"lab\", \"series\": ["
		    "{\"t_ns\": 0, \"backlog_drops\": 40}, {\"t_ns\": 100000000, \"backlog_drops\": 40}]}}");
	assert_null(strstr(s, "input queue"));
	free(s);
	s = note_of(tl_table_testbed_note, "{\"testbed\": {\"name\": \"lab\", \"series\": ["
		    "{\"t_ns\": 0}, {\"t_ns\": 100000000, \"backlog_drops\": 9}]}}");
	assert_null(strstr(s, "input queue"));
	free(s);
}

/* GSP, PPV and DualPI2 bottlenecks: their state at the series' last line. */
static void test_testbed_aqm_note(void **state)
{
	(void)state;
	char *s = note_of(tl_table_testbed_note,
			  "{\"testbed\": {\"name\": \"lab\", \"series\": ["
			  "{\"t_ns\": 0, \"fwd\": {\"aqm\": {\"interval_ns\": 80000000, \"signals\": 2, \"min_gap_ns\": 0}}},"
			  "{\"t_ns\": 100000000, \"fwd\": {\"aqm\": {\"interval_ns\": 40000000, "
			  "\"signals\": 7, \"min_gap_ns\": 40000000}}}]}}");
	assert_non_null(strstr(s, "Testbed lab, GSP: interval 40.0 ms at the end, 5 drops or marks "
				  "by the interval rule during the test, shortest gap between two since up "
				  "40.0 ms"));
	free(s);
	s = note_of(tl_table_testbed_note,
		    "{\"testbed\": {\"name\": \"lab\", \"series\": [{\"t_ns\": 0, \"fwd\": {\"aqm\": "
		    "{\"threshold_value\": 1234, \"classes\": [{\"class\": \"snd1\", \"share\": 0.66, "
		    "\"drops\": 3}, {\"class\": \"snd2\", \"share\": 0.34, \"drops\": 9}]}}}]}}");
	assert_non_null(strstr(s, "Testbed lab, PPV: threshold value 1234 at the end; shares since "
				  "up: snd1 66.0% (3 drops), snd2 34.0% (9 drops)"));
	free(s);
	s = note_of(tl_table_testbed_note,
		    "{\"testbed\": {\"name\": \"lab\", \"series\": [{\"t_ns\": 0, \"fwd\": {\"aqm\": "
		    "{\"p_base\": 0.1, \"p_c\": 0.01, \"p_cl\": 0.2, \"classic\": {\"qdelay_ns\": "
		    "15000000, \"drops\": 4}, \"l4s\": {\"qdelay_ns\": 500000, \"marks\": 8}}}}]}}");
	assert_non_null(strstr(s, "DualPI2 at the end: p' 0.1000; classic queue p_C 0.0100, delay "
				  "15.00 ms, 4 drops; L4S queue p_CL 0.2000, delay 0.50 ms, 8 marks"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_machine_no_note),
		cmocka_unit_test(test_steal_named),
		cmocka_unit_test(test_kernel_note),
		cmocka_unit_test(test_testbed_note),
		cmocka_unit_test(test_testbed_aqm_note),
		cmocka_unit_test(test_testbed_backlog_note),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
