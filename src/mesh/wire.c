#include "mesh/wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

void tl_mesh_hello_encode(const struct tl_mesh_hello *h, uint8_t out[TL_MESH_HELLO_LEN])
{
	put32(out, TL_MESH_HELLO_MAGIC);
	put16(out + 4, TL_MESH_VERSION);
	put16(out + 6, 0);
	put32(out + 8, h->rank);
	put32(out + 12, h->run_id);
}

int tl_mesh_hello_decode(const uint8_t in[TL_MESH_HELLO_LEN], struct tl_mesh_hello *h,
			 struct tl_err *err)
{
	if (get32(in) != TL_MESH_HELLO_MAGIC)
		return tl_err_set(err, EPROTO, "mesh hello: magic 0x%08x, want 0x%08x (not a tcplab mesh "
				  "rank on this port)", get32(in), TL_MESH_HELLO_MAGIC);
	if (get16(in + 4) != TL_MESH_VERSION)
		return tl_err_set(err, EPROTO, "mesh hello: version %u, this tcplab speaks %u (run the same "
				  "tcplab on every rank)", get16(in + 4), TL_MESH_VERSION);
	h->rank = get32(in + 8);
	h->run_id = get32(in + 12);
	return 0;
}

void tl_mesh_msg_encode(const struct tl_mesh_msg *m, uint8_t *out)
{
	out[0] = TL_MESH_VERSION;
	out[1] = m->kind;
	put16(out + 2, 0);
	put32(out + 4, m->length);
	put32(out + 8, m->sender);
	put32(out + 12, m->token);
	put32(out + 16, m->origin);
	put32(out + 20, 0);
	put64(out + 24, m->hops);
	put64(out + 32, m->sent_ns);
}

int tl_mesh_msg_decode(const uint8_t *in, uint32_t expect_len, struct tl_mesh_msg *m,
		       struct tl_err *err)
{
	if (in[0] != TL_MESH_VERSION)
		return tl_err_set(err, EPROTO, "mesh message: version %u, want %u", in[0], TL_MESH_VERSION);
	if (in[1] != TL_MESH_TOKEN && in[1] != TL_MESH_MARKER)
		return tl_err_set(err, EPROTO, "mesh message: unknown kind %u", in[1]);
	if (get16(in + 2) != 0 || get32(in + 20) != 0)
		return tl_err_set(err, EPROTO, "mesh message: reserved fields not zero (framing lost?)");
	m->kind = in[1];
	m->length = get32(in + 4);
	if (m->length != expect_len)
		return tl_err_set(err, EPROTO, "mesh message: length %u, the run's message size is %u "
				  "(framing lost?)", m->length, expect_len);
	m->sender = get32(in + 8);
	m->token = get32(in + 12);
	m->origin = get32(in + 16);
	m->hops = get64(in + 24);
	m->sent_ns = get64(in + 32);
	return 0;
}

