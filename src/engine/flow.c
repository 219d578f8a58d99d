/* Moving bytes on one flow: send from the pattern, receive (and check) into the worker's buffer. */
#include <errno.h>
#include <stdint.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "engine/internal.h"
#include "engine/pattern.h"
#include "util/clock.h"

#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif
#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED 1
#endif

/*
 * How much one flow may move before the others of its worker get a turn: 4 MiB shared out
 * over the worker's flows (at least 64 KiB), so a round over 5,000 flows stays near 300 MiB
 * instead of 20 GiB; a worker with a single flow never yields (each yield costs a wake-up).
 * A turn also bounds each send() and recv() (below): one call of --length (1 MiB) would
 * otherwise be the turn, and 10,000 flows x 1 MiB at 4.6 GB/s made every flow wait about
 * 2 s between turns, close to the 3 s stall timeout (hundreds to thousands of flows marked
 * stalled per run).
 */
static size_t tl_flow_turn_bytes(const struct tl_worker *w)
{
	if (w->nflows <= 1)
		return SIZE_MAX;
	size_t share = (4u << 20) / w->nflows;
	return share > (64u << 10) ? share : (64u << 10);
}

/*
 * The first turn of each sender at the start instant is this small: the first bytes of
 * thousands of new sockets are slow to write (fresh socket memory; 5,000 flows x 128 KiB took
 * 1.5 to 3.7 s per worker here), and a flow late in that pass would sit for seconds without a
 * byte, marked stalled by the tool's own doing. Later turns are full size. Each flow's
 * progress is stamped with its own time: the pass still takes a while with thousands.
 */
#define FLOW_OPENING_BYTES (16u << 10)

static void flow_fail(struct tl_worker *w, struct tl_flow *f, int err_no)
{
	if (TL_LOAD(f->state) != TL_FLOW_ACTIVE)
		return;
	TL_STORE(f->err_no, err_no);
	TL_STORE(f->state, TL_FLOW_ERROR);
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, f->fd, NULL);
}

static void flow_progress(struct tl_flow *f, size_t n, uint64_t now_ns)
{
	TL_STORE(f->bytes, f->bytes + n);
	TL_STORE(f->last_progress_ns, now_ns);
}

/* --verify: one more call that returned n > 0 bytes, in its power-of-two bucket. */
static void flow_count_call(struct tl_flow *f, size_t n)
{
	int k = 63 - __builtin_clzll((unsigned long long)n);
	if (k >= TL_IO_SIZE_BUCKETS)
		k = TL_IO_SIZE_BUCKETS - 1;
	TL_STORE(f->io_calls[k], f->io_calls[k] + 1);
}

