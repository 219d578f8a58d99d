#ifndef TCPLAB_SYS_SYSCTL_H
#define TCPLAB_SYS_SYSCTL_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Kernel parameters under /proc/sys, read (and, for 'doctor --apply-now', written) by name.
 * Names are written as sysctl(8) does: "net.ipv4.tcp_rmem". A name that contains '/' is
 * taken as a path below /proc/sys as is ("net/ipv4/conf/eth0.100/forwarding").
 *
 * /proc/sys/net shows the values of the network namespace of the calling thread, so every
 * read here is "this netns". Some values are global and are not visible at all outside the
 * host's namespace (net.ipv4.tcp_mem, tcp_max_orphans, net.core.netdev_max_backlog,
 * default_qdisc), or are visible read-only (net.core.rmem_max/wmem_max): reading those
 * fails with ENOENT, writing with EACCES.
 */

/* Maps a name to its path below /proc/sys into buf. Returns 0, or -ENAMETOOLONG / -EINVAL. */
int tl_sysctl_path(const char *name, char *buf, size_t len);

/*
 * Reads the value of name into buf as text: trailing newline removed, runs of tabs and spaces
 * between fields turned into one space ("4096 131072 6291456"). Fails with -ENOSPC if the
 * value does not fit (a truncated value would mislead), -ENOENT if the kernel has no such
 * parameter here. Cost: one open/read/close of a procfs file.
 */
int tl_sysctl_read(const char *name, char *buf, size_t len, struct tl_err *err);

/* Writes value (as text, e.g. "4096 131072 33554432") to name. Needs CAP_NET_ADMIN/root. */
int tl_sysctl_write(const char *name, const char *value, struct tl_err *err);

/*
 * Parses whitespace-separated unsigned integers from text into vals (at most max; more is an
 * error, as is a field that is not a number). *n gets the count. This is the parser behind
 * the typed reads, exported so tests can feed recorded values.
 */
int tl_sysctl_parse_u64s(const char *text, uint64_t *vals, size_t max, size_t *n,
			 struct tl_err *err);

/* Reads one unsigned integer (e.g. net.core.somaxconn). */
int tl_sysctl_read_u64(const char *name, uint64_t *out, struct tl_err *err);

/* Reads up to max integers (e.g. the three of tcp_rmem); *n gets how many were there. */
int tl_sysctl_read_u64s(const char *name, uint64_t *vals, size_t max, size_t *n,
			struct tl_err *err);

/* The ephemeral port range for connect() and bind(port 0): net.ipv4.ip_local_port_range. */
struct tl_port_range {
	uint32_t lo;
	uint32_t hi;
};

/* Parses "32768\t60999" (lo <= hi, both 1..65535). */
int tl_port_range_parse(const char *text, struct tl_port_range *out, struct tl_err *err);

/* Reads net.ipv4.ip_local_port_range of this network namespace. */
int tl_port_range_read(struct tl_port_range *out, struct tl_err *err);

/* Number of ports in the range (hi - lo + 1). */
uint32_t tl_port_range_count(const struct tl_port_range *r);

/*
 * Counts the ports of net.ipv4.ip_local_reserved_ports ("8080,9000-9100", possibly empty)
 * that fall inside r: the kernel skips them when it picks an ephemeral port [K1].
 */
int tl_reserved_ports_count(const char *text, const struct tl_port_range *r, uint32_t *out,
			    struct tl_err *err);

#endif
