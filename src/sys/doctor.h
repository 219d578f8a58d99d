#ifndef TCPLAB_SYS_DOCTOR_H
#define TCPLAB_SYS_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/host.h"
#include "sys/offload.h"
#include "sys/port_ceiling.h"
#include "sys/sockdiag.h"
#include "sys/sockstat.h"
#include "util/err.h"

/*
 * The doctor: read what the host is set to (tl_doctor_read, tl_doctor_read_counters), then
 * judge it against a workload (tl_doctor_evaluate, a pure function: readings + workload ->
 * findings, no I/O). Facts and rules of thumb come from the sources in docs/references.md;
 * the tags ([K1], [E1], ...) in comments are defined there.
 */

/* What the user says they run. Every field has a default (tl_doctor_workload_default). */
struct tl_doctor_workload {
	uint64_t rate_bps;       /* target throughput of the host, all flows together */
	uint64_t rtt_ns;         /* round-trip time of the path */
	uint32_t flows;          /* parallel bulk flows sharing rate_bps */
	uint64_t conns_per_sec;  /* new connections per second to one destination (IP, port) */
	uint64_t concurrent;     /* connections open at once on the host */
	bool dest_loopback;      /* that destination is loopback (tcp_tw_reuse = 2 applies) */
};

/* Defaults: a LAN host. 1 Gbit/s, 1 ms, 1 flow, 100 new connections/s, 1000 concurrent. */
#define TL_DOCTOR_DEFAULT_RATE_BPS 1000000000ULL
#define TL_DOCTOR_DEFAULT_RTT_NS 1000000ULL
#define TL_DOCTOR_DEFAULT_FLOWS 1
#define TL_DOCTOR_DEFAULT_CONNS_PER_SEC 100
#define TL_DOCTOR_DEFAULT_CONCURRENT 1000

void tl_doctor_workload_default(struct tl_doctor_workload *w);

/* The sysctls the doctor reads, in report order. */
enum tl_doctor_sysctl {
	TL_DS_TCP_RMEM,
	TL_DS_TCP_WMEM,
	TL_DS_RMEM_MAX,
	TL_DS_WMEM_MAX,
	TL_DS_TCP_MEM,
	TL_DS_MODERATE_RCVBUF,
	TL_DS_WINDOW_SCALING,
	TL_DS_TIMESTAMPS,
	TL_DS_SACK,
	TL_DS_CONGESTION_CONTROL,
	TL_DS_AVAILABLE_CC,
	TL_DS_DEFAULT_QDISC,
	TL_DS_MTU_PROBING,
	TL_DS_NOTSENT_LOWAT,
	TL_DS_SLOW_START_AFTER_IDLE,
	TL_DS_SOMAXCONN,
	TL_DS_MAX_SYN_BACKLOG,
	TL_DS_SYNCOOKIES,
	TL_DS_ABORT_ON_OVERFLOW,
	TL_DS_PORT_RANGE,
	TL_DS_RESERVED_PORTS,
	TL_DS_TW_REUSE,
	TL_DS_TW_REUSE_DELAY,
	TL_DS_FIN_TIMEOUT,
	TL_DS_MAX_TW_BUCKETS,
	TL_DS_MAX_ORPHANS,
	TL_DS_NETDEV_MAX_BACKLOG,
	TL_DS_ADV_WIN_SCALE,
	TL_DS_ALLOWED_CC,
	TL_DS_COUNT
};

/*
 * Where a value lives. Per-netns values are read (and set) inside the namespace the doctor
 * runs in. Global ones are the host's: inside another namespace the kernel hides them
 * (tcp_mem, tcp_max_orphans, netdev_max_backlog, default_qdisc) or shows them read-only
 * (net.core.rmem_max, wmem_max). Checked on Linux 6.18 by reading /proc/sys/net after
 * 'unshare -n'; [BT] states the same for tcp_mem/tcp_max_orphans vs tcp_rmem/tcp_wmem.
 */
enum tl_sysctl_scope {
	TL_SCOPE_NETNS,
	TL_SCOPE_GLOBAL,
};

struct tl_doctor_sysctl_info {
	const char *name;           /* "net.ipv4.tcp_rmem" */
	enum tl_sysctl_scope scope;
	unsigned numbers;           /* how many integers the value holds; 0 = text */
};

const struct tl_doctor_sysctl_info *tl_doctor_sysctl_info(enum tl_doctor_sysctl id);

/* One sysctl as read. */
struct tl_sysctl_value {
	bool present;   /* read here (false: no such file in this kernel or netns) */
	bool writable;  /* false for global values shown read-only inside a netns */
	size_t n;       /* integers parsed (0 for text values) */
	uint64_t v[3];
	char text[256]; /* the value as sysctl(8) prints it, fields separated by one space */
};

