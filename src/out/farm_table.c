/* The readable end table of farm runs, one column per run, for any number of runs. */
#include "out/farm_table.h"

#include <stdlib.h>
#include <string.h>

#include "util/parse.h"

static const char *grouped(uint64_t v, char *buf, size_t len)
{
	return tl_fmt_count(v, buf, (unsigned)len);
}

/* One row of the end table: a label and a function that fills the cell of one run. */
typedef void (*cell_fn)(const struct tl_farm_result *r, char *buf, size_t len);

static double secs_of(const struct tl_farm_result *r)
{
	return r->elapsed_ns / 1e9;
}

static uint64_t jobs_of(const struct tl_farm_result *r)
{
	return r->have_server ? r->check.done : r->work.jobs_returned;
}

static void c_elapsed(const struct tl_farm_result *r, char *b, size_t n)
{
	snprintf(b, n, "%.2f s (%s)", secs_of(r), tl_farm_stop_name(r->stopped_by));
}

static void c_jobs(const struct tl_farm_result *r, char *b, size_t n)
{
	char x[32], y[32];
	if (r->have_server)
		snprintf(b, n, "%s of %s", grouped(r->check.done, x, sizeof(x)),
			 grouped(r->spec.jobs, y, sizeof(y)));
	else
		snprintf(b, n, "%s returned", grouped(r->work.jobs_returned, x, sizeof(x)));
}

static void c_jobs_rate(const struct tl_farm_result *r, char *b, size_t n)
{
	char x[32];
	grouped(secs_of(r) > 0 ? (uint64_t)(jobs_of(r) / secs_of(r)) : 0, x, sizeof(x));
	snprintf(b, n, "%s", x);
}

static void c_req_rate(const struct tl_farm_result *r, char *b, size_t n)
{
	char x[32], y[32];
	uint64_t req = r->have_workers ? r->work.requests : r->server.requests;
	snprintf(b, n, "%s (%s requests)",
		 grouped(secs_of(r) > 0 ? (uint64_t)(req / secs_of(r)) : 0, x, sizeof(x)),
		 grouped(req, y, sizeof(y)));
}

static void c_conns(const struct tl_farm_result *r, char *b, size_t n)
{
	char x[32];
	grouped(r->have_workers ? r->work.connects : r->server.accepted, x, sizeof(x));
	snprintf(b, n, "%s", x);
}

static void c_failures(const struct tl_farm_result *r, char *b, size_t n)
{
	char x[32], y[32], z[32];
	if (!r->have_workers)
		snprintf(b, n, "-");
	else if (!r->work.connect_failed)
		snprintf(b, n, "0 of %s attempts", grouped(r->work.connect_attempts, x, sizeof(x)));
	else
		snprintf(b, n, "%s of %s (%s EADDRNOTAVAIL)",
			 grouped(r->work.connect_failed, x, sizeof(x)),
			 grouped(r->work.connect_attempts, y, sizeof(y)),
			 grouped(r->work.addr_not_avail, z, sizeof(z)));
}

static void c_tw(const struct tl_farm_result *r, char *b, size_t n)
{
	char x[32], y[32];
	if (r->tw_note[0] && !r->tw_samples)
		snprintf(b, n, "n/a (see JSON)");
	else if (r->have_ceiling)
		snprintf(b, n, "%s of %s ports", grouped(r->tw_peak, x, sizeof(x)),
			 grouped(r->ceiling.ports, y, sizeof(y)));
	else
		snprintf(b, n, "%s", grouped(r->tw_peak, x, sizeof(x)));
}

static void c_latency(const struct tl_farm_result *r, char *b, size_t n)
{
	char x[16], y[16];
	if (!r->have_workers || !r->lat_count)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%s / %s", tl_fmt_duration(r->lat_pct[0], x, sizeof(x)),
			 tl_fmt_duration(r->lat_pct[2], y, sizeof(y)));
}

static void c_cpu(const struct tl_farm_result *r, char *b, size_t n)
{
	double wall = secs_of(r) * r->spec.workers;
	if (!r->have_workers)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.0f%% of %u x wall", wall > 0 ? r->work.cpu_ns / 1e9 / wall * 100 : 0,
			 r->spec.workers);
}

static void c_compute(const struct tl_farm_result *r, char *b, size_t n)
{
	const struct tl_farm_work_stats *w = &r->work;
	if (!r->have_workers || !w->wall_ns)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.0f%% computing, %.0f%% net, %.0f%% idle",
			 100.0 * w->compute_ns / w->wall_ns,
			 100.0 * (w->wall_ns - w->compute_ns - w->idle_ns) / w->wall_ns,
			 100.0 * w->idle_ns / w->wall_ns);
}

static void c_server_cpu(const struct tl_farm_result *r, char *b, size_t n)
{
	if (!r->have_server)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.0f%% of a core",
			 secs_of(r) > 0 ? r->server.cpu_ns / 1e9 / secs_of(r) * 100 : 0);
}

