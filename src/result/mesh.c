/* Decoding a mesh document (mesh/result.c builds its runs) into result/mesh.h. */
#include "result/mesh.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/dec.h"

static void latency_decode(struct tl_dec *d, const json_t *lat, const char *w,
			   struct tl_mesh_res_latency *l)
{
	l->count = tl_dec_u64(d, lat, w, "count");
	l->min = tl_dec_u64(d, lat, w, "min");
	l->mean = tl_dec_num(d, lat, w, "mean");
	l->p50 = tl_dec_u64(d, lat, w, "p50");
	l->p90 = tl_dec_u64(d, lat, w, "p90");
	l->p99 = tl_dec_u64(d, lat, w, "p99");
	l->p99_9 = tl_dec_u64(d, lat, w, "p99_9");
	l->max = tl_dec_u64(d, lat, w, "max");
}

static void cpu_decode(struct tl_dec *d, const json_t *run, const char *where, struct tl_mesh_res_cpu *c)
{
	char w[64], mw[80];
	snprintf(w, sizeof(w), "%s.cpu", where);
	const json_t *cpu = tl_dec_obj(d, run, where, "cpu");
	const json_t *m = tl_dec_obj(d, cpu, w, "mesh");
	snprintf(mw, sizeof(mw), "%s.mesh", w);
	c->user_s = tl_dec_num(d, m, mw, "user_s");
	c->sys_s = tl_dec_num(d, m, mw, "sys_s");
	c->pct_of_core = tl_dec_num(d, m, mw, "pct_of_core");
	c->pct_of_machine = tl_dec_num(d, m, mw, "pct_of_machine");
	c->vol_ctx = tl_dec_u64(d, m, mw, "vol_ctx");
	c->invol_ctx = tl_dec_u64(d, m, mw, "invol_ctx");
	c->cpu_ns_per_hop = tl_dec_num(d, m, mw, "cpu_ns_per_hop");
	c->vol_ctx_per_hop = tl_dec_num(d, m, mw, "vol_ctx_per_hop");
	c->invol_ctx_per_hop = tl_dec_num(d, m, mw, "invol_ctx_per_hop");
	const json_t *h = tl_dec_obj(d, cpu, w, "machine");
	snprintf(mw, sizeof(mw), "%s.machine", w);
	c->hosts = tl_dec_u64(d, h, mw, "hosts");
	c->ncpu = tl_dec_u64(d, h, mw, "ncpu");
	c->busy_pct = tl_dec_num(d, h, mw, "busy_pct");
	c->idle_pct = tl_dec_num(d, h, mw, "idle_pct");
	c->other_busy_pct = tl_dec_num(d, h, mw, "other_busy_pct");
}

/* The known counters (mesh/counters.h) that the run reported; others are not shown. */
static void counters_decode(struct tl_dec *d, const json_t *run, const char *where,
			    struct tl_mesh_res_run *r)
{
	char w[64];
	const json_t *c = tl_dec_obj_opt(d, run, where, "tcp_counters");
	r->has_counters = c != NULL;
	snprintf(w, sizeof(w), "%s.tcp_counters", where);
	for (unsigned i = 0; c && i < TL_MESH_COUNTERS; i++) {
		const char *name = tl_mesh_counter_name(i);
		r->has_counter[i] = json_object_get(c, name) != NULL;
		if (r->has_counter[i])
			r->counter[i] = tl_dec_int(d, c, w, name);
	}
}

static void tokens_decode(struct tl_dec *d, const json_t *run, const char *where,
			  struct tl_mesh_res_run *r)
{
	char w[64];
	const json_t *t = tl_dec_obj(d, run, where, "tokens_check");
	snprintf(w, sizeof(w), "%s.tokens_check", where);
	r->tokens_expected = tl_dec_u64(d, t, w, "expected");
	r->tokens_held = tl_dec_u64(d, t, w, "held");
	r->id_sum_ok = tl_dec_bool(d, t, w, "id_sum_ok");
	r->id_hash_ok = tl_dec_bool(d, t, w, "id_hash_ok");
	r->conserved = tl_dec_bool(d, t, w, "conserved");
}

