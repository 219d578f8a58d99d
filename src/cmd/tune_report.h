#ifndef TCPLAB_CMD_TUNE_REPORT_H
#define TCPLAB_CMD_TUNE_REPORT_H

/* The readable probe report and advice, shared by 'tcplab probe' and 'stream --autotune'. */

#include <stdbool.h>
#include <stdio.h>

#include "tune/advice.h"
#include "tune/probe.h"
#include "tune/probe_cached.h"

/* The probe's live progress line on stderr (pass as tl_probe_opts.progress when on a tty). */
void cmd_tune_progress(void *ctx, const char *phase, double done_s, double total_s, double bps);
/* Clears the progress line. */
void cmd_tune_progress_done(void);

/* "probe of HOST port P, forward ...: measured now" and the path's figures. */
void cmd_tune_print_probe(FILE *f, const struct tl_probe_result *p, const struct tl_probe_origin *o);

/* The advice for a.flows flows and whether this host's limits allow it. */
void cmd_tune_print_advice(FILE *f, const struct tl_advice *a, const struct tl_advice_limits *lim);

#endif