static void c_machine(const struct tl_farm_result *r, char *b, size_t n)
{
	snprintf(b, n, "%.0f%% of %u cores", r->machine_busy_pct, r->ncpu);
}

static void c_requeue(const struct tl_farm_result *r, char *b, size_t n)
{
	if (!r->have_server)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%llu / %llu", (unsigned long long)r->server.requeued,
			 (unsigned long long)r->check.duplicates);
}

static void c_result(const struct tl_farm_result *r, char *b, size_t n)
{
	char x[32], y[32];
	snprintf(b, n, "%s", tl_farm_outcome_name(r->outcome));
	if (r->outcome == TL_FARM_INCOMPLETE)
		snprintf(b, n, "INCOMPLETE (unverified)");
	else if (r->have_server || r->work.got_done)
		snprintf(b, n, "%s %s primes (expected %s)", tl_farm_outcome_name(r->outcome),
			 grouped(r->primes, x, sizeof(x)),
			 grouped(r->have_server ? r->expected : r->work.expected, y, sizeof(y)));
}

static void c_limited(const struct tl_farm_result *r, char *b, size_t n)
{
	snprintf(b, n, "%s", r->limited_by);
}

static const struct {
	const char *label;
	cell_fn fn;
} rows[] = {
	{ "elapsed", c_elapsed },
	{ "jobs done", c_jobs },
	{ "jobs/s", c_jobs_rate },
	{ "requests/s", c_req_rate },
	{ "connections opened", c_conns },
	{ "connect failures", c_failures },
	{ "request p50 / p99", c_latency },
	{ "TIME_WAIT peak", c_tw },
	{ "worker CPU", c_cpu },
	{ "worker time", c_compute },
	{ "server thread CPU", c_server_cpu },
	{ "machine CPU", c_machine },
	{ "requeued / dups", c_requeue },
	{ "result", c_result },
	{ "limited by", c_limited },
};

#define ROWS (sizeof(rows) / sizeof(rows[0]))
#define CELL 96
#define HEAD 48

/* The cells of every run, column by column: n x (ROWS + 1) cells, the head first. */
static char *fill_cells(const struct tl_farm_result *runs, size_t n, int *width)
{
	char *cells = calloc(n * (ROWS + 1), CELL);
	if (!cells)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char *col = cells + i * (ROWS + 1) * CELL;
		tl_farm_spec_label(&runs[i].spec, col, HEAD);
		width[i] = (int)strlen(col);
		for (size_t k = 0; k < ROWS; k++) {
			char *cell = col + (k + 1) * CELL;
			rows[k].fn(&runs[i], cell, CELL);
			if ((int)strlen(cell) > width[i])
				width[i] = (int)strlen(cell);
		}
	}
	return cells;
}

/* The lines under the table: each run's summary, error and note, then the comparison. */
static void print_summaries(FILE *f, const struct tl_farm_result *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n", runs[i].summary);
		if (runs[i].error[0] && runs[i].stopped_by != TL_FARM_STOP_ERROR)
			fprintf(f, "  error: %s\n", runs[i].error);
		if (runs[i].tw_note[0])
			fprintf(f, "  note: %s\n", runs[i].tw_note);
	}
	/* Each later run against the first: what batching (or any change) bought. */
	for (size_t i = 1; i < n; i++) {
		if (secs_of(&runs[0]) <= 0 || secs_of(&runs[i]) <= 0 || !jobs_of(&runs[0]))
			continue;
		char label[32] = "batching"; /* --compare: the second run is the cure */
		if (n > 2)
			snprintf(label, sizeof(label), "run %zu against run 1", i + 1);
		fprintf(f, "%s: %.1fx the jobs/s with %.2g%% of the connections\n", label,
			(jobs_of(&runs[i]) / secs_of(&runs[i])) / (jobs_of(&runs[0]) / secs_of(&runs[0])),
			runs[0].work.connects ? 100.0 * runs[i].work.connects / runs[0].work.connects
					      : 0);
	}
}

int tl_out_farm_table(FILE *f, const struct tl_farm_result *runs, size_t n)
{
	int ret = -1;
	int *width = calloc(n ? n : 1, sizeof(*width));
	char *cells = width ? fill_cells(runs, n, width) : NULL;
	if (!cells)
		goto out;
	fprintf(f, "\n  %-20s", "");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-*s", i + 1 < n ? width[i] : 0, cells + i * (ROWS + 1) * CELL);
	fputc('\n', f);
	for (size_t k = 0; k < ROWS; k++) {
		fprintf(f, "  %-20s", rows[k].label);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "  %-*s", i + 1 < n ? width[i] : 0,
				cells + (i * (ROWS + 1) + k + 1) * CELL);
		fputc('\n', f);
	}
	fputc('\n', f);
	print_summaries(f, runs, n);
	ret = 0;
out:
	free(cells);
	free(width);
	return ret;
}
