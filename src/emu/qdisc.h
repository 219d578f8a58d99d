#ifndef TCPLAB_EMU_QDISC_H
#define TCPLAB_EMU_QDISC_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/pkt.h"
#include "emu/qspec.h"
#include "util/err.h"

/*
 * A queue discipline on a caller-driven clock. Every call takes now_ns, which must never go
 * backwards across calls on one qdisc; nothing reads the real clock, so tests drive it with
 * a simulated one and the forwarding process with tl_now_ns().
 *
 * Drops: every packet the discipline drops (the arriving one refused at enqueue, a head drop
 * at dequeue, FQ-CoDel's victims from the fattest flow, packets flushed by a reset) is handed
 * to the drop callback exactly once, with its cause; the callback takes the descriptor back.
 * Nothing here allocates after tl_qdisc_create().
 */

enum tl_drop_cause {
	TL_DROP_NONE = 0,
	TL_DROP_QUEUE_FULL, /* the buffer's limit (also FQ-CoDel's overflow drops) */
	TL_DROP_AQM,        /* the discipline's own early or head drop */
	TL_DROP_LOSS,       /* the link's loss model (never from a qdisc) */
	TL_DROP_FLUSH,      /* released by a reset, a replaced discipline or a destroyed link */
	TL_DROP_CAUSES
};

typedef void (*tl_drop_fn)(void *ctx, struct tl_pkt *pkt, enum tl_drop_cause cause,
			   uint64_t now_ns);

struct tl_qdisc_stats {
	uint64_t enq_pkts, enq_bytes; /* accepted */
	uint64_t deq_pkts, deq_bytes;
	uint64_t drop_pkts[TL_DROP_CAUSES];
	uint64_t drop_bytes[TL_DROP_CAUSES];
	uint64_t marks; /* ECN CE marks given instead of drops */
};

/* The controller's live state, for `testbed status` and for tests. */
struct tl_qdisc_info {
	enum tl_qkind kind;
	double prob;            /* RED: last pb; PIE: drop_prob */
	double red_avg;         /* RED: average backlog, bytes */
	uint64_t qdelay_ns;     /* PIE: latest queue delay estimate */
	uint64_t qdelay_old_ns; /* PIE */
	uint64_t burst_ns;      /* PIE: burst allowance left */
	uint32_t count;         /* CoDel: drop count; RED: packets since the last drop */
	bool dropping;          /* CoDel */
	uint64_t drop_next_ns;  /* CoDel */
	uint32_t new_flows;     /* FQ-CoDel: flows on the new and old lists */
	uint32_t old_flows;
	/* GSP (emu/gsp.h) */
	uint64_t interval_ns;   /* the interval in force (adaptive: as adapted) */
	uint64_t cumul_ns;      /* adaptive: the accumulated time above the threshold */
	uint64_t threshold;     /* bytes, or ns when delay-based */
	uint64_t gsp_drops;     /* drops and marks by the interval rule */
	uint64_t min_gap_ns;    /* shortest time between two of them (0: fewer than two) */
	/* PPV (emu/ppv.h): the classes, read-only while the qdisc lives */
	uint32_t ctv;           /* PV-PIE: congestion threshold value; PPOV: last value dropped */
	const struct tl_ppv_stats *ppv;
	/* DualPI2 (emu/dualpi2.h) */
	double p_base, p_c, p_cl; /* p', p_C = p'^2, p_CL = k p' */
	uint32_t l_pkts, c_pkts;
	uint64_t l_bytes, c_bytes;
	uint64_t l_qdelay_ns, c_qdelay_ns; /* head sojourn at the last dequeue */
	uint64_t l_marks, c_drops, c_marks, l_step_marks;
	uint64_t l_out, c_out;             /* packets sent from each queue since the start */
	uint64_t l_sojourn_ns, c_sojourn_ns; /* the sum of their sojourns */
};

struct tl_qdisc;
struct tl_ppv_stats;

