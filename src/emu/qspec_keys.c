/* The --aqm keys of GSP and PPV that are not a single number (see qspec_keys.h). */
#include "emu/qspec_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"
#include "util/parse.h"

static int need(const char *name, const char *val, const char *example, struct tl_err *err)
{
	if (val && *val)
		return 0;
	return tl_err_set(err, EINVAL, "%s needs a value (write %s=%s)", name, name, example);
}

int tl_qspec_gsp_threshold(struct tl_qspec *q, const char *val, struct tl_err *err)
{
	int ret = need("threshold", val, "30K or threshold=5ms", err);
	if (ret < 0)
		return ret;
	uint64_t v;
	size_t len = strlen(val);
	/* A time unit makes it a sojourn time: delay-based GSP. */
	if (len > 1 && val[len - 1] == 's' && strchr("0123456789.-", val[0])) {
		ret = tl_parse_duration("threshold", val, 1000, 10 * TL_NSEC_PER_SEC, &v, err);
		if (ret < 0)
			return ret;
		q->gsp.threshold_ns = v;
		q->gsp.delay = true;
		return 0;
	}
	if (len > 1 && (val[len - 1] == 'p' || val[len - 1] == 'P')) {
		char num[32];
		if (len - 1 >= sizeof(num))
			return tl_err_set(err, EINVAL, "threshold \"%s\": not a size", val);
		memcpy(num, val, len - 1);
		num[len - 1] = '\0';
		ret = tl_parse_count("threshold", num, 1, 100000000, &v, err);
		if (ret < 0)
			return tl_err_set(err, EINVAL, "threshold \"%s\": not a number of packets "
					  "(write e.g. 20p)", val);
		q->gsp.threshold_bytes = v * q->mtu;
		return 0;
	}
	ret = tl_parse_size("threshold", val, 1, 1ull << 40, &v, NULL);
	if (ret < 0)
		return tl_err_set(err, EINVAL, "threshold \"%s\": not a size or a time (write bytes "
				  "30K, packets 20p, or a sojourn time 5ms)", val);
	q->gsp.threshold_bytes = v;
	return 0;
}

int tl_qspec_ppv_core(struct tl_qspec *q, const char *val, struct tl_err *err)
{
	int ret = need("core", val, "ppov", err);
	if (ret < 0)
		return ret;
	if (strcasecmp(val, "ppov") == 0)
		q->ppv.core = TL_PPV_PPOV;
	else if (strcasecmp(val, "pie") == 0 || strcasecmp(val, "pv-pie") == 0)
		q->ppv.core = TL_PPV_PIE;
	else
		return tl_err_set(err, EINVAL, "core \"%s\": unknown (write core=ppov or core=pie)",
				  val);
	return 0;
}

int tl_qspec_ppv_class(struct tl_qspec *q, const char *val, struct tl_err *err)
{
	int ret = need("class", val, "flow", err);
	if (ret < 0)
		return ret;
	if (strcasecmp(val, "flow") == 0)
		q->ppv.cls = TL_PPV_FLOW;
	else if (strcasecmp(val, "host") == 0)
		q->ppv.cls = TL_PPV_HOST;
	else
		return tl_err_set(err, EINVAL, "class \"%s\": unknown (write class=flow or "
				  "class=host)", val);
	return 0;
}

int tl_qspec_ppv_weights(struct tl_qspec *q, const char *val, struct tl_err *err)
{
	int ret = need("weights", val, "2:1", err);
	if (ret < 0)
		return ret;
	double w[TL_PPV_HOSTS];
	unsigned n = 0;
	const char *s = val;
	for (;;) {
		size_t len = strcspn(s, ":");
		char num[32], name[16];
		if (n + 1 >= TL_PPV_HOSTS)
			return tl_err_set(err, EINVAL, "weights \"%s\": more than %d values (one per "
					  "sender host)", val, TL_PPV_HOSTS - 1);
		snprintf(name, sizeof(name), "weight of snd%u", n + 1);
		if (len == 0 || len >= sizeof(num))
			return tl_err_set(err, EINVAL, "weights \"%s\": %s is missing (write one "
					  "number per sender host: 2:1)", val, name);
		memcpy(num, s, len);
		num[len] = '\0';
		ret = tl_qspec_parse_real(name, num, false, 0, 1e6, &w[n], err);
		if (ret < 0)
			return ret;
		if (w[n] <= 0)
			return tl_err_set(err, ERANGE, "weights \"%s\": %s is %s; a weight must be "
					  "above 0 (a host with weight 2 gets twice the share of "
					  "one with weight 1)", val, name, num);
		n++;
		if (!s[len])
			break;
		s += len + 1;
	}
	for (unsigned i = 1; i < TL_PPV_HOSTS; i++)
		q->ppv.weight[i] = i <= n ? w[i - 1] : 1;
	return 0;
}

int tl_qspec_ppv_tvf(struct tl_qspec *q, const char *val, struct tl_err *err)
{
	int ret = need("tvf", val, "equal", err);
	if (ret < 0)
		return ret;
	if (strcasecmp(val, "equal") == 0) {
		q->ppv.tvf_points = 0;
		return 0;
	}
	if (!strchr(val, ':'))
		return tl_err_set(err, EINVAL, "tvf \"%s\": unknown (write tvf=equal, or points "
				  "RATE:VALUE joined by / with rates rising: "
				  "tvf=0:1000/10mbit:100/100mbit:1)", val);
	struct tl_ppv_params p = q->ppv;
	unsigned n = 0;
	const char *s = val;
	for (;;) {
		size_t len = strcspn(s, "/");
		char pt[64];
		if (n >= TL_PPV_TVF_POINTS)
			return tl_err_set(err, EINVAL, "tvf \"%s\": more than %d points", val,
					  TL_PPV_TVF_POINTS);
		if (len == 0 || len >= sizeof(pt) || !memchr(s, ':', len))
			return tl_err_set(err, EINVAL, "tvf \"%s\": point %u is not RATE:VALUE "
					  "(e.g. 10mbit:100)", val, n + 1);
		memcpy(pt, s, len);
		pt[len] = '\0';
		char *colon = strchr(pt, ':');
		*colon = '\0';
		uint64_t rate;
		if ((ret = tl_parse_rate("tvf rate", pt, 0, 400000000000ull, &rate, err)) < 0 ||
		    (ret = tl_qspec_parse_real("tvf value", colon + 1, false, 0, 4e9,
					       &p.tvf_value[n], err)) < 0)
			return ret;
		p.tvf_rate[n] = (double)rate;
		if (n > 0 && (p.tvf_rate[n] <= p.tvf_rate[n - 1] ||
			      p.tvf_value[n] > p.tvf_value[n - 1]))
			return tl_err_set(err, EINVAL, "tvf \"%s\": point %u must have a higher rate "
					  "and a value no higher than the one before (a TVF falls "
					  "with the rate)", val, n + 1);
		n++;
		if (!s[len])
			break;
		s += len + 1;
	}
	if (n < 2)
		return tl_err_set(err, EINVAL, "tvf \"%s\": give at least two points", val);
	p.tvf_points = n;
	q->ppv = p;
	return 0;
}
