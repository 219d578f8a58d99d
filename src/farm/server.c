#include "farm/server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "farm/proto.h"
#include "farm/split.h"
#include "measure/cpu.h"
#include "net/sock.h"
#include "util/clock.h"

#define IN_CAP_START (16u * 1024u)
#define LISTEN_BACKLOG 4096
/* How often the loop looks at leases, idle connections, linger and the deadline. */
#define TICK_NS (50 * TL_NSEC_PER_MSEC)

struct conn {
	int fd;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	bool closing;     /* close once out is flushed (after an ERROR) */
	uint64_t last_ns;
	struct conn *prev, *next;
};

struct live {
	_Atomic uint64_t accepted, refused, requests, malformed, idle_closed, open_conns;
	_Atomic uint64_t jobs_done, handed_out, requeued, duplicates, mismatches, cpu_ns;
	_Atomic uint64_t first_ns, done_ns;
	atomic_bool finished;
};

struct tl_farm_server {
	struct tl_farm_server_config cfg;
	struct tl_addr addr;
	int lfd, epfd, stop_fd;
	struct tl_farm_ledger ledger;
	struct tl_farm_job_result *results;  /* decode scratch, TL_FARM_BATCH_MAX */
	uint32_t *ids;                   /* take scratch */
	struct tl_farm_job *jobs;        /* encode scratch */
	struct conn *conns;              /* open connections, a list */
	uint64_t done_at_ns;             /* when the last result came in */
	bool verdict_pass;
	struct live live;
	pthread_t thread;
	bool started;
	int error;                       /* negative errno that stopped the loop */
	struct tl_err err;
	char first_malformed[TL_FARM_ERROR_MAX + 1];
};

static void inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static void set(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

static void publish_books(struct tl_farm_server *s)
{
	set(&s->live.jobs_done, s->ledger.done);
	set(&s->live.handed_out, s->ledger.handed_out);
	set(&s->live.requeued, s->ledger.requeued);
	set(&s->live.duplicates, s->ledger.duplicates);
	set(&s->live.mismatches, s->ledger.mismatches);
}

static void conn_close(struct tl_farm_server *s, struct conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->in);
	free(c->out);
	free(c);
	atomic_fetch_sub_explicit(&s->live.open_conns, 1, memory_order_relaxed);
}

static int out_reserve(struct conn *c, size_t need)
{
	if (c->out_cap >= need)
		return 0;
	uint8_t *p = realloc(c->out, need);
	if (!p)
		return -ENOMEM;
	c->out = p;
	c->out_cap = need;
	return 0;
}

/* Queues an ERROR answer and marks the connection to be closed after it. */
static int reply_error(struct tl_farm_server *s, struct conn *c, const char *text)
{
	inc(&s->live.malformed);
	if (!s->first_malformed[0])
		snprintf(s->first_malformed, sizeof(s->first_malformed), "%s", text);
	c->closing = true;
	if (out_reserve(c, TL_FARM_HDR_LEN + TL_FARM_ERROR_MAX) < 0)
		return -ENOMEM;
	c->out_len = tl_farm_error_encode(c->out, c->out_cap, text);
	c->out_off = 0;
	return 0;
}

static uint32_t retry_hint_ms(struct tl_farm_server *s, uint64_t now)
{
	uint64_t next = tl_farm_ledger_next_expiry(&s->ledger, s->cfg.job_timeout_ns);
	uint64_t ms = next > now ? (next - now) / TL_NSEC_PER_MSEC : 10;
	/* Poll at least every 50 ms, so a worker hears DONE soon after the last result. */
	return (uint32_t)(ms < 10 ? 10 : ms > 50 ? 50 : ms);
}

