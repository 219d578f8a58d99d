/* The metrics of one run, from its per-flow rows, the router's series and the probe. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp/result.h"

/* A full-size frame is 1514 B on the testbed's link and carries 1448 B of TCP payload with
 * timestamps (tcplab-testbed(1), LINK OPTIONS, --rate). */
#define PAYLOAD_PER_FRAME (1448.0 / 1514.0)

void tl_exp_run_free(struct tl_exp_run *r)
{
	for (uint32_t i = 0; i < r->nflows; i++)
		free(r->flows[i].tcp_info);
	free(r->flows);
	free(r->intervals);
	free(r->queue);
	free(r->latency);
	r->flows = NULL;
	r->intervals = NULL;
	r->queue = NULL;
	r->latency = NULL;
	r->nflows = r->nintervals = r->nqueue = r->nlatency = 0;
}

struct wv {
	double v, w;
};

static int cmp_wv(const void *a, const void *b)
{
	double x = ((const struct wv *)a)->v, y = ((const struct wv *)b)->v;
	return x < y ? -1 : x > y;
}

double tl_exp_wpercentile(const double *v, const double *w, uint32_t n, double pct)
{
	double total = 0, acc = 0, res = NAN;
	struct wv *a = malloc((n ? n : 1) * sizeof(*a));
	if (!a)
		return NAN;
	for (uint32_t i = 0; i < n; i++) {
		a[i] = (struct wv){ v[i], w ? w[i] : 1.0 };
		total += a[i].w;
	}
	qsort(a, n, sizeof(*a), cmp_wv);
	for (uint32_t i = 0; i < n && total > 0; i++) {
		acc += a[i].w;
		if (acc >= pct / 100.0 * total - 1e-9) {
			res = a[i].v;
			break;
		}
	}
	free(a);
	return res;
}

static struct tl_exp_group *group(struct tl_exp_run *r, const char *kind, const char *name)
{
	for (uint32_t i = 0; i < r->ngroups; i++)
		if (strcmp(r->groups[i].kind, kind) == 0 && strcmp(r->groups[i].name, name) == 0)
			return &r->groups[i];
	if (r->ngroups == TL_EXP_MAX_GROUPS)
		return NULL;
	struct tl_exp_group *g = &r->groups[r->ngroups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->kind, sizeof(g->kind), "%s", kind);
	snprintf(g->name, sizeof(g->name), "%s", name);
	return g;
}

static void flow_metrics(struct tl_exp_run *r, const struct tl_exp_point *p)
{
	double sum = 0, sum2 = 0;
	r->ngroups = 0;
	/* Groups in the mix's order and in the senders' order, so ratios read first/second. */
	for (unsigned i = 0; i < p->ncc; i++)
		group(r, "cc", p->cc_name[i]);
	for (unsigned s = 0; s < p->senders; s++) {
		char name[32];
		snprintf(name, sizeof(name), "%gms", (double)p->rtt_ns[s] / 1e6);
		group(r, "rtt", name);
	}
	for (uint32_t i = 0; i < r->nflows; i++) {
		const struct tl_exp_flow *f = &r->flows[i];
		char name[32];
		sum += f->bps;
		sum2 += f->bps * f->bps;
		r->m.retransmits += f->retransmits;
		struct tl_exp_group *g = group(r, "cc", f->cc);
		if (g) {
			g->flows++;
			g->bps += f->bps;
		}
		snprintf(name, sizeof(name), "%gms", f->rtt_ms);
		g = group(r, "rtt", name);
		if (g) {
			g->flows++;
			g->bps += f->bps;
		}
	}
	r->m.goodput_bps = sum;
	r->m.utilisation = sum / ((double)p->rate_bps * PAYLOAD_PER_FRAME);
	/* Jain's index (sum x)^2 / (n sum x^2) [JAIN84]. */
	r->m.jain = sum2 > 0 ? sum * sum / ((double)r->nflows * sum2) : 0;
	for (uint32_t i = 0; i < r->ngroups; i++)
		r->groups[i].share = sum > 0 ? r->groups[i].bps / sum : 0;
	r->m.cc_ratio = r->m.rtt_ratio = NAN;
	const struct tl_exp_group *first[2] = { NULL, NULL }, *second[2] = { NULL, NULL };
	for (uint32_t i = 0; i < r->ngroups; i++) {
		int k = strcmp(r->groups[i].kind, "cc") == 0 ? 0 : 1;
		if (!first[k])
			first[k] = &r->groups[i];
		else if (!second[k])
			second[k] = &r->groups[i];
	}
	r->m.cc_share = first[0] ? first[0]->share : NAN;
	if (first[0] && second[0] && second[0]->share > 0)
		r->m.cc_ratio = first[0]->share / second[0]->share;
	if (first[1] && second[1] && second[1]->share > 0)
		r->m.rtt_ratio = first[1]->share / second[1]->share;
}

static void queue_metrics(struct tl_exp_run *r)
{
	uint32_t n = r->nqueue;
	double *v50 = calloc(n + 1, sizeof(double)), *v99 = calloc(n + 1, sizeof(double));
	double *w = calloc(n + 1, sizeof(double));
	r->m.qdelay_p50_ms = r->m.qdelay_p99_ms = NAN;
	if (v50 && v99 && w && n > 0) {
		for (uint32_t i = 0; i < n; i++) {
			v50[i] = r->queue[i].sojourn_p50_ms;
			v99[i] = r->queue[i].sojourn_p99_ms;
			w[i] = (double)r->queue[i].samples;
		}
		r->m.qdelay_p50_ms = tl_exp_wpercentile(v50, w, n, 50);
		r->m.qdelay_p99_ms = tl_exp_wpercentile(v99, w, n, 99);
		r->m.drops = r->queue[n - 1].drops;
		r->m.marks = r->queue[n - 1].marks;
	}
	free(v50);
	free(v99);
	free(w);
}

static void latency_metrics(struct tl_exp_run *r)
{
	uint64_t total = 0, acc = 0;
	r->m.latency_p50_ms = r->m.latency_p99_ms = NAN;
	for (uint32_t i = 0; i < r->nlatency; i++)
		total += r->latency[i].count;
	for (uint32_t i = 0; i < r->nlatency && total; i++) {
		acc += r->latency[i].count;
		if (isnan(r->m.latency_p50_ms) && acc * 100 >= total * 50)
			r->m.latency_p50_ms = (double)r->latency[i].hi_ns / 1e6;
		if (isnan(r->m.latency_p99_ms) && acc * 100 >= total * 99)
			r->m.latency_p99_ms = (double)r->latency[i].hi_ns / 1e6;
	}
}

void tl_exp_metrics_compute(struct tl_exp_run *r, const struct tl_exp_point *p)
{
	memset(&r->m, 0, sizeof(r->m));
	flow_metrics(r, p);
	queue_metrics(r);
	latency_metrics(r);
}
