#include "sys/sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Every state except TCP_BOUND_INACTIVE (13), which is bound-only sockets, not connections. */
#define ALL_STATES (((1u << (TL_TCP_NEW_SYN_RECV + 1)) - 1) & ~1u)

/* Netlink receive buffer: a dump arrives in messages of up to this size. */
#define NL_BUF (32u * 1024u)

static const char *const state_names[TL_TCP_STATE_SLOTS] = {
	[TL_TCP_ESTABLISHED] = "ESTABLISHED", [TL_TCP_SYN_SENT] = "SYN_SENT",
	[TL_TCP_SYN_RECV] = "SYN_RECV",       [TL_TCP_FIN_WAIT1] = "FIN_WAIT1",
	[TL_TCP_FIN_WAIT2] = "FIN_WAIT2",     [TL_TCP_TIME_WAIT] = "TIME_WAIT",
	[TL_TCP_CLOSE] = "CLOSE",             [TL_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TL_TCP_LAST_ACK] = "LAST_ACK",       [TL_TCP_LISTEN] = "LISTEN",
	[TL_TCP_CLOSING] = "CLOSING",         [TL_TCP_NEW_SYN_RECV] = "NEW_SYN_RECV",
};

const char *tl_tcp_state_name(int state)
{
	if (state < 0 || state >= TL_TCP_STATE_SLOTS || !state_names[state])
		return "UNKNOWN";
	return state_names[state];
}

const char *tl_sock_addr_fmt(const struct tl_sock_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	inet_ntop(a->family, a->addr, host, sizeof(host));
	if (a->port == 0)
		snprintf(buf, len, "%s", host);
	else if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, a->port);
	else
		snprintf(buf, len, "%s:%u", host, a->port);
	return buf;
}

/* A TIME_WAIT socket's group key; memset before filling so padding compares equal. */
struct tw_key {
	uint8_t family;
	uint8_t laddr[16];
	uint8_t raddr[16];
	uint16_t rport;
};

struct dump_ctx {
	struct tl_sock_counts *counts;
	struct tl_sock_scan *scan;  /* NULL when only counting */
	uint32_t rcvbuf_below;
	struct tw_key *keys;
	size_t n_keys, cap_keys;
	int failed;  /* a negative errno from inside a callback */
};