/* One whole REQUEST in c->in[0..size): books its results, queues the answer. */
static int handle_request(struct tl_farm_server *s, struct conn *c, size_t size)
{
	struct tl_farm_request req;
	struct tl_err err = { 0 };
	if (tl_farm_request_decode(c->in, size, &req, s->results, TL_FARM_BATCH_MAX, &err) < 0)
		return reply_error(s, c, err.msg);
	for (uint32_t i = 0; i < req.nresults; i++)
		if (tl_farm_ledger_result(&s->ledger, s->results[i].job, s->results[i].primes,
					  &err) < 0) {
			publish_books(s);
			return reply_error(s, c, err.msg);
		}
	uint64_t now = tl_now_ns();
	if (!atomic_load_explicit(&s->live.first_ns, memory_order_relaxed))
		set(&s->live.first_ns, now);
	tl_farm_ledger_requeue_expired(&s->ledger, now, s->cfg.job_timeout_ns);
	uint32_t n = tl_farm_ledger_take(&s->ledger, req.want, now, s->ids);
	bool complete = tl_farm_ledger_complete(&s->ledger);
	if (complete && !s->done_at_ns) {
		struct tl_farm_check chk;
		tl_farm_ledger_check(&s->ledger, s->cfg.expected, &chk);
		s->verdict_pass = chk.pass;
		s->done_at_ns = now;
		set(&s->live.done_ns, now);
	}
	publish_books(s);
	inc(&s->live.requests);
	c->out_off = 0;
	if (n == 0 && complete) {
		if (out_reserve(c, TL_FARM_HDR_LEN + 20) < 0)
			return -ENOMEM;
		c->out_len = tl_farm_done_encode(c->out, c->out_cap,
						 s->verdict_pass ? TL_FARM_VERDICT_PASS
								 : TL_FARM_VERDICT_FAIL,
						 s->ledger.total, s->cfg.expected);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct tl_farm_range r = tl_farm_split_job(s->cfg.lo, s->cfg.hi, s->cfg.njobs,
							   s->ids[i]);
		s->jobs[i] = (struct tl_farm_job){ .job = s->ids[i], .lo = r.lo, .hi = r.hi };
	}
	if (out_reserve(c, tl_farm_jobs_size(n)) < 0)
		return -ENOMEM;
	c->out_len = tl_farm_jobs_encode(c->out, c->out_cap, n || !req.want ? 0 : retry_hint_ms(s, now),
					 s->jobs, n);
	return 0;
}

/* Sends what is queued; switches the connection between reading and writing. */
static int flush(struct tl_farm_server *s, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
			return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 ? -errno : 0;
		}
		return -ECONNRESET;
	}
	c->out_len = c->out_off = 0;
	if (c->closing)
		return -ECONNRESET;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 ? -errno : 0;
}

/* Answers every whole request in the input, one at a time (an answer goes out first). */
static int process_input(struct tl_farm_server *s, struct conn *c)
{
	while (c->out_len == 0 && !c->closing && c->in_len >= TL_FARM_HDR_LEN) {
		struct tl_farm_hdr h;
		struct tl_err err = { 0 };
		if (tl_farm_hdr_parse(c->in, TL_FARM_EXPECT_REQUEST, &h, &err) < 0) {
			if (reply_error(s, c, err.msg) < 0)
				return -ENOMEM;
			break;
		}
		if (c->in_len < h.size) {
			if (c->in_cap < h.size) {
				uint8_t *p = realloc(c->in, h.size);
				if (!p)
					return -ENOMEM;
				c->in = p;
				c->in_cap = h.size;
			}
			return 0;
		}
		int ret = handle_request(s, c, h.size);
		if (ret < 0)
			return ret;
		memmove(c->in, c->in + h.size, c->in_len - h.size);
		c->in_len -= h.size;
	}
	return c->out_len ? flush(s, c) : 0;
}

static int on_readable(struct tl_farm_server *s, struct conn *c)
{
	for (;;) {
		if (c->in_len == c->in_cap)
			return process_input(s, c);  /* grows the buffer for a long message */
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			int ret = process_input(s, c);
			if (ret < 0 || c->out_len)
				return ret;
			continue;
		}
		if (n == 0)
			return -ECONNRESET; /* the worker closed first, as it should */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		return -errno;
	}
}

