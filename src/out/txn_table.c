/* Readable output of rr and crr: transactions/s and latency percentiles per interval. */
#include <stdio.h>
#include <string.h>

#include "out/render.h"
#include "measure/hist.h"
#include "util/parse.h"

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

static const char *dur(const json_t *lat, const char *key, char *buf, unsigned len)
{
	return tl_fmt_duration((uint64_t)num(lat, key), buf, len);
}

void tl_txn_table_start(FILE *f, const json_t *start)
{
	const json_t *spec = json_object_get(start, "test_start");
	const json_t *to = json_object_get(start, "connecting_to");
	const char *wl = json_string_value(json_object_get(spec, "workload"));
	int crr = wl && strcmp(wl, "crr") == 0;
	char rq[32], rs[32], t[32];
	fprintf(f, "tcplab %s to %s port %d: %d flow(s), %s request / %s response, ", wl ? wl : "rr",
		json_string_value(json_object_get(to, "host")), (int)num(to, "port"), (int)num(spec, "flows"),
		tl_fmt_size(num(spec, "request_size"), rq, sizeof(rq)),
		tl_fmt_size(num(spec, "response_size"), rs, sizeof(rs)));
	if (num(spec, "rate") > 0)
		fprintf(f, "open loop at %.0f %s/s, ", num(spec, "rate"), crr ? "connections" : "transactions");
	else
		fprintf(f, "closed loop, ");
	fprintf(f, "%s\n", tl_fmt_duration((uint64_t)num(spec, "duration_ns"), t, sizeof(t)));
	if (crr) {
		const json_t *c = json_object_get(start, "crr");
		fprintf(f, "%d request(s) per connection, %s closes first%s; ceiling from TIME_WAIT: %d ports "
			"/ %g s = ~%d new connections/s per destination (%s)\n", (int)num(spec, "requests_per_conn"),
			json_string_value(json_object_get(spec, "close")),
			json_is_true(json_object_get(spec, "linger0")) ? " with an RST (--linger0)" : "",
			(int)num(c, "ports_usable"), num(c, "port_hold_seconds"),
			(int)num(c, "predicted_max_connections_per_second"),
			json_string_value(json_object_get(c, "ceiling_reason")));
	}
	const json_t *w;
	size_t i;
	json_array_foreach(json_object_get(start, "warnings"), i, w)
		fprintf(f, "warning: %s\n", json_string_value(w));
	if (num(spec, "interval_ns") > 0) {
		fprintf(f, "%-15s %11s %9s %9s %9s %9s %9s", "interval", "trans/s", "p50", "p90", "p99",
			"p99.9", "max");
		if (crr)
			fprintf(f, " %9s %9s %7s %9s %9s", "conn/s", "conn p99", "failed", "TIME_WAIT", "ports free");
		fputc('\n', f);
	}
}

void tl_txn_table_interval(FILE *f, const json_t *iv)
{
	const json_t *sum = json_object_get(iv, "sum"), *lat = json_object_get(sum, "latency");
	char span[40], a[24], b[24], c[24], d[24], e[24];
	snprintf(span, sizeof(span), "%.2f-%.2f s", num(iv, "start"), num(iv, "end"));
	fprintf(f, "%-15s %11.0f %9s %9s %9s %9s %9s", span, num(sum, "transactions_per_second"),
		dur(lat, "p50_ns", a, sizeof(a)), dur(lat, "p90_ns", b, sizeof(b)), dur(lat, "p99_ns", c, sizeof(c)),
		dur(lat, "p999_ns", d, sizeof(d)), dur(lat, "max_ns", e, sizeof(e)));
	if (json_object_get(sum, "connects")) {
		const json_t *fails = json_object_get(sum, "connect_failures");
		double failed = num(fails, "addrnotavail") + num(fails, "refused") + num(fails, "timedout") +
				num(fails, "other");
		char p[24];
		fprintf(f, " %9.0f %9s %7.0f %9.0f", num(sum, "connects_per_second"),
			dur(json_object_get(sum, "connect_latency"), "p99_ns", p, sizeof(p)), failed,
			num(sum, "time_wait_client"));
		if (json_object_get(sum, "ports_free"))
			fprintf(f, " %9.0f", num(sum, "ports_free"));
	}
	fputc('\n', f);
	fflush(f);
}

void tl_txn_table_end(FILE *f, const json_t *doc)
{
	const json_t *end = json_object_get(doc, "end");
	const json_t *sum = json_object_get(end, "sum"), *lat = json_object_get(sum, "latency");
	const json_t *fl = json_object_get(sum, "flows");
	char a[24], b[24], c[24], d[24], e[24], g[24];
	/* a test that never started has nothing to sum up: the error alone (below) */
	if (end && json_object_get(json_object_get(doc, "start"), "start_monotonic_ns")) {
		fprintf(f, "\nTotal: %.0f transactions/s (%.0f in %.2f s) over %d flow(s): per flow min %.0f, "
			"median %.0f, max %.0f, Jain's fairness %.4f\n", num(sum, "transactions_per_second"),
			num(sum, "transactions"), num(sum, "seconds"), (int)num(fl, "count"), num(fl, "min"),
			num(fl, "median"), num(fl, "max"), num(fl, "jain"));
		fprintf(f, "Latency: min %s, p50 %s, p90 %s, p99 %s, p99.9 %s, max %s (%.0f samples)\n",
			dur(lat, "min_ns", a, sizeof(a)), dur(lat, "p50_ns", b, sizeof(b)),
			dur(lat, "p90_ns", c, sizeof(c)), dur(lat, "p99_ns", d, sizeof(d)),
			dur(lat, "p999_ns", e, sizeof(e)), dur(lat, "max_ns", g, sizeof(g)), num(lat, "count"));
		if (json_object_get(sum, "connects")) {
			const json_t *cl = json_object_get(sum, "connect_latency"), *fails = json_object_get(sum, "connect_failures");
			fprintf(f, "Connections: %.0f/s (%.0f); connect p50 %s, p99 %s; failed: %.0f EADDRNOTAVAIL, "
				"%.0f refused, %.0f timed out, %.0f other\n", num(sum, "connects_per_second"),
				num(sum, "connects"), dur(cl, "p50_ns", a, sizeof(a)), dur(cl, "p99_ns", b, sizeof(b)),
				num(fails, "addrnotavail"), num(fails, "refused"), num(fails, "timedout"), num(fails, "other"));
			fprintf(f, "TIME_WAIT: peak %.0f on the client (towards this port), %.0f on the agent's host\n",
				num(sum, "time_wait_peak_client"), num(sum, "time_wait_peak_agent_host"));
		}
		const json_t *cpu = json_object_get(end, "cpu_utilization_percent");
		fprintf(f, "CPU: client %.0f%%, agent %.0f%% (of one core, traffic threads)\n", num(cpu, "client"),
			num(cpu, "agent"));
		tl_table_machine_note(f, end);
		if (num(end, "failed_flows") > 0)
			fprintf(f, "Failed flows: %d\n", (int)num(end, "failed_flows"));
		if (json_is_true(json_object_get(doc, "interrupted")))
			fprintf(f, "Interrupted (Ctrl-C): the figures cover the %.2f s measured until then "
				"(exit status 130)\n", num(sum, "seconds"));
	}
	const char *err = json_string_value(json_object_get(doc, "error"));
	if (err)
		fprintf(f, "error: %s\n", err);
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
