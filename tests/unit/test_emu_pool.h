/*
 * Shared by the emu unit tests: a descriptor pool (as the forwarder would keep one) and a
 * drop recorder for the drop callback. Header-only, static, so each test file stands alone.
 */
#ifndef TCPLAB_TEST_EMU_POOL_H
#define TCPLAB_TEST_EMU_POOL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/pkt.h"
#include "emu/qdisc.h"

struct test_pool {
	struct tl_pkt *pkts;
	unsigned cap, used;
};

static inline void test_pool_init(struct test_pool *p, unsigned cap)
{
	p->pkts = calloc(cap, sizeof(*p->pkts));
	p->cap = cap;
	p->used = 0;
}

static inline void test_pool_free(struct test_pool *p)
{
	free(p->pkts);
	memset(p, 0, sizeof(*p));
}

/* A fresh descriptor whose user field is its sequence number in the pool. */
static inline struct tl_pkt *test_pkt(struct test_pool *p, uint32_t len, uint32_t flow_hash)
{
	if (p->used >= p->cap)
		return NULL;
	struct tl_pkt *k = &p->pkts[p->used];
	memset(k, 0, sizeof(*k));
	k->len = len;
	k->flow_hash = flow_hash;
	k->key.sport = (uint16_t)flow_hash;
	k->key.dport = (uint16_t)(flow_hash >> 16);
	k->key.family = 4;
	k->user = p->used++;
	return k;
}

struct test_drop {
	struct tl_pkt *pkt;
	enum tl_drop_cause cause;
	uint64_t now_ns;
};

struct test_drops {
	struct test_drop *ev;
	unsigned n, cap;
	unsigned by_cause[TL_DROP_CAUSES];
};

static inline void test_drops_init(struct test_drops *d, unsigned cap)
{
	memset(d, 0, sizeof(*d));
	d->ev = calloc(cap, sizeof(*d->ev));
	d->cap = cap;
}

static inline void test_drops_free(struct test_drops *d)
{
	free(d->ev);
	memset(d, 0, sizeof(*d));
}

static inline void test_drop_cb(void *ctx, struct tl_pkt *pkt, enum tl_drop_cause cause,
				uint64_t now_ns)
{
	struct test_drops *d = ctx;
	d->by_cause[cause]++;
	if (d->n < d->cap)
		d->ev[d->n] = (struct test_drop){ pkt, cause, now_ns };
	d->n++;
}

#define TEST_MS 1000000ull
#define TEST_US 1000ull

#endif
