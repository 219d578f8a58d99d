#include "emu/qspec.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu/pkt.h"
#include "emu/qspec_keys.h"
#include "util/clock.h"
#include "util/parse.h"

static const char *const kind_names[TL_QDISC_KINDS] = {
	[TL_QDISC_TAILDROP] = "taildrop",
	[TL_QDISC_RED] = "red",
	[TL_QDISC_CODEL] = "codel",
	[TL_QDISC_PIE] = "pie",
	[TL_QDISC_FQ_CODEL] = "fq_codel",
	[TL_QDISC_GSP] = "gsp",
	[TL_QDISC_PPV] = "ppv",
	[TL_QDISC_DUALPI2] = "dualpi2",
};

#define KIND_CHOICES "taildrop, red, codel, pie, fq_codel, gsp, ppv, dualpi2"


const char *tl_qkind_name(enum tl_qkind kind)
{
	return (unsigned)kind < TL_QDISC_KINDS ? kind_names[kind] : "unknown";
}

void tl_qspec_default(struct tl_qspec *out, enum tl_qkind kind)
{
	*out = (struct tl_qspec){
		.kind = kind,
		.limit_pkts = 1000,
		.mtu = TL_FRAME_MTU,
		/* RED: max_p 0.1 (Floyd's later advice); thresholds 0 = derived from the limit. */
		.red = { .max_p = 0.1, .wq = 0.002, .avpkt = 1000 },
		.codel = { .target_ns = 5 * TL_NSEC_PER_MSEC, .interval_ns = 100 * TL_NSEC_PER_MSEC },
		.pie = { .target_ns = 15 * TL_NSEC_PER_MSEC, .tupdate_ns = 15 * TL_NSEC_PER_MSEC,
			 .max_burst_ns = 150 * TL_NSEC_PER_MSEC, .alpha = 0.125, .beta = 1.25 },
		.fq_codel = { .flows = 1024, .quantum = TL_FRAME_MTU, .drop_batch = 64,
			      .codel = { .target_ns = 5 * TL_NSEC_PER_MSEC,
					 .interval_ns = 100 * TL_NSEC_PER_MSEC } },
		/* [GSP15] section 3: interval about 2 x RTT (0: the testbed's), tau about 5 x
		 * the interval, alpha "not much larger than 1". */
		.gsp = { .threshold_ns = 10 * TL_NSEC_PER_MSEC, .alpha = 1.1 },
		/* [PVPIE17]: PIE's controller with a 20 ms reference (ns-3 PV-PIE). */
		.ppv = { .window_ns = 100 * TL_NSEC_PER_MSEC, .ecdf = 1024,
			 .pie = { .target_ns = 20 * TL_NSEC_PER_MSEC,
				  .tupdate_ns = 32 * TL_NSEC_PER_MSEC,
				  .max_burst_ns = 150 * TL_NSEC_PER_MSEC, .alpha = 0.125,
				  .beta = 1.25 } },
		/* RFC 9332 Appendix A.1, Figure 2. */
		.dualpi2 = { .target_ns = 15 * TL_NSEC_PER_MSEC, .tupdate_ns = 16 * TL_NSEC_PER_MSEC,
			     .alpha = 0.16, .beta = 3.2, .k = 2, .step_ns = TL_NSEC_PER_MSEC,
			     .tshift_ns = 30 * TL_NSEC_PER_MSEC },
	};
	for (unsigned i = 0; i < TL_PPV_HOSTS; i++)
		out->ppv.weight[i] = 1;
	if (kind == TL_QDISC_DUALPI2)
		out->ecn = true; /* RFC 9332 section 2.5.1.1: the classic queue marks ECT(0) */
	if (kind == TL_QDISC_FQ_CODEL) {
		out->limit_pkts = 10240;
		out->limit_bytes = 32ull << 20;
		out->ecn = false; /* RFC 8290 says on; off until the forwarder rewrites CE */
	}
}

/* One --aqm key: where it is stored, how it is parsed, its bounds. */
enum key_type { K_DURATION, K_SIZE, K_COUNT, K_PROB, K_REAL, K_FLAG, K_CUSTOM };
enum store { S_U64, S_U32, S_DOUBLE, S_BOOL };

