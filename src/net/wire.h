#ifndef TCPLAB_NET_WIRE_H
#define TCPLAB_NET_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/*
 * The wire kit: what every control or job protocol of tcplab needs to put bytes on a
 * socket and take them off again, written once.
 *   - Byte order: fields travel big-endian, one by one, never as raw structs.
 *   - Waiting: poll() with an absolute CLOCK_MONOTONIC deadline and an optional stop fd
 *     (an eventfd; -1 for none), so every exchange ends on time.
 *   - write-all / read-exact: short writes and short reads are looped, a partial recv()
 *     is not lost data. Every send and recv is MSG_DONTWAIT, so the deadline holds on a
 *     blocking socket too.
 *   - Frames: a u32 big-endian length, then that many bytes, with a limit checked before
 *     anything is allocated; a reader that assembles frames across partial reads.
 * One error convention: the return value is 0 (or a count) or a negative errno, and err gets
 * one sentence naming the peer (the caller's words: "job server 127.0.0.1:5300", "rank 3")
 * and what to do about it. Outcomes a caller acts on:
 *   -ETIMEDOUT    the deadline passed
 *   -ECANCELED    stop_fd became readable
 *   -ECONNRESET   the peer closed (EOF) or reset before all bytes moved
 *   -EMSGSIZE     a frame over its limit (sending or receiving)
 *   -EPROTO       a frame length of 0
 * The engine's data path does not use this: it is what tcplab measures, and stays raw.
 */

static inline void tl_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tl_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void tl_put_be64(uint8_t *p, uint64_t v)
{
	tl_put_be32(p, (uint32_t)(v >> 32));
	tl_put_be32(p + 4, (uint32_t)v);
}

static inline uint16_t tl_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t tl_get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t tl_get_be64(const uint8_t *p)
{
	return ((uint64_t)tl_get_be32(p) << 32) | tl_get_be32(p + 4);
}

/* The length prefix of a frame. */
#define TL_WIRE_FRAME_HDR 4

/*
 * Waits until fd is ready for events (POLLIN/POLLOUT), the deadline passes or stop_fd
 * fires. fd < 0 waits for the deadline and stop_fd only. 0, -ETIMEDOUT, -ECANCELED or
 * -errno; err (may be NULL) names peer.
 */
int tl_wire_wait(int fd, short events, uint64_t deadline_ns, int stop_fd, const char *peer,
		 struct tl_err *err);

/*
 * Sends what the socket takes now, without waiting: the count sent (0 when it takes nothing
 * yet), or -ECONNRESET / -errno. For a loop that waits in its own epoll and must not block
 * (the testbed forwarder's control answers).
 */
ssize_t tl_wire_write_some(int fd, const void *buf, size_t len, const char *peer,
			   struct tl_err *err);

/* Sends all len bytes of buf (MSG_NOSIGNAL: a closed peer is -ECONNRESET, not SIGPIPE). */
int tl_wire_write_all(int fd, const void *buf, size_t len, uint64_t deadline_ns, int stop_fd,
		      const char *peer, struct tl_err *err);

/* Receives exactly len bytes into buf; EOF is -ECONNRESET. */
int tl_wire_read_exact(int fd, void *buf, size_t len, uint64_t deadline_ns, int stop_fd,
		       const char *peer, struct tl_err *err);

/* Sends one frame: the length (1..max) then body, as one write-all. */
int tl_wire_frame_send(int fd, const void *body, size_t len, size_t max, uint64_t deadline_ns,
		       int stop_fd, const char *peer, struct tl_err *err);

/*
 * Assembles frames from a non-blocking socket. Memory grows with the frames that arrive
 * and never beyond max + TL_WIRE_FRAME_HDR plus one read's worth; a longer frame is
 * refused from its length alone.
 */
struct tl_wire_reader {
	uint8_t *buf;
	size_t len, cap;
	size_t max;          /* the largest body accepted */
	size_t taken;        /* bytes of the frame handed out by the last take, freed by the next */
};

void tl_wire_reader_init(struct tl_wire_reader *r, size_t max);
void tl_wire_reader_free(struct tl_wire_reader *r);

/*
 * Hands out the next whole frame already read: 1 with *body and *len (valid until the next
 * call on r), 0 when more bytes are needed, or -EMSGSIZE / -EPROTO for a bad length.
 */
int tl_wire_reader_take(struct tl_wire_reader *r, const uint8_t **body, size_t *len,
			const char *peer, struct tl_err *err);

/*
 * Reads what fd has without blocking: 1 when something arrived, 0 on EAGAIN, -ECONNRESET
 * when the peer closed, -ENOMEM, or -errno. Call tl_wire_reader_take afterwards.
 */
int tl_wire_reader_fill(int fd, struct tl_wire_reader *r, const char *peer, struct tl_err *err);

/* take, fill and wait until a whole frame is there: 1 with *body and *len, or a negative errno. */
int tl_wire_frame_recv(int fd, struct tl_wire_reader *r, const uint8_t **body, size_t *len,
		       uint64_t deadline_ns, int stop_fd, const char *peer, struct tl_err *err);

#endif
