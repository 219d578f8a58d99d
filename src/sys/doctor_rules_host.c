/*
 * Doctor rules about the rest of the host: TCP options, congestion control and queueing,
 * NIC offloads, the input backlog, and the kernel's trouble counters [K1][K11][K14].
 */
#include "sys/doctor_rules.h"

#include <inttypes.h>
#include <math.h>
#include <net/if.h>
#include <string.h>

#include "sys/bdp.h"

/* A 0/1 switch whose right value is 1. */
static void must_be_on(struct tl_drule_ctx *c, enum tl_doctor_sysctl id, const char *key,
		       const char *title_ok, const char *title_bad, const char *why_ok,
		       const char *why_bad)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, id, 1);
	if (!sv)
		return;
	bool on = sv->v[0] != 0;
	struct tl_finding *f = tl_drule_add(c, key, on ? TL_SEV_OK : TL_SEV_WARN,
					    on ? title_ok : title_bad);
	tl_drule_seen_sysctl(f, c, id);
	TL_FSET(f->why, "%s", on ? why_ok : why_bad);
	if (on)
		return;
	TL_FSET(f->fix, "sysctl -w %s=1 (the default)", tl_doctor_sysctl_info(id)->name);
	tl_drule_fix_sysctl(f, id, "1");
	TL_FSET(f->cost, "none");
}

void tl_drule_timestamps(struct tl_drule_ctx *c)
{
	must_be_on(c, TL_DS_TIMESTAMPS, "tcp_timestamps", "TCP timestamps", "TCP timestamps off",
		   "on: RTT measurement, PAWS, and what tcp_tw_reuse relies on [K1][E1]",
		   "timestamps give per-segment RTT samples and PAWS, and tcp_tw_reuse works only "
		   "with them; ESnet argues against turning them off [E1][B1]");
}

void tl_drule_sack(struct tl_drule_ctx *c)
{
	must_be_on(c, TL_DS_SACK, "tcp_sack", "selective acknowledgements", "SACK off",
		   "on: several losses in one window are repaired in one round trip [E1]",
		   "without SACK the sender learns of one lost segment per round trip, so a burst "
		   "of losses on a long path costs many RTTs of recovery [E1]");
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

void tl_drule_congestion_control(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *cc = tl_drule_sysctl(c, TL_DS_CONGESTION_CONTROL, 0);
	const struct tl_sysctl_value *av = tl_drule_sysctl(c, TL_DS_AVAILABLE_CC, 0);
	if (!cc)
		return;
	char s1[32];
	bool loss_based = strcmp(cc->text, "cubic") == 0 || strcmp(cc->text, "reno") == 0;
	bool long_fat = c->bdp_flow >= (1u << 20);
	struct tl_finding *f = tl_drule_add(c, "tcp_congestion_control",
					    loss_based && long_fat ? TL_SEV_INFO : TL_SEV_OK,
					    "congestion control");
	TL_FSET(f->seen, "net.ipv4.tcp_congestion_control = %s (available: %s)", cc->text,
		av ? av->text : "?");
	if (!(loss_based && long_fat)) {
		TL_FSET(f->why, "%s for new sockets; per socket with setsockopt(TCP_CONGESTION) [M1]",
			cc->text);
		return;
	}
	bool have_bbr = av && word_in(av->text, "bbr");
	TL_FSET(f->why,
		"%s halves its window on each loss and regrows it slowly: a flow with a BDP of %s "
		"recovers over many RTTs. ESnet recommends htcp or bbr with the fq qdisc on long fat "
		"paths [E1][E3]",
		cc->text, tl_drule_size(c->bdp_flow, s1));
	TL_FSET(f->fix, "%ssysctl -w net.ipv4.tcp_congestion_control=bbr, with "
			"net.core.default_qdisc=fq; or per socket setsockopt(TCP_CONGESTION, \"bbr\")",
		have_bbr ? "" : "modprobe tcp_bbr; ");
	TL_FSET(f->cost, "BBR competes unevenly with loss-based flows in shallow buffers; test it "
			 "on the path first (tcplab testbed)");
}

/*
 * Without CAP_NET_ADMIN, setsockopt(TCP_CONGESTION) (and so --cc) may pick only from
 * tcp_allowed_congestion_control; an available algorithm missing from it fails with EPERM
 * for an ordinary user [M1]. The list is host-wide: read-only inside a namespace.
 */
void tl_drule_allowed_cc(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *al = tl_drule_sysctl(c, TL_DS_ALLOWED_CC, 0);
	const struct tl_sysctl_value *av = tl_drule_sysctl(c, TL_DS_AVAILABLE_CC, 0);
	if (!al || !av)
		return;
	char missing[sizeof(av->text)] = "", both[sizeof(al->text) + sizeof(av->text)];
	size_t used = 0;
	TL_FSET(both, "%s", al->text);
	/* Each available name not in the allowed list; the fix allows them after the others. */
	for (const char *p = av->text; *p;) {
		size_t n = strcspn(p, " ");
		char name[64];
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			if (!word_in(al->text, name)) {
				used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
							 used ? " " : "", name);
				if (used >= sizeof(missing))
					used = sizeof(missing) - 1;
				size_t bl = strlen(both);
				snprintf(both + bl, sizeof(both) - bl, "%s%s", bl ? " " : "", name);
			}
		}
		p += n;
		p += strspn(p, " ");
	}
	bool narrow = missing[0] != '\0';
	struct tl_finding *f = tl_drule_add(c, "tcp_allowed_congestion_control",
					    narrow ? TL_SEV_INFO : TL_SEV_OK,
					    narrow ? "congestion controls closed to ordinary users"
						   : "congestion controls open to every user");
	TL_FSET(f->seen, "net.ipv4.tcp_allowed_congestion_control = %s (available: %s)", al->text,
		av->text);
	if (!narrow) {
		TL_FSET(f->why, "every available algorithm may be chosen per socket without "
				"CAP_NET_ADMIN [M1]");
		return;
	}
	TL_FSET(f->why, "a user without CAP_NET_ADMIN (not root) can choose per socket, as with "
			"--cc, only from the allowed list: %s %s available but not allowed, and "
			"setsockopt(TCP_CONGESTION) fails with \"Operation not permitted\" [M1]",
		missing, strchr(missing, ' ') ? "are" : "is");
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_allowed_congestion_control=\"%s\" (host-wide), "
			"or run the test as root", both);
	tl_drule_fix_sysctl(f, TL_DS_ALLOWED_CC, both);
	TL_FSET(f->cost, "none in memory; every user may then pick these algorithms for their "
			 "own sockets");
}

