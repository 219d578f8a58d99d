/* Readable output of rr and crr: transactions/s and latency percentiles per interval. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "out/render.h"
#include "measure/hist.h"
#include "util/parse.h"

static const char *dur(uint64_t ns, char *buf, unsigned len)
{
	return tl_fmt_duration(ns, buf, len);
}

static int is_crr(const struct tl_res_spec *spec)
{
	return strcmp(spec->workload, "crr") == 0;
}

void tl_txn_table_start(FILE *f, const struct tl_res_start *start)
{
	const struct tl_res_spec *spec = &start->spec;
	int crr = is_crr(spec);
	char rq[32], rs[32], t[32];
	fprintf(f, "tcplab %s to %s port %d: %d flow(s), %s request / %s response, ", spec->workload,
		start->host, start->port, (int)spec->flows,
		tl_fmt_size((double)spec->request_size, rq, sizeof(rq)),
		tl_fmt_size((double)spec->response_size, rs, sizeof(rs)));
	if (spec->rate > 0)
		fprintf(f, "open loop at %.0f %s/s, ", (double)spec->rate, crr ? "connections" : "transactions");
	else
		fprintf(f, "closed loop, ");
	fprintf(f, "%s\n", tl_fmt_duration(spec->duration_ns, t, sizeof(t)));
	if (crr) {
		const struct tl_res_crr_ceiling *c = &start->crr;
		fprintf(f, "%d request(s) per connection, %s closes first%s; ceiling from TIME_WAIT: %d ports "
			"/ %g s = ~%d new connections/s per destination (%s)\n", (int)spec->requests_per_conn,
			spec->close, spec->linger0 ? " with an RST (--linger0)" : "",
			(int)c->ports_usable, c->port_hold_seconds,
			(int)c->predicted_max_connections_per_second,
			c->ceiling_reason ? c->ceiling_reason : "(null)");
	}
	for (size_t i = 0; i < start->nwarnings; i++)
		fprintf(f, "warning: %s\n", start->warnings[i]);
	if (spec->interval_ns > 0) {
		fprintf(f, "%-15s %11s %9s %9s %9s %9s %9s", "interval", "trans/s", "p50", "p90", "p99",
			"p99.9", "max");
		if (crr)
			fprintf(f, " %9s %9s %7s %9s %9s", "conn/s", "conn p99", "failed", "TIME_WAIT", "ports free");
		fputc('\n', f);
	}
}

static uint64_t connect_failures(const struct tl_txn_crr *c)
{
	return c->fail_addrnotavail + c->fail_refused + c->fail_timedout + c->fail_other;
}

void tl_txn_table_interval(FILE *f, const struct tl_txn_interval *iv)
{
	const struct tl_txn_sum *sum = &iv->sum;
	const struct tl_txn_latency *lat = &sum->latency;
	char span[40], a[24], b[24], c[24], d[24], e[24];
	snprintf(span, sizeof(span), "%.2f-%.2f s", iv->start, iv->end);
	fprintf(f, "%-15s %11.0f %9s %9s %9s %9s %9s", span, sum->transactions_per_second,
		dur(lat->p50_ns, a, sizeof(a)), dur(lat->p90_ns, b, sizeof(b)), dur(lat->p99_ns, c, sizeof(c)),
		dur(lat->p999_ns, d, sizeof(d)), dur(lat->max_ns, e, sizeof(e)));
	if (sum->crr.present) {
		const struct tl_txn_crr *cr = &sum->crr;
		char p[24];
		fprintf(f, " %9.0f %9s %7.0f %9.0f", cr->connects_per_second,
			dur(cr->connect_latency.p99_ns, p, sizeof(p)), (double)connect_failures(cr),
			(double)cr->time_wait_client);
		if (cr->has_ports_free)
			fprintf(f, " %9.0f", (double)cr->ports_free);
	}
	fputc('\n', f);
	fflush(f);
}

static void connections_lines(FILE *f, const struct tl_txn_crr *cr)
{
	char a[24], b[24];
	fprintf(f, "Connections: %.0f/s (%.0f); connect p50 %s, p99 %s; failed: %.0f EADDRNOTAVAIL, "
		"%.0f refused, %.0f timed out, %.0f other\n", cr->connects_per_second, (double)cr->connects,
		dur(cr->connect_latency.p50_ns, a, sizeof(a)), dur(cr->connect_latency.p99_ns, b, sizeof(b)),
		(double)cr->fail_addrnotavail, (double)cr->fail_refused, (double)cr->fail_timedout,
		(double)cr->fail_other);
	fprintf(f, "TIME_WAIT: peak %.0f on the client (towards this port), %.0f on the agent's host\n",
		(double)cr->time_wait_peak_client, (double)cr->time_wait_peak_agent_host);
}

void tl_txn_table_end(FILE *f, const struct tl_txn_result *r)
{
	const struct tl_txn_end *end = &r->end;
	const struct tl_txn_sum *sum = &end->sum;
	const struct tl_txn_latency *lat = &sum->latency;
	const struct tl_res_flows *fl = &sum->flows;
	char a[24], b[24], c[24], d[24], e[24], g[24];
	/* A test that never started has nothing to sum up, and its error is the command's,
	 * said once on standard error: the table stays empty. */
	if (!(r->has_end && r->start.started))
		return;
	fprintf(f, "\nTotal: %.0f transactions/s (%.0f in %.2f s) over %d flow(s): per flow min %.0f, "
		"median %.0f, max %.0f, Jain's fairness %.4f\n", sum->transactions_per_second,
		(double)sum->transactions, sum->seconds, (int)fl->count, fl->min, fl->median, fl->max,
		fl->jain);
	fprintf(f, "Latency: min %s, p50 %s, p90 %s, p99 %s, p99.9 %s, max %s (%.0f samples)\n",
		dur(lat->min_ns, a, sizeof(a)), dur(lat->p50_ns, b, sizeof(b)),
		dur(lat->p90_ns, c, sizeof(c)), dur(lat->p99_ns, d, sizeof(d)),
		dur(lat->p999_ns, e, sizeof(e)), dur(lat->max_ns, g, sizeof(g)), (double)lat->count);
	if (sum->crr.present)
		connections_lines(f, &sum->crr);
	fprintf(f, "CPU: client %.0f%%, agent %.0f%% (of one core, traffic threads)\n", end->cpu_client,
		end->cpu_agent);
	tl_table_machine_note(f, &end->client, &end->agent);
	if (end->failed_flows > 0)
		fprintf(f, "Failed flows: %d\n", (int)end->failed_flows);
	if (r->interrupted)
		fprintf(f, "Interrupted (Ctrl-C): the figures cover the %.2f s measured until then "
			"(exit status 130)\n", sum->seconds);
	/* under figures, the error says why they stop where they do */
	if (r->error)
		fprintf(f, "error: %s\n", r->error);
}

