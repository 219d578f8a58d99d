/*
 * Doctor rules about connections: ephemeral ports and TIME_WAIT, listen queues, SYN
 * handling, orphans and the open-file limit ([B1], [C1]).
 */
#include "sys/doctor_rules.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <math.h>
#include <string.h>

#include "sys/bdp.h"
#include "sys/port_ceiling.h"
#include "sys/sysctl.h"

/* How long an accept() loop may stall (GC pause, busy loop) before the backlog must absorb it. */
#define ACCEPT_STALL_MS 100

/* Memory of one TIME_WAIT socket: tcp_timewait_sock 168 B + 48 B bind bucket [B1]. */
#define TIME_WAIT_BYTES 216

/* What the connection rules need about ports: the host's facts from the readings and the
 * ceiling towards the workload's destination, from the one model (sys/port_ceiling.h). */
struct ports {
	bool known;
	uint32_t total;        /* in ip_local_port_range */
	uint32_t reserved;     /* of those, in ip_local_reserved_ports */
	uint32_t usable;
	struct tl_port_facts facts;
	struct tl_port_ceiling ceil;     /* towards the workload's destination */
	struct tl_port_ceiling no_reuse; /* the same destination if nothing were reused */
};

static struct ports ports_of(const struct tl_drule_ctx *c)
{
	struct ports p;
	memset(&p, 0, sizeof(p));
	if (!tl_doctor_port_facts(c->r, &p.facts))
		return p;
	p.known = true;
	p.total = p.facts.port_hi - p.facts.port_lo + 1;
	p.reserved = p.facts.reserved;
	tl_port_ceiling(&p.facts, c->w->dest_loopback, 1, &p.ceil);
	p.usable = p.ceil.ports;
	struct tl_port_facts off = p.facts;
	off.tw_reuse = 0;
	tl_port_ceiling(&off, c->w->dest_loopback, 1, &p.no_reuse);
	return p;
}

/* The ceiling with another port range, everything else as set. */
static uint64_t ceiling_with_range(const struct ports *p, bool loopback, uint32_t lo, uint32_t hi)
{
	struct tl_port_facts f = p->facts;
	struct tl_port_ceiling out;
	f.port_lo = lo;
	f.port_hi = hi;
	f.reserved = 0;
	tl_port_ceiling(&f, loopback, 1, &out);
	return out.per_sec_floor;
}

/* The remedies for running out of ports, best first [B1][C2]. */
static void port_remedies(char *buf, size_t len, const struct ports *p, const char *range_fix)
{
	snprintf(buf, len,
		 "best first: 1) reuse connections (a pool, keep-alive, several jobs per "
		 "connection) so fewer are opened [C2]; 2) let the server close first, so TIME_WAIT "
		 "stays where it holds no ephemeral port [B1]; 3) more tuples: more server ports or "
		 "IPs, or client source IPs with bind() + IP_BIND_ADDRESS_NO_PORT [M2][C2]; 4) %s%s",
		 range_fix, p->ceil.reuse ? "" : "; and on clients only net.ipv4.tcp_tw_reuse=1 [K1][K6]");
}

/* "the workload's destination (loopback)" or "(another host)": what --dest said. */
static const char *dest_words(const struct tl_drule_ctx *c)
{
	return c->w->dest_loopback ? "a loopback destination" : "a destination on another host";
}

/* The severity of opening R connections/s against the ceiling. */
static enum tl_severity port_severity(uint64_t R, const struct ports *p)
{
	if (R == 0)
		return TL_SEV_OK;
	if (R > p->ceil.per_sec_floor)
		return TL_SEV_SEVERE;
	return (double)R > 0.8 * p->ceil.per_sec ? TL_SEV_WARN : TL_SEV_OK;
}

