/* Decoding an rr or crr result document (workload/txn_result.c writes it) into result/txn.h. */
#include "result/txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/stream_internal.h"

/* {count, min_ns, p50_ns, ...}: null where no end measured it (all zero then). */
static void latency_decode(struct tl_dec *d, const json_t *o, const char *w, const char *key,
			   struct tl_txn_latency *l)
{
	char lw[64];
	const json_t *lat = tl_dec_obj_opt(d, o, w, key);
	if (!lat)
		return;
	snprintf(lw, sizeof(lw), "%s.%s", w, key);
	l->count = tl_dec_u64(d, lat, lw, "count");
	l->min_ns = tl_dec_u64(d, lat, lw, "min_ns");
	l->p50_ns = tl_dec_u64(d, lat, lw, "p50_ns");
	l->p90_ns = tl_dec_u64(d, lat, lw, "p90_ns");
	l->p99_ns = tl_dec_u64(d, lat, lw, "p99_ns");
	l->p999_ns = tl_dec_u64(d, lat, lw, "p999_ns");
	l->max_ns = tl_dec_u64(d, lat, lw, "max_ns");
}

static void crr_decode(struct tl_dec *d, const json_t *o, const char *w, int end, struct tl_txn_crr *c)
{
	char fw[64];
	c->connects = tl_dec_u64_opt(d, o, w, "connects", &c->present);
	if (!c->present)
		return;
	c->connects_per_second = tl_dec_num(d, o, w, "connects_per_second");
	latency_decode(d, o, w, "connect_latency", &c->connect_latency);
	const json_t *f = tl_dec_obj_opt(d, o, w, "connect_failures");
	snprintf(fw, sizeof(fw), "%s.connect_failures", w);
	if (f) {
		c->fail_addrnotavail = tl_dec_u64(d, f, fw, "addrnotavail");
		c->fail_refused = tl_dec_u64(d, f, fw, "refused");
		c->fail_timedout = tl_dec_u64(d, f, fw, "timedout");
		c->fail_other = tl_dec_u64(d, f, fw, "other");
	}
	/* each read where the end's kernel let it (sock_diag, the port range) */
	c->time_wait_client = tl_dec_u64_opt(d, o, w, "time_wait_client", &c->has_time_wait_client);
	c->ports_free = tl_dec_u64_opt(d, o, w, "ports_free", &c->has_ports_free);
	if (!end)
		return;
	c->time_wait_peak_client = tl_dec_u64_opt(d, o, w, "time_wait_peak_client", NULL);
	c->time_wait_peak_agent_host = tl_dec_u64_opt(d, o, w, "time_wait_peak_agent_host", NULL);
}

static void sum_decode(struct tl_dec *d, const json_t *o, const char *w, int end, struct tl_txn_sum *s)
{
	char fw[64];
	s->transactions = tl_dec_u64(d, o, w, "transactions");
	s->transactions_per_second = tl_dec_num(d, o, w, "transactions_per_second");
	if (end)
		s->seconds = tl_dec_num(d, o, w, "seconds");
	latency_decode(d, o, w, "latency", &s->latency);
	const json_t *fl = tl_dec_obj_opt(d, o, w, "flows");
	s->has_flows = fl != NULL;
	snprintf(fw, sizeof(fw), "%s.flows", w);
	if (fl)
		tl_res_flows_decode(d, fl, fw, &s->flows);
	crr_decode(d, o, w, end, &s->crr);
}

