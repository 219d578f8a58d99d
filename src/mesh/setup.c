/* The connect phase of a rank: every pair of ranks gets one connection, with no ordering. */
#include "mesh/peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mesh/wire.h"
#include "util/clock.h"
#include "util/err.h"

/* epoll tags: what an event's fd is. The index sits in the low 32 bits. */
enum { TAG_LISTEN = 1, TAG_CTL, TAG_OUT, TAG_IN };
#define TAG(kind, idx) (((uint64_t)(kind) << 32) | (uint32_t)(idx))

/* A connection being made to a higher rank: connect, then write the hello. */
struct outgoing {
	int fd;
	int connected;
	size_t hello_off;
	uint64_t retry_ns;  /* AF_UNIX: EAGAIN from connect means "backlog full, try again" */
	uint8_t hello[TL_MESH_HELLO_LEN];
};

/* A connection accepted from a lower rank, until its hello is whole. */
struct incoming {
	int fd;
	size_t got;
	uint8_t hello[TL_MESH_HELLO_LEN];
};

struct setup_state {
	const struct tl_mesh_setup *s;
	struct tl_mesh_peer *peers;
	int ep;
	struct outgoing *out;      /* indexed by peer rank; only > self used */
	struct incoming *in;       /* accepted, not yet identified */
	uint32_t nin, in_cap;
	uint32_t out_left, in_left;
	char rejected[160];        /* why the last stray connection was refused */
};

static int start_connect(struct setup_state *st, uint32_t j, struct tl_err *err)
{
	struct outgoing *o = &st->out[j];
	const struct tl_addr *a = &st->s->addrs[j];
	char where[128];
	if (o->fd < 0) {
		o->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (o->fd < 0)
			return tl_err_errno(err, "socket for rank %u", j);
	}
	if (connect(o->fd, (const struct sockaddr *)&a->ss, a->len) == 0 || errno == EINPROGRESS) {
		struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = TAG(TAG_OUT, j) };
		if (epoll_ctl(st->ep, EPOLL_CTL_ADD, o->fd, &ev) < 0)
			return tl_err_errno(err, "epoll_ctl add (connection to rank %u)", j);
		o->retry_ns = 0;
		return 0;
	}
	if (errno == EAGAIN && a->ss.ss_family == AF_UNIX) {
		o->retry_ns = tl_now_ns() + 10 * TL_NSEC_PER_MSEC;
		return 0;
	}
	return tl_err_errno(err, "connect to rank %u at %s", j, tl_addr_str(a, where, sizeof(where)));
}

static int on_out(struct setup_state *st, uint32_t j, struct tl_err *err)
{
	struct outgoing *o = &st->out[j];
	char where[128];
	if (!o->connected) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			return tl_err_errno(err, "getsockopt SO_ERROR (rank %u)", j);
		if (soerr) {
			errno = soerr;
			return tl_err_errno(err, "connect to rank %u at %s", j,
					    tl_addr_str(&st->s->addrs[j], where, sizeof(where)));
		}
		o->connected = 1;
		struct tl_mesh_hello h = { .rank = st->s->self, .run_id = st->s->run_id };
		tl_mesh_hello_encode(&h, o->hello);
	}
	while (o->hello_off < TL_MESH_HELLO_LEN) {
		ssize_t w = send(o->fd, o->hello + o->hello_off, TL_MESH_HELLO_LEN - o->hello_off,
				 MSG_NOSIGNAL);
		if (w > 0) {
			o->hello_off += (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			return 0;
		} else {
			return tl_err_errno(err, "send hello to rank %u", j);
		}
	}
	epoll_ctl(st->ep, EPOLL_CTL_DEL, o->fd, NULL);
	st->peers[j].fd = o->fd;
	o->fd = -1;
	st->out_left--;
	return 0;
}

static int on_listen(struct setup_state *st, struct tl_err *err)
{
	for (;;) {
		int fd = accept4(st->s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return 0;
			return tl_err_errno(err, "accept");
		}
		if (st->nin == st->in_cap) {
			uint32_t cap = st->in_cap ? st->in_cap * 2 : 16;
			struct incoming *ni = realloc(st->in, cap * sizeof(*ni));
			if (!ni) {
				close(fd);
				return tl_err_set(err, ENOMEM, "accept: out of memory");
			}
			st->in = ni;
			st->in_cap = cap;
		}
		struct incoming *c = &st->in[st->nin];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(TAG_IN, st->nin) };
		if (epoll_ctl(st->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			return tl_err_errno(err, "epoll_ctl add (accepted connection)");
		}
		st->nin++;
	}
}