static void port_range_fix(struct tl_drule_ctx *c, struct tl_finding *f, const struct ports *p,
			   uint64_t R)
{
	/* The narrowest standard range that carries R, if wider than what is set. */
	const char *value = "1024 65535";
	uint32_t count = 64512, lo = 1024, hi = 65535;
	bool lb = c->w->dest_loopback;
	if ((double)R <= 0.8 * (double)ceiling_with_range(p, lb, 32768, 60999) && p->total < 28232) {
		value = "32768 60999";
		count = 28232;
		lo = 32768;
		hi = 60999;
	}
	char range_fix[256];
	if (count > p->total) {
		snprintf(range_fix, sizeof(range_fix),
			 "sysctl -w net.ipv4.ip_local_port_range=\"%s\" (%u ports: ~%" PRIu64 "/s; check "
			 "ip_local_reserved_ports and services listening in that range)",
			 value, count, ceiling_with_range(p, lb, lo, hi));
		tl_drule_fix_sysctl(f, TL_DS_PORT_RANGE, value);
	} else {
		snprintf(range_fix, sizeof(range_fix), "the port range is already as wide as it gets");
	}
	port_remedies(f->fix, sizeof(f->fix), p, range_fix);
}

void tl_drule_port_range(struct tl_drule_ctx *c)
{
	struct ports p = ports_of(c);
	if (!p.known)
		return;
	uint64_t R = c->w->conns_per_sec;
	char why[768], res[64] = "", s1[32];
	if (p.reserved)
		snprintf(res, sizeof(res), ", %u of them reserved", p.reserved);
	int n = snprintf(why, sizeof(why),
		"only the side that closes first keeps the connection in TIME_WAIT, for %u s on "
		"Linux: TCP_TIMEWAIT_LEN is fixed and tcp_fin_timeout does not shorten it [K8][K1][B1]. "
		"Each TIME_WAIT holds its local port for that (source IP, destination IP, destination "
		"port) tuple unless connect() may take it over [K15]. Towards %s, %s, so one tuple "
		"sustains %u usable ports / %g s => at most ~%" PRIu64 " new connections/s",
		TL_TIME_WAIT_LEN_S, dest_words(c), p.ceil.why, p.usable, p.ceil.hold_ms / 1000.0,
		p.ceil.per_sec_floor);
	enum tl_severity sev = port_severity(R, &p);
	if (R > 0 && n > 0 && (size_t)n < sizeof(why)) {
		n += snprintf(why + n, sizeof(why) - (size_t)n,
			      "; the workload opens %" PRIu64 "/s to one destination (%.0f%% of that)",
			      R, p.ceil.per_sec > 0 ? 100.0 * (double)R / p.ceil.per_sec : 100.0);
		if (sev == TL_SEV_SEVERE && n > 0 && (size_t)n < sizeof(why))
			snprintf(why + n, sizeof(why) - (size_t)n,
				 ", so after about %u / %" PRIu64 " = %.3g s every port is taken and "
				 "connect() fails with EADDRNOTAVAIL",
				 p.usable, R, (double)p.usable / (double)R);
	}
	struct tl_finding *f = tl_drule_add(c, "ip_local_port_range", sev,
					    sev == TL_SEV_OK ? "ephemeral ports"
							     : "ephemeral ports run out");
	TL_FSET(f->seen, "net.ipv4.ip_local_port_range = %s (%u ports%s)",
		c->r->sysctl[TL_DS_PORT_RANGE].text, p.total, res);
	TL_FSET(f->why, "%s", why);
	if (sev == TL_SEV_OK)
		return;
	port_range_fix(c, f, &p, R);
	uint64_t tw = R * TL_TIME_WAIT_LEN_S;
	TL_FSET(f->cost,
		"little memory: %" PRIu64 "/s x %u s = %" PRIu64 " TIME_WAIT sockets of about %d B "
		"= %s [B1]; ports below 32768 may clash with services that listen there",
		R, TL_TIME_WAIT_LEN_S, tw, TIME_WAIT_BYTES, tl_drule_size(tw * TIME_WAIT_BYTES, s1));
}

