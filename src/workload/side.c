#include "workload/side.h"
#include "workload/schedule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine.h"
#include "measure/cpu.h"
#include "measure/hist.h"
#include "measure/tcpinfo.h"
#include "sys/counter_set.h"
#include "sys/sockdiag.h"
#include "sys/sysctl.h"
#include "net/sock.h"
#include "util/clock.h"

/* Above this many flow x interval cells only the aggregate of each interval is kept. */
#define SIDE_MAX_FLOW_CELLS (2u << 20)
#define SIDE_STALL_CHECK_NS (100 * TL_NSEC_PER_MSEC)

struct side_conn {
	int slot;                 /* engine slot; -1 until attached */
	int sender;
	struct tl_sock_effective eff;      /* at attach: what the options gave */
	struct tl_sock_effective eff_end;  /* at the end: what autotuning grew them to */
	uint64_t base_bytes;      /* engine bytes at the window start */
	uint64_t prev_bytes;      /* at the last boundary */
	uint64_t final_bytes;     /* in the window, set at the end */
	uint32_t prev_retrans;    /* total_retrans at the last boundary */
	int stalled;
	uint64_t stalled_for_ns;
	struct tl_tcpinfo ti_start, ti_end;
	int has_ti;
	struct tl_flow_sample end;
};

/*
 * What the kernel did to the test's sockets, as counter growth over the test in this end's
 * network namespace (every socket in it counts, not only the test's): memory pressure and
 * pruning (tcp_mem, tcp_rmem), zero windows (a receiver that does not read, or whose buffer
 * is squeezed), drops at the receive queue and the listen queue, and timeouts.
 */
static const struct tl_counter_id side_counters[] = {
	{ "TcpExt", "TCPMemoryPressures" },   { "TcpExt", "PruneCalled" },
	{ "TcpExt", "RcvPruned" },            { "TcpExt", "TCPRcvQDrop" },
	{ "TcpExt", "TCPToZeroWindowAdv" },   { "TcpExt", "TCPWantZeroWindowAdv" },
	{ "TcpExt", "TCPFromZeroWindowAdv" }, { "TcpExt", "TCPZeroWindowDrop" },
	{ "TcpExt", "TCPBacklogDrop" },       { "TcpExt", "ListenOverflows" },
	{ "TcpExt", "ListenDrops" },          { "TcpExt", "TCPTimeouts" },
	{ "TcpExt", "TCPLossProbes" },        { "Tcp", "RetransSegs" },
};
#define SIDE_COUNTERS ((unsigned)(sizeof(side_counters) / sizeof(side_counters[0])))

struct tl_side {
	struct tl_spec spec;
	int is_client;
	struct tl_engine *engine;
	uint32_t nconn, attached;
	struct side_conn *conns;

	uint64_t start_ns, window_start_ns, window_end_ns, hard_end_ns, ended_ns;
	int started, window_started, finished, incomplete, interrupted;

	uint32_t iv_max, iv_count;
	uint64_t *iv_end_ns;       /* [iv_max] */
	uint64_t *iv_agg;          /* [iv_max] bytes over all conns */
	uint64_t *iv_sent, *iv_recv; /* [iv_max] the same, split by what this end sent / received */
	uint64_t *iv_bytes;        /* [iv_max * nconn] or NULL */
	uint32_t *iv_rtt, *iv_cwnd, *iv_retrans;
	struct tl_cpu_sample cpu;
	/* The whole machine over the test (/proc/stat): busy and stolen shares. have_sys: 1
	 * with the start sample, 2 with both. */
	struct tl_sys_cpu sys_start, sys_end;
	int have_sys;
	/* The kernel's counters that explain stalls and slow flows, at the start and the end
	 * (have_kernel as have_sys). */
	struct tl_counter_set kernel_start, kernel_end;
	int have_kernel;

	/* rr / crr */
	int txn;                   /* workload counts transactions, not bytes */
	struct tl_hist *lat_iv, *lat_total, *conn_iv, *conn_total;
	json_t *iv_extra;          /* [k]: latency summaries and connection counters */
	struct tl_engine_counters prev_counters;
	uint16_t tw_port;          /* count TIME_WAIT towards this port (client of crr) */
	int tw_all;                /* count every TIME_WAIT of the netns (agent of crr) */
	uint32_t tw_peak;
	uint32_t ports_in_range;
	int listen_fd;
	uint64_t first_addrnotavail_ns;
};

