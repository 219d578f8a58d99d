#include "ctl/agent.h"

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/agent_internal.h"
#include "ctl/proto.h"
#include "net/sock.h"
#include "util/clock.h"

#define AGENT_LISTEN_BACKLOG 65535 /* the kernel clamps it to net.core.somaxconn */
#define AGENT_EVENTS 256
/* Out of descriptors: stop accepting for a while (doubling up to the maximum) rather than
 * spin on a listener that stays readable; say so at most once per AGENT_LOG_EVERY_NS. */
#define AGENT_BACKOFF_MIN_NS (50 * TL_NSEC_PER_MSEC)
#define AGENT_BACKOFF_MAX_NS (2 * TL_NSEC_PER_SEC)
#define AGENT_LOG_EVERY_NS (10 * TL_NSEC_PER_SEC)

/* A connection that has not yet said what it is. */
struct greeting {
	int fd;
	uint64_t deadline_ns;
	uint8_t buf[TL_DATA_HELLO_LEN];
	size_t have;
	struct greeting *next;
};

void tl_agent_config_defaults(struct tl_agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = TL_DEFAULT_PORT;
	cfg->max_tests = 64;
	cfg->max_flows = 100000;
	cfg->max_threads = 64;
	cfg->max_duration_ns = 3600 * TL_NSEC_PER_SEC;
	cfg->max_connect_timeout_ns = 30 * TL_NSEC_PER_SEC; /* the client's default */
	cfg->max_stall_timeout_ns = 60 * TL_NSEC_PER_SEC;
	cfg->handshake_timeout_ns = 5 * TL_NSEC_PER_SEC;
	cfg->max_pending = 64;
	cfg->max_pending_per_host = 8;
}

/*
 * Log lines carry text a client chose (its ERROR, its spec's names): every control character
 * (C0, DEL, and C1 as UTF-8, U+0080..U+009F, which some terminals obey) becomes \xNN, so no
 * client can start a forged line or move the cursor; the line is cut to TL_AGENT_LOG_MAX bytes.
 */
size_t tl_log_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)in;
	if (size == 0)
		return 0;
	for (; *p; p++) {
		char esc[16] = "";
		if (*p < 0x20 || *p == 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[1]);
			p++;
		}
		size_t need = esc[0] ? strlen(esc) : 1;
		if (o + need + 4 > size) { /* room for "..." and the NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (esc[0])
			memcpy(out + o, esc, need);
		else
			out[o] = (char)*p;
		o += need;
	}
	out[o] = '\0';
	return o;
}

void tl_agent_logf(struct tl_agent *a, const char *fmt, ...)
{
	if (!a->cfg.log)
		return;
	char raw[2048], line[TL_AGENT_LOG_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	tl_log_escape(raw, line, sizeof(line));
	a->cfg.log(a->cfg.log_ctx, line);
}

void tl_agent_count(struct tl_agent *a, uint64_t *counter, int64_t delta)
{
	pthread_mutex_lock(&a->lock);
	*counter = (uint64_t)((int64_t)*counter + delta);
	pthread_mutex_unlock(&a->lock);
}

struct tl_agent *tl_agent_new(const struct tl_agent_config *cfg, struct tl_err *err)
{
	struct tl_agent *a = calloc(1, sizeof(*a));
	if (!a) {
		tl_err_set(err, ENOMEM, "agent: out of memory");
		return NULL;
	}
	a->cfg = *cfg;
	a->listen_fd = -1;
	pthread_mutex_init(&a->lock, NULL);
	const char *bind_host = cfg->bind && *cfg->bind ? cfg->bind : NULL;
	/* With no --bind, listen on the IPv6 wildcard, which also takes IPv4 (dual stack);
	 * fall back to IPv4 where IPv6 is off. */
	int rc = tl_addr_resolve(bind_host ? bind_host : "::", cfg->port, AF_UNSPEC, 1, &a->addr, err);
	if (rc == 0)
		a->listen_fd = tl_sock_listen(&a->addr, AGENT_LISTEN_BACKLOG, &a->backlog, err);
	if (a->listen_fd < 0 && !bind_host) {
		tl_addr_resolve("0.0.0.0", cfg->port, AF_INET, 1, &a->addr, NULL);
		a->listen_fd = tl_sock_listen(&a->addr, AGENT_LISTEN_BACKLOG, &a->backlog, err);
	}
	if (a->listen_fd < 0) {
		tl_agent_free(a);
		return NULL;
	}
	tl_addr_local(a->listen_fd, &a->addr, NULL);
	return a;
}

uint16_t tl_agent_port(const struct tl_agent *a)
{
	return tl_addr_port(&a->addr);
}

const struct tl_addr *tl_agent_addr(const struct tl_agent *a)
{
	return &a->addr;
}