struct key {
	const char *name;
	unsigned kinds; /* bit per enum tl_qkind */
	enum key_type type;
	enum store store;
	size_t offset;
	double min, max;
	tl_qspec_key_fn custom; /* K_CUSTOM: parses and stores the value itself */
};

#define K(kind) (1u << (kind))
#define ALL_AQM (K(TL_QDISC_RED) | K(TL_QDISC_CODEL) | K(TL_QDISC_PIE) | K(TL_QDISC_FQ_CODEL) | \
		 K(TL_QDISC_GSP) | K(TL_QDISC_PPV) | K(TL_QDISC_DUALPI2))
#define GSP K(TL_QDISC_GSP)
#define PPV K(TL_QDISC_PPV)
#define DPI2 K(TL_QDISC_DUALPI2)
#define OFF(field) offsetof(struct tl_qspec, field)
#define MS 1e6
#define SEC 1e9

static const struct key keys[] = {
	{ "min", K(TL_QDISC_RED), K_SIZE, S_U64, OFF(red.min_bytes), 1, 1e12, NULL },
	{ "max", K(TL_QDISC_RED), K_SIZE, S_U64, OFF(red.max_bytes), 1, 1e12, NULL },
	{ "p", K(TL_QDISC_RED), K_PROB, S_DOUBLE, OFF(red.max_p), 1e-9, 1, NULL },
	{ "wq", K(TL_QDISC_RED), K_PROB, S_DOUBLE, OFF(red.wq), 1e-9, 1, NULL },
	{ "avpkt", K(TL_QDISC_RED), K_SIZE, S_U32, OFF(red.avpkt), 20, 65536, NULL },
	{ "gentle", K(TL_QDISC_RED), K_FLAG, S_BOOL, OFF(red.gentle), 0, 1, NULL },
	{ "target", K(TL_QDISC_CODEL), K_DURATION, S_U64, OFF(codel.target_ns), 1000, 10 * SEC, NULL },
	{ "interval", K(TL_QDISC_CODEL), K_DURATION, S_U64, OFF(codel.interval_ns), 1000, 60 * SEC, NULL },
	{ "target", K(TL_QDISC_PIE), K_DURATION, S_U64, OFF(pie.target_ns), 1000, 10 * SEC, NULL },
	{ "tupdate", K(TL_QDISC_PIE), K_DURATION, S_U64, OFF(pie.tupdate_ns), 100000, 10 * SEC, NULL },
	{ "burst", K(TL_QDISC_PIE), K_DURATION, S_U64, OFF(pie.max_burst_ns), 0, 60 * SEC, NULL },
	{ "alpha", K(TL_QDISC_PIE), K_REAL, S_DOUBLE, OFF(pie.alpha), 0, 100, NULL },
	{ "beta", K(TL_QDISC_PIE), K_REAL, S_DOUBLE, OFF(pie.beta), 0, 100, NULL },
	{ "derand", K(TL_QDISC_PIE), K_FLAG, S_BOOL, OFF(pie.derand), 0, 1, NULL },
	{ "flows", K(TL_QDISC_FQ_CODEL), K_COUNT, S_U32, OFF(fq_codel.flows), 1, 65536, NULL },
	{ "quantum", K(TL_QDISC_FQ_CODEL), K_SIZE, S_U32, OFF(fq_codel.quantum), 64, 1048576, NULL },
	{ "drop_batch", K(TL_QDISC_FQ_CODEL), K_COUNT, S_U32, OFF(fq_codel.drop_batch), 1, 65536, NULL },
	{ "memory", K(TL_QDISC_FQ_CODEL), K_SIZE, S_U64, OFF(limit_bytes), 1514, 1e12, NULL },
	{ "target", K(TL_QDISC_FQ_CODEL), K_DURATION, S_U64, OFF(fq_codel.codel.target_ns), 1000,
	  10 * SEC, NULL },
	{ "interval", K(TL_QDISC_FQ_CODEL), K_DURATION, S_U64, OFF(fq_codel.codel.interval_ns),
	  1000, 60 * SEC, NULL },
	{ "threshold", GSP, K_CUSTOM, S_U64, 0, 0, 0, tl_qspec_gsp_threshold },
	{ "interval", GSP, K_DURATION, S_U64, OFF(gsp.interval_ns), 1000, 60 * SEC, NULL },
	{ "tau", GSP, K_DURATION, S_U64, OFF(gsp.tau_ns), 1000, 600 * SEC, NULL },
	{ "alpha", GSP, K_REAL, S_DOUBLE, OFF(gsp.alpha), 1e-9, 100, NULL },
	{ "max_time", GSP, K_DURATION, S_U64, OFF(gsp.max_time_ns), 1000, 3600 * SEC, NULL },
	{ "adaptive", GSP, K_FLAG, S_BOOL, OFF(gsp.adaptive), 0, 1, NULL },
	{ "delay", GSP, K_FLAG, S_BOOL, OFF(gsp.delay), 0, 1, NULL },
	{ "core", PPV, K_CUSTOM, S_U32, 0, 0, 0, tl_qspec_ppv_core },
	{ "class", PPV, K_CUSTOM, S_U32, 0, 0, 0, tl_qspec_ppv_class },
	{ "weights", PPV, K_CUSTOM, S_DOUBLE, 0, 0, 0, tl_qspec_ppv_weights },
	{ "tvf", PPV, K_CUSTOM, S_DOUBLE, 0, 0, 0, tl_qspec_ppv_tvf },
	{ "window", PPV, K_DURATION, S_U64, OFF(ppv.window_ns), 100000, 60 * SEC, NULL },
	{ "ecdf", PPV, K_COUNT, S_U32, OFF(ppv.ecdf), 16, 65536, NULL },
	{ "target", PPV, K_DURATION, S_U64, OFF(ppv.pie.target_ns), 1000, 10 * SEC, NULL },
	{ "tupdate", PPV, K_DURATION, S_U64, OFF(ppv.pie.tupdate_ns), 100000, 10 * SEC, NULL },
	{ "burst", PPV, K_DURATION, S_U64, OFF(ppv.pie.max_burst_ns), 0, 60 * SEC, NULL },
	{ "alpha", PPV, K_REAL, S_DOUBLE, OFF(ppv.pie.alpha), 0, 100, NULL },
	{ "beta", PPV, K_REAL, S_DOUBLE, OFF(ppv.pie.beta), 0, 100, NULL },
	{ "target", DPI2, K_DURATION, S_U64, OFF(dualpi2.target_ns), 1000, 10 * SEC, NULL },
	{ "tupdate", DPI2, K_DURATION, S_U64, OFF(dualpi2.tupdate_ns), 100000, 10 * SEC, NULL },
	{ "alpha", DPI2, K_REAL, S_DOUBLE, OFF(dualpi2.alpha), 0, 100, NULL },
	{ "beta", DPI2, K_REAL, S_DOUBLE, OFF(dualpi2.beta), 0, 100, NULL },
	{ "k", DPI2, K_REAL, S_DOUBLE, OFF(dualpi2.k), 0.01, 100, NULL },
	{ "step", DPI2, K_DURATION, S_U64, OFF(dualpi2.step_ns), 1000, 10 * SEC, NULL },
	{ "tshift", DPI2, K_DURATION, S_U64, OFF(dualpi2.tshift_ns), 0, 10 * SEC, NULL },
	{ "mtu", ALL_AQM, K_SIZE, S_U32, OFF(mtu), 64, 65536 + 14, NULL },
	{ "ecn", ALL_AQM, K_FLAG, S_BOOL, OFF(ecn), 0, 1, NULL },
};

