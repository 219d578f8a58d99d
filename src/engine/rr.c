/*
 * Request/response flows: rr clients and servers on persistent connections, crr connectors
 * that open a connection per K transactions, and the crr server's accepted connections.
 *
 * A client times each transaction from the moment its request was due: in closed loop that
 * is when the previous response completed, in open loop (--rate) the schedule, so a stalled
 * server shows as latency instead of vanishing from the samples (no coordinated omission).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/pattern.h"
#include "measure/hist.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define CRR_RETRY_NS (10 * 1000 * 1000ULL)     /* after a failed connect */
#define CRR_CONNECT_TIMEOUT_NS (5 * 1000000000ULL)

enum crr_state { CRR_IDLE, CRR_CONNECTING, CRR_TRANSACT, CRR_WAIT_EOF };

static int fail_class(int err_no)
{
	switch (err_no) {
	case EADDRNOTAVAIL: return TL_CFAIL_ADDRNOTAVAIL;
	case ECONNREFUSED: return TL_CFAIL_REFUSED;
	case ETIMEDOUT: return TL_CFAIL_TIMEDOUT;
	default: return TL_CFAIL_OTHER;
	}
}

static void record(struct tl_worker *w, struct tl_hist *h, uint64_t v)
{
	pthread_mutex_lock(&w->lat_lock);
	tl_hist_record(h, v);
	pthread_mutex_unlock(&w->lat_lock);
}

static void sched_push(struct tl_rr *rr, uint64_t due)
{
	rr->sched[(rr->sched_head + rr->sched_count) % TL_RR_SCHED_SLOTS] = due;
	rr->sched_count++;
}

static uint64_t sched_pop(struct tl_rr *rr)
{
	uint64_t due = rr->sched[rr->sched_head];
	rr->sched_head = (rr->sched_head + 1) % TL_RR_SCHED_SLOTS;
	rr->sched_count--;
	return due;
}

