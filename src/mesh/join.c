/* Ranks started by some other launcher: they meet at rank 0's rendezvous port. */
#include "mesh/launch.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mesh/coord.h"
#include "mesh/rank.h"
#include "net/addr.h"
#include "net/sock.h"
#include "util/clock.h"
#include "util/err.h"

struct root_rank {
	struct tl_mesh_rank_cfg cfg;
	struct tl_err err;
	int rc;
};

static void *root_rank_main(void *arg)
{
	struct root_rank *r = arg;
	r->rc = tl_mesh_rank_run(&r->cfg, &r->err);
	return NULL;
}

static int data_listener(struct tl_mesh_join *j, struct tl_mesh_rank_cfg *cfg, int family,
			 struct tl_err *err)
{
	char tag[32];
	if (j->data_listen_fd >= 0) {
		cfg->listen_fd = j->data_listen_fd;
		cfg->listen_port = j->data_port;
		j->data_listen_fd = -1;
		return 0;
	}
	snprintf(tag, sizeof(tag), "%d", (int)getpid());
	return tl_mesh_rank_listen(cfg, j->bind[0] ? j->bind : NULL, j->bind[0] ? AF_UNSPEC : family,
				   tag, err);
}

/* Accepts one control connection from every other rank (they say who they are later). */
static int accept_ranks(int lfd, int *fds, uint32_t want, uint64_t deadline, struct tl_err *err)
{
	uint32_t got = 0;
	while (got < want) {
		uint64_t now = tl_now_ns();
		if (now >= deadline)
			return tl_err_set(err, ETIMEDOUT, "rendezvous: %u of %u ranks arrived before the "
					  "--connect-timeout (are they started with the same --size and "
					  "--rendezvous?)", got + 1, want + 1);
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int n = poll(&p, 1, tl_ms_until(deadline, now));
		if (n < 0 && errno != EINTR)
			return tl_err_errno(err, "poll on the rendezvous port");
		if (n <= 0)
			continue;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			return tl_err_errno(err, "accept on the rendezvous port");
		}
		fds[got++] = fd;
	}
	return 0;
}

