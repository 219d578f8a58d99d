#include "net/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif

int tl_read_small_file(const char *path, char *buf, size_t len, struct tl_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tl_err_errno(err, "open %s", path);
	ssize_t n = read(fd, buf, len - 1);
	int saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return tl_err_errno(err, "read %s", path);
	}
	buf[n] = '\0';
	return 0;
}

int tl_sock_cc_available(const char *cc, struct tl_err *err)
{
	char avail[512];
	if (tl_read_small_file("/proc/sys/net/ipv4/tcp_available_congestion_control", avail,
			       sizeof(avail), NULL) < 0)
		return 0; /* cannot tell; let setsockopt decide */
	avail[strcspn(avail, "\n")] = '\0';
	char copy[sizeof(avail)];
	memcpy(copy, avail, sizeof(copy));
	for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, cc) == 0)
			return 0;
	return tl_err_set(err, ENOENT,
			  "congestion control \"%s\" is not available here (available: %s; load another "
			  "with modprobe tcp_NAME)", cc, avail);
}

/* Whether this process holds CAP_NET_ADMIN (bit 12 of CapEff in /proc/self/status). */
static int has_net_admin(void)
{
	char status[4096];
	if (tl_read_small_file("/proc/self/status", status, sizeof(status), NULL) < 0)
		return 1; /* cannot tell; let setsockopt decide */
	const char *cap = strstr(status, "CapEff:");
	unsigned long long eff = 0;
	if (!cap || sscanf(cap + 7, "%llx", &eff) != 1)
		return 1;
	return (eff >> 12) & 1;
}

int tl_sock_cc_allowed(const char *cc, struct tl_err *err)
{
	char allowed[512];
	if (has_net_admin() ||
	    tl_read_small_file("/proc/sys/net/ipv4/tcp_allowed_congestion_control", allowed,
			       sizeof(allowed), NULL) < 0)
		return 0;
	allowed[strcspn(allowed, "\n")] = '\0';
	char copy[sizeof(allowed)];
	memcpy(copy, allowed, sizeof(copy));
	for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, cc) == 0)
			return 0;
	return tl_err_set(err, EPERM,
			  "congestion control \"%s\": an ordinary user (without CAP_NET_ADMIN) may choose only "
			  "from net.ipv4.tcp_allowed_congestion_control (\"%s\"); run as root, or allow it: "
			  "sysctl -w net.ipv4.tcp_allowed_congestion_control=\"%s %s\"", cc, allowed, allowed, cc);
}

int tl_sock_set_cc(int fd, const char *cc, struct tl_err *err)
{
	if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)) < 0) {
		int saved = errno;
		char avail[256] = "";
		tl_read_small_file("/proc/sys/net/ipv4/tcp_available_congestion_control", avail,
				   sizeof(avail), NULL);
		avail[strcspn(avail, "\n")] = '\0';
		return tl_err_set(err, saved, "setsockopt TCP_CONGESTION \"%s\": %s (available: %s)", cc,
				  strerror(saved), avail);
	}
	return 0;
}

static int set_int(int fd, int level, int opt, const char *name, long value, struct tl_err *err)
{
	int v = value > 0x7fffffff ? 0x7fffffff : (int)value;
	if (setsockopt(fd, level, opt, &v, sizeof(v)) < 0)
		return tl_err_errno(err, "setsockopt %s %ld", name, value);
	return 0;
}