void tl_drule_default_qdisc(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *q = tl_drule_sysctl(c, TL_DS_DEFAULT_QDISC, 0);
	const struct tl_sysctl_value *cc = tl_drule_sysctl(c, TL_DS_CONGESTION_CONTROL, 0);
	if (!q)
		return;
	bool fq = strcmp(q->text, "fq") == 0;
	bool bbr = cc && strncmp(cc->text, "bbr", 3) == 0;
	bool fast = c->w->rate_bps >= 1000000000ULL;
	enum tl_severity sev = !fq && (bbr || fast) ? TL_SEV_INFO : TL_SEV_OK;
	struct tl_finding *f = tl_drule_add(c, "default_qdisc", sev, "default queueing discipline");
	tl_drule_seen_sysctl(f, c, TL_DS_DEFAULT_QDISC);
	if (sev == TL_SEV_OK) {
		TL_FSET(f->why, "%s for new qdiscs; fq paces flows and keeps them fair [E3]", q->text);
		return;
	}
	TL_FSET(f->why,
		"%s. ESnet uses fq on hosts on fast paths, optionally with a maxrate per NIC [E3]",
		bbr ? "BBR needs pacing: since 4.13 TCP paces internally without fq, but that costs "
		      "a per-socket hrtimer, so fq is cheaper [K13]"
		    : "fq paces each flow and isolates them from each other");
	TL_FSET(f->fix, "sysctl -w net.core.default_qdisc=fq (applies to qdiscs created later; "
			"for a running NIC: tc qdisc replace dev IF root fq)");
	tl_drule_fix_sysctl(f, TL_DS_DEFAULT_QDISC, "fq");
	TL_FSET(f->cost, "none in memory; a little CPU per packet for the flow table");
}