/* Sends owed messages. 0, or a positive errno when the connection failed. */
int tl_rr_pump_out(struct tl_worker *w, int fd, struct tl_rr *rr, uint64_t *bytes)
{
	const uint8_t *src = w->engine->pattern;
	while (rr->out_owed) {
		size_t left = rr->out_size - rr->out_off;
		if (left > w->engine->pattern_extra)
			left = w->engine->pattern_extra;
		ssize_t n = send(fd, src, left, MSG_NOSIGNAL);
		if (n > 0) {
			rr->out_off += (uint32_t)n;
			if (bytes)
				*bytes += (uint64_t)n;
			if (rr->out_off == rr->out_size) {
				rr->out_off = 0;
				rr->out_owed--;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return n < 0 ? errno : EPIPE;
	}
	return 0;
}

/*
 * Reads what has arrived; *complete gets the number of whole incoming messages finished.
 * Returns 0, -1 on EOF, or a positive errno.
 *
 * A read shorter than the buffer took everything the socket held, so the loop stops there
 * instead of paying a recv that only says EAGAIN (a third of an rr transaction's syscalls).
 * That is safe with EPOLLET: data or a FIN arriving after this read queues a new event.
 * Only a FIN that came before the event was taken hides behind a short read, and then the
 * event carries EPOLLRDHUP (or EPOLLHUP), so with those the loop reads on to the EOF.
 */
static int rr_pump_in(struct tl_worker *w, int fd, struct tl_rr *rr, uint32_t events,
		      uint32_t *complete, uint64_t *bytes)
{
	*complete = 0;
	int eof_pending = (events & (EPOLLRDHUP | EPOLLHUP)) != 0;
	for (;;) {
		ssize_t n = recv(fd, w->rbuf, w->rbuf_len, 0);
		if (n > 0) {
			if (bytes)
				*bytes += (uint64_t)n;
			uint64_t got = (uint64_t)rr->in_off + (uint64_t)n;
			*complete += (uint32_t)(got / rr->in_size);
			rr->in_off = (uint32_t)(got % rr->in_size);
			if ((size_t)n < w->rbuf_len && !eof_pending)
				return 0;
			continue;
		}
		if (n == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return errno;
	}
}

void tl_rr_flow_error(struct tl_worker *w, struct tl_flow *f, int err_no)
{
	TL_STORE(f->err_no, err_no);
	TL_STORE(f->state, TL_FLOW_ERROR);
	if (f->fd >= 0)
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, f->fd, NULL);
	f->timer_ns = 0;
}

int tl_rr_flow_init(struct tl_flow *f, const struct tl_flow_params *p)
{
	int client = p->mode != TL_MODE_RR_SERVER;
	if (client) {
		f->rr.sched = calloc(TL_RR_SCHED_SLOTS, sizeof(uint64_t));
		if (!f->rr.sched)
			return -ENOMEM;
	}
	f->next_due_ns = p->send_phase_ns; /* made absolute at the start */
	f->rr.in_size = client ? p->response_size : p->request_size;
	f->rr.out_size = client ? p->request_size : p->response_size;
	f->interval_ns = p->send_interval_ns;
	f->requests_per_conn = p->requests_per_conn ? p->requests_per_conn : 1;
	f->client_closes = p->client_closes;
	f->linger0 = p->linger0;
	f->connect_timeout_ns = p->connect_timeout_ns;
	if (p->mode == TL_MODE_CRR_CLIENT) {
		f->dest = *(const struct tl_addr *)p->dest;
		if (p->src) {
			f->src = *(const struct tl_addr *)p->src;
			f->has_src = 1;
		}
		if (p->sockopts)
			f->sockopts = *(const struct tl_sockopts *)p->sockopts;
	}
	return 0;
}

/* Queues the requests that are due; returns how many. */
static uint32_t queue_due(struct tl_flow *f, uint64_t now_ns, uint64_t stop_ns)
{
	uint32_t n = 0;
	while (f->next_due_ns && f->next_due_ns <= now_ns && f->next_due_ns < stop_ns &&
	       f->rr.sched_count < TL_RR_SCHED_SLOTS) {
		sched_push(&f->rr, f->next_due_ns);
		f->rr.out_owed++;
		f->next_due_ns += f->interval_ns;
		n++;
	}
	/* A full schedule waits: the due times stay, so the lateness shows in the latency. */
	f->timer_ns = f->next_due_ns < stop_ns ? f->next_due_ns : 0;
	return n;
}

/* ---- crr connector ---- */

static void crr_schedule(struct tl_flow *f, uint64_t at_ns)
{
	f->crr_state = CRR_IDLE;
	f->timer_ns = at_ns;
}

static void crr_end_cycle(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns, int abortive)
{
	(void)w;
	if (f->fd >= 0) {
		/* no EPOLL_CTL_DEL: closing the only descriptor of the socket removes it from the
		 * epoll set, and a syscall fewer per connection is what crr measures */
		if (abortive)
			tl_sock_close_abort(f->fd);
		else
			close(f->fd);
		f->fd = -1;
	}
	uint64_t next = now_ns;
	if (f->interval_ns) {
		f->next_due_ns += f->interval_ns;
		next = f->next_due_ns > now_ns ? f->next_due_ns : now_ns;
	}
	crr_schedule(f, next);
}

static void crr_connect_failed(struct tl_worker *w, struct tl_flow *f, int err_no, uint64_t now_ns)
{
	int c = fail_class(err_no);
	TL_STORE(w->connect_fail[c], w->connect_fail[c] + 1);
	TL_STORE(w->last_connect_errno, err_no);
	if (f->fd >= 0) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, f->fd, NULL);
		close(f->fd);
		f->fd = -1;
	}
	/* Keep trying after a short pause: the failures are counted, never hidden. */
	crr_schedule(f, now_ns + CRR_RETRY_NS);
}

static void crr_start(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns)
{
	uint64_t stop = TL_LOAD(w->engine->stop_ns);
	if (now_ns >= stop) {
		f->timer_ns = 0;
		return;
	}
	if (!f->cycle_due_ns || !f->interval_ns)
		f->cycle_due_ns = now_ns;
	else
		f->cycle_due_ns = f->next_due_ns;
	int fd = socket(f->dest.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		crr_connect_failed(w, f, errno, now_ns);
		return;
	}
	f->fd = fd;
	tl_sock_apply_pre(fd, &f->sockopts, TL_SOCK_SENDER, NULL);
	/* TCP_NODELAY and pacing hold on a socket not yet connected: set here, they cost no
	 * call after the connection is up */
	tl_sock_apply_post(fd, &f->sockopts, TL_SOCK_SENDER, NULL);
	if (f->has_src) {
		int one = 1;
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&f->src.ss, f->src.len) < 0) {
			crr_connect_failed(w, f, errno, now_ns);
			return;
		}
	}
	f->connect_started_ns = now_ns;
	if (connect(fd, (const struct sockaddr *)&f->dest.ss, f->dest.len) < 0 && errno != EINPROGRESS) {
		crr_connect_failed(w, f, errno, now_ns);
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = f };
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		crr_connect_failed(w, f, errno, now_ns);
		return;
	}
	f->crr_state = CRR_CONNECTING;
	f->timer_ns = now_ns + (f->connect_timeout_ns ? f->connect_timeout_ns : CRR_CONNECT_TIMEOUT_NS);
}

