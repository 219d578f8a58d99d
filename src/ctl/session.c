/* One test on the agent, from HELLO to RESULTS, in its own thread (see ctl/proto.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/agent_internal.h"
#include "ctl/data_listen.h"
#include "ctl/proto.h"
#include "ctl/spec.h"
#include "net/sock.h"
#include "util/clock.h"
#include "workload/side.h"

#define SESSION_MSG_TIMEOUT_NS (10 * TL_NSEC_PER_SEC)
#define SESSION_START_DELAY_MAX_NS (10 * TL_NSEC_PER_SEC)

static void cookie_hex(const uint8_t *cookie, char *out)
{
	for (int i = 0; i < TL_COOKIE_LEN; i++)
		sprintf(out + 2 * i, "%02x", cookie[i]);
}

/* Hands the queued data connections to the side. */
static int drain_queue(struct tl_session *s, struct tl_side *side, struct tl_err *err)
{
	uint64_t v;
	if (read(s->wakefd, &v, sizeof(v)) < 0) {
		/* nothing queued since the last drain */
	}
	pthread_mutex_lock(&s->lock);
	struct pending_data *q = s->queue;
	size_t n = s->queued;
	s->queue = NULL;
	s->queued = s->queue_cap = 0;
	pthread_mutex_unlock(&s->lock);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = tl_side_attach(side, q[i].flow_id, q[i].fd, err); /* owns fd */
		else
			tl_sock_close_abort(q[i].fd);
	}
	free(q);
	return rc;
}

/* Waits for the control socket or the queue until deadline; 1 = control readable. */
static int wait_events(struct tl_session *s, uint64_t deadline_ns, int *queue_ready)
{
	struct pollfd p[2] = { { .fd = s->ctl_fd, .events = POLLIN }, { .fd = s->wakefd, .events = POLLIN } };
	int rc = poll(p, 2, tl_ms_until(deadline_ns, tl_now_ns()));
	*queue_ready = rc > 0 && (p[1].revents & POLLIN);
	return rc > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR));
}

