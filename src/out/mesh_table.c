/* The mesh table from decoded runs (result/mesh.h): one column per run, one row per figure. */
#include "out/mesh_table.h"

#include <inttypes.h>
#include <string.h>

#define LABEL_W 26
#define COL_W 14

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

/* One getter per row keeps the table below a plain list of rows. */
typedef double (*figure_fn)(const struct tl_mesh_res_run *r);

static double f_window(const struct tl_mesh_res_run *r) { return r->window_s; }
static double f_hops(const struct tl_mesh_res_run *r) { return (double)r->hops; }
static double f_hops_per_s(const struct tl_mesh_res_run *r) { return r->hops_per_s; }
static double f_busy(const struct tl_mesh_res_run *r) { return r->cpu.busy_pct; }
static double f_idle(const struct tl_mesh_res_run *r) { return r->cpu.idle_pct; }
static double f_of_machine(const struct tl_mesh_res_run *r) { return r->cpu.pct_of_machine; }
static double f_of_core(const struct tl_mesh_res_run *r) { return r->cpu.pct_of_core; }
static double f_cpu_hop(const struct tl_mesh_res_run *r) { return r->cpu.cpu_ns_per_hop; }
static double f_vol_hop(const struct tl_mesh_res_run *r) { return r->cpu.vol_ctx_per_hop; }
static double f_invol_hop(const struct tl_mesh_res_run *r) { return r->cpu.invol_ctx_per_hop; }
static double f_connect(const struct tl_mesh_res_run *r) { return r->connect_ms; }
static double l_p50(const struct tl_mesh_res_run *r) { return (double)r->latency.p50; }
static double l_p90(const struct tl_mesh_res_run *r) { return (double)r->latency.p90; }
static double l_p99(const struct tl_mesh_res_run *r) { return (double)r->latency.p99; }
static double l_p99_9(const struct tl_mesh_res_run *r) { return (double)r->latency.p99_9; }
static double l_max(const struct tl_mesh_res_run *r) { return (double)r->latency.max; }

static void cell(double v, enum kind k, char *buf, size_t len)
{
	switch (k) {
	case K_COUNT: fmt_count(v, buf, len); break;
	case K_NS: fmt_ns(v, buf, len); break;
	case K_PCT: snprintf(buf, len, "%.1f%%", v); break;
	case K_RATIO: snprintf(buf, len, "%.3f", v); break;
	case K_MS: snprintf(buf, len, "%.1fms", v); break;
	}
}

static void row(FILE *f, const char *label, const struct tl_mesh_res_run *runs, size_t n,
		figure_fn fig, enum kind k)
{
	char buf[32];
	fprintf(f, "%-*s", LABEL_W, label);
	for (size_t i = 0; i < n; i++) {
		cell(fig(&runs[i]), k, buf, sizeof(buf));
		fprintf(f, " %*s", COL_W, buf);
	}
	fputc('\n', f);
}

/* Latency is n/a where the ranks ran on hosts with different clocks. */
static void latency_row(FILE *f, const char *label, const struct tl_mesh_res_run *runs, size_t n,
			figure_fn fig)
{
	char buf[32];
	fprintf(f, "%-*s", LABEL_W, label);
	for (size_t i = 0; i < n; i++) {
		if (runs[i].has_latency)
			fmt_ns(fig(&runs[i]), buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "n/a");
		fprintf(f, " %*s", COL_W, buf);
	}
	fputc('\n', f);
}

/* The index of TCPOrigDataSent among the mesh's counters, or -1. */
static int orig_data_sent(void)
{
	for (unsigned c = 0; c < TL_MESH_COUNTERS; c++)
		if (strcmp(tl_mesh_counter_name(c), "TCPOrigDataSent") == 0)
			return (int)c;
	return -1;
}

static void counter_rows(FILE *f, const struct tl_mesh_res_run *runs, size_t n)
{
	int any = 0;
	for (size_t i = 0; i < n; i++)
		any |= runs[i].has_counters;
	if (!any)
		return;
	fprintf(f, "kernel TCP counters (deltas in the window; the whole network namespace)\n");
	for (unsigned c = 0; c < TL_MESH_COUNTERS; c++) {
		char label[48], buf[32];
		snprintf(label, sizeof(label), "  %s", tl_mesh_counter_name(c));
		fprintf(f, "%-*s", LABEL_W, label);
		for (size_t i = 0; i < n; i++) {
			if (runs[i].has_counter[c])
				fmt_count((double)runs[i].counter[c], buf, sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "-");
			fprintf(f, " %*s", COL_W, buf);
		}
		fputc('\n', f);
	}
	int sent = orig_data_sent();
	fprintf(f, "%-*s", LABEL_W, "  data segments per hop");
	for (size_t i = 0; i < n; i++) {
		char buf[32] = "-";
		const struct tl_mesh_res_run *r = &runs[i];
		if (sent >= 0 && r->has_counter[sent] && r->hops_sent > 0)
			snprintf(buf, sizeof(buf), "%.3f", (double)r->counter[sent] / (double)r->hops_sent);
		fprintf(f, " %*s", COL_W, buf);
	}
	fputc('\n', f);
}

