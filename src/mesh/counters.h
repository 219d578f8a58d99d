#ifndef TCPLAB_MESH_COUNTERS_H
#define TCPLAB_MESH_COUNTERS_H

#include <stdint.h>

#include <jansson.h>

#include "sys/counter_set.h"

struct tl_err;

/*
 * The kernel counters that explain a small-message TCP mesh, read from /proc/net/netstat
 * (TcpExt) and /proc/net/snmp (Tcp) of the rank's network namespace:
 *   DelayedACKs        delayed-ACK timer fired (an ACK waited 40 ms or more, TCP_DELACK_MIN)
 *   DelayedACKLocked   ... and found the socket busy with the user, so it was re-armed
 *   DelayedACKLost     a segment came again that had been ACKed late: the peer retransmitted
 *   TCPPureAcks / TCPHPAcks  ACKs received without / with the fast path
 *   TCPAutoCorking     small writes held back to be merged (Nagle-like, in the kernel)
 *   TCPOrigDataSent    data segments sent (not retransmits): segments per hop
 *   Tcp InSegs / OutSegs / RetransSegs
 * The kernel has no "quick ACK sent" counter; quick ACKs show as fewer DelayedACKs.
 * Counters are per namespace and count every socket in it, not just the mesh's.
 */
#define TL_MESH_COUNTERS 10

struct tl_mesh_counters {
	struct tl_counter_set set; /* counter i at set.v[i] (sys/counter_set.h) */
};

/* The name of counter i ("DelayedACKs"...). */
const char *tl_mesh_counter_name(unsigned i);

/* Reads both files now. 0 or -errno. */
int tl_mesh_counters_read(struct tl_mesh_counters *c, struct tl_err *err);

/* {"DelayedACKs": b - a, ...} for the counters both samples have (a new reference). */
json_t *tl_mesh_counters_delta_json(const struct tl_mesh_counters *a,
				    const struct tl_mesh_counters *b);

#endif
