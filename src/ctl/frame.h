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
 * Reads and writes loop over short transfers until the whole frame moved or a deadline passed.
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
 * Moves exactly len bytes, looping over short transfers and EINTR/EAGAIN, until deadline_ns
 * (CLOCK_MONOTONIC). Works on blocking and non-blocking sockets. Returns 0, -ETIMEDOUT,
 * -EPIPE when the peer closed (read side: EOF), or another negative errno.
 */
int tl_io_write_all(int fd, const void *buf, size_t len, uint64_t deadline_ns, struct tl_err *err);
int tl_io_read_all(int fd, void *buf, size_t len, uint64_t deadline_ns, struct tl_err *err);

/* One frame out: header then payload. */
int tl_frame_write(int fd, uint16_t type, const void *payload, uint32_t len,
		   uint64_t deadline_ns, struct tl_err *err);
/*
 * One frame in. The payload is malloc'd, NUL-terminated (for the JSON parser) and owned by
 * the caller. max_len bounds what is accepted before any memory is allocated.
 */
int tl_frame_read(int fd, uint32_t max_len, struct tl_frame_hdr *hdr, char **payload,
		  uint64_t deadline_ns, struct tl_err *err);

#endif