/* TcpExt counters that signal trouble; their growth over --watch is what counts. */
enum tl_doctor_counter {
	TL_DC_LISTEN_OVERFLOWS,
	TL_DC_LISTEN_DROPS,
	TL_DC_TIMEWAIT_OVERFLOW,
	TL_DC_BACKLOG_DROP,
	TL_DC_PRUNE_CALLED,
	TL_DC_RCV_PRUNED,
	TL_DC_RCV_COLLAPSED,
	TL_DC_MEMORY_PRESSURES,
	TL_DC_ABORT_ON_MEMORY,
	TL_DC_REQQ_FULL_DROP,
	TL_DC_REQQ_FULL_DO_COOKIES,
	TL_DC_SYNCOOKIES_SENT,
	TL_DC_RCVQ_DROP,
	TL_DC_COUNT
};

/* The TcpExt field name of a counter ("ListenOverflows"). */
const char *tl_doctor_counter_name(enum tl_doctor_counter id);

struct tl_doctor_counters {
	uint64_t interval_ns;          /* 0: the values are totals since boot / netns creation */
	bool present[TL_DC_COUNT];
	int64_t value[TL_DC_COUNT];    /* growth over interval_ns, or the total */
	bool have_softnet;
	int64_t softnet_dropped;       /* /proc/net/softnet_stat column 2, likewise */
};

enum {
	TL_DOCTOR_MAX_IFACES = 32,
	TL_DOCTOR_MAX_PROBLEMS = 8,
};

/* Everything the rules look at. Fill with tl_doctor_read + tl_doctor_read_counters, or by hand in tests. */
struct tl_doctor_readings {
	struct tl_host host;
	struct tl_sysctl_value sysctl[TL_DS_COUNT];
	bool have_sockets;
	struct tl_sock_scan sockets;
	bool have_sockstat;
	struct tl_sockstat sockstat;
	size_t n_ifaces;
	struct tl_iface ifaces[TL_DOCTOR_MAX_IFACES];
	struct tl_doctor_counters counters;
	/* What could not be read and why; the rules skip what depends on it. */
	size_t n_problems;
	char problems[TL_DOCTOR_MAX_PROBLEMS][200];
};

/*
 * Reads everything but the counters: host facts, every sysctl of the table, the TCP
 * sockets (sock_diag, both families), sockstat, interfaces and offloads. Changes nothing.
 * Parts that cannot be read (no privilege, IPv6 off, a sysctl this kernel lacks) are noted
 * in problems[] and are not an error; only a failure to learn the host facts is.
 */
int tl_doctor_read(struct tl_doctor_readings *r, struct tl_err *err);

/*
 * Reads the TcpExt counters and softnet drops. With watch_ns > 0 reads twice, watch_ns
 * apart (sleeping in between), and stores the growth; otherwise stores the totals.
 */
int tl_doctor_read_counters(struct tl_doctor_counters *c, uint64_t watch_ns, struct tl_err *err);

enum tl_severity {
	TL_SEV_OK,
	TL_SEV_INFO,
	TL_SEV_WARN,
	TL_SEV_SEVERE,
};

/* "ok", "info", "warn", "severe". */
const char *tl_severity_name(enum tl_severity s);

struct tl_finding {
	char id[40];          /* stable key: "tcp_rmem", "offload:eth0", "counter:ListenDrops" */
	enum tl_severity severity;
	char title[96];
	char seen[256];       /* the value as read */
	char why[1024];       /* why it matters for this workload, with the arithmetic */
	char fix[640];        /* the exact change: a sysctl line, a socket option, a command */
	char cost[512];       /* what the fix costs (memory for that many connections, ...) */
	char sysctl[64];      /* the fix as one sysctl for --apply: name, or "" */
	char value[128];      /*   and its value */
	bool global;          /* that sysctl is host-wide, not per network namespace */
};

enum { TL_DOCTOR_MAX_FINDINGS = 64 };

struct tl_findings {
	size_t n;
	size_t dropped;  /* findings that did not fit (never expected) */
	struct tl_finding items[TL_DOCTOR_MAX_FINDINGS];
};

/*
 * The rules: a table of checks, each turning readings + workload into zero or more
 * findings (ok ones included, so the report shows what was checked). Pure: no I/O, no
 * clock, no globals; the same inputs give the same text. out is overwritten.
 */
void tl_doctor_evaluate(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w,
			struct tl_findings *out);

/*
 * Sizes, rates and durations as the findings write them in prose: tl_fmt_* (util/parse.h)
 * without the trailing zeros it keeps for aligned columns ("1 Gbit/s", "4.5 KiB",
 * "11.9 MiB"). Write into buf (at least 32 bytes) and return it.
 */
const char *tl_doctor_fmt_size(uint64_t bytes, char *buf, unsigned len);
const char *tl_doctor_fmt_rate(double bps, char *buf, unsigned len);
const char *tl_doctor_fmt_duration(uint64_t ns, char *buf, unsigned len);

/* The port-ceiling facts (sys/port_ceiling.h) from the readings; false without a port range. */
bool tl_doctor_port_facts(const struct tl_doctor_readings *r, struct tl_port_facts *out);

/* The worst severity among the findings (TL_SEV_OK if none). */
enum tl_severity tl_findings_worst(const struct tl_findings *f);

/* The finding with this id, or NULL. */
const struct tl_finding *tl_findings_find(const struct tl_findings *f, const char *id);

#endif
