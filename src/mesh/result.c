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
#include "util/clock.h"
#include "util/err.h"

void tl_mesh_tokens_expected(uint32_t tokens, uint64_t *id_sum, uint64_t *id_hash)
{
	*id_sum = (uint64_t)tokens * (tokens - 1) / 2;
	*id_hash = 0;
	for (uint32_t t = 0; t < tokens; t++)
		*id_hash ^= tl_mesh_token_hash(t);
}

static uint64_t uget(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (uint64_t)v : 0;
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

/* A rank's CPU over the test, from its final report's "cpu". */
static struct tl_cpu_sample rank_cpu(const json_t *cpu)
{
	return (struct tl_cpu_sample){
		.wall_ns = uget(cpu, "wall_ns"), .user_ns = uget(cpu, "user_ns"),
		.sys_ns = uget(cpu, "sys_ns"), .vol_ctx = uget(cpu, "vol_ctx"),
		.invol_ctx = uget(cpu, "invol_ctx"),
	};
}

/* Rank i's line of per_rank. */
static json_t *rank_json(uint32_t i, const json_t *f, const struct tl_cpu_sample *d)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:f, s:I, s:I}",
		"rank", (json_int_t)i, "hops_received", (json_int_t)uget(f, "hops_received"),
		"hops_sent", (json_int_t)uget(f, "hops_sent"), "held", (json_int_t)uget(f, "held"),
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
		const json_t *f = finals[i];
		const json_t *cpu = json_object_get(f, "cpu");
		const char *host = json_string_value(json_object_get(f, "host_id"));
		const char *netns = json_string_value(json_object_get(f, "netns_id"));
		const char *hash = json_string_value(json_object_get(f, "held_id_hash"));
		if (!json_is_object(cpu) || !host || !netns || !hash) {
			ret = tl_err_set(err, EPROTO, "rank %u: incomplete final report", i);
			goto out;
		}
		if (tl_hist_from_json(one, json_object_get(f, "latency"), err) < 0) {
			tl_err_prefix(err, "rank %u latency", i);
			goto out;
		}
		tl_hist_merge(all, one);
		sent += uget(f, "hops_sent");
		received += uget(f, "hops_received");
		in_window += uget(f, "hops_in_window");
		held += uget(f, "held");
		id_sum += uget(f, "held_id_sum");
		id_hash ^= strtoull(hash, NULL, 16);
		misrouted += uget(f, "misrouted");
		if (uget(f, "window_ns") > window_ns)
			window_ns = uget(f, "window_ns");
		struct tl_cpu_sample d = rank_cpu(cpu);
		tl_cpu_add(&cin.mesh, &d);
		if (i == 0)
			first_host = host;
		else if (strcmp(host, first_host) != 0)
			one_host = 0;
		const json_t *mach = json_object_get(f, "machine");
		if (mach)
			tl_mesh_cpu_add_host(&cin, host, uget(mach, "busy_ticks"), uget(mach, "idle_ticks"),
					     (unsigned)uget(mach, "ncpu"), hosts, &nhosts, n);
		const json_t *c = json_object_get(f, "counters");
		if (json_is_object(c) && !seen(netns_seen, netns)) {
			add_counters(counters, c);
			have_counters = 1;
		}
		json_array_append_new(per_rank, rank_json(i, f, &d));
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
