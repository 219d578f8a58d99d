#include "mesh/wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/wire.h"
#include "util/clock.h"
#include "util/err.h"

void tl_mesh_hello_encode(const struct tl_mesh_hello *h, uint8_t out[TL_MESH_HELLO_LEN])
{
	tl_put_be32(out, TL_MESH_HELLO_MAGIC);
	tl_put_be16(out + 4, TL_MESH_VERSION);
	tl_put_be16(out + 6, 0);
	tl_put_be32(out + 8, h->rank);
	tl_put_be32(out + 12, h->run_id);
}

int tl_mesh_hello_decode(const uint8_t in[TL_MESH_HELLO_LEN], struct tl_mesh_hello *h,
			 struct tl_err *err)
{
	if (tl_get_be32(in) != TL_MESH_HELLO_MAGIC)
		return tl_err_set(err, EPROTO, "mesh hello: magic 0x%08x, want 0x%08x (not a tcplab mesh "
				  "rank on this port)", tl_get_be32(in), TL_MESH_HELLO_MAGIC);
	if (tl_get_be16(in + 4) != TL_MESH_VERSION)
		return tl_err_set(err, EPROTO, "mesh hello: version %u, this tcplab speaks %u (run the same "
				  "tcplab on every rank)", tl_get_be16(in + 4), TL_MESH_VERSION);
	h->rank = tl_get_be32(in + 8);
	h->run_id = tl_get_be32(in + 12);
	return 0;
}

void tl_mesh_msg_encode(const struct tl_mesh_msg *m, uint8_t *out)
{
	out[0] = TL_MESH_VERSION;
	out[1] = m->kind;
	tl_put_be16(out + 2, 0);
	tl_put_be32(out + 4, m->length);
	tl_put_be32(out + 8, m->sender);
	tl_put_be32(out + 12, m->token);
	tl_put_be32(out + 16, m->origin);
	tl_put_be32(out + 20, 0);
	tl_put_be64(out + 24, m->hops);
	tl_put_be64(out + 32, m->sent_ns);
}

int tl_mesh_msg_decode(const uint8_t *in, uint32_t expect_len, struct tl_mesh_msg *m,
		       struct tl_err *err)
{
	if (in[0] != TL_MESH_VERSION)
		return tl_err_set(err, EPROTO, "mesh message: version %u, want %u", in[0], TL_MESH_VERSION);
	if (in[1] != TL_MESH_TOKEN && in[1] != TL_MESH_MARKER)
		return tl_err_set(err, EPROTO, "mesh message: unknown kind %u", in[1]);
	if (tl_get_be16(in + 2) != 0 || tl_get_be32(in + 20) != 0)
		return tl_err_set(err, EPROTO, "mesh message: reserved fields not zero (framing lost?)");
	m->kind = in[1];
	m->length = tl_get_be32(in + 4);
	if (m->length != expect_len)
		return tl_err_set(err, EPROTO, "mesh message: length %u, the run's message size is %u "
				  "(framing lost?)", m->length, expect_len);
	m->sender = tl_get_be32(in + 8);
	m->token = tl_get_be32(in + 12);
	m->origin = tl_get_be32(in + 16);
	m->hops = tl_get_be64(in + 24);
	m->sent_ns = tl_get_be64(in + 32);
	return 0;
}

/* Who is at the other end, as the wire kit's messages name it. */
#define CTL_PEER "the mesh control channel's other end (a rank or the coordinator)"

int tl_mesh_ctl_send(int fd, const json_t *msg, int timeout_ms, struct tl_err *err)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return tl_err_set(err, ENOMEM, "control message: json_dumps failed");
	uint64_t deadline = tl_now_ns() + (uint64_t)timeout_ms * TL_NSEC_PER_MSEC;
	int ret = tl_wire_frame_send(fd, text, strlen(text), TL_MESH_CTL_MAX, deadline, -1,
				     CTL_PEER, err);
	free(text);
	return ret;
}

void tl_mesh_ctl_reader_free(struct tl_mesh_ctl_reader *r)
{
	if (r)
		tl_wire_reader_free(&r->w);
}

/* A whole message in the reader: 1 and *msg, 0 if incomplete, or -EPROTO. */
static int take_message(struct tl_mesh_ctl_reader *r, json_t **msg, struct tl_err *err)
{
	const uint8_t *body;
	size_t n;
	int rc = tl_wire_reader_take(&r->w, &body, &n, CTL_PEER, err);
	if (rc <= 0)
		return rc == -EMSGSIZE ? -EPROTO : rc;
	json_error_t je;
	json_t *j = json_loadb((const char *)body, n, 0, &je);
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
	if (r->w.max == 0)
		tl_wire_reader_init(&r->w, TL_MESH_CTL_MAX);
	for (;;) {
		int rc = take_message(r, msg, err);
		if (rc != 0)
			return rc;
		rc = tl_wire_reader_fill(fd, &r->w, CTL_PEER, err);
		if (rc == -ECONNRESET)
			return tl_err_set(err, EPIPE, "control channel closed by the other side");
		if (rc <= 0)
			return rc;
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
		if ((rc = tl_wire_wait(fd, POLLIN, deadline, -1, CTL_PEER, err)) < 0)
			return rc;
	}
}

const char *tl_mesh_ctl_type(const json_t *msg)
{
	const char *t = json_string_value(json_object_get(msg, "type"));
	return t ? t : "";
}