/* Waits for fd to be ready for events until deadline; 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, uint64_t deadline_ns, struct tl_err *err)
{
	for (;;) {
		uint64_t now = tl_now_ns();
		if (now >= deadline_ns)
			return tl_err_set(err, ETIMEDOUT, "control channel: timed out");
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, tl_ms_until(deadline_ns, now));
		if (n < 0 && errno != EINTR)
			return tl_err_errno(err, "poll on the control channel");
		if (n > 0)
			return 0;
	}
}

int tl_mesh_ctl_send(int fd, const json_t *msg, int timeout_ms, struct tl_err *err)
{
	int ret = -1;
	char *text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return tl_err_set(err, ENOMEM, "control message: json_dumps failed");
	size_t n = strlen(text);
	if (n == 0 || n > TL_MESH_CTL_MAX) {
		ret = tl_err_set(err, EMSGSIZE, "control message of %zu bytes (at most %u)", n, TL_MESH_CTL_MAX);
		goto out;
	}
	uint8_t hdr[4];
	put32(hdr, (uint32_t)n);
	uint64_t deadline = tl_now_ns() + (uint64_t)timeout_ms * TL_NSEC_PER_MSEC;
	size_t off = 0, total = n + 4;
	while (off < total) {
		const void *p = off < 4 ? (const void *)(hdr + off) : (const void *)(text + off - 4);
		size_t len = off < 4 ? 4 - off : total - off;
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if ((ret = wait_fd(fd, POLLOUT, deadline, err)) < 0)
				goto out;
			continue;
		}
		ret = tl_err_errno(err, "send on the control channel");
		goto out;
	}
	ret = 0;
out:
	free(text);
	return ret;
}

void tl_mesh_ctl_reader_free(struct tl_mesh_ctl_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* A whole message at the front of r->buf: 1 and *msg, 0 if incomplete, or -EPROTO. */
static int take_message(struct tl_mesh_ctl_reader *r, json_t **msg, struct tl_err *err)
{
	if (r->len < 4)
		return 0;
	uint32_t n = get32(r->buf);
	uint32_t max = r->max ? r->max : TL_MESH_CTL_MAX;
	if (n == 0 || n > max)
		return tl_err_set(err, EPROTO, "control message length %u (1..%u)", n, max);
	if (r->len < 4 + (size_t)n)
		return 0;
	json_error_t je;
	json_t *j = json_loadb((const char *)r->buf + 4, n, 0, &je);
	memmove(r->buf, r->buf + 4 + n, r->len - 4 - n);
	r->len -= 4 + n;
	if (!j || !json_is_object(j) || !json_is_string(json_object_get(j, "type"))) {
		json_decref(j);
		return tl_err_set(err, EPROTO, "control message: not a JSON object with a type (%s)",
				  j ? "no type" : je.text);
	}
	*msg = j;
	return 1;
}

int tl_mesh_ctl_recv(int fd, struct tl_mesh_ctl_reader *r, json_t **msg, struct tl_err *err)
{
	int rc = take_message(r, msg, err);
	if (rc != 0)
		return rc;
	for (;;) {
		if (r->cap - r->len < 4096) {
			size_t want = r->cap ? r->cap * 2 : 8192;
			uint32_t max = r->max ? r->max : TL_MESH_CTL_MAX;
			if (want > (size_t)max + 8192)
				return tl_err_set(err, EPROTO, "control message larger than %u bytes", max);
			uint8_t *nb = realloc(r->buf, want);
			if (!nb)
				return tl_err_set(err, ENOMEM, "control reader: out of memory");
			r->buf = nb;
			r->cap = want;
		}
		ssize_t got = recv(fd, r->buf + r->len, r->cap - r->len, 0);
		if (got > 0) {
			r->len += (size_t)got;
			rc = take_message(r, msg, err);
			if (rc != 0)
				return rc;
			continue;
		}
		if (got == 0)
			return tl_err_set(err, EPIPE, "control channel closed by the other side");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		return tl_err_errno(err, "recv on the control channel");
	}
}

int tl_mesh_ctl_wait(int fd, struct tl_mesh_ctl_reader *r, json_t **msg, int timeout_ms,
		     struct tl_err *err)
{
	uint64_t deadline = tl_now_ns() + (uint64_t)timeout_ms * TL_NSEC_PER_MSEC;
	for (;;) {
		int rc = tl_mesh_ctl_recv(fd, r, msg, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (strcmp(tl_mesh_ctl_type(*msg), "error") == 0) {
				const char *m = json_string_value(json_object_get(*msg, "msg"));
				tl_err_set(err, ECONNABORTED, "%s", m ? m : "the other side gave up");
				json_decref(*msg);
				*msg = NULL;
				return -ECONNABORTED;
			}
			return 1;
		}
		if ((rc = wait_fd(fd, POLLIN, deadline, err)) < 0)
			return rc;
	}
}

const char *tl_mesh_ctl_type(const json_t *msg)
{
	const char *t = json_string_value(json_object_get(msg, "type"));
	return t ? t : "";
}
