/*
 * sock_diag on real loopback sockets: counts per state with the kernel-side port filter,
 * TIME_WAIT grouping, listener accept queues and explicit small SO_RCVBUF. Every socket
 * here uses a port the kernel gave this test, so other programs on the host do not disturb
 * the counts that are filtered or matched by port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/sockdiag.h"

/* A listener on the loopback address of family, port chosen by the kernel. */
static int listener(int family, int backlog, uint16_t *port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int connect_to(int family, uint16_t port, int rcvbuf)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (rcvbuf)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		len = sizeof(*a);
	}
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

/*
 * n connections where the client closes first: the client side ends in TIME_WAIT (the
 * server answers the FIN with its own once it reads EOF).
 */
static void make_time_wait(int family, int lfd, uint16_t port, int n)
{
	for (int i = 0; i < n; i++) {
		int c = connect_to(family, port, 0);
		int s = accept(lfd, NULL, NULL);
		assert_true(s >= 0);
		close(c);
		char b;
		struct pollfd p = { .fd = s, .events = POLLIN };
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(s, &b, 1), 0);
		close(s);
	}
	/* The last FIN/ACK exchange on loopback is immediate, but give it a moment. */
	usleep(50000);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(tl_tcp_state_name(TL_TCP_ESTABLISHED), "ESTABLISHED");
	assert_string_equal(tl_tcp_state_name(TL_TCP_TIME_WAIT), "TIME_WAIT");
	assert_string_equal(tl_tcp_state_name(TL_TCP_LISTEN), "LISTEN");
	assert_string_equal(tl_tcp_state_name(0), "UNKNOWN");
	assert_string_equal(tl_tcp_state_name(99), "UNKNOWN");
}

static void test_count_time_wait_by_port(void **state)
{
	(void)state;
	uint16_t port;
	int lfd = listener(AF_INET, 16, &port);
	assert_true(lfd >= 0);
	struct tl_sock_counts before, after;
	struct tl_err err = { 0 };
	/* A port used within the last minute may still have TIME_WAIT remains: count from there. */
	assert_int_equal(tl_sockdiag_count_states(TL_SOCKDIAG_INET4, port, &before, &err), 0);
	make_time_wait(AF_INET, lfd, port, 5);
	assert_int_equal(tl_sockdiag_count_states(TL_SOCKDIAG_ALL, port, &after, &err), 0);
	assert_int_equal(after.time_wait, before.time_wait + 5);
	assert_int_equal(after.by_state[TL_TCP_TIME_WAIT], before.time_wait + 5);
	/* The listener's own remote port is 0, so the filter leaves it out. */
	assert_int_equal(after.by_state[TL_TCP_LISTEN], 0);
	assert_int_equal(after.total, before.total + 5);
	/* Unfiltered, the listener and the TIME_WAIT sockets are among everything. */
	assert_int_equal(tl_sockdiag_count_states(TL_SOCKDIAG_INET4, 0, &after, &err), 0);
	assert_true(after.time_wait >= 5);
	assert_true(after.by_state[TL_TCP_LISTEN] >= 1);
	close(lfd);
}