struct tl_side *tl_side_new(const struct tl_spec *spec, int is_client, struct tl_err *err)
{
	struct tl_side *s = calloc(1, sizeof(*s));
	if (!s) {
		tl_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	s->spec = *spec;
	s->is_client = is_client;
	s->nconn = tl_spec_connections(spec);
	s->conns = calloc(s->nconn, sizeof(*s->conns));
	if (!s->conns)
		goto nomem;
	for (uint32_t i = 0; i < s->nconn; i++) {
		s->conns[i].slot = -1;
		s->conns[i].sender = tl_side_conn_sends(s, i);
	}
	uint64_t window = spec->bytes ? spec->max_duration_ns : spec->duration_ns;
	if (spec->interval_ns)
		s->iv_max = (uint32_t)((window + spec->interval_ns - 1) / spec->interval_ns) + 1;
	s->iv_end_ns = calloc(s->iv_max + 1, sizeof(uint64_t));
	s->iv_agg = calloc(s->iv_max + 1, sizeof(uint64_t));
	s->iv_sent = calloc(s->iv_max + 1, sizeof(uint64_t));
	s->iv_recv = calloc(s->iv_max + 1, sizeof(uint64_t));
	if (!s->iv_end_ns || !s->iv_agg || !s->iv_sent || !s->iv_recv)
		goto nomem;
	if ((uint64_t)s->iv_max * s->nconn <= SIDE_MAX_FLOW_CELLS) {
		size_t cells = (size_t)s->iv_max * s->nconn + 1;
		s->iv_bytes = calloc(cells, sizeof(uint64_t));
		s->iv_rtt = calloc(cells, sizeof(uint32_t));
		s->iv_cwnd = calloc(cells, sizeof(uint32_t));
		s->iv_retrans = calloc(cells, sizeof(uint32_t));
		if (!s->iv_bytes || !s->iv_rtt || !s->iv_cwnd || !s->iv_retrans)
			goto nomem;
	}
	s->listen_fd = -1;
	s->txn = spec->workload != TL_WORKLOAD_STREAM;
	if (s->txn) {
		s->lat_iv = tl_hist_new();
		s->lat_total = tl_hist_new();
		s->conn_iv = tl_hist_new();
		s->conn_total = tl_hist_new();
		s->iv_extra = json_array();
		if (!s->lat_iv || !s->lat_total || !s->conn_iv || !s->conn_total || !s->iv_extra)
			goto nomem;
		struct tl_port_range pr;
		if (tl_port_range_read(&pr, NULL) == 0)
			s->ports_in_range = tl_port_range_count(&pr);
	}
	struct tl_engine_config cfg = {
		.threads = spec->threads < s->nconn ? spec->threads : s->nconn,
		.max_flows = s->nconn,
		.length = spec->length,
		.verify = spec->verify,
		.latency = s->txn,
	};
	s->engine = tl_engine_new(&cfg, err);
	if (!s->engine) {
		tl_side_free(s);
		return NULL;
	}
	return s;
nomem:
	tl_err_set(err, ENOMEM, "out of memory for %u flows", s->nconn);
	tl_side_free(s);
	return NULL;
}

void tl_side_free(struct tl_side *s)
{
	if (!s)
		return;
	tl_engine_free(s->engine);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	tl_hist_free(s->lat_iv);
	tl_hist_free(s->lat_total);
	tl_hist_free(s->conn_iv);
	tl_hist_free(s->conn_total);
	json_decref(s->iv_extra);
	free(s->conns);
	free(s->iv_end_ns);
	free(s->iv_agg);
	free(s->iv_sent);
	free(s->iv_recv);
	free(s->iv_bytes);
	free(s->iv_rtt);
	free(s->iv_cwnd);
	free(s->iv_retrans);
	free(s);
}

int tl_side_conn_sends(const struct tl_side *s, uint32_t conn)
{
	int client_sends = tl_spec_conn_client_sends(&s->spec, conn);
	return s->is_client ? client_sends : !client_sends;
}

uint32_t tl_side_attached(const struct tl_side *s)
{
	return s->attached;
}

int tl_side_attach(struct tl_side *s, uint32_t conn, int fd, struct tl_err *err)
{
	int rc = -1;
	if (conn >= s->nconn || s->conns[conn].slot >= 0) {
		rc = tl_err_set(err, EPROTO, "flow %u is %s", conn,
				conn >= s->nconn ? "not part of this test" : "already connected");
		goto fail;
	}
	struct side_conn *c = &s->conns[conn];
	struct tl_sockopts o;
	enum tl_sock_role role = c->sender ? TL_SOCK_SENDER : TL_SOCK_RECEIVER;
	tl_spec_flow_opts(&s->spec, conn, &o);
	/* The client set the pre-connect options before connect(); the agent's accepted socket
	 * gets them now (its window scale was fixed by the listener, sized for the maximum). */
	if ((!s->is_client && tl_sock_apply_pre(fd, &o, role, err) < 0) ||
	    tl_sock_apply_post(fd, &o, role, err) < 0 ||
	    tl_sock_set_nonblock(fd, err) < 0 ||
	    tl_sock_read_effective(fd, &c->eff, err) < 0) {
		tl_err_prefix(err, "flow %u", conn);
		goto fail;
	}
	struct tl_flow_params p = {
		.fd = fd,
		.id = conn,
		.sender = c->sender,
		.mode = s->spec.workload == TL_WORKLOAD_RR ? (s->is_client ? TL_MODE_RR_CLIENT : TL_MODE_RR_SERVER)
							    : TL_MODE_STREAM,
		.request_size = s->spec.request_size,
		.response_size = s->spec.response_size,
		.zerocopy = c->sender && o.zerocopy,
		.budget = c->sender ? tl_spec_conn_bytes(&s->spec, conn) : 0,
		.stop_reading_after_ns = (!c->sender && s->spec.fault_stop_reading_flow == (int64_t)conn)
						 ? s->spec.fault_after_ns + 1 : 0,
	};
	if (p.mode == TL_MODE_RR_CLIENT && s->spec.rate) {
		/* The rate is for all flows together: each flow sends every flows/rate seconds,
		 * its schedule shifted by its index so the flows do not fire in step. */
		tl_schedule_flow(s->spec.rate, s->spec.flows, conn, &p.send_interval_ns, &p.send_phase_ns);
	}
	int slot = tl_engine_add_flow(s->engine, &p, err);
	if (slot < 0)
		goto fail;
	c->slot = slot;
	s->attached++;
	return 0;
fail:
	tl_sock_close_abort(fd);
	return rc < 0 ? rc : -1;
}

static void sample_tcpinfo(const struct tl_side *s, const struct side_conn *c, struct tl_tcpinfo *ti);

int tl_side_add_connectors(struct tl_side *s, const struct tl_addr *dest, const struct tl_addr *srcs,
			   uint32_t nsrc, struct tl_err *err)
{
	s->tw_port = tl_addr_port(dest);
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		struct tl_sockopts o;
		tl_spec_flow_opts(&s->spec, i, &o);
		struct tl_flow_params p = {
			.fd = -1,
			.id = i,
			.sender = 1,
			.mode = TL_MODE_CRR_CLIENT,
			.request_size = s->spec.request_size,
			.response_size = s->spec.response_size,
			.dest = dest,
			.src = nsrc ? &srcs[i % nsrc] : NULL,
			.requests_per_conn = s->spec.requests_per_conn,
			.client_closes = s->spec.close_side == TL_CLOSE_CLIENT,
			.linger0 = s->spec.linger0,
			.connect_timeout_ns = s->spec.connect_timeout_ns,
			.sockopts = &o,
		};
		if (s->spec.rate) {
			/* crr's rate is in new connections per second over all connectors */
			tl_schedule_flow(s->spec.rate, s->spec.flows, i, &p.send_interval_ns, &p.send_phase_ns);
		}
		int slot = tl_engine_add_flow(s->engine, &p, err);
		if (slot < 0)
			return slot;
		c->slot = slot;
		c->sender = 1;
		s->attached++;
	}
	return 0;
}

