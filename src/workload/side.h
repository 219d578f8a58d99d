#ifndef TCPLAB_WORKLOAD_SIDE_H
#define TCPLAB_WORKLOAD_SIDE_H

/*
 * One end of a stream test: the client's or the agent's. Both ends run the same code: attach
 * the connected flows, start at one agreed instant, take samples at the window start, at every
 * interval boundary and at the end, and describe what they saw as JSON. The client merges its
 * own description with the agent's (workload/result.h); the agent sends its own over the
 * control connection.
 *
 * Measurement window: [start + omit, start + omit + duration] in time mode; in bytes mode from
 * the start until every flow has finished, failed or stalled (capped by max_duration). Bytes
 * are counted by the engine; a flow's bytes in the window are the difference of two samples.
 */

#include <jansson.h>
#include <stdint.h>

#include "spec/spec.h"
#include "util/err.h"

struct tl_side;

struct tl_side *tl_side_new(const struct tl_spec *spec, int is_client, struct tl_err *err);
void tl_side_free(struct tl_side *s); /* closes every flow socket; NULL ok */

/* Whether this end sends on connection conn. */
int tl_side_conn_sends(const struct tl_side *s, uint32_t conn);

/*
 * Hands a connected socket for connection conn to the engine. The agent's end applies the
 * socket options here (the client applied the pre-connect ones before connecting). Takes
 * ownership of fd in every case.
 */
int tl_side_attach(struct tl_side *s, uint32_t conn, int fd, struct tl_err *err);
uint32_t tl_side_attached(const struct tl_side *s);

/*
 * crr: the client adds its connectors (they make their own connections to dest, from the
 * source addresses srcs[i % nsrc] when nsrc > 0); the agent listens on a port of its own
 * for them.
 */
struct tl_addr;
int tl_side_add_connectors(struct tl_side *s, const struct tl_addr *dest, const struct tl_addr *srcs,
			   uint32_t nsrc, struct tl_err *err);
int tl_side_listen(struct tl_side *s, const struct tl_addr *bind_addr, uint16_t *port, struct tl_err *err);
/* Failed connects with EADDRNOTAVAIL so far (crr). */
uint64_t tl_side_addrnotavail(const struct tl_side *s);

struct tl_hist;
/* {"count","min_ns","p50_ns","p90_ns","p99_ns","p999_ns","max_ns","mean_ns"} */
json_t *tl_latency_summary(const struct tl_hist *h);

/* Begins at start_ns (monotonic); sets the window and the engine's stop time. */
void tl_side_start(struct tl_side *s, uint64_t start_ns);

/* The next instant tl_side_tick has work at (a boundary, a stall check or the end). */
uint64_t tl_side_next_deadline(const struct tl_side *s);

/*
 * Takes the samples due at now. Returns the number of intervals completed so far (the caller
 * emits intervals it has not emitted yet with tl_side_interval_json). *finished becomes 1 once
 * the window has ended; then the engine is stopped and the results are final.
 */
uint32_t tl_side_tick(struct tl_side *s, uint64_t now_ns, int *finished);

/*
 * Whether this end's finished test was cut short: --max-time ended it, or one of its
 * receivers stalled, so the other end must stop too instead of waiting for bytes that will
 * not come (--bytes). 0 when every flow ran to its end.
 */
int tl_side_cut_short(const struct tl_side *s);

/* Ends the test now because the user asked (Ctrl-C): as tl_side_abort, and the results
 * say "interrupted": true. */
void tl_side_interrupt(struct tl_side *s, uint64_t now_ns);

/* Ends the test now (an error, the peer gone): final samples, engine stopped. */
void tl_side_abort(struct tl_side *s, uint64_t now_ns);

/* {"k", "start_ns", "end_ns", "omitted", "bytes": [...per conn], "rtt_us": [...], "cwnd": [...],
 *  "retrans": [...]} (the last three: this end's senders, 0 for its receivers). */
json_t *tl_side_interval_json(const struct tl_side *s, uint32_t k);

/* {"window_ns", "cpu": {...}, "conns": [{"id", "sender", "bytes", "state", ...}]} */
json_t *tl_side_results_json(const struct tl_side *s);

#endif
