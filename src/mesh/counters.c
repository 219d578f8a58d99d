#include "mesh/counters.h"

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
	return tl_counter_set_read(counters, TL_MESH_COUNTERS, &c->set, err);
}

json_t *tl_mesh_counters_delta_json(const struct tl_mesh_counters *a,
				    const struct tl_mesh_counters *b)
{
	return tl_counter_set_delta_json(counters, TL_MESH_COUNTERS, &a->set, &b->set);
}
