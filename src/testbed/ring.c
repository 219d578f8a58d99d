#include "testbed/ring.h"

#include <errno.h>
#include <stdlib.h>

int tl_testbed_ring_init(struct tl_testbed_ring *r, uint32_t min_cap, struct tl_err *err)
{
	if (min_cap == 0 || min_cap > (1u << 31))
		return tl_err_set(err, EINVAL, "ring of %u entries: give 1 to 2^31", min_cap);
	uint32_t cap = 1;
	while (cap < min_cap)
		cap <<= 1;
	r->slots = calloc(cap, sizeof(*r->slots));
	if (!r->slots)
		return tl_err_set(err, ENOMEM, "ring of %u entries: out of memory", cap);
	r->mask = cap - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return 0;
}

void tl_testbed_ring_free(struct tl_testbed_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}