static const struct key *find_key(enum tl_qkind kind, const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((keys[i].kinds & K(kind)) && strlen(keys[i].name) == len &&
		    strncmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

static void known_keys(enum tl_qkind kind, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && used < len; i++)
		if (keys[i].kinds & K(kind))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 keys[i].name);
}

int tl_qspec_parse_real(const char *name, const char *s, bool percent_ok, double min, double max,
			double *out, struct tl_err *err)
{
	if (!s)
		return tl_err_set(err, EINVAL, "%s: missing value", name);
	char *end;
	size_t len = strlen(s);
	bool percent = percent_ok && len > 1 && s[len - 1] == '%';
	size_t digits = strspn(s, "0123456789.");
	errno = 0;
	double v = strtod(s, &end);
	/* Plain decimals only: strtod would also take "inf", "nan", hex and exponents. */
	if (len == 0 || digits == 0 || digits != len - (percent ? 1 : 0) || end != s + digits ||
	    errno)
		return tl_err_set(err, EINVAL, "%s \"%s\": not a number (write e.g. %s)", name, s,
				  percent_ok ? "0.1 or 10%" : "0.125");
	if (percent)
		v /= 100;
	if (v < min || v > max) {
		if (min > 0 && min < 1e-6) /* "above 0" reads better than 1e-09 */
			return tl_err_set(err, ERANGE, "%s \"%s\": out of range (above 0, at most %g)",
					  name, s, max);
		return tl_err_set(err, ERANGE, "%s \"%s\": out of range (%g to %g)", name, s, min, max);
	}
	*out = v;
	return 0;
}

