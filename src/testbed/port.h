#ifndef TCPLAB_TESTBED_PORT_H
#define TCPLAB_TESTBED_PORT_H

#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "util/err.h"

/*
 * One port of the router: an AF_PACKET socket bound to a veth end in the router namespace,
 * read and written in batches with recvmmsg/sendmmsg straight from and into the pool's
 * buffers (one copy each way, which a frame that may wait 100 ms in a queue needs anyway;
 * a PACKET_MMAP ring would add a second). Sends bypass the qdisc of the veth
 * (PACKET_QDISC_BYPASS): the emulated queue is the only queue on the path. The socket's
 * receive buffer is forced to 32 MiB so that a burst from a sender waits there rather than
 * being dropped before the emulator sees it; the kernel's count of frames it did drop there
 * is read with PACKET_STATISTICS and reported. Each frame carries the kernel's receive
 * time (SO_TIMESTAMPNS), so a packet enters the emulated link when it reached the router,
 * not when the forwarder woke up to read it.
 */

#define TL_TESTBED_BATCH 64

struct tl_testbed_port {
	int fd;
	int ifindex;
	char name[IF_NAMESIZE];
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t tx_errors;      /* frames sendmmsg refused */
	int tx_last_errno;       /* why the last one was */
	uint64_t rx_truncated;   /* frames longer than a buffer, dropped */
	uint64_t rx_kernel_drops; /* dropped by the kernel before we read them */
	struct mmsghdr msgs[TL_TESTBED_BATCH];
	struct iovec iov[TL_TESTBED_BATCH];
	struct sockaddr_ll sll[TL_TESTBED_BATCH];
	/* SO_TIMESTAMPNS control messages, one per frame. */
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctrl[TL_TESTBED_BATCH];
};

int tl_testbed_port_open(struct tl_testbed_port *p, const char *ifname, struct tl_err *err);
void tl_testbed_port_close(struct tl_testbed_port *p);

/*
 * Reads up to n (<= TL_TESTBED_BATCH) frames without blocking, frame i into bufs[i] (cap
 * bytes); lens[i] gets its length, or 0 for a frame to ignore (too long, or one this host
 * sent), and real_ns[i] the kernel's receive time (CLOCK_REALTIME ns, SO_TIMESTAMPNS; 0 if
 * none). Returns how many slots were used, 0 when nothing was waiting, or a negative errno.
 */
int tl_testbed_port_recv(struct tl_testbed_port *p, uint8_t *const bufs[], uint32_t cap,
			 uint32_t lens[], uint64_t real_ns[], unsigned n);

/* Sends frames[0..n) (n <= TL_TESTBED_BATCH); a frame the kernel refuses is counted in
 * tx_errors and skipped. */
void tl_testbed_port_send(struct tl_testbed_port *p, uint8_t *const frames[],
			  const uint32_t lens[], unsigned n);

/* Adds the kernel's drop count since the last call to rx_kernel_drops. */
void tl_testbed_port_kstats(struct tl_testbed_port *p);

#endif
