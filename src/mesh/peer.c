#include "mesh/peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/err.h"

int tl_mesh_peer_queue(struct tl_mesh_peer *p, size_t len, uint8_t **slot, struct tl_err *err)
{
	/* Slide what is left to the front before growing: the queue is usually empty. */
	if (p->out_head && p->out_head + p->out_len + len > p->out_cap) {
		memmove(p->out, p->out + p->out_head, p->out_len);
		p->out_head = 0;
	}
	if (p->out_head + p->out_len + len > p->out_cap) {
		size_t cap = p->out_cap ? p->out_cap : 4096;
		while (cap < p->out_len + len)
			cap *= 2;
		uint8_t *nb = realloc(p->out, cap);
		if (!nb)
			return tl_err_set(err, ENOMEM, "send queue of %zu bytes: out of memory", cap);
		p->out = nb;
		p->out_cap = cap;
	}
	*slot = p->out + p->out_head + p->out_len;
	memset(*slot, 0, len);
	p->out_len += len;
	return 0;
}

int tl_mesh_peer_flush(struct tl_mesh_peer *p, struct tl_err *err)
{
	while (p->out_len) {
		ssize_t w = send(p->fd, p->out + p->out_head, p->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p->out_head += (size_t)w;
			p->out_len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 1;
		return tl_err_errno(err, "send");
	}
	p->out_head = 0;
	return 0;
}

long tl_mesh_peer_read(struct tl_mesh_peer *p, size_t msg_len, struct tl_err *err)
{
	if (!p->in) {
		/* Room for several messages, so one read can bring a burst, but bounded per peer. */
		size_t cap = msg_len * 8 < 65536 ? msg_len * 8 : 65536;
		if (cap < msg_len)
			cap = msg_len;
		p->in = malloc(cap);
		if (!p->in)
			return tl_err_set(err, ENOMEM, "receive buffer of %zu bytes: out of memory", cap);
		p->in_cap = cap;
	}
	for (;;) {
		ssize_t r = recv(p->fd, p->in + p->in_len, p->in_cap - p->in_len, MSG_DONTWAIT);
		if (r > 0) {
			p->in_len += (size_t)r;
			return (long)r;
		}
		if (r == 0)
			return tl_err_set(err, EPIPE, "connection closed by the peer");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		return tl_err_errno(err, "recv");
	}
}

void tl_mesh_peer_consume(struct tl_mesh_peer *p, size_t n)
{
	if (n >= p->in_len) {
		p->in_len = 0;
		return;
	}
	memmove(p->in, p->in + n, p->in_len - n);
	p->in_len -= n;
}

void tl_mesh_peer_free(struct tl_mesh_peer *p)
{
	if (!p)
		return;
	free(p->in);
	free(p->out);
	p->in = p->out = NULL;
	p->in_len = p->in_cap = p->out_head = p->out_len = p->out_cap = 0;
}
