#ifndef TCPLAB_CTL_FRAME_H
#define TCPLAB_CTL_FRAME_H

/*
 * Framing of tcplab's control connection and the greeting of its data connections.
 *
 * TCP is a byte stream: one send() may arrive in several recv()s and several sends in one
 * (a partial recv() is not lost data). Every control message is therefore a frame with a fixed header:
 *
 *   offset 0  4 bytes  magic "TLAB"
 *          4  2 bytes  version (big-endian), currently 1
 *          6  2 bytes  message type (big-endian), see ctl/proto.h
 *          8  4 bytes  payload length (big-endian), bounded per type
 *         12  payload  a UTF-8 JSON object
 *
 * A data connection starts instead with a 28-byte greeting that ties it to its test:
 *
 *   offset 0  4 bytes  magic "TLDA"
 *          4  2 bytes  version (big-endian)
 *          6  2 bytes  reserved, zero
 *          8 16 bytes  the test's cookie (random, handed out by the agent)
 *         24  4 bytes  flow id (big-endian)
 *
 * Fields are big-endian (net/wire.h); reads and writes loop over short transfers until the
 * whole frame moved or a deadline passed (the wire kit's write-all and read-exact).
 */

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define TL_FRAME_MAGIC "TLAB"
#define TL_DATA_MAGIC "TLDA"
#define TL_PROTO_VERSION 1
#define TL_FRAME_HDR_LEN 12
#define TL_DATA_HELLO_LEN 28
#define TL_COOKIE_LEN 16

struct tl_frame_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t len;
};

struct tl_data_hello {
	uint8_t cookie[TL_COOKIE_LEN];
	uint32_t flow_id;
};

void tl_frame_hdr_encode(uint8_t out[TL_FRAME_HDR_LEN], uint16_t type, uint32_t len);
/* Checks magic, version and len <= max_len. */
int tl_frame_hdr_decode(const uint8_t in[TL_FRAME_HDR_LEN], uint32_t max_len,
			struct tl_frame_hdr *out, struct tl_err *err);

void tl_data_hello_encode(uint8_t out[TL_DATA_HELLO_LEN], const struct tl_data_hello *h);
int tl_data_hello_decode(const uint8_t in[TL_DATA_HELLO_LEN], struct tl_data_hello *out,
			 struct tl_err *err);

/*
 * "tcplab at 192.0.2.1:5201" (or "the tcplab peer" when fd has no IP peer) into buf: how
 * the wire kit's messages name the other end. Returns buf.
 */
const char *tl_frame_peer(int fd, char *buf, size_t len);

/*
 * Frame I/O over the wire kit (net/wire.h): short transfers are looped until deadline_ns
 * (CLOCK_MONOTONIC), on blocking and non-blocking sockets alike. Returns 0 or the kit's
 * negative errno: -ETIMEDOUT, -ECONNRESET when the peer closed or reset, another -errno;
 * err names the peer.
 */

/* One frame out: header and payload in one write. */
int tl_frame_write(int fd, uint16_t type, const void *payload, uint32_t len,
		   uint64_t deadline_ns, struct tl_err *err);

/*
 * A frame's header in, checked (magic, version, len <= max_len) before anything else is
 * read or allocated, so a caller can judge the type and size before taking the payload.
 */
int tl_frame_read_hdr(int fd, uint32_t max_len, struct tl_frame_hdr *hdr, uint64_t deadline_ns,
		      struct tl_err *err);
/* The payload hdr announced: malloc'd, NUL-terminated (for the JSON parser), the caller's. */
int tl_frame_read_payload(int fd, const struct tl_frame_hdr *hdr, char **payload,
			  uint64_t deadline_ns, struct tl_err *err);
/* Both: one frame in; *payload is NULL on failure. */
int tl_frame_read(int fd, uint32_t max_len, struct tl_frame_hdr *hdr, char **payload,
		  uint64_t deadline_ns, struct tl_err *err);

#endif