void tl_drule_tw_reuse(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_TW_REUSE, 1);
	struct ports p = ports_of(c);
	if (!sv || !p.known)
		return;
	uint64_t R = c->w->conns_per_sec;
	static const char *const meaning[] = { "off", "on for outgoing connections",
					       "loopback only (the default)" };
	const char *m = sv->v[0] <= 2 ? meaning[sv->v[0]] : "unknown value";
	bool needed = (double)R > 0.8 * p.no_reuse.per_sec;
	if (!needed || p.ceil.reuse) {
		struct tl_finding *f = tl_drule_add(c, "tcp_tw_reuse", TL_SEV_OK, "TIME_WAIT reuse");
		tl_drule_seen_sysctl(f, c, TL_DS_TW_REUSE);
		if (needed)
			TL_FSET(f->why, "%s; towards %s, %s [K1][K6][K15]", m, dest_words(c),
				p.ceil.why);
		else
			TL_FSET(f->why, "%s; %" PRIu64 "/s per destination fits in the ~%" PRIu64 "/s "
					"that %u s of TIME_WAIT allows, so clients need no reuse [K1]",
				m, R, p.no_reuse.per_sec_floor, TL_TIME_WAIT_LEN_S);
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_tw_reuse", TL_SEV_WARN,
					    "clients need TIME_WAIT reuse");
	tl_drule_seen_sysctl(f, c, TL_DS_TW_REUSE);
	if (p.ceil.reason == TL_PORT_REUSE_NO_TIMESTAMPS) {
		TL_FSET(f->why, "%s: reuse is safe only with timestamps (PAWS) [K1][K15][B1]",
			p.ceil.why);
		TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_timestamps=1");
		return;
	}
	struct tl_port_facts on = p.facts;
	struct tl_port_ceiling with;
	on.tw_reuse = 1;
	tl_port_ceiling(&on, c->w->dest_loopback, 1, &with);
	TL_FSET(f->why,
		"%s. At %" PRIu64 "/s per destination, above %u ports / %u s = ~%" PRIu64 "/s, a "
		"client needs tcp_tw_reuse = 1: %s, ~%" PRIu64 "/s, made safe by timestamps "
		"[K1][K6][K15][B1]. It affects outgoing connections only",
		m, R, p.usable, TL_TIME_WAIT_LEN_S, p.no_reuse.per_sec_floor, with.why,
		with.per_sec_floor);
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_tw_reuse=1 on the client hosts");
	tl_drule_fix_sysctl(f, TL_DS_TW_REUSE, "1");
	TL_FSET(f->cost, "none in memory. Not tcp_tw_recycle, which broke clients behind NAT and "
			 "is gone since 4.12 [B1]");
}

/* The kernel's loopback test for tcp_tw_reuse = 2: either address in 127/8 or ::1 [K15]. */
static bool addr_is_loopback(const struct tl_sock_addr *a)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (a->family == AF_INET)
		return a->addr[0] == 127;
	return a->family == AF_INET6 &&
	       (memcmp(a->addr, v6_lo, 16) == 0 ||
		(memcmp(a->addr, v4mapped, 12) == 0 && a->addr[12] == 127));
}

