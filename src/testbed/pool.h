#ifndef TCPLAB_TESTBED_POOL_H
#define TCPLAB_TESTBED_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "emu/pkt.h"
#include "util/err.h"

/*
 * The forwarder's packet buffers: `size` descriptors, each with its own buffer of
 * TL_TESTBED_BUF_SIZE bytes, allocated once at start. Taking and giving back is a pop and a
 * push on a stack of free indices, so nothing is allocated per packet; the stack is LIFO so
 * the buffers in use stay few and warm in cache. The buffer memory is an anonymous mapping
 * that the kernel backs only as far as it is touched, so a large pool costs little until a
 * deep queue needs it.
 *
 * A descriptor's buffer holds one Ethernet frame: pkt->data points at its IP header
 * (frame + 14), pkt->data_len is the IP packet's length and pkt->len the frame's, which is
 * what the router counts (emu/pkt.h).
 */

#define TL_TESTBED_BUF_SIZE 2048u

struct tl_testbed_pool {
	struct tl_pkt *pkts;
	uint8_t *mem;      /* size x TL_TESTBED_BUF_SIZE bytes */
	uint32_t *free;    /* stack of free indices */
	uint32_t size, nfree;
	uint32_t min_free; /* low-water mark, for status */
};

int tl_testbed_pool_init(struct tl_testbed_pool *p, uint32_t size, struct tl_err *err);
void tl_testbed_pool_free(struct tl_testbed_pool *p);

/* The buffer of descriptor pkt (where its frame starts). */
static inline uint8_t *tl_testbed_pool_buf(const struct tl_testbed_pool *p, const struct tl_pkt *pkt)
{
	return p->mem + (size_t)(pkt - p->pkts) * TL_TESTBED_BUF_SIZE;
}

/* A free descriptor, or NULL when all are in use. */
static inline struct tl_pkt *tl_testbed_pool_get(struct tl_testbed_pool *p)
{
	if (p->nfree == 0)
		return NULL;
	struct tl_pkt *pkt = &p->pkts[p->free[--p->nfree]];
	if (p->nfree < p->min_free)
		p->min_free = p->nfree;
	return pkt;
}

static inline void tl_testbed_pool_put(struct tl_testbed_pool *p, struct tl_pkt *pkt)
{
	p->free[p->nfree++] = (uint32_t)(pkt - p->pkts);
}

#endif
