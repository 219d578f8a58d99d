#ifndef TCPLAB_CTL_AGENT_INTERNAL_H
#define TCPLAB_CTL_AGENT_INTERNAL_H

/* Shared by agent.c (accepting, registry) and session.c (one test). */

#include <pthread.h>
#include <stdint.h>

#include "ctl/agent.h"
#include "ctl/frame.h"

struct tl_session;

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
};

struct tl_agent {
	struct tl_agent_config cfg;
	struct tl_addr addr;
	int listen_fd;
	int backlog;
	uint64_t next_session_id;
	int shutting_down;         /* atomic */

	pthread_mutex_t lock;      /* guards sessions and stats */
	struct tl_session *sessions;
	struct tl_agent_stats stats;
};

void *tl_session_main(void *arg);
/* Registry: make the session's cookie known to the accept loop, or forget it. */
void tl_agent_register(struct tl_agent *a, struct tl_session *s);
void tl_agent_unregister(struct tl_agent *a, struct tl_session *s);
void tl_agent_logf(struct tl_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tl_agent_count(struct tl_agent *a, uint64_t *counter, int64_t delta);

#endif
