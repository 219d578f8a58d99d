#include "ctl/data_listen.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/sock.h"
#include "net/wire.h"
#include "workload/side.h"

/* The agent's end of connection conn receives with this fixed buffer, or 0. */
static uint64_t agent_rcvbuf(const struct tl_spec *s, uint32_t conn)
{
	if (!tl_spec_conn_client_sends(s, conn))
		return 0;
	struct tl_sockopts o;
	tl_spec_flow_opts(s, conn, &o);
	return o.rcvbuf;
}

void tl_data_plan_make(const struct tl_spec *s, struct tl_data_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (s->workload == TL_WORKLOAD_CRR)
		return;
	/* the flows of a group share their options: one look per group and one for the rest */
	uint32_t nconn = tl_spec_connections(s);
	for (uint32_t conn = 0; conn < nconn; conn++) {
		uint64_t rb = agent_rcvbuf(s, conn);
		if (!rb)
			continue;
		uint32_t k = 0;
		while (k < out->n && out->rcvbuf[k] != rb)
			k++;
		if (k == out->n && out->n < TL_DATA_LISTEN_MAX)
			out->rcvbuf[out->n++] = rb;
	}
}

int tl_data_plan_slot(const struct tl_spec *s, const struct tl_data_plan *p, uint32_t conn)
{
	uint64_t rb = agent_rcvbuf(s, conn);
	for (uint32_t k = 0; rb && k < p->n; k++)
		if (p->rcvbuf[k] == rb)
			return (int)k;
	return -1;
}

int tl_data_listeners_open(struct tl_data_listeners *l, const struct tl_spec *s,
			   const struct tl_addr *local, struct tl_err *err)
{
	tl_data_plan_make(s, &l->plan);
	for (uint32_t i = 0; i < TL_DATA_LISTEN_MAX; i++)
		l->fd[i] = -1;
	for (uint32_t i = 0; i < l->plan.n; i++) {
		struct tl_addr a = *local, got;
		tl_addr_set_port(&a, 0);
		l->fd[i] = tl_sock_listen_rcvbuf(&a, 4096, l->plan.rcvbuf[i], NULL, err);
		if (l->fd[i] < 0 || tl_addr_local(l->fd[i], &got, err) < 0) {
			tl_err_prefix(err, "data port for --rcvbuf %llu", (unsigned long long)l->plan.rcvbuf[i]);
			return -1;
		}
		l->port[i] = tl_addr_port(&got);
	}
	return 0;
}

void tl_data_listeners_close(struct tl_data_listeners *l)
{
	for (uint32_t i = 0; i < l->plan.n; i++)
		if (l->fd[i] >= 0) {
			close(l->fd[i]);
			l->fd[i] = -1;
		}
}

json_t *tl_data_listeners_ports_json(const struct tl_data_listeners *l)
{
	json_t *a = json_array();
	for (uint32_t i = 0; i < l->plan.n; i++)
		json_array_append_new(a, json_integer(l->port[i]));
	return a;
}

int tl_data_listeners_accept(struct tl_data_listeners *l, uint32_t i, const struct tl_spec *s,
			     const uint8_t cookie[TL_COOKIE_LEN], struct tl_side *side,
			     uint64_t deadline_ns, uint32_t *refused, struct tl_err *err)
{
	for (;;) {
		int fd = accept4(l->fd[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return 0; /* EAGAIN: none left; anything else shows again at the next poll */
		}
		uint8_t raw[TL_DATA_HELLO_LEN];
		struct tl_data_hello h;
		/* a connection that does not greet in time delays only this test's set-up */
		if (tl_wire_read_exact(fd, raw, sizeof(raw), deadline_ns, -1, NULL, NULL) < 0 ||
		    tl_data_hello_decode(raw, &h, NULL) < 0 || memcmp(h.cookie, cookie, TL_COOKIE_LEN) != 0 ||
		    h.flow_id >= tl_spec_connections(s) || tl_data_plan_slot(s, &l->plan, h.flow_id) != (int)i) {
			(*refused)++;
			tl_sock_close_abort(fd);
			continue;
		}
		if (tl_side_attach(side, h.flow_id, fd, err) < 0) /* owns fd */
			return -1;
	}
}