void tl_drule_time_wait(struct tl_drule_ctx *c)
{
	const struct tl_doctor_readings *r = c->r;
	struct ports p = ports_of(c);
	if (!r->have_sockets)
		return;
	const struct tl_sock_scan *s = &r->sockets;
	char a1[64], a2[64];
	if (s->n_tw_top == 0) {
		struct tl_finding *f = tl_drule_add(c, "time_wait", TL_SEV_OK, "TIME_WAIT sockets");
		TL_FSET(f->seen, "0 TIME_WAIT sockets");
		TL_FSET(f->why, "no closed connections are holding ports");
		return;
	}
	const struct tl_sock_tw_group *g = &s->tw_top[0];
	/* This tuple's own ceiling: tcp_tw_reuse = 2 depends on its addresses. */
	struct tl_port_ceiling tc;
	tl_port_ceiling(&p.facts, addr_is_loopback(&g->local) || addr_is_loopback(&g->remote), 1,
			&tc);
	double share = p.usable ? (double)g->count / p.usable : 0;
	enum tl_severity sev = share >= 0.9 ? TL_SEV_SEVERE : share >= 0.5 ? TL_SEV_WARN : TL_SEV_OK;
	if (tc.reuse)
		sev = TL_SEV_OK; /* connect() takes these ports back: they do not run out */
	struct tl_finding *f = tl_drule_add(c, "time_wait", sev, "TIME_WAIT sockets");
	tl_sock_addr_fmt(&g->local, a1, sizeof(a1));
	tl_sock_addr_fmt(&g->remote, a2, sizeof(a2));
	TL_FSET(f->seen, "%u TIME_WAIT sockets in %zu destination tuples; largest %s -> %s: %u",
		s->counts.time_wait, s->tw_groups, a1, a2, g->count);
	if (tc.reuse) {
		TL_FSET(f->why,
			"%u of %u usable ports (%.1f%%) are in TIME_WAIT for %s -> %s, but %s, so "
			"they do not run out below ~%" PRIu64 " new connections/s [K15]",
			g->count, p.usable, 100.0 * share, a1, a2, tc.why, tc.per_sec_floor);
		return;
	}
	TL_FSET(f->why,
		"%s; each holds its local port for that tuple [K8]: %u of %u usable ports "
		"(%.1f%%) are in TIME_WAIT for %s -> %s, which means at least %u / %u s = %.0f new "
		"connections/s were closed there first by this host over the last minute%s",
		tc.why, g->count, p.usable, 100.0 * share, a1, a2, g->count, TL_TIME_WAIT_LEN_S,
		g->count / (double)TL_TIME_WAIT_LEN_S,
		share >= 0.5 ? "; connect() fails with EADDRNOTAVAIL when no port is left" : "");
	if (sev != TL_SEV_OK)
		port_remedies(f->fix, sizeof(f->fix), &p,
			      "widen net.ipv4.ip_local_port_range (see ip_local_port_range)");
}

void tl_drule_max_tw_buckets(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_MAX_TW_BUCKETS, 1);
	if (!sv)
		return;
	uint64_t R = c->w->conns_per_sec, expected = R * TL_TIME_WAIT_LEN_S;
	uint64_t now = c->r->have_sockets ? c->r->sockets.counts.time_wait : 0;
	char s1[32];
	bool low = expected > sv->v[0];
	bool filling = now * 5 > sv->v[0] * 4;
	if (!low && !filling) {
		struct tl_finding *f = tl_drule_add(c, "tcp_max_tw_buckets", TL_SEV_OK,
						    "TIME_WAIT table size");
		tl_drule_seen_sysctl(f, c, TL_DS_MAX_TW_BUCKETS);
		TL_FSET(f->why, "room for %" PRIu64 " TIME_WAIT sockets; the workload leaves about "
				"%" PRIu64 "/s x %u s = %" PRIu64 " on the side that closes first, %" PRIu64
				" now [K1][K12]",
			sv->v[0], R, TL_TIME_WAIT_LEN_S, expected, now);
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_max_tw_buckets", TL_SEV_WARN,
					    "TIME_WAIT table too small");
	tl_drule_seen_sysctl(f, c, TL_DS_MAX_TW_BUCKETS);
	TL_FSET(f->why,
		"the workload leaves about %" PRIu64 "/s x %u s = %" PRIu64 " sockets in TIME_WAIT on "
		"the side that closes first (%" PRIu64 " now); above tcp_max_tw_buckets = %" PRIu64
		" the kernel destroys them at once, logs \"time wait bucket table overflow\" and counts "
		"TCPTimeWaitOverflow, losing TIME_WAIT's protection against old duplicates [K1][K12]. "
		"Never lower it",
		R, TL_TIME_WAIT_LEN_S, expected, now, sv->v[0]);
	uint64_t want = expected > now ? expected : now;
	uint64_t rec = tl_bdp_pow2ceil(want + want / 4);
	char value[32];
	snprintf(value, sizeof(value), "%" PRIu64, rec);
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_max_tw_buckets=%s", value);
	tl_drule_fix_sysctl(f, TL_DS_MAX_TW_BUCKETS, value);
	TL_FSET(f->cost, "about %d B per TIME_WAIT socket [B1]: %" PRIu64 " x %d B = %s at most",
		TIME_WAIT_BYTES, rec, TIME_WAIT_BYTES, tl_drule_size(rec * TIME_WAIT_BYTES, s1));
}