void tl_drule_mtu_probing(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_MTU_PROBING, 1);
	if (!sv)
		return;
	const struct tl_iface *jumbo = NULL;
	for (size_t i = 0; i < c->r->n_ifaces; i++) {
		const struct tl_iface *ifc = &c->r->ifaces[i];
		if ((ifc->flags & IFF_UP) && !(ifc->flags & IFF_LOOPBACK) && ifc->mtu > 1500) {
			jumbo = ifc;
			break;
		}
	}
	enum tl_severity sev = (jumbo && sv->v[0] == 0) || sv->v[0] == 2 ? TL_SEV_INFO : TL_SEV_OK;
	struct tl_finding *f = tl_drule_add(c, "tcp_mtu_probing", sev, "path MTU probing");
	tl_drule_seen_sysctl(f, c, TL_DS_MTU_PROBING);
	if (sv->v[0] == 2)
		TL_FSET(f->why, "2 probes from the start on every connection; ESnet: \"2 sometimes "
				"causes performance problems\" [E1]");
	else if (jumbo && sv->v[0] == 0)
		TL_FSET(f->why, "%s has MTU %d: if a router on the path drops jumbo frames without "
				"ICMP, connections stall; probing (PLPMTUD) recovers [E1][K1]",
			jumbo->name, jumbo->mtu);
	else
		TL_FSET(f->why, "no jumbo-frame interface here, so black-hole recovery matters little "
				"[E1]");
	if (sev == TL_SEV_OK)
		return;
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_mtu_probing=1");
	tl_drule_fix_sysctl(f, TL_DS_MTU_PROBING, "1");
	TL_FSET(f->cost, "none");
}

void tl_drule_slow_start_after_idle(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_SLOW_START_AFTER_IDLE, 1);
	if (!sv)
		return;
	if (sv->v[0] == 0) {
		struct tl_finding *f = tl_drule_add(c, "tcp_slow_start_after_idle", TL_SEV_OK,
						    "slow start after idle");
		tl_drule_seen_sysctl(f, c, TL_DS_SLOW_START_AFTER_IDLE);
		TL_FSET(f->why, "off: an idle connection keeps its congestion window [K1]");
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_slow_start_after_idle", TL_SEV_INFO,
					    "slow start after idle");
	tl_drule_seen_sysctl(f, c, TL_DS_SLOW_START_AFTER_IDLE);
	/* Rounds of slow start from an initial window of 10 segments of 1448 B to one BDP. */
	double rounds = c->bdp_flow > 14480 ? ceil(log2((double)c->bdp_flow / 14480.0)) : 0;
	char s1[32], d1[32], d2[32];
	TL_FSET(f->why,
		"after an idle RTO the congestion window restarts from the initial window (RFC 2861), "
		"so each burst of a long-lived connection with pauses (an iterative job) starts slow: "
		"from 10 segments to one BDP of %s takes about log2(%s / 14480 B) = %.0f RTTs = %s at "
		"%s RTT (inference) [K1]",
		tl_drule_size(c->bdp_flow, s1), s1, rounds,
		tl_drule_dur((uint64_t)(rounds * (double)c->w->rtt_ns), d1),
		tl_drule_dur(c->w->rtt_ns, d2));
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_slow_start_after_idle=0 for long-lived connections "
			"with idle gaps (a judgement call, commonly set)");
	tl_drule_fix_sysctl(f, TL_DS_SLOW_START_AFTER_IDLE, "0");
	TL_FSET(f->cost, "a flow resuming after a pause may send its full window at once into a "
			 "queue that has drained");
}

void tl_drule_netdev_max_backlog(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_NETDEV_MAX_BACKLOG, 1);
	if (!sv)
		return;
	const struct tl_doctor_counters *k = &c->r->counters;
	int64_t drops = k->have_softnet ? k->softnet_dropped : 0;
	bool fast = c->w->rate_bps >= 10000000000ULL;
	char d1[32];
	enum tl_severity sev = drops > 0 ? (k->interval_ns ? TL_SEV_WARN : TL_SEV_INFO)
			       : fast && sv->v[0] < 30000 ? TL_SEV_INFO : TL_SEV_OK;
	struct tl_finding *f = tl_drule_add(c, "netdev_max_backlog", sev, "per-CPU input queue");
	tl_drule_seen_sysctl(f, c, TL_DS_NETDEV_MAX_BACKLOG);
	char dropped[160];
	if (k->interval_ns)
		snprintf(dropped, sizeof(dropped), "%" PRId64 " packets dropped in %s", drops,
			 tl_drule_dur(k->interval_ns, d1));
	else
		snprintf(dropped, sizeof(dropped), "%" PRId64 " packets dropped since boot", drops);
	TL_FSET(f->why,
		"packets wait here before the stack processes them; %s because it was full "
		"(/proc/net/softnet_stat column 2)%s [K14][BT]",
		dropped, fast ? "; ESnet uses 30000 at 10 Gbit/s and 250000 at 40 Gbit/s [E1]" : "");
	if (sev == TL_SEV_OK)
		return;
	uint64_t rec = sv->v[0] * 2;
	if (fast && rec < 30000)
		rec = 30000;
	char value[32];
	snprintf(value, sizeof(value), "%" PRIu64, rec);
	TL_FSET(f->fix, "sysctl -w net.core.netdev_max_backlog=%s", value);
	tl_drule_fix_sysctl(f, TL_DS_NETDEV_MAX_BACKLOG, value);
	TL_FSET(f->cost, "queued packets per CPU at most, and latency while the queue is long");
}

