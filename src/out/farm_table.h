#ifndef TCPLAB_OUT_FARM_TABLE_H
#define TCPLAB_OUT_FARM_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "farm/run.h"

/*
 * The end table of n farm runs (any number, one column each, as wide as its widest cell),
 * then each run's summary line, and for every later run how it compares with the first.
 * 0, or -1 when out of memory (nothing printed).
 */
int tl_out_farm_table(FILE *f, const struct tl_farm_result *runs, size_t n);

#endif
