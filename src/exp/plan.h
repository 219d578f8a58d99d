#ifndef TCPLAB_EXP_PLAN_H
#define TCPLAB_EXP_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "exp/axes.h"
#include "util/err.h"

/*
 * A plan file: the campaign written down in YAML, to keep in git beside the results.
 *
 *   title: Cubic vs BBR fairness
 *   rate: 100mbit            # a scalar is one value
 *   rtt: [10ms, 10ms/100ms]  # a list is an axis; a/b gives one RTT per sender
 *   buffer: [0.5bdp, 1bdp, 2bdp]
 *   aqm: [taildrop, "codel:target=5ms"]
 *   cc: "cubic:1,bbr:1"      # a mix is one value
 *   flows: [2, 10]
 *   time: 30s
 *   warmup: 5s
 *   repeat: 3
 *   probe: true               # or a rate: 20 (transactions/s)
 *   order: shuffle            # or in-order
 *   seed: 1
 *
 * Keys are the axis names of tl_exp_axis_find (rate, rtt, buffer, aqm, loss, cc, flows,
 * rcvbuf or window, window-clamp, time, warmup) and title, repeat, probe, order, seed.
 */
struct tl_exp_plan {
	struct tl_exp_axes axes;
	bool shuffle;
	bool shuffle_given;
	uint64_t seed;
	bool seed_given;
};

/*
 * Reads the plan at path into plan (whose axes must be initialised). A syntax error is
 * reported with its line and column; an unknown key names the keys there are.
 */
int tl_exp_plan_load(const char *path, struct tl_exp_plan *plan, struct tl_err *err);

#endif