static void on_accept(struct tl_farm_server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a connection that died in the queue */
		inc(&s->live.accepted);
		if (atomic_load_explicit(&s->live.open_conns, memory_order_relaxed) >=
		    s->cfg.max_conns) {
			inc(&s->live.refused);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = calloc(1, sizeof(*c));
		uint8_t *in = malloc(IN_CAP_START);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (!c || !in || epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			free(c);
			free(in);
			close(fd);
			inc(&s->live.refused);
			continue;
		}
		c->fd = fd;
		c->in = in;
		c->in_cap = IN_CAP_START;
		c->last_ns = tl_now_ns();
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		inc(&s->live.open_conns);
	}
}

/* Leases, idle connections; returns true when the loop should end (linger or deadline). */
static bool tick(struct tl_farm_server *s, uint64_t now)
{
	if (tl_farm_ledger_requeue_expired(&s->ledger, now, s->cfg.job_timeout_ns))
		publish_books(s);
	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		/* last_ns may be a little after now: it is stamped while events are handled. */
		if (c->last_ns + s->cfg.idle_timeout_ns < now) {
			inc(&s->live.idle_closed);
			conn_close(s, c);
		}
	}
	if (s->cfg.linger_ns && s->done_at_ns && now >= s->done_at_ns + s->cfg.linger_ns)
		return true;
	return now >= s->cfg.deadline_ns;
}

static void *server_main(void *arg)
{
	struct tl_farm_server *s = arg;
	struct tl_cpu_sample cpu0, cpu1, d;
	struct epoll_event events[64];
	tl_cpu_sample_thread(&cpu0, NULL);
	uint64_t next_tick = tl_now_ns() + TICK_NS;
	for (;;) {
		uint64_t now = tl_now_ns();
		int n = epoll_wait(s->epfd, events, 64, tl_ms_until(next_tick, now));
		if (n < 0 && errno != EINTR) {
			s->error = tl_err_errno(&s->err, "epoll_wait (farm server)");
			break;
		}
		now = tl_now_ns();
		bool stop = false;
		for (int i = 0; i < n; i++) {
			void *p = events[i].data.ptr;
			if (p == &s->lfd) {
				on_accept(s);
				continue;
			}
			if (p == &s->stop_fd) {
				stop = true;
				continue;
			}
			struct conn *c = p;
			c->last_ns = now;
			int ret = (events[i].events & EPOLLOUT) ? flush(s, c) : 0;
			if (ret == 0 && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
			    !c->out_len)
				ret = on_readable(s, c);
			else if (ret == 0 && c->out_len == 0 && c->in_len >= TL_FARM_HDR_LEN)
				ret = process_input(s, c);
			if (ret == -ENOMEM) {
				s->error = tl_err_set(&s->err, ENOMEM, "farm server: out of memory");
				stop = true;
			}
			if (ret < 0)
				conn_close(s, c);
		}
		if (stop)
			break;
		if (now >= next_tick) {
			if (tick(s, now))
				break;
			next_tick = now + TICK_NS;
		}
	}
	tl_cpu_sample_thread(&cpu1, NULL);
	tl_cpu_delta(&cpu0, &cpu1, &d);
	set(&s->live.cpu_ns, d.user_ns + d.sys_ns);
	publish_books(s);
	atomic_store(&s->live.finished, true);
	return NULL;
}

