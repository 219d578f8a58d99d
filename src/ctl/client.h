#ifndef TCPLAB_CTL_CLIENT_H
#define TCPLAB_CTL_CLIENT_H

/*
 * The client end of a stream test: talks to an agent (ctl/proto.h), connects the flows,
 * runs its own end, merges both ends' samples into the result document (workload/result.h)
 * and hands each part to the caller's callbacks as soon as it is known, for live output.
 */

#include <jansson.h>
#include <stdint.h>

#include "ctl/spec.h"
#include "util/err.h"

struct tl_client_target {
	const char *host;
	uint16_t port;
	int family;            /* AF_UNSPEC, AF_INET, AF_INET6 */
	const char *bind;      /* source address for every connection, or NULL */
	uint64_t connect_rate; /* data connections per second, 0 = unlimited */
	uint32_t per_flow_limit;
	const char *sources[16];  /* crr: source addresses, used in turn (IP_BIND_ADDRESS_NO_PORT) */
	uint32_t nsources;
};
#define TL_CLIENT_MAX_SOURCES 16

struct tl_client_callbacks {
	void (*connecting)(void *ctx, uint32_t done, uint32_t total);
	void (*started)(void *ctx, const json_t *start);
	void (*interval)(void *ctx, const json_t *interval);
	/* Something the user must know now, in one line (e.g. ports running out); also kept in
	 * the document's "warnings". */
	void (*warning)(void *ctx, const char *line);
	void *ctx;
	/* When set and it becomes non-zero (a signal handler of cmd/ sets it: Ctrl-C), the test
	 * stops early: both ends end their window now, the agent is told, and the document holds
	 * what was measured so far with end.incomplete_reason "interrupted" and "interrupted":
	 * true. Interrupted before the test started, the run fails with an error. May be NULL. */
	const volatile int *interrupt;
};

/*
 * Runs the test. On return *doc is the whole result {start, intervals, end} (also on error,
 * when it then has "error"); the caller owns it. Returns 0 or negative with err.
 */
int tl_stream_client_run(const struct tl_spec *spec, const struct tl_client_target *t,
			 const struct tl_client_callbacks *cb, json_t **doc, struct tl_err *err);

#endif
