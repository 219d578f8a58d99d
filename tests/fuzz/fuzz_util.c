/* Helpers of the fuzz targets (fuzz_util.h). */
#include "fuzz_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint8_t *fuzz_dup(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	FUZZ_CHECK(c != NULL);
	if (n)
		memcpy(c, p, n);
	return c;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

long fuzz_exchange(int fd, const uint8_t *data, size_t n, int timeout_ms, uint8_t **out,
		   size_t keep)
{
	size_t off = 0, got = 0, cap = 0;
	uint8_t *buf = NULL;
	long total = 0, end = now_ms() + timeout_ms;
	int wr_open = 1, ret = 0;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (n == 0) {
		shutdown(fd, SHUT_WR);
		wr_open = 0;
	}
	for (;;) {
		long left = end - now_ms();
		if (left <= 0)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN | (wr_open ? POLLOUT : 0) };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (wr_open && (p.revents & POLLOUT)) {
			ssize_t w = send(fd, data + off, n - off, MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == n) {
				shutdown(fd, SHUT_WR);
				wr_open = 0;
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			uint8_t chunk[16384];
			ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
			if (r == 0 || (r < 0 && errno == ECONNRESET))
				break;
			if (r < 0 && errno != EAGAIN && errno != EINTR) {
				ret = -1;
				break;
			}
			if (r > 0) {
				total += r;
				size_t take = got < keep ? keep - got : 0;
				if (take > (size_t)r)
					take = (size_t)r;
				if (take && got + take > cap) {
					cap = got + take;
					uint8_t *nb = realloc(buf, cap);
					FUZZ_CHECK(nb != NULL);
					buf = nb;
				}
				if (take)
					memcpy(buf + got, chunk, take);
				got += take;
			}
		}
	}
	if (out)
		*out = buf;
	else
		free(buf);
	return ret < 0 ? -1 : total;
}

/* One listener for every pair: a fresh one per pair costs more than what is fuzzed. */
static int pair_listener = -1;
static struct sockaddr_in pair_addr;

int fuzz_tcp_pair(int fds[2])
{
	socklen_t len = sizeof(pair_addr);
	int ret = -1;
	fds[0] = fds[1] = -1;
	if (pair_listener < 0) {
		pair_addr = (struct sockaddr_in){ .sin_family = AF_INET,
						  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		pair_listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (pair_listener < 0 ||
		    bind(pair_listener, (struct sockaddr *)&pair_addr, sizeof(pair_addr)) < 0 ||
		    listen(pair_listener, 16) < 0 ||
		    getsockname(pair_listener, (struct sockaddr *)&pair_addr, &len) < 0)
			return -1;
	}
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&pair_addr, sizeof(pair_addr)) < 0)
		goto out;
	fds[1] = accept4(pair_listener, NULL, NULL, SOCK_CLOEXEC);
	if (fds[1] < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && fds[0] >= 0) {
		close(fds[0]);
		fds[0] = -1;
	}
	return ret;
}
