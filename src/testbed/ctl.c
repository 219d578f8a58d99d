#include "testbed/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "testbed/state.h"
#include "util/clock.h"

#define RESP_MAX (64u << 20)

static int sun_fill(struct sockaddr_un *sa, const char *path, struct tl_err *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return tl_err_set(err, ENAMETOOLONG, "control socket %s: path longer than %zu "
				  "bytes (set TCPLAB_TESTBED_DIR to a shorter directory)", path,
				  sizeof(sa->sun_path) - 1);
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

int tl_testbed_ctl_listen(const char *path, int *out_fd, struct tl_err *err)
{
	struct sockaddr_un sa;
	int ret = sun_fill(&sa, path, err);
	if (ret < 0)
		return ret;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "control socket %s: socket", path);
	unlink(path);
	mode_t old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = tl_err_errno(err, "control socket %s: bind", path);
		umask(old);
		goto out;
	}
	umask(old);
	if (listen(fd, 16) < 0) {
		ret = tl_err_errno(err, "control socket %s: listen", path);
		goto out;
	}
	*out_fd = fd;
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Waits for fd to be ready for events, until deadline; 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = tl_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, tl_ms_until(deadline, now));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int tl_testbed_ctl_request(const char *name, json_t *req, uint64_t timeout_ns, json_t **resp,
			   struct tl_err *err)
{
	char path[512];
	struct sockaddr_un sa;
	char *text = NULL, *buf = NULL;
	int fd = -1;
	*resp = NULL;
	int ret = tl_testbed_path(path, sizeof(path), name, "ctl.sock", err);
	if (ret < 0)
		return ret;
	ret = sun_fill(&sa, path, err);
	if (ret < 0)
		return ret;
	uint64_t deadline = tl_now_ns() + timeout_ns;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = tl_err_errno(err, "control socket %s: socket", path);
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = tl_err_errno(err, "testbed %s: connect %s (is its forwarder running? "
				   "'tcplab testbed status %s')", name, path, name);
		goto out;
	}
	json_object_set_new(req, "v", json_integer(TL_TESTBED_CTL_VERSION));
	text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		ret = tl_err_set(err, ENOMEM, "testbed %s: cannot encode the request", name);
		goto out;
	}
	size_t len = strlen(text);
	if (len + 1 > TL_TESTBED_CTL_MAX) {
		ret = tl_err_set(err, E2BIG, "testbed %s: request of %zu bytes, at most %u", name,
				 len, TL_TESTBED_CTL_MAX);
		goto out;
	}
	text[len] = '\n'; /* json_dumps leaves room for the NUL, reused as the line end */
	size_t off = 0;
	while (off < len + 1) {
		ssize_t w = send(fd, text + off, len + 1 - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((ret = wait_fd(fd, POLLOUT, deadline)) < 0) {
				ret = tl_err_set(err, -ret, "testbed %s: sending the request: %s",
						 name, strerror(-ret));
				goto out;
			}
			continue;
		}
		if (w < 0) {
			ret = tl_err_errno(err, "testbed %s: send to %s", name, path);
			goto out;
		}
		off += (size_t)w;
	}
	size_t cap = 64 << 10, got = 0;
	buf = malloc(cap);
	if (!buf) {
		ret = tl_err_set(err, ENOMEM, "testbed %s: out of memory", name);
		goto out;
	}
	for (;;) {
		if (got + 1 >= cap) {
			if (cap >= RESP_MAX) {
				ret = tl_err_set(err, E2BIG, "testbed %s: answer longer than %u MiB",
						 name, RESP_MAX >> 20);
				goto out;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				ret = tl_err_set(err, ENOMEM, "testbed %s: out of memory", name);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + got, cap - 1 - got, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((ret = wait_fd(fd, POLLIN, deadline)) < 0) {
				ret = tl_err_set(err, -ret, "testbed %s: no answer from the forwarder "
						 "within %llu ms", name,
						 (unsigned long long)(timeout_ns / TL_NSEC_PER_MSEC));
				goto out;
			}
			continue;
		}
		if (r < 0) {
			ret = tl_err_errno(err, "testbed %s: recv from %s", name, path);
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	json_error_t jerr;
	json_t *j = json_loads(buf, 0, &jerr);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		ret = tl_err_set(err, EPROTO, "testbed %s: the forwarder's answer is not a JSON "
				 "object (%s)", name, jerr.text);
		goto out;
	}
	const char *emsg = json_string_value(json_object_get(j, "error"));
	if (emsg) {
		ret = tl_err_set(err, EIO, "%s", emsg);
		json_decref(j);
		goto out;
	}
	*resp = j;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	free(buf);
	return ret;
}
