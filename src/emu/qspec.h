#ifndef TCPLAB_EMU_QSPEC_H
#define TCPLAB_EMU_QSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * What a bottleneck queue is: its discipline, its size and the discipline's parameters.
 * A plain struct, filled with defaults by tl_qspec_default(), from the command line by
 * tl_qspec_parse() and tl_qspec_apply_buffer(), and checked by tl_qspec_validate().
 * All sizes are in the bytes the router counts (see emu/pkt.h: Ethernet frame, 1514 B for a
 * full-size packet).
 */

enum tl_qkind {
	TL_QDISC_TAILDROP,
	TL_QDISC_RED,
	TL_QDISC_CODEL,
	TL_QDISC_PIE,
	TL_QDISC_FQ_CODEL,
	TL_QDISC_GSP,
	TL_QDISC_PPV,
	TL_QDISC_DUALPI2,
	TL_QDISC_KINDS
};

/* Floyd and Jacobson 1993; thresholds on the average backlog in bytes. */
struct tl_red_params {
	uint64_t min_bytes;  /* min_th; 0: max_th / 3 */
	uint64_t max_bytes;  /* max_th; 0: 3 min_th, or half the limit if neither is given */
	double max_p;        /* drop probability at max_th (default 0.1) */
	double wq;           /* EWMA weight (default 0.002) */
	uint32_t avpkt;      /* typical packet size: idle time / its transmission time = m */
	bool gentle;         /* ramp p from max_p to 1 over [max_th, 2 max_th] */
};

/* RFC 8289 (also FQ-CoDel's per-flow CoDel, RFC 8290 section 5.2). */
struct tl_codel_params {
	uint64_t target_ns;   /* 5 ms */
	uint64_t interval_ns; /* 100 ms */
};

/* RFC 8033; alpha and beta in 1/s with delays in seconds. */
struct tl_pie_params {
	uint64_t target_ns;    /* QDELAY_REF, 15 ms */
	uint64_t tupdate_ns;   /* T_UPDATE, 15 ms */
	uint64_t max_burst_ns; /* MAX_BURST, 150 ms */
	double alpha;          /* 0.125 */
	double beta;           /* 1.25 */
	bool derand;           /* section 5.4 de-randomisation */
};

/* RFC 8290. */
struct tl_fq_codel_params {
	uint32_t flows;      /* 1024 */
	uint32_t quantum;    /* 1514 */
	uint32_t drop_batch; /* at most this many packets dropped per overflow (64) */
	struct tl_codel_params codel;
};

/*
 * GSP, Lautenschlaeger and Francini, HPSR 2015 [GSP15]; draft-lauten-aqm-gsp-03 [GSPDRAFT]:
 * at most one drop (or mark) per interval while the queue is above the threshold.
 */
struct tl_gsp_params {
	bool adaptive;            /* the interval shrinks with the time spent above */
	bool delay;               /* the threshold is a sojourn time (threshold_ns) */
	uint64_t threshold_bytes; /* 0: half the buffer's limit */
	uint64_t threshold_ns;    /* delay-based: 10 ms */
	uint64_t interval_ns;     /* presetInt; 0: 2 x the path's RTT (the testbed fills it
				   * in), else 100 ms */
	uint64_t tau_ns;          /* adaptation time constant; 0: 5 x interval */
	double alpha;             /* weight of the time above the threshold (1.1) */
	uint64_t max_time_ns;     /* cap of the accumulated time; 0: 4 x tau */
};

/* PPV, Nadas, Turanyi, Racz, GLOBECOM 2016 [PPV16]; Laki et al. [PVPIE17]. */
enum tl_ppv_core { TL_PPV_PPOV, TL_PPV_PIE };
enum tl_ppv_class { TL_PPV_FLOW, TL_PPV_HOST };
#define TL_PPV_HOSTS 33      /* index: the router port (0 receiver, 1..32 senders) */
#define TL_PPV_TVF_POINTS 8

struct tl_ppv_params {
	enum tl_ppv_core core;
	enum tl_ppv_class cls;
	double weight[TL_PPV_HOSTS]; /* per sender host; TVF_w(r) = TVF(r / w); default 1 */
	uint32_t tvf_points;         /* 0: the built-in TVF ("equal") */
	double tvf_rate[TL_PPV_TVF_POINTS];  /* bit/s, ascending */
	double tvf_value[TL_PPV_TVF_POINTS]; /* packet values, not increasing */
	uint64_t window_ns;          /* the marker's rate estimator time constant (100 ms) */
	uint32_t ecdf;               /* PV-PIE: recent values the threshold is a quantile of */
	struct tl_pie_params pie;    /* PV-PIE's controller: 20 ms target, 32 ms update */
};

