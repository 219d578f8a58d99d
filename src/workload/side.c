/*
 * One end of a test: its lifecycle (attach the flows, start, end) and its clock (when the
 * window opens, when an interval ends, when flows are checked for stalls, when the test is
 * over). What is read at those instants is side_sample.c's; the JSON reported is
 * side_json.c's; the stall rule is stall.c's.
 */
#include "workload/side_internal.h"
#include "workload/schedule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure/hist.h"
#include "sys/sysctl.h"
#include "util/clock.h"

/* Above this many flow x interval cells only the aggregate of each interval is kept. */
#define SIDE_MAX_FLOW_CELLS (2u << 20)
#define SIDE_STALL_CHECK_NS (100 * TL_NSEC_PER_MSEC)

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
		if (!s->lat_iv || !s->lat_total || !s->conn_iv || !s->conn_total)
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
	free(s->iv_txn);
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
	tl_side_sample_begin(s);
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

/*
 * Judges every flow for stalls at now (stall.c). *all_finished: whether every flow has
 * ended or stalled, which ends a --bytes test. A --bytes sender blocked on a full socket
 * buffer is waiting for a receiver that may still be draining it slowly (a tiny --rcvbuf):
 * it does not end this end's test. The receiver judges the stall; its end stops, and tells
 * this one.
 */
static void check_stalls(struct tl_side *s, uint64_t now_ns, int *all_finished)
{
	*all_finished = 1;
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		if (c->slot < 0)
			continue;
		struct tl_flow_sample fs;
		tl_engine_sample(s->engine, (size_t)c->slot, &fs);
		int ended = fs.state != TL_FLOW_ACTIVE;
		int stalled = tl_stall_update(&c->stall, &fs, s->start_ns, now_ns, s->spec.stall_timeout_ns);
		if (!(ended || stalled) || (stalled && s->spec.bytes && c->sender))
			*all_finished = 0;
	}
}

static void finish(struct tl_side *s, uint64_t now_ns)
{
	if (s->finished)
		return;
	uint64_t end = now_ns < s->window_end_ns ? now_ns : s->window_end_ns;
	/* The workers stop first, so that the last interval and the totals read the same counts:
	 * a call that completed between two readings made the intervals' sum one write short of
	 * the total. At most one call per worker completes after the end, as before. */
	tl_engine_stop(s->engine, NULL);
	if (!s->window_started) {
		s->window_started = 1;
		s->window_start_ns = end;
		tl_side_sample_bases(s);
	}
	/* a last, partial interval up to the end */
	if (s->spec.interval_ns && s->iv_count < s->iv_max) {
		uint64_t prev_end = s->iv_count ? s->iv_end_ns[s->iv_count - 1] : s->window_start_ns;
		if (end > prev_end + TL_NSEC_PER_MSEC)
			tl_side_sample_interval(s, end);
	}
	tl_side_sample_final(s);
	s->ended_ns = end;
	s->finished = 1;
}

uint32_t tl_side_tick(struct tl_side *s, uint64_t now_ns, int *finished)
{
	*finished = s->finished;
	if (!s->started || s->finished)
		return s->iv_count;
	if (!s->window_started && now_ns >= s->window_start_ns) {
		tl_side_sample_window_open(s);
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
			tl_side_sample_interval(s, after <= now_ns && after < s->window_end_ns ? next_boundary(s) : end);
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
		if (s->conns[i].stall.stalled && !s->conns[i].sender)
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

uint64_t tl_side_addrnotavail(const struct tl_side *s)
{
	struct tl_engine_counters c;
	tl_engine_counters(s->engine, &c);
	return c.connect_fail[TL_CFAIL_ADDRNOTAVAIL];
}
