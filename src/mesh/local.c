/* Ranks on this host: forked processes or threads, each with a socketpair to the coordinator. */
#include "mesh/launch.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mesh/coord.h"
#include "mesh/rank.h"
#include "net/sock.h"
#include "util/clock.h"
#include "util/err.h"

struct rank_thread {
	pthread_t tid;
	int started;
	struct tl_mesh_rank_cfg cfg;
	const char *bind;
	const char *tag;
};

/* Listens, then runs; what goes wrong is reported to the coordinator, who names the rank. */
static int rank_main(struct tl_mesh_rank_cfg *cfg, const char *bind, const char *tag)
{
	struct tl_err err = { 0 };
	if (tl_mesh_rank_listen(cfg, bind, AF_UNSPEC, tag, &err) < 0) {
		tl_err_prefix(&err, "rank %u", cfg->rank);
		tl_mesh_rank_report_error(cfg->ctl_fd, cfg->rank, &err);
		return -1;
	}
	return tl_mesh_rank_run(cfg, &err);
}

static void *thread_main(void *arg)
{
	struct rank_thread *t = arg;
	rank_main(&t->cfg, t->bind, t->tag);
	return NULL;
}

/*
 * Makes sure one process may hold `need` descriptors, raising the soft limit to the hard
 * one if that is enough.
 */
static int ensure_fds(uint64_t need, const char *what, struct tl_err *err)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return tl_err_errno(err, "getrlimit RLIMIT_NOFILE");
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max >= need) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return 0;
	}
	return tl_err_set(err, EMFILE, "%s needs %llu file descriptors; the limit is %llu (raise it "
			  "with 'ulimit -n %llu', or use fewer ranks)", what, (unsigned long long)need,
			  (unsigned long long)rl.rlim_max, (unsigned long long)need);
}

/* Waits up to 5 s for the children to exit, then kills by PID the ones that did not. */
static void reap(pid_t *pids, uint32_t n)
{
	uint64_t deadline = tl_now_ns() + 5 * TL_NSEC_PER_SEC;
	uint32_t left = 0;
	for (uint32_t i = 0; i < n; i++)
		left += pids[i] > 0;
	while (left && tl_now_ns() < deadline) {
		for (uint32_t i = 0; i < n; i++) {
			if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == pids[i]) {
				pids[i] = 0;
				left--;
			}
		}
		if (left)
			poll(NULL, 0, 10);
	}
	for (uint32_t i = 0; i < n; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
	}
}

int tl_mesh_run_local(const struct tl_mesh_local *l, json_t **result, struct tl_err *err)
{
	uint32_t n = l->spec.ranks;
	int ret = -1;
	int *coord_fds = calloc(n, sizeof(int)), *rank_fds = calloc(n, sizeof(int));
	pid_t *pids = calloc(n, sizeof(pid_t));
	struct rank_thread *threads = calloc(n, sizeof(*threads));
	const char *bind = l->bind && *l->bind ? l->bind : "127.0.0.1";
	char tag[48];
	uint32_t rnd = 0;

	*result = NULL;
	if (!coord_fds || !rank_fds || !pids || !threads) {
		ret = tl_err_set(err, ENOMEM, "out of memory for %u ranks", n);
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		coord_fds[i] = rank_fds[i] = -1;
	if (l->threads)
		ret = ensure_fds((uint64_t)n * n + 4ULL * n + 64, "a mesh of threads", err);
	else
		ret = ensure_fds(3ULL * n + 64, "a mesh of processes", err);
	if (ret < 0)
		goto out;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)tl_now_ns();
	snprintf(tag, sizeof(tag), "%d-%08x", (int)getpid(), rnd);
	for (uint32_t i = 0; i < n; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
			ret = tl_err_errno(err, "socketpair for rank %u", i);
			goto out;
		}
		coord_fds[i] = sv[0];
		rank_fds[i] = sv[1];
	}
	for (uint32_t i = 0; i < n; i++) {
		struct tl_mesh_rank_cfg *cfg = &threads[i].cfg;
		cfg->spec = l->spec;
		cfg->rank = i;
		cfg->ctl_fd = rank_fds[i];
		cfg->listen_fd = -1;
		cfg->cpu_per_thread = l->threads;
		if (tl_mesh_transport_is_tcp(l->spec.transport))
			snprintf(cfg->advertise, sizeof(cfg->advertise), "%s", bind);
		threads[i].bind = bind;
		threads[i].tag = tag;
		if (l->threads) {
			pthread_attr_t attr;
			pthread_attr_init(&attr);
			pthread_attr_setstacksize(&attr, 512 * 1024);
			int rc = pthread_create(&threads[i].tid, &attr, thread_main, &threads[i]);
			pthread_attr_destroy(&attr);
			if (rc != 0) {
				errno = rc;
				ret = tl_err_errno(err, "pthread_create for rank %u", i);
				goto out;
			}
			threads[i].started = 1;
			continue;
		}
		pid_t pid = fork();
		if (pid < 0) {
			ret = tl_err_errno(err, "fork for rank %u (of %u)", i, n);
			goto out;
		}
		if (pid == 0) {
			/* A terminal's Ctrl-C reaches the whole process group: a rank waits for the
			 * coordinator's "stop" instead, so the run ends in order. */
			signal(SIGINT, SIG_IGN);
			/* Keep only this rank's end: the coordinator's closing must reach us as EOF. */
			for (uint32_t k = 0; k < n; k++) {
				close(coord_fds[k]);
				if (k != i)
					close(rank_fds[k]);
			}
			_exit(rank_main(cfg, bind, tag) == 0 ? 0 : 1);
		}
		pids[i] = pid;
	}
	if (!l->threads) {
		for (uint32_t i = 0; i < n; i++) {
			close(rank_fds[i]);
			rank_fds[i] = -1;
		}
	}
	struct tl_mesh_coord c = {
		.spec = &l->spec, .ctl_fds = coord_fds, .default_addr = bind,
		.launch = l->threads ? "threads" : "fork", .interrupt_fd = l->interrupt_fd,
	};
	ret = tl_mesh_coord_run(&c, result, err);
out:
	/* Closing our ends tells every rank still running to stop. */
	for (uint32_t i = 0; coord_fds && i < n; i++)
		if (coord_fds[i] >= 0)
			close(coord_fds[i]);
	for (uint32_t i = 0; threads && i < n; i++)
		if (threads[i].started)
			pthread_join(threads[i].tid, NULL);
	for (uint32_t i = 0; rank_fds && i < n; i++)
		if (rank_fds[i] >= 0)
			close(rank_fds[i]);
	if (pids)
		reap(pids, n);
	free(coord_fds);
	free(rank_fds);
	free(pids);
	free(threads);
	return ret;
}
