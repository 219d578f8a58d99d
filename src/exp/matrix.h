#ifndef TCPLAB_EXP_MATRIX_H
#define TCPLAB_EXP_MATRIX_H

#include <stdbool.h>
#include <stdint.h>

#include "exp/axes.h"
#include "util/err.h"

#define TL_EXP_MAX_SENDERS 8
#define TL_EXP_MAX_CC 4

/*
 * One point of the matrix: one value of every axis, checked and parsed once. The text of
 * each value is kept (it is what the testbed and stream are given, and what the database
 * and the report show); the numbers beside it are for metrics and plots.
 */
struct tl_exp_point {
	uint32_t id;                                  /* index in the canonical order, from 0 */
	const char *text[TL_AXIS_COUNT];              /* points into the axes struct */
	uint64_t rate_bps;
	unsigned senders;                             /* one per RTT value */
	uint64_t rtt_ns[TL_EXP_MAX_SENDERS];
	char rtt_testbed[TL_EXP_VALUE_LEN];           /* "10ms,100ms" for testbed --rtt */
	double buffer_bdp;                            /* the buffer in BDPs of rate x max RTT */
	uint64_t buffer_bytes;                        /* the buffer in bytes (counted frames) */
	char aqm_kind[32];                            /* "codel" */
	unsigned ncc;                                 /* congestion controls in the mix */
	char cc_name[TL_EXP_MAX_CC][32];
	uint32_t cc_weight[TL_EXP_MAX_CC];
	uint32_t flows;                               /* per sender */
	uint32_t cc_flows[TL_EXP_MAX_CC];             /* the mix spread over flows per sender */
	uint64_t rcvbuf;                              /* 0: auto */
	uint64_t clamp;                               /* 0: auto */
	uint64_t duration_ns, warmup_ns;
};

struct tl_exp_matrix {
	struct tl_exp_point *points;
	uint32_t count;
};

/*
 * Expands the axes into their product, in a fixed order (the first axis varies slowest),
 * and checks every value: an unknown AQM (the testbed's own list is quoted), a buffer
 * smaller than one packet, a cc mix that does not fit the flows. The axes must outlive
 * the matrix (points refer to their text).
 */
int tl_exp_matrix_build(const struct tl_exp_axes *ax, struct tl_exp_matrix *out,
			struct tl_err *err);
void tl_exp_matrix_free(struct tl_exp_matrix *m);

/* "taildrop, red, codel, ..." from the testbed's table of disciplines. */
void tl_exp_aqm_names(char *buf, unsigned len);

/*
 * Replaces the AQM value "all" by every discipline of the testbed's table, in its order,
 * so a plan that asks for every AQM gets the ones added to the testbed later too. Other
 * AQM values given beside "all" are kept only if they carry parameters ("codel:target=1ms").
 */
int tl_exp_axes_expand_all(struct tl_exp_axes *ax, struct tl_err *err);

/*
 * The order runs are made in: every (point, repetition) pair, either in order (point by
 * point, repetitions together) or shuffled with seed (Fisher-Yates over a splitmix64
 * stream, so the same seed gives the same order on every machine). With shards > 1 only
 * the points with id % shards == shard - 1 are kept: shards partition the points, and
 * every repetition of a point stays in its shard. out[i] = point id * repeat + rep.
 */
int tl_exp_order(const struct tl_exp_matrix *m, unsigned repeat, bool shuffle, uint64_t seed,
		 unsigned shard, unsigned shards, uint32_t **out, uint32_t *count,
		 struct tl_err *err);

#endif