void tl_txn_csv_header(FILE *f)
{
	fprintf(f, "interval,start_s,end_s,transactions,transactions_per_second,p50_ns,p90_ns,p99_ns,p999_ns,"
		"max_ns,connects,connect_p99_ns,connect_failures,time_wait,ports_free\n");
}

void tl_txn_csv_interval(FILE *f, const struct tl_txn_interval *iv)
{
	const struct tl_txn_sum *sum = &iv->sum;
	const struct tl_txn_latency *lat = &sum->latency;
	const struct tl_txn_crr *cr = &sum->crr;
	fprintf(f, "%" PRIu64 ",%.6f,%.6f,%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
		iv->k, iv->start, iv->end, sum->transactions, sum->transactions_per_second, lat->p50_ns,
		lat->p90_ns, lat->p99_ns, lat->p999_ns, lat->max_ns, cr->connects,
		cr->connect_latency.p99_ns, connect_failures(cr), cr->time_wait_client, cr->ports_free);
	fflush(f);
}

static int print_bucket(uint64_t lo, uint64_t hi, uint64_t count, void *ctx)
{
	fprintf(ctx, "%llu,%llu,%llu\n", (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)count);
	return 0;
}

void tl_hist_print_csv(FILE *f, const struct tl_hist *h)
{
	fprintf(f, "low_ns,high_ns,count\n");
	tl_hist_foreach(h, print_bucket, f);
}