int tl_side_listen(struct tl_side *s, const struct tl_addr *bind_addr, uint16_t *port, struct tl_err *err)
{
	struct tl_addr a = *bind_addr;
	tl_addr_set_port(&a, 0);
	s->listen_fd = tl_sock_listen(&a, 65535, NULL, err);
	if (s->listen_fd < 0)
		return -1;
	struct tl_addr got;
	if (tl_addr_local(s->listen_fd, &got, err) < 0)
		return -1;
	*port = tl_addr_port(&got);
	s->tw_all = 1;
	struct tl_crr_server_params p = {
		.request_size = s->spec.request_size,
		.response_size = s->spec.response_size,
		.requests_per_conn = s->spec.requests_per_conn,
		.server_closes = s->spec.close_side == TL_CLOSE_SERVER,
		.linger0 = s->spec.linger0,
	};
	return tl_engine_add_listener(s->engine, s->listen_fd, &p, err);
}

void tl_side_start(struct tl_side *s, uint64_t start_ns)
{
	s->start_ns = start_ns;
	s->window_start_ns = start_ns + s->spec.omit_ns;
	s->have_sys = tl_sys_cpu_read(&s->sys_start, NULL) == 0;
	s->have_kernel = tl_counter_set_read(side_counters, SIDE_COUNTERS, &s->kernel_start, NULL) == 0;
	if (s->spec.bytes) {
		s->window_end_ns = start_ns + s->spec.max_duration_ns;
		s->hard_end_ns = s->window_end_ns;
	} else {
		s->window_end_ns = s->window_start_ns + s->spec.duration_ns;
		s->hard_end_ns = s->window_end_ns;
	}
	s->started = 1;
	tl_engine_start(s->engine, start_ns, s->hard_end_ns);
}