static int handshake(struct tl_session *s, struct tl_spec *spec, struct tl_err *err)
{
	struct tl_agent *a = s->agent;
	json_t *msg = NULL;
	char hex[2 * TL_COOKIE_LEN + 1];
	int rc = tl_msg_recv(s->ctl_fd, TL_MSG_HELLO, NULL, &msg, tl_now_ns() + a->cfg.handshake_timeout_ns, err);
	if (rc < 0)
		return rc;
	json_decref(msg);
	cookie_hex(s->cookie, hex);
	json_t *welcome = json_pack("{s:s,s:s,s:{s:I,s:I,s:I,s:I},s:i}", "tcplab", TCPLAB_VERSION,
				    "cookie", hex, "limits", "max_flows", (json_int_t)a->cfg.max_flows,
				    "max_threads", (json_int_t)a->cfg.max_threads,
				    "max_duration_ns", (json_int_t)a->cfg.max_duration_ns,
				    "max_tests", (json_int_t)a->cfg.max_tests, "backlog", a->backlog);
	rc = tl_msg_send(s->ctl_fd, TL_MSG_WELCOME, welcome, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
	json_decref(welcome);
	if (rc < 0)
		return rc;
	rc = tl_msg_recv(s->ctl_fd, TL_MSG_TEST, NULL, &msg, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
	if (rc < 0)
		return rc;
	rc = tl_spec_from_json(json_object_get(msg, "spec"), spec, err);
	json_decref(msg);
	if (rc == 0 && tl_spec_check_cc_available(spec, err) < 0) { /* this host's, this process's */
		tl_err_prefix(err, "on the agent's host");
		rc = -EPERM;
	}
	if (rc < 0) {
		tl_err_prefix(err, "test spec refused");
		return rc;
	}
	if (tl_spec_connections(spec) > a->cfg.max_flows)
		return tl_err_set(err, EPERM, "%u connections exceed this agent's --max-flows %u",
				  tl_spec_connections(spec), a->cfg.max_flows);
	uint64_t planned = spec->bytes ? spec->max_duration_ns : spec->omit_ns + spec->duration_ns;
	if (planned > a->cfg.max_duration_ns)
		return tl_err_set(err, EPERM, "test of %llu s exceeds this agent's --max-duration %llu s",
				  (unsigned long long)(planned / TL_NSEC_PER_SEC),
				  (unsigned long long)(a->cfg.max_duration_ns / TL_NSEC_PER_SEC));
	if (spec->threads > a->cfg.max_threads)
		spec->threads = a->cfg.max_threads;
	return 0;
}

static int collect_flows(struct tl_session *s, const struct tl_spec *spec, struct tl_side *side,
			 struct tl_data_listeners *dl, struct tl_err *err)
{
	uint32_t want = spec->workload == TL_WORKLOAD_CRR ? 0 : tl_spec_connections(spec);
	uint64_t deadline = tl_now_ns() + spec->connect_timeout_ns + TL_NSEC_PER_SEC;
	uint32_t refused = 0;
	while (tl_side_attached(side) < want) {
		if (tl_now_ns() >= deadline)
			return tl_err_set(err, ETIMEDOUT, "only %u of %u data connections arrived within %llu s",
					  tl_side_attached(side), want,
					  (unsigned long long)(spec->connect_timeout_ns / TL_NSEC_PER_SEC) + 1);
		/* the control connection, the shared port's queue, and the test's own ports */
		struct pollfd p[2 + TL_DATA_LISTEN_MAX] = { { .fd = s->ctl_fd, .events = POLLIN },
							    { .fd = s->wakefd, .events = POLLIN } };
		for (uint32_t i = 0; i < dl->plan.n; i++)
			p[2 + i] = (struct pollfd){ .fd = dl->fd[i], .events = POLLIN };
		int n = poll(p, 2 + dl->plan.n, tl_ms_until(deadline, tl_now_ns()));
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			json_t *m = NULL;
			int rc = tl_msg_recv(s->ctl_fd, 0, NULL, &m, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
			json_decref(m);
			return rc < 0 ? rc : tl_err_set(err, EPROTO, "unexpected message while flows connect");
		}
		if (n > 0 && (p[1].revents & POLLIN) && drain_queue(s, side, err) < 0)
			return -1;
		/* a connection gets the agent's handshake time to greet, as on the shared port */
		uint64_t greet = tl_now_ns() + s->agent->cfg.handshake_timeout_ns;
		for (uint32_t i = 0; n > 0 && i < dl->plan.n; i++)
			if ((p[2 + i].revents & POLLIN) &&
			    tl_data_listeners_accept(dl, i, spec, s->cookie, side, greet < deadline ? greet : deadline,
						     &refused, err) < 0)
				return -1;
	}
	if (refused)
		tl_agent_logf(s->agent, "test %llu: %u connection(s) to its data ports refused (no valid greeting)",
			      (unsigned long long)s->id, refused);
	return 0;
}

static int send_intervals(struct tl_session *s, struct tl_side *side, uint32_t *sent, uint32_t have,
			  struct tl_err *err)
{
	for (; *sent < have; (*sent)++) {
		json_t *iv = tl_side_interval_json(side, *sent);
		int rc = tl_msg_send(s->ctl_fd, TL_MSG_INTERVAL, iv, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
		json_decref(iv);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int run_test(struct tl_session *s, const struct tl_spec *spec, struct tl_side *side,
		    struct tl_err *err)
{
	json_t *m = NULL;
	uint64_t delay = 0;
	json_t *ready = json_pack("{s:I}", "flows", (json_int_t)tl_side_attached(side));
	int rc = tl_msg_send(s->ctl_fd, TL_MSG_READY, ready, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
	json_decref(ready);
	if (rc < 0)
		return rc;
	rc = tl_msg_recv(s->ctl_fd, TL_MSG_START, NULL, &m, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
	if (rc < 0)
		return rc;
	rc = tl_json_get_u64(m, "delay_ns", 0, SESSION_START_DELAY_MAX_NS, 1, &delay, err);
	json_decref(m);
	if (rc < 0)
		return rc;
	tl_side_start(side, tl_now_ns() + delay);

	int finished = 0, client_done = 0;
	uint32_t sent = 0;
	while (!finished) {
		int queue_ready;
		if (wait_events(s, tl_side_next_deadline(side), &queue_ready)) {
			uint16_t type;
			m = NULL; /* a failed recv leaves it alone: no stale pointer to free */
			rc = tl_msg_recv(s->ctl_fd, 0, &type, &m, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
			int stop = rc >= 0 && json_is_true(json_object_get(m, "stop"));
			json_decref(m);
			if (rc < 0)
				return rc;
			if (type != TL_MSG_DONE)
				return tl_err_set(err, EPROTO, "unexpected %s message during the test",
						  tl_msg_name(type));
			client_done = 1;
			/* The client's end was cut short (--max-time, a stalled receiver, Ctrl-C):
			 * what it still waits for will not come, so this end stops now too, after
			 * one last look in case its flows had just finished. */
			if (stop) {
				tl_side_tick(side, tl_now_ns(), &finished);
				if (!finished)
					tl_side_abort(side, tl_now_ns());
				finished = 1;
			}
		}
		uint32_t have = tl_side_tick(side, tl_now_ns(), &finished);
		if (send_intervals(s, side, &sent, have, err) < 0)
			return -1;
	}
	uint64_t t_end = tl_now_ns();
	json_t *results = tl_side_results_json(side);
	rc = tl_msg_send(s->ctl_fd, TL_MSG_RESULTS, results, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
	json_decref(results);
	tl_agent_logf(s->agent, "test %llu: results of %u flows sent in %llu ms", (unsigned long long)s->id,
		      tl_spec_connections(spec), (unsigned long long)((tl_now_ns() - t_end) / TL_NSEC_PER_MSEC));
	if (rc < 0)
		return rc;
	/* Keep the flows open until the client has its data too (a bytes-mode receiver may still
	 * be reading what this end already wrote); then every socket closes with an RST. */
	if (!client_done) {
		m = NULL;
		rc = tl_msg_recv(s->ctl_fd, TL_MSG_DONE, NULL, &m,
				 tl_now_ns() + spec->stall_timeout_ns + SESSION_MSG_TIMEOUT_NS, err);
		json_decref(m);
	}
	return rc;
}

void *tl_session_main(void *arg)
{
	struct tl_session *s = arg;
	struct tl_agent *a = s->agent;
	struct tl_spec spec;
	struct tl_side *side = NULL;
	struct tl_err err = { 0 };
	struct tl_addr peer;
	struct tl_data_listeners dl = { .plan = { .n = 0 } };
	char who[80] = "?";
	int counted = 0, ok = 0;

	if (tl_addr_peer(s->ctl_fd, &peer, NULL) == 0)
		tl_addr_str(&peer, who, sizeof(who));
	/* Control messages are small and must not wait behind Nagle (the start instant). */
	int one = 1;
	setsockopt(s->ctl_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (handshake(s, &spec, &err) < 0)
		goto out;
	pthread_mutex_lock(&a->lock);
	int busy = a->stats.tests_running >= a->cfg.max_tests;
	if (busy)
		a->stats.busy_refused++;
	else {
		a->stats.tests_running++;
		a->stats.tests_started++;
		counted = 1;
	}
	pthread_mutex_unlock(&a->lock);
	if (busy) {
		tl_err_set(&err, EBUSY, "agent busy: %u tests running (its --max-tests); try again later",
			   a->cfg.max_tests);
		goto out;
	}
	side = tl_side_new(&spec, 0, &err);
	if (!side)
		goto out;
	uint16_t crr_port = 0;
	if (spec.workload == TL_WORKLOAD_CRR) {
		/* crr connections come to a port of the test's own, not through the greeting */
		struct tl_addr local;
		if (tl_addr_local(s->ctl_fd, &local, &err) < 0 ||
		    tl_side_listen(side, &local, &crr_port, &err) < 0)
			goto out;
	} else {
		/* flows received with a fixed --rcvbuf connect to ports of their own (data_listen.h) */
		struct tl_addr local;
		if (tl_addr_local(s->ctl_fd, &local, &err) < 0 || tl_data_listeners_open(&dl, &spec, &local, &err) < 0)
			goto out;
		pthread_mutex_lock(&s->lock);
		s->expected_flows = tl_spec_connections(&spec);
		pthread_mutex_unlock(&s->lock);
		tl_agent_register(a, s);
	}
	tl_agent_logf(a, "test %llu from %s: %s %s, %u flows, %u threads", (unsigned long long)s->id, who,
		      tl_workload_name(spec.workload), tl_direction_name(spec.direction), spec.flows,
		      spec.threads);
	json_t *acc = json_pack("{s:I,s:i}", "threads", (json_int_t)spec.threads, "crr_port", crr_port);
	if (dl.plan.n)
		json_object_set_new(acc, "data_ports", tl_data_listeners_ports_json(&dl));
	int rc = tl_msg_send(s->ctl_fd, TL_MSG_ACCEPT, acc, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, &err);
	json_decref(acc);
	if (rc < 0 || collect_flows(s, &spec, side, &dl, &err) < 0 || run_test(s, &spec, side, &err) < 0)
		goto out;
	ok = 1;
out:
	if (!ok && tl_agent_shutting_down(a))
		tl_err_set(&err, ESHUTDOWN, "ended by the agent's shutdown");
	if (!ok) {
		tl_msg_send_error(s->ctl_fd, err.msg);
		tl_agent_logf(a, "test %llu from %s failed: %s", (unsigned long long)s->id, who, err.msg);
	} else {
		tl_agent_logf(a, "test %llu from %s done", (unsigned long long)s->id, who);
	}
	tl_agent_unregister(a, s);
	tl_data_listeners_close(&dl);
	tl_side_free(side);
	pthread_mutex_lock(&a->lock);
	if (counted) {
		a->stats.tests_running--;
		if (ok)
			a->stats.tests_ok++;
		else
			a->stats.tests_failed++;
	}
	pthread_mutex_unlock(&a->lock);
	shutdown(s->ctl_fd, SHUT_RDWR);
	__atomic_store_n(&s->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}