static int parse_flag(const char *name, const char *s, bool *out, struct tl_err *err)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return tl_err_set(err, EINVAL, "%s \"%s\": not on or off (write %s, %s=on or %s=off)",
			  name, s, name, name, name);
}

static int set_key(struct tl_qspec *q, const struct key *k, const char *val, struct tl_err *err)
{
	char *base = (char *)q + k->offset;
	uint64_t u = 0;
	double d = 0;
	bool b = true;
	int ret;
	switch (k->type) {
	case K_DURATION:
		ret = tl_parse_duration(k->name, val, (uint64_t)k->min, (uint64_t)k->max, &u, err);
		break;
	case K_SIZE:
		ret = tl_parse_size(k->name, val, (uint64_t)k->min, (uint64_t)k->max, &u, err);
		break;
	case K_COUNT:
		ret = tl_parse_count(k->name, val, (uint64_t)k->min, (uint64_t)k->max, &u, err);
		break;
	case K_PROB:
	case K_REAL:
		ret = tl_qspec_parse_real(k->name, val, k->type == K_PROB, k->min, k->max, &d, err);
		break;
	case K_CUSTOM:
		return k->custom(q, val, err);
	case K_FLAG:
	default:
		ret = val ? parse_flag(k->name, val, &b, err) : 0;
		break;
	}
	if (ret < 0)
		return ret;
	switch (k->store) {
	case S_U64: memcpy(base, &u, sizeof(u)); break;
	case S_U32: { uint32_t v = (uint32_t)u; memcpy(base, &v, sizeof(v)); break; }
	case S_DOUBLE: memcpy(base, &d, sizeof(d)); break;
	case S_BOOL: memcpy(base, &b, sizeof(b)); break;
	}
	return 0;
}