struct tl_qdisc_ops {
	enum tl_qkind kind;
	unsigned long priv_size;
	/* Sets up q->priv (zeroed, priv_size bytes) from q->spec; may allocate. */
	int (*init)(struct tl_qdisc *q, struct tl_err *err);
	/* Applies q->spec (already replaced, same kind) to a running discipline. */
	int (*change)(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
		      struct tl_err *err);
	/* Queues p, or drops it via tl_qdisc_drop() and returns the cause. */
	enum tl_drop_cause (*enqueue)(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns);
	struct tl_pkt *(*dequeue)(struct tl_qdisc *q, uint64_t now_ns);
	/* Hands every queued packet to the drop callback (TL_DROP_FLUSH), keeps parameters. */
	void (*reset)(struct tl_qdisc *q, uint64_t now_ns);
	void (*info)(const struct tl_qdisc *q, struct tl_qdisc_info *out);
	void (*destroy)(struct tl_qdisc *q); /* frees what init allocated */
};

struct tl_qdisc {
	const struct tl_qdisc_ops *ops;
	struct tl_qspec spec;
	tl_drop_fn drop_fn;
	void *drop_ctx;
	uint64_t backlog_bytes; /* kept by the discipline */
	uint32_t backlog_pkts;
	struct tl_qdisc_stats stats;
	void *priv;
};

extern const struct tl_qdisc_ops tl_taildrop_ops;
extern const struct tl_qdisc_ops tl_red_ops;
extern const struct tl_qdisc_ops tl_codel_ops;
extern const struct tl_qdisc_ops tl_pie_ops;
extern const struct tl_qdisc_ops tl_fq_codel_ops;
extern const struct tl_qdisc_ops tl_gsp_ops;
extern const struct tl_qdisc_ops tl_ppv_ops;
extern const struct tl_qdisc_ops tl_dualpi2_ops;

/*
 * Creates the discipline spec->kind (validated first). drop_fn receives every drop and must
 * not call back into this qdisc. Returns 0 or a negative errno with err filled.
 */
int tl_qdisc_create(const struct tl_qspec *spec, tl_drop_fn drop_fn, void *drop_ctx,
		    struct tl_qdisc **out, struct tl_err *err);

/* Flushes the queued packets to the drop callback (TL_DROP_FLUSH) and frees q. NULL is ok. */
void tl_qdisc_destroy(struct tl_qdisc *q, uint64_t now_ns);

/*
 * Changes parameters at run time; spec must be of the same kind (a different discipline is
 * a new qdisc). Lowering a limit drops from the head until the backlog fits.
 */
int tl_qdisc_change(struct tl_qdisc *q, const struct tl_qspec *spec, uint64_t now_ns,
		    struct tl_err *err);

/*
 * Stamps p->enqueue_ns = now_ns and offers it to the discipline. Returns TL_DROP_NONE if it
 * was queued, else the cause (the packet has then already gone to the drop callback; other
 * packets may have been dropped too, also through the callback).
 */
enum tl_drop_cause tl_qdisc_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns);

/* The next packet to send at now_ns, or NULL; head drops go to the callback on the way. */
struct tl_pkt *tl_qdisc_dequeue(struct tl_qdisc *q, uint64_t now_ns);

void tl_qdisc_info(const struct tl_qdisc *q, struct tl_qdisc_info *out);

/* For disciplines: counts the drop and hands p to the callback. */
void tl_qdisc_drop(struct tl_qdisc *q, struct tl_pkt *p, enum tl_drop_cause cause,
		   uint64_t now_ns);

/* For disciplines: ECN-marks p instead of dropping it if ECN is on and p is capable. */
bool tl_qdisc_mark(struct tl_qdisc *q, struct tl_pkt *p);

/* For disciplines: whether p fits the byte and packet limits on top of the backlog. */
bool tl_qdisc_fits(const struct tl_qdisc *q, const struct tl_pkt *p);

const char *tl_drop_cause_name(enum tl_drop_cause cause);

#endif
