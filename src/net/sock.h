#ifndef TCPLAB_NET_SOCK_H
#define TCPLAB_NET_SOCK_H

#include <stdint.h>

#include "net/addr.h"
#include "util/err.h"

#define TL_CC_NAME_MAX 16

/*
 * Socket options a test asks for. Zero (or an empty string) means "leave the kernel's
 * default": setting SO_RCVBUF/SO_SNDBUF at all turns autotuning off for that socket, so
 * tcplab only sets what was asked for.
 */
struct tl_sockopts {
	uint64_t sndbuf;        /* SO_SNDBUF request, bytes */
	uint64_t rcvbuf;        /* SO_RCVBUF request, bytes */
	uint32_t window_clamp;  /* TCP_WINDOW_CLAMP, bytes */
	uint32_t mss;           /* TCP_MAXSEG, bytes */
	uint64_t pacing_bps;    /* SO_MAX_PACING_RATE, bit/s */
	int nodelay;            /* TCP_NODELAY */
	int zerocopy;           /* SO_ZEROCOPY + MSG_ZEROCOPY on send */
	char cc[TL_CC_NAME_MAX];/* TCP_CONGESTION */
};

/* What the kernel applied, read back with getsockopt. */
struct tl_sock_effective {
	int sndbuf;
	int rcvbuf;
	int mss;
	char cc[TL_CC_NAME_MAX];
};

enum tl_sock_role { TL_SOCK_SENDER, TL_SOCK_RECEIVER };

/*
 * Options that must precede connect()/listen() because they shape the SYN (buffers decide the
 * window scale; MSS and the congestion control are chosen at connection set-up). A sender gets
 * sndbuf, a receiver rcvbuf and window_clamp; both get cc and mss.
 */
int tl_sock_apply_pre(int fd, const struct tl_sockopts *o, enum tl_sock_role role,
		      struct tl_err *err);
/* Options that act on an established connection: pacing, nodelay, zerocopy. */
int tl_sock_apply_post(int fd, const struct tl_sockopts *o, enum tl_sock_role role,
		       struct tl_err *err);
int tl_sock_read_effective(int fd, struct tl_sock_effective *out, struct tl_err *err);

int tl_sock_set_nonblock(int fd, struct tl_err *err);
int tl_sock_set_cc(int fd, const char *cc, struct tl_err *err);

/* Checks a congestion control name against tcp_available_congestion_control. */
int tl_sock_cc_available(const char *cc, struct tl_err *err);
/* A process without CAP_NET_ADMIN may set only the congestion controls listed in
 * net.ipv4.tcp_allowed_congestion_control [tcp(7)] (the kernel answers EPERM for the others): checks
 * cc against it, with the sysctl that fixes it in the message. 0 for a privileged process. */
int tl_sock_cc_allowed(const char *cc, struct tl_err *err);

/*
 * A listening socket (SO_REUSEADDR, non-blocking). The backlog is clamped by the kernel to
 * net.core.somaxconn; *backlog_effective gets min(backlog, somaxconn).
 */
int tl_sock_listen(const struct tl_addr *a, int backlog, int *backlog_effective,
		   struct tl_err *err);
/*
 * The same with SO_RCVBUF set before listen() (rcvbuf 0: untouched). Accepted sockets inherit
 * the buffer, and the window scale the listener offers in its SYN-ACK is chosen from it: a
 * small buffer set only after accept() keeps a scale sized for the default maximum, and the
 * transfer collapses.
 */
int tl_sock_listen_rcvbuf(const struct tl_addr *a, int backlog, uint64_t rcvbuf,
			  int *backlog_effective, struct tl_err *err);

/* Closes with SO_LINGER {1, 0}: an RST, no TIME_WAIT, no orphan left holding data. */
void tl_sock_close_abort(int fd);

/* Reads a whole small /proc file into buf (NUL-terminated). */
int tl_read_small_file(const char *path, char *buf, size_t len, struct tl_err *err);

#endif
