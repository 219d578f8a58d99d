#ifndef TCPLAB_SYS_DOCTOR_RULES_H
#define TCPLAB_SYS_DOCTOR_RULES_H

/*
 * Internal to the doctor's rule files (doctor_rules*.c): the context every rule gets, the
 * helpers that add findings, and the rule functions that doctor_rules.c lists in its table.
 */

#include <stdio.h>

#include "sys/doctor.h"

/* Workload figures every buffer rule quotes, computed once. */
struct tl_drule_ctx {
	const struct tl_doctor_readings *r;
	const struct tl_doctor_workload *w;
	struct tl_findings *out;
	struct tl_finding scratch;   /* where findings go when out is full */
	uint32_t flows;              /* >= 1 */
	uint64_t bdp;                /* whole path: rate x RTT / 8 */
	uint64_t bdp_flow;           /* per flow: bdp / flows */
	uint64_t rcvbuf_need;        /* per flow: 2 x bdp_flow */
	uint64_t buf_recommend;      /* rcvbuf_need rounded up to a power of two */
	double rate_flow;            /* bit/s per flow */
};

/* Adds a finding (zeroed, id/severity/title set) and returns it; never NULL. */
struct tl_finding *tl_drule_add(struct tl_drule_ctx *c, const char *id, enum tl_severity sev,
				const char *title);

/* Sets the --apply fix of f: sysctl name and value; marks it global from the table. */
void tl_drule_fix_sysctl(struct tl_finding *f, enum tl_doctor_sysctl id, const char *value);

/* The sysctl if it was read with at least `numbers` integers, else NULL. */
const struct tl_sysctl_value *tl_drule_sysctl(const struct tl_drule_ctx *c,
					      enum tl_doctor_sysctl id, size_t numbers);

/* "seen" text for a sysctl: "net.ipv4.tcp_rmem = 4096 131072 6291456". */
void tl_drule_seen_sysctl(struct tl_finding *f, const struct tl_drule_ctx *c,
			  enum tl_doctor_sysctl id);

/*
 * Memory cost of a per-socket buffer maximum: "if all 4 flows fill it: 4 x 32 MiB =
 * 128 MiB, 8.7% of the TCP memory-pressure threshold (tcp_mem[1] = ...)", plus the
 * worst case for every concurrent connection. Written into buf.
 */
void tl_drule_buffer_cost(const struct tl_drule_ctx *c, uint64_t per_socket, char *buf,
			  size_t len);

/* printf into a fixed field. */
#define TL_FSET(field, ...) snprintf((field), sizeof(field), __VA_ARGS__)

/* Short formatters (into a caller buffer of at least 32 bytes). */
const char *tl_drule_size(uint64_t bytes, char *buf);
const char *tl_drule_rate(double bps, char *buf);
const char *tl_drule_dur(uint64_t ns, char *buf);

/* The rules. Each adds zero or more findings. */
typedef void (*tl_drule_fn)(struct tl_drule_ctx *c);

/* doctor_rules_buf.c: buffers, windows and memory. */
void tl_drule_kernel(struct tl_drule_ctx *c);
void tl_drule_netns(struct tl_drule_ctx *c);
void tl_drule_tcp_rmem(struct tl_drule_ctx *c);
void tl_drule_tcp_wmem(struct tl_drule_ctx *c);
void tl_drule_rmem_max(struct tl_drule_ctx *c);
void tl_drule_wmem_max(struct tl_drule_ctx *c);
void tl_drule_tcp_mem(struct tl_drule_ctx *c);
void tl_drule_moderate_rcvbuf(struct tl_drule_ctx *c);
void tl_drule_window_scaling(struct tl_drule_ctx *c);
void tl_drule_small_rcvbuf(struct tl_drule_ctx *c);
void tl_drule_notsent_lowat(struct tl_drule_ctx *c);

/* doctor_rules_conn.c: connections, ports, TIME_WAIT, listen queues, files. */
void tl_drule_port_range(struct tl_drule_ctx *c);
void tl_drule_tw_reuse(struct tl_drule_ctx *c);
void tl_drule_fin_timeout(struct tl_drule_ctx *c);
void tl_drule_max_tw_buckets(struct tl_drule_ctx *c);
void tl_drule_time_wait(struct tl_drule_ctx *c);
void tl_drule_somaxconn(struct tl_drule_ctx *c);
void tl_drule_listen_queues(struct tl_drule_ctx *c);
void tl_drule_max_syn_backlog(struct tl_drule_ctx *c);
void tl_drule_syncookies(struct tl_drule_ctx *c);
void tl_drule_abort_on_overflow(struct tl_drule_ctx *c);
void tl_drule_max_orphans(struct tl_drule_ctx *c);
void tl_drule_nofile(struct tl_drule_ctx *c);

/* doctor_rules_host.c: TCP options, congestion control, queues, NICs, counters. */
void tl_drule_timestamps(struct tl_drule_ctx *c);
void tl_drule_sack(struct tl_drule_ctx *c);
void tl_drule_congestion_control(struct tl_drule_ctx *c);
void tl_drule_allowed_cc(struct tl_drule_ctx *c);
void tl_drule_default_qdisc(struct tl_drule_ctx *c);
void tl_drule_mtu_probing(struct tl_drule_ctx *c);
void tl_drule_slow_start_after_idle(struct tl_drule_ctx *c);
void tl_drule_netdev_max_backlog(struct tl_drule_ctx *c);
void tl_drule_offloads(struct tl_drule_ctx *c);
void tl_drule_counters(struct tl_drule_ctx *c);

#endif
