#include "sys/counter_set.h"

#include <errno.h>
#include <string.h>

#include "sys/netstat.h"

int tl_counter_set_read(const struct tl_counter_id *ids, unsigned n, struct tl_counter_set *c,
			struct tl_err *err)
{
	struct tl_netstat ns = { 0 };
	int ret;
	memset(c, 0, sizeof(*c));
	if (n > TL_COUNTER_SET_MAX)
		return tl_err_set(err, EINVAL, "counter set: %u counters, at most %u", n,
				  TL_COUNTER_SET_MAX);
	if ((ret = tl_netstat_read("/proc/net/netstat", &ns, err)) < 0 ||
	    (ret = tl_netstat_read("/proc/net/snmp", &ns, err)) < 0)
		goto out;
	for (unsigned i = 0; i < n; i++)
		if (tl_netstat_get(&ns, ids[i].group, ids[i].name, &c->v[i]) == 0)
			c->present |= 1u << i;
	ret = 0;
out:
	tl_netstat_free(&ns);
	return ret;
}

json_t *tl_counter_set_delta_json(const struct tl_counter_id *ids, unsigned n,
				  const struct tl_counter_set *a, const struct tl_counter_set *b)
{
	json_t *o = json_object();
	for (unsigned i = 0; o && i < n && i < TL_COUNTER_SET_MAX; i++) {
		if (!(a->present & b->present & (1u << i)))
			continue;
		int64_t d = b->v[i] - a->v[i];
		json_object_set_new(o, ids[i].name, json_integer(d > 0 ? d : 0));
	}
	return o;
}
