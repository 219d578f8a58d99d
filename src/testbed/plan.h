#ifndef TCPLAB_TESTBED_PLAN_H
#define TCPLAB_TESTBED_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * The names and addresses of one testbed, derived from its NAME alone (plus the subnets
 * already taken), so that two testbeds coexist and a testbed can be found again from its
 * name:
 *
 *   namespaces   tl-NAME-rtr (the router), tl-NAME-rcv, tl-NAME-snd1 .. tl-NAME-sndN
 *   links        one veth pair per host: "eth0" in the host, the host's name ("rcv",
 *                "snd1") in the router; no interface ever exists in the caller's namespace
 *   subnet       10.X.Y.0/24 with X in 64..127, picked by a hash of NAME and probed
 *                linearly past subnets that are taken
 *   addresses    rcv 10.X.Y.1, sndI 10.X.Y.(10+I)
 *   MACs         02:74:62:X:Y:<last address byte> (locally administered, unique per subnet)
 *
 * Everything here is pure (no system calls) so that it is unit tested.
 */

#define TL_TESTBED_NAME_MAX 24
#define TL_TESTBED_SENDERS_MAX 32
#define TL_TESTBED_HOSTS_MAX (TL_TESTBED_SENDERS_MAX + 1)
/* Candidate /24 subnets: 10.64.0.0 .. 10.127.255.0. */
#define TL_TESTBED_SUBNETS 16384u

struct tl_testbed_host {
	char name[8];    /* "rcv", "snd1" .. "snd32" */
	char netns[48];  /* "tl-NAME-rcv" */
	char ifname[8];  /* the interface in the host: "eth0" */
	char port[16];   /* its peer in the router namespace: same as name (or, for tcplab
			    router, an interface name of up to 15 characters) */
	uint32_t addr;   /* IPv4, host byte order */
	uint8_t mac[6];
};

struct tl_testbed_plan {
	char name[TL_TESTBED_NAME_MAX + 1];
	char rtr_netns[48];
	uint32_t subnet; /* 10.X.Y.0, host byte order; the prefix is /24 */
	unsigned nhosts; /* 1 + senders; hosts[0] is the receiver */
	struct tl_testbed_host hosts[TL_TESTBED_HOSTS_MAX];
};

/* A prefix in use elsewhere (another testbed's subnet, a route of this namespace). */
struct tl_testbed_prefix {
	uint32_t addr; /* host byte order */
	unsigned len;
};

/* NAME: 1 to 24 of [A-Za-z0-9_-], starting with a letter or digit. */
int tl_testbed_name_check(const char *name, struct tl_err *err);

/* The first candidate subnet index for name (FNV-1a of the name, mod TL_TESTBED_SUBNETS). */
unsigned tl_testbed_subnet_index(const char *name);

/* The subnet 10.X.Y.0 of candidate idx. */
uint32_t tl_testbed_subnet_of(unsigned idx);

/* Whether a.b.c.d/alen and e.f.g.h/blen share an address. */
int tl_testbed_prefix_overlap(uint32_t a, unsigned alen, uint32_t b, unsigned blen);

/*
 * Fills out for name with `senders` senders, on the first candidate subnet (from the name's
 * hash, then the next ones) that overlaps none of taken[0..ntaken). Prefixes shorter than
 * /16 are ignored: a covering route (10.0.0.0/8 through a VPN) would otherwise rule out
 * every subnet, and these addresses exist only inside the testbed's own namespaces.
 */
int tl_testbed_plan_make(const char *name, unsigned senders, const struct tl_testbed_prefix *taken,
			 size_t ntaken, struct tl_testbed_plan *out, struct tl_err *err);

/* Like tl_testbed_plan_make on a given subnet (10.X.Y.0 as from tl_testbed_subnet_of). */
int tl_testbed_plan_at(const char *name, unsigned senders, uint32_t subnet,
		       struct tl_testbed_plan *out, struct tl_err *err);

/* The host called host_name ("rcv", "snd2"), or NULL. */
const struct tl_testbed_host *tl_testbed_plan_host(const struct tl_testbed_plan *plan,
						   const char *host_name);

/* Dotted quad and colon-separated MAC into buf; return buf. */
const char *tl_testbed_fmt_addr(uint32_t addr, char *buf, size_t len);
const char *tl_testbed_fmt_mac(const uint8_t mac[6], char *buf, size_t len);

/* The inverse of the two above; 0 or -EINVAL. */
int tl_testbed_parse_addr(const char *s, uint32_t *out);
int tl_testbed_parse_mac(const char *s, uint8_t mac[6]);

#endif