static int parse_params(enum tl_qkind kind, char *params, struct tl_qspec *q, struct tl_err *err)
{
	char *save = NULL;
	for (char *tok = strtok_r(params, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		size_t name_len = eq ? (size_t)(eq - tok) : strlen(tok);
		const struct key *k = find_key(kind, tok, name_len);
		if (!k) {
			char known[256];
			known_keys(kind, known, sizeof(known));
			return tl_err_set(err, EINVAL, "unknown parameter \"%.*s\" for %s (known: %s)",
					  (int)name_len, tok, tl_qkind_name(kind),
					  known[0] ? known : "none");
		}
		if (!eq && k->type != K_FLAG)
			return tl_err_set(err, EINVAL, "%s needs a value (write %s=...)", k->name,
					  k->name);
		int ret = set_key(q, k, eq ? eq + 1 : NULL, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int tl_qspec_parse(const char *what, const char *s, struct tl_qspec *out, struct tl_err *err)
{
	int ret = -1;
	char *copy = s ? strdup(s) : NULL;
	if (!copy) {
		ret = s ? tl_err_set(err, ENOMEM, "%s: out of memory", what)
			: tl_err_set(err, EINVAL, "%s: missing value (choose " KIND_CHOICES ")",
				     what);
		goto out;
	}
	char *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	int kind = -1;
	for (int i = 0; i < TL_QDISC_KINDS; i++)
		if (strcasecmp(copy, kind_names[i]) == 0)
			kind = i;
	if (kind < 0) {
		ret = tl_err_set(err, EINVAL, "%s \"%s\": unknown discipline \"%s\" (choose "
				 KIND_CHOICES ")", what, s, copy);
		goto out;
	}
	struct tl_qspec q;
	tl_qspec_default(&q, (enum tl_qkind)kind);
	if (colon && (ret = parse_params((enum tl_qkind)kind, colon + 1, &q, err)) < 0) {
		tl_err_prefix(err, "%s \"%s\"", what, s);
		goto out;
	}
	if ((ret = tl_qspec_validate(&q, err)) < 0) {
		tl_err_prefix(err, "%s \"%s\"", what, s);
		goto out;
	}
	*out = q;
	ret = 0;
out:
	free(copy);
	return ret;
}

int tl_qspec_parse_buffer(const char *what, const char *s, struct tl_buffer_spec *out,
			  struct tl_err *err)
{
	static const char hint[] = "write bytes 64K or 150000, packets 100p, or a multiple of "
				   "rate x RTT 1bdp or 0.5bdp";
	size_t len = s ? strlen(s) : 0;
	if (len > 3 && strcasecmp(s + len - 3, "bdp") == 0) {
		char num[64];
		char *end;
		if (len - 3 >= sizeof(num))
			goto bad;
		memcpy(num, s, len - 3);
		num[len - 3] = '\0';
		errno = 0;
		double v = strtod(num, &end);
		if (end == num || *end || errno || !isfinite(v) || strspn(num, "0123456789.") != len - 3)
			goto bad;
		if (v <= 0 || v > 1000)
			return tl_err_set(err, ERANGE, "%s \"%s\": out of range (more than 0 and at "
					  "most 1000bdp)", what, s);
		*out = (struct tl_buffer_spec){ .unit = TL_BUF_BDP, .bdp = v };
		return 0;
	}
	if (len > 1 && (s[len - 1] == 'p' || s[len - 1] == 'P')) {
		char num[64];
		uint64_t v;
		if (len - 1 >= sizeof(num))
			goto bad;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		if (strspn(num, "0123456789") != len - 1)
			goto bad;
		int ret = tl_parse_count(what, num, 1, 100000000, &v, err);
		if (ret < 0)
			return tl_err_set(err, ERANGE, "%s \"%s\": out of range (1p to 100000000p)",
					  what, s);
		*out = (struct tl_buffer_spec){ .unit = TL_BUF_PKTS, .count = v };
		return 0;
	}
	uint64_t bytes;
	if (tl_parse_size(what, s, 1, 1ull << 40, &bytes, NULL) == 0) {
		*out = (struct tl_buffer_spec){ .unit = TL_BUF_BYTES, .count = bytes };
		return 0;
	}
	if (s && tl_parse_size(what, s, 0, UINT64_MAX, &bytes, NULL) == 0)
		return tl_err_set(err, ERANGE, "%s \"%s\": out of range (1 byte to 1T)", what, s);
bad:
	return tl_err_set(err, EINVAL, "%s \"%s\": not a buffer size (%s)", what, s ? s : "", hint);
}

int tl_qspec_apply_buffer(struct tl_qspec *q, const struct tl_buffer_spec *b, uint64_t rate_bps,
			  uint64_t rtt_ns, struct tl_err *err)
{
	uint64_t bytes;
	switch (b->unit) {
	case TL_BUF_PKTS:
		q->limit_pkts = b->count;
		if (q->kind != TL_QDISC_FQ_CODEL)
			q->limit_bytes = 0;
		return 0;
	case TL_BUF_BDP:
		if (rate_bps == 0 || rtt_ns == 0)
			return tl_err_set(err, EINVAL, "buffer %gbdp: needs both a rate and an RTT "
					  "(give --rate and --rtt, or the buffer in bytes)", b->bdp);
		bytes = (uint64_t)llround(b->bdp * (double)rate_bps / 8.0 * (double)rtt_ns / 1e9);
		if (bytes < q->mtu)
			return tl_err_set(err, EINVAL, "buffer %gbdp: %llu B is less than one "
					  "full-size packet (%u B) at this rate and RTT; give a "
					  "larger multiple or the size in bytes (e.g. %uB)",
					  b->bdp, (unsigned long long)bytes, q->mtu, q->mtu);
		break;
	case TL_BUF_BYTES:
	default:
		bytes = b->count;
		if (bytes < q->mtu)
			return tl_err_set(err, EINVAL, "buffer %llu B: less than one full-size packet "
					  "(%u B), so no packet would fit; give at least %uB",
					  (unsigned long long)bytes, q->mtu, q->mtu);
		break;
	}
	q->limit_bytes = bytes;
	/* A buffer in bytes is the limit; FQ-CoDel keeps its packet limit too (RFC 8290). */
	if (q->kind != TL_QDISC_FQ_CODEL)
		q->limit_pkts = 0;
	return 0;
}

int tl_qspec_validate(const struct tl_qspec *q, struct tl_err *err)
{
	if ((unsigned)q->kind >= TL_QDISC_KINDS)
		return tl_err_set(err, EINVAL, "discipline %d: unknown", (int)q->kind);
	if (q->mtu < 64)
		return tl_err_set(err, EINVAL, "mtu %u: too small (at least 64)", q->mtu);
	switch (q->kind) {
	case TL_QDISC_RED:
		if (q->red.min_bytes && q->red.max_bytes && q->red.min_bytes >= q->red.max_bytes)
			return tl_err_set(err, EINVAL, "min (%llu B) must be below max (%llu B); max "
					  "about 3 x min is usual",
					  (unsigned long long)q->red.min_bytes,
					  (unsigned long long)q->red.max_bytes);
		if (!(q->red.max_p > 0 && q->red.max_p <= 1) || !(q->red.wq > 0 && q->red.wq <= 1))
			return tl_err_set(err, EINVAL, "p %g and wq %g must be in (0, 1]", q->red.max_p,
					  q->red.wq);
		if (q->red.avpkt == 0)
			return tl_err_set(err, EINVAL, "avpkt must be at least 1 byte");
		break;
	case TL_QDISC_CODEL:
		if (!q->codel.target_ns || !q->codel.interval_ns)
			return tl_err_set(err, EINVAL, "target and interval must be above 0");
		break;
	case TL_QDISC_PIE:
		if (!q->pie.target_ns || !q->pie.tupdate_ns)
			return tl_err_set(err, EINVAL, "target and tupdate must be above 0");
		if (!(q->pie.alpha >= 0) || !(q->pie.beta >= 0))
			return tl_err_set(err, EINVAL, "alpha %g and beta %g must be >= 0",
					  q->pie.alpha, q->pie.beta);
		break;
	case TL_QDISC_FQ_CODEL:
		if (!q->fq_codel.flows || !q->fq_codel.quantum || !q->fq_codel.drop_batch)
			return tl_err_set(err, EINVAL, "flows, quantum and drop_batch must be above 0");
		if (!q->fq_codel.codel.target_ns || !q->fq_codel.codel.interval_ns)
			return tl_err_set(err, EINVAL, "target and interval must be above 0");
		break;
	case TL_QDISC_GSP:
		if (!(q->gsp.alpha > 0))
			return tl_err_set(err, EINVAL, "alpha %g must be above 0 (about 1)", q->gsp.alpha);
		if (q->gsp.delay && !q->gsp.threshold_ns)
			return tl_err_set(err, EINVAL, "a delay-based threshold must be above 0");
		break;
	case TL_QDISC_PPV:
		if (!q->ppv.pie.target_ns || !q->ppv.pie.tupdate_ns || !q->ppv.window_ns ||
		    q->ppv.ecdf < 16)
			return tl_err_set(err, EINVAL, "target, tupdate and window must be above 0, "
					  "ecdf at least 16");
		for (unsigned i = 0; i < TL_PPV_HOSTS; i++)
			if (!(q->ppv.weight[i] > 0))
				return tl_err_set(err, EINVAL, "the weight of snd%u is %g; a weight "
						  "must be above 0", i, q->ppv.weight[i]);
		break;
	case TL_QDISC_DUALPI2:
		if (!q->dualpi2.target_ns || !q->dualpi2.tupdate_ns || !(q->dualpi2.k > 0))
			return tl_err_set(err, EINVAL, "target, tupdate and k must be above 0");
		break;
	case TL_QDISC_TAILDROP:
	default:
		break;
	}
	return 0;
}
