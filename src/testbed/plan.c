#include "testbed/plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define RCV_OCTET 1u
#define SND_OCTET0 10u

int tl_testbed_name_check(const char *name, struct tl_err *err)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > TL_TESTBED_NAME_MAX)
		return tl_err_set(err, EINVAL, "testbed name \"%s\": must be 1 to %d characters",
				  name ? name : "", TL_TESTBED_NAME_MAX);
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	if (strspn(name, ok) != len || name[0] == '-' || name[0] == '_')
		return tl_err_set(err, EINVAL, "testbed name \"%s\": use letters, digits, '-' and "
				  "'_', starting with a letter or digit (it becomes part of the "
				  "namespace names tl-%s-rtr ...)", name, name);
	return 0;
}

unsigned tl_testbed_subnet_index(const char *name)
{
	/* FNV-1a, 32 bit: stable across builds and machines, so a name maps to one subnet. */
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h % TL_TESTBED_SUBNETS;
}

uint32_t tl_testbed_subnet_of(unsigned idx)
{
	idx %= TL_TESTBED_SUBNETS;
	return (10u << 24) | ((64u + (idx >> 8)) << 16) | ((idx & 0xffu) << 8);
}

static uint32_t prefix_mask(unsigned len)
{
	return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
}

int tl_testbed_prefix_overlap(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
	uint32_t m = prefix_mask(alen < blen ? alen : blen);
	return (a & m) == (b & m);
}

static int subnet_taken(uint32_t subnet, const struct tl_testbed_prefix *taken, size_t ntaken)
{
	for (size_t i = 0; i < ntaken; i++)
		if (taken[i].len >= 16 && tl_testbed_prefix_overlap(subnet, 24, taken[i].addr,
								     taken[i].len))
			return 1;
	return 0;
}

static void host_init(struct tl_testbed_host *h, const char *tb, const char *name, uint32_t subnet,
		      unsigned octet)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->netns, sizeof(h->netns), "tl-%s-%s", tb, name);
	snprintf(h->ifname, sizeof(h->ifname), "eth0");
	snprintf(h->port, sizeof(h->port), "%s", name);
	h->addr = subnet | octet;
	const uint8_t mac[6] = { 0x02, 0x74, 0x62, (uint8_t)(subnet >> 16), (uint8_t)(subnet >> 8),
				 (uint8_t)octet };
	memcpy(h->mac, mac, sizeof(mac));
}

int tl_testbed_plan_make(const char *name, unsigned senders, const struct tl_testbed_prefix *taken,
			 size_t ntaken, struct tl_testbed_plan *out, struct tl_err *err)
{
	int ret = tl_testbed_name_check(name, err);
	if (ret < 0)
		return ret;
	if (senders < 1 || senders > TL_TESTBED_SENDERS_MAX)
		return tl_err_set(err, EINVAL, "--senders %u: out of range (1 to %d)", senders,
				  TL_TESTBED_SENDERS_MAX);
	unsigned first = tl_testbed_subnet_index(name);
	uint32_t subnet = 0;
	for (unsigned i = 0; i < TL_TESTBED_SUBNETS; i++) {
		uint32_t s = tl_testbed_subnet_of(first + i);
		if (!subnet_taken(s, taken, ntaken)) {
			subnet = s;
			break;
		}
	}
	if (!subnet)
		return tl_err_set(err, EADDRINUSE, "testbed %s: every subnet 10.64.0.0/24 .. "
				  "10.127.255.0/24 is taken by a route or another testbed", name);
	return tl_testbed_plan_at(name, senders, subnet, out, err);
}

int tl_testbed_plan_at(const char *name, unsigned senders, uint32_t subnet,
		       struct tl_testbed_plan *out, struct tl_err *err)
{
	int ret = tl_testbed_name_check(name, err);
	if (ret < 0)
		return ret;
	if (senders < 1 || senders > TL_TESTBED_SENDERS_MAX)
		return tl_err_set(err, EINVAL, "--senders %u: out of range (1 to %d)", senders,
				  TL_TESTBED_SENDERS_MAX);
	if ((subnet >> 24) != 10 || ((subnet >> 16) & 0xff) < 64 || ((subnet >> 16) & 0xff) > 127 ||
	    (subnet & 0xff) != 0)
		return tl_err_set(err, EINVAL, "testbed %s: subnet %u.%u.%u.%u is not one of "
				  "10.64.0.0/24 .. 10.127.255.0/24", name, subnet >> 24,
				  (subnet >> 16) & 0xff, (subnet >> 8) & 0xff, subnet & 0xff);
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->rtr_netns, sizeof(out->rtr_netns), "tl-%s-rtr", name);
	out->subnet = subnet;
	out->nhosts = 1 + senders;
	host_init(&out->hosts[0], name, "rcv", subnet, RCV_OCTET);
	for (unsigned i = 1; i <= senders; i++) {
		char hn[8];
		snprintf(hn, sizeof(hn), "snd%u", i);
		host_init(&out->hosts[i], name, hn, subnet, SND_OCTET0 + i);
	}
	return 0;
}

const struct tl_testbed_host *tl_testbed_plan_host(const struct tl_testbed_plan *plan,
						   const char *host_name)
{
	for (unsigned i = 0; i < plan->nhosts; i++)
		if (strcmp(plan->hosts[i].name, host_name) == 0)
			return &plan->hosts[i];
	return NULL;
}

const char *tl_testbed_fmt_addr(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
	return buf;
}

const char *tl_testbed_fmt_mac(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

int tl_testbed_parse_addr(const char *s, uint32_t *out)
{
	unsigned a, b, c, d;
	char tail;
	if (!s || sscanf(s, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 ||
	    b > 255 || c > 255 || d > 255)
		return -EINVAL;
	*out = (a << 24) | (b << 16) | (c << 8) | d;
	return 0;
}

int tl_testbed_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			 &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}