static void test_count_rejects_empty_mask(void **state)
{
	(void)state;
	struct tl_sock_counts c;
	struct tl_err err = { 0 };
	assert_int_equal(tl_sockdiag_count_states(0, 0, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no address family"));
}

static void test_scan_listener_queue_and_tw_groups(void **state)
{
	(void)state;
	uint16_t port;
	int lfd = listener(AF_INET, 8, &port);
	assert_true(lfd >= 0);
	struct tl_sock_counts before;
	assert_int_equal(tl_sockdiag_count_states(TL_SOCKDIAG_INET4, port, &before, NULL), 0);
	make_time_wait(AF_INET, lfd, port, 3);
	/* Three more connections that nobody accepts: the accept queue holds them. */
	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = connect_to(AF_INET, port, 0);
	usleep(50000);
	struct tl_sock_scan *scan = calloc(1, sizeof(*scan));
	struct tl_err err = { 0 };
	assert_int_equal(tl_sockdiag_scan(TL_SOCKDIAG_ALL, 0, scan, &err), 0);
	bool found_listener = false;
	for (size_t i = 0; i < scan->n_listeners; i++)
		if (scan->listeners[i].local.port == port) {
			found_listener = true;
			assert_int_equal(scan->listeners[i].queued, 3);
			assert_int_equal(scan->listeners[i].limit, 8);
			char buf[64];
			assert_string_equal(tl_sock_addr_fmt(&scan->listeners[i].local, buf, sizeof(buf)) ,
					    buf);
			assert_non_null(strstr(buf, "127.0.0.1:"));
		}
	/* The scan keeps the fullest listeners, and ours is 3/8 full. */
	assert_true(found_listener || scan->listeners_total > TL_SOCK_SCAN_LISTENERS);
	bool found_group = false;
	for (size_t i = 0; i < scan->n_tw_top; i++)
		if (scan->tw_top[i].remote.port == port) {
			found_group = true;
			assert_int_equal(scan->tw_top[i].count, before.time_wait + 3);
			assert_int_equal(scan->tw_top[i].local.port, 0);
		}
	assert_true(found_group || scan->tw_groups > TL_SOCK_SCAN_TW_TOP);
	assert_true(scan->counts.time_wait >= 3);
	for (size_t i = 1; i < scan->n_tw_top; i++)
		assert_true(scan->tw_top[i - 1].count >= scan->tw_top[i].count);
	free(scan);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(lfd);
}

static void test_scan_finds_small_rcvbuf(void **state)
{
	(void)state;
	uint16_t port;
	int lfd = listener(AF_INET, 8, &port);
	assert_true(lfd >= 0);
	/* SO_RCVBUF 4096 is doubled by the kernel to 8192, far below tcp_rmem[1]. */
	int c = connect_to(AF_INET, port, 4096);
	int s = accept(lfd, NULL, NULL);
	assert_true(s >= 0);
	int got = 0;
	socklen_t gl = sizeof(got);
	assert_int_equal(getsockopt(c, SOL_SOCKET, SO_RCVBUF, &got, &gl), 0);
	struct tl_sock_scan *scan = calloc(1, sizeof(*scan));
	struct tl_err err = { 0 };
	assert_int_equal(tl_sockdiag_scan(TL_SOCKDIAG_INET4, 65536, scan, &err), 0);
	bool found = false;
	for (size_t i = 0; i < scan->n_small; i++)
		if (scan->small[i].remote.port == port) {
			found = true;
			assert_int_equal(scan->small[i].rcvbuf, (uint32_t)got);
			assert_int_equal(scan->small[i].uid, getuid());
			assert_true(scan->small[i].inode != 0);
		}
	assert_true(found || scan->small_total > TL_SOCK_SCAN_SMALL);
	/* Without a threshold nothing is reported. */
	assert_int_equal(tl_sockdiag_scan(TL_SOCKDIAG_INET4, 0, scan, &err), 0);
	assert_int_equal(scan->small_total, 0);
	free(scan);
	close(s);
	close(c);
	close(lfd);
}

static void test_ipv6_time_wait(void **state)
{
	(void)state;
	uint16_t port;
	int lfd = listener(AF_INET6, 8, &port);
	if (lfd < 0)
		skip();  /* IPv6 disabled on this host */
	struct tl_sock_counts c4, c6, before;
	struct tl_err err = { 0 };
	assert_int_equal(tl_sockdiag_count_states(TL_SOCKDIAG_INET6, port, &before, &err), 0);
	make_time_wait(AF_INET6, lfd, port, 2);
	assert_int_equal(tl_sockdiag_count_states(TL_SOCKDIAG_INET6, port, &c6, &err), 0);
	assert_int_equal(c6.time_wait, before.time_wait + 2);
	assert_int_equal(tl_sockdiag_count_states(TL_SOCKDIAG_INET4, port, &c4, &err), 0);
	assert_int_equal(c4.time_wait, 0);
	struct tl_sock_scan *scan = calloc(1, sizeof(*scan));
	assert_int_equal(tl_sockdiag_scan(TL_SOCKDIAG_INET6, 0, scan, &err), 0);
	for (size_t i = 0; i < scan->n_tw_top; i++)
		if (scan->tw_top[i].remote.port == port) {
			char buf[64];
			assert_string_equal(tl_sock_addr_fmt(&scan->tw_top[i].remote, buf, sizeof(buf)),
					    buf);
			assert_non_null(strstr(buf, "[::1]:"));
		}
	free(scan);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_count_time_wait_by_port),
		cmocka_unit_test(test_count_rejects_empty_mask),
		cmocka_unit_test(test_scan_listener_queue_and_tw_groups),
		cmocka_unit_test(test_scan_finds_small_rcvbuf),
		cmocka_unit_test(test_ipv6_time_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
