#ifndef TCPLAB_CMD_TUNE_REPORT_H
#define TCPLAB_CMD_TUNE_REPORT_H

/* The probe's progress on a terminal, shared by 'tcplab probe' and 'stream --autotune'. */

#include <stdio.h>

/* The probe's live progress line on stderr (pass as tl_probe_opts.progress when on a tty). */
void cmd_tune_progress(void *ctx, const char *phase, double done_s, double total_s, double bps);
/* Clears the progress line. */
void cmd_tune_progress_done(void);

#endif