static void crr_established(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns)
{
	record(w, w->lat_connect, now_ns - f->connect_started_ns);
	TL_STORE(w->connects, w->connects + 1);
	f->crr_state = CRR_TRANSACT;
	f->timer_ns = 0;
	f->rr.in_off = f->rr.out_off = 0;
	f->rr.sched_head = f->rr.sched_count = 0;
	f->rr.done_on_conn = 0;
	f->rr.out_owed = 1;
	/* open loop: the first transaction was due when the connection was */
	sched_push(&f->rr, f->interval_ns ? f->cycle_due_ns : now_ns);
}

/* ---- client and server flows ---- */

void tl_rr_client_responses(struct tl_worker *w, struct tl_flow *f, uint32_t complete,
			    uint64_t now_ns)
{
	uint64_t stop = TL_LOAD(w->engine->stop_ns);
	for (uint32_t i = 0; i < complete && f->rr.sched_count; i++) {
		uint64_t due = sched_pop(&f->rr);
		record(w, w->lat_txn, now_ns > due ? now_ns - due : 0);
		TL_STORE(f->transactions, f->transactions + 1);
		TL_STORE(w->transactions, w->transactions + 1);
		f->rr.done_on_conn++;
		if (f->mode == TL_MODE_CRR_CLIENT) {
			if (f->rr.done_on_conn < f->requests_per_conn && now_ns < stop) {
				f->rr.out_owed++;
				sched_push(&f->rr, now_ns);
			}
		} else if (!f->interval_ns && now_ns < stop) {
			f->rr.out_owed++; /* closed loop: the next request goes now */
			sched_push(&f->rr, now_ns);
		}
	}
	TL_STORE(f->last_progress_ns, now_ns);
}

void tl_rr_flow_complete(struct tl_worker *w, struct tl_flow *f, uint32_t complete,
			 uint64_t now_ns)
{
	if (f->mode != TL_MODE_RR_SERVER) {
		tl_rr_client_responses(w, f, complete, now_ns);
		return;
	}
	f->rr.out_owed += complete; /* a response owed for every whole request */
	TL_STORE(f->transactions, f->transactions + complete);
	TL_STORE(f->last_progress_ns, now_ns);
}

