#include "mesh/counters.h"

#include <string.h>

#include "sys/netstat.h"
#include "util/err.h"

static const struct {
	const char *group, *name;
} counters[TL_MESH_COUNTERS] = {
	{ "TcpExt", "DelayedACKs" },     { "TcpExt", "DelayedACKLocked" },
	{ "TcpExt", "DelayedACKLost" },  { "TcpExt", "TCPPureAcks" },
	{ "TcpExt", "TCPHPAcks" },       { "TcpExt", "TCPAutoCorking" },
	{ "TcpExt", "TCPOrigDataSent" }, { "Tcp", "InSegs" },
	{ "Tcp", "OutSegs" },            { "Tcp", "RetransSegs" },
};

const char *tl_mesh_counter_name(unsigned i)
{
	return i < TL_MESH_COUNTERS ? counters[i].name : "?";
}

int tl_mesh_counters_read(struct tl_mesh_counters *c, struct tl_err *err)
{
	struct tl_netstat ns = { 0 };
	int ret = -1;
	memset(c, 0, sizeof(*c));
	if ((ret = tl_netstat_read("/proc/net/netstat", &ns, err)) < 0 ||
	    (ret = tl_netstat_read("/proc/net/snmp", &ns, err)) < 0)
		goto out;
	for (unsigned i = 0; i < TL_MESH_COUNTERS; i++)
		if (tl_netstat_get(&ns, counters[i].group, counters[i].name, &c->v[i]) == 0)
			c->present |= 1u << i;
	ret = 0;
out:
	tl_netstat_free(&ns);
	return ret;
}

json_t *tl_mesh_counters_delta_json(const struct tl_mesh_counters *a,
				    const struct tl_mesh_counters *b)
{
	json_t *o = json_object();
	for (unsigned i = 0; o && i < TL_MESH_COUNTERS; i++) {
		if (!(a->present & b->present & (1u << i)))
			continue;
		int64_t d = b->v[i] - a->v[i];
		json_object_set_new(o, counters[i].name, json_integer(d > 0 ? d : 0));
	}
	return o;
}
