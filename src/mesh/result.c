#include "mesh/result.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hist.h"
#include "mesh/counters.h"
#include "mesh/cpuacct.h"
#include "mesh/rank_loop.h"
#include "result/dec.h"
#include "util/clock.h"
#include "util/err.h"

void tl_mesh_tokens_expected(uint32_t tokens, uint64_t *id_sum, uint64_t *id_hash)
{
	*id_sum = (uint64_t)tokens * (tokens - 1) / 2;
	*id_hash = 0;
	for (uint32_t t = 0; t < tokens; t++)
		*id_hash ^= tl_mesh_token_hash(t);
}

/* A rank's final report, read once with the typed getters: a missing or mistyped field is an
 * error naming it, never a 0 that would make the token check or the CPU figures lie. */
struct rank_final {
	uint64_t held, held_id_sum, hops_sent, hops_received, hops_in_window, misrouted, window_ns;
	const char *hash, *host, *netns;
	struct tl_cpu_sample cpu;
	int has_machine;
	uint64_t busy_ticks, idle_ticks, ncpu;
	const json_t *latency, *counters;
};

static int rank_final_decode(const json_t *f, uint32_t i, struct rank_final *r, struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	char w[48], wc[64];
	snprintf(w, sizeof(w), "rank %u final report", i);
	memset(r, 0, sizeof(*r));
	if (!json_is_object(f))
		return tl_dec_fail(&d, "", w, "missing");
	r->held = tl_dec_u64(&d, f, w, "held");
	r->held_id_sum = tl_dec_u64(&d, f, w, "held_id_sum");
	r->hops_sent = tl_dec_u64(&d, f, w, "hops_sent");
	r->hops_received = tl_dec_u64(&d, f, w, "hops_received");
	r->hops_in_window = tl_dec_u64(&d, f, w, "hops_in_window");
	r->misrouted = tl_dec_u64(&d, f, w, "misrouted");
	r->window_ns = tl_dec_u64(&d, f, w, "window_ns");
	r->hash = tl_dec_str(&d, f, w, "held_id_hash");
	r->host = tl_dec_str(&d, f, w, "host_id");
	r->netns = tl_dec_str(&d, f, w, "netns_id");
	r->latency = tl_dec_obj(&d, f, w, "latency");
	const json_t *cpu = tl_dec_obj(&d, f, w, "cpu");
	snprintf(wc, sizeof(wc), "%s.cpu", w);
	r->cpu = (struct tl_cpu_sample){
		.wall_ns = tl_dec_u64(&d, cpu, wc, "wall_ns"), .user_ns = tl_dec_u64(&d, cpu, wc, "user_ns"),
		.sys_ns = tl_dec_u64(&d, cpu, wc, "sys_ns"), .vol_ctx = tl_dec_u64(&d, cpu, wc, "vol_ctx"),
		.invol_ctx = tl_dec_u64(&d, cpu, wc, "invol_ctx"),
	};
	const json_t *mach = tl_dec_obj_opt(&d, f, w, "machine");
	if (mach) {
		snprintf(wc, sizeof(wc), "%s.machine", w);
		r->has_machine = 1;
		r->busy_ticks = tl_dec_u64(&d, mach, wc, "busy_ticks");
		r->idle_ticks = tl_dec_u64(&d, mach, wc, "idle_ticks");
		r->ncpu = tl_dec_u64(&d, mach, wc, "ncpu");
	}
	r->counters = tl_dec_obj_opt(&d, f, w, "counters");
	return tl_dec_failed(&d) ? -1 : 0;
}

static json_t *latency_json(const struct tl_hist *h)
{
	static const double pcts[] = { 50, 90, 99, 99.9 };
	uint64_t v[4];
	tl_hist_percentiles(h, pcts, v, 4);
	return json_pack("{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I}",
			 "count", (json_int_t)tl_hist_count(h), "min", (json_int_t)tl_hist_min(h),
			 "mean", tl_hist_mean(h), "p50", (json_int_t)v[0], "p90", (json_int_t)v[1],
			 "p99", (json_int_t)v[2], "p99_9", (json_int_t)v[3],
			 "max", (json_int_t)tl_hist_max(h));
}

