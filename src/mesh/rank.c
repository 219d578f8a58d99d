/* A rank's life: listen, announce, connect, forward tokens, drain, report. */
#include "mesh/rank.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mesh/hostid.h"
#include "mesh/peer.h"
#include "mesh/rank_loop.h"
#include "mesh/wire.h"
#include "net/sock.h"
#include "util/clock.h"
#include "util/err.h"

int tl_mesh_rank_listen(struct tl_mesh_rank_cfg *cfg, const char *bind_addr, int family,
			const char *tag, struct tl_err *err)
{
	uint32_t backlog = cfg->spec.ranks + 16;
	if (cfg->spec.transport == TL_MESH_UNIX) {
		struct tl_addr a;
		struct sockaddr_un *un = (struct sockaddr_un *)&a.ss;
		memset(&a, 0, sizeof(a));
		un->sun_family = AF_UNIX;
		/* Abstract names vanish with the socket: nothing to clean up after a crash. */
		int n = snprintf(un->sun_path + 1, sizeof(un->sun_path) - 1, "tcplab-mesh-%s-%u", tag,
				 cfg->rank);
		a.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return tl_err_errno(err, "socket(AF_UNIX)");
		if (bind(fd, (struct sockaddr *)un, a.len) < 0 || listen(fd, (int)backlog) < 0) {
			tl_err_errno(err, "listen on unix socket @%s", un->sun_path + 1);
			close(fd);
			return -1;
		}
		cfg->listen_fd = fd;
		snprintf(cfg->listen_path, sizeof(cfg->listen_path), "@%s", un->sun_path + 1);
		return 0;
	}
	struct tl_addr a, local;
	if (tl_addr_resolve(bind_addr, 0, family, 1, &a, err) < 0)
		return -1;
	int fd = tl_sock_listen(&a, (int)backlog, NULL, err);
	if (fd < 0) {
		if (err && err->code == EADDRNOTAVAIL)
			tl_err_set(err, EADDRNOTAVAIL, "listen on %s: not an address of this host (give "
				   "--bind an address it has, e.g. 127.0.0.1)", bind_addr ? bind_addr : "*");
		return -1;
	}
	if (tl_addr_local(fd, &local, err) < 0) {
		close(fd);
		return -1;
	}
	cfg->listen_fd = fd;
	cfg->listen_port = tl_addr_port(&local);
	return 0;
}

static json_t *hello_msg(const struct tl_mesh_rank_cfg *cfg)
{
	char host[64], netns[96];
	tl_mesh_host_id(host, sizeof(host));
	tl_mesh_netns_id(netns, sizeof(netns));
	json_t *m = json_pack("{s:s, s:I, s:I, s:o, s:s, s:s, s:I}", "type", "hello",
			      "rank", (json_int_t)cfg->rank, "size", (json_int_t)cfg->spec.ranks,
			      "spec", tl_mesh_spec_to_json(&cfg->spec), "host_id", host,
			      "netns_id", netns, "pid", (json_int_t)getpid());
	if (!m)
		return NULL;
	if (cfg->spec.transport == TL_MESH_UNIX)
		json_object_set_new(m, "path", json_string(cfg->listen_path));
	else
		json_object_set_new(m, "port", json_integer(cfg->listen_port));
	if (cfg->advertise[0])
		json_object_set_new(m, "addr", json_string(cfg->advertise));
	return m;
}

/* The peers' listening addresses from the coordinator's table. */
static int parse_table(const json_t *t, const struct tl_mesh_rank_cfg *cfg, struct tl_addr *addrs,
		       uint32_t *run_id, struct tl_err *err)
{
	const json_t *peers = json_object_get(t, "peers");
	json_int_t rid = json_integer_value(json_object_get(t, "run_id"));
	if (!json_is_array(peers) || json_array_size(peers) != cfg->spec.ranks)
		return tl_err_set(err, EPROTO, "table: want %u peers", cfg->spec.ranks);
	*run_id = (uint32_t)rid;
	for (uint32_t i = 0; i < cfg->spec.ranks; i++) {
		const json_t *p = json_array_get(peers, i);
		const char *path = json_string_value(json_object_get(p, "path"));
		memset(&addrs[i], 0, sizeof(addrs[i]));
		if (cfg->spec.transport == TL_MESH_UNIX) {
			struct sockaddr_un *un = (struct sockaddr_un *)&addrs[i].ss;
			if (!path || path[0] != '@' || strlen(path) >= sizeof(un->sun_path))
				return tl_err_set(err, EPROTO, "table: rank %u has no unix name", i);
			un->sun_family = AF_UNIX;
			memcpy(un->sun_path + 1, path + 1, strlen(path) - 1);
			addrs[i].len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
			continue;
		}
		const char *host = json_string_value(json_object_get(p, "addr"));
		json_int_t port = json_integer_value(json_object_get(p, "port"));
		if (!host || port < 1 || port > 65535)
			return tl_err_set(err, EPROTO, "table: rank %u has no address and port", i);
		if (tl_addr_resolve(host, (uint16_t)port, AF_UNSPEC, 0, &addrs[i], err) < 0) {
			tl_err_prefix(err, "table entry of rank %u", i);
			return -1;
		}
	}
	return 0;
}

