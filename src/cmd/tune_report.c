/* The probe's live progress line (its report is out/probe_table.c). */
#include "cmd/tune_report.h"

#include "util/parse.h"

void cmd_tune_progress(void *ctx, const char *phase, double done_s, double total_s, double bps)
{
	char r[32];
	(void)ctx;
	if (done_s <= 0)
		fprintf(stderr, "\r\033[Kprobe: %s phase (%.1f s)...", phase, total_s);
	else
		fprintf(stderr, "\r\033[Kprobe: %s phase %.1f/%.1f s  %s", phase, done_s, total_s,
			tl_fmt_rate(bps, r, sizeof(r)));
	fflush(stderr);
}

void cmd_tune_progress_done(void)
{
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
}
