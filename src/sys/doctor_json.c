#include "sys/doctor_json.h"

#include <net/if.h>

#include "sys/bdp.h"
#include "sys/sysctl.h"

/* jansson's json_object_set_new ignores NULL values safely only as an error; keep it simple. */
static void put(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v ? v : json_null());
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *addr(const struct tl_sock_addr *a)
{
	char buf[64];
	return json_string(tl_sock_addr_fmt(a, buf, sizeof(buf)));
}

static json_t *sysctls_json(const struct tl_doctor_readings *r)
{
	json_t *o = json_object();
	for (int id = 0; id < TL_DS_COUNT; id++) {
		const struct tl_doctor_sysctl_info *info =
			tl_doctor_sysctl_info((enum tl_doctor_sysctl)id);
		const struct tl_sysctl_value *sv = &r->sysctl[id];
		json_t *e = json_object();
		put(e, "value", sv->present ? json_string(sv->text) : json_null());
		put(e, "scope", json_string(info->scope == TL_SCOPE_GLOBAL ? "global" : "netns"));
		put(e, "writable", json_boolean(sv->present && sv->writable));
		put(o, info->name, e);
	}
	return o;
}

static json_t *sockets_json(const struct tl_doctor_readings *r)
{
	if (!r->have_sockets)
		return json_null();
	const struct tl_sock_scan *s = &r->sockets;
	json_t *o = json_object(), *states = json_object();
	for (int st = 1; st < TL_TCP_STATE_SLOTS; st++)
		if (s->counts.by_state[st])
			put(states, tl_tcp_state_name(st), u64(s->counts.by_state[st]));
	put(o, "total", u64(s->counts.total));
	put(o, "states", states);
	put(o, "time_wait", u64(s->counts.time_wait));
	put(o, "orphans", u64(s->counts.orphans));
	json_t *tw = json_array();
	for (size_t i = 0; i < s->n_tw_top; i++) {
		json_t *g = json_object();
		put(g, "local", addr(&s->tw_top[i].local));
		put(g, "remote", addr(&s->tw_top[i].remote));
		put(g, "count", u64(s->tw_top[i].count));
		json_array_append_new(tw, g);
	}
	put(o, "time_wait_groups", u64(s->tw_groups));
	put(o, "time_wait_top", tw);
	json_t *ls = json_array();
	for (size_t i = 0; i < s->n_listeners; i++) {
		json_t *l = json_object();
		put(l, "local", addr(&s->listeners[i].local));
		put(l, "queued", u64(s->listeners[i].queued));
		put(l, "limit", u64(s->listeners[i].limit));
		json_array_append_new(ls, l);
	}
	put(o, "listeners_total", u64(s->listeners_total));
	put(o, "listeners", ls);
	json_t *sm = json_array();
	for (size_t i = 0; i < s->n_small; i++) {
		const struct tl_sock_small_buf *b = &s->small[i];
		json_t *e = json_object();
		put(e, "local", addr(&b->local));
		put(e, "remote", addr(&b->remote));
		put(e, "rcvbuf", u64(b->rcvbuf));
		put(e, "sndbuf", u64(b->sndbuf));
		put(e, "uid", u64(b->uid));
		put(e, "inode", u64(b->inode));
		json_array_append_new(sm, e);
	}
	put(o, "small_rcvbuf_total", u64(s->small_total));
	put(o, "small_rcvbuf", sm);
	return o;
}