int tl_sock_apply_pre(int fd, const struct tl_sockopts *o, enum tl_sock_role role,
		      struct tl_err *err)
{
	if (role == TL_SOCK_SENDER && o->sndbuf &&
	    set_int(fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", (long)o->sndbuf, err) < 0)
		return -1;
	if (role == TL_SOCK_RECEIVER && o->rcvbuf &&
	    set_int(fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", (long)o->rcvbuf, err) < 0)
		return -1;
	if (role == TL_SOCK_RECEIVER && o->window_clamp &&
	    set_int(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, "TCP_WINDOW_CLAMP", o->window_clamp, err) < 0)
		return -1;
	if (o->mss && set_int(fd, IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG", o->mss, err) < 0)
		return -1;
	if (o->cc[0] && tl_sock_set_cc(fd, o->cc, err) < 0)
		return -1;
	if (role == TL_SOCK_SENDER && o->zerocopy &&
	    set_int(fd, SOL_SOCKET, SO_ZEROCOPY, "SO_ZEROCOPY", 1, err) < 0)
		return -1;
	return 0;
}

int tl_sock_apply_post(int fd, const struct tl_sockopts *o, enum tl_sock_role role,
		       struct tl_err *err)
{
	if (o->nodelay && set_int(fd, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", 1, err) < 0)
		return -1;
	if (role == TL_SOCK_SENDER && o->pacing_bps) {
		/* SO_MAX_PACING_RATE takes bytes per second; a 64-bit value since Linux 4.20. */
		uint64_t bytes_per_s = o->pacing_bps / 8;
		if (setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &bytes_per_s, sizeof(bytes_per_s)) < 0)
			return tl_err_errno(err, "setsockopt SO_MAX_PACING_RATE %llu bytes/s",
					    (unsigned long long)bytes_per_s);
	}
	return 0;
}

int tl_sock_read_effective(int fd, struct tl_sock_effective *out, struct tl_err *err)
{
	socklen_t len = sizeof(int);
	memset(out, 0, sizeof(*out));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &out->sndbuf, &len) < 0)
		return tl_err_errno(err, "getsockopt SO_SNDBUF");
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &out->rcvbuf, &len) < 0)
		return tl_err_errno(err, "getsockopt SO_RCVBUF");
	len = sizeof(int);
	if (getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &out->mss, &len) < 0)
		return tl_err_errno(err, "getsockopt TCP_MAXSEG");
	len = sizeof(out->cc) - 1;
	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, out->cc, &len) < 0)
		return tl_err_errno(err, "getsockopt TCP_CONGESTION");
	out->cc[sizeof(out->cc) - 1] = '\0';
	return 0;
}

int tl_sock_set_nonblock(int fd, struct tl_err *err)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return tl_err_errno(err, "fcntl O_NONBLOCK");
	return 0;
}

int tl_sock_listen(const struct tl_addr *a, int backlog, int *backlog_effective,
		   struct tl_err *err)
{
	return tl_sock_listen_rcvbuf(a, backlog, 0, backlog_effective, err);
}

int tl_sock_listen_rcvbuf(const struct tl_addr *a, int backlog, uint64_t rcvbuf,
			  int *backlog_effective, struct tl_err *err)
{
	char where[80];
	int one = 1;
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "socket");
	tl_addr_str(a, where, sizeof(where));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		tl_err_errno(err, "setsockopt SO_REUSEADDR on %s", where);
		goto fail;
	}
	/* before listen(): the SYN-ACK's window scale comes from the listener's buffer */
	if (rcvbuf && set_int(fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", (long)rcvbuf, err) < 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		if (errno == EADDRINUSE)
			tl_err_set(err, EADDRINUSE, "bind %s: address in use (another agent running? "
				   "choose another --port)", where);
		else
			tl_err_errno(err, "bind %s", where);
		goto fail;
	}
	if (listen(fd, backlog) < 0) {
		tl_err_errno(err, "listen %s backlog %d", where, backlog);
		goto fail;
	}
	if (backlog_effective) {
		char buf[32];
		int somaxconn = backlog;
		if (tl_read_small_file("/proc/sys/net/core/somaxconn", buf, sizeof(buf), NULL) == 0)
			somaxconn = atoi(buf); /* kernel-written integer, not user input */
		*backlog_effective = backlog < somaxconn ? backlog : somaxconn;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

void tl_sock_close_abort(int fd)
{
	if (fd < 0)
		return;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}