static uint64_t next_boundary(const struct tl_side *s)
{
	if (!s->spec.interval_ns || s->iv_count >= s->iv_max)
		return UINT64_MAX;
	uint64_t b = s->window_start_ns + (uint64_t)(s->iv_count + 1) * s->spec.interval_ns;
	return b < s->window_end_ns ? b : s->window_end_ns;
}

uint64_t tl_side_next_deadline(const struct tl_side *s)
{
	uint64_t now = tl_now_ns();
	/* a transfer of fixed size is checked more often, so its end is seen soon */
	uint64_t check = s->spec.bytes ? SIDE_STALL_CHECK_NS / 10 : SIDE_STALL_CHECK_NS;
	if (!s->started || s->finished)
		return now + check;
	uint64_t d = now + check;
	if (!s->window_started && s->window_start_ns < d)
		d = s->window_start_ns;
	if (s->window_started && next_boundary(s) < d)
		d = next_boundary(s);
	if (s->window_end_ns < d)
		d = s->window_end_ns;
	return d;
}

static void sample_tcpinfo(const struct tl_side *s, const struct side_conn *c, struct tl_tcpinfo *ti)
{
	memset(ti, 0, sizeof(*ti));
	tl_tcpinfo_read(tl_engine_flow_fd(s->engine, (size_t)c->slot), ti, NULL);
}

json_t *tl_latency_summary(const struct tl_hist *h)
{
	static const double pcts[] = { 50, 90, 99, 99.9 };
	uint64_t v[4];
	tl_hist_percentiles(h, pcts, v, 4);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "count", (json_int_t)tl_hist_count(h),
			 "min_ns", (json_int_t)tl_hist_min(h), "p50_ns", (json_int_t)v[0],
			 "p90_ns", (json_int_t)v[1], "p99_ns", (json_int_t)v[2], "p999_ns", (json_int_t)v[3],
			 "max_ns", (json_int_t)tl_hist_max(h), "mean_ns", tl_hist_mean(h));
}

/* Latency, connection and TIME_WAIT figures of the interval just ended (rr, crr). */
static json_t *txn_interval(struct tl_side *s)
{
	struct tl_engine_counters now;
	tl_engine_take_latency(s->engine, s->lat_iv, s->conn_iv);
	tl_hist_merge(s->lat_total, s->lat_iv);
	tl_hist_merge(s->conn_total, s->conn_iv);
	tl_engine_counters(s->engine, &now);
	json_t *j = json_pack("{s:o,s:I,s:I}", "latency", tl_latency_summary(s->lat_iv),
			      "transactions_all", (json_int_t)(now.transactions - s->prev_counters.transactions),
			      "connects", (json_int_t)(now.connects - s->prev_counters.connects));
	if (s->spec.workload == TL_WORKLOAD_CRR) {
		json_object_set_new(j, "connect_latency", tl_latency_summary(s->conn_iv));
		json_object_set_new(j, "connect_failures", json_pack("{s:I,s:I,s:I,s:I}",
			"addrnotavail", (json_int_t)(now.connect_fail[TL_CFAIL_ADDRNOTAVAIL] - s->prev_counters.connect_fail[TL_CFAIL_ADDRNOTAVAIL]),
			"refused", (json_int_t)(now.connect_fail[TL_CFAIL_REFUSED] - s->prev_counters.connect_fail[TL_CFAIL_REFUSED]),
			"timedout", (json_int_t)(now.connect_fail[TL_CFAIL_TIMEDOUT] - s->prev_counters.connect_fail[TL_CFAIL_TIMEDOUT]),
			"other", (json_int_t)(now.connect_fail[TL_CFAIL_OTHER] - s->prev_counters.connect_fail[TL_CFAIL_OTHER])));
		struct tl_sock_counts sc;
		if ((s->tw_port || s->tw_all) &&
		    tl_sockdiag_count_states(TL_SOCKDIAG_ALL, s->tw_all ? 0 : s->tw_port, &sc, NULL) == 0) {
			json_object_set_new(j, "time_wait", json_integer(sc.time_wait));
			if (sc.time_wait > s->tw_peak)
				s->tw_peak = sc.time_wait;
			if (!s->tw_all && s->ports_in_range) {
				/* a local port is tied up per destination while its socket lives */
				uint32_t used = sc.total;
				json_object_set_new(j, "ports_free", json_integer(
					used < s->ports_in_range ? s->ports_in_range - used : 0));
			}
		}
		if (now.connect_fail[TL_CFAIL_ADDRNOTAVAIL] && !s->first_addrnotavail_ns)
			s->first_addrnotavail_ns = tl_now_ns();
	}
	s->prev_counters = now;
	tl_hist_reset(s->lat_iv);
	tl_hist_reset(s->conn_iv);
	return j;
}

