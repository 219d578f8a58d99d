#ifndef TCPLAB_MESH_SPEC_H
#define TCPLAB_MESH_SPEC_H

#include <stdint.h>

#include <jansson.h>

#include "mesh/pattern.h"

struct tl_err;

/*
 * How tokens travel between ranks:
 *   tcp            TCP with the kernel's defaults (Nagle on)
 *   tcp-nodelay    TCP_NODELAY on both ends (what the seed's programs set)
 *   tcp-quickack   TCP_NODELAY, and TCP_QUICKACK set again after every receive: the option
 *                  "is not permanent" (tcp(7)), the kernel falls back to delayed ACKs
 *   unix           AF_UNIX stream sockets (no ACK clock at all)
 */
enum tl_mesh_transport {
	TL_MESH_TCP,
	TL_MESH_TCP_NODELAY,
	TL_MESH_TCP_QUICKACK,
	TL_MESH_UNIX,
};
#define TL_MESH_TRANSPORTS 4

int tl_mesh_transport_parse(const char *s, enum tl_mesh_transport *out, struct tl_err *err);
const char *tl_mesh_transport_name(enum tl_mesh_transport t);
static inline int tl_mesh_transport_is_tcp(enum tl_mesh_transport t)
{
	return t != TL_MESH_UNIX;
}

#define TL_MESH_MAX_RANKS 1024u
#define TL_MESH_MAX_TOKENS (1u << 20)
/* All tokens of a run may sit in one send queue: keep their bytes within reason. */
#define TL_MESH_MAX_TOKEN_BYTES (256ULL << 20)

/* One run. Every rank must have the same spec (checked at the rendezvous). */
struct tl_mesh_spec {
	uint32_t ranks;
	uint32_t tokens;
	uint32_t message_size;        /* bytes per message, header included */
	enum tl_mesh_pattern pattern;
	enum tl_mesh_transport transport;
	uint64_t seed;
	uint64_t duration_ns;         /* --time; 0 when --hops is given */
	uint64_t hops;                /* --hops: the total over all tokens; 0 for --time */
	uint64_t max_time_ns;         /* cap of a --hops run */
	uint64_t connect_timeout_ns;  /* rendezvous and mesh set-up */
};

void tl_mesh_spec_defaults(struct tl_mesh_spec *s);
/* Checks the combination once (pattern vs ranks, message size vs header...). */
int tl_mesh_spec_validate(const struct tl_mesh_spec *s, struct tl_err *err);

/* The hop budget of token `token` in a --hops run: hops split evenly, the first ones get
 * the remainder. */
uint64_t tl_mesh_spec_budget(const struct tl_mesh_spec *s, uint32_t token);

json_t *tl_mesh_spec_to_json(const struct tl_mesh_spec *s);
int tl_mesh_spec_from_json(const json_t *j, struct tl_mesh_spec *s, struct tl_err *err);

#endif
