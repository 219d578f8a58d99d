#include "testbed/port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PORT_RCVBUF (32 << 20)
#define PORT_SNDBUF (4 << 20)

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20, include/uapi/linux/if_packet.h */
#endif

int tl_testbed_port_open(struct tl_testbed_port *p, const char *ifname, struct tl_err *err)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", ifname);
	p->ifindex = (int)if_nametoindex(ifname);
	if (p->ifindex == 0)
		return tl_err_errno(err, "router port %s: if_nametoindex", ifname);
	/* Protocol 0 until bind: the socket sees no frame of any other interface meanwhile. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "router port %s: socket AF_PACKET (needs CAP_NET_RAW)",
				    ifname);
	int ret = 0, one = 1, rcv = PORT_RCVBUF, snd = PORT_SNDBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) < 0) {
		ret = tl_err_errno(err, "router port %s: SO_RCVBUF %d", ifname, rcv);
		goto out;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) < 0) {
		ret = tl_err_errno(err, "router port %s: SO_SNDBUF %d", ifname, snd);
		goto out;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		ret = tl_err_errno(err, "router port %s: PACKET_QDISC_BYPASS", ifname);
		goto out;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		ret = tl_err_errno(err, "router port %s: SO_TIMESTAMPNS", ifname);
		goto out;
	}
	/* Our own sends are filtered in recv as well; this saves the kernel the copies. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = p->ifindex };
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = tl_err_errno(err, "router port %s: bind AF_PACKET", ifname);
		goto out;
	}
	/* Zero the kernel's counters: what is reported starts here. */
	struct tpacket_stats ks;
	socklen_t kl = sizeof(ks);
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ks, &kl);
	p->fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

void tl_testbed_port_close(struct tl_testbed_port *p)
{
	if (p && p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
}

int tl_testbed_port_recv(struct tl_testbed_port *p, uint8_t *const bufs[], uint32_t cap,
			 uint32_t lens[], uint64_t real_ns[], unsigned n)
{
	if (n > TL_TESTBED_BATCH)
		n = TL_TESTBED_BATCH;
	for (unsigned i = 0; i < n; i++) {
		p->iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = cap };
		p->msgs[i].msg_hdr = (struct msghdr){ .msg_name = &p->sll[i],
						      .msg_namelen = sizeof(p->sll[i]),
						      .msg_iov = &p->iov[i], .msg_iovlen = 1,
						      .msg_control = p->ctrl[i].buf,
						      .msg_controllen = sizeof(p->ctrl[i].buf) };
		p->msgs[i].msg_len = 0;
	}
	int got = recvmmsg(p->fd, p->msgs, n, MSG_DONTWAIT, NULL);
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	for (int i = 0; i < got; i++) {
		uint32_t len = p->msgs[i].msg_len;
		struct msghdr *mh = &p->msgs[i].msg_hdr;
		lens[i] = 0;
		real_ns[i] = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				real_ns[i] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			}
		}
		if (p->sll[i].sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((mh->msg_flags & MSG_TRUNC) || len > cap) {
			p->rx_truncated++;
			continue;
		}
		lens[i] = len;
		p->rx_pkts++;
		p->rx_bytes += len;
	}
	return got;
}

void tl_testbed_port_send(struct tl_testbed_port *p, uint8_t *const frames[],
			  const uint32_t lens[], unsigned n)
{
	if (n > TL_TESTBED_BATCH)
		n = TL_TESTBED_BATCH;
	for (unsigned i = 0; i < n; i++) {
		p->iov[i] = (struct iovec){ .iov_base = frames[i], .iov_len = lens[i] };
		p->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &p->iov[i], .msg_iovlen = 1 };
	}
	unsigned done = 0;
	while (done < n) {
		int sent = sendmmsg(p->fd, p->msgs + done, n - done, 0);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			/* This frame is refused (ENOBUFS, EMSGSIZE, the port went down): skip it. */
			p->tx_errors++;
			p->tx_last_errno = errno;
			done++;
			continue;
		}
		for (int i = 0; i < sent; i++) {
			p->tx_pkts++;
			p->tx_bytes += lens[done + (unsigned)i];
		}
		done += (unsigned)sent;
	}
}

void tl_testbed_port_kstats(struct tl_testbed_port *p)
{
	struct tpacket_stats ks;
	socklen_t kl = sizeof(ks);
	/* Reading resets the kernel's counters, so each call adds what happened since. */
	if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &kl) == 0)
		p->rx_kernel_drops += ks.tp_drops;
}
