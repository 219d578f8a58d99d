/*
 * Socket options by phase and role on real TCP sockets, each read back from the kernel:
 * what apply_pre sets before connect() (a sender's send buffer, a receiver's receive buffer
 * and window clamp, both ends' MSS and congestion control), what apply_post sets on the
 * connection (nodelay, a sender's pacing), what is left alone (zero means the kernel's
 * default, autotuning kept), the listener's buffer inherited by accepted sockets, and the
 * errors, each naming the option and the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/sock.h"
#include "test_sockets.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif

static int getint(int fd, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);
	assert_int_equal(getsockopt(fd, level, opt, &v, &len), 0);
	return v;
}

static long proc_long(const char *path)
{
	char buf[64];
	assert_int_equal(tl_read_small_file(path, buf, sizeof(buf), NULL), 0);
	return atol(buf);
}

/* What the kernel keeps for SO_SNDBUF/SO_RCVBUF = v: doubled for its own overhead, after
 * capping v at the core maximum [socket(7)]. */
static int doubled(long v, const char *max_path)
{
	long max = proc_long(max_path);
	return (int)(2 * (v < max ? v : max));
}

static int tcp_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	return fd;
}

/* The role decides which buffer is set; the other keeps the kernel's default. */
static void test_pre_buffers_by_role(void **state)
{
	(void)state;
	const struct tl_sockopts o = { .sndbuf = 150000, .rcvbuf = 170000, .window_clamp = 65536 };
	struct tl_err err = { 0 };
	int plain = tcp_socket(), snd = tcp_socket(), rcv = tcp_socket();
	int def_snd = getint(plain, SOL_SOCKET, SO_SNDBUF), def_rcv = getint(plain, SOL_SOCKET, SO_RCVBUF);
	assert_int_equal(tl_sock_apply_pre(snd, &o, TL_SOCK_SENDER, &err), 0);
	assert_int_equal(tl_sock_apply_pre(rcv, &o, TL_SOCK_RECEIVER, &err), 0);
	assert_int_equal(getint(snd, SOL_SOCKET, SO_SNDBUF), doubled(150000, "/proc/sys/net/core/wmem_max"));
	assert_int_equal(getint(snd, SOL_SOCKET, SO_RCVBUF), def_rcv);
	assert_int_equal(getint(rcv, SOL_SOCKET, SO_RCVBUF), doubled(170000, "/proc/sys/net/core/rmem_max"));
	assert_int_equal(getint(rcv, SOL_SOCKET, SO_SNDBUF), def_snd);
	/* the clamp is the receiver's; the kernel reports it as set */
	assert_int_equal(getint(rcv, IPPROTO_TCP, TCP_WINDOW_CLAMP), 65536);
	assert_true(getint(snd, IPPROTO_TCP, TCP_WINDOW_CLAMP) != 65536);
	/* tl_sock_read_effective reads the same values back */
	struct tl_sock_effective eff;
	assert_int_equal(tl_sock_read_effective(rcv, &eff, &err), 0);
	assert_int_equal(eff.rcvbuf, getint(rcv, SOL_SOCKET, SO_RCVBUF));
	assert_int_equal(eff.sndbuf, def_snd);
	close(plain);
	close(snd);
	close(rcv);
}