/* Adds one namespace's counter deltas into sum (each namespace once: ranks share them). */
static void add_counters(json_t *sum, const json_t *delta)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)delta, k, v) {
		json_int_t cur = json_integer_value(json_object_get(sum, k));
		json_object_set_new(sum, k, json_integer(cur + json_integer_value(v)));
	}
}

static int seen(json_t *set, const char *id)
{
	if (json_object_get(set, id))
		return 1;
	json_object_set_new(set, id, json_true());
	return 0;
}

/* Rank i's line of per_rank. */
static json_t *rank_json(uint32_t i, const struct rank_final *f)
{
	const struct tl_cpu_sample *d = &f->cpu;
	return json_pack("{s:I, s:I, s:I, s:I, s:f, s:I, s:I}",
		"rank", (json_int_t)i, "hops_received", (json_int_t)f->hops_received,
		"hops_sent", (json_int_t)f->hops_sent, "held", (json_int_t)f->held,
		"cpu_pct", tl_cpu_percent(d), "vol_ctx", (json_int_t)d->vol_ctx,
		"invol_ctx", (json_int_t)d->invol_ctx);
}

/* {"mesh": the ranks' CPU and its cost per hop, "machine": the hosts' busy and idle shares}. */
static json_t *cpu_json(const struct tl_mesh_cpu_input *cin, const struct tl_mesh_cpu_report *cr,
			unsigned nhosts)
{
	return json_pack("{s:{s:f, s:f, s:f, s:f, s:I, s:I, s:f, s:f, s:f}, s:{s:I, s:I, s:f, s:f, s:f}}",
		"mesh", "user_s", (double)cin->mesh.user_ns / 1e9, "sys_s", (double)cin->mesh.sys_ns / 1e9,
		"pct_of_core", cr->mesh_pct_of_core, "pct_of_machine", cr->mesh_pct_of_machine,
		"vol_ctx", (json_int_t)cin->mesh.vol_ctx, "invol_ctx", (json_int_t)cin->mesh.invol_ctx,
		"cpu_ns_per_hop", cr->cpu_ns_per_hop, "vol_ctx_per_hop", cr->vol_ctx_per_hop,
		"invol_ctx_per_hop", cr->invol_ctx_per_hop,
		"machine", "hosts", (json_int_t)nhosts, "ncpu", (json_int_t)cin->ncpu,
		"busy_pct", cr->machine_busy_pct, "idle_pct", cr->machine_idle_pct,
		"other_busy_pct", cr->other_busy_pct);
}

