#include "measure/tcpinfo.h"

/*
 * <linux/tcp.h> and <netinet/tcp.h> both define struct tcp_info (differently) and cannot be
 * included together; this is the only file of tcplab that includes the former, because only
 * the uapi struct has the newer fields. It needs uapi headers from Linux 5.4 or later
 * (tcpi_snd_wnd); Debian 12's linux-libc-dev 6.1 has every field used here. Fields newer
 * than 6.1 (tcpi_rcv_wnd, tcpi_total_rto ... ) are not read.
 */
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "util/clock.h"
#include "util/err.h"

/* The kernel's TCP_CA_NAME_MAX (include/net/tcp.h, not in uapi). */
#define CA_NAME_MAX 16

/*
 * The kernel copies min(optlen, its sizeof(struct tcp_info)) and returns that length, so an
 * older kernel gives a prefix of the struct: a field counts only if it lies wholly inside it.
 */
#define HAVE(len, field)                                                                   \
	((size_t)(len) >= offsetof(struct tcp_info, field) + sizeof(((struct tcp_info *)0)->field))

int tl_tcpinfo_read(int fd, struct tl_tcpinfo *out, struct tl_err *err)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return tl_err_errno(err, "getsockopt(fd %d, TCP_INFO)", fd);
	memset(out, 0, sizeof(*out));
	out->when_ns = tl_now_ns();
	/* The first 8 bytes (state ... wscale, app_limited bit) exist on every kernel; the
	 * app_limited bit (4.9) was padding before, so an old kernel reads 0 there. */
	if (!HAVE(len, tcpi_rto))
		return tl_err_set(err, EPROTO, "getsockopt(fd %d, TCP_INFO) returned only %u bytes",
				  fd, (unsigned)len);
	out->state = ti.tcpi_state;
	out->ca_state = ti.tcpi_ca_state;
	out->snd_wscale = ti.tcpi_snd_wscale;
	out->rcv_wscale = ti.tcpi_rcv_wscale;
	out->delivery_rate_app_limited = ti.tcpi_delivery_rate_app_limited;

/* Copies a field when the kernel filled it. The version that added each is noted. */
#define COPY(dst, field)                                                                   \
	do {                                                                               \
		if (HAVE(len, field))                                                      \
			out->dst = ti.field;                                               \
	} while (0)
	COPY(snd_mss, tcpi_snd_mss);
	COPY(unacked, tcpi_unacked);
	COPY(lost, tcpi_lost);
	COPY(rtt_us, tcpi_rtt);
	COPY(rttvar_us, tcpi_rttvar);
	COPY(snd_ssthresh, tcpi_snd_ssthresh);
	COPY(snd_cwnd, tcpi_snd_cwnd);
	COPY(rcv_space, tcpi_rcv_space);
	COPY(total_retrans, tcpi_total_retrans);
	COPY(pacing_rate, tcpi_pacing_rate);         /* 3.15 */
	COPY(max_pacing_rate, tcpi_max_pacing_rate); /* 3.15 */
	COPY(bytes_acked, tcpi_bytes_acked);         /* 4.1 */
	COPY(bytes_received, tcpi_bytes_received);   /* 4.1 */
	COPY(notsent_bytes, tcpi_notsent_bytes);     /* 4.6 */
	COPY(min_rtt_us, tcpi_min_rtt);              /* 4.6 */
	COPY(delivery_rate, tcpi_delivery_rate);     /* 4.9 */
	COPY(busy_us, tcpi_busy_time);               /* 4.10 */
	COPY(rwnd_limited_us, tcpi_rwnd_limited);    /* 4.10 */
	COPY(sndbuf_limited_us, tcpi_sndbuf_limited); /* 4.10 */
	COPY(bytes_sent, tcpi_bytes_sent);           /* 4.19 */
	COPY(bytes_retrans, tcpi_bytes_retrans);     /* 4.19 */
	COPY(reord_seen, tcpi_reord_seen);           /* 4.19 */
	COPY(snd_wnd, tcpi_snd_wnd);                 /* 5.4 */
#undef COPY
	return 0;
}

int tl_tcp_congestion_get(int fd, char *name, size_t len, struct tl_err *err)
{
	char buf[CA_NAME_MAX + 1];
	socklen_t optlen = CA_NAME_MAX;
	memset(buf, 0, sizeof(buf));
	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, buf, &optlen) != 0)
		return tl_err_errno(err, "getsockopt(fd %d, TCP_CONGESTION)", fd);
	size_t n = strnlen(buf, CA_NAME_MAX);
	if (len == 0 || n >= len)
		return tl_err_set(err, ERANGE, "getsockopt(fd %d, TCP_CONGESTION): name \"%s\" does "
				  "not fit in %zu bytes", fd, buf, len);
	memcpy(name, buf, n + 1);
	return 0;
}

/* Share of T (ns) that d microseconds are, clamped to [0, 1]. */
static double share_of(long double d_us, long double t_ns)
{
	long double s = d_us * 1000.0L / t_ns;
	return s < 0.0L ? 0.0 : s > 1.0L ? 1.0 : (double)s;
}

