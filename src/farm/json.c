#include "farm/json.h"

#include "util/clock.h"

static double per_s(uint64_t n, double secs)
{
	return secs > 0 ? n / secs : 0;
}

static json_t *ports_json(const struct tl_farm_result *r)
{
	if (!r->have_ceiling)
		return json_null();
	const struct tl_port_facts *in = &r->ceiling_in;
	return json_pack("{s:[I,I], s:I, s:I, s:I, s:f, s:i, s:b, s:I, s:b, s:f, s:I, s:s}",
			 "range", (json_int_t)in->port_lo, (json_int_t)in->port_hi,
			 "reserved", (json_int_t)in->reserved,
			 "usable", (json_int_t)r->ceiling.ports,
			 "time_wait_s", (json_int_t)TL_TIME_WAIT_LEN_S,
			 "ceiling_conn_per_s", r->ceiling.no_reuse_per_sec,
			 "tcp_tw_reuse", in->tw_reuse,
			 "tw_reuse_applies", r->ceiling.reuse,
			 "tw_reuse_delay_ms", (json_int_t)in->reuse_delay_ms,
			 "dest_loopback", r->dest_loopback,
			 "ceiling_with_reuse_conn_per_s", r->ceiling.per_sec,
			 "predicted_ceiling_conn_per_s", (json_int_t)r->ceiling.per_sec_floor,
			 "ceiling_reason", r->ceiling.why);
}

static json_t *workers_json(const struct tl_farm_result *r, double secs)
{
	const struct tl_farm_work_stats *w = &r->work;
	double wall = secs * r->spec.workers;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
			 "jobs_computed", (json_int_t)w->jobs,
			 "jobs_returned", (json_int_t)w->jobs_returned,
			 "requests", (json_int_t)w->requests,
			 "connections", (json_int_t)w->connects,
			 "connect_attempts", (json_int_t)w->connect_attempts,
			 "connect_failed", (json_int_t)w->connect_failed,
			 "connect_failed_eaddrnotavail", (json_int_t)w->addr_not_avail,
			 "exchanges_broken", (json_int_t)w->broken,
			 "waits", (json_int_t)w->waits,
			 "requests_per_s", per_s(w->requests, secs),
			 "connections_per_s", per_s(w->connects, secs),
			 "cpu_s", w->cpu_ns / 1e9,
			 "cpu_util_pct", wall > 0 ? w->cpu_ns / 1e9 / wall * 100 : 0.0,
			 "compute_share_pct", w->wall_ns ? 100.0 * w->compute_ns / w->wall_ns : 0.0,
			 "wait_share_pct", w->wall_ns ? 100.0 * (w->wall_ns - w->compute_ns - w->idle_ns)
							  / w->wall_ns : 0.0,
			 "idle_share_pct", w->wall_ns ? 100.0 * w->idle_ns / w->wall_ns : 0.0);
}

static json_t *server_json(const struct tl_farm_result *r, double secs)
{
	const struct tl_farm_server_stats *s = &r->server;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:s?}",
			 "connections_accepted", (json_int_t)s->accepted,
			 "connections_refused", (json_int_t)s->refused,
			 "requests", (json_int_t)s->requests,
			 "malformed", (json_int_t)s->malformed,
			 "handed_out", (json_int_t)s->handed_out,
			 "requeued", (json_int_t)s->requeued,
			 "duplicates", (json_int_t)s->duplicates,
			 "mismatches", (json_int_t)s->mismatches,
			 "requests_per_s", per_s(s->requests, secs),
			 "cpu_pct", secs > 0 ? s->cpu_ns / 1e9 / secs * 100 : 0.0,
			 "first_malformed", r->first_malformed[0] ? r->first_malformed : NULL);
}

