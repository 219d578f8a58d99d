/* The wire kit: deadlines, whole transfers and length-prefixed frames (see net/wire.h). */
#include "net/wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/clock.h"

/* A read never asks for less than this, so small frames cost one recv() each. */
#define READ_CHUNK 4096

static const char *who(const char *peer)
{
	return peer && *peer ? peer : "the peer";
}

int tl_wire_wait(int fd, short events, uint64_t deadline_ns, int stop_fd, const char *peer,
		 struct tl_err *err)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = stop_fd, .events = POLLIN },
				       { .fd = fd, .events = events } };
		uint64_t now = tl_now_ns();
		if (now >= deadline_ns)
			return tl_err_set(err, ETIMEDOUT, "%s: no answer in time (is it overloaded or "
					  "gone? a longer timeout may help)", who(peer));
		int n = poll(p, 2, tl_ms_until(deadline_ns, now));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return tl_err_errno(err, "poll on the connection to %s", who(peer));
		}
		if (p[0].revents)
			return tl_err_set(err, ECANCELED, "%s: stopped before the exchange ended",
					  who(peer));
		if (fd >= 0 && p[1].revents)
			return 0;
	}
}

ssize_t tl_wire_write_some(int fd, const void *buf, size_t len, const char *peer,
			   struct tl_err *err)
{
	for (;;) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		if (errno == EPIPE)
			return tl_err_set(err, ECONNRESET, "send to %s: the connection was closed by "
					  "the other side (see its log)", who(peer));
		return tl_err_errno(err, "send to %s", who(peer));
	}
}

int tl_wire_write_all(int fd, const void *buf, size_t len, uint64_t deadline_ns, int stop_fd,
		      const char *peer, struct tl_err *err)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = tl_wire_write_some(fd, p, len, peer, err);
		if (n < 0)
			return (int)n;
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		int ret = tl_wire_wait(fd, POLLOUT, deadline_ns, stop_fd, peer, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int tl_wire_read_exact(int fd, void *buf, size_t len, uint64_t deadline_ns, int stop_fd,
		       const char *peer, struct tl_err *err)
{
	uint8_t *p = buf;
	size_t want = len;
	while (len > 0) {
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return tl_err_set(err, ECONNRESET, "recv from %s: the connection closed after "
					  "%zu of %zu bytes (the other side ended or gave up; see its "
					  "log)", who(peer), want - len, want);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return tl_err_errno(err, "recv from %s", who(peer));
		int ret = tl_wire_wait(fd, POLLIN, deadline_ns, stop_fd, peer, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int tl_wire_frame_send(int fd, const void *body, size_t len, size_t max, uint64_t deadline_ns,
		       int stop_fd, const char *peer, struct tl_err *err)
{
	if (len == 0 || len > max || len > UINT32_MAX)
		return tl_err_set(err, EMSGSIZE, "frame to %s of %zu bytes: the limit is 1..%zu "
				  "(a bug: the message should have been refused earlier)",
				  who(peer), len, max);
	uint8_t hdr[TL_WIRE_FRAME_HDR];
	tl_put_be32(hdr, (uint32_t)len);
	/* One buffer, one write-all: the length and the body leave in as few segments as
	 * the socket allows. */
	uint8_t *whole = malloc(len + sizeof(hdr));
	if (!whole)
		return tl_err_set(err, ENOMEM, "frame to %s: out of memory for %zu bytes", who(peer),
				  len);
	memcpy(whole, hdr, sizeof(hdr));
	memcpy(whole + sizeof(hdr), body, len);
	int ret = tl_wire_write_all(fd, whole, len + sizeof(hdr), deadline_ns, stop_fd, peer, err);
	free(whole);
	return ret;
}

void tl_wire_reader_init(struct tl_wire_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void tl_wire_reader_free(struct tl_wire_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = r->taken = 0;
}

int tl_wire_reader_take(struct tl_wire_reader *r, const uint8_t **body, size_t *len,
			const char *peer, struct tl_err *err)
{
	if (r->taken) {
		memmove(r->buf, r->buf + r->taken, r->len - r->taken);
		r->len -= r->taken;
		r->taken = 0;
	}
	if (r->len < TL_WIRE_FRAME_HDR)
		return 0;
	uint32_t n = tl_get_be32(r->buf);
	if (n == 0)
		return tl_err_set(err, EPROTO, "frame from %s with length 0 (not a tcplab peer, or "
				  "the stream lost its framing)", who(peer));
	if (n > r->max)
		return tl_err_set(err, EMSGSIZE, "frame from %s of %u bytes, more than the %zu "
				  "allowed (not a tcplab peer, or a different version)", who(peer),
				  n, r->max);
	if (r->len < TL_WIRE_FRAME_HDR + (size_t)n)
		return 0;
	*body = r->buf + TL_WIRE_FRAME_HDR;
	*len = n;
	r->taken = TL_WIRE_FRAME_HDR + n;
	return 1;
}

/* Room for at least READ_CHUNK more bytes, within the frame limit. */
static int reserve(struct tl_wire_reader *r, const char *peer, struct tl_err *err)
{
	if (r->cap - r->len >= READ_CHUNK)
		return 0;
	size_t want = r->cap ? r->cap * 2 : 2 * READ_CHUNK;
	size_t limit = r->max + TL_WIRE_FRAME_HDR + READ_CHUNK;
	if (want > limit)
		want = limit;
	if (want <= r->cap)
		return 0; /* at the limit: read into what is left */
	uint8_t *nb = realloc(r->buf, want);
	if (!nb)
		return tl_err_set(err, ENOMEM, "reading from %s: out of memory for %zu bytes",
				  who(peer), want);
	r->buf = nb;
	r->cap = want;
	return 0;
}

int tl_wire_reader_fill(int fd, struct tl_wire_reader *r, const char *peer, struct tl_err *err)
{
	if (r->taken) {
		memmove(r->buf, r->buf + r->taken, r->len - r->taken);
		r->len -= r->taken;
		r->taken = 0;
	}
	int ret = reserve(r, peer, err);
	if (ret < 0)
		return ret;
	if (r->cap == r->len)
		return 1; /* full: a whole frame is waiting to be taken */
	for (;;) {
		ssize_t got = recv(fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);
		if (got > 0) {
			r->len += (size_t)got;
			return 1;
		}
		if (got == 0)
			return tl_err_set(err, ECONNRESET, "%s closed the connection (see its log)",
					  who(peer));
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		return tl_err_errno(err, "recv from %s", who(peer));
	}
}

int tl_wire_frame_recv(int fd, struct tl_wire_reader *r, const uint8_t **body, size_t *len,
		       uint64_t deadline_ns, int stop_fd, const char *peer, struct tl_err *err)
{
	for (;;) {
		int ret = tl_wire_reader_take(r, body, len, peer, err);
		if (ret != 0)
			return ret;
		ret = tl_wire_reader_fill(fd, r, peer, err);
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		ret = tl_wire_wait(fd, POLLIN, deadline_ns, stop_fd, peer, err);
		if (ret < 0)
			return ret;
	}
}
