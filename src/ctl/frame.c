/*
 * The control connection's frames (12-byte header, see ctl/frame.h) and the data
 * connections' greeting. Byte order, whole transfers and deadline waits are the wire kit's
 * (net/wire.h); what stays here is what only ctl has: the header's fields, its checks, and
 * the peer's name for the kit's messages. The kit's own frames (a bare u32 length) are not
 * used: this header also carries a magic, a version and a type, and it is the protocol that
 * deployed agents speak.
 */
#include "ctl/frame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "net/wire.h"

/* Frames up to this size leave from a buffer on the stack, header and payload together. */
#define FRAME_SMALL 4096

const char *tl_frame_peer(int fd, char *buf, size_t len)
{
	struct tl_addr a;
	char where[80];
	if (tl_addr_peer(fd, &a, NULL) < 0 ||
	    (a.ss.ss_family != AF_INET && a.ss.ss_family != AF_INET6))
		snprintf(buf, len, "the tcplab peer");
	else
		snprintf(buf, len, "tcplab at %s", tl_addr_str(&a, where, sizeof(where)));
	return buf;
}

void tl_frame_hdr_encode(uint8_t out[TL_FRAME_HDR_LEN], uint16_t type, uint32_t len)
{
	memcpy(out, TL_FRAME_MAGIC, 4);
	tl_put_be16(out + 4, TL_PROTO_VERSION);
	tl_put_be16(out + 6, type);
	tl_put_be32(out + 8, len);
}

int tl_frame_hdr_decode(const uint8_t in[TL_FRAME_HDR_LEN], uint32_t max_len,
			struct tl_frame_hdr *out, struct tl_err *err)
{
	if (memcmp(in, TL_FRAME_MAGIC, 4) != 0)
		return tl_err_set(err, EPROTO, "control frame: bad magic %02x%02x%02x%02x (not a tcplab "
				  "peer, or the stream lost its framing)", in[0], in[1], in[2], in[3]);
	out->version = tl_get_be16(in + 4);
	out->type = tl_get_be16(in + 6);
	out->len = tl_get_be32(in + 8);
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
	tl_put_be16(out + 4, TL_PROTO_VERSION);
	tl_put_be16(out + 6, 0);
	memcpy(out + 8, h->cookie, TL_COOKIE_LEN);
	tl_put_be32(out + 24, h->flow_id);
}

int tl_data_hello_decode(const uint8_t in[TL_DATA_HELLO_LEN], struct tl_data_hello *out,
			 struct tl_err *err)
{
	if (memcmp(in, TL_DATA_MAGIC, 4) != 0)
		return tl_err_set(err, EPROTO, "data greeting: bad magic");
	if (tl_get_be16(in + 4) != TL_PROTO_VERSION)
		return tl_err_set(err, EPROTONOSUPPORT, "data greeting: protocol version %u, expected %u",
				  tl_get_be16(in + 4), TL_PROTO_VERSION);
	if (tl_get_be16(in + 6) != 0)
		return tl_err_set(err, EPROTO, "data greeting: reserved field is %u, must be 0",
				  tl_get_be16(in + 6));
	memcpy(out->cookie, in + 8, TL_COOKIE_LEN);
	out->flow_id = tl_get_be32(in + 24);
	return 0;
}

int tl_frame_write(int fd, uint16_t type, const void *payload, uint32_t len,
		   uint64_t deadline_ns, struct tl_err *err)
{
	/* Header and payload leave in one send: as two, Nagle holds the payload back until the
	 * header is acknowledged, and a delayed ACK makes that 40 ms; the START message would
	 * then reach the agent late and the two ends' windows would not line up. */
	uint8_t small[TL_FRAME_HDR_LEN + FRAME_SMALL];
	char peer[96];
	size_t total = TL_FRAME_HDR_LEN + (size_t)len;
	uint8_t *buf = total <= sizeof(small) ? small : malloc(total);
	if (!buf)
		return tl_err_set(err, ENOMEM, "control frame: out of memory for %zu bytes", total);
	tl_frame_hdr_encode(buf, type, len);
	if (len)
		memcpy(buf + TL_FRAME_HDR_LEN, payload, len);
	int rc = tl_wire_write_all(fd, buf, total, deadline_ns, -1,
				   tl_frame_peer(fd, peer, sizeof(peer)), err);
	if (buf != small)
		free(buf);
	return rc;
}

int tl_frame_read_hdr(int fd, uint32_t max_len, struct tl_frame_hdr *hdr, uint64_t deadline_ns,
		      struct tl_err *err)
{
	uint8_t raw[TL_FRAME_HDR_LEN];
	char peer[96];
	tl_frame_peer(fd, peer, sizeof(peer));
	int rc = tl_wire_read_exact(fd, raw, sizeof(raw), deadline_ns, -1, peer, err);
	if (rc == 0 && (rc = tl_frame_hdr_decode(raw, max_len, hdr, err)) < 0)
		tl_err_prefix(err, "from %s", peer);
	return rc;
}

int tl_frame_read_payload(int fd, const struct tl_frame_hdr *hdr, char **payload,
			  uint64_t deadline_ns, struct tl_err *err)
{
	char peer[96];
	*payload = NULL;
	char *buf = malloc((size_t)hdr->len + 1);
	if (!buf)
		return tl_err_set(err, ENOMEM, "control frame: cannot allocate %u bytes", hdr->len);
	int rc = tl_wire_read_exact(fd, buf, hdr->len, deadline_ns, -1,
				    tl_frame_peer(fd, peer, sizeof(peer)), err);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[hdr->len] = '\0';
	*payload = buf;
	return 0;
}

int tl_frame_read(int fd, uint32_t max_len, struct tl_frame_hdr *hdr, char **payload,
		  uint64_t deadline_ns, struct tl_err *err)
{
	*payload = NULL;
	int rc = tl_frame_read_hdr(fd, max_len, hdr, deadline_ns, err);
	return rc < 0 ? rc : tl_frame_read_payload(fd, hdr, payload, deadline_ns, err);
}