void tl_drule_fin_timeout(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_FIN_TIMEOUT, 1);
	if (!sv)
		return;
	bool changed = sv->v[0] != 60;
	struct tl_finding *f = tl_drule_add(c, "tcp_fin_timeout", changed ? TL_SEV_INFO : TL_SEV_OK,
					    changed ? "tcp_fin_timeout does not shorten TIME_WAIT"
						    : "FIN_WAIT_2 timeout");
	tl_drule_seen_sysctl(f, c, TL_DS_FIN_TIMEOUT);
	TL_FSET(f->why,
		"it only limits how long an orphaned connection waits in FIN_WAIT_2 [K1]; it does "
		"not shorten TIME_WAIT, which is 60 s on Linux and not tunable (TCP_TIMEWAIT_LEN) "
		"[K8][B1]%s",
		changed ? ", so changing it frees no ports (a common myth)" : "");
	if (changed)
		TL_FSET(f->fix, "nothing to do for TIME_WAIT here (see ip_local_port_range); per "
				"socket, TCP_LINGER2 sets the FIN_WAIT_2 time [M1]");
}

void tl_drule_somaxconn(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_SOMAXCONN, 1);
	if (!sv)
		return;
	uint64_t v = sv->v[0], R = c->w->conns_per_sec;
	uint64_t need = (R * ACCEPT_STALL_MS + 999) / 1000;
	char d1[32];
	enum tl_severity sev = TL_SEV_OK;
	uint64_t tolerance_ns = 0;
	if (R > 0) {
		tolerance_ns = v * 1000000000ULL / R;
		sev = tolerance_ns < 10000000ULL ? TL_SEV_SEVERE
		      : tolerance_ns < ACCEPT_STALL_MS * 1000000ULL ? TL_SEV_WARN : TL_SEV_OK;
	} else if (v < 128) {
		sev = TL_SEV_WARN;
	}
	struct tl_finding *f = tl_drule_add(c, "somaxconn", sev,
					    sev == TL_SEV_OK ? "accept queue limit"
							     : "accept queue limit too small");
	tl_drule_seen_sysctl(f, c, TL_DS_SOMAXCONN);
	if (R > 0)
		TL_FSET(f->why,
			"listen(fd, backlog) is silently capped at somaxconn, so at most %" PRIu64
			" connections can wait for accept() [K7][SF]. At %" PRIu64 " new connections/s "
			"the queue overflows when the server stops accepting for %" PRIu64 " / %" PRIu64
			" = %s (a GC pause, a busy event loop); then the client's final ACK is dropped "
			"and it waits for a SYN-ACK retransmit, 1 s or more [C1]. Plan backlog >= rate x "
			"worst accept stall = %" PRIu64 " x %d ms = %" PRIu64 " (Little's law, inference)",
			v, R, v, R, tl_drule_dur(tolerance_ns, d1), R, ACCEPT_STALL_MS, need);
	else
		TL_FSET(f->why, "listen(fd, backlog) is silently capped at somaxconn; the default is "
				"4096 since 5.4 (was 128) [K7]");
	if (sev == TL_SEV_OK)
		return;
	uint64_t rec = tl_bdp_pow2ceil(need);
	if (rec < 4096)
		rec = 4096;
	char value[32];
	snprintf(value, sizeof(value), "%" PRIu64, rec);
	TL_FSET(f->fix, "sysctl -w net.core.somaxconn=%s, and listen(fd, %s) (or -1, meaning "
			"somaxconn) in the server", value, value);
	tl_drule_fix_sysctl(f, TL_DS_SOMAXCONN, value);
	TL_FSET(f->cost, "none until used: the queue holds connections that are already "
			 "established, each a full socket while it waits");
}

