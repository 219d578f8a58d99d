#ifndef TCPLAB_SYS_NETSTAT_H
#define TCPLAB_SYS_NETSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * The kernel's protocol counters: /proc/net/netstat (TcpExt, IpExt, MPTcpExt) and
 * /proc/net/snmp (Ip, Tcp, ...). Both files are pairs of lines, a header naming the fields
 * and a line of values with the same group prefix:
 *   TcpExt: SyncookiesSent SyncookiesRecv ... ListenOverflows ListenDrops ...
 *   TcpExt: 0 0 ... 12 12 ...
 * The counters are per network namespace and count from its creation (boot for the host),
 * so what matters is their growth: read twice and subtract, as nstat(8) does [K11].
 */

struct tl_netstat_entry {
	char group[16];   /* "TcpExt" */
	char name[48];    /* "ListenOverflows" */
	int64_t value;    /* a few snmp fields are signed (Tcp MaxConn is -1) */
};

struct tl_netstat {
	struct tl_netstat_entry *v;
	size_t n;
	size_t cap;
};

/*
 * Parses the text of /proc/net/netstat or /proc/net/snmp and appends every counter to out
 * (which starts zeroed, or holds earlier entries). A header without its value line, or a
 * value line with a different number of fields, is an error naming the group.
 */
int tl_netstat_parse(const char *text, struct tl_netstat *out, struct tl_err *err);

/* Reads path (e.g. "/proc/net/netstat") and parses it into out. */
int tl_netstat_read(const char *path, struct tl_netstat *out, struct tl_err *err);

/* Looks a counter up: 0 and *value, or -ENOENT when this kernel has no such counter. */
int tl_netstat_get(const struct tl_netstat *ns, const char *group, const char *name,
		   int64_t *value);

/* Frees the entries; ns may be zeroed or NULL. */
void tl_netstat_free(struct tl_netstat *ns);

#endif
