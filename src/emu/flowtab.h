#ifndef TCPLAB_EMU_FLOWTAB_H
#define TCPLAB_EMU_FLOWTAB_H

#include <stdint.h>

#include "emu/pkt.h"
#include "util/err.h"

/*
 * Per-flow packet and byte counts by 5-tuple, in a table of fixed size allocated once.
 * Open addressing with linear probing, no deletion; once 3/4 of the slots are used, packets
 * of new flows are counted in `other` instead, so the table never grows and a lookup stays
 * short.
 */

struct tl_flow_stats {
	struct tl_flow_key key;
	uint32_t hash;
	uint8_t used;
	uint64_t pkts_in, bytes_in;   /* offered to the link */
	uint64_t pkts_out, bytes_out; /* delivered by it */
	uint64_t drops;
};

struct tl_flowtab {
	struct tl_flow_stats *slots;
	uint32_t cap;                /* a power of two */
	uint32_t used;
	struct tl_flow_stats other;  /* flows that did not fit, summed */
};

/* A table of at least `flows` tracked flows (capacity rounded up so it is 3/4 full at most). */
int tl_flowtab_init(struct tl_flowtab *t, uint32_t flows, struct tl_err *err);
void tl_flowtab_free(struct tl_flowtab *t);

/* The entry for p's flow (by pkt->key, probed with pkt->flow_hash), or `other`. Never NULL. */
struct tl_flow_stats *tl_flowtab_get(struct tl_flowtab *t, const struct tl_pkt *p);

#endif