void tl_drule_listen_queues(struct tl_drule_ctx *c)
{
	const struct tl_doctor_readings *r = c->r;
	if (!r->have_sockets)
		return;
	const struct tl_sock_scan *s = &r->sockets;
	char a1[64];
	if (s->n_listeners == 0) {
		struct tl_finding *f = tl_drule_add(c, "listen_queue", TL_SEV_OK, "listen queues");
		TL_FSET(f->seen, "no listening TCP sockets in this namespace");
		return;
	}
	const struct tl_sock_listener *l = &s->listeners[0];
	const struct tl_sysctl_value *smc = tl_drule_sysctl(c, TL_DS_SOMAXCONN, 1);
	uint64_t R = c->w->conns_per_sec, need = (R * ACCEPT_STALL_MS + 999) / 1000;
	enum tl_severity sev = TL_SEV_OK;
	if (l->limit > 0 && l->queued >= l->limit)
		sev = TL_SEV_SEVERE;
	else if (l->queued > 0 && 2 * (uint64_t)l->queued >= l->limit)
		sev = TL_SEV_WARN;
	struct tl_finding *f = tl_drule_add(c, "listen_queue", sev,
					    sev == TL_SEV_SEVERE ? "an accept queue is full"
					    : sev == TL_SEV_WARN ? "an accept queue is filling"
								 : "listen queues");
	TL_FSET(f->seen, "%zu listening socket%s; fullest %s: %u queued of %u", s->listeners_total,
		s->listeners_total == 1 ? "" : "s", tl_sock_addr_fmt(&l->local, a1, sizeof(a1)),
		l->queued, l->limit);
	bool app_capped = smc && l->limit < smc->v[0];
	TL_FSET(f->why,
		"connections wait there between the handshake and accept(); when it is full the "
		"kernel drops the client's final ACK (ListenOverflows, ListenDrops) and the client "
		"retries after a second or more. The limit is min(listen backlog, somaxconn) "
		"[K1][C1][SF]%s",
		app_capped ? "; here the application's listen() backlog is below somaxconn" : "");
	if (sev == TL_SEV_OK)
		return;
	uint64_t rec = tl_bdp_pow2ceil(need > l->limit ? need : 2 * (uint64_t)l->limit);
	TL_FSET(f->fix,
		"accept faster (more accepting threads, SO_REUSEPORT listeners) and give the queue "
		"room: listen(fd, %" PRIu64 ") in the server%s",
		rec, app_capped ? "" : " and net.core.somaxconn >= that (see somaxconn)");
}