static void record_interval(struct tl_side *s, uint64_t end_ns)
{
	uint32_t k = s->iv_count;
	uint64_t agg = 0, sent = 0, recv = 0;
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		if (c->slot < 0)
			continue;
		struct tl_flow_sample fs;
		tl_engine_sample(s->engine, (size_t)c->slot, &fs);
		uint64_t count = s->txn ? fs.transactions : fs.bytes;
		uint64_t delta = count - c->prev_bytes;
		c->prev_bytes = count;
		agg += delta;
		*(c->sender ? &sent : &recv) += delta;
		if (!s->iv_bytes)
			continue;
		size_t cell = (size_t)k * s->nconn + i;
		s->iv_bytes[cell] = delta;
		if (c->sender && s->spec.workload != TL_WORKLOAD_CRR) {
			struct tl_tcpinfo ti;
			sample_tcpinfo(s, c, &ti);
			s->iv_rtt[cell] = ti.rtt_us;
			s->iv_cwnd[cell] = ti.snd_cwnd;
			/* retransmissions in this interval, not since the connection opened */
			s->iv_retrans[cell] = ti.total_retrans >= c->prev_retrans ? ti.total_retrans - c->prev_retrans : 0;
			c->prev_retrans = ti.total_retrans;
		}
	}
	s->iv_agg[k] = agg;
	s->iv_sent[k] = sent;
	s->iv_recv[k] = recv;
	s->iv_end_ns[k] = end_ns;
	if (s->txn)
		json_array_append_new(s->iv_extra, txn_interval(s));
	s->iv_count++;
}

static void check_stalls(struct tl_side *s, uint64_t now_ns, int *all_finished)
{
	*all_finished = 1;
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		if (c->slot < 0)
			continue;
		struct tl_flow_sample fs;
		tl_engine_sample(s->engine, (size_t)c->slot, &fs);
		if (fs.state != TL_FLOW_ACTIVE) {
			c->stalled_for_ns = 0;
			continue;
		}
		uint64_t since = fs.last_progress_ns > s->start_ns ? fs.last_progress_ns : s->start_ns;
		uint64_t idle = now_ns > since ? now_ns - since : 0;
		c->stalled_for_ns = idle >= s->spec.stall_timeout_ns ? idle : 0;
		if (c->stalled_for_ns)
			c->stalled = 1; /* sticky: a flow that stalled once is reported as such */
		/* A --bytes sender blocked on a full socket buffer is waiting for a receiver that
		 * may still be draining it slowly (a tiny --rcvbuf): it does not end this end's
		 * test. The receiver judges the stall; its end stops, and tells this one. */
		if (!c->stalled_for_ns || (s->spec.bytes && c->sender))
			*all_finished = 0;
	}
}

static void finish(struct tl_side *s, uint64_t now_ns)
{
	if (s->finished)
		return;
	uint64_t end = now_ns < s->window_end_ns ? now_ns : s->window_end_ns;
	if (!s->window_started) {
		s->window_started = 1;
		s->window_start_ns = end;
		for (uint32_t i = 0; i < s->nconn; i++)
			if (s->conns[i].slot >= 0) {
				struct tl_flow_sample fs;
				tl_engine_sample(s->engine, (size_t)s->conns[i].slot, &fs);
				s->conns[i].base_bytes = s->conns[i].prev_bytes = s->txn ? fs.transactions : fs.bytes;
			}
	}
	/* a last, partial interval up to the end */
	if (s->spec.interval_ns && s->iv_count < s->iv_max) {
		uint64_t prev_end = s->iv_count ? s->iv_end_ns[s->iv_count - 1] : s->window_start_ns;
		if (end > prev_end + TL_NSEC_PER_MSEC)
			record_interval(s, end);
	}
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		if (c->slot < 0)
			continue;
		tl_engine_sample(s->engine, (size_t)c->slot, &c->end);
		c->final_bytes = (s->txn ? c->end.transactions : c->end.bytes) - c->base_bytes;
		tl_sock_read_effective(tl_engine_flow_fd(s->engine, (size_t)c->slot), &c->eff_end, NULL);
		if (c->sender && s->spec.workload != TL_WORKLOAD_CRR) {
			sample_tcpinfo(s, c, &c->ti_end);
			c->has_ti = 1;
		}
	}
	if (s->txn && !s->spec.interval_ns) {
		/* no intervals: fold the whole window's latencies and counters into the totals */
		json_decref(txn_interval(s));
	}
	tl_engine_stop(s->engine, &s->cpu);
	if (s->have_sys == 1 && tl_sys_cpu_read(&s->sys_end, NULL) == 0)
		s->have_sys = 2;
	if (s->have_kernel == 1 &&
	    tl_counter_set_read(side_counters, SIDE_COUNTERS, &s->kernel_end, NULL) == 0)
		s->have_kernel = 2;
	s->ended_ns = end;
	s->finished = 1;
}

