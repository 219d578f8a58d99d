/* Notes under a result table: what the machine and the kernel did that explains the figures. */
#include "out/render.h"

/* From this share on, a figure may be off by more than run-to-run noise on a quiet machine. */
#define STEAL_NOTE_PERCENT 1.0

static double steal_of(const json_t *machine_cpu, const char *end)
{
	const json_t *v = json_object_get(json_object_get(machine_cpu, end), "steal_percent");
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

void tl_table_machine_note(FILE *f, const json_t *end)
{
	const json_t *m = json_object_get(end, "machine_cpu");
	double client = steal_of(m, "client"), agent = steal_of(m, "agent");
	if (client < STEAL_NOTE_PERCENT && agent < STEAL_NOTE_PERCENT)
		return;
	fprintf(f, "Note: a hypervisor took %.1f%% of the client machine's CPU time and %.1f%% of the "
		"agent's during the test (steal): the figures above are disturbed; repeat when steal "
		"is near 0.\n", client, agent);
}

static long long counter_of(const json_t *end, const char *side, const char *name)
{
	const json_t *v = json_object_get(
		json_object_get(json_object_get(end, "kernel_tcp"), side), name);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

void tl_table_kernel_note(FILE *f, const json_t *end)
{
	const json_t *st = json_object_get(end, "stalled_flows");
	if (!json_is_integer(st) || json_integer_value(st) == 0)
		return;
	static const char *const sides[] = { "client", "agent" };
	for (unsigned i = 0; i < 2; i++) {
		long long zero = counter_of(end, sides[i], "TCPToZeroWindowAdv");
		long long pressure = counter_of(end, sides[i], "TCPMemoryPressures");
		long long pruned = counter_of(end, sides[i], "PruneCalled");
		if (zero + pressure + pruned == 0)
			continue;
		fprintf(f, "  %s's kernel during the test: %lld zero-window advertisements (a "
			"receive buffer was full), %lld entries into TCP memory pressure (tcp_mem), "
			"%lld receive queues pruned\n", sides[i], zero, pressure, pruned);
	}
}

/* From this lateness on, in a 100 ms period, the emulated path was not the configured one:
 * the testbed's own target for added delay (0.2 ms at p99, bench/results/testbed.md); and
 * the share of such periods from which the test's figures are worth a note (one stray
 * period in a 3 s test is, one in a 6 s test is not). */
#define TESTBED_LATE_NOTE_NS 200000.0
#define TESTBED_LATE_NOTE_SHARE 0.025

static double num_at(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(b ? json_object_get(o, a) : o, b ? b : a);
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

/* How much a total grew from the series' first line to its last (dir NULL: the line
 * itself, for its time). Counters are totals since `up`, so the first line is the
 * baseline. */
static double series_delta(const json_t *series, const char *dir, const char *a, const char *b)
{
	const json_t *first = json_array_get(series, 0);
	const json_t *last = json_array_get(series, json_array_size(series) - 1);
	if (dir) {
		first = json_object_get(first, dir);
		last = json_object_get(last, dir);
	}
	return num_at(last, a, b) - num_at(first, a, b);
}

/* One direction of the bottleneck over the series; the queue delay is per 100 ms, so the
 * worst period is shown. */
static void testbed_dir_line(FILE *f, const char *name, const json_t *series, const char *dir,
			     const char *label)
{
	double span_ns = series_delta(series, NULL, "t_ns", NULL);
	double qd99 = 0;
	size_t i;
	const json_t *line;
	json_array_foreach(series, i, line) {
		double q = num_at(json_object_get(line, dir), "qdelay_p99_ns", NULL);
		if (q > qd99)
			qd99 = q;
	}
	fprintf(f, "Testbed %s, %s over the test: %.1f Mbit/s of frames out, queue delay up to "
		"%.2f ms (p99 of the worst 100 ms), drops %.0f queue full, %.0f AQM, %.0f loss, "
		"%.0f ECN marks\n", name, label,
		span_ns > 0 ? series_delta(series, dir, "bytes_out", NULL) * 8e9 / span_ns / 1e6
			    : 0.0,
		qd99 / 1e6, series_delta(series, dir, "drops", "queue_full"),
		series_delta(series, dir, "drops", "aqm"), series_delta(series, dir, "drops", "loss"),
		series_delta(series, dir, "marks", NULL));
}

/* The state of a GSP, PPV or DualPI2 bottleneck at the series' last line (the AQM's own
 * figures: its interval, its threshold value and shares, its two queues). */
static void testbed_aqm_line(FILE *f, const char *name, const json_t *series, const char *dir)
{
	const json_t *last = json_array_get(series, json_array_size(series) - 1);
	const json_t *first = json_array_get(series, 0);
	const json_t *a = json_object_get(json_object_get(last, dir), "aqm");
	const json_t *a0 = json_object_get(json_object_get(first, dir), "aqm");
	if (!json_is_object(a))
		return;
	if (json_object_get(a, "interval_ns")) {
		fprintf(f, "Testbed %s, GSP: interval %.1f ms at the end, %.0f drops or marks by the "
			"interval rule during the test, shortest gap between two since up %.1f ms\n", name,
			num_at(a, "interval_ns", NULL) / 1e6,
			num_at(a, "signals", NULL) - num_at(a0, "signals", NULL),
			num_at(a, "min_gap_ns", NULL) / 1e6);
	} else if (json_object_get(a, "threshold_value")) {
		fprintf(f, "Testbed %s, PPV: threshold value %.0f at the end; shares since up:", name,
			num_at(a, "threshold_value", NULL));
		size_t i;
		const json_t *c;
		json_array_foreach(json_object_get(a, "classes"), i, c)
			fprintf(f, "%s %s %.1f%% (%.0f drops)", i ? "," : "",
				json_string_value(json_object_get(c, "class")),
				100 * num_at(c, "share", NULL), num_at(c, "drops", NULL));
		fprintf(f, "\n");
	} else if (json_object_get(a, "p_base")) {
		const json_t *cq = json_object_get(a, "classic"), *lq = json_object_get(a, "l4s");
		fprintf(f, "Testbed %s, DualPI2 at the end: p' %.4f; classic queue p_C %.4f, delay "
			"%.2f ms, %.0f drops; L4S queue p_CL %.4f, delay %.2f ms, %.0f marks\n", name,
			num_at(a, "p_base", NULL), num_at(a, "p_c", NULL),
			num_at(cq, "qdelay_ns", NULL) / 1e6, num_at(cq, "drops", NULL),
			num_at(a, "p_cl", NULL), num_at(lq, "qdelay_ns", NULL) / 1e6,
			num_at(lq, "marks", NULL));
	}
}

void tl_table_testbed_note(FILE *f, const json_t *end)
{
	const json_t *tb = json_object_get(end, "testbed");
	if (!tb)
		return;
	const char *name = json_string_value(json_object_get(tb, "name"));
	if (!name)
		name = "?";
	const json_t *err = json_object_get(tb, "error");
	if (json_is_string(err)) {
		fprintf(f, "Testbed %s: no router series (%s)\n", name, json_string_value(err));
		return;
	}
	const json_t *series = json_object_get(tb, "series");
	size_t n = json_array_size(series);
	if (n == 0)
		return;
	testbed_dir_line(f, name, series, "fwd", "senders -> receiver");
	testbed_aqm_line(f, name, series, "fwd");
	/* A --reverse or --bidir test loads the way back too: it gets its own line. */
	if (series_delta(series, "rev", "bytes_out", NULL) >
	    0.5 * series_delta(series, "fwd", "bytes_out", NULL))
		testbed_dir_line(f, name, series, "rev", "receiver -> senders");
	/* Lateness, CPU wait and steal are per 100 ms period. */
	double span_ns = series_delta(series, NULL, "t_ns", NULL);
	double late99 = 0, late_max = 0, wait = 0, steal = 0;
	size_t i, late_periods = 0;
	const json_t *line;
	json_array_foreach(series, i, line) {
		double p99 = num_at(line, "late_p99_ns", NULL), max = num_at(line, "late_max_ns", NULL);
		if (p99 >= TESTBED_LATE_NOTE_NS)
			late_periods++;
		if (p99 > late99)
			late99 = p99;
		if (max > late_max)
			late_max = max;
		if (i > 0) { /* the first line's period ended before the test began */
			wait += num_at(line, "cpu_wait_ns", NULL);
			steal += num_at(line, "steal_percent", NULL);
		}
	}
	if (late_periods == 0 || (double)late_periods < TESTBED_LATE_NOTE_SHARE * (double)n)
		return;
	double avg_steal = n > 1 ? steal / (double)(n - 1) : 0.0;
	fprintf(f, "Note: in %zu of %zu periods of 100 ms the testbed's forwarder sent packets "
		"0.2 ms or more late at p99 (worst %.2f ms, %.2f ms at most), so the path was not "
		"exactly the configured one then.", late_periods, n, late99 / 1e6, late_max / 1e6);
	/* The two causes it can tell, each with what to do about it. */
	if (span_ns > 0 && wait >= 0.01 * span_ns)
		fprintf(f, " It waited %.3f s for a CPU: a testbed made with --isolate on gives "
			"its forwarder a CPU of its own.", wait / 1e9);
	if (avg_steal >= STEAL_NOTE_PERCENT)
		fprintf(f, " A hypervisor took %.1f%% of the machine's CPU time: repeat when steal "
			"is near 0.", avg_steal);
	fprintf(f, "\n");
}
