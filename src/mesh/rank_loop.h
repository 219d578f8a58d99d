#ifndef TCPLAB_MESH_RANK_LOOP_H
#define TCPLAB_MESH_RANK_LOOP_H

#include "mesh/peer.h"
#include "mesh/rank_cfg.h"
#include "mesh/wire.h"

/*
 * The measured part of a rank, once every peer is connected and "ready" was sent: waits for
 * "start", injects the rank's tokens (token i starts at rank i mod n), forwards every token
 * that arrives, stops at the end of the window (--time) or on "stop" (--hops), sends a
 * marker on every connection, parks whatever still arrives until every peer's marker is
 * in, sends "final" and returns on "done". Private to src/mesh/.
 */
int tl_mesh_rank_loop(const struct tl_mesh_rank_cfg *cfg, struct tl_mesh_peer *peers,
		      struct tl_mesh_ctl_reader *ctl, struct tl_err *err);

/* Mixes a token id for the order-free checksum of held tokens (XOR of these). */
uint64_t tl_mesh_token_hash(uint32_t token);

#endif