uint32_t tl_side_tick(struct tl_side *s, uint64_t now_ns, int *finished)
{
	*finished = s->finished;
	if (!s->started || s->finished)
		return s->iv_count;
	if (!s->window_started && now_ns >= s->window_start_ns) {
		/* With no warm-up the window opens at the start instant itself, before which no
		 * byte moves: the base is 0 (tl_side_start), with no sampling race against the
		 * workers. After a warm-up the base is what had moved by now. */
		for (uint32_t i = 0; i < s->nconn; i++) {
			struct side_conn *c = &s->conns[i];
			if (c->slot < 0)
				continue;
			if (s->spec.omit_ns) {
				struct tl_flow_sample fs;
				tl_engine_sample(s->engine, (size_t)c->slot, &fs);
				c->base_bytes = c->prev_bytes = s->txn ? fs.transactions : fs.bytes;
			}
			/* the chronographs (busy, rwnd/sndbuf-limited) count from here, so the start
			 * delay and the warm-up are not taken for idle application time */
			if (c->sender && s->spec.workload != TL_WORKLOAD_CRR) {
				sample_tcpinfo(s, c, &c->ti_start);
				c->prev_retrans = c->ti_start.total_retrans;
			}
		}
		if (s->txn && s->spec.omit_ns) {
			/* latencies of the warm-up are not part of the window */
			tl_engine_take_latency(s->engine, NULL, NULL);
			tl_engine_counters(s->engine, &s->prev_counters);
		}
		s->window_started = 1;
	}
	if (s->window_started)
		while (next_boundary(s) <= now_ns && next_boundary(s) < s->window_end_ns) {
			/* The counters are read now, so the interval ends now, not at the boundary it
			 * was due at: a late tick would otherwise put more bytes into the interval
			 * than its nominal length carries. When the tick is so late that more
			 * boundaries passed, the earlier ones keep their nominal ends. */
			uint64_t after = next_boundary(s) + s->spec.interval_ns;
			uint64_t end = now_ns < s->window_end_ns ? now_ns : s->window_end_ns;
			record_interval(s, after <= now_ns && after < s->window_end_ns ? next_boundary(s) : end);
		}
	int all_finished;
	check_stalls(s, now_ns, &all_finished);
	if (now_ns >= s->window_end_ns) {
		s->incomplete = s->spec.bytes != 0;
		finish(s, now_ns);
	} else if (s->spec.bytes && all_finished && s->attached == s->nconn) {
		/* the transfer ended when its last byte moved, not at this check */
		uint64_t last = s->window_start_ns;
		for (uint32_t i = 0; i < s->nconn; i++) {
			struct tl_flow_sample fs;
			if (s->conns[i].slot < 0)
				continue;
			tl_engine_sample(s->engine, (size_t)s->conns[i].slot, &fs);
			if (fs.last_progress_ns > last)
				last = fs.last_progress_ns;
		}
		finish(s, last > s->window_start_ns ? last : now_ns);
	}
	*finished = s->finished;
	return s->iv_count;
}

int tl_side_cut_short(const struct tl_side *s)
{
	if (s->incomplete)
		return 1;
	for (uint32_t i = 0; i < s->nconn; i++)
		if (s->conns[i].stalled && !s->conns[i].sender)
			return 1;
	return 0;
}

void tl_side_abort(struct tl_side *s, uint64_t now_ns)
{
	if (s->finished)
		return;
	if (!s->started) {
		s->started = 1;
		s->start_ns = s->window_start_ns = now_ns;
		s->window_end_ns = now_ns;
	}
	s->incomplete = 1;
	finish(s, now_ns);
}

void tl_side_interrupt(struct tl_side *s, uint64_t now_ns)
{
	if (s->finished)
		return;
	s->interrupted = 1;
	tl_side_abort(s, now_ns);
}

static json_t *u64_array(const uint64_t *v, size_t n, size_t stride)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i * stride]));
	return a;
}