static int run_root(struct tl_mesh_join *j, json_t **result, struct tl_err *err)
{
	uint32_t n = j->spec.ranks;
	int ret = -1, sv[2] = { -1, -1 }, lfd = j->ctl_listen_fd;
	int *fds = calloc(n, sizeof(int));
	struct root_rank *rr = calloc(1, sizeof(*rr));
	pthread_t tid;
	int started = 0;
	struct tl_addr a;

	if (!fds || !rr) {
		ret = tl_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		fds[i] = -1;
	if (tl_addr_resolve(j->host, j->port, AF_UNSPEC, 0, &a, err) < 0)
		goto out;
	if (lfd < 0) {
		/* Every address of this host: the others reach it as --rendezvous HOST says; but a
		 * loopback rendezvous means every rank is on this host, so listen there only. */
		struct tl_addr any = a;
		if (!tl_addr_is_loopback(&a) &&
		    tl_addr_resolve(a.ss.ss_family == AF_INET6 ? "::" : "0.0.0.0", j->port, a.ss.ss_family,
				    1, &any, err) < 0)
			goto out;
		lfd = tl_sock_listen(&any, (int)n + 16, NULL, err);
		if (lfd < 0) {
			tl_err_prefix(err, "rank 0 listens on the --rendezvous port");
			goto out;
		}
	}
	rr->cfg.spec = j->spec;
	rr->cfg.rank = 0;
	rr->cfg.listen_fd = -1;
	rr->cfg.cpu_per_thread = 1;
	snprintf(rr->cfg.advertise, sizeof(rr->cfg.advertise), "%s", j->bind);
	if (data_listener(j, &rr->cfg, a.ss.ss_family, err) < 0)
		goto out;
	if (accept_ranks(lfd, fds + 1, n - 1, tl_now_ns() + j->spec.connect_timeout_ns, err) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		ret = tl_err_errno(err, "socketpair");
		goto out;
	}
	fds[0] = sv[0];
	rr->cfg.ctl_fd = sv[1];
	if ((errno = pthread_create(&tid, NULL, root_rank_main, rr)) != 0) {
		ret = tl_err_errno(err, "pthread_create for rank 0");
		goto out;
	}
	started = 1;
	struct tl_mesh_coord c = {
		.spec = &j->spec, .ctl_fds = fds, .check_spec = 1, .launch = j->launch,
		.interrupt_fd = j->interrupt_fd,
	};
	ret = tl_mesh_coord_run(&c, result, err);
out:
	for (uint32_t i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (started)
		pthread_join(tid, NULL);
	if (rr && rr->cfg.listen_fd >= 0)
		close(rr->cfg.listen_fd);
	if (sv[1] >= 0)
		close(sv[1]);
	if (lfd >= 0)
		close(lfd);
	j->ctl_listen_fd = -1;
	free(fds);
	free(rr);
	return ret;
}

/* Connects to rank 0, trying again while it is not there yet (it may start last). */
static int connect_root(const struct tl_mesh_join *j, struct tl_err *err)
{
	struct tl_addr a;
	char where[128];
	uint64_t deadline = tl_now_ns() + j->spec.connect_timeout_ns;
	if (tl_addr_resolve(j->host, j->port, AF_UNSPEC, 0, &a, err) < 0)
		return -1;
	tl_addr_str(&a, where, sizeof(where));
	for (;;) {
		int fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return tl_err_errno(err, "socket");
		if (connect(fd, (const struct sockaddr *)&a.ss, a.len) == 0) {
			if (tl_sock_set_nonblock(fd, err) < 0) {
				close(fd);
				return -1;
			}
			return fd;
		}
		int e = errno;
		close(fd);
		if (e != ECONNREFUSED && e != ENETUNREACH && e != EHOSTUNREACH && e != ETIMEDOUT &&
		    e != EINTR) {
			errno = e;
			return tl_err_errno(err, "connect to the rendezvous %s", where);
		}
		if (tl_now_ns() >= deadline) {
			errno = e;
			return tl_err_errno(err, "connect to the rendezvous %s: rank 0 did not come within "
					    "--connect-timeout", where);
		}
		poll(NULL, 0, 50); /* rank 0 is not listening yet: ask again shortly */
	}
}

static int run_member(struct tl_mesh_join *j, struct tl_err *err)
{
	struct tl_mesh_rank_cfg cfg = { .spec = j->spec, .rank = j->rank, .listen_fd = -1 };
	struct tl_addr a;
	int ret = -1;
	snprintf(cfg.advertise, sizeof(cfg.advertise), "%s", j->bind);
	if (tl_addr_resolve(j->host, j->port, AF_UNSPEC, 0, &a, err) < 0 ||
	    data_listener(j, &cfg, a.ss.ss_family, err) < 0)
		return -1;
	cfg.ctl_fd = connect_root(j, err);
	if (cfg.ctl_fd < 0)
		goto out;
	ret = tl_mesh_rank_run(&cfg, err);
out:
	if (cfg.ctl_fd >= 0)
		close(cfg.ctl_fd);
	if (cfg.listen_fd >= 0)
		close(cfg.listen_fd);
	return ret;
}

int tl_mesh_run_join(struct tl_mesh_join *j, json_t **result, struct tl_err *err)
{
	*result = NULL;
	if (j->rank >= j->spec.ranks)
		return tl_err_set(err, EINVAL, "--rank %u: ranks are 0..%u for --size %u", j->rank,
				  j->spec.ranks - 1, j->spec.ranks);
	if (j->spec.transport == TL_MESH_UNIX)
		return tl_err_set(err, EINVAL, "--transport unix works only for ranks forked here (-n); "
				  "ranks started by a launcher talk tcp, tcp-nodelay or tcp-quickack");
	if (j->rank == 0)
		return run_root(j, result, err);
	return run_member(j, err);
}