void tl_drule_offloads(struct tl_drule_ctx *c)
{
	char ok_list[256] = "";
	size_t ok_len = 0;
	bool fast = c->w->rate_bps >= 1000000000ULL;
	for (size_t i = 0; i < c->r->n_ifaces; i++) {
		const struct tl_iface *ifc = &c->r->ifaces[i];
		if (!(ifc->flags & IFF_UP))
			continue;
		if (ifc->gso == TL_OFFLOAD_UNKNOWN && ifc->gro == TL_OFFLOAD_UNKNOWN &&
		    ifc->tso == TL_OFFLOAD_UNKNOWN)
			continue;
		bool off = ifc->gso == TL_OFFLOAD_OFF || ifc->gro == TL_OFFLOAD_OFF ||
			   ifc->tso == TL_OFFLOAD_OFF;
		if (!off) {
			if (ok_len < sizeof(ok_list))
				ok_len += (size_t)snprintf(ok_list + ok_len, sizeof(ok_list) - ok_len,
							   "%s%s", ok_len ? ", " : "", ifc->name);
			continue;
		}
		char id[40], r1[32];
		snprintf(id, sizeof(id), "offload:%s", ifc->name);
		struct tl_finding *f = tl_drule_add(c, id, fast ? TL_SEV_WARN : TL_SEV_INFO,
						    "segmentation offloads off");
		TL_FSET(f->seen, "%s (mtu %d): gso %s, gro %s, tso %s", ifc->name, ifc->mtu,
			tl_offload_state_name(ifc->gso), tl_offload_state_name(ifc->gro),
			tl_offload_state_name(ifc->tso));
		int mtu = ifc->mtu > 0 ? ifc->mtu : 1500;
		TL_FSET(f->why,
			"without GSO/TSO the stack builds one MTU-sized packet at a time, without GRO it "
			"handles each arriving packet alone: at %s that is %s / (%d B x 8) = %.0f packets/s "
			"per direction through the whole stack instead of batches of up to 64 KiB "
			"(a per-packet cost a fast path cannot afford)",
			tl_drule_rate((double)c->w->rate_bps, r1), r1, mtu,
			(double)c->w->rate_bps / (8.0 * mtu));
		TL_FSET(f->fix, "ethtool -K %s gso on gro on tso on (not persistent: add it to the "
				"interface's configuration)", ifc->name);
		TL_FSET(f->cost, "none in memory; less CPU per byte");
	}
	if (ok_len) {
		struct tl_finding *f = tl_drule_add(c, "offloads", TL_SEV_OK, "segmentation offloads");
		TL_FSET(f->seen, "gso, gro and tso on: %s", ok_list);
	}
}

struct counter_text {
	enum tl_doctor_counter id;
	const char *meaning;
	const char *fix;
};

