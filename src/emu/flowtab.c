#include "emu/flowtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tl_flowtab_init(struct tl_flowtab *t, uint32_t flows, struct tl_err *err)
{
	memset(t, 0, sizeof(*t));
	if (flows == 0 || flows > (1u << 24))
		return tl_err_set(err, EINVAL, "flow table of %u flows: give 1 to 16777216", flows);
	uint32_t cap = 4;
	while (cap / 4 * 3 < flows)
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return tl_err_set(err, ENOMEM, "flow table of %u slots: out of memory", cap);
	t->cap = cap;
	return 0;
}

void tl_flowtab_free(struct tl_flowtab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
}

struct tl_flow_stats *tl_flowtab_get(struct tl_flowtab *t, const struct tl_pkt *p)
{
	uint32_t mask = t->cap - 1;
	for (uint32_t i = p->flow_hash & mask, n = 0; n < t->cap; i = (i + 1) & mask, n++) {
		struct tl_flow_stats *s = &t->slots[i];
		if (!s->used) {
			if (t->used >= t->cap / 4 * 3)
				break;
			s->used = 1;
			s->hash = p->flow_hash;
			s->key = p->key;
			t->used++;
			return s;
		}
		if (s->hash == p->flow_hash && memcmp(&s->key, &p->key, sizeof(s->key)) == 0)
			return s;
	}
	return &t->other;
}
