#ifndef TCPLAB_TESTBED_SERIES_H
#define TCPLAB_TESTBED_SERIES_H

#include <jansson.h>
#include <stdint.h>

#include "util/err.h"

/*
 * The router's time series: every TL_TESTBED_SERIES_PERIOD_NS the forwarder appends one
 * JSON object on one line to ROOT/NAME/series.jsonl (one write() per line, so a reader sees
 * whole lines; a last line without its newline is still being written and is skipped):
 *
 *   {"t_ns": <CLOCK_MONOTONIC ns, the same clock as tl_now_ns() in every namespace>,
 *    "fwd": {<senders -> receiver>}, "rev": {<receiver -> senders>}}
 *
 * each direction with counters since the start (pkts_in, bytes_in, pkts_out, bytes_out,
 * drops {queue_full, aqm, loss, flush}, marks), the queue now (backlog_pkts, backlog_bytes)
 * and over the last period (out_bps, qdelay_p50_ns, qdelay_p99_ns, qdelay_max_ns,
 * qlen_p99_bytes, samples), and for GSP, PPV (its 4 largest classes) and DualPI2 their
 * state as "aqm" (testbed/fwd_aqm.c). At TL_TESTBED_SERIES_ROTATE bytes the file is renamed to
 * series.1.jsonl (replacing the previous one) and a new one is begun, so at most two
 * files' worth is kept (about an hour at 10 lines/s).
 */

#define TL_TESTBED_SERIES_PERIOD_NS 100000000ull
#define TL_TESTBED_SERIES_ROTATE (64ull << 20)

struct tl_testbed_series {
	int fd;
	char path[512], old_path[512];
	uint64_t bytes;
};

/* Creates (truncates) ROOT/NAME/series.jsonl. */
int tl_testbed_series_open(struct tl_testbed_series *s, const char *name, struct tl_err *err);

/* Appends line (an object) as one line; rotates when the file is full. */
int tl_testbed_series_append(struct tl_testbed_series *s, const json_t *line, struct tl_err *err);

void tl_testbed_series_close(struct tl_testbed_series *s);

/*
 * Appends to arr (a JSON array) every line of the series file at path whose t_ns is within
 * [from_ns, to_ns] (to_ns 0: no upper end). A missing file adds nothing.
 */
int tl_testbed_series_read_file(const char *path, uint64_t from_ns, uint64_t to_ns, json_t *arr,
				struct tl_err *err);

/*
 * The series of testbed name between from_ns and to_ns (CLOCK_MONOTONIC, as tl_now_ns();
 * to_ns 0: up to now) as a new JSON array in *out, oldest first, from series.1.jsonl and
 * series.jsonl. For `tcplab stream --json` to embed what the router saw during its window:
 *   uint64_t t0 = tl_now_ns(); ... run ...; tl_testbed_series_read("t1", t0, tl_now_ns(), &a, &e);
 * Returns 0, or -ENOENT if there is no such testbed.
 */
int tl_testbed_series_read(const char *name, uint64_t from_ns, uint64_t to_ns, json_t **out,
			   struct tl_err *err);
/* The same from the files in dir (a router's, whose root is not the testbeds'); a missing
 * file adds nothing. */
int tl_testbed_series_read_dir(const char *dir, uint64_t from_ns, uint64_t to_ns, json_t **out,
			       struct tl_err *err);

#endif