static void tokens_row(FILE *f, const struct tl_mesh_res_run *runs, size_t n)
{
	fprintf(f, "%-*s", LABEL_W, "tokens held at the end");
	for (size_t i = 0; i < n; i++) {
		const struct tl_mesh_res_run *r = &runs[i];
		uint64_t held = r->tokens_held, want = r->tokens_expected;
		const char *verdict = r->conserved ? "ok" : held < want ? "LOST"
				      : held > want ? "DUPLICATED" : "WRONG IDS";
		char buf[64];
		snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64 " %s", held, want, verdict);
		fprintf(f, " %*s", COL_W, buf);
	}
	fputc('\n', f);
}

/* A line for each check a run failed, and why its latency is missing. */
static void run_notes(FILE *f, const struct tl_mesh_res_run *r)
{
	const char *t = r->transport;
	if (r->has_hops_requested && !r->hops_complete)
		fprintf(f, "%s: only %" PRIu64 " of %" PRIu64 " hops were made before --max-time\n", t,
			r->hops_received, r->hops_requested);
	if (r->misrouted)
		fprintf(f, "%s: %" PRIu64 " tokens arrived off their all-to-all tour\n", t, r->misrouted);
	if (r->hops_sent != r->hops_received)
		fprintf(f, "%s: %" PRIu64 " messages sent but %" PRIu64 " received\n", t, r->hops_sent,
			r->hops_received);
	if (r->latency_note)
		fprintf(f, "%s: latency n/a: %s\n", t, r->latency_note);
}

void tl_out_mesh_table(FILE *f, const struct tl_mesh_res_run *runs, size_t n)
{
	if (n == 0)
		return;
	const struct tl_mesh_res_run *r0 = &runs[0];
	fprintf(f, "tcplab mesh: %" PRIu64 " ranks (%s), %" PRIu64 " token%s, pattern %s (seed %" PRIu64
		"), %" PRIu64 "-byte messages\n\n", r0->ranks, r0->launch, r0->tokens,
		r0->tokens == 1 ? "" : "s", r0->pattern, r0->seed, r0->message_size);
	fprintf(f, "%-*s", LABEL_W, "");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %*s", COL_W, runs[i].transport);
	fputc('\n', f);
	row(f, "window", runs, n, f_window, K_RATIO);
	row(f, "hops", runs, n, f_hops, K_COUNT);
	row(f, "hops/s", runs, n, f_hops_per_s, K_COUNT);
	latency_row(f, "latency per hop p50", runs, n, l_p50);
	latency_row(f, "                p90", runs, n, l_p90);
	latency_row(f, "                p99", runs, n, l_p99);
	latency_row(f, "                p99.9", runs, n, l_p99_9);
	latency_row(f, "                max", runs, n, l_max);
	row(f, "machine CPU busy", runs, n, f_busy, K_PCT);
	row(f, "machine CPU idle", runs, n, f_idle, K_PCT);
	row(f, "mesh CPU (% of machine)", runs, n, f_of_machine, K_PCT);
	row(f, "mesh CPU (% of one core)", runs, n, f_of_core, K_PCT);
	row(f, "mesh CPU per hop", runs, n, f_cpu_hop, K_NS);
	row(f, "voluntary ctx sw / hop", runs, n, f_vol_hop, K_RATIO);
	row(f, "involuntary ctx sw / hop", runs, n, f_invol_hop, K_RATIO);
	counter_rows(f, runs, n);
	row(f, "connect phase", runs, n, f_connect, K_MS);
	tokens_row(f, runs, n);
	for (size_t i = 0; i < n; i++)
		run_notes(f, &runs[i]);
}

void tl_out_mesh_ranks(FILE *f, const struct tl_mesh_res_run *run)
{
	fprintf(f, "\n%s, per rank:\n%6s %12s %12s %6s %8s %10s %10s\n", run->transport, "rank",
		"received", "sent", "held", "CPU", "vol ctx", "invol ctx");
	for (size_t i = 0; i < run->nranks; i++) {
		const struct tl_mesh_res_rank *k = &run->per_rank[i];
		fprintf(f, "%6" PRIu64 " %12" PRIu64 " %12" PRIu64 " %6" PRIu64 " %7.1f%% %10" PRIu64
			" %10" PRIu64 "\n", k->rank, k->hops_received, k->hops_sent, k->held, k->cpu_pct,
			k->vol_ctx, k->invol_ctx);
	}
}