static uint64_t delta(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

void tl_tcpinfo_limits(const struct tl_tcpinfo *a, const struct tl_tcpinfo *b,
		       struct tl_limits *out)
{
	memset(out, 0, sizeof(*out));
	out->dominant = TL_LIMIT_APP;
	if (b->when_ns <= a->when_ns)
		return;
	long double t = (long double)(b->when_ns - a->when_ns);
	/* tcpi_busy_time already includes the rwnd- and sndbuf-limited time (the kernel's
	 * tcp_get_info_chrono_stats() sums all three chronographs into it). The chronographs
	 * tick in jiffies (1-10 ms), so short intervals are coarse. */
	long double busy = (long double)delta(a->busy_us, b->busy_us);
	long double rwnd = (long double)delta(a->rwnd_limited_us, b->rwnd_limited_us);
	long double sndbuf = (long double)delta(a->sndbuf_limited_us, b->sndbuf_limited_us);
	out->share[TL_LIMIT_APP] = 1.0 - share_of(busy, t);
	out->share[TL_LIMIT_RWND] = share_of(rwnd, t);
	out->share[TL_LIMIT_SNDBUF] = share_of(sndbuf, t);
	out->share[TL_LIMIT_NET] = share_of(busy - rwnd - sndbuf, t);
	for (int l = 1; l < TL_LIMIT_COUNT; l++)
		if (out->share[l] > out->share[out->dominant])
			out->dominant = (enum tl_limit)l;
}

void tl_tcpinfo_limits_window(const struct tl_tcpinfo *a, const struct tl_tcpinfo *b,
			      struct tl_limits *out, double *rate_bps, double *window_bps)
{
	tl_tcpinfo_limits(a, b, out);
	*rate_bps = *window_bps = 0.0;
	if (out->share[TL_LIMIT_APP] < 0.5 && out->share[TL_LIMIT_RWND] >= TL_LIMIT_RWND_SHARE)
		out->dominant = TL_LIMIT_RWND;
	if (b->when_ns <= a->when_ns || !b->rtt_us || !b->snd_wnd)
		return;
	*rate_bps = (double)delta(a->bytes_acked, b->bytes_acked) * 8e9 / (double)(b->when_ns - a->when_ns);
	*window_bps = (double)b->snd_wnd * 8e6 / (double)b->rtt_us;
	if (out->share[TL_LIMIT_APP] < 0.5 &&
	    (*rate_bps >= TL_LIMIT_WINDOW_SHARE * *window_bps || out->share[TL_LIMIT_RWND] >= TL_LIMIT_RWND_SHARE))
		out->dominant = TL_LIMIT_RWND;
}

const char *tl_limit_name(enum tl_limit l)
{
	switch (l) {
	case TL_LIMIT_APP:
		return "app";
	case TL_LIMIT_RWND:
		return "rwnd";
	case TL_LIMIT_SNDBUF:
		return "sndbuf";
	case TL_LIMIT_NET:
		return "network";
	default:
		return "unknown";
	}
}

/* A JSON integer, clamped to int64 (byte counters cannot reach it in practice). */
static json_t *jint(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* bytes/s as bit/s; the kernel's ~0 ("no limit", e.g. max_pacing_rate unset) is null. */
static json_t *jrate_bits(uint64_t bytes_per_s)
{
	if (bytes_per_s > (uint64_t)INT64_MAX / 8)
		return json_null();
	return json_integer((json_int_t)(bytes_per_s * 8));
}

json_t *tl_tcpinfo_to_json(const struct tl_tcpinfo *ti)
{
	return json_pack(
		"{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o,"
		" s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"state", jint(ti->state), "ca_state", jint(ti->ca_state),
		"rtt", jint(ti->rtt_us), "rttvar", jint(ti->rttvar_us),
		"min_rtt", jint(ti->min_rtt_us),
		"snd_cwnd", jint(ti->snd_cwnd),
		"snd_cwnd_bytes", jint((uint64_t)ti->snd_cwnd * ti->snd_mss),
		"snd_mss", jint(ti->snd_mss), "snd_ssthresh", jint(ti->snd_ssthresh),
		"retransmits", jint(ti->total_retrans), "lost", jint(ti->lost),
		"unacked", jint(ti->unacked),
		"delivery_rate", jrate_bits(ti->delivery_rate),
		"delivery_rate_app_limited", ti->delivery_rate_app_limited != 0,
		"pacing_rate", jrate_bits(ti->pacing_rate),
		"max_pacing_rate", jrate_bits(ti->max_pacing_rate),
		"busy_time_us", jint(ti->busy_us), "rwnd_limited_us", jint(ti->rwnd_limited_us),
		"sndbuf_limited_us", jint(ti->sndbuf_limited_us),
		"bytes_acked", jint(ti->bytes_acked), "bytes_received", jint(ti->bytes_received),
		"bytes_sent", jint(ti->bytes_sent), "bytes_retrans", jint(ti->bytes_retrans),
		"snd_wnd", jint(ti->snd_wnd), "notsent_bytes", jint(ti->notsent_bytes),
		"rcv_space", jint(ti->rcv_space), "reord_seen", jint(ti->reord_seen),
		"snd_wscale", jint(ti->snd_wscale), "rcv_wscale", jint(ti->rcv_wscale));
}