void tl_drule_max_syn_backlog(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_MAX_SYN_BACKLOG, 1);
	if (!sv)
		return;
	const struct tl_doctor_counters *k = &c->r->counters;
	uint64_t R = c->w->conns_per_sec;
	/* Half-open connections stay about one RTT; double it for bursts (inference). */
	uint64_t half_open = (uint64_t)ceil((double)R * (double)c->w->rtt_ns / 1e9);
	uint64_t need = 2 * half_open < 128 ? 128 : 2 * half_open;
	int64_t drops = k->interval_ns && k->present[TL_DC_REQQ_FULL_DROP]
				? k->value[TL_DC_REQQ_FULL_DROP] : 0;
	char d[32];
	if (need <= sv->v[0] && drops <= 0) {
		struct tl_finding *f = tl_drule_add(c, "tcp_max_syn_backlog", TL_SEV_OK, "SYN queue");
		tl_drule_seen_sysctl(f, c, TL_DS_MAX_SYN_BACKLOG);
		TL_FSET(f->why, "half-open connections stay about one RTT: %" PRIu64 "/s x %s = %"
				PRIu64 " at once, well within %" PRIu64 " [K1][C1]",
			R, tl_drule_dur(c->w->rtt_ns, d), half_open, sv->v[0]);
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_max_syn_backlog", TL_SEV_WARN,
					    "SYN queue too small");
	tl_drule_seen_sysctl(f, c, TL_DS_MAX_SYN_BACKLOG);
	TL_FSET(f->why,
		"half-open connections stay about one RTT: %" PRIu64 "/s x %s = %" PRIu64 " at once, "
		"x2 for bursts = %" PRIu64 ", against tcp_max_syn_backlog = %" PRIu64 "%s; when the "
		"SYN queue is full SYNs are dropped or answered with syncookies [K1][C1]",
		R, tl_drule_dur(c->w->rtt_ns, d), half_open, need, sv->v[0],
		drops > 0 ? " (TCPReqQFullDrop grew during --watch)" : "");
	uint64_t rec = tl_bdp_pow2ceil(need > 2 * sv->v[0] ? need : 2 * sv->v[0]);
	char value[32];
	snprintf(value, sizeof(value), "%" PRIu64, rec);
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_max_syn_backlog=%s", value);
	tl_drule_fix_sysctl(f, TL_DS_MAX_SYN_BACKLOG, value);
	TL_FSET(f->cost, "a request socket is small (a few hundred bytes) and lives one RTT");
}

void tl_drule_syncookies(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_SYNCOOKIES, 1);
	if (!sv)
		return;
	if (sv->v[0] == 1) {
		struct tl_finding *f = tl_drule_add(c, "tcp_syncookies", TL_SEV_OK, "syncookies");
		tl_drule_seen_sysctl(f, c, TL_DS_SYNCOOKIES);
		TL_FSET(f->why, "on as a fallback when the SYN queue overflows; if they fire under "
				"normal load, tune the backlog instead [K1]");
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_syncookies", TL_SEV_WARN,
					    sv->v[0] == 0 ? "syncookies off" : "syncookies always on");
	tl_drule_seen_sysctl(f, c, TL_DS_SYNCOOKIES);
	TL_FSET(f->why, sv->v[0] == 0
			? "without them a full SYN queue drops new connections outright [K1]"
			: "2 sends cookies for every SYN, which loses TCP options such as window "
			  "scaling on those connections; it is meant for testing [K1]");
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_syncookies=1 (the default)");
	tl_drule_fix_sysctl(f, TL_DS_SYNCOOKIES, "1");
	TL_FSET(f->cost, "none");
}

void tl_drule_abort_on_overflow(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_ABORT_ON_OVERFLOW, 1);
	if (!sv)
		return;
	if (sv->v[0] == 0) {
		struct tl_finding *f = tl_drule_add(c, "tcp_abort_on_overflow", TL_SEV_OK,
						    "accept queue overflow handling");
		tl_drule_seen_sysctl(f, c, TL_DS_ABORT_ON_OVERFLOW);
		TL_FSET(f->why, "0: on overflow the final ACK is dropped and the client retries [K1]");
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_abort_on_overflow", TL_SEV_WARN,
					    "accept queue overflow resets clients");
	tl_drule_seen_sysctl(f, c, TL_DS_ABORT_ON_OVERFLOW);
	TL_FSET(f->why, "clients get an RST instead of a retry when the accept queue is full; the "
			"kernel documentation warns that enabling it \"can harm clients\" [K1][C1]");
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_abort_on_overflow=0, and size the backlog "
			"(see somaxconn)");
	tl_drule_fix_sysctl(f, TL_DS_ABORT_ON_OVERFLOW, "0");
	TL_FSET(f->cost, "none");
}

