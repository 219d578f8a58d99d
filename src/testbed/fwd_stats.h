#ifndef TCPLAB_TESTBED_FWD_STATS_H
#define TCPLAB_TESTBED_FWD_STATS_H

/* The forwarder's status document and series lines as JSON (fwd_stats.c). */

#include <jansson.h>

#include "testbed/fwd_state.h"

json_t *tl_testbed_fwd_status(struct tl_testbed_fwd *f, uint64_t now_ns, unsigned max_flows);
json_t *tl_testbed_fwd_series_line(struct tl_testbed_fwd *f, uint64_t now_ns);
void tl_testbed_fwd_lhist_merge(struct tl_lhist *dst, const struct tl_lhist *src);

#endif