/* What each counter means and what to do when it grows [K11][K1][C1]. */
static const struct counter_text counter_texts[] = {
	{ TL_DC_LISTEN_OVERFLOWS,
	  "an accept queue was full when a handshake completed: the final ACK was dropped and "
	  "the client had to retry [K11][C1]",
	  "accept faster and raise the listen() backlog and net.core.somaxconn (see somaxconn)" },
	{ TL_DC_LISTEN_DROPS,
	  "connections dropped at a listener for any reason, every ListenOverflows included "
	  "[K11][C1]",
	  "as for ListenOverflows; if it grows alone, look at SYN handling (tcp_max_syn_backlog)" },
	{ TL_DC_TIMEWAIT_OVERFLOW,
	  "TIME_WAIT sockets destroyed early because tcp_max_tw_buckets was reached [K1]",
	  "raise net.ipv4.tcp_max_tw_buckets (never lower it)" },
	{ TL_DC_BACKLOG_DROP,
	  "segments dropped because a socket's backlog (packets that arrive while the "
	  "application holds the socket) exceeded its receive buffer",
	  "larger receive buffers (tcp_rmem) or a reader that holds the socket less" },
	{ TL_DC_PRUNE_CALLED,
	  "a receive queue outgrew its buffer and the kernel had to prune it: receive memory "
	  "pressure",
	  "a faster reader, or larger receive buffers (tcp_rmem)" },
	{ TL_DC_RCV_PRUNED,
	  "received data was thrown away after pruning failed to free enough memory",
	  "a faster reader, larger tcp_rmem, or more tcp_mem" },
	{ TL_DC_RCV_COLLAPSED,
	  "receive queues were copied into compact buffers to save memory (CPU spent because "
	  "buffers were full of small segments)",
	  "larger receive buffers or a faster reader" },
	{ TL_DC_MEMORY_PRESSURES,
	  "TCP entered memory pressure (tcp_mem[1] reached) and shrank every socket's buffers",
	  "see tcp_mem: fewer bytes parked in buffers, or a higher tcp_mem" },
	{ TL_DC_ABORT_ON_MEMORY,
	  "connections were reset because TCP memory (tcp_mem[2]) or the orphan limit ran out",
	  "see tcp_mem and tcp_max_orphans" },
	{ TL_DC_REQQ_FULL_DROP,
	  "SYNs dropped because a listener's SYN queue was full [K11]",
	  "raise net.ipv4.tcp_max_syn_backlog and the listen() backlog" },
	{ TL_DC_REQQ_FULL_DO_COOKIES,
	  "a SYN queue was full and syncookies answered instead [K11]",
	  "raise net.ipv4.tcp_max_syn_backlog and the listen() backlog" },
	{ TL_DC_SYNCOOKIES_SENT,
	  "syncookies were sent: a SYN queue overflowed; under legitimate load the kernel "
	  "documentation calls the server \"seriously misconfigured\" [K1]",
	  "raise net.ipv4.tcp_max_syn_backlog and the listen() backlog" },
	{ TL_DC_RCVQ_DROP,
	  "segments dropped because a receive queue was full and no memory could be charged",
	  "a faster reader or larger receive buffers" },
};

void tl_drule_counters(struct tl_drule_ctx *c)
{
	const struct tl_doctor_counters *k = &c->r->counters;
	char d1[32];
	int grown = 0, present = 0;
	for (size_t i = 0; i < sizeof(counter_texts) / sizeof(counter_texts[0]); i++) {
		const struct counter_text *t = &counter_texts[i];
		if (!k->present[t->id])
			continue;
		present++;
		if (k->value[t->id] <= 0)
			continue;
		grown++;
		const char *name = tl_doctor_counter_name(t->id);
		char id[48];
		snprintf(id, sizeof(id), "counter:%s", name);
		struct tl_finding *f = tl_drule_add(c, id, k->interval_ns ? TL_SEV_WARN : TL_SEV_INFO,
						    k->interval_ns ? "kernel counter growing"
								   : "kernel counter since boot");
		if (k->interval_ns)
			TL_FSET(f->seen, "TcpExt %s grew by %" PRId64 " in %s (%.1f/s)", name,
				k->value[t->id], tl_drule_dur(k->interval_ns, d1),
				(double)k->value[t->id] * 1e9 / (double)k->interval_ns);
		else
			TL_FSET(f->seen, "TcpExt %s = %" PRId64 " since boot (or since this namespace "
					 "was created)", name, k->value[t->id]);
		TL_FSET(f->why, "%s%s", t->meaning,
			k->interval_ns ? "" : "; run with --watch 10 to see whether it is still growing");
		TL_FSET(f->fix, "%s", t->fix);
	}
	if (grown == 0 && present > 0) {
		struct tl_finding *f = tl_drule_add(c, "counters", TL_SEV_OK, "kernel trouble counters");
		if (k->interval_ns)
			TL_FSET(f->seen, "none of %d TcpExt trouble counters grew in %s", present,
				tl_drule_dur(k->interval_ns, d1));
		else
			TL_FSET(f->seen, "all %d TcpExt trouble counters are 0", present);
	}
}