/* Writes at most `chunk` per send() and yields once `turn` bytes went out this call. */
static void flow_send(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns, size_t chunk,
		      size_t turn)
{
	struct tl_engine *e = w->engine;
	if (TL_LOAD(f->state) != TL_FLOW_ACTIVE || now_ns >= TL_LOAD(e->stop_ns))
		return;
	int flags = MSG_NOSIGNAL | (f->zerocopy ? MSG_ZEROCOPY : 0);
	size_t sent_now = 0;
	for (;;) {
		size_t len = chunk;
		if (f->budget) {
			uint64_t left = f->budget - f->bytes;
			if (left < len)
				len = (size_t)left;
		}
		if (len == 0) {
			shutdown(f->fd, SHUT_WR);
			TL_STORE(f->state, TL_FLOW_DONE);
			break;
		}
		const uint8_t *src = e->pattern + tl_pattern_pos(f->id, f->bytes);
		ssize_t n = send(f->fd, src, len, flags);
		if (n > 0) {
			flow_progress(f, (size_t)n, now_ns);
			if (e->cfg.verify)
				flow_count_call(f, (size_t)n);
			if (f->zerocopy)
				f->zc_sends++;
			sent_now += (size_t)n;
			/* Yield after a turn's worth so one fast flow cannot starve the others on
			 * this worker; edge-triggered EPOLLOUT would not fire again, so re-arm by
			 * modifying the registration: epoll queues the flow behind those it already
			 * has ready. */
			if (sent_now >= turn) {
				struct epoll_event ev = { .events = EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = f };
				epoll_ctl(w->epfd, EPOLL_CTL_MOD, f->fd, &ev);
				break;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			break; /* ENOBUFS: zerocopy's optmem limit; wait for completions */
		flow_fail(w, f, n < 0 ? errno : EPIPE);
		break;
	}
}

void tl_flow_send(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns)
{
	size_t turn = tl_flow_turn_bytes(w), chunk = w->engine->cfg.length;
	flow_send(w, f, now_ns, chunk < turn ? chunk : turn, turn);
}

void tl_flow_send_first(struct tl_worker *w, struct tl_flow *f)
{
	if (w->nflows <= 1) {
		tl_flow_send(w, f, tl_now_ns());
		return;
	}
	size_t chunk = w->engine->cfg.length;
	flow_send(w, f, tl_now_ns(), chunk < FLOW_OPENING_BYTES ? chunk : FLOW_OPENING_BYTES,
		  FLOW_OPENING_BYTES);
}

static void flow_drain_errqueue(struct tl_worker *w, struct tl_flow *f)
{
	char control[256];
	for (;;) {
		struct msghdr msg = { .msg_control = control, .msg_controllen = sizeof(control) };
		if (recvmsg(f->fd, &msg, MSG_ERRQUEUE) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(cm);
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY) {
				if (ee->ee_errno)
					flow_fail(w, f, (int)ee->ee_errno);
				continue;
			}
			/* ee_info..ee_data is the inclusive range of completed sends */
			uint64_t done = (uint64_t)(ee->ee_data - ee->ee_info) + 1;
			TL_STORE(f->zc_completions, f->zc_completions + done);
			if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				TL_STORE(f->zc_copied, f->zc_copied + done);
		}
	}
}

/*
 * Reads until EAGAIN. Unlike rr (rr.c), a stream receiver does not stop at a short read: at
 * 10,000 flows that left flows without a wake-up for seconds (700 to 2,000 stalled flows per
 * run, 0 when reading on to EAGAIN; the same for a sender stopping at a short write), most
 * likely when the sockets' memory hit tcp_mem's pressure mark.
 */
static void flow_receive(struct tl_worker *w, struct tl_flow *f, uint64_t now_ns)
{
	struct tl_engine *e = w->engine;
	if (f->stop_reading_after_ns && now_ns >= TL_LOAD(e->start_ns) + f->stop_reading_after_ns) {
		/* Fault injection: this receiver stops reading, as a hung application would. */
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, f->fd, NULL);
		f->reading = 0;
		return;
	}
	size_t got_now = 0, turn = tl_flow_turn_bytes(w);
	size_t chunk = w->rbuf_len < turn ? w->rbuf_len : turn;
	for (;;) {
		if (got_now >= turn || TL_LOAD(e->quit)) {
			/* Let the other flows of this worker (and a stop request) have a turn; with
			 * edge-triggered epoll, modifying the registration re-arms it while data waits. */
			struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = f };
			epoll_ctl(w->epfd, EPOLL_CTL_MOD, f->fd, &ev);
			return;
		}
		ssize_t n = recv(f->fd, w->rbuf, chunk, 0);
		if (n > 0) {
			got_now += (size_t)n;
			if (e->cfg.verify) {
				size_t bad_at;
				flow_count_call(f, (size_t)n);
				if (tl_pattern_check(e->pattern, f->id, f->bytes, w->rbuf, (size_t)n, &bad_at) < 0) {
					if (f->verify_errors == 0)
						TL_STORE(f->first_bad_offset, f->bytes + bad_at);
					TL_STORE(f->verify_errors, f->verify_errors + 1);
				}
			}
			flow_progress(f, (size_t)n, now_ns);
			continue;
		}
		if (n == 0) {
			TL_STORE(f->state, TL_FLOW_DONE);
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, f->fd, NULL);
			f->reading = 0;
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		flow_fail(w, f, errno);
		return;
	}
}

void tl_flow_on_events(struct tl_worker *w, struct tl_flow *f, uint32_t events, uint64_t now_ns)
{
	if (TL_LOAD(f->state) == TL_FLOW_ERROR)
		return;
	if (events & EPOLLERR) {
		if (f->zerocopy) {
			flow_drain_errqueue(w, f);
		} else {
			int soerr = 0;
			socklen_t len = sizeof(soerr);
			getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
			flow_fail(w, f, soerr ? soerr : EIO);
			return;
		}
	}
	if (f->sender) {
		if (events & (EPOLLHUP | EPOLLRDHUP)) {
			/* The receiver closed: fine once our budget is sent, an error before. */
			if (TL_LOAD(f->state) == TL_FLOW_ACTIVE && w->sending_started)
				flow_fail(w, f, EPIPE);
			return;
		}
		if ((events & EPOLLOUT) && w->sending_started)
			tl_flow_send(w, f, now_ns);
	} else if (f->reading && (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))) {
		flow_receive(w, f, now_ns);
	}
}