static json_t *ifaces_json(const struct tl_doctor_readings *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct tl_iface *ifc = &r->ifaces[i];
		json_t *e = json_object();
		put(e, "name", json_string(ifc->name));
		put(e, "mtu", json_integer(ifc->mtu));
		put(e, "up", json_boolean(ifc->flags & IFF_UP));
		put(e, "loopback", json_boolean(ifc->flags & IFF_LOOPBACK));
		put(e, "gso", json_string(tl_offload_state_name(ifc->gso)));
		put(e, "gro", json_string(tl_offload_state_name(ifc->gro)));
		put(e, "tso", json_string(tl_offload_state_name(ifc->tso)));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *counters_json(const struct tl_doctor_counters *k)
{
	json_t *o = json_object(), *v = json_object();
	put(o, "interval_s", k->interval_ns ? json_real((double)k->interval_ns / 1e9) : json_null());
	for (int i = 0; i < TL_DC_COUNT; i++)
		if (k->present[i])
			put(v, tl_doctor_counter_name((enum tl_doctor_counter)i),
			    json_integer(k->value[i]));
	put(o, "TcpExt", v);
	put(o, "softnet_dropped", k->have_softnet ? json_integer(k->softnet_dropped) : json_null());
	return o;
}

static json_t *derived_json(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w)
{
	json_t *o = json_object();
	uint32_t flows = w->flows ? w->flows : 1;
	uint64_t bdp = tl_bdp_bytes(w->rate_bps, w->rtt_ns);
	put(o, "bdp_bytes", u64(bdp));
	put(o, "bdp_per_flow_bytes", u64((bdp + flows - 1) / flows));
	put(o, "rcvbuf_needed_per_flow_bytes", u64(tl_bdp_rcvbuf_needed(bdp, flows)));
	struct tl_port_facts pf;
	if (tl_doctor_port_facts(r, &pf)) {
		struct tl_port_ceiling pc;
		tl_port_ceiling(&pf, w->dest_loopback, 1, &pc);
		put(o, "ephemeral_ports", u64(pf.port_hi - pf.port_lo + 1));
		put(o, "ephemeral_ports_usable", u64(pc.ports));
		put(o, "time_wait_seconds", json_integer(TL_TIME_WAIT_LEN_S));
		put(o, "dest_loopback", json_boolean(w->dest_loopback));
		put(o, "port_hold_ms", json_integer(pc.hold_ms));
		put(o, "new_conns_per_sec_ceiling", json_integer((json_int_t)pc.per_sec_floor));
		put(o, "ceiling_reason", json_string(pc.why));
	}
	return o;
}

static json_t *findings_json(const struct tl_findings *f, json_t **summary)
{
	json_t *a = json_array();
	size_t count[TL_SEV_SEVERE + 1] = { 0 };
	for (size_t i = 0; i < f->n; i++) {
		const struct tl_finding *fi = &f->items[i];
		count[fi->severity]++;
		json_t *e = json_object();
		put(e, "id", json_string(fi->id));
		put(e, "severity", json_string(tl_severity_name(fi->severity)));
		put(e, "title", json_string(fi->title));
		put(e, "seen", json_string(fi->seen));
		put(e, "why", json_string(fi->why));
		put(e, "fix", fi->fix[0] ? json_string(fi->fix) : json_null());
		put(e, "cost", fi->cost[0] ? json_string(fi->cost) : json_null());
		if (fi->sysctl[0]) {
			json_t *s = json_object();
			put(s, "name", json_string(fi->sysctl));
			put(s, "value", json_string(fi->value));
			put(s, "global", json_boolean(fi->global));
			put(e, "sysctl", s);
		} else {
			put(e, "sysctl", json_null());
		}
		json_array_append_new(a, e);
	}
	*summary = json_object();
	for (int s = TL_SEV_OK; s <= TL_SEV_SEVERE; s++)
		put(*summary, tl_severity_name((enum tl_severity)s), u64(count[s]));
	put(*summary, "worst", json_string(tl_severity_name(tl_findings_worst(f))));
	return a;
}

json_t *tl_doctor_json(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w,
		       const struct tl_findings *f)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put(o, "tool", json_string("tcplab doctor"));
	put(o, "version", json_string(TCPLAB_VERSION));
	json_t *k = json_object();
	put(k, "release", json_string(r->host.kernel_release));
	put(k, "major", json_integer(r->host.kernel_major));
	put(k, "minor", json_integer(r->host.kernel_minor));
	put(o, "kernel", k);
	json_t *ns = json_object();
	put(ns, "inode", u64(r->host.netns_inode));
	put(ns, "init", json_boolean(r->host.init_netns));
	put(o, "netns", ns);
	json_t *wl = json_object();
	put(wl, "rate_bps", u64(w->rate_bps));
	put(wl, "rtt_ns", u64(w->rtt_ns));
	put(wl, "flows", u64(w->flows));
	put(wl, "conns_per_sec", u64(w->conns_per_sec));
	put(wl, "concurrent", u64(w->concurrent));
	put(o, "workload", wl);
	put(o, "derived", derived_json(r, w));
	put(o, "sysctls", sysctls_json(r));
	put(o, "sockets", sockets_json(r));
	if (r->have_sockstat) {
		json_t *ss = json_object();
		put(ss, "tcp_inuse", json_integer(r->sockstat.tcp_inuse));
		put(ss, "tcp6_inuse", json_integer(r->sockstat.tcp6_inuse));
		put(ss, "tcp_orphan", json_integer(r->sockstat.tcp_orphan));
		put(ss, "tcp_tw", json_integer(r->sockstat.tcp_tw));
		put(ss, "tcp_alloc", json_integer(r->sockstat.tcp_alloc));
		put(ss, "tcp_mem_pages", json_integer(r->sockstat.tcp_mem_pages));
		put(o, "sockstat", ss);
	} else {
		put(o, "sockstat", json_null());
	}
	put(o, "interfaces", ifaces_json(r));
	json_t *nf = json_object();
	put(nf, "soft", r->host.nofile_soft == UINT64_MAX ? json_null() : u64(r->host.nofile_soft));
	put(nf, "hard", r->host.nofile_hard == UINT64_MAX ? json_null() : u64(r->host.nofile_hard));
	put(o, "nofile", nf);
	put(o, "page_size", u64(r->host.page_size));
	put(o, "counters", counters_json(&r->counters));
	json_t *pb = json_array();
	for (size_t i = 0; i < r->n_problems; i++)
		json_array_append_new(pb, json_string(r->problems[i]));
	put(o, "problems", pb);
	json_t *summary = NULL;
	put(o, "findings", findings_json(f, &summary));
	put(o, "summary", summary);
	return o;
}

static const char *status_name(enum tl_change_status s)
{
	return s == TL_CHANGE_APPLIED ? "applied" : s == TL_CHANGE_SKIPPED ? "skipped" : "planned";
}

json_t *tl_doctor_changes_json(const char *file, bool now, const char *state,
			       const struct tl_doctor_change *c, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", c[i].name,
						   "value", c[i].value, "old", c[i].old, "global",
						   c[i].global, "status", status_name(c[i].status)));
	return json_pack("{s:o?, s:b, s:o?, s:o}", "file", file ? json_string(file) : NULL, "now",
			 now, "state", now ? json_string(state) : NULL, "changes", a);
}
