/*
 * Real connected sockets for the unit tests: a unix socketpair, a loopback TCP connection,
 * and an accept that waits. Both ends non-blocking, as the library's callers make them.
 */
#ifndef TCPLAB_TESTS_UNIT_TEST_SOCKETS_H
#define TCPLAB_TESTS_UNIT_TEST_SOCKETS_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static inline void ts_nonblock(int fd)
{
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

static inline void ts_unix_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ts_nonblock(sv[0]);
	ts_nonblock(sv[1]);
}

/* Accepts from l (blocking or not) within 10 s; fails the test otherwise. */
static inline int ts_accept(int l)
{
	struct pollfd p = { .fd = l, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 10000), 1);
	int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* A loopback TCP connection, both ends non-blocking: sv[0] connected, sv[1] accepted.
 * Returns the accepting end's port. */
static inline uint16_t ts_tcp_pair(int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	sv[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(sv[0] >= 0);
	assert_int_equal(connect(sv[0], (struct sockaddr *)&a, sizeof(a)), 0);
	sv[1] = ts_accept(l);
	close(l);
	ts_nonblock(sv[0]);
	ts_nonblock(sv[1]);
	return ntohs(a.sin_port);
}

#endif
