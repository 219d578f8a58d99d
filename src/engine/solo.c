/*
 * What the solo loops (rr_solo.c, stream_solo.c) share: finding a worker's only flow, and
 * moving its socket between the epoll loop (non-blocking, in the epoll set) and a solo loop
 * (blocking, out of the set, with send and receive timeouts so that the loop still sees the
 * engine's stop time and quit flag at most TL_SOLO_QUIT_POLL_NS late).
 */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "engine/internal.h"
#include "util/clock.h"

struct tl_flow *tl_solo_flow(const struct tl_worker *w)
{
	if (__atomic_load_n(&w->nflows, __ATOMIC_ACQUIRE) != 1)
		return NULL;
	struct tl_flow *f = w->flows[0];
	return f->fd >= 0 && TL_LOAD(f->state) == TL_FLOW_ACTIVE ? f : NULL;
}

static void set_timeouts(int fd, uint64_t ns)
{
	struct timeval tv = { .tv_sec = (time_t)(ns / TL_NSEC_PER_SEC),
			      .tv_usec = (suseconds_t)(ns % TL_NSEC_PER_SEC / 1000) };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int tl_solo_set_blocking(struct tl_worker *w, struct tl_flow *f, int blocking, uint32_t events)
{
	int fl = fcntl(f->fd, F_GETFL);
	if (fl < 0 || fcntl(f->fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK) < 0)
		return -1;
	if (blocking) {
		/* Out of epoll while blocking: no callback and ready-list work per packet. */
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, f->fd, NULL);
		set_timeouts(f->fd, TL_SOLO_QUIT_POLL_NS);
		return 0;
	}
	set_timeouts(f->fd, 0);
	struct epoll_event ev = { .events = events, .data.ptr = f };
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, f->fd, &ev);
}