static void addr_from(struct tl_sock_addr *a, uint8_t family, const __be32 *words, __be16 port)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->addr, words, family == AF_INET ? 4 : 16);
	a->port = ntohs(port);
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (type >= 0 && type <= INET_DIAG_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static double fill_ratio(const struct tl_sock_listener *l)
{
	return l->limit ? (double)l->queued / l->limit : (double)l->queued;
}

static void note_listener(struct tl_sock_scan *scan, const struct inet_diag_msg *m)
{
	struct tl_sock_listener l;
	addr_from(&l.local, m->idiag_family, m->id.idiag_src, m->id.idiag_sport);
	/* For LISTEN sockets rqueue is the accept queue now, wqueue its limit [SF]. */
	l.queued = m->idiag_rqueue;
	l.limit = m->idiag_wqueue;
	scan->listeners_total++;
	if (scan->n_listeners < TL_SOCK_SCAN_LISTENERS) {
		scan->listeners[scan->n_listeners++] = l;
		return;
	}
	/* Full: keep the fullest ones, which are the ones worth reporting. */
	size_t least = 0;
	for (size_t i = 1; i < scan->n_listeners; i++)
		if (fill_ratio(&scan->listeners[i]) < fill_ratio(&scan->listeners[least]))
			least = i;
	if (fill_ratio(&l) > fill_ratio(&scan->listeners[least]))
		scan->listeners[least] = l;
}

static int note_tw(struct dump_ctx *ctx, const struct inet_diag_msg *m)
{
	if (ctx->n_keys == ctx->cap_keys) {
		size_t cap = ctx->cap_keys ? ctx->cap_keys * 2 : 1024;
		struct tw_key *k = realloc(ctx->keys, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		ctx->keys = k;
		ctx->cap_keys = cap;
	}
	struct tw_key *k = &ctx->keys[ctx->n_keys++];
	memset(k, 0, sizeof(*k));
	k->family = m->idiag_family;
	size_t alen = m->idiag_family == AF_INET ? 4 : 16;
	memcpy(k->laddr, m->id.idiag_src, alen);
	memcpy(k->raddr, m->id.idiag_dst, alen);
	k->rport = ntohs(m->id.idiag_dport);
	return 0;
}

static void note_small(struct tl_sock_scan *scan, const struct inet_diag_msg *m,
		       const uint32_t *mem)
{
	scan->small_total++;
	if (scan->n_small == TL_SOCK_SCAN_SMALL)
		return;
	struct tl_sock_small_buf *s = &scan->small[scan->n_small++];
	addr_from(&s->local, m->idiag_family, m->id.idiag_src, m->id.idiag_sport);
	addr_from(&s->remote, m->idiag_family, m->id.idiag_dst, m->id.idiag_dport);
	s->rcvbuf = mem[SK_MEMINFO_RCVBUF];
	s->sndbuf = mem[SK_MEMINFO_SNDBUF];
	s->uid = m->idiag_uid;
	s->inode = m->idiag_inode;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		return MNL_CB_OK;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	int state = m->idiag_state;
	if (state <= 0 || state >= TL_TCP_STATE_SLOTS)
		return MNL_CB_OK;
	struct tl_sock_counts *c = ctx->counts;
	c->by_state[state]++;
	c->total++;
	if (state == TL_TCP_TIME_WAIT)
		c->time_wait++;
	if (m->idiag_inode == 0 && (state == TL_TCP_FIN_WAIT1 || state == TL_TCP_FIN_WAIT2 ||
				    state == TL_TCP_CLOSING || state == TL_TCP_LAST_ACK))
		c->orphans++;
	if (!ctx->scan)
		return MNL_CB_OK;

	if (state == TL_TCP_LISTEN)
		note_listener(ctx->scan, m);
	if (state == TL_TCP_TIME_WAIT && note_tw(ctx, m) < 0) {
		ctx->failed = -ENOMEM;
		return MNL_CB_ERROR;
	}
	/* Sockets still in an accept queue (inode 0) only inherit the listener's buffer. */
	if (state == TL_TCP_ESTABLISHED && m->idiag_inode != 0 && ctx->rcvbuf_below) {
		const struct nlattr *tb[INET_DIAG_MAX + 1] = { 0 };
		mnl_attr_parse(nlh, sizeof(*m), attr_cb, tb);
		const struct nlattr *mi = tb[INET_DIAG_SKMEMINFO];
		if (mi && mnl_attr_get_payload_len(mi) >= SK_MEMINFO_SNDBUF * sizeof(uint32_t) + 4) {
			const uint32_t *mem = mnl_attr_get_payload(mi);
			if (mem[SK_MEMINFO_RCVBUF] < ctx->rcvbuf_below)
				note_small(ctx->scan, m, mem);
		}
	}
	return MNL_CB_OK;
}

/* One SOCK_DIAG_BY_FAMILY dump on nl for family, feeding msg_cb. */
static int dump_family(struct mnl_socket *nl, uint8_t family, uint8_t ext, uint16_t dport,
		       struct dump_ctx *ctx, char *buf, struct tl_err *err)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	unsigned seq = (unsigned)time(NULL) + family;
	nlh->nlmsg_seq = seq;
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ALL_STATES;
	req->idiag_ext = ext;
	if (dport) {
		/*
		 * "remote port == dport" as inet_diag bytecode: one D_COND op with an AF_UNSPEC
		 * host condition (any address). yes = go to the next op (the end: accept),
		 * no = jump past the end (reject), as inet_diag_bc_audit() requires.
		 */
		uint8_t bc[sizeof(struct inet_diag_bc_op) + sizeof(struct inet_diag_hostcond)];
		struct inet_diag_bc_op op = { .code = INET_DIAG_BC_D_COND,
					      .yes = sizeof(bc), .no = sizeof(bc) + 4 };
		struct inet_diag_hostcond cond = { .family = AF_UNSPEC, .prefix_len = 0,
						   .port = dport };
		memcpy(bc, &op, sizeof(op));
		memcpy(bc + sizeof(op), &cond, sizeof(cond));
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, sizeof(bc), bc);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return tl_err_errno(err, "sock_diag %s dump: sendto", fam);
	unsigned portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tl_err_errno(err, "sock_diag %s dump: recvfrom", fam);
		int r = mnl_cb_run(buf, (size_t)n, seq, portid, msg_cb, ctx);
		if (r == MNL_CB_STOP)
			return 0;
		if (r == MNL_CB_ERROR) {
			if (ctx->failed)
				return tl_err_set(err, -ctx->failed, "sock_diag %s dump: out of memory",
						  fam);
			/* IPv6 compiled out or disabled: nothing to count for that family. */
			if (family == AF_INET6 && (errno == ENOENT || errno == EAFNOSUPPORT))
				return 0;
			return tl_err_errno(err, "sock_diag %s dump (NETLINK_SOCK_DIAG)", fam);
		}
	}
}

