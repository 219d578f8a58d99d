#include "emu/pkt.h"

#include <errno.h>
#include <string.h>

#define ECN_MASK 0x3u
#define ECN_CE 0x3u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* IPPROTO_TCP, UDP, SCTP, UDPLITE: protocols whose first 4 bytes are the two ports. */
static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

static void read_ports(struct tl_flow_key *k, const uint8_t *l4, size_t avail)
{
	if (!has_ports(k->proto) || avail < 4)
		return;
	k->sport = rd16(l4);
	k->dport = rd16(l4 + 2);
}

static int classify_v4(struct tl_pkt *pkt, struct tl_flow_key *k)
{
	const uint8_t *ip = pkt->data;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (pkt->data_len < 20 || ihl < 20 || ihl > pkt->data_len)
		return -EINVAL;
	k->family = 4;
	k->proto = ip[9];
	memcpy(k->saddr, ip + 12, 4);
	memcpy(k->daddr, ip + 16, 4);
	pkt->ecn = ip[1] & ECN_MASK;
	pkt->ecn_capable = pkt->ecn != 0;
	/* Only the first fragment carries the ports. */
	if ((rd16(ip + 6) & 0x1fff) == 0)
		read_ports(k, ip + ihl, pkt->data_len - ihl);
	return 0;
}

static int classify_v6(struct tl_pkt *pkt, struct tl_flow_key *k)
{
	const uint8_t *ip = pkt->data;
	if (pkt->data_len < 40)
		return -EINVAL;
	k->family = 6;
	memcpy(k->saddr, ip + 8, 16);
	memcpy(k->daddr, ip + 24, 16);
	pkt->ecn = (ip[1] >> 4) & ECN_MASK;
	pkt->ecn_capable = pkt->ecn != 0;
	uint8_t nh = ip[6];
	size_t off = 40;
	bool first_fragment = true;
	/* Bounded walk over the extension headers that may precede the transport header. */
	for (int i = 0; i < 8; i++) {
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		if (off + 8 > pkt->data_len)
			return 0;
		const uint8_t *ext = ip + off;
		if (nh == 44) {
			first_fragment = (rd16(ext + 2) >> 3) == 0;
			off += 8;
		} else {
			off += ((size_t)ext[1] + 1) * 8;
		}
		nh = ext[0];
	}
	k->proto = nh;
	if (first_fragment && off <= pkt->data_len)
		read_ports(k, ip + off, pkt->data_len - off);
	return 0;
}

int tl_pkt_classify(struct tl_pkt *pkt, uint64_t seed)
{
	int ret = -EINVAL;
	memset(&pkt->key, 0, sizeof(pkt->key));
	pkt->ecn_capable = false;
	pkt->ecn = 0;
	if (pkt->data && pkt->data_len >= 1) {
		unsigned version = pkt->data[0] >> 4;
		if (version == 4)
			ret = classify_v4(pkt, &pkt->key);
		else if (version == 6)
			ret = classify_v6(pkt, &pkt->key);
	}
	if (ret < 0)
		memset(&pkt->key, 0, sizeof(pkt->key));
	pkt->flow_hash = tl_flow_hash(&pkt->key, seed);
	return ret;
}

/* The 64-bit finaliser of MurmurHash3 (public domain): a full-avalanche mixer. */
static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint32_t tl_flow_hash(const struct tl_flow_key *key, uint64_t seed)
{
	uint64_t w[5];
	memcpy(&w[0], key->saddr, 16);
	memcpy(&w[2], key->daddr, 16);
	w[4] = ((uint64_t)key->sport << 32) | ((uint64_t)key->dport << 16) |
	       ((uint64_t)key->proto << 8) | key->family;
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 5; i++)
		h = mix64(h ^ w[i]);
	return (uint32_t)(h ^ (h >> 32));
}

int tl_pkt_set_ce(uint8_t *ip, size_t len)
{
	if (len < 1)
		return -EINVAL;
	unsigned version = ip[0] >> 4;
	if (version == 4 && len >= 20) {
		unsigned ecn = ip[1] & ECN_MASK;
		if (ecn == 0)
			return -EINVAL;
		if (ecn == ECN_CE)
			return 0;
		/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m the 16-bit word holding the TOS. */
		uint32_t old_word = rd16(ip);
		ip[1] |= ECN_CE;
		uint32_t new_word = rd16(ip);
		uint32_t sum = (uint32_t)(~rd16(ip + 10) & 0xffff) + (~old_word & 0xffff) + new_word;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		uint16_t csum = (uint16_t)~sum;
		ip[10] = (uint8_t)(csum >> 8);
		ip[11] = (uint8_t)csum;
		return 0;
	}
	if (version == 6 && len >= 40) {
		if (((ip[1] >> 4) & ECN_MASK) == 0)
			return -EINVAL;
		ip[1] |= ECN_CE << 4;
		return 0;
	}
	return -EINVAL;
}