/* Options for the established connections: NODELAY for the -nodelay and -quickack kinds. */
static int tune_peers(const struct tl_mesh_rank_cfg *cfg, struct tl_mesh_peer *peers,
		      struct tl_err *err)
{
	int one = 1;
	enum tl_mesh_transport t = cfg->spec.transport;
	if (t != TL_MESH_TCP_NODELAY && t != TL_MESH_TCP_QUICKACK)
		return 0;
	for (uint32_t i = 0; i < cfg->spec.ranks; i++) {
		if (i == cfg->rank)
			continue;
		if (setsockopt(peers[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			return tl_err_errno(err, "setsockopt TCP_NODELAY (connection to rank %u)", i);
		if (t == TL_MESH_TCP_QUICKACK &&
		    setsockopt(peers[i].fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one)) < 0)
			return tl_err_errno(err, "setsockopt TCP_QUICKACK (connection to rank %u)", i);
	}
	return 0;
}

void tl_mesh_rank_report_error(int ctl_fd, uint32_t rank, const struct tl_err *err)
{
	json_t *m = json_pack("{s:s, s:I, s:s}", "type", "error", "rank", (json_int_t)rank,
			      "msg", err->msg[0] ? err->msg : "failed");
	if (m)
		tl_mesh_ctl_send(ctl_fd, m, 1000, NULL);
	json_decref(m);
}

int tl_mesh_rank_run(struct tl_mesh_rank_cfg *cfg, struct tl_err *err)
{
	int ret = -1;
	uint32_t n = cfg->spec.ranks;
	int timeout_ms = (int)(cfg->spec.connect_timeout_ns / TL_NSEC_PER_MSEC);
	struct tl_mesh_ctl_reader ctl = { 0 };
	struct tl_addr *addrs = calloc(n, sizeof(*addrs));
	struct tl_mesh_peer *peers = calloc(n, sizeof(*peers));
	json_t *msg = NULL;
	uint32_t run_id = 0;

	if (!addrs || !peers) {
		ret = tl_err_set(err, ENOMEM, "rank %u: out of memory", cfg->rank);
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		peers[i].fd = -1;
	msg = hello_msg(cfg);
	if (!msg || (ret = tl_mesh_ctl_send(cfg->ctl_fd, msg, timeout_ms, err)) < 0) {
		ret = ret < 0 ? ret : tl_err_set(err, ENOMEM, "hello: out of memory");
		goto out;
	}
	json_decref(msg);
	msg = NULL;
	if ((ret = tl_mesh_ctl_wait(cfg->ctl_fd, &ctl, &msg, timeout_ms, err)) < 0)
		goto out;
	if (strcmp(tl_mesh_ctl_type(msg), "table") != 0) {
		ret = tl_err_set(err, EPROTO, "want the table, got \"%s\"", tl_mesh_ctl_type(msg));
		goto out;
	}
	if ((ret = parse_table(msg, cfg, addrs, &run_id, err)) < 0)
		goto out;
	struct tl_mesh_setup setup = {
		.self = cfg->rank, .n = n, .run_id = run_id, .listen_fd = cfg->listen_fd,
		.ctl_fd = cfg->ctl_fd, .addrs = addrs,
		.deadline_ns = tl_now_ns() + cfg->spec.connect_timeout_ns,
	};
	if ((ret = tl_mesh_setup_connect(&setup, peers, err)) < 0)
		goto out;
	/* Every peer is connected: nobody will connect here again. */
	close(cfg->listen_fd);
	cfg->listen_fd = -1;
	if ((ret = tune_peers(cfg, peers, err)) < 0)
		goto out;
	json_decref(msg);
	msg = json_pack("{s:s}", "type", "ready");
	if ((ret = tl_mesh_ctl_send(cfg->ctl_fd, msg, timeout_ms, err)) < 0)
		goto out;
	ret = tl_mesh_rank_loop(cfg, peers, &ctl, err);
out:
	if (ret < 0) {
		tl_err_prefix(err, "rank %u", cfg->rank);
		tl_mesh_rank_report_error(cfg->ctl_fd, cfg->rank, err);
	}
	for (uint32_t i = 0; peers && i < n; i++) {
		/* After "done" every peer has read everything: reset, leave no TIME_WAIT behind. */
		if (peers[i].fd >= 0)
			tl_sock_close_abort(peers[i].fd);
		tl_mesh_peer_free(&peers[i]);
	}
	if (cfg->listen_fd >= 0) {
		close(cfg->listen_fd);
		cfg->listen_fd = -1;
	}
	json_decref(msg);
	tl_mesh_ctl_reader_free(&ctl);
	free(addrs);
	free(peers);
	return ret;
}
