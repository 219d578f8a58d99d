#include "testbed/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int tl_testbed_pool_init(struct tl_testbed_pool *p, uint32_t size, struct tl_err *err)
{
	memset(p, 0, sizeof(*p));
	if (size == 0)
		return tl_err_set(err, EINVAL, "packet pool: size 0");
	size_t bytes = (size_t)size * TL_TESTBED_BUF_SIZE;
	p->pkts = calloc(size, sizeof(*p->pkts));
	p->free = calloc(size, sizeof(*p->free));
	void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!p->pkts || !p->free || mem == MAP_FAILED) {
		int ret = tl_err_set(err, ENOMEM, "packet pool: cannot allocate %u buffers (%zu MiB); "
				     "give a smaller --pool", size, bytes >> 20);
		if (mem != MAP_FAILED)
			munmap(mem, bytes);
		free(p->pkts);
		free(p->free);
		memset(p, 0, sizeof(*p));
		return ret;
	}
	p->mem = mem;
	p->size = size;
	/* Index 0 on top of the stack, so the first buffers handed out are the lowest. */
	for (uint32_t i = 0; i < size; i++)
		p->free[i] = size - 1 - i;
	p->nfree = p->min_free = size;
	return 0;
}

void tl_testbed_pool_free(struct tl_testbed_pool *p)
{
	if (!p)
		return;
	if (p->mem)
		munmap(p->mem, (size_t)p->size * TL_TESTBED_BUF_SIZE);
	free(p->pkts);
	free(p->free);
	memset(p, 0, sizeof(*p));
}
