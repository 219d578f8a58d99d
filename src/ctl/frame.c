#include "ctl/frame.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void tl_frame_hdr_encode(uint8_t out[TL_FRAME_HDR_LEN], uint16_t type, uint32_t len)
{
	memcpy(out, TL_FRAME_MAGIC, 4);
	put16(out + 4, TL_PROTO_VERSION);
	put16(out + 6, type);
	put32(out + 8, len);
}

int tl_frame_hdr_decode(const uint8_t in[TL_FRAME_HDR_LEN], uint32_t max_len,
			struct tl_frame_hdr *out, struct tl_err *err)
{
	if (memcmp(in, TL_FRAME_MAGIC, 4) != 0)
		return tl_err_set(err, EPROTO, "control frame: bad magic %02x%02x%02x%02x (not a tcplab "
				  "peer, or the stream lost its framing)", in[0], in[1], in[2], in[3]);
	out->version = get16(in + 4);
	out->type = get16(in + 6);
	out->len = get32(in + 8);
	if (out->version != TL_PROTO_VERSION)
		return tl_err_set(err, EPROTONOSUPPORT, "control frame: protocol version %u, this tcplab "
				  "speaks %u (run the same tcplab version on both ends)", out->version,
				  TL_PROTO_VERSION);
	if (out->len > max_len)
		return tl_err_set(err, EMSGSIZE, "control frame: type %u claims %u bytes, limit %u",
				  out->type, out->len, max_len);
	return 0;
}

void tl_data_hello_encode(uint8_t out[TL_DATA_HELLO_LEN], const struct tl_data_hello *h)
{
	memcpy(out, TL_DATA_MAGIC, 4);
	put16(out + 4, TL_PROTO_VERSION);
	put16(out + 6, 0);
	memcpy(out + 8, h->cookie, TL_COOKIE_LEN);
	put32(out + 24, h->flow_id);
}

int tl_data_hello_decode(const uint8_t in[TL_DATA_HELLO_LEN], struct tl_data_hello *out,
			 struct tl_err *err)
{
	if (memcmp(in, TL_DATA_MAGIC, 4) != 0)
		return tl_err_set(err, EPROTO, "data greeting: bad magic");
	if (get16(in + 4) != TL_PROTO_VERSION)
		return tl_err_set(err, EPROTONOSUPPORT, "data greeting: protocol version %u, expected %u",
				  get16(in + 4), TL_PROTO_VERSION);
	if (get16(in + 6) != 0)
		return tl_err_set(err, EPROTO, "data greeting: reserved field is %u, must be 0",
				  get16(in + 6));
	memcpy(out->cookie, in + 8, TL_COOKIE_LEN);
	out->flow_id = get32(in + 24);
	return 0;
}

static int wait_fd(int fd, short events, uint64_t deadline_ns, const char *what, struct tl_err *err)
{
	for (;;) {
		uint64_t now = tl_now_ns();
		if (now >= deadline_ns)
			return tl_err_set(err, ETIMEDOUT, "%s: timed out", what);
		struct pollfd p = { .fd = fd, .events = events };
		int rc = poll(&p, 1, tl_ms_until(deadline_ns, now));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return tl_err_errno(err, "poll (%s)", what);
	}
}

int tl_io_write_all(int fd, const void *buf, size_t len, uint64_t deadline_ns, struct tl_err *err)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(fd, POLLOUT, deadline_ns, "send", err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return tl_err_set(err, EPIPE, "send: peer closed the connection");
		return tl_err_errno(err, "send");
	}
	return 0;
}

int tl_io_read_all(int fd, void *buf, size_t len, uint64_t deadline_ns, struct tl_err *err)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return tl_err_set(err, EPIPE, "recv: peer closed the connection");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int rc = wait_fd(fd, POLLIN, deadline_ns, "recv", err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (errno == ECONNRESET)
			return tl_err_set(err, EPIPE, "recv: peer reset the connection");
		return tl_err_errno(err, "recv");
	}
	return 0;
}

int tl_frame_write(int fd, uint16_t type, const void *payload, uint32_t len,
		   uint64_t deadline_ns, struct tl_err *err)
{
	/* Header and payload leave in one send: as two, Nagle holds the payload back until the
	 * header is acknowledged, and a delayed ACK makes that 40 ms; the START message would
	 * then reach the agent late and the two ends' windows would not line up. */
	uint8_t small[TL_FRAME_HDR_LEN + 4096];
	if (len <= sizeof(small) - TL_FRAME_HDR_LEN) {
		tl_frame_hdr_encode(small, type, len);
		if (len)
			memcpy(small + TL_FRAME_HDR_LEN, payload, len);
		return tl_io_write_all(fd, small, TL_FRAME_HDR_LEN + len, deadline_ns, err);
	}
	uint8_t hdr[TL_FRAME_HDR_LEN];
	tl_frame_hdr_encode(hdr, type, len);
	int rc = tl_io_write_all(fd, hdr, sizeof(hdr), deadline_ns, err);
	if (rc == 0)
		rc = tl_io_write_all(fd, payload, len, deadline_ns, err);
	return rc;
}

int tl_frame_read(int fd, uint32_t max_len, struct tl_frame_hdr *hdr, char **payload,
		  uint64_t deadline_ns, struct tl_err *err)
{
	uint8_t raw[TL_FRAME_HDR_LEN];
	*payload = NULL;
	int rc = tl_io_read_all(fd, raw, sizeof(raw), deadline_ns, err);
	if (rc < 0)
		return rc;
	rc = tl_frame_hdr_decode(raw, max_len, hdr, err);
	if (rc < 0)
		return rc;
	char *buf = malloc((size_t)hdr->len + 1);
	if (!buf)
		return tl_err_set(err, ENOMEM, "control frame: cannot allocate %u bytes", hdr->len);
	rc = tl_io_read_all(fd, buf, hdr->len, deadline_ns, err);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[hdr->len] = '\0';
	*payload = buf;
	return 0;
}
