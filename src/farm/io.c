#include "farm/io.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/wire.h"
#include "util/clock.h"

int tl_farm_io_connect(const struct tl_addr *dest, uint64_t deadline_ns, int stop_fd,
		       int *fd_out, struct tl_err *err)
{
	char where[96], peer[120];
	tl_addr_str(dest, where, sizeof(where));
	snprintf(peer, sizeof(peer), "job server %s", where);
	int one = 1, ret;
	int fd = socket(dest->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "socket for %s (each worker needs a descriptor; raise "
				    "'ulimit -n')", peer);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		ret = tl_err_errno(err, "setsockopt TCP_NODELAY for %s", peer);
		goto fail;
	}
	if (connect(fd, (const struct sockaddr *)&dest->ss, dest->len) < 0) {
		if (errno != EINPROGRESS) {
			ret = tl_err_errno(err, "connect to %s", peer);
			goto fail;
		}
		ret = tl_wire_wait(fd, POLLOUT, deadline_ns, stop_fd, peer, err);
		if (ret < 0)
			goto fail;
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
		if (soerr) {
			errno = soerr;
			ret = tl_err_errno(err, "connect to %s", peer);
			goto fail;
		}
	}
	*fd_out = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

int tl_farm_io_sleep(uint64_t ns, uint64_t deadline_ns, int stop_fd, struct tl_err *err)
{
	uint64_t until = tl_now_ns() + ns;
	int ret = tl_wire_wait(-1, 0, until < deadline_ns ? until : deadline_ns, stop_fd,
			       "the pause between attempts", NULL);
	if (ret == -ETIMEDOUT && until < deadline_ns)
		return 0;
	if (ret < 0)
		tl_err_set(err, -ret, "farm worker: %s", ret == -ETIMEDOUT ? "the run's time is up"
								    : "stopped");
	return ret;
}
