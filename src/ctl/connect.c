#include "ctl/connect.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/sock.h"
#include "sys/port_ceiling.h"
#include "util/clock.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* Where connection conn goes: its own per-test port (ctl/data_listen.h) or the agent's. */
static const struct tl_addr *conn_dest(const struct tl_connect_params *p, uint32_t conn)
{
	const struct tl_addr *d = p->dest_of ? p->dest_of(p->ctx, conn) : NULL;
	return d ? d : p->dest;
}

struct pending {
	int fd;
	uint32_t conn;
	uint64_t started_ns;
};

int tl_connect_error(struct tl_err *err, int err_no, const struct tl_addr *dest, uint32_t conn,
		     int agent_backlog)
{
	char where[80];
	tl_addr_str(dest, where, sizeof(where));
	switch (err_no) {
	case EADDRNOTAVAIL: {
		/* The same ceiling crr, doctor and farm print (sys/port_ceiling.h). */
		struct tl_port_facts pf;
		struct tl_port_ceiling pc;
		if (tl_port_facts_read(&pf, NULL) < 0)
			return tl_err_set(err, err_no, "connect %s (flow %u): EADDRNOTAVAIL (no free "
					  "ephemeral port; see 'tcplab doctor')", where, conn);
		tl_port_ceiling(&pf, tl_addr_is_loopback(dest), 1, &pc);
		return tl_err_set(err, err_no, "connect %s (flow %u): EADDRNOTAVAIL (ephemeral ports "
				  "exhausted: %u usable ports, %s => at most ~%llu new connections/s to "
				  "this destination; see 'tcplab doctor')", where, conn, pc.ports, pc.why,
				  (unsigned long long)pc.per_sec_floor);
	}
	case ECONNREFUSED:
		return tl_err_set(err, err_no, "connect %s (flow %u): connection refused (is 'tcplab serve' "
				  "running there on this port?)", where, conn);
	case ETIMEDOUT:
		return tl_err_set(err, err_no, "connect %s (flow %u): no answer in time (a full listen "
				  "queue drops SYNs: the agent's backlog is %d; lower --connect-rate or raise "
				  "net.core.somaxconn on the agent)", where, conn, agent_backlog);
	case EMFILE:
	case ENFILE:
		return tl_err_set(err, err_no, "socket (flow %u): %s (each flow needs a descriptor; raise "
				  "'ulimit -n')", conn, strerror(err_no));
	case ENETUNREACH:
	case EHOSTUNREACH:
		return tl_err_set(err, err_no, "connect %s (flow %u): %s (check the address and the "
				  "route)", where, conn, strerror(err_no));
	default:
		return tl_err_set(err, err_no, "connect %s (flow %u): %s", where, conn, strerror(err_no));
	}
}

static int launch(const struct tl_connect_params *p, uint32_t conn, int epfd, struct pending *slot,
		  struct tl_err *err)
{
	int fd = socket(p->dest->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_connect_error(err, errno, conn_dest(p, conn), conn, p->agent_backlog);
	if (p->prepare && p->prepare(p->ctx, conn, fd, err) < 0)
		goto fail;
	if (p->src) {
		int one = 1;
		/* Port chosen at connect(), per 4-tuple, so source binding does not cap the
		 * flow count at the port range (neper PR #87). */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&p->src->ss, p->src->len) < 0) {
			char a[80];
			tl_err_errno(err, "bind %s (--bind)", tl_addr_str(p->src, a, sizeof(a)));
			goto fail;
		}
	}
	const struct tl_addr *dest = conn_dest(p, conn);
	if (connect(fd, (const struct sockaddr *)&dest->ss, dest->len) < 0 && errno != EINPROGRESS) {
		tl_connect_error(err, errno, dest, conn, p->agent_backlog);
		goto fail;
	}
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = slot };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		tl_err_errno(err, "epoll_ctl (connect)");
		goto fail;
	}
	slot->fd = fd;
	slot->conn = conn;
	slot->started_ns = tl_now_ns();
	return 0;
fail:
	close(fd);
	return -1;
}

static int finish_one(const struct tl_connect_params *p, struct pending *pd, struct tl_err *err)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	int fd = pd->fd;
	pd->fd = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr) {
		close(fd);
		return tl_connect_error(err, soerr, conn_dest(p, pd->conn), pd->conn, p->agent_backlog);
	}
	uint8_t hello[TL_DATA_HELLO_LEN];
	struct tl_data_hello h = { .flow_id = pd->conn };
	memcpy(h.cookie, p->cookie, TL_COOKIE_LEN);
	tl_data_hello_encode(hello, &h);
	/* 28 bytes into an empty send buffer of a just-connected socket always fit at once. */
	if (send(fd, hello, sizeof(hello), MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(hello)) {
		int e = errno;
		close(fd);
		return tl_connect_error(err, e ? e : EIO, conn_dest(p, pd->conn), pd->conn, p->agent_backlog);
	}
	return p->connected(p->ctx, pd->conn, fd, err);
}

int tl_connect_all(const struct tl_connect_params *p, struct tl_err *err)
{
	int ret = -1;
	uint32_t inflight_max = p->max_inflight ? p->max_inflight : 256;
	if (inflight_max > p->count)
		inflight_max = p->count;
	struct pending *slots = calloc(inflight_max ? inflight_max : 1, sizeof(*slots));
	struct epoll_event *events = calloc(inflight_max ? inflight_max : 1, sizeof(*events));
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	uint32_t launched = 0, done = 0, inflight = 0;
	uint64_t begin = tl_now_ns(), last_progress = 0;
	if (!slots || !events || epfd < 0) {
		tl_err_errno(err, "connect phase set-up");
		goto out;
	}
	for (uint32_t i = 0; i < inflight_max; i++)
		slots[i].fd = -1;
	while (done < p->count) {
		uint64_t now = tl_now_ns();
		/* launch as many as the window and the rate allow */
		for (uint32_t i = 0; i < inflight_max && launched < p->count; i++) {
			if (slots[i].fd >= 0)
				continue;
			if (p->rate && launched >= (now - begin) * p->rate / TL_NSEC_PER_SEC + 1)
				break;
			if (launch(p, launched, epfd, &slots[i], err) < 0)
				goto out;
			launched++;
			inflight++;
		}
		int timeout = 50;
		int n = epoll_wait(epfd, events, (int)inflight_max, timeout);
		if (n < 0 && errno != EINTR) {
			tl_err_errno(err, "epoll_wait (connect)");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			struct pending *pd = events[i].data.ptr;
			epoll_ctl(epfd, EPOLL_CTL_DEL, pd->fd, NULL);
			inflight--;
			if (finish_one(p, pd, err) < 0)
				goto out;
			done++;
		}
		now = tl_now_ns();
		for (uint32_t i = 0; i < inflight_max; i++)
			if (slots[i].fd >= 0 && now - slots[i].started_ns > p->timeout_ns) {
				tl_connect_error(err, ETIMEDOUT, conn_dest(p, slots[i].conn), slots[i].conn, p->agent_backlog);
				goto out;
			}
		if (p->progress && (now - last_progress > 100 * TL_NSEC_PER_MSEC || done == p->count)) {
			p->progress(p->ctx, done, p->count);
			last_progress = now;
		}
	}
	ret = 0;
out:
	if (slots)
		for (uint32_t i = 0; i < inflight_max; i++)
			if (slots[i].fd >= 0)
				close(slots[i].fd);
	if (epfd >= 0)
		close(epfd);
	free(slots);
	free(events);
	return ret;
}