void tl_rr_flow_on_events(struct tl_worker *w, struct tl_flow *f, uint32_t events, uint64_t now_ns)
{
	if (TL_LOAD(f->state) != TL_FLOW_ACTIVE || f->fd < 0)
		return;
	if (f->mode == TL_MODE_CRR_CLIENT && f->crr_state == CRR_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		/* a failed connect raises EPOLLERR; EPOLLOUT alone means connected, so SO_ERROR is
		 * read only when there is an error to name */
		if (events & (EPOLLERR | EPOLLHUP)) {
			int soerr = 0;
			socklen_t len = sizeof(soerr);
			getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
			crr_connect_failed(w, f, soerr ? soerr : ECONNRESET, now_ns);
			return;
		}
		crr_established(w, f, now_ns);
	}
	uint64_t bytes = f->bytes;
	uint32_t complete = 0;
	/* nothing to read without an input event (a connect that just completed): skip the
	 * recv that would only say EAGAIN */
	int in = (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			 ? rr_pump_in(w, f->fd, &f->rr, events, &complete, &bytes) : 0;
	if (complete)
		tl_rr_flow_complete(w, f, complete, now_ns);
	int out = tl_rr_pump_out(w, f->fd, &f->rr, &bytes);
	TL_STORE(f->bytes, bytes);
	if (f->mode == TL_MODE_CRR_CLIENT) {
		int finished = f->rr.done_on_conn >= f->requests_per_conn;
		if (finished && !f->client_closes && (in == ECONNRESET || out == ECONNRESET)) {
			/* the server closed with an RST (--close server --linger0): the cycle is done */
			crr_end_cycle(w, f, now_ns, 0);
			return;
		}
		if (in > 0 || out > 0) {
			crr_connect_failed(w, f, in > 0 ? in : out, now_ns);
			return;
		}
		if (finished) {
			if (f->client_closes) {
				crr_end_cycle(w, f, now_ns, f->linger0);
			} else {
				f->crr_state = CRR_WAIT_EOF; /* the server closes first */
				if (in < 0)
					crr_end_cycle(w, f, now_ns, 0);
			}
		} else if (in < 0) {
			/* the server closed before the last response: count it as a failure */
			crr_connect_failed(w, f, ECONNRESET, now_ns);
		} else if (now_ns >= TL_LOAD(w->engine->stop_ns) && !f->rr.out_owed && !f->rr.sched_count) {
			/* past the end with nothing in flight: close rather than hold the connection */
			crr_end_cycle(w, f, now_ns, f->linger0);
		}
		return;
	}
	if (in < 0 || in > 0 || out > 0)
		tl_rr_flow_error(w, f, in > 0 ? in : out > 0 ? out : EPIPE);
}

void tl_rr_on_timer(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns)
{
	if (TL_LOAD(f->state) != TL_FLOW_ACTIVE)
		return;
	if (f->mode == TL_MODE_CRR_CLIENT) {
		if (f->crr_state == CRR_CONNECTING) {
			crr_connect_failed(w, f, ETIMEDOUT, now_ns);
			return;
		}
		if (f->crr_state == CRR_IDLE)
			crr_start(w, f, now_ns);
		return;
	}
	if (queue_due(f, now_ns, TL_LOAD(w->engine->stop_ns))) {
		uint64_t bytes = f->bytes;
		int out = tl_rr_pump_out(w, f->fd, &f->rr, &bytes);
		TL_STORE(f->bytes, bytes);
		if (out > 0)
			tl_rr_flow_error(w, f, out);
	}
}

void tl_rr_begin(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns)
{
	if (f->mode == TL_MODE_RR_SERVER)
		return;
	if (f->interval_ns)
		f->next_due_ns = TL_LOAD(w->engine->start_ns) + f->next_due_ns; /* phase, set at add */
	if (f->mode == TL_MODE_CRR_CLIENT) {
		crr_schedule(f, f->interval_ns ? f->next_due_ns : now_ns);
		if (!f->interval_ns)
			crr_start(w, f, now_ns);
		return;
	}
	if (f->interval_ns) {
		tl_rr_on_timer(w, f, now_ns);
		return;
	}
	f->rr.out_owed = 1;
	sched_push(&f->rr, now_ns);
	uint64_t bytes = f->bytes;
	int out = tl_rr_pump_out(w, f->fd, &f->rr, &bytes);
	TL_STORE(f->bytes, bytes);
	if (out > 0)
		tl_rr_flow_error(w, f, out);
}

/* ---- crr server ---- */

static void conn_release(struct tl_worker *w, struct tl_conn *c, int abortive)
{
	/* closing the socket's only descriptor takes it out of the epoll set: no DEL call */
	if (abortive)
		tl_sock_close_abort(c->fd);
	else
		close(c->fd);
	c->fd = -1;
	c->next_free = w->free_conns;
	w->free_conns = c;
}

void tl_rr_accept(struct tl_worker *w, struct tl_listener *l, uint64_t now_ns)
{
	(void)now_ns;
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or another worker took it */
		struct tl_conn *c = w->free_conns;
		if (c) {
			w->free_conns = c->next_free;
		} else {
			c = calloc(1, sizeof(*c));
			if (!c) {
				tl_sock_close_abort(fd);
				continue;
			}
			c->all_next = w->all_conns;
			w->all_conns = c;
		}
		struct tl_conn *keep = c->all_next;
		memset(c, 0, sizeof(*c));
		c->all_next = keep;
		c->kind = TL_EV_CONN;
		c->fd = fd;
		c->rr.in_size = l->p.request_size;
		c->rr.out_size = l->p.response_size;
		/* input only: a response that does not fit asks for EPOLLOUT then (conn_on_events);
		 * registered for output too, every new connection woke the worker once for nothing */
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c };
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			c->next_free = w->free_conns;
			w->free_conns = c;
			continue;
		}
		TL_STORE(w->connects, w->connects + 1);
	}
}

void tl_rr_conn_on_events(struct tl_worker *w, struct tl_conn *c, uint32_t events, uint64_t now_ns)
{
	(void)now_ns;
	const struct tl_crr_server_params *p = &w->engine->listener.p;
	uint32_t complete = 0;
	int in = (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			 ? rr_pump_in(w, c->fd, &c->rr, events, &complete, NULL) : 0;
	c->rr.out_owed += complete;
	uint32_t owed_before = c->rr.out_owed;
	int out = tl_rr_pump_out(w, c->fd, &c->rr, NULL);
	c->rr.done_on_conn += owed_before - c->rr.out_owed;
	TL_STORE(w->transactions, w->transactions + (owed_before - c->rr.out_owed));
	if (in > 0 || out > 0) {
		/* a connection the peer reset is gone already: a plain close, no SO_LINGER call */
		int gone = in == ECONNRESET || out == ECONNRESET || out == EPIPE;
		conn_release(w, c, !gone);
		return;
	}
	if (c->rr.out_owed && !c->want_out) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
		epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
		c->want_out = 1;
	}
	if (p->server_closes && c->rr.done_on_conn >= p->requests_per_conn && !c->rr.out_owed) {
		conn_release(w, c, p->linger0);
		return;
	}
	if (in < 0) /* the client closed (after its last response, or gave up) */
		conn_release(w, c, 0);
}

void tl_rr_worker_free(struct tl_worker *w)
{
	while (w->all_conns) {
		struct tl_conn *c = w->all_conns;
		w->all_conns = c->all_next;
		if (c->fd >= 0)
			tl_sock_close_abort(c->fd);
		free(c);
	}
	w->free_conns = NULL;
}