static json_t *result_json(const struct tl_farm_result *r)
{
	json_t *o = json_pack("{s:s, s:I}", "verdict", tl_farm_outcome_name(r->outcome),
			      "primes", (json_int_t)r->primes);
	if (!o)
		return NULL;
	if (r->have_server) {
		json_object_set_new(o, "expected", json_integer((json_int_t)r->expected));
		json_object_set_new(o, "jobs_done", json_integer(r->check.done));
		json_object_set_new(o, "jobs_missing", json_integer(r->check.missing));
		json_object_set_new(o, "first_missing_job", json_integer(r->check.first_missing));
		json_object_set_new(o, "duplicates", json_integer((json_int_t)r->check.duplicates));
		json_object_set_new(o, "mismatches", json_integer((json_int_t)r->check.mismatches));
		json_object_set_new(o, "reference", json_string("segmented sieve on the server"));
	} else {
		json_object_set_new(o, "expected", r->work.got_done
			? json_integer((json_int_t)r->work.expected) : json_null());
		json_object_set_new(o, "reference", json_string(r->work.got_done
			? "verified by the server (DONE)" : "no DONE from the server"));
	}
	return o;
}

json_t *tl_farm_result_json(const struct tl_farm_result *r)
{
	static const char *const modes[] = { "both", "serve", "work" };
	const struct tl_farm_spec *s = &r->spec;
	double secs = r->elapsed_ns / 1e9;
	char label[48];
	uint64_t jobs_done = r->have_server ? r->check.done : r->work.jobs_returned;
	json_t *spec = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:f, s:f, s:b}",
				 "mode", modes[s->mode],
				 "label", tl_farm_spec_label(s, label, sizeof(label)),
				 "range_lo", (json_int_t)s->lo, "range_hi", (json_int_t)s->hi,
				 "jobs", (json_int_t)s->jobs, "workers", (json_int_t)s->workers,
				 "batch", (json_int_t)s->batch,
				 "connection", s->persistent ? "persistent" : "per-request",
				 "max_time_s", s->max_time_ns / 1e9,
				 "job_timeout_s", s->job_timeout_ns / 1e9,
				 "isolated", s->isolated);
	json_t *o = json_pack("{s:o, s:s, s:i, s:o, s:f, s:s, s:b, s:f, s:I, s:f, s:o,"
			      " s:{s:I, s:I, s:I, s:I, s:s?}, s:{s:f, s:i}, s:s, s:s, s:s?, s:s?}",
			      "spec", spec,
			      "server", r->server_addr,
			      "port", r->port,
			      "ports", ports_json(r),
			      "elapsed_s", secs,
			      "stopped_by", tl_farm_stop_name(r->stopped_by),
			      "complete", r->outcome != TL_FARM_INCOMPLETE,
			      "jobs_per_s", per_s(jobs_done, secs),
			      "jobs_done", (json_int_t)jobs_done,
			      "reference_ms", r->reference_ns / 1e6,
			      "result", result_json(r),
			      "time_wait", "start", (json_int_t)r->tw_start,
			      "peak", (json_int_t)r->tw_peak,
			      "end", (json_int_t)r->tw_end, "samples", (json_int_t)r->tw_samples,
			      "note", r->tw_note[0] ? r->tw_note : NULL,
			      "machine_cpu", "busy_pct", r->machine_busy_pct, "cpus", (int)r->ncpu,
			      "limited_by", r->limited_by,
			      "summary", r->summary,
			      "connect_failure", r->first_failure[0] ? r->first_failure : NULL,
			      "error", r->error[0] ? r->error : NULL);
	if (!o)
		return NULL;
	json_t *series = json_array();
	for (uint32_t i = 0; i < r->tw_series_n; i++)
		json_array_append_new(series, json_pack("[f, I]", r->tw_series[i].t_ms / 1e3,
							(json_int_t)r->tw_series[i].count));
	json_object_set_new(json_object_get(o, "time_wait"), "series", series);
	if (r->have_workers) {
		json_t *w = workers_json(r, secs);
		json_object_set_new(w, "request_time_us", json_pack(
			"{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "count", (json_int_t)r->lat_count,
			"min", r->lat_min / 1e3, "p50", r->lat_pct[0] / 1e3, "p90", r->lat_pct[1] / 1e3,
			"p99", r->lat_pct[2] / 1e3, "p99.9", r->lat_pct[3] / 1e3,
			"max", r->lat_max / 1e3));
		json_object_set_new(o, "workers", w);
	}
	if (r->have_server)
		json_object_set_new(o, "server_stats", server_json(r, secs));
	if (r->have_ceiling && !s->persistent && s->mode != TL_FARM_MODE_SERVE)
		json_object_set_new(o, "predicted_ceiling_conn_per_s",
				    json_real((double)r->ceiling.per_sec_floor));
	return o;
}