void tl_drule_max_orphans(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_MAX_ORPHANS, 1);
	if (!sv)
		return;
	int64_t orphans = c->r->have_sockstat && c->r->sockstat.have_tcp
				  ? c->r->sockstat.tcp_orphan : 0;
	char s1[32];
	bool low = sv->v[0] < 4096 || (uint64_t)orphans * 2 > sv->v[0];
	if (!low) {
		struct tl_finding *f = tl_drule_add(c, "tcp_max_orphans", TL_SEV_OK, "orphan limit");
		tl_drule_seen_sysctl(f, c, TL_DS_MAX_ORPHANS);
		TL_FSET(f->why, "%" PRId64 " orphans now (sockets closed by their application that "
				"still hold data or a FIN, up to ~64 KiB unswappable each) [K1]",
			orphans);
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_max_orphans", TL_SEV_WARN,
					    "orphan limit lowered");
	tl_drule_seen_sysctl(f, c, TL_DS_MAX_ORPHANS);
	TL_FSET(f->why,
		"%" PRId64 " orphans now. Above the limit, sockets closed with data still queued are "
		"reset at once (\"too many orphaned sockets\"), so peers lose the end of their data. "
		"Setting it to 0 to get rid of a killed program's sockets (as some guides advise) "
		"does this to every connection; never lower it [K1]",
		orphans);
	uint64_t rec = tl_bdp_pow2ceil((uint64_t)orphans * 4 > 16384 ? (uint64_t)orphans * 4 : 16384);
	char value[32];
	snprintf(value, sizeof(value), "%" PRIu64, rec);
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_max_orphans=%s; per socket, TCP_LINGER2 bounds "
			"FIN_WAIT_2 [M1]", value);
	tl_drule_fix_sysctl(f, TL_DS_MAX_ORPHANS, value);
	TL_FSET(f->cost, "an orphan can hold up to ~64 KiB of unswappable memory [K1]: at the "
			 "limit %s x 64 KiB = %s in the worst case",
		value, tl_drule_size(rec * 65536, s1));
}

void tl_drule_nofile(struct tl_drule_ctx *c)
{
	const struct tl_host *h = &c->r->host;
	uint64_t need = c->w->concurrent + 64;
	if (h->nofile_soft == 0)
		return;
	struct tl_finding *f;
	if (h->nofile_soft == UINT64_MAX || h->nofile_soft >= need + need / 4) {
		f = tl_drule_add(c, "nofile", TL_SEV_OK, "open file limit");
		TL_FSET(f->seen, "ulimit -n = %" PRIu64 " (hard %" PRIu64 ")", h->nofile_soft,
			h->nofile_hard);
		TL_FSET(f->why, "each connection is a file descriptor: %" PRIu64 " concurrent + ~64 "
				"for the program = %" PRIu64 " fit", c->w->concurrent, need);
		return;
	}
	bool short_ = h->nofile_soft < need;
	f = tl_drule_add(c, "nofile", short_ ? TL_SEV_SEVERE : TL_SEV_WARN,
			 "open file limit too low");
	TL_FSET(f->seen, "ulimit -n = %" PRIu64 " (hard %" PRIu64 ")", h->nofile_soft,
		h->nofile_hard);
	TL_FSET(f->why,
		"each connection is a file descriptor: %" PRIu64 " concurrent + ~64 for the program "
		"= %" PRIu64 "%s the soft limit %" PRIu64 "; beyond it accept(), connect() and socket() "
		"fail with EMFILE (\"Too many open files\"). This is the limit the doctor inherited "
		"from its shell; a running service's own is in /proc/PID/limits",
		c->w->concurrent, need, short_ ? ", more than" : ", close to", h->nofile_soft);
	uint64_t rec = tl_bdp_pow2ceil(need + need / 4);
	TL_FSET(f->fix,
		"ulimit -n %" PRIu64 " in the shell that starts the program, LimitNOFILE=%" PRIu64
		" in its systemd unit, or setrlimit(RLIMIT_NOFILE) at its start%s",
		rec, rec,
		h->nofile_hard < rec ? "; the hard limit is lower too: raise nofile in "
				       "/etc/security/limits.conf or LimitNOFILE" : "");
	TL_FSET(f->cost, "none until used; each open socket costs its own memory");
}