int tl_agent_backlog(const struct tl_agent *a)
{
	return a->backlog;
}

void tl_agent_stats(struct tl_agent *a, struct tl_agent_stats *out)
{
	pthread_mutex_lock(&a->lock);
	*out = a->stats;
	pthread_mutex_unlock(&a->lock);
}

void tl_agent_register(struct tl_agent *a, struct tl_session *s)
{
	pthread_mutex_lock(&a->lock);
	s->registered = 1;
	pthread_mutex_unlock(&a->lock);
}

void tl_agent_unregister(struct tl_agent *a, struct tl_session *s)
{
	pthread_mutex_lock(&a->lock);
	s->registered = 0;
	pthread_mutex_unlock(&a->lock);
}

/* Joins and frees sessions whose threads have returned. When that leaves the agent idle,
 * hands the freed heap back to the kernel: the session threads' malloc arenas otherwise keep
 * their peak (seen: 702 MB resident with 52 KB in use after hostile input). */
static void reap_sessions(struct tl_agent *a, int all)
{
	int reaped = 0;
	pthread_mutex_lock(&a->lock);
	struct tl_session **pp = &a->sessions;
	while (*pp) {
		struct tl_session *s = *pp;
		if (all || __atomic_load_n(&s->finished, __ATOMIC_ACQUIRE)) {
			*pp = s->next;
			pthread_mutex_unlock(&a->lock);
			pthread_join(s->thread, NULL);
			for (size_t i = 0; i < s->queued; i++)
				tl_sock_close_abort(s->queue[i].fd);
			free(s->queue);
			close(s->wakefd);
			close(s->ctl_fd);
			pthread_mutex_destroy(&s->lock);
			free(s);
			reaped++;
			pthread_mutex_lock(&a->lock);
			pp = &a->sessions;
			continue;
		}
		pp = &s->next;
	}
	int idle = a->sessions == NULL;
	pthread_mutex_unlock(&a->lock);
	if (reaped && idle)
		malloc_trim(0);
}

void tl_agent_unpend(struct tl_agent *a, struct tl_session *s)
{
	pthread_mutex_lock(&a->lock);
	if (s->pending) {
		s->pending = 0;
		a->pending--;
	}
	pthread_mutex_unlock(&a->lock);
}

static void peer_host(int fd, uint8_t out[16])
{
	struct tl_addr peer;
	memset(out, 0, 16);
	if (tl_addr_peer(fd, &peer, NULL) < 0)
		return;
	if (peer.ss.ss_family == AF_INET)
		memcpy(out + 12, &((struct sockaddr_in *)&peer.ss)->sin_addr, 4);
	else if (peer.ss.ss_family == AF_INET6)
		memcpy(out, &((struct sockaddr_in6 *)&peer.ss)->sin6_addr, 16);
}

/* Takes a pending place for s, or says why not (caller holds a->lock). */
static const char *pending_refusal(struct tl_agent *a, const struct tl_session *s)
{
	if (a->pending >= a->cfg.max_pending)
		return "too many connections are waiting to start a test (the agent's --max-pending)";
	uint32_t same = 0;
	for (const struct tl_session *o = a->sessions; o; o = o->next)
		if (o->pending && memcmp(o->host, s->host, 16) == 0)
			same++;
	if (same >= a->cfg.max_pending_per_host)
		return "too many connections from your address are waiting to start a test (the agent's "
		       "--max-pending-per-host)";
	return NULL;
}

/* One line per AGENT_LOG_EVERY_NS for a refusal that a flood repeats, with the count. */
static void log_limited(struct tl_agent *a, uint64_t *last, uint64_t *unlogged, const char *what)
{
	uint64_t now = tl_now_ns();
	if (*last && now - *last < AGENT_LOG_EVERY_NS) {
		(*unlogged)++;
		return;
	}
	tl_agent_logf(a, "%s%s", what, *unlogged ? " (and more since the last such line)" : "");
	*last = now;
	*unlogged = 0;
}

