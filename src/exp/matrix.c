/* The matrix of a campaign: the product of its axes, each value checked once. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/loss.h"
#include "emu/qspec.h"
#include "exp/matrix.h"
#include "util/parse.h"

void tl_exp_aqm_names(char *buf, unsigned len)
{
	unsigned n = 0;
	buf[0] = '\0';
	for (int k = 0; k < TL_QDISC_KINDS && n < len; k++)
		n += (unsigned)snprintf(buf + n, len - n, "%s%s", k ? ", " : "",
					tl_qkind_name((enum tl_qkind)k));
}

int tl_exp_axes_expand_all(struct tl_exp_axes *ax, struct tl_err *err)
{
	char keep[TL_EXP_MAX_VALUES][TL_EXP_VALUE_LEN];
	unsigned n = ax->count[TL_AXIS_AQM], nkeep = 0;
	int all = 0;
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(ax->values[TL_AXIS_AQM][i], "all") == 0)
			all = 1;
		else if (strchr(ax->values[TL_AXIS_AQM][i], ':'))
			memcpy(keep[nkeep++], ax->values[TL_AXIS_AQM][i], TL_EXP_VALUE_LEN);
	}
	if (!all)
		return 0;
	tl_exp_axes_clear(ax, TL_AXIS_AQM);
	for (int k = 0; k < TL_QDISC_KINDS; k++)
		if (tl_exp_axes_add(ax, TL_AXIS_AQM, tl_qkind_name((enum tl_qkind)k), err) < 0)
			return -EINVAL;
	for (unsigned i = 0; i < nkeep; i++)
		if (tl_exp_axes_add(ax, TL_AXIS_AQM, keep[i], err) < 0)
			return -EINVAL;
	return 0;
}

static const char *axis_value(const struct tl_exp_axes *ax, enum tl_exp_axis a, unsigned i)
{
	return ax->count[a] ? ax->values[a][i] : tl_exp_axis_default(a);
}

static int parse_rtt(const char *s, struct tl_exp_point *p, struct tl_err *err)
{
	char buf[TL_EXP_VALUE_LEN], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", s);
	p->senders = 0;
	p->rtt_testbed[0] = '\0';
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (p->senders == TL_EXP_MAX_SENDERS)
			return tl_err_set(err, EINVAL, "--rtt \"%s\": more than %d senders", s,
					  TL_EXP_MAX_SENDERS);
		if (tl_parse_duration("--rtt", t, 0, 10ULL * 1000000000, &p->rtt_ns[p->senders],
				      err) < 0)
			return -EINVAL;
		size_t n = strlen(p->rtt_testbed);
		snprintf(p->rtt_testbed + n, sizeof(p->rtt_testbed) - n, "%s%s",
			 p->senders ? "," : "", t);
		p->senders++;
	}
	if (p->senders == 0)
		return tl_err_set(err, EINVAL, "--rtt \"%s\": no RTT (write 40ms, or one per "
				  "sender: 10ms/100ms)", s);
	return 0;
}

/* "cubic:1,bbr:1" or "bbr": names and weights, spread over flows (largest remainder). */
static int parse_cc(const char *s, struct tl_exp_point *p, struct tl_err *err)
{
	char buf[TL_EXP_VALUE_LEN], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", s);
	p->ncc = 0;
	uint64_t total = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (p->ncc == TL_EXP_MAX_CC)
			return tl_err_set(err, EINVAL, "--cc \"%s\": more than %d algorithms in "
					  "one mix", s, TL_EXP_MAX_CC);
		char *colon = strchr(t, ':');
		uint64_t w = 1;
		if (colon) {
			*colon = '\0';
			if (tl_parse_count("--cc weight", colon + 1, 1, 1000, &w, err) < 0)
				return -EINVAL;
		}
		if (!*t || strlen(t) >= sizeof(p->cc_name[0]) || strspn(t,
		    "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(t))
			return tl_err_set(err, EINVAL, "--cc \"%s\": \"%s\" is not an algorithm "
					  "name (write cubic:1,bbr:1)", s, t);
		snprintf(p->cc_name[p->ncc], sizeof(p->cc_name[0]), "%s", t);
		p->cc_weight[p->ncc++] = (uint32_t)w;
		total += w;
	}
	if (p->ncc == 0)
		return tl_err_set(err, EINVAL, "--cc \"%s\": no algorithm (write cubic:1,bbr:1)",
				  s);
	if (p->flows < p->ncc)
		return tl_err_set(err, EINVAL, "--cc \"%s\" with --flows %u: each algorithm needs "
				  "a flow per sender (give --flows %u or more)", s, p->flows,
				  p->ncc);
	uint32_t given = 0;
	double rem[TL_EXP_MAX_CC];
	for (unsigned i = 0; i < p->ncc; i++) {
		double share = (double)p->flows * p->cc_weight[i] / (double)total;
		p->cc_flows[i] = (uint32_t)share;
		if (p->cc_flows[i] == 0)
			p->cc_flows[i] = 1;
		rem[i] = share - (double)p->cc_flows[i];
		given += p->cc_flows[i];
	}
	while (given < p->flows) {
		unsigned best = 0;
		for (unsigned i = 1; i < p->ncc; i++)
			if (rem[i] > rem[best])
				best = i;
		p->cc_flows[best]++;
		rem[best] -= 1.0;
		given++;
	}
	while (given > p->flows) { /* a weight rounded up to 1 took a flow from the largest */
		unsigned big = 0;
		for (unsigned i = 1; i < p->ncc; i++)
			if (p->cc_flows[i] > p->cc_flows[big])
				big = i;
		p->cc_flows[big]--;
		given--;
	}
	return 0;
}

static int parse_window(const char *what, const char *s, uint64_t *out, struct tl_err *err)
{
	if (strcmp(s, "auto") == 0 || strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	return tl_parse_size(what, s, 1024, 1ULL << 30, out, err);
}

static int point_parse(struct tl_exp_point *p, struct tl_err *err)
{
	struct tl_qspec q;
	struct tl_buffer_spec b;
	struct tl_loss_spec loss;
	uint64_t v;
	char names[256];
	if (tl_parse_rate("--rate", p->text[TL_AXIS_RATE], 1000, 100ULL * 1000000000,
			  &p->rate_bps, err) < 0 ||
	    parse_rtt(p->text[TL_AXIS_RTT], p, err) < 0 ||
	    tl_parse_count("--flows", p->text[TL_AXIS_FLOWS], 1, 1000, &v, err) < 0)
		return -EINVAL;
	p->flows = (uint32_t)v;
	if (parse_cc(p->text[TL_AXIS_CC], p, err) < 0)
		return -EINVAL;
	if (tl_qspec_parse("--aqm", p->text[TL_AXIS_AQM], &q, err) < 0) {
		/* The list comes from the testbed's own table, so a new discipline shows here. */
		tl_exp_aqm_names(names, sizeof(names));
		if (strstr(err->msg, "unknown discipline"))
			tl_err_set(err, EINVAL, "--aqm \"%s\": no such AQM (the testbed has: %s)",
				   p->text[TL_AXIS_AQM], names);
		return -EINVAL;
	}
	snprintf(p->aqm_kind, sizeof(p->aqm_kind), "%s", tl_qkind_name(q.kind));
	uint64_t rtt_max = 0;
	for (unsigned i = 0; i < p->senders; i++)
		rtt_max = p->rtt_ns[i] > rtt_max ? p->rtt_ns[i] : rtt_max;
	char *end = NULL;
	if (strtod(p->text[TL_AXIS_BUFFER], &end) == 0 && end != p->text[TL_AXIS_BUFFER])
		return tl_err_set(err, EINVAL, "--buffer \"%s\": a buffer of 0 holds no packet "
				  "(give at least one full-size packet, 1514 or 1p, or a multiple of "
				  "the BDP such as 0.25bdp)", p->text[TL_AXIS_BUFFER]);
	if (tl_qspec_parse_buffer("--buffer", p->text[TL_AXIS_BUFFER], &b, err) < 0)
		return -EINVAL;
	if (tl_qspec_apply_buffer(&q, &b, p->rate_bps, rtt_max, err) < 0) {
		tl_err_prefix(err, "--buffer \"%s\"", p->text[TL_AXIS_BUFFER]);
		return -EINVAL;
	}
	if (q.limit_bytes == 0 && q.limit_pkts > 0)
		q.limit_bytes = q.limit_pkts * q.mtu;
	p->buffer_bytes = q.limit_bytes;
	double bdp = (double)p->rate_bps / 8.0 * (double)rtt_max / 1e9;
	p->buffer_bdp = bdp > 0 ? (double)p->buffer_bytes / bdp : 0;
	if (b.unit == TL_BUF_BDP)
		p->buffer_bdp = b.bdp;
	if (tl_loss_parse("--loss", p->text[TL_AXIS_LOSS], &loss, err) < 0)
		return -EINVAL;
	if (parse_window("--rcvbuf", p->text[TL_AXIS_RCVBUF], &p->rcvbuf, err) < 0 ||
	    parse_window("--window-clamp", p->text[TL_AXIS_CLAMP], &p->clamp, err) < 0 ||
	    tl_parse_duration("--time", p->text[TL_AXIS_DURATION], 1000000000ULL,
			      3600ULL * 1000000000, &p->duration_ns, err) < 0 ||
	    tl_parse_duration("--warmup", p->text[TL_AXIS_WARMUP], 0, 600ULL * 1000000000,
			      &p->warmup_ns, err) < 0)
		return -EINVAL;
	return 0;
}

int tl_exp_matrix_build(const struct tl_exp_axes *ax, struct tl_exp_matrix *out,
			struct tl_err *err)
{
	uint64_t total = 1;
	unsigned n[TL_AXIS_COUNT];
	for (int a = 0; a < TL_AXIS_COUNT; a++) {
		n[a] = ax->count[a] ? ax->count[a] : 1;
		total *= n[a];
		if (total > 100000)
			return tl_err_set(err, E2BIG, "the matrix has more than 100000 points "
					  "(split the campaign into several)");
	}
	out->points = calloc(total, sizeof(*out->points));
	out->count = 0;
	if (!out->points)
		return tl_err_set(err, ENOMEM, "matrix of %llu points: out of memory",
				  (unsigned long long)total);
	for (uint64_t id = 0; id < total; id++) {
		struct tl_exp_point *p = &out->points[id];
		uint64_t rest = id;
		for (int a = TL_AXIS_COUNT - 1; a >= 0; a--) {
			p->text[a] = axis_value(ax, (enum tl_exp_axis)a, (unsigned)(rest % n[a]));
			rest /= n[a];
		}
		p->id = (uint32_t)id;
		if (point_parse(p, err) < 0) {
			tl_exp_matrix_free(out);
			return -EINVAL;
		}
		out->count++;
	}
	return 0;
}

void tl_exp_matrix_free(struct tl_exp_matrix *m)
{
	free(m->points);
	m->points = NULL;
	m->count = 0;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

int tl_exp_order(const struct tl_exp_matrix *m, unsigned repeat, bool shuffle, uint64_t seed,
		 unsigned shard, unsigned shards, uint32_t **out, uint32_t *count,
		 struct tl_err *err)
{
	uint32_t *v = calloc((size_t)m->count * repeat + 1, sizeof(*v));
	if (!v)
		return tl_err_set(err, ENOMEM, "run order: out of memory");
	uint32_t k = 0;
	for (uint32_t id = 0; id < m->count; id++) {
		if (shards > 1 && id % shards != shard - 1)
			continue;
		for (unsigned r = 0; r < repeat; r++)
			v[k++] = id * repeat + r;
	}
	if (shuffle) {
		uint64_t s = seed;
		for (uint32_t i = k; i > 1; i--) {
			uint32_t j = (uint32_t)(splitmix64(&s) % i);
			uint32_t t = v[i - 1];
			v[i - 1] = v[j];
			v[j] = t;
		}
	}
	*out = v;
	*count = k;
	return 0;
}