static int ranks_decode(struct tl_dec *d, const json_t *run, const char *where,
			struct tl_mesh_res_run *r)
{
	char w[64];
	const json_t *pr = tl_dec_arr(d, run, where, "per_rank");
	size_t n = json_array_size(pr);
	if (tl_dec_failed(d) || n == 0)
		return 0;
	r->per_rank = calloc(n, sizeof(*r->per_rank));
	if (!r->per_rank)
		return tl_dec_fail(d, where, "per_rank", "out of memory");
	r->nranks = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(pr, i);
		struct tl_mesh_res_rank *k = &r->per_rank[i];
		snprintf(w, sizeof(w), "%s.per_rank[%zu]", where, i);
		if (!json_is_object(o))
			return tl_dec_fail(d, w, "", "not an object");
		k->rank = tl_dec_u64(d, o, w, "rank");
		k->hops_received = tl_dec_u64(d, o, w, "hops_received");
		k->hops_sent = tl_dec_u64(d, o, w, "hops_sent");
		k->held = tl_dec_u64(d, o, w, "held");
		k->cpu_pct = tl_dec_num(d, o, w, "cpu_pct");
		k->vol_ctx = tl_dec_u64(d, o, w, "vol_ctx");
		k->invol_ctx = tl_dec_u64(d, o, w, "invol_ctx");
	}
	return 0;
}

int tl_mesh_run_decode(const json_t *run, const char *w, struct tl_mesh_res_run *out,
		       struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	char lw[64];
	memset(out, 0, sizeof(*out));
	if (!json_is_object(run))
		return tl_dec_fail(&d, w, "", "not an object");
	out->transport = tl_dec_str(&d, run, w, "transport");
	out->pattern = tl_dec_str(&d, run, w, "pattern");
	out->launch = tl_dec_str(&d, run, w, "launch");
	out->ranks = tl_dec_u64(&d, run, w, "ranks");
	out->tokens = tl_dec_u64(&d, run, w, "tokens");
	out->message_size = tl_dec_u64(&d, run, w, "message_size");
	out->seed = tl_dec_u64(&d, run, w, "seed");
	out->rendezvous_ms = tl_dec_num(&d, run, w, "rendezvous_ms");
	out->connect_ms = tl_dec_num(&d, run, w, "connect_ms");
	out->window_s = tl_dec_num(&d, run, w, "window_s");
	out->hops = tl_dec_u64(&d, run, w, "hops");
	out->hops_per_s = tl_dec_num(&d, run, w, "hops_per_s");
	out->hops_sent = tl_dec_u64(&d, run, w, "hops_sent");
	out->hops_received = tl_dec_u64(&d, run, w, "hops_received");
	out->hops_requested = tl_dec_u64_opt(&d, run, w, "hops_requested", &out->has_hops_requested);
	if (out->has_hops_requested)
		out->hops_complete = tl_dec_bool(&d, run, w, "hops_complete");
	const json_t *lat = tl_dec_obj_opt(&d, run, w, "latency_ns");
	out->has_latency = lat != NULL;
	snprintf(lw, sizeof(lw), "%s.latency_ns", w);
	if (lat)
		latency_decode(&d, lat, lw, &out->latency);
	out->latency_note = tl_dec_str_opt(&d, run, w, "latency_note");
	cpu_decode(&d, run, w, &out->cpu);
	counters_decode(&d, run, w, out);
	tokens_decode(&d, run, w, out);
	out->misrouted = tl_dec_u64(&d, run, w, "misrouted");
	out->ok = tl_dec_bool(&d, run, w, "ok");
	out->interrupted = tl_dec_bool_opt(&d, run, w, "interrupted") == 1;
	ranks_decode(&d, run, w, out);
	if (tl_dec_failed(&d)) {
		tl_mesh_run_free(out);
		return -1;
	}
	return 0;
}

void tl_mesh_run_free(struct tl_mesh_res_run *r)
{
	if (!r)
		return;
	free(r->per_rank);
	r->per_rank = NULL;
	r->nranks = 0;
}

int tl_mesh_doc_decode(const json_t *doc, struct tl_mesh_doc *out, struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	char w[32];
	memset(out, 0, sizeof(*out));
	if (!json_is_object(doc))
		return tl_dec_fail(&d, "", "document", "not an object");
	out->ok = tl_dec_bool(&d, doc, "", "ok");
	out->interrupted = tl_dec_bool_opt(&d, doc, "", "interrupted") == 1;
	out->error = tl_dec_str_opt(&d, doc, "", "error");
	const json_t *runs = tl_dec_arr(&d, doc, "", "runs");
	if (tl_dec_failed(&d))
		return -1;
	size_t n = json_array_size(runs);
	out->runs = n ? calloc(n, sizeof(*out->runs)) : NULL;
	if (n && !out->runs)
		return tl_err_set(err, ENOMEM, "result document: runs: out of memory");
	for (size_t i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "runs[%zu]", i);
		if (tl_mesh_run_decode(json_array_get(runs, i), w, &out->runs[i], err) < 0) {
			tl_mesh_doc_free(out);
			return -1;
		}
		out->nruns = i + 1;
	}
	return 0;
}

void tl_mesh_doc_free(struct tl_mesh_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nruns; i++)
		tl_mesh_run_free(&d->runs[i]);
	free(d->runs);
	d->runs = NULL;
	d->nruns = 0;
}
