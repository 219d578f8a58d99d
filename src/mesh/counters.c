#include "mesh/counters.h"

#include "sys/counter_set.h"

static const struct tl_counter_id counters[TL_MESH_COUNTERS] = {
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
	struct tl_counter_set set;
	int ret = tl_counter_set_read(counters, TL_MESH_COUNTERS, &set, err);
	for (unsigned i = 0; i < TL_MESH_COUNTERS; i++)
		c->v[i] = set.v[i];
	c->present = ret == 0 ? set.present : 0;
	return ret;
}

json_t *tl_mesh_counters_delta_json(const struct tl_mesh_counters *a,
				    const struct tl_mesh_counters *b)
{
	struct tl_counter_set sa = { .present = a->present }, sb = { .present = b->present };
	for (unsigned i = 0; i < TL_MESH_COUNTERS; i++) {
		sa.v[i] = a->v[i];
		sb.v[i] = b->v[i];
	}
	return tl_counter_set_delta_json(counters, TL_MESH_COUNTERS, &sa, &sb);
}