/* Zero asks for nothing: no option is touched, so the kernel's autotuning stays on. */
static void test_zero_leaves_defaults(void **state)
{
	(void)state;
	const struct tl_sockopts o = { 0 };
	struct tl_err err = { 0 };
	int plain = tcp_socket(), s = tcp_socket();
	assert_int_equal(tl_sock_apply_pre(s, &o, TL_SOCK_SENDER, &err), 0);
	assert_int_equal(tl_sock_apply_post(s, &o, TL_SOCK_SENDER, &err), 0);
	assert_int_equal(tl_sock_apply_pre(s, &o, TL_SOCK_RECEIVER, &err), 0);
	static const struct { int level, opt; } opts[] = {
		{ SOL_SOCKET, SO_SNDBUF }, { SOL_SOCKET, SO_RCVBUF }, { IPPROTO_TCP, TCP_NODELAY },
		{ IPPROTO_TCP, TCP_WINDOW_CLAMP }, { IPPROTO_TCP, TCP_MAXSEG }, { SOL_SOCKET, SO_ZEROCOPY },
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		assert_int_equal(getint(s, opts[i].level, opts[i].opt), getint(plain, opts[i].level, opts[i].opt));
	close(plain);
	close(s);
}

/* A loopback connection whose client end got `o` for `role` before connect(). */
static void connect_with(const struct tl_sockopts *o, enum tl_sock_role role, int *client, int *server)
{
	struct tl_err err = { 0 };
	struct tl_addr a;
	assert_int_equal(tl_addr_resolve("127.0.0.1", 0, AF_INET, 0, &a, &err), 0);
	int l = tl_sock_listen(&a, 4, NULL, &err);
	assert_true(l >= 0);
	assert_int_equal(tl_addr_local(l, &a, &err), 0);
	*client = tcp_socket();
	if (tl_sock_apply_pre(*client, o, role, &err) != 0)
		fail_msg("apply_pre: %s", err.msg);
	assert_int_equal(connect(*client, (struct sockaddr *)&a.ss, a.len), 0);
	*server = ts_accept(l);
	close(l);
}

/* MSS and congestion control go before connect() and hold on the connection. */
static void test_pre_mss_and_cc_on_the_connection(void **state)
{
	(void)state;
	struct tl_sockopts o = { .mss = 1200 };
	snprintf(o.cc, sizeof(o.cc), "reno"); /* always built in */
	int c, s;
	connect_with(&o, TL_SOCK_SENDER, &c, &s);
	struct tl_sock_effective eff;
	struct tl_err err = { 0 };
	assert_int_equal(tl_sock_read_effective(c, &eff, &err), 0);
	assert_string_equal(eff.cc, "reno");
	assert_true(eff.mss > 0 && eff.mss <= 1200);
	/* the other end did not ask: it keeps the host's default */
	struct tl_sock_effective other;
	assert_int_equal(tl_sock_read_effective(s, &other, &err), 0);
	char def[TL_CC_NAME_MAX + 8];
	assert_int_equal(tl_read_small_file("/proc/sys/net/ipv4/tcp_congestion_control", def, sizeof(def), NULL), 0);
	def[strcspn(def, "\n")] = '\0';
	assert_string_equal(other.cc, def);
	close(c);
	close(s);
}

/* After the connection is up: nodelay for either role, pacing only for a sender. */
static void test_post_by_role(void **state)
{
	(void)state;
	const struct tl_sockopts o = { .nodelay = 1, .pacing_bps = 80000000 };
	struct tl_err err = { 0 };
	int c, s;
	connect_with(&o, TL_SOCK_SENDER, &c, &s);
	uint64_t before = 0, after = 0;
	socklen_t len = sizeof(before);
	assert_int_equal(getsockopt(s, SOL_SOCKET, SO_MAX_PACING_RATE, &before, &len), 0);
	assert_int_equal(tl_sock_apply_post(c, &o, TL_SOCK_SENDER, &err), 0);
	assert_int_equal(tl_sock_apply_post(s, &o, TL_SOCK_RECEIVER, &err), 0);
	assert_int_equal(getint(c, IPPROTO_TCP, TCP_NODELAY), 1);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_NODELAY), 1);
	len = sizeof(after);
	assert_int_equal(getsockopt(c, SOL_SOCKET, SO_MAX_PACING_RATE, &after, &len), 0);
	assert_true(after == 10000000); /* bit/s in, bytes/s in the kernel */
	len = sizeof(after);
	assert_int_equal(getsockopt(s, SOL_SOCKET, SO_MAX_PACING_RATE, &after, &len), 0);
	assert_true(after == before);   /* a receiver is not paced */
	close(c);
	close(s);
}

/* Zerocopy is a sender's option, set with the others before connect(). */
static void test_zerocopy_for_senders(void **state)
{
	(void)state;
	const struct tl_sockopts o = { .zerocopy = 1 };
	struct tl_err err = { 0 };
	int snd = tcp_socket(), rcv = tcp_socket();
	assert_int_equal(tl_sock_apply_pre(snd, &o, TL_SOCK_SENDER, &err), 0);
	assert_int_equal(tl_sock_apply_pre(rcv, &o, TL_SOCK_RECEIVER, &err), 0);
	assert_int_equal(getint(snd, SOL_SOCKET, SO_ZEROCOPY), 1);
	assert_int_equal(getint(rcv, SOL_SOCKET, SO_ZEROCOPY), 0);
	close(snd);
	close(rcv);
}

/* Each refusal names the option and the value. */
static void test_errors_name_option_and_value(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	int s = tcp_socket();
	struct tl_sockopts o = { 0 };
	snprintf(o.cc, sizeof(o.cc), "tcplabnosuch");
	assert_true(tl_sock_apply_pre(s, &o, TL_SOCK_SENDER, &err) < 0);
	assert_non_null(strstr(err.msg, "TCP_CONGESTION \"tcplabnosuch\""));
	assert_non_null(strstr(err.msg, "available: "));
	o = (struct tl_sockopts){ .mss = 1 }; /* below the smallest MSS the kernel takes */
	assert_true(tl_sock_apply_pre(s, &o, TL_SOCK_SENDER, &err) < 0);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "TCP_MAXSEG 1"));
	int f = open("/dev/null", O_RDONLY);
	o = (struct tl_sockopts){ .nodelay = 1 };
	assert_true(tl_sock_apply_post(f, &o, TL_SOCK_SENDER, &err) < 0);
	assert_int_equal(err.code, ENOTSOCK);
	assert_non_null(strstr(err.msg, "TCP_NODELAY"));
	struct tl_sock_effective eff;
	assert_int_equal(tl_sock_read_effective(f, &eff, &err), -ENOTSOCK);
	assert_non_null(strstr(err.msg, "SO_SNDBUF"));
	close(f);
	close(s);
}

