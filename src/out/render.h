#ifndef TCPLAB_OUT_RENDER_H
#define TCPLAB_OUT_RENDER_H

/*
 * Renderers of stream, rr and crr results, and of testbed and router status, from their
 * structs (result/stream.h, result/txn.h, result/status.h): no renderer reads the JSON
 * document. The live ones are called part by part
 * (start, each interval, end) as the test runs.
 */

#include <jansson.h>
#include <stdio.h>

#include "result/status.h"
#include "result/stream.h"
#include "result/txn.h"

struct tl_table_opts {
	int per_flow;       /* every flow in the end table, not just the first and the odd ones */
};

void tl_table_start(FILE *f, const struct tl_res_start *start);
void tl_table_interval(FILE *f, const struct tl_stream_interval *iv, int bidir);
void tl_table_end(FILE *f, const struct tl_stream_result *r, const struct tl_table_opts *o);

void tl_csv_header(FILE *f);
void tl_csv_interval(FILE *f, const struct tl_stream_interval *iv);
void tl_csv_end(FILE *f, const struct tl_stream_end *end);

/* Under either table: a note when a hypervisor took 1% or more of an end's CPU time
 * (end.machine_cpu); nothing otherwise. */
void tl_table_machine_note(FILE *f, const struct tl_res_end_host *client,
			   const struct tl_res_end_host *agent);

/* Under the stalled-flows line: each end's kernel counters that explain stalls
 * (end.kernel_tcp: zero windows, TCP memory pressure, pruning), when any grew. */
void tl_table_kernel_note(FILE *f, const struct tl_stream_end *end);

/* Under stream's table, run inside a testbed (end.testbed): what the bottleneck did over
 * the test (rate out, worst queue delay, drops by cause, marks; the way back too when it
 * carried the data), and a note when the forwarder sent packets 0.2 ms or more late at p99
 * in 2.5% or more of the 100 ms periods, with the causes it saw. */
void tl_table_testbed_note(FILE *f, const struct tl_stream_end *end);

/* rr and crr */
void tl_txn_table_start(FILE *f, const struct tl_res_start *start);
void tl_txn_table_interval(FILE *f, const struct tl_txn_interval *iv);
void tl_txn_table_end(FILE *f, const struct tl_txn_result *r);
/* --csv of rr and crr: one row per interval */
void tl_txn_csv_header(FILE *f);
void tl_txn_csv_interval(FILE *f, const struct tl_txn_interval *iv);
struct tl_hist;
/* The histogram's non-empty buckets as CSV: low_ns,high_ns,count. */
void tl_hist_print_csv(FILE *f, const struct tl_hist *h);

/* `testbed status` and `router status` tables (the forwarder's part laid out the same way:
 * rate, one-way delay, AQM, counters and queue delay per direction, the path's delay in words
 * under them). */
void tl_status_table_testbed(FILE *f, const struct tl_testbed_status *s);
void tl_status_table_router(FILE *f, const struct tl_router_status *s);

/* One JSON event per line: {"event": "start"|"interval"|"end"|"error", "data": ...}; data is
 * the result document's part as it arrived (the wire form), written as it is. */
void tl_jsonl_event(FILE *f, const char *event, const json_t *data);

#endif