static void start_session(struct tl_agent *a, int fd, uint64_t greet_deadline_ns)
{
	struct tl_session *s = calloc(1, sizeof(*s));
	if (!s) {
		tl_sock_close_abort(fd);
		return;
	}
	s->agent = a;
	s->ctl_fd = fd;
	s->greet_deadline_ns = greet_deadline_ns;
	peer_host(fd, s->host);
	s->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&s->lock, NULL);
	if (s->wakefd < 0 || getrandom(s->cookie, sizeof(s->cookie), 0) != sizeof(s->cookie)) {
		tl_agent_logf(a, "cannot start a session: %s", strerror(errno));
		goto fail;
	}
	pthread_mutex_lock(&a->lock);
	const char *why = pending_refusal(a, s);
	if (why) {
		a->stats.pending_refused++;
		pthread_mutex_unlock(&a->lock);
		/* one clear line to the client, without waiting for it (the socket is non-blocking) */
		tl_msg_send_error_now(fd, why);
		log_limited(a, &a->last_pending_log_ns, &a->pending_unlogged, "connection refused: greeting limit reached");
		goto fail;
	}
	s->id = ++a->next_session_id;
	s->pending = 1;
	a->pending++;
	s->next = a->sessions;
	a->sessions = s;
	pthread_mutex_unlock(&a->lock);
	int rc = pthread_create(&s->thread, NULL, tl_session_main, s);
	if (rc != 0) {
		pthread_mutex_lock(&a->lock);
		a->sessions = s->next;
		a->pending--;
		pthread_mutex_unlock(&a->lock);
		tl_agent_logf(a, "cannot start a session thread: %s", strerror(rc));
		goto fail;
	}
	return;
fail:
	if (s->wakefd >= 0)
		close(s->wakefd);
	pthread_mutex_destroy(&s->lock);
	free(s);
	tl_sock_close_abort(fd);
}

/* Hands a greeted data connection to its session, or refuses it. */
static void route_data(struct tl_agent *a, int fd, const struct tl_data_hello *h)
{
	int routed = 0;
	pthread_mutex_lock(&a->lock);
	for (struct tl_session *s = a->sessions; s; s = s->next) {
		if (!s->registered || memcmp(s->cookie, h->cookie, TL_COOKIE_LEN) != 0)
			continue;
		pthread_mutex_lock(&s->lock);
		if (h->flow_id < s->expected_flows && s->queued < s->expected_flows) {
			if (s->queued == s->queue_cap) {
				size_t cap = s->queue_cap ? s->queue_cap * 2 : 64;
				struct pending_data *q = realloc(s->queue, cap * sizeof(*q));
				if (q) {
					s->queue = q;
					s->queue_cap = cap;
				}
			}
			if (s->queued < s->queue_cap) {
				s->queue[s->queued++] = (struct pending_data){ .fd = fd, .flow_id = h->flow_id };
				routed = 1;
				uint64_t one = 1;
				if (write(s->wakefd, &one, sizeof(one)) < 0) {
					/* eventfd counter overflow is impossible here */
				}
			}
		}
		pthread_mutex_unlock(&s->lock);
		break;
	}
	if (!routed)
		a->stats.data_rejected++;
	pthread_mutex_unlock(&a->lock);
	if (!routed) {
		tl_agent_logf(a, "data connection refused: unknown test cookie or flow id %u", h->flow_id);
		tl_sock_close_abort(fd);
	}
}

/*
 * Reads what a new connection has sent so far. Returns 1 when it has been handed on or
 * closed (the greeting is finished), 0 to keep waiting.
 */
static int greeting_advance(struct tl_agent *a, struct greeting *g)
{
	if (g->have < 4) {
		ssize_t n = recv(g->fd, g->buf, 4, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			goto drop;
		if (n < 4)
			return 0;
		if (memcmp(g->buf, TL_FRAME_MAGIC, 4) == 0) {
			start_session(a, g->fd, g->deadline_ns); /* the session reads the frame itself */
			return 1;
		}
		if (memcmp(g->buf, TL_DATA_MAGIC, 4) != 0)
			goto refuse;
	}
	ssize_t n = recv(g->fd, g->buf + g->have, sizeof(g->buf) - g->have, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		goto drop;
	if (n > 0)
		g->have += (size_t)n;
	if (g->have < sizeof(g->buf))
		return 0;
	struct tl_data_hello h;
	if (tl_data_hello_decode(g->buf, &h, NULL) < 0)
		goto refuse;
	route_data(a, g->fd, &h);
	return 1;
refuse:
	tl_agent_count(a, &a->stats.data_rejected, 1);
	tl_agent_logf(a, "connection refused: it did not start with a tcplab greeting");
drop:
	tl_sock_close_abort(g->fd);
	return 1;
}

/* Out of descriptors (or kernel memory): the listener stays readable, so stop watching it for
 * a while instead of spinning; the pending connections wait in the backlog. */
static void accept_pause(struct tl_agent *a, int epfd, int e)
{
	a->accept_backoff_ns = a->accept_backoff_ns ? a->accept_backoff_ns * 2 : AGENT_BACKOFF_MIN_NS;
	if (a->accept_backoff_ns > AGENT_BACKOFF_MAX_NS)
		a->accept_backoff_ns = AGENT_BACKOFF_MAX_NS;
	a->accept_resume_ns = tl_now_ns() + a->accept_backoff_ns;
	epoll_ctl(epfd, EPOLL_CTL_DEL, a->listen_fd, NULL);
	tl_agent_count(a, &a->stats.accept_fd_errors, 1);
	char line[200];
	snprintf(line, sizeof(line), "accept: %s; new connections wait %llu ms (raise 'ulimit -n', or lower "
		 "--max-tests/--max-pending)", strerror(e),
		 (unsigned long long)(a->accept_backoff_ns / TL_NSEC_PER_MSEC));
	log_limited(a, &a->last_fd_log_ns, &a->fd_errors_unlogged, line);
}

static void accept_all(struct tl_agent *a, int epfd, struct greeting **list)
{
	for (;;) {
		int fd = accept4(a->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				accept_pause(a, epfd, errno);
			return;
		}
		a->accept_backoff_ns = 0;
		struct greeting *g = calloc(1, sizeof(*g));
		if (!g) {
			tl_sock_close_abort(fd);
			continue;
		}
		g->fd = fd;
		g->deadline_ns = tl_now_ns() + a->cfg.handshake_timeout_ns;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = g };
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			tl_sock_close_abort(fd);
			free(g);
			continue;
		}
		g->next = *list;
		*list = g;
	}
}

