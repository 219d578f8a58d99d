#ifndef TCPLAB_TESTBED_RING_H
#define TCPLAB_TESTBED_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * A single-producer, single-consumer ring of pointers: what the forwarder hands a port's
 * transmit thread, and what that thread hands back (testbed/fwd_tx.h). Entries come out in
 * the order they went in; a push to a full ring fails and changes nothing. One thread may
 * push and another pop at the same time without a lock (the indices are atomics, the
 * entry is written before the index that publishes it); two pushers (or two poppers) need
 * a lock between them.
 */

struct tl_testbed_ring {
	void **slots;
	uint32_t mask; /* capacity - 1; the capacity is a power of two */
	/* Apart, so the producer and the consumer do not write the same cache line. */
	_Alignas(64) _Atomic uint32_t head; /* the next slot to fill (producer) */
	_Alignas(64) _Atomic uint32_t tail; /* the next slot to empty (consumer) */
};

/* A ring that holds at least min_cap entries (rounded up to a power of two, at most 2^31). */
int tl_testbed_ring_init(struct tl_testbed_ring *r, uint32_t min_cap, struct tl_err *err);
void tl_testbed_ring_free(struct tl_testbed_ring *r);

static inline uint32_t tl_testbed_ring_capacity(const struct tl_testbed_ring *r)
{
	return r->mask + 1;
}

/* Producer: appends v (not NULL); false when the ring is full. */
static inline bool tl_testbed_ring_push(struct tl_testbed_ring *r, void *v)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return false;
	r->slots[head & r->mask] = v;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

/* Consumer: takes up to max entries, oldest first, into out; returns how many. */
static inline unsigned tl_testbed_ring_pop(struct tl_testbed_ring *r, void **out, unsigned max)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t n = head - tail;
	if (n > max)
		n = max;
	for (uint32_t i = 0; i < n; i++)
		out[i] = r->slots[(tail + i) & r->mask];
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

/* Either side: nothing in the ring just now. */
static inline bool tl_testbed_ring_empty(struct tl_testbed_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) ==
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

#endif
