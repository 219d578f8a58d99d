#ifndef TCPLAB_EXP_AXES_H
#define TCPLAB_EXP_AXES_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * A campaign's axes: for each parameter, the list of values to try, as the user wrote them
 * (after trimming). The matrix (exp/matrix.h) is their product. Values come from the command
 * line (comma lists) or from a plan file (exp/plan.h); both fill this struct, so a campaign
 * is the same whichever way it was written, and its identity (tl_exp_axes_key) is computed
 * from this struct alone.
 */

enum tl_exp_axis {
	TL_AXIS_RATE,     /* bottleneck rate: 100mbit */
	TL_AXIS_RTT,      /* 40ms, or one per sender: 10ms/100ms */
	TL_AXIS_BUFFER,   /* 64K, 100p, 0.5bdp */
	TL_AXIS_AQM,      /* taildrop, codel:target=5ms */
	TL_AXIS_LOSS,     /* 0, 1%, ge:p=1%,r=30% */
	TL_AXIS_CC,       /* cubic:1,bbr:1 (a mix is one value) */
	TL_AXIS_FLOWS,    /* flows per sender */
	TL_AXIS_RCVBUF,   /* receive buffer asked of the receiver (SO_RCVBUF); auto = kernel */
	TL_AXIS_CLAMP,    /* TCP_WINDOW_CLAMP at the receiver; auto = none */
	TL_AXIS_DURATION, /* measured window of each run */
	TL_AXIS_WARMUP,   /* warm-up before the window */
	TL_AXIS_COUNT
};

#define TL_EXP_MAX_VALUES 64
#define TL_EXP_VALUE_LEN 96

struct tl_exp_axes {
	char values[TL_AXIS_COUNT][TL_EXP_MAX_VALUES][TL_EXP_VALUE_LEN];
	unsigned count[TL_AXIS_COUNT]; /* 0: not given, the default applies */
	unsigned repeat;               /* repetitions of every point (default 1) */
	bool probe;                    /* a latency probe (rr at a low rate) beside the flows */
	uint32_t probe_rate;           /* its transactions per second (default 10) */
	char title[128];               /* what the campaign is about, for the report */
};

/* The axis's name as written on the command line and in plans ("rate", "window-clamp"). */
const char *tl_exp_axis_name(enum tl_exp_axis a);
/* The axis whose name (or plan key, with '_' for '-') is name; -1 if none. */
int tl_exp_axis_find(const char *name);
/* The value used when an axis is not given. */
const char *tl_exp_axis_default(enum tl_exp_axis a);

void tl_exp_axes_init(struct tl_exp_axes *ax);

/*
 * Appends one value to axis a (trimmed). Refuses an empty value or more than
 * TL_EXP_MAX_VALUES, naming the axis.
 */
int tl_exp_axes_add(struct tl_exp_axes *ax, enum tl_exp_axis a, const char *value,
		    struct tl_err *err);

/*
 * Appends a command-line list: values separated by commas. For --aqm a piece with '='
 * and no ':' continues the previous value's parameters ("codel:target=5ms,interval=50ms"
 * is one value); --cc takes the whole text as one mix (repeat --cc for several).
 * Giving an axis again on the command line replaces the plan file's values for it.
 */
int tl_exp_axes_add_list(struct tl_exp_axes *ax, enum tl_exp_axis a, const char *list,
			 struct tl_err *err);

/* Drops an axis's values (the command line overriding a plan). */
void tl_exp_axes_clear(struct tl_exp_axes *ax, enum tl_exp_axis a);

/*
 * The campaign's identity: a canonical JSON text of every axis (defaults filled in), the
 * repetitions and the probe, into a malloc'd string. Two databases hold the same campaign
 * when their keys are equal (exp merge, resume).
 */
char *tl_exp_axes_key(const struct tl_exp_axes *ax);

#endif