int tl_txn_interval_decode(const json_t *iv, struct tl_txn_interval *out, struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	const char *w = "interval";
	memset(out, 0, sizeof(*out));
	if (!json_is_object(iv))
		return tl_dec_fail(&d, "", w, "not an object");
	out->k = tl_dec_u64(&d, iv, w, "k");
	out->start = tl_dec_num(&d, iv, w, "start");
	out->end = tl_dec_num(&d, iv, w, "end");
	out->seconds = tl_dec_num(&d, iv, w, "seconds");
	sum_decode(&d, tl_dec_obj(&d, iv, w, "sum"), "interval.sum", 0, &out->sum);
	const json_t *arr = tl_dec_arr_opt(&d, iv, w, "streams");
	size_t n = json_array_size(arr);
	out->flows = n ? calloc(n, sizeof(*out->flows)) : NULL;
	if (n && !out->flows)
		tl_dec_fail(&d, w, "streams", "out of memory");
	for (size_t i = 0; out->flows && i < n && !tl_dec_failed(&d); i++) {
		char fw[48];
		const json_t *o = json_array_get(arr, i);
		struct tl_txn_iv_flow *f = &out->flows[out->nflows++];
		snprintf(fw, sizeof(fw), "interval.streams[%zu]", i);
		f->id = (uint32_t)tl_dec_u64(&d, o, fw, "id");
		f->transactions = tl_dec_u64(&d, o, fw, "transactions");
		f->transactions_per_second = tl_dec_num(&d, o, fw, "transactions_per_second");
	}
	if (tl_dec_failed(&d)) {
		tl_txn_interval_free(out);
		return -1;
	}
	return 0;
}

void tl_txn_interval_free(struct tl_txn_interval *iv)
{
	if (!iv)
		return;
	free(iv->flows);
	iv->flows = NULL;
	iv->nflows = 0;
}

int tl_txn_end_decode(const json_t *end, struct tl_txn_end *out, struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	const char *w = "end";
	memset(out, 0, sizeof(*out));
	if (!json_is_object(end))
		return tl_dec_fail(&d, "", w, "not an object");
	const json_t *arr = tl_dec_arr(&d, end, w, "streams");
	size_t n = json_array_size(arr);
	out->flows = n ? calloc(n, sizeof(*out->flows)) : NULL;
	if (n && !out->flows)
		tl_dec_fail(&d, w, "streams", "out of memory");
	for (size_t i = 0; out->flows && i < n && !tl_dec_failed(&d); i++) {
		char fw[48];
		const json_t *o = json_array_get(arr, i);
		struct tl_txn_flow *f = &out->flows[out->nflows++];
		snprintf(fw, sizeof(fw), "end.streams[%zu]", i);
		f->id = (uint32_t)tl_dec_u64(&d, o, fw, "id");
		f->transactions = tl_dec_u64(&d, o, fw, "transactions");
		f->transactions_per_second = tl_dec_num(&d, o, fw, "transactions_per_second");
		f->failed = tl_dec_bool(&d, o, fw, "failed");
		f->error = tl_dec_str_opt(&d, o, fw, "error");
		const json_t *ti = tl_dec_obj_opt(&d, o, fw, "tcp_info");
		f->has_tcp_info = ti != NULL;
		if (ti) {
			char tw[64];
			snprintf(tw, sizeof(tw), "%s.tcp_info", fw);
			f->rtt_us = tl_dec_num(&d, ti, tw, "rtt");
			f->min_rtt_us = tl_dec_num(&d, ti, tw, "min_rtt");
		}
	}
	sum_decode(&d, tl_dec_obj(&d, end, w, "sum"), "end.sum", 1, &out->sum);
	out->failed_flows = tl_dec_u64(&d, end, w, "failed_flows");
	out->latency_histogram = tl_dec_obj_opt(&d, end, w, "latency_histogram");
	tl_res_end_common_decode(&d, end, &out->cpu_client, &out->cpu_agent, &out->client, &out->agent);
	if (tl_dec_failed(&d)) {
		tl_txn_end_free(out);
		return -1;
	}
	return 0;
}

void tl_txn_end_free(struct tl_txn_end *e)
{
	if (!e)
		return;
	free(e->flows);
	e->flows = NULL;
	e->nflows = 0;
}

static int end_decode(const json_t *end, void *out, struct tl_err *err)
{
	return tl_txn_end_decode(end, out, err);
}

int tl_txn_result_decode(const json_t *doc, struct tl_txn_result *out, struct tl_err *err)
{
	memset(out, 0, sizeof(*out));
	return tl_res_doc_decode(doc, &out->start, &out->error, &out->interrupted, &out->has_end,
				 end_decode, &out->end, err);
}

void tl_txn_result_free(struct tl_txn_result *r)
{
	if (!r)
		return;
	tl_res_start_free(&r->start);
	tl_txn_end_free(&r->end);
}
