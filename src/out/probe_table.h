#ifndef TCPLAB_OUT_PROBE_TABLE_H
#define TCPLAB_OUT_PROBE_TABLE_H

/*
 * The probe's readable report, shared by 'tcplab probe' and 'stream --autotune', from the
 * structs its JSON is also written from (tune/probe.h, tune/advice.h): no document is read.
 */

#include <stdio.h>

#include "tune/advice.h"
#include "tune/probe.h"
#include "tune/probe_cached.h"

/* "probe of HOST port P, forward ...: measured now" and the path's figures. */
void tl_out_probe(FILE *f, const struct tl_probe_result *p, const struct tl_probe_origin *o);

/* The BDP, the advice for a.flows flows and whether this host's limits allow it. */
void tl_out_probe_advice(FILE *f, const struct tl_advice *a, const struct tl_advice_limits *lim);

#endif
