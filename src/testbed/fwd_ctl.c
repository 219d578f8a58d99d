/* The forwarder's side of the control socket: non-blocking, served between packets. The
 * frames in and out are testbed/ctl.c's (over the wire kit); here are the slots, epoll and
 * what a request does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testbed/ctl.h"
#include "testbed/fwd_apply.h"
#include "testbed/fwd_ctl.h"
#include "testbed/fwd_stats.h"
#include "util/clock.h"

#define CONN_TIMEOUT_NS (2 * TL_NSEC_PER_SEC)

static void conn_close(struct tl_testbed_fwd *f, struct fwd_conn *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(f->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	tl_testbed_ctl_conn_free(&c->io);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void tl_testbed_fwd_ctl_close_all(struct tl_testbed_fwd *f)
{
	for (unsigned i = 0; i < FWD_CTL_CONNS; i++)
		conn_close(f, &f->conns[i]);
}

int tl_testbed_fwd_ctl_accept(struct tl_testbed_fwd *f, uint64_t now_ns)
{
	for (;;) {
		int fd = accept4(f->ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		struct fwd_conn *c = NULL;
		unsigned slot = 0;
		for (; slot < FWD_CTL_CONNS; slot++) {
			if (f->conns[slot].fd < 0) {
				c = &f->conns[slot];
				break;
			}
		}
		if (!c) {
			/* Every slot taken: the one that has waited longest without a whole request
			 * makes way. Clients that connect and say nothing cannot hold all slots
			 * (once, 40 stalled clients made 'testbed status' fail); a real client
			 * sends its request at once and is answered in the same pass. */
			for (unsigned i = 0; i < FWD_CTL_CONNS; i++)
				if (!f->conns[i].io.out && (!c || f->conns[i].deadline_ns < c->deadline_ns)) {
					c = &f->conns[i];
					slot = i;
				}
			if (!c) {
				close(fd); /* all busy answering: the client sees a close and may retry */
				continue;
			}
			conn_close(f, c);
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = FWD_EV_CONN | slot };
		if (epoll_ctl(f->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			continue;
		}
		c->fd = fd;
		tl_testbed_ctl_conn_init(&c->io);
		c->deadline_ns = now_ns + CONN_TIMEOUT_NS;
	}
}

static json_t *error_doc(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

static json_t *handle_request(struct tl_testbed_fwd *f, const char *text, size_t len,
			      uint64_t now_ns)
{
	struct tl_testbed_ctl_req req;
	json_t *resp = NULL;
	if (tl_testbed_ctl_req_parse(text, len, &req) < 0)
		return error_doc(req.error);
	if (req.cmd == TL_TESTBED_CTL_PING) {
		resp = json_pack("{s:b, s:i}", "ok", 1, "pid", (int)getpid());
	} else if (req.cmd == TL_TESTBED_CTL_STATUS) {
		resp = tl_testbed_fwd_status(f, now_ns, req.flows);
		if (!resp)
			resp = error_doc("status: out of memory");
	} else {
		struct tl_err e = { 0 };
		if (tl_testbed_fwd_apply(f, req.options, now_ns, &e) < 0)
			resp = error_doc(e.msg);
		else
			resp = json_pack("{s:b, s:O}", "ok", 1, "options", f->st.options);
	}
	tl_testbed_ctl_req_free(&req);
	return resp;
}

/* Switches a connection from reading its request to writing the answer. */
static void conn_answer(struct tl_testbed_fwd *f, struct fwd_conn *c, unsigned slot,
			json_t *resp)
{
	int rc = tl_testbed_ctl_conn_answer(&c->io, resp);
	json_decref(resp);
	if (rc < 0) {
		conn_close(f, c);
		return;
	}
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = FWD_EV_CONN | slot };
	epoll_ctl(f->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

void tl_testbed_fwd_ctl_event(struct tl_testbed_fwd *f, unsigned slot, uint32_t events,
			      uint64_t now_ns)
{
	if (slot >= FWD_CTL_CONNS || f->conns[slot].fd < 0)
		return;
	struct fwd_conn *c = &f->conns[slot];
	if (!c->io.out) {
		struct tl_err err = { 0 };
		const char *text;
		size_t len;
		int rc = tl_testbed_ctl_conn_read(&c->io, c->fd, &text, &len, &err);
		if (rc > 0)
			conn_answer(f, c, slot, handle_request(f, text, len, now_ns));
		else if (rc == -EMSGSIZE || rc == -EPROTO)
			conn_answer(f, c, slot, error_doc(err.msg)); /* judged from its length */
		else if (rc < 0)
			conn_close(f, c);
		return;
	}
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
		if (tl_testbed_ctl_conn_flush(&c->io, c->fd) != 0)
			conn_close(f, c); /* all sent, or the client is gone */
	}
}

void tl_testbed_fwd_ctl_expire(struct tl_testbed_fwd *f, uint64_t now_ns)
{
	for (unsigned i = 0; i < FWD_CTL_CONNS; i++)
		if (f->conns[i].fd >= 0 && now_ns > f->conns[i].deadline_ns)
			conn_close(f, &f->conns[i]);
}