static json_t *u32_array(const uint32_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

json_t *tl_side_interval_json(const struct tl_side *s, uint32_t k)
{
	if (k >= s->iv_count)
		return NULL;
	uint64_t start = k ? s->iv_end_ns[k - 1] : s->window_start_ns;
	json_t *j = json_pack("{s:I,s:I,s:I,s:I}", "k", (json_int_t)k,
			      "start_ns", (json_int_t)(start - s->window_start_ns),
			      "end_ns", (json_int_t)(s->iv_end_ns[k] - s->window_start_ns),
			      "bytes_total", (json_int_t)s->iv_agg[k]);
	if (!s->txn) {
		json_object_set_new(j, "bytes_sent_total", json_integer((json_int_t)s->iv_sent[k]));
		json_object_set_new(j, "bytes_received_total", json_integer((json_int_t)s->iv_recv[k]));
	}
	if (s->txn) {
		json_object_update(j, json_array_get(s->iv_extra, k));
		json_object_set_new(j, "transactions_total", json_integer((json_int_t)s->iv_agg[k]));
	}
	if (s->iv_bytes) {
		size_t base = (size_t)k * s->nconn;
		json_object_set_new(j, s->txn ? "transactions" : "bytes", u64_array(s->iv_bytes + base, s->nconn, 1));
		json_object_set_new(j, "rtt_us", u32_array(s->iv_rtt + base, s->nconn));
		json_object_set_new(j, "cwnd", u32_array(s->iv_cwnd + base, s->nconn));
		json_object_set_new(j, "retrans", u32_array(s->iv_retrans + base, s->nconn));
	}
	return j;
}

static const char *state_name(int st)
{
	switch (st) {
	case TL_FLOW_ACTIVE: return "active";
	case TL_FLOW_DONE: return "done";
	default: return "error";
	}
}

static json_t *conn_json(const struct tl_side *s, uint32_t i)
{
	const struct side_conn *c = &s->conns[i];
	json_t *j = json_pack("{s:I,s:b,s:b}", "id", (json_int_t)i, "sender", c->sender,
			      "connected", c->slot >= 0);
	if (c->slot < 0)
		return j;
	if (s->txn) {
		json_object_set_new(j, "transactions", json_integer((json_int_t)c->final_bytes));
		json_object_set_new(j, "bytes_total", json_integer((json_int_t)c->end.bytes));
	} else {
		json_object_set_new(j, "bytes", json_integer((json_int_t)c->final_bytes));
		json_object_set_new(j, "bytes_total", json_integer((json_int_t)c->end.bytes));
	}
	json_object_set_new(j, "state", json_string(state_name(c->end.state)));
	if (c->end.state == TL_FLOW_ERROR)
		json_object_set_new(j, "error", json_string(strerror(c->end.err_no)));
	json_object_set_new(j, "stalled", json_boolean(c->stalled));
	json_object_set_new(j, "stalled_for_ns", json_integer((json_int_t)c->stalled_for_ns));
	json_object_set_new(j, "sndbuf", json_integer(c->eff.sndbuf));
	json_object_set_new(j, "rcvbuf", json_integer(c->eff.rcvbuf));
	json_object_set_new(j, "sndbuf_end", json_integer(c->eff_end.sndbuf));
	json_object_set_new(j, "rcvbuf_end", json_integer(c->eff_end.rcvbuf));
	json_object_set_new(j, "mss", json_integer(c->eff.mss));
	json_object_set_new(j, "mss_end", json_integer(c->eff_end.mss));
	json_object_set_new(j, "cc", json_string(c->eff.cc));
	if (c->sender && c->has_ti) {
		struct tl_limits lim;
		double rate_bps, window_bps;
		tl_tcpinfo_limits_window(&c->ti_start, &c->ti_end, &lim, &rate_bps, &window_bps);
		json_object_set_new(j, "tcp_info", tl_tcpinfo_to_json(&c->ti_end));
		json_object_set_new(j, "limited_by", json_pack("{s:s,s:f,s:f,s:f,s:f,s:f,s:f}",
			"dominant", tl_limit_name(lim.dominant),
			"app", lim.share[TL_LIMIT_APP], "rwnd", lim.share[TL_LIMIT_RWND],
			"sndbuf", lim.share[TL_LIMIT_SNDBUF], "network", lim.share[TL_LIMIT_NET],
			"acked_bits_per_second", rate_bps, "window_bits_per_second", window_bps));
		json_object_set_new(j, "retransmits_window",
				    json_integer((json_int_t)(c->ti_end.total_retrans - c->ti_start.total_retrans)));
		if (s->spec.verify)
			json_object_set_new(j, "io_calls", u64_array(c->end.io_calls, TL_IO_SIZE_BUCKETS, 1));
		if (c->end.zc_sends)
			json_object_set_new(j, "zerocopy", json_pack("{s:I,s:I,s:I}",
				"sends", (json_int_t)c->end.zc_sends,
				"completions", (json_int_t)c->end.zc_completions,
				"copied", (json_int_t)c->end.zc_copied));
	}
	if (!c->sender && s->spec.verify)
	{
		/* errors counts the reads whose bytes did not match; the offset is of the first
		 * wrong byte in the flow's stream, present only when there is one */
		json_t *v = json_pack("{s:I}", "errors", (json_int_t)c->end.verify_errors);
		json_object_set_new(j, "io_calls", u64_array(c->end.io_calls, TL_IO_SIZE_BUCKETS, 1));
		if (c->end.verify_errors)
			json_object_set_new(v, "first_bad_offset", json_integer((json_int_t)c->end.first_bad_offset));
		json_object_set_new(j, "verify", v);
	}
	return j;
}

json_t *tl_side_results_json(const struct tl_side *s)
{
	json_t *conns = json_array();
	for (uint32_t i = 0; i < s->nconn; i++)
		json_array_append_new(conns, conn_json(s, i));
	json_t *extra = NULL;
	if (s->txn) {
		struct tl_engine_counters tot;
		tl_engine_counters(s->engine, &tot);
		extra = json_pack("{s:o,s:o,s:o,s:o,s:I,s:{s:I,s:I,s:I,s:I},s:i,s:i}",
			"latency", tl_latency_summary(s->lat_total),
			"latency_histogram", tl_hist_to_json(s->lat_total),
			"connect_latency", tl_latency_summary(s->conn_total),
			"connect_latency_histogram", tl_hist_to_json(s->conn_total),
			"connects", (json_int_t)tot.connects,
			"connect_failures", "addrnotavail", (json_int_t)tot.connect_fail[TL_CFAIL_ADDRNOTAVAIL],
			"refused", (json_int_t)tot.connect_fail[TL_CFAIL_REFUSED],
			"timedout", (json_int_t)tot.connect_fail[TL_CFAIL_TIMEDOUT],
			"other", (json_int_t)tot.connect_fail[TL_CFAIL_OTHER],
			"time_wait_peak", (int)s->tw_peak, "ports_in_range", (int)s->ports_in_range);
		if (tot.last_connect_errno)
			json_object_set_new(extra, "last_connect_error", json_string(strerror(tot.last_connect_errno)));
		if (s->first_addrnotavail_ns)
			json_object_set_new(extra, "addrnotavail_since_ns",
					    json_integer((json_int_t)(s->first_addrnotavail_ns - s->window_start_ns)));
	}
	json_t *r = json_pack("{s:I,s:b,s:I,s:{s:I,s:I,s:I,s:f},s:o}",
			 "window_ns", (json_int_t)(s->ended_ns - s->window_start_ns),
			 "incomplete", s->incomplete, "intervals", (json_int_t)s->iv_count,
			 "cpu", "user_ns", (json_int_t)s->cpu.user_ns, "sys_ns", (json_int_t)s->cpu.sys_ns,
			 "wall_ns", (json_int_t)(s->ended_ns - s->start_ns),
			 "percent", s->ended_ns > s->start_ns
				? (double)(s->cpu.user_ns + s->cpu.sys_ns) * 100.0 / (double)(s->ended_ns - s->start_ns) : 0.0,
			 "conns", conns);
	if (s->have_sys == 2)
		json_object_set_new(json_object_get(r, "cpu"), "machine",
				    json_pack("{s:f,s:f,s:i}", "busy_percent",
					      tl_sys_cpu_busy_percent(&s->sys_start, &s->sys_end),
					      "steal_percent",
					      tl_sys_cpu_steal_percent(&s->sys_start, &s->sys_end),
					      "cpus", (int)s->sys_end.ncpu));
	if (s->finished)
		json_object_set_new(r, "cut_short", json_boolean(tl_side_cut_short(s)));
	if (s->interrupted)
		json_object_set_new(r, "interrupted", json_true());
	if (s->have_kernel == 2)
		json_object_set_new(r, "kernel_tcp",
				    tl_counter_set_delta_json(side_counters, SIDE_COUNTERS,
							      &s->kernel_start, &s->kernel_end));
	if (extra) {
		json_object_update(r, extra);
		json_decref(extra);
	}
	return r;
}

uint64_t tl_side_addrnotavail(const struct tl_side *s)
{
	struct tl_engine_counters c;
	tl_engine_counters(s->engine, &c);
	return c.connect_fail[TL_CFAIL_ADDRNOTAVAIL];
}
