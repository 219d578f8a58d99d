#ifndef TCPLAB_ENGINE_ENGINE_H
#define TCPLAB_ENGINE_ENGINE_H

/*
 * The traffic engine: T worker threads, each with its own epoll loop, moving bytes on the
 * flows handed to it. Flows are connected elsewhere (client connect phase, agent accept) and
 * added before the start; every worker starts sending at the same instant (start_ns) and
 * stops at stop_ns. Counters are written by one worker each and read by the reporter with
 * relaxed atomic loads: no locks on the data path.
 *
 * Lifecycle: tl_engine_new -> tl_engine_add_flow x N -> tl_engine_start -> (tl_engine_sample)*
 * -> tl_engine_stop -> tl_engine_free (closes every flow socket, abortively).
 */

#include <stddef.h>
#include <stdint.h>

#include "measure/cpu.h"
#include "util/err.h"

struct tl_engine;

struct tl_engine_config {
	uint32_t threads;
	uint32_t max_flows;
	uint32_t length;   /* bytes per send() */
	int verify;        /* receivers check every byte against the pattern */
};

enum tl_flow_state {
	TL_FLOW_ACTIVE = 0,
	TL_FLOW_DONE = 1,   /* sender: its byte budget is sent; receiver: EOF */
	TL_FLOW_ERROR = 2,
};

struct tl_flow_params {
	int fd;                      /* connected, non-blocking; the engine owns it from now on */
	uint32_t id;                 /* the test's flow id (selects the byte pattern) */
	int sender;
	int zerocopy;                /* MSG_ZEROCOPY (SO_ZEROCOPY must be set already) */
	uint64_t budget;             /* sender: bytes to send then shut down; 0 = until stop_ns */
	uint64_t stop_reading_after_ns; /* fault injection: receiver stops reading this long after
				      * the start; 0 = never */
};

struct tl_flow_sample {
	uint64_t bytes;            /* sent (sender) or received (receiver) since the flow was added */
	uint64_t last_progress_ns; /* when bytes last grew; 0 = never */
	int state;                 /* enum tl_flow_state */
	int err_no;                /* errno of a failed flow */
	uint64_t verify_errors;    /* receiver: chunks that did not match the pattern */
	uint64_t first_bad_offset; /* receiver: stream offset of the first wrong byte */
	uint64_t zc_sends, zc_completions, zc_copied;
};

struct tl_engine *tl_engine_new(const struct tl_engine_config *cfg, struct tl_err *err);

/* Adds a flow, spread round-robin over the workers. Returns the flow's slot (>= 0). */
int tl_engine_add_flow(struct tl_engine *e, const struct tl_flow_params *p, struct tl_err *err);

size_t tl_engine_flow_count(const struct tl_engine *e);
int tl_engine_flow_fd(const struct tl_engine *e, size_t slot);

/* Every worker begins moving data at start_ns and senders stop at stop_ns (monotonic). */
int tl_engine_start(struct tl_engine *e, uint64_t start_ns, uint64_t stop_ns);

void tl_engine_sample(const struct tl_engine *e, size_t slot, struct tl_flow_sample *out);

/* Stops and joins the workers; idempotent. CPU of the workers over the run goes to *cpu. */
void tl_engine_stop(struct tl_engine *e, struct tl_cpu_sample *cpu);

/* Stops if needed, closes every flow socket with an RST (nothing orphaned), frees. NULL ok. */
void tl_engine_free(struct tl_engine *e);

/* The byte pattern both ends agree on, for --verify: byte k of flow f. */
uint8_t tl_pattern_byte(uint32_t flow_id, uint64_t offset);

#endif
