#ifndef TCPLAB_EXP_COLLECT_H
#define TCPLAB_EXP_COLLECT_H

#include <jansson.h>

#include "exp/result.h"
#include "util/err.h"

/*
 * Decodes the documents of `tcplab stream --json` (docs/json.md) and `tcplab rr --json`
 * into a run, once: the renderers and the store read only the typed rows.
 */

/* Appends the flows and intervals of sender (1..) to r; with series, also the router's
 * queue series of the window (end.testbed.series, the first warmup_ns dropped). */
int tl_exp_collect_stream(const json_t *doc, unsigned sender, const struct tl_exp_point *p,
			  bool series, struct tl_exp_run *r, struct tl_err *err);

/* The probe's latency histogram (end.latency_histogram) into r->latency. */
int tl_exp_collect_rr(const json_t *doc, struct tl_exp_run *r, struct tl_err *err);

#endif
