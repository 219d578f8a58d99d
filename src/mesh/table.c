#include "mesh/table.h"

#include <string.h>

#include "mesh/counters.h"

#define LABEL_W 26
#define COL_W 14

static double num(const json_t *o, const char *path)
{
	/* "a.b" walks one level down. */
	char key[64];
	const char *dot = strchr(path, '.');
	if (dot) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		return num(json_object_get(o, key), dot + 1);
	}
	return json_number_value(json_object_get(o, path));
}

static void fmt_ns(double ns, char *buf, size_t len)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

static void fmt_count(double v, char *buf, size_t len)
{
	if (v >= 1e7)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

enum kind { K_COUNT, K_NS, K_PCT, K_RATIO, K_MS };

static void cell(const json_t *run, const char *path, enum kind k, char *buf, size_t len)
{
	double v = num(run, path);
	switch (k) {
	case K_COUNT: fmt_count(v, buf, len); break;
	case K_NS: fmt_ns(v, buf, len); break;
	case K_PCT: snprintf(buf, len, "%.1f%%", v); break;
	case K_RATIO: snprintf(buf, len, "%.3f", v); break;
	case K_MS: snprintf(buf, len, "%.1fms", v); break;
	}
}

static void row(FILE *f, const char *label, const json_t *const *runs, size_t n, const char *path,
		enum kind k)
{
	char buf[32];
	fprintf(f, "%-*s", LABEL_W, label);
	for (size_t i = 0; i < n; i++) {
		cell(runs[i], path, k, buf, sizeof(buf));
		fprintf(f, " %*s", COL_W, buf);
	}
	fputc('\n', f);
}

static void latency_row(FILE *f, const char *label, const json_t *const *runs, size_t n,
			const char *key)
{
	char buf[32];
	fprintf(f, "%-*s", LABEL_W, label);
	for (size_t i = 0; i < n; i++) {
		const json_t *lat = json_object_get(runs[i], "latency_ns");
		if (json_is_object(lat))
			fmt_ns(num(lat, key), buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "n/a");
		fprintf(f, " %*s", COL_W, buf);
	}
	fputc('\n', f);
}

static void counter_rows(FILE *f, const json_t *const *runs, size_t n)
{
	int any = 0;
	for (size_t i = 0; i < n; i++)
		any |= json_is_object(json_object_get(runs[i], "tcp_counters"));
	if (!any)
		return;
	fprintf(f, "kernel TCP counters (deltas in the window; the whole network namespace)\n");
	for (unsigned c = 0; c < TL_MESH_COUNTERS; c++) {
		const char *name = tl_mesh_counter_name(c);
		char label[48], buf[32];
		snprintf(label, sizeof(label), "  %s", name);
		fprintf(f, "%-*s", LABEL_W, label);
		for (size_t i = 0; i < n; i++) {
			const json_t *ctr = json_object_get(runs[i], "tcp_counters");
			const json_t *v = json_object_get(ctr, name);
			if (v)
				fmt_count((double)json_integer_value(v), buf, sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "-");
			fprintf(f, " %*s", COL_W, buf);
		}
		fputc('\n', f);
	}
	fprintf(f, "%-*s", LABEL_W, "  data segments per hop");
	for (size_t i = 0; i < n; i++) {
		char buf[32] = "-";
		const json_t *v = json_object_get(json_object_get(runs[i], "tcp_counters"), "TCPOrigDataSent");
		double hops = num(runs[i], "hops_sent");
		if (v && hops > 0)
			snprintf(buf, sizeof(buf), "%.3f", (double)json_integer_value(v) / hops);
		fprintf(f, " %*s", COL_W, buf);
	}
	fputc('\n', f);
}

void tl_mesh_table(FILE *f, const json_t *const *runs, size_t n)
{
	if (n == 0)
		return;
	const json_t *r0 = runs[0];
	const char *launch = json_string_value(json_object_get(r0, "launch"));
	long long tokens = json_integer_value(json_object_get(r0, "tokens"));
	fprintf(f, "tcplab mesh: %lld ranks (%s), %lld token%s, pattern %s (seed %lld), "
		"%lld-byte messages\n\n",
		json_integer_value(json_object_get(r0, "ranks")), launch ? launch : "?", tokens,
		tokens == 1 ? "" : "s", json_string_value(json_object_get(r0, "pattern")),
		json_integer_value(json_object_get(r0, "seed")),
		json_integer_value(json_object_get(r0, "message_size")));
	fprintf(f, "%-*s", LABEL_W, "");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %*s", COL_W, json_string_value(json_object_get(runs[i], "transport")));
	fputc('\n', f);
	row(f, "window", runs, n, "window_s", K_RATIO);
	row(f, "hops", runs, n, "hops", K_COUNT);
	row(f, "hops/s", runs, n, "hops_per_s", K_COUNT);
	latency_row(f, "latency per hop p50", runs, n, "p50");
	latency_row(f, "                p90", runs, n, "p90");
	latency_row(f, "                p99", runs, n, "p99");
	latency_row(f, "                p99.9", runs, n, "p99_9");
	latency_row(f, "                max", runs, n, "max");
	row(f, "machine CPU busy", runs, n, "cpu.machine.busy_pct", K_PCT);
	row(f, "machine CPU idle", runs, n, "cpu.machine.idle_pct", K_PCT);
	row(f, "mesh CPU (% of machine)", runs, n, "cpu.mesh.pct_of_machine", K_PCT);
	row(f, "mesh CPU (% of one core)", runs, n, "cpu.mesh.pct_of_core", K_PCT);
	row(f, "mesh CPU per hop", runs, n, "cpu.mesh.cpu_ns_per_hop", K_NS);
	row(f, "voluntary ctx sw / hop", runs, n, "cpu.mesh.vol_ctx_per_hop", K_RATIO);
	row(f, "involuntary ctx sw / hop", runs, n, "cpu.mesh.invol_ctx_per_hop", K_RATIO);
	counter_rows(f, runs, n);
	row(f, "connect phase", runs, n, "connect_ms", K_MS);
	fprintf(f, "%-*s", LABEL_W, "tokens held at the end");
	for (size_t i = 0; i < n; i++) {
		const json_t *tc = json_object_get(runs[i], "tokens_check");
		char buf[40];
		long long held = json_integer_value(json_object_get(tc, "held"));
		long long want = json_integer_value(json_object_get(tc, "expected"));
		const char *verdict = json_is_true(json_object_get(tc, "conserved")) ? "ok"
				      : held < want ? "LOST" : held > want ? "DUPLICATED" : "WRONG IDS";
		snprintf(buf, sizeof(buf), "%lld/%lld %s", held, want, verdict);
		fprintf(f, " %*s", COL_W, buf);
	}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		const json_t *r = runs[i];
		const char *t = json_string_value(json_object_get(r, "transport"));
		if (json_is_false(json_object_get(r, "hops_complete")))
			fprintf(f, "%s: only %lld of %lld hops were made before --max-time\n", t,
				json_integer_value(json_object_get(r, "hops_received")),
				json_integer_value(json_object_get(r, "hops_requested")));
		if (json_integer_value(json_object_get(r, "misrouted")))
			fprintf(f, "%s: %lld tokens arrived off their all-to-all tour\n", t,
				json_integer_value(json_object_get(r, "misrouted")));
		if (json_integer_value(json_object_get(r, "hops_sent")) !=
		    json_integer_value(json_object_get(r, "hops_received")))
			fprintf(f, "%s: %lld messages sent but %lld received\n", t,
				json_integer_value(json_object_get(r, "hops_sent")),
				json_integer_value(json_object_get(r, "hops_received")));
		const char *note = json_string_value(json_object_get(r, "latency_note"));
		if (note)
			fprintf(f, "%s: latency n/a: %s\n", t, note);
	}
}

void tl_mesh_table_ranks(FILE *f, const json_t *run)
{
	const json_t *pr = json_object_get(run, "per_rank");
	size_t i;
	const json_t *r;
	fprintf(f, "\n%s, per rank:\n%6s %12s %12s %6s %8s %10s %10s\n",
		json_string_value(json_object_get(run, "transport")), "rank", "received", "sent", "held",
		"CPU", "vol ctx", "invol ctx");
	json_array_foreach(pr, i, r) {
		fprintf(f, "%6lld %12lld %12lld %6lld %7.1f%% %10lld %10lld\n",
			json_integer_value(json_object_get(r, "rank")),
			json_integer_value(json_object_get(r, "hops_received")),
			json_integer_value(json_object_get(r, "hops_sent")),
			json_integer_value(json_object_get(r, "held")),
			json_number_value(json_object_get(r, "cpu_pct")),
			json_integer_value(json_object_get(r, "vol_ctx")),
			json_integer_value(json_object_get(r, "invol_ctx")));
	}
}
