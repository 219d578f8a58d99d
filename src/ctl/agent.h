#ifndef TCPLAB_CTL_AGENT_H
#define TCPLAB_CTL_AGENT_H

/*
 * The agent behind `tcplab serve`: one listening port for control and data connections, any
 * number of tests at once, each in its own session thread with its own engine. A connection
 * says what it is with its first bytes (ctl/frame.h): "TLAB" starts a control session, "TLDA"
 * is a data connection carrying a test's cookie and flow id. A data connection with no valid
 * greeting within the handshake timeout, or an unknown cookie, is closed and counted.
 *
 * A session ends however its test ends (done, error, client gone) and frees everything it
 * had: its flows' sockets, its engine's threads, its registry entry. The agent keeps serving.
 */

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "util/err.h"

#define TL_DEFAULT_PORT 5299

struct tl_agent;
struct tl_auth_keys;

typedef void (*tl_agent_log_fn)(void *ctx, const char *line);

struct tl_agent_config {
	const char *bind;            /* NULL/"" = all addresses (IPv6 dual-stack where possible) */
	uint16_t port;               /* 0 = any free port (tl_agent_port tells which) */
	uint32_t max_tests;          /* at once */
	uint32_t max_flows;          /* per test */
	uint32_t max_threads;        /* per test */
	uint64_t max_duration_ns;    /* per test slot: connecting, the test, its results */
	uint64_t max_connect_timeout_ns; /* caps the client's connect timeout */
	uint64_t max_stall_timeout_ns;   /* caps the client's stall timeout (and the wait for DONE) */
	uint64_t handshake_timeout_ns; /* from accept to the TEST, the whole greeting */
	uint64_t max_rate_bps;       /* what all tests send together (SO_MAX_PACING_RATE); 0 = no cap */
	uint64_t max_test_rate_bps;  /* what one test sends; 0 = no cap */
	int one_off;                 /* serve one test, then tl_agent_run returns */
	uint32_t max_pending;        /* sessions greeted that have not started a test */
	uint32_t max_pending_per_host; /* the same, from one source address */
	/* Authorized client keys (ctl/auth.h); NULL = no authentication. Not owned. */
	const struct tl_auth_keys *auth_keys;
	tl_agent_log_fn log;         /* may be NULL */
	void *log_ctx;
};

struct tl_agent_stats {
	uint64_t tests_started, tests_ok, tests_failed;
	uint64_t tests_running;
	uint64_t data_rejected;      /* bad greeting or unknown cookie */
	uint64_t handshake_timeouts;
	uint64_t busy_refused;       /* over max_tests */
	uint64_t pending_refused;    /* over max_pending or max_pending_per_host */
	uint64_t auth_refused;       /* no, unknown or wrong authentication */
	uint64_t accept_fd_errors;   /* accept failed for lack of descriptors */
};

/* The longest log line the agent hands to its log function. */
#define TL_AGENT_LOG_MAX 400
/* Copies in to out (size bytes) with control characters escaped and "..." where it is cut;
 * returns the length written. Used on every log line (client text reaches them). */
size_t tl_log_escape(const char *in, char *out, size_t size);

void tl_agent_config_defaults(struct tl_agent_config *cfg);
struct tl_agent *tl_agent_new(const struct tl_agent_config *cfg, struct tl_err *err);
uint16_t tl_agent_port(const struct tl_agent *a);
const struct tl_addr *tl_agent_addr(const struct tl_agent *a);
int tl_agent_backlog(const struct tl_agent *a);

/* Serves until stop_fd becomes readable (an eventfd or a pipe). */
int tl_agent_run(struct tl_agent *a, int stop_fd, struct tl_err *err);

void tl_agent_stats(struct tl_agent *a, struct tl_agent_stats *out);

/* Ends every session (their tests fail, logged as ended by the shutdown) and joins them;
 * the statistics are final afterwards. */
void tl_agent_shutdown(struct tl_agent *a);
int tl_agent_shutting_down(const struct tl_agent *a);

/* Shuts down if needed, closes the listener, frees. NULL ok. */
void tl_agent_free(struct tl_agent *a);

#endif