static void test_cc_available_and_allowed(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	assert_int_equal(tl_sock_cc_available("reno", &err), 0);
	assert_int_equal(tl_sock_cc_available("tcplabnosuch", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "\"tcplabnosuch\" is not available here"));
	assert_non_null(strstr(err.msg, "reno")); /* the list it was checked against */
	/* reno is always allowed (the kernel's own default list has it) */
	assert_int_equal(tl_sock_cc_allowed("reno", &err), 0);
	/* a prefix of an available name is not that name */
	assert_int_equal(tl_sock_cc_available("ren", &err), -ENOENT);
}

/* The listener's backlog read back against somaxconn, and its buffer passed on to accepted
 * sockets (it was set before listen(), where the window scale is decided). */
static void test_listen_backlog_and_rcvbuf(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	struct tl_addr a;
	assert_int_equal(tl_addr_resolve("127.0.0.1", 0, AF_INET, 0, &a, &err), 0);
	long somaxconn = proc_long("/proc/sys/net/core/somaxconn");
	int eff = 0;
	int l = tl_sock_listen_rcvbuf(&a, 1 << 20, 100000, &eff, &err);
	assert_true(l >= 0);
	assert_int_equal(eff, (1 << 20) < somaxconn ? (1 << 20) : somaxconn);
	assert_int_equal(fcntl(l, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	assert_int_equal(getint(l, SOL_SOCKET, SO_REUSEADDR), 1);
	int want = doubled(100000, "/proc/sys/net/core/rmem_max");
	assert_int_equal(getint(l, SOL_SOCKET, SO_RCVBUF), want);
	struct tl_addr bound;
	assert_int_equal(tl_addr_local(l, &bound, &err), 0);
	int c = tcp_socket();
	assert_int_equal(connect(c, (struct sockaddr *)&bound.ss, bound.len), 0);
	int s = ts_accept(l);
	assert_int_equal(getint(s, SOL_SOCKET, SO_RCVBUF), want);
	/* the same address again, while the first listens: in use, with the fix */
	int l2 = tl_sock_listen(&bound, 4, NULL, &err);
	assert_int_equal(l2, -1);
	assert_int_equal(err.code, EADDRINUSE);
	assert_non_null(strstr(err.msg, "choose another --port"));
	/* a small backlog is itself */
	int l3 = tl_sock_listen(&a, 3, &eff, &err);
	assert_true(l3 >= 0);
	assert_int_equal(eff, 3);
	close(l3);
	close(c);
	close(s);
	close(l);
}

/* Closed abortively: the peer sees a reset, not an EOF. */
static void test_close_abort_resets(void **state)
{
	(void)state;
	const struct tl_sockopts o = { 0 };
	int c, s;
	connect_with(&o, TL_SOCK_SENDER, &c, &s);
	tl_sock_close_abort(c);
	tl_sock_close_abort(-1); /* nothing to close */
	char b;
	ssize_t n = -1;
	for (int i = 0; i < 1000; i++) {
		n = recv(s, &b, 1, MSG_DONTWAIT);
		if (!(n < 0 && errno == EAGAIN))
			break;
		usleep(1000);
	}
	assert_int_equal(n, -1);
	assert_int_equal(errno, ECONNRESET);
	close(s);
}

static void test_nonblock_and_small_file(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	int s = tcp_socket();
	assert_int_equal(fcntl(s, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(tl_sock_set_nonblock(s, &err), 0);
	assert_int_equal(fcntl(s, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(s);
	assert_int_equal(tl_sock_set_nonblock(s, &err), -EBADF);
	assert_non_null(strstr(err.msg, "O_NONBLOCK"));
	/* a small file is read whole and terminated; a short buffer cuts it */
	char buf[4];
	assert_int_equal(tl_read_small_file("/proc/sys/net/ipv4/tcp_available_congestion_control", buf,
					    sizeof(buf), &err), 0);
	assert_int_equal(strlen(buf), 3);
	assert_int_equal(tl_read_small_file("/proc/tcplab-no-such-file", buf, sizeof(buf), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/proc/tcplab-no-such-file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pre_buffers_by_role),
		cmocka_unit_test(test_zero_leaves_defaults),
		cmocka_unit_test(test_pre_mss_and_cc_on_the_connection),
		cmocka_unit_test(test_post_by_role),
		cmocka_unit_test(test_zerocopy_for_senders),
		cmocka_unit_test(test_errors_name_option_and_value),
		cmocka_unit_test(test_cc_available_and_allowed),
		cmocka_unit_test(test_listen_backlog_and_rcvbuf),
		cmocka_unit_test(test_close_abort_resets),
		cmocka_unit_test(test_nonblock_and_small_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
