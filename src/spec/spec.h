#ifndef TCPLAB_SPEC_SPEC_H
#define TCPLAB_SPEC_SPEC_H

/*
 * A test spec: what the client asks for, as one plain struct. It is filled by cmd/ from the
 * options and checked once by tl_spec_validate; ctl/ sends it to the agent (ctl/spec.h, which
 * re-validates what comes from the network), and workload/ and the engine read it. It sits
 * below all of them and knows none: no JSON, no sockets beyond their option struct.
 */

#include <stdint.h>

#include "net/sock.h"
#include "util/err.h"

#define TL_SPEC_MAX_GROUPS 16
#define TL_SPEC_MAX_FLOWS 1000000u
#define TL_SPEC_MAX_THREADS 1024u

enum tl_workload {
	TL_WORKLOAD_STREAM = 0, /* bulk bytes */
	TL_WORKLOAD_RR = 1,     /* request/response on persistent connections */
	TL_WORKLOAD_CRR = 2,    /* connect, request, response, close */
};

enum tl_close_side { TL_CLOSE_CLIENT = 0, TL_CLOSE_SERVER = 1 };

enum tl_direction {
	TL_DIR_FORWARD = 0, /* client sends, agent receives */
	TL_DIR_REVERSE = 1, /* agent sends, client receives */
	TL_DIR_BIDIR = 2,   /* both, on separate connections */
};

/* A run of flows with their own socket options (unset fields fall back to the run's). */
struct tl_flow_group {
	uint32_t count;
	struct tl_sockopts opts;
};

struct tl_spec {
	enum tl_workload workload;
	enum tl_direction direction;
	uint32_t flows;            /* per direction */
	uint32_t threads;          /* worker threads on each end */
	uint64_t duration_ns;      /* measurement window after omit (time mode) */
	uint64_t bytes;            /* total bytes per direction (bytes mode); 0 = time mode */
	uint64_t max_duration_ns;  /* cap for bytes mode */
	uint64_t omit_ns;
	uint64_t interval_ns;
	uint32_t length;           /* bytes per write */
	uint64_t stall_timeout_ns;
	uint64_t connect_timeout_ns;
	int verify;
	struct tl_sockopts opts;
	struct tl_flow_group groups[TL_SPEC_MAX_GROUPS];
	uint32_t ngroups;
	/* rr and crr */
	uint32_t request_size;
	uint32_t response_size;
	uint64_t rate;              /* transactions/s over all flows; 0 = closed loop */
	uint32_t requests_per_conn; /* crr: transactions before the connection closes */
	enum tl_close_side close_side;
	int linger0;                /* crr: the closing side closes with an RST */
	/* Fault injection, for tests of the stall handling: the receiver of this flow stops
	 * reading after fault_after_ns of the test. -1 = none. */
	int64_t fault_stop_reading_flow;
	uint64_t fault_after_ns;
};

void tl_spec_defaults(struct tl_spec *s);
/* Checks ranges and conflicts once; messages name the options ("--bytes and --omit ..."). */
int tl_spec_validate(const struct tl_spec *s, struct tl_err *err);
/* Every congestion control the spec names (run-wide and per group) is loaded on this host,
 * and this process may use it (tl_sock_cc_allowed). The client checks its host before the
 * test, the agent its own when the spec arrives: both ends refuse before anything runs. */
int tl_spec_check_cc_available(const struct tl_spec *s, struct tl_err *err);

/* Lowers every flow's pacing rate (SO_MAX_PACING_RATE, bit/s) to at most bps; 0 = no cap. */
void tl_spec_cap_pacing(struct tl_spec *s, uint64_t bps);

/* Number of data connections: flows, doubled for bidir. */
uint32_t tl_spec_connections(const struct tl_spec *s);
/* The effective socket options of connection i (its group's, over the run's). */
void tl_spec_flow_opts(const struct tl_spec *s, uint32_t conn, struct tl_sockopts *out);
/* Whether connection i carries data from the client to the agent. */
int tl_spec_conn_client_sends(const struct tl_spec *s, uint32_t conn);
/* Bytes connection i must carry in bytes mode (the total split evenly), 0 in time mode. */
uint64_t tl_spec_conn_bytes(const struct tl_spec *s, uint32_t conn);

/*
 * "cubic:8,bbr:2" -> two groups. A bare name ("bbr") sets the run's congestion control.
 * Errors quote the bad part.
 */
int tl_spec_parse_cc_mix(struct tl_spec *s, const char *text, struct tl_err *err);

/* Letters, digits, '_' and '-', shorter than TL_CC_NAME_MAX: what a congestion control
 * name may be, also when it comes from the network. */
int tl_spec_cc_name_ok(const char *cc);

const char *tl_direction_name(enum tl_direction d);
const char *tl_workload_name(enum tl_workload w);

#endif
