#ifndef TCPLAB_OUT_MESH_TABLE_H
#define TCPLAB_OUT_MESH_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "result/mesh.h"

/*
 * The readable form of one or more mesh runs (result/mesh.h): a header line with what was
 * run, then one column per run (one per transport with --compare) and one row per figure,
 * so runs read side by side; then a line for each check a run failed.
 */
void tl_out_mesh_table(FILE *f, const struct tl_mesh_res_run *runs, size_t n);

/* One run's ranks, one line each: hops received and sent, tokens held, CPU, switches. */
void tl_out_mesh_ranks(FILE *f, const struct tl_mesh_res_run *run);

#endif