/* DualPI2, RFC 9332 Appendix A (the example DualQ Coupled AQM). */
struct tl_dualpi2_params {
	uint64_t target_ns;  /* the classic queue's delay target, 15 ms */
	uint64_t tupdate_ns; /* PI update period, 16 ms */
	double alpha;        /* PI gains per update (Figure 2: alpha = 0.1 Tupdate / RTT_max^2): 0.16 */
	double beta;         /* 3.2 */
	double k;            /* coupling factor, 2 */
	uint64_t step_ns;    /* the L4S queue's step marking threshold, 1 ms */
	uint64_t tshift_ns;  /* time-shifted FIFO: the classic head counts as this much older
			      * (RFC 9332 section 4.2.2 leaves it open; 2 x target) */
};

struct tl_qspec {
	enum tl_qkind kind;
	uint64_t limit_bytes; /* 0: no byte limit; FQ-CoDel: its memory limit */
	uint64_t limit_pkts;  /* 0: no packet limit */
	uint32_t mtu;         /* a full-size packet as counted (1514): CoDel's maxpacket */
	bool ecn;             /* mark ECN-capable packets instead of dropping them */
	uint64_t seed;        /* RED's and PIE's random decisions */
	uint64_t rate_bps;    /* the link's rate, for RED's idle-time decay (set by the link) */
	struct tl_red_params red;
	struct tl_codel_params codel;
	struct tl_pie_params pie;
	struct tl_fq_codel_params fq_codel;
	struct tl_gsp_params gsp;
	struct tl_ppv_params ppv;
	struct tl_dualpi2_params dualpi2;
};

/* How the buffer was asked for: --buffer 64K, 100p or 0.5bdp. */
enum tl_buf_unit { TL_BUF_BYTES, TL_BUF_PKTS, TL_BUF_BDP };
struct tl_buffer_spec {
	enum tl_buf_unit unit;
	uint64_t count; /* bytes or packets */
	double bdp;     /* multiple of rate x RTT */
};

const char *tl_qkind_name(enum tl_qkind kind);

/*
 * Defaults for kind: each discipline's RFC defaults; limit 1000 packets (Linux's pfifo,
 * codel and pie default), FQ-CoDel 10240 packets and 32 MiB (RFC 8290 section 5.2, Linux).
 */
void tl_qspec_default(struct tl_qspec *out, enum tl_qkind kind);

/*
 * Parses an --aqm value: "taildrop", "codel:target=5ms,interval=100ms", "pie:target=15ms",
 * "red:min=30K,max=90K,p=0.1", "fq_codel:flows=1024,quantum=1514" (every key is listed in
 * the messages and in tcplab-testbed(1)). Parameters not given keep their defaults; the
 * limit is left at the default, tl_qspec_apply_buffer() sets it. what names the option.
 */
int tl_qspec_parse(const char *what, const char *s, struct tl_qspec *out, struct tl_err *err);

/* Parses a --buffer value: bytes ("64K", "150000"), packets ("100p") or "0.5bdp". */
int tl_qspec_parse_buffer(const char *what, const char *s, struct tl_buffer_spec *out,
			  struct tl_err *err);

/*
 * Sets q's limit from a buffer spec. A BDP multiple is rate_bps / 8 x rtt_ns in counted
 * bytes and needs both; a limit smaller than one full-size packet (q->mtu) is refused, since
 * such a queue could never hold one.
 */
int tl_qspec_apply_buffer(struct tl_qspec *q, const struct tl_buffer_spec *b, uint64_t rate_bps,
			  uint64_t rtt_ns, struct tl_err *err);

/*
 * A plain decimal within [min, max]; with percent_ok also "10%" (= 0.1). For probabilities
 * and gains in --aqm and --loss values. name is quoted in the message.
 */
int tl_qspec_parse_real(const char *name, const char *s, bool percent_ok, double min, double max,
			double *out, struct tl_err *err);

/* Checks ranges and consistency (RED min < max, PIE tupdate > 0, ...). */
int tl_qspec_validate(const struct tl_qspec *q, struct tl_err *err);

#endif
