#ifndef TCPLAB_SYS_SOCKSTAT_H
#define TCPLAB_SYS_SOCKSTAT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * /proc/net/sockstat and /proc/net/sockstat6: the cheapest socket totals there are.
 *   TCP: inuse 203 orphan 0 tw 19 alloc 414 mem 1364904
 *   TCP6: inuse 3
 * inuse and tw are per network namespace; orphan, alloc and mem are global, and mem is in
 * pages, to compare with net.ipv4.tcp_mem (sockstat_seq_show) [K11]. The tw total counts
 * TIME_WAIT sockets of both families in this namespace: one read instead of a sock_diag
 * dump, when a total is all that is needed.
 */
struct tl_sockstat {
	bool have_tcp;
	int64_t tcp_inuse;      /* IPv4 TCP sockets in use, this netns */
	int64_t tcp_orphan;     /* global */
	int64_t tcp_tw;         /* TIME_WAIT, this netns, both families */
	int64_t tcp_alloc;      /* global */
	int64_t tcp_mem_pages;  /* global, pages */
	bool have_tcp6;
	int64_t tcp6_inuse;
};

/* Parses the text of sockstat or sockstat6 (or both concatenated) into out (fields found are set). */
int tl_sockstat_parse(const char *text, struct tl_sockstat *out, struct tl_err *err);

/* Reads /proc/net/sockstat and, if present, /proc/net/sockstat6 into a zeroed out. */
int tl_sockstat_read(struct tl_sockstat *out, struct tl_err *err);

#endif