static int run_dumps(unsigned family_mask, uint8_t ext, uint16_t dport, struct dump_ctx *ctx,
		     struct tl_err *err)
{
	int ret = -1;
	char *buf = NULL;
	struct mnl_socket *nl = NULL;
	if (!(family_mask & TL_SOCKDIAG_ALL))
		return tl_err_set(err, EINVAL, "sock_diag: no address family selected");
	buf = malloc(NL_BUF);
	if (!buf)
		return tl_err_set(err, ENOMEM, "sock_diag: out of memory");
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl) {
		ret = tl_err_errno(err, "sock_diag: socket(AF_NETLINK, NETLINK_SOCK_DIAG)");
		goto out;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = tl_err_errno(err, "sock_diag: bind netlink socket");
		goto out;
	}
	if ((family_mask & TL_SOCKDIAG_INET4) &&
	    (ret = dump_family(nl, AF_INET, ext, dport, ctx, buf, err)) < 0)
		goto out;
	if ((family_mask & TL_SOCKDIAG_INET6) &&
	    (ret = dump_family(nl, AF_INET6, ext, dport, ctx, buf, err)) < 0)
		goto out;
	ret = 0;
out:
	if (nl)
		mnl_socket_close(nl);
	free(buf);
	return ret;
}

int tl_sockdiag_count_states(unsigned family_mask, uint16_t dport, struct tl_sock_counts *out,
			     struct tl_err *err)
{
	memset(out, 0, sizeof(*out));
	struct dump_ctx ctx = { .counts = out };
	return run_dumps(family_mask, 0, dport, &ctx, err);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct tw_key));
}

static int group_cmp(const void *a, const void *b)
{
	const struct tl_sock_tw_group *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static int listener_cmp(const void *a, const void *b)
{
	double x = fill_ratio(a), y = fill_ratio(b);
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sorts the TIME_WAIT keys, counts runs and keeps the largest groups. */
static void group_tw(struct dump_ctx *ctx, struct tl_sock_scan *scan)
{
	if (ctx->n_keys == 0)
		return;
	qsort(ctx->keys, ctx->n_keys, sizeof(*ctx->keys), key_cmp);
	size_t i = 0;
	while (i < ctx->n_keys) {
		size_t j = i + 1;
		while (j < ctx->n_keys && key_cmp(&ctx->keys[i], &ctx->keys[j]) == 0)
			j++;
		struct tl_sock_tw_group g;
		memset(&g, 0, sizeof(g));
		g.local.family = g.remote.family = ctx->keys[i].family;
		memcpy(g.local.addr, ctx->keys[i].laddr, 16);
		memcpy(g.remote.addr, ctx->keys[i].raddr, 16);
		g.remote.port = ctx->keys[i].rport;
		g.count = (uint32_t)(j - i);
		scan->tw_groups++;
		if (scan->n_tw_top < TL_SOCK_SCAN_TW_TOP) {
			scan->tw_top[scan->n_tw_top++] = g;
		} else {
			size_t least = 0;
			for (size_t k = 1; k < scan->n_tw_top; k++)
				if (scan->tw_top[k].count < scan->tw_top[least].count)
					least = k;
			if (g.count > scan->tw_top[least].count)
				scan->tw_top[least] = g;
		}
		i = j;
	}
	qsort(scan->tw_top, scan->n_tw_top, sizeof(scan->tw_top[0]), group_cmp);
}

int tl_sockdiag_scan(unsigned family_mask, uint32_t rcvbuf_below, struct tl_sock_scan *out,
		     struct tl_err *err)
{
	memset(out, 0, sizeof(*out));
	struct dump_ctx ctx = { .counts = &out->counts, .scan = out, .rcvbuf_below = rcvbuf_below };
	uint8_t ext = rcvbuf_below ? (uint8_t)(1u << (INET_DIAG_SKMEMINFO - 1)) : 0;
	int ret = run_dumps(family_mask, ext, 0, &ctx, err);
	if (ret == 0) {
		group_tw(&ctx, out);
		qsort(out->listeners, out->n_listeners, sizeof(out->listeners[0]), listener_cmp);
	}
	free(ctx.keys);
	return ret;
}