struct tl_farm_server *tl_farm_server_new(const struct tl_farm_server_config *cfg,
					  struct tl_err *err)
{
	struct tl_farm_server *s = calloc(1, sizeof(*s));
	if (!s) {
		tl_err_set(err, ENOMEM, "farm server: out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->lfd = s->epfd = -1;
	if (tl_farm_split_check(cfg->lo, cfg->hi, cfg->njobs, err) < 0 ||
	    tl_farm_ledger_init(&s->ledger, cfg->njobs, err) < 0)
		goto fail;
	s->results = malloc(TL_FARM_BATCH_MAX * sizeof(*s->results));
	s->ids = malloc(TL_FARM_BATCH_MAX * sizeof(*s->ids));
	s->jobs = malloc(TL_FARM_BATCH_MAX * sizeof(*s->jobs));
	if (!s->results || !s->ids || !s->jobs) {
		tl_err_set(err, ENOMEM, "farm server: out of memory");
		goto fail;
	}
	const char *host = cfg->bind && cfg->bind[0] ? cfg->bind : NULL;
	if (tl_addr_resolve(host, cfg->port, host ? AF_UNSPEC : AF_INET6, 1, &s->addr, err) < 0 &&
	    (host || tl_addr_resolve(NULL, cfg->port, AF_INET, 1, &s->addr, err) < 0))
		goto fail;
	s->lfd = tl_sock_listen(&s->addr, LISTEN_BACKLOG, NULL, err);
	if (s->lfd < 0)
		goto fail;
	if (tl_addr_local(s->lfd, &s->addr, err) < 0)
		goto fail;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		tl_err_errno(err, "epoll_create1 (farm server)");
		goto fail;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->lfd };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) < 0) {
		tl_err_errno(err, "epoll_ctl (farm listener)");
		goto fail;
	}
	return s;
fail:
	tl_farm_server_free(s);
	return NULL;
}

const struct tl_addr *tl_farm_server_addr(const struct tl_farm_server *s)
{
	return &s->addr;
}

int tl_farm_server_start(struct tl_farm_server *s, int stop_fd, struct tl_err *err)
{
	s->stop_fd = stop_fd;
	if (stop_fd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->stop_fd };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, stop_fd, &ev) < 0)
			return tl_err_errno(err, "epoll_ctl (farm stop)");
	}
	int rc = pthread_create(&s->thread, NULL, server_main, s);
	if (rc != 0) {
		errno = rc;
		return tl_err_errno(err, "pthread_create (farm server)");
	}
	s->started = true;
	return 0;
}

void tl_farm_server_stats(const struct tl_farm_server *s, struct tl_farm_server_stats *o)
{
	const struct live *l = &s->live;
	o->accepted = atomic_load_explicit(&l->accepted, memory_order_relaxed);
	o->refused = atomic_load_explicit(&l->refused, memory_order_relaxed);
	o->requests = atomic_load_explicit(&l->requests, memory_order_relaxed);
	o->malformed = atomic_load_explicit(&l->malformed, memory_order_relaxed);
	o->idle_closed = atomic_load_explicit(&l->idle_closed, memory_order_relaxed);
	o->open_conns = atomic_load_explicit(&l->open_conns, memory_order_relaxed);
	o->jobs_done = atomic_load_explicit(&l->jobs_done, memory_order_relaxed);
	o->handed_out = atomic_load_explicit(&l->handed_out, memory_order_relaxed);
	o->requeued = atomic_load_explicit(&l->requeued, memory_order_relaxed);
	o->duplicates = atomic_load_explicit(&l->duplicates, memory_order_relaxed);
	o->mismatches = atomic_load_explicit(&l->mismatches, memory_order_relaxed);
	o->cpu_ns = atomic_load_explicit(&l->cpu_ns, memory_order_relaxed);
	o->first_ns = atomic_load_explicit(&l->first_ns, memory_order_relaxed);
	o->done_ns = atomic_load_explicit(&l->done_ns, memory_order_relaxed);
	o->finished = atomic_load(&l->finished);
}

int tl_farm_server_join(struct tl_farm_server *s, struct tl_farm_check *check,
			struct tl_err *err)
{
	if (s->started) {
		pthread_join(s->thread, NULL);
		s->started = false;
	}
	if (check)
		tl_farm_ledger_check(&s->ledger, s->cfg.expected, check);
	if (s->error < 0) {
		if (err)
			*err = s->err;
		return s->error;
	}
	return 0;
}

const char *tl_farm_server_first_malformed(const struct tl_farm_server *s)
{
	return s->first_malformed;
}

void tl_farm_server_free(struct tl_farm_server *s)
{
	if (!s)
		return;
	if (s->started)
		pthread_join(s->thread, NULL);
	while (s->conns)
		conn_close(s, s->conns);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->epfd >= 0)
		close(s->epfd);
	tl_farm_ledger_free(&s->ledger);
	free(s->results);
	free(s->ids);
	free(s->jobs);
	free(s);
}
