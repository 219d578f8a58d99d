#ifndef TCPLAB_EXP_EXPORT_H
#define TCPLAB_EXP_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "util/err.h"

struct sqlite3;

/*
 * Writes every point of a campaign database with its parameters, its runs (ok, failed)
 * and, per metric, the mean and standard deviation over the repetitions: as CSV (one
 * header line, one line per point; columns METRIC and METRIC_sd) or as one JSON document
 * {"campaign": {...}, "points": [...]}.
 */
int tl_exp_export(struct sqlite3 *db, bool json, FILE *out, struct tl_err *err);

#endif
