#ifndef TCPLAB_EMU_PKT_H
#define TCPLAB_EMU_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The packet descriptor the emulated router moves between its queues.
 *
 * Descriptors are owned by the caller (the forwarding process keeps them in a preallocated
 * pool next to their buffers); queues link them through the intrusive next/prev pointers,
 * so nothing is allocated per packet. A descriptor is in at most one queue at a time. A
 * packet leaves the emulator in exactly one of two ways: returned by tl_link_dequeue_ready()
 * (or tl_qdisc_dequeue()), or handed to the drop callback; either way the caller takes it
 * back.
 *
 * Length: `len` is the number of bytes the router counts for this packet, i.e. what queue
 * limits, serialisation time and byte statistics use. tcplab counts the Ethernet frame
 * without preamble, FCS or inter-frame gap: IP packet + 14 B of Ethernet header, so a full
 * 1500 B IP packet counts 1514 B and a Cubic flow with timestamps gets
 * rate x 1448 / 1514 of goodput. A forwarder reading IP packets from TUN sets
 * len = data_len + TL_ETH_HLEN; one reading frames from AF_PACKET on a veth sets
 * len = data_len.
 */

#define TL_ETH_HLEN 14u
/* A full-size frame for a 1500 B MTU, as the router counts it. */
#define TL_FRAME_MTU (1500u + TL_ETH_HLEN)

/* The 5-tuple of a packet, addresses as 16 bytes (IPv4 in the first 4). */
struct tl_flow_key {
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport; /* host order; 0 when the protocol has no ports */
	uint16_t dport;
	uint8_t proto;  /* IPPROTO_* */
	uint8_t family; /* 4 or 6; 0 when the packet was not parsed */
};

struct tl_pkt {
	struct tl_pkt *next; /* queue links, owned by whichever queue holds the packet */
	struct tl_pkt *prev;
	struct tl_pkt *vnext, *vprev; /* PPV's value buckets (emu/ppv.c), as next/prev */
	uint8_t *data;       /* the packet's bytes, in the caller's buffer */
	uint32_t data_len;   /* bytes at data */
	uint32_t len;        /* bytes the router counts (see above) */
	uint64_t enqueue_ns; /* set by the queue discipline on enqueue */
	uint64_t ready_ns;   /* set by the link: when the packet leaves the delay line */
	uint32_t flow_hash;  /* what FQ-CoDel classifies by; tl_pkt_classify() sets it */
	bool ecn_capable;    /* ECT(0) or ECT(1) in the IP header */
	uint8_t ecn;         /* the ECN field as read: 0 not-ECT, 1 ECT(1), 2 ECT(0), 3 CE */
	uint8_t host;        /* the router port it came in on (0: receiver, i: sender i);
			      * set by the forwarder, PPV's host class (emu/ppv_marker.h) */
	uint16_t ppv_class;  /* PPV: the marker's class slot, for per-class statistics */
	uint32_t pv;         /* PPV's packet value, stamped by the marker at the router's
			      * ingress; metadata inside the router, never on the wire */
	bool ce_marked;      /* an AQM marked it: the forwarder must set CE (tl_pkt_set_ce) */
	uint32_t user;       /* free for the caller (e.g. its pool index) */
	struct tl_flow_key key;
};

/*
 * Parses the IPv4 or IPv6 header at pkt->data into pkt->key, sets pkt->ecn_capable from the
 * ECN field and pkt->flow_hash = tl_flow_hash(&key, seed). Ports are read for TCP, UDP,
 * UDPLite and SCTP in the first fragment; IPv6 hop-by-hop, routing and destination-options
 * headers are skipped. Returns 0, or -EINVAL for something that is not an IP packet (the
 * key is then zeroed and the hash is of the zero key, so such packets share one flow).
 */
int tl_pkt_classify(struct tl_pkt *pkt, uint64_t seed);

/* A keyed hash of a 5-tuple; the seed perturbs it as RFC 8290 section 4.1.1 asks. */
uint32_t tl_flow_hash(const struct tl_flow_key *key, uint64_t seed);

/*
 * Sets ECN CE in the IP header at ip (IPv4: with the header checksum updated incrementally,
 * RFC 1624). Returns 0, or -EINVAL if the packet is not ECN-capable or not IP.
 */
int tl_pkt_set_ce(uint8_t *ip, size_t len);

#endif