/* Drops an accepted connection that is not a peer of this run (the run goes on). */
static void reject(struct setup_state *st, struct incoming *c, const char *why)
{
	snprintf(st->rejected, sizeof(st->rejected), "%s", why);
	epoll_ctl(st->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static int on_in(struct setup_state *st, uint32_t idx, struct tl_err *err)
{
	struct incoming *c = &st->in[idx];
	if (c->fd < 0)
		return 0;
	while (c->got < TL_MESH_HELLO_LEN) {
		ssize_t r = recv(c->fd, c->hello + c->got, TL_MESH_HELLO_LEN - c->got, 0);
		if (r > 0) {
			c->got += (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && errno == EAGAIN) {
			return 0;
		} else {
			reject(st, c, r == 0 ? "a connection closed before its hello"
					     : "a connection failed before its hello");
			return 0;
		}
	}
	struct tl_mesh_hello h;
	struct tl_err herr = { 0 };
	if (tl_mesh_hello_decode(c->hello, &h, &herr) < 0) {
		reject(st, c, herr.msg);
		return 0;
	}
	if (h.run_id != st->s->run_id) {
		reject(st, c, "a hello from another run (run id differs)");
		return 0;
	}
	if (h.rank >= st->s->self) {
		snprintf(herr.msg, sizeof(herr.msg), "a hello from rank %u, which should not connect to "
			 "rank %u (only lower ranks do)", h.rank, st->s->self);
		reject(st, c, herr.msg);
		return 0;
	}
	if (st->peers[h.rank].fd >= 0)
		return tl_err_set(err, EPROTO, "rank %u connected twice", h.rank);
	epoll_ctl(st->ep, EPOLL_CTL_DEL, c->fd, NULL);
	st->peers[h.rank].fd = c->fd;
	c->fd = -1;
	st->in_left--;
	(void)err;
	return 0;
}

/* Anything from the coordinator during set-up means stop: an error or a closed channel. */
static int on_ctl(struct setup_state *st, struct tl_err *err)
{
	char b;
	ssize_t r = recv(st->s->ctl_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return tl_err_set(err, ECONNABORTED, "the coordinator ended the run during the connect phase");
}

static uint64_t next_retry(const struct setup_state *st)
{
	uint64_t t = 0;
	for (uint32_t j = st->s->self + 1; j < st->s->n; j++)
		if (st->out[j].retry_ns && (!t || st->out[j].retry_ns < t))
			t = st->out[j].retry_ns;
	return t;
}

int tl_mesh_setup_connect(const struct tl_mesh_setup *s, struct tl_mesh_peer *peers,
			  struct tl_err *err)
{
	struct setup_state st = { .s = s, .peers = peers, .ep = -1 };
	int ret = -1;

	for (uint32_t i = 0; i < s->n; i++)
		peers[i].fd = -1;
	st.out = calloc(s->n, sizeof(*st.out));
	if (!st.out) {
		ret = tl_err_set(err, ENOMEM, "connect phase: out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < s->n; i++)
		st.out[i].fd = -1;
	st.ep = epoll_create1(EPOLL_CLOEXEC);
	if (st.ep < 0) {
		ret = tl_err_errno(err, "epoll_create1");
		goto out;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(TAG_LISTEN, 0) };
	if (s->self > 0 && epoll_ctl(st.ep, EPOLL_CTL_ADD, s->listen_fd, &ev) < 0) {
		ret = tl_err_errno(err, "epoll_ctl add (listener)");
		goto out;
	}
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.u64 = TAG(TAG_CTL, 0);
	if (epoll_ctl(st.ep, EPOLL_CTL_ADD, s->ctl_fd, &ev) < 0) {
		ret = tl_err_errno(err, "epoll_ctl add (control channel)");
		goto out;
	}
	st.in_left = s->self;
	st.out_left = s->n - 1 - s->self;
	for (uint32_t j = s->self + 1; j < s->n; j++)
		if ((ret = start_connect(&st, j, err)) < 0)
			goto out;

	while (st.out_left || st.in_left) {
		uint64_t now = tl_now_ns();
		if (now >= s->deadline_ns) {
			ret = tl_err_set(err, ETIMEDOUT, "connect phase timed out: %u connection(s) to higher "
					 "ranks and %u from lower ranks still missing%s%s", st.out_left,
					 st.in_left, st.rejected[0] ? "; refused a stray connection: " : "",
					 st.rejected);
			goto out;
		}
		uint64_t wake = s->deadline_ns, retry = next_retry(&st);
		if (retry && retry < wake)
			wake = retry;
		struct epoll_event evs[64];
		int n = epoll_wait(st.ep, evs, 64, tl_ms_until(wake, now));
		if (n < 0 && errno != EINTR) {
			ret = tl_err_errno(err, "epoll_wait");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			uint32_t kind = (uint32_t)(evs[i].data.u64 >> 32), idx = (uint32_t)evs[i].data.u64;
			ret = 0;
			if (kind == TAG_LISTEN)
				ret = on_listen(&st, err);
			else if (kind == TAG_CTL)
				ret = on_ctl(&st, err);
			else if (kind == TAG_OUT)
				ret = on_out(&st, idx, err);
			else if (kind == TAG_IN)
				ret = on_in(&st, idx, err);
			if (ret < 0)
				goto out;
		}
		now = tl_now_ns();
		for (uint32_t j = s->self + 1; j < s->n; j++)
			if (st.out[j].retry_ns && st.out[j].retry_ns <= now &&
			    (ret = start_connect(&st, j, err)) < 0)
				goto out;
	}
	ret = 0;
out:
	for (uint32_t i = 0; st.out && i < s->n; i++)
		if (st.out[i].fd >= 0)
			close(st.out[i].fd);
	for (uint32_t i = 0; i < st.nin; i++)
		if (st.in[i].fd >= 0)
			close(st.in[i].fd);
	if (ret < 0) {
		for (uint32_t i = 0; i < s->n; i++) {
			if (peers[i].fd >= 0)
				close(peers[i].fd);
			peers[i].fd = -1;
		}
	}
	free(st.out);
	free(st.in);
	if (st.ep >= 0)
		close(st.ep);
	return ret;
}