static void greeting_remove(int epfd, struct greeting **list, struct greeting *g)
{
	for (struct greeting **pp = list; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	epoll_ctl(epfd, EPOLL_CTL_DEL, g->fd, NULL);
	free(g);
}

int tl_agent_run(struct tl_agent *a, int stop_fd, struct tl_err *err)
{
	struct greeting *list = NULL;
	struct epoll_event events[AGENT_EVENTS];
	static const int listener_tag, stop_tag;
	int ret = -1;
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return tl_err_errno(err, "agent: epoll_create1");
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = (void *)&listener_tag };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, a->listen_fd, &ev) < 0) {
		tl_err_errno(err, "agent: epoll_ctl listener");
		goto out;
	}
	ev.data.ptr = (void *)&stop_tag;
	if (stop_fd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, stop_fd, &ev) < 0) {
		tl_err_errno(err, "agent: epoll_ctl stop fd");
		goto out;
	}
	for (;;) {
		int n = epoll_wait(epfd, events, AGENT_EVENTS, a->accept_resume_ns ? 20 : 200);
		if (n < 0 && errno != EINTR) {
			tl_err_errno(err, "agent: epoll_wait");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			void *tag = events[i].data.ptr;
			if (tag == &stop_tag) {
				ret = 0;
				goto out;
			}
			if (tag == &listener_tag) {
				accept_all(a, epfd, &list);
				continue;
			}
			struct greeting *g = tag;
			if (greeting_advance(a, g)) {
				/* handed on: stop watching it, but do not close it */
				epoll_ctl(epfd, EPOLL_CTL_DEL, g->fd, NULL);
				for (struct greeting **pp = &list; *pp; pp = &(*pp)->next)
					if (*pp == g) {
						*pp = g->next;
						break;
					}
				free(g);
			}
		}
		uint64_t now = tl_now_ns();
		for (struct greeting *g = list, *next; g; g = next) {
			next = g->next;
			if (now >= g->deadline_ns) {
				tl_agent_count(a, &a->stats.handshake_timeouts, 1);
				tl_agent_logf(a, "connection closed: no greeting within the handshake timeout");
				tl_sock_close_abort(g->fd);
				greeting_remove(epfd, &list, g);
			}
		}
		if (a->accept_resume_ns && now >= a->accept_resume_ns) {
			a->accept_resume_ns = 0;
			struct epoll_event lev = { .events = EPOLLIN, .data.ptr = (void *)&listener_tag };
			epoll_ctl(epfd, EPOLL_CTL_ADD, a->listen_fd, &lev);
		}
		reap_sessions(a, 0);
		pthread_mutex_lock(&a->lock);
		int done = a->one_off_done;
		pthread_mutex_unlock(&a->lock);
		if (done) {
			tl_agent_logf(a, "--one-off: the test has ended; stopping");
			ret = 0;
			goto out;
		}
	}
out:
	while (list) {
		tl_sock_close_abort(list->fd);
		greeting_remove(epfd, &list, list);
	}
	close(epfd);
	return ret;
}

void tl_agent_shutdown(struct tl_agent *a)
{
	__atomic_store_n(&a->shutting_down, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&a->lock);
	for (struct tl_session *s = a->sessions; s; s = s->next)
		shutdown(s->ctl_fd, SHUT_RD); /* wakes the session; it can still send its ERROR */
	pthread_mutex_unlock(&a->lock);
	reap_sessions(a, 1);
}

int tl_agent_shutting_down(const struct tl_agent *a)
{
	return __atomic_load_n(&a->shutting_down, __ATOMIC_ACQUIRE);
}

void tl_agent_free(struct tl_agent *a)
{
	if (!a)
		return;
	tl_agent_shutdown(a);
	if (a->listen_fd >= 0)
		close(a->listen_fd);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
