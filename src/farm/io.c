#include "farm/io.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"

/* Waits for events on fd (or only stop_fd and the clock when fd < 0). */
static int wait_for(int fd, short events, uint64_t deadline_ns, int stop_fd)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = stop_fd, .events = POLLIN },
				       { .fd = fd, .events = events } };
		uint64_t now = tl_now_ns();
		if (now >= deadline_ns)
			return -ETIMEDOUT;
		int n = poll(p, 2, tl_ms_until(deadline_ns, now));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents)
			return -ECANCELED;
		if (fd >= 0 && p[1].revents)
			return 0;
	}
}

int tl_farm_io_connect(const struct tl_addr *dest, uint64_t deadline_ns, int stop_fd,
		       int *fd_out)
{
	int one = 1, ret;
	int fd = socket(dest->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&dest->ss, dest->len) < 0) {
		if (errno != EINPROGRESS) {
			ret = -errno;
			goto fail;
		}
		ret = wait_for(fd, POLLOUT, deadline_ns, stop_fd);
		if (ret < 0)
			goto fail;
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
		if (soerr) {
			ret = -soerr;
			goto fail;
		}
	}
	*fd_out = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

int tl_farm_io_write_all(int fd, const void *buf, size_t len, uint64_t deadline_ns, int stop_fd)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return errno == EPIPE ? -ECONNRESET : -errno;
		int ret = wait_for(fd, POLLOUT, deadline_ns, stop_fd);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int tl_farm_io_read_exact(int fd, void *buf, size_t len, uint64_t deadline_ns, int stop_fd)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = recv(fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int ret = wait_for(fd, POLLIN, deadline_ns, stop_fd);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int tl_farm_io_sleep(uint64_t ns, uint64_t deadline_ns, int stop_fd)
{
	uint64_t until = tl_now_ns() + ns;
	int ret = wait_for(-1, 0, until < deadline_ns ? until : deadline_ns, stop_fd);
	if (ret == -ETIMEDOUT && until < deadline_ns)
		return 0;
	return ret;
}
