#ifndef TCPLAB_OUT_RENDER_H
#define TCPLAB_OUT_RENDER_H

/*
 * Renderers of a stream result document (workload/result.h). Each reads the same model; the
 * live ones are called part by part (start, each interval, end) as the test runs.
 */

#include <jansson.h>
#include <stdio.h>

struct tl_table_opts {
	int per_flow;       /* every flow in the end table, not just the first and the odd ones */
};

void tl_table_start(FILE *f, const json_t *start);
void tl_table_interval(FILE *f, const json_t *iv, int bidir);
void tl_table_end(FILE *f, const json_t *doc, const struct tl_table_opts *o);

void tl_csv_header(FILE *f);
void tl_csv_interval(FILE *f, const json_t *iv);
void tl_csv_end(FILE *f, const json_t *end);

/* Under either table: a note when a hypervisor took 1% or more of an end's CPU time
 * (end.machine_cpu); nothing otherwise. */
void tl_table_machine_note(FILE *f, const json_t *end);

/* Under the stalled-flows line: each end's kernel counters that explain stalls
 * (end.kernel_tcp: zero windows, TCP memory pressure, pruning), when any grew. */
void tl_table_kernel_note(FILE *f, const json_t *end);

/* Under stream's table, run inside a testbed (end.testbed): what the bottleneck did over
 * the test (rate out, worst queue delay, drops by cause, marks; the way back too when it
 * carried the data), and a note when the forwarder sent packets 0.2 ms or more late at p99
 * in 2.5% or more of the 100 ms periods, with the causes it saw. */
void tl_table_testbed_note(FILE *f, const json_t *end);

/* rr and crr */
void tl_txn_table_start(FILE *f, const json_t *start);
void tl_txn_table_interval(FILE *f, const json_t *iv);
void tl_txn_table_end(FILE *f, const json_t *doc);
struct tl_hist;
/* The histogram's non-empty buckets as CSV: low_ns,high_ns,count. */
void tl_hist_print_csv(FILE *f, const struct tl_hist *h);

/* One JSON event per line: {"event": "start"|"interval"|"end"|"error", "data": ...}. */
void tl_jsonl_event(FILE *f, const char *event, const json_t *data);

#endif
