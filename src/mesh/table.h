#ifndef TCPLAB_MESH_TABLE_H
#define TCPLAB_MESH_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/*
 * The readable form of one or more mesh runs (results objects of mesh/result.h): a header
 * line with what was run, then one column per run (one per transport with --compare) and
 * one row per figure, so runs read side by side. Writes to f; the caller chooses f.
 */
void tl_mesh_table(FILE *f, const json_t *const *runs, size_t n);

/* One run's ranks, one line each: hops received and sent, tokens held, CPU, switches. */
void tl_mesh_table_ranks(FILE *f, const json_t *run);

#endif
