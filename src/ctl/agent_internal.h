#ifndef TCPLAB_CTL_AGENT_INTERNAL_H
#define TCPLAB_CTL_AGENT_INTERNAL_H

/* Shared by agent.c (accepting, registry) and session.c (one test). */

#include <pthread.h>
#include <stdint.h>

#include "ctl/agent.h"
#include "ctl/frame.h"

struct tl_session;

/* Below this a share of --max-rate is no test: refuse as busy. */
#define TL_AGENT_MIN_SHARE_BPS 1000000ull

/* A data connection handed from the accept loop to its session. */
struct pending_data {
	int fd;
	uint32_t flow_id;
};

struct tl_session {
	struct tl_agent *agent;
	int ctl_fd;
	uint64_t id;
	uint8_t cookie[TL_COOKIE_LEN];
	int registered;
	pthread_t thread;
	int finished;              /* atomic: the thread has returned; the agent may join it */
	struct tl_session *next;

	pthread_mutex_t lock;      /* guards the queue below */
	int wakefd;                /* eventfd: data connections queued */
	struct pending_data *queue;
	size_t queued, queue_cap;
	uint32_t expected_flows;   /* 0 until the spec is known */
	uint64_t slot_deadline_ns; /* the test slot's end: taken + --max-duration */
	uint64_t greet_deadline_ns; /* the whole greeting (magic, HELLO, AUTH, TEST) by then */
	uint8_t host[16];          /* the peer's address, for the per-host pending limit */
	int pending;               /* guarded by agent->lock: greeted, no test slot yet */
	uint64_t rate_share_bps;   /* guarded by agent->lock: its part of --max-rate */
};

struct tl_agent {
	struct tl_agent_config cfg;
	struct tl_addr addr;
	int listen_fd;
	int backlog;
	uint64_t next_session_id;
	int shutting_down;         /* atomic */

	pthread_mutex_t lock;      /* guards sessions, pending and stats */
	struct tl_session *sessions;
	uint32_t pending;          /* sessions greeted that hold no test slot yet */
	uint64_t rate_used_bps;    /* the running tests' shares of --max-rate */
	int one_off_done;          /* --one-off: the test ran; stop */
	struct tl_agent_stats stats;
	/* accept back-off when descriptors run out (accept loop only) */
	uint64_t accept_resume_ns; /* 0 = accepting */
	uint64_t accept_backoff_ns;
	uint64_t last_fd_log_ns, fd_errors_unlogged;
	uint64_t last_pending_log_ns, pending_unlogged;
};

void *tl_session_main(void *arg);
/* Registry: make the session's cookie known to the accept loop, or forget it. */
void tl_agent_register(struct tl_agent *a, struct tl_session *s);
void tl_agent_unregister(struct tl_agent *a, struct tl_session *s);
void tl_agent_logf(struct tl_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tl_agent_count(struct tl_agent *a, uint64_t *counter, int64_t delta);
/* The session no longer counts as pending (it took a test slot, or it ends). */
void tl_agent_unpend(struct tl_agent *a, struct tl_session *s);

#endif