int tl_mesh_result_build(const struct tl_mesh_spec *spec, const json_t *const *finals,
			 const struct tl_mesh_result_meta *meta, json_t **out, struct tl_err *err)
{
	int ret = -1;
	uint32_t n = spec->ranks;
	struct tl_hist *all = tl_hist_new(), *one = tl_hist_new();
	struct tl_mesh_cpu_input cin = { 0 };
	char (*hosts)[40] = calloc(n, sizeof(*hosts));
	unsigned nhosts = 0;
	json_t *per_rank = json_array(), *counters = json_object(), *netns_seen = json_object();
	json_t *r = NULL;
	uint64_t sent = 0, received = 0, in_window = 0, held = 0, id_sum = 0, id_hash = 0;
	uint64_t misrouted = 0, window_ns = 0;
	int have_counters = 0, one_host = 1;
	const char *first_host = "";

	*out = NULL;
	if (!all || !one || !hosts || !per_rank || !counters || !netns_seen) {
		ret = tl_err_set(err, ENOMEM, "results: out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct rank_final f;
		if (rank_final_decode(finals[i], i, &f, err) < 0) {
			err->code = EPROTO;
			goto out;
		}
		if (tl_hist_from_json(one, f.latency, err) < 0) {
			tl_err_prefix(err, "rank %u latency", i);
			goto out;
		}
		tl_hist_merge(all, one);
		sent += f.hops_sent;
		received += f.hops_received;
		in_window += f.hops_in_window;
		held += f.held;
		id_sum += f.held_id_sum;
		id_hash ^= strtoull(f.hash, NULL, 16);
		misrouted += f.misrouted;
		if (f.window_ns > window_ns)
			window_ns = f.window_ns;
		tl_cpu_add(&cin.mesh, &f.cpu);
		if (i == 0)
			first_host = f.host;
		else if (strcmp(f.host, first_host) != 0)
			one_host = 0;
		if (f.has_machine)
			tl_mesh_cpu_add_host(&cin, f.host, f.busy_ticks, f.idle_ticks, (unsigned)f.ncpu,
					     hosts, &nhosts, n);
		if (f.counters && !seen(netns_seen, f.netns)) {
			add_counters(counters, f.counters);
			have_counters = 1;
		}
		json_array_append_new(per_rank, rank_json(i, &f));
	}
	cin.hops = in_window;
	struct tl_mesh_cpu_report cr;
	tl_mesh_cpu_report(&cin, &cr);

	uint64_t want_sum, want_hash;
	tl_mesh_tokens_expected(spec->tokens, &want_sum, &want_hash);
	int conserved = held == spec->tokens && id_sum == want_sum && id_hash == want_hash;
	int complete = !spec->hops || received == spec->hops;
	double window_s = (double)window_ns / 1e9;

	r = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:f, s:f, s:f, s:I, s:f, s:I, s:I}",
		      "transport", tl_mesh_transport_name(spec->transport),
		      "pattern", tl_mesh_pattern_name(spec->pattern), "ranks", (json_int_t)n,
		      "tokens", (json_int_t)spec->tokens, "message_size", (json_int_t)spec->message_size,
		      "seed", (json_int_t)spec->seed, "launch", meta->launch ? meta->launch : "fork",
		      "rendezvous_ms", (double)meta->rendezvous_ns / 1e6,
		      "connect_ms", (double)meta->connect_ns / 1e6, "window_s", window_s,
		      "hops", (json_int_t)in_window,
		      "hops_per_s", window_s > 0 ? (double)in_window / window_s : 0.0,
		      "hops_sent", (json_int_t)sent, "hops_received", (json_int_t)received);
	if (!r) {
		ret = tl_err_set(err, ENOMEM, "results: out of memory");
		goto out;
	}
	if (spec->hops) {
		json_object_set_new(r, "hops_requested", json_integer((json_int_t)spec->hops));
		json_object_set_new(r, "hops_complete", json_boolean(complete));
	}
	if (one_host) {
		json_object_set_new(r, "latency_ns", latency_json(all));
	} else {
		json_object_set_new(r, "latency_ns", json_null());
		json_object_set_new(r, "latency_note", json_string("ranks run on different hosts: a send "
			"time from one host's CLOCK_MONOTONIC means nothing on another"));
	}
	json_object_set_new(r, "cpu", cpu_json(&cin, &cr, nhosts));
	json_object_set(r, "tcp_counters", have_counters ? counters : json_null());
	json_object_set_new(r, "tokens_check", json_pack("{s:I, s:I, s:b, s:b, s:b}",
		"expected", (json_int_t)spec->tokens, "held", (json_int_t)held,
		"id_sum_ok", id_sum == want_sum, "id_hash_ok", id_hash == want_hash,
		"conserved", conserved));
	json_object_set_new(r, "misrouted", json_integer((json_int_t)misrouted));
	json_object_set_new(r, "ok", json_boolean(conserved && sent == received && !misrouted && complete));
	json_object_set(r, "per_rank", per_rank);
	*out = r;
	r = NULL;
	ret = 0;
out:
	json_decref(r);
	json_decref(per_rank);
	json_decref(counters);
	json_decref(netns_seen);
	free(hosts);
	tl_hist_free(all);
	tl_hist_free(one);
	return ret;
}
