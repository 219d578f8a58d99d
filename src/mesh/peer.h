#ifndef TCPLAB_MESH_PEER_H
#define TCPLAB_MESH_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

struct tl_err;

/*
 * One data connection of a rank, seen from that rank: the fixed-size messages that arrived
 * in part, and the bytes queued for a peer that is not reading fast enough. Private to
 * src/mesh/.
 */
struct tl_mesh_peer {
	int fd;
	uint8_t *in;             /* bytes of a message not yet whole */
	size_t in_len, in_cap;
	uint8_t *out;            /* bytes not yet written: out[out_head .. out_head + out_len) */
	size_t out_head, out_len, out_cap;
	int pollout;             /* EPOLLOUT is armed */
	int marker_in;           /* the peer sent its marker: nothing more will come */
	uint64_t sent, received;
};

/* Appends len bytes from a message to the queue; the encoded header goes in *slot. */
int tl_mesh_peer_queue(struct tl_mesh_peer *p, size_t len, uint8_t **slot, struct tl_err *err);

/*
 * Writes what is queued. 0 when all was written, 1 when the socket is full (arm EPOLLOUT),
 * or -errno.
 */
int tl_mesh_peer_flush(struct tl_mesh_peer *p, struct tl_err *err);

/*
 * Reads once into the input buffer (sized for whole messages of msg_len). >0 bytes read,
 * 0 for EAGAIN, -EPIPE when the peer closed, or -errno.
 */
long tl_mesh_peer_read(struct tl_mesh_peer *p, size_t msg_len, struct tl_err *err);

/* Drops the first n bytes of the input buffer (the messages consumed). */
void tl_mesh_peer_consume(struct tl_mesh_peer *p, size_t n);

void tl_mesh_peer_free(struct tl_mesh_peer *p);

/*
 * The set-up phase: connects to every higher rank (sending a hello), accepts one connection
 * from every lower rank (reading its hello), all at once with non-blocking sockets so no
 * order between ranks can deadlock. peers[] has n entries; peers[i].fd is set for every
 * i != self. ctl_fd is watched: the coordinator closing it aborts the set-up.
 */
struct tl_mesh_setup {
	uint32_t self, n, run_id;
	int listen_fd;
	int ctl_fd;
	const struct tl_addr *addrs;   /* n addresses: where each rank listens */
	uint64_t deadline_ns;
};

int tl_mesh_setup_connect(const struct tl_mesh_setup *s, struct tl_mesh_peer *peers,
			  struct tl_err *err);

#endif
