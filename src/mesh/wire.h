#ifndef TCPLAB_MESH_WIRE_H
#define TCPLAB_MESH_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "net/wire.h"

struct tl_err;

/*
 * What travels between ranks, and between ranks and the coordinator.
 *
 * 1. Data connections (one per pair of ranks; the lower rank listens, the higher connects).
 *    The connecting rank first sends a HELLO of TL_MESH_HELLO_LEN bytes, big-endian:
 *        0  u32 magic "TLMH"   4  u16 version (1)   6  u16 reserved (0)
 *        8  u32 sender rank   12  u32 run id (from the coordinator's table)
 *    Then both directions carry fixed-size messages of exactly --message-size bytes (the
 *    same for the whole run, agreed in the table), read with a loop until whole:
 *        0  u8  version (1)         1  u8  kind (1 token, 2 marker)
 *        2  u16 reserved (0)        4  u32 length: the whole message, == --message-size
 *        8  u32 sender rank        12  u32 token id
 *       16  u32 origin rank        20  u32 reserved (0)
 *       24  u64 hops: the hop count the token has after this hop
 *       32  u64 sent_ns: CLOCK_MONOTONIC when the sender queued it (one clock per host)
 *       40  payload (zeros) up to length
 *    A MARKER says "the sender will send nothing more on this connection": after a rank
 *    stops forwarding it sends one on every connection, and a rank that has a marker from
 *    every peer knows every token sent to it has arrived (streams keep their order).
 *
 * 2. Control channel (rank <-> coordinator: a socketpair when forked here, TCP otherwise).
 *    Each message is a u32 big-endian length (1..TL_MESH_CTL_MAX) and that many bytes of a
 *    JSON object with a "type". The sequence:
 *        rank  -> coord  hello  {rank, size, spec, port | path, [addr], host_id, netns_id, pid}
 *        coord -> rank   table  {run_id, peers: [{addr, port} | {path}, ...]}
 *        rank  -> coord  ready  (every data connection is up)
 *        coord -> rank   start       (take the window's first samples)
 *        rank  -> coord  armed
 *        coord -> rank   go          (inject tokens: the window runs)
 *        rank  -> coord  parked {n}  (--hops: n tokens reached their hop budget)
 *        coord -> rank   stop        (--hops: all tokens parked; or the run is cut short)
 *        rank  -> coord  final  {tokens held, counts, histogram, cpu, counters}
 *        coord -> rank   done        (every rank is final: connections may be reset)
 *    Either side may send {"type": "error", "msg": ...} instead, and closes.
 */

#define TL_MESH_HELLO_LEN 16
#define TL_MESH_HELLO_MAGIC 0x544c4d48u /* "TLMH" */
#define TL_MESH_VERSION 1
#define TL_MESH_HEADER_LEN 40
#define TL_MESH_MAX_MESSAGE (1u << 20)
#define TL_MESH_CTL_MAX (64u << 20)
/* Until a connection has said hello, its messages are small: a stray or hostile connection to
 * rank 0's port costs at most this much memory before it is refused. */
#define TL_MESH_HELLO_MAX (64u << 10)

enum tl_mesh_kind {
	TL_MESH_TOKEN = 1,
	TL_MESH_MARKER = 2,
};

struct tl_mesh_hello {
	uint32_t rank;
	uint32_t run_id;
};

struct tl_mesh_msg {
	uint8_t kind;
	uint32_t length;
	uint32_t sender;
	uint32_t token;
	uint32_t origin;
	uint64_t hops;
	uint64_t sent_ns;
};

void tl_mesh_hello_encode(const struct tl_mesh_hello *h, uint8_t out[TL_MESH_HELLO_LEN]);
/* 0, or -EPROTO when the magic or version is wrong (err says which). */
int tl_mesh_hello_decode(const uint8_t in[TL_MESH_HELLO_LEN], struct tl_mesh_hello *h,
			 struct tl_err *err);

/* Writes the header into out[0..TL_MESH_HEADER_LEN); the caller owns the payload bytes. */
void tl_mesh_msg_encode(const struct tl_mesh_msg *m, uint8_t *out);
/*
 * Reads a header and checks what one header can: version, kind, reserved fields zero and
 * length == expect_len. 0 or -EPROTO with the reason.
 */
int tl_mesh_msg_decode(const uint8_t *in, uint32_t expect_len, struct tl_mesh_msg *m,
		       struct tl_err *err);

/*
 * Control messages. tl_mesh_ctl_send writes one whole message (looping over short writes
 * and waiting with poll on a non-blocking fd, up to timeout_ms). 0 or -errno.
 */
int tl_mesh_ctl_send(int fd, const json_t *msg, int timeout_ms, struct tl_err *err);

/* A reader that assembles messages from a non-blocking fd across partial reads (the wire
 * kit's frame reader; zero-initialised is ready to use). */
struct tl_mesh_ctl_reader {
	struct tl_wire_reader w;
};

void tl_mesh_ctl_reader_free(struct tl_mesh_ctl_reader *r);

/*
 * Reads what fd has and returns 1 with *msg (a new reference, an object with a string
 * "type") when a whole message is there, 0 when more bytes are needed (EAGAIN), or a
 * negative errno: -EPIPE when the peer closed, -EPROTO for a bad length or bad JSON. Call
 * it again after a 1: a read may have brought several messages.
 */
int tl_mesh_ctl_recv(int fd, struct tl_mesh_ctl_reader *r, json_t **msg, struct tl_err *err);

/*
 * Blocks (poll) until one message arrives or timeout_ms passes (-ETIMEDOUT). An "error"
 * message from the other side is returned as -ECONNABORTED with its text in err.
 */
int tl_mesh_ctl_wait(int fd, struct tl_mesh_ctl_reader *r, json_t **msg, int timeout_ms,
		     struct tl_err *err);

/* The message's "type" ("" when absent). */
const char *tl_mesh_ctl_type(const json_t *msg);

#endif
