#include "testbed/testbed.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testbed/config.h"
#include "testbed/cpus.h"
#include "testbed/netns.h"
#include "testbed/run.h"
#include "util/clock.h"

#define READY_TIMEOUT_NS (15 * TL_NSEC_PER_SEC)
#define TERM_WAIT_NS (3 * TL_NSEC_PER_SEC)
#define MAX_TAKEN 4096

static const char *const state_files[] = { "testbed.json", "testbed.json.tmp", "ctl.sock",
					   "series.jsonl", "series.1.jsonl", "forwarder.log" };

static int mkdir_p(const char *path, struct tl_err *err)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return tl_err_errno(err, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return tl_err_errno(err, "mkdir %s", buf);
	return 0;
}

/* Serialises up and down of all testbeds: subnet choice and directory creation. */
static int lock_root(struct tl_err *err)
{
	char path[512];
	int ret = mkdir_p(tl_testbed_root(), err);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/.lock", tl_testbed_root());
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return tl_err_errno(err, "open %s", path);
	if (flock(fd, LOCK_EX) < 0) {
		ret = tl_err_errno(err, "flock %s", path);
		close(fd);
		return ret;
	}
	return fd;
}

static void unlock_root(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* IPv4 routes of this namespace (/proc/net/route: hex in network order, as u32). */
static void taken_routes(struct tl_testbed_prefix *taken, size_t *n, size_t max)
{
	FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return;
	char line[256];
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (*n < max && fgets(line, sizeof(line), f)) {
		char ifn[32];
		unsigned dst, gw, flags, refc, use, metric, mask;
		if (sscanf(line, "%31s %x %x %x %u %u %u %x", ifn, &dst, &gw, &flags, &refc, &use,
			   &metric, &mask) != 8)
			continue;
		taken[*n].addr = ntohl(dst);
		taken[*n].len = (unsigned)__builtin_popcount(mask);
		(*n)++;
	}
	fclose(f);
}

static void taken_testbeds(struct tl_testbed_prefix *taken, size_t *n, size_t max)
{
	char(*names)[TL_TESTBED_NAME_MAX + 1] = NULL;
	size_t nn = 0;
	if (tl_testbed_names(&names, &nn, NULL) < 0)
		return;
	for (size_t i = 0; i < nn && *n < max; i++) {
		struct tl_testbed_state st;
		if (tl_testbed_state_load(names[i], &st, NULL) < 0)
			continue;
		taken[*n].addr = st.plan.subnet;
		taken[*n].len = 24;
		(*n)++;
		tl_testbed_state_free(&st);
	}
	free(names);
}

static void remove_state_dir(const char *name)
{
	char path[512];
	for (size_t i = 0; i < sizeof(state_files) / sizeof(state_files[0]); i++)
		if (tl_testbed_path(path, sizeof(path), name, state_files[i], NULL) == 0)
			unlink(path);
	if (tl_testbed_path(path, sizeof(path), name, NULL, NULL) == 0)
		rmdir(path);
}

bool tl_testbed_argv_is_forwarder(char *const *args, int na, const char *name)
{
	int router = -1;
	for (int i = 1; i < na && router < 0; i++)
		if (!strcmp(args[i], "router"))
			router = i;
	for (int i = router + 1; router > 0 && i < na; i++) {
		if (!strcmp(args[i], "--testbed") && i + 1 < na && !strcmp(args[i + 1], name))
			return true;
		if (!strncmp(args[i], "--testbed=", 10) && !strcmp(args[i] + 10, name))
			return true;
	}
	for (int i = 1; i + 2 < na; i++)
		if (!strcmp(args[i], "testbed") && !strcmp(args[i + 1], "_forward") &&
		    !strcmp(args[i + 2], name))
			return true;
	return false;
}

static int proc_cmdline_is_forwarder(pid_t pid, const char *name)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *args[16];
	int na = 0;
	for (ssize_t off = 0; off < n && na < 16; off += (ssize_t)strlen(buf + off) + 1)
		args[na++] = buf + off;
	return tl_testbed_argv_is_forwarder(args, na, name);
}

bool tl_testbed_forwarder_alive(const struct tl_testbed_state *st)
{
	return st->forwarder_pid > 0 && proc_cmdline_is_forwarder(st->forwarder_pid, st->plan.name);
}

/* Waits until pid has exited (a pidfd turns readable), up to timeout; 1 if it did. */
static int wait_exit(pid_t pid, uint64_t timeout_ns)
{
	uint64_t deadline = tl_now_ns() + timeout_ns;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int gone = 0;
	while (!gone) {
		/* Our own child (tl_testbed_up in this process) must be reaped to go away. */
		waitpid(pid, NULL, WNOHANG);
		uint64_t now = tl_now_ns();
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			if (poll(&p, 1, 0) > 0) {
				gone = 1;
				break;
			}
		} else if (kill(pid, 0) < 0 && errno == ESRCH) {
			gone = 1;
			break;
		}
		if (now >= deadline)
			break;
		usleep(10000);
	}
	if (pfd >= 0)
		close(pfd);
	waitpid(pid, NULL, WNOHANG);
	return gone;
}

static int stop_forwarder(const struct tl_testbed_state *st, struct tl_testbed_down_report *rep)
{
	if (!tl_testbed_forwarder_alive(st))
		return 0;
	pid_t pid = st->forwarder_pid;
	rep->forwarder_pid = pid;
	if (kill(pid, SIGTERM) < 0)
		return errno == ESRCH ? 0 : -errno;
	if (wait_exit(pid, TERM_WAIT_NS))
		return 0;
	rep->forwarder_killed = true;
	kill(pid, SIGKILL);
	wait_exit(pid, TERM_WAIT_NS);
	return 0;
}

/*
 * Starts the testbed's router, `EXE router --testbed NAME --ready-fd 3` (router/testbed.h),
 * and waits for its "ok"; *pid_out is its PID.
 */
static int spawn_forwarder(const char *name, const char *exe, pid_t *pid_out, struct tl_err *err)
{
	char log[512];
	int ret = tl_testbed_path(log, sizeof(log), name, "forwarder.log", err);
	if (ret < 0)
		return ret;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return tl_err_errno(err, "forwarder: pipe");
	pid_t pid = fork();
	if (pid < 0) {
		ret = tl_err_errno(err, "forwarder: fork");
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		/* Its own session: the forwarder outlives `up` and its terminal. */
		setsid();
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (in < 0 || out < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		dup2(fds[1], 3); /* dup2 clears close-on-exec */
		execl(exe, exe, "router", "--testbed", name, "--ready-fd", "3", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[600];
	size_t got = 0;
	uint64_t deadline = tl_now_ns() + READY_TIMEOUT_NS;
	for (;;) {
		uint64_t now = tl_now_ns();
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		if (now >= deadline || poll(&p, 1, tl_ms_until(deadline, now)) == 0) {
			ret = tl_err_set(err, ETIMEDOUT, "forwarder of %s: not ready within %llu s "
					 "(see %s)", name,
					 (unsigned long long)(READY_TIMEOUT_NS / TL_NSEC_PER_SEC), log);
			goto fail;
		}
		ssize_t r = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(buf) - 1 || memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	if (strcmp(buf, "ok") != 0) {
		ret = tl_err_set(err, EIO, "forwarder of %s: %s", name,
				 *buf ? buf : "exited before it was ready (see its log)");
		goto fail;
	}
	close(fds[0]);
	*pid_out = pid;
	return 0;
fail:
	close(fds[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ret;
}

/*
 * The hosts' receive work (RPS on each host's interface) goes to the CPUs other than the
 * forwarder's, with --isolate (which also confines the hosts' programs there) and with
 * --spread (which leaves the programs on every CPU). Without either, the receiving host's
 * TCP stack runs in the softirq of whoever transmits into its veth, the forwarder: at 100
 * flows through 1 Gbit/s, 20 ms, that cost 12-24% of the rate on this 2-vCPU VM, where
 * --spread gave -0.6% and -1.7% (bench/results/testbed.md, run 20). Not the default: a packet
 * handed to another CPU waits for it (a 1-byte rr through 10 ms: 10.49-10.55 ms at p50
 * against 10.22). Steering is best effort with --spread (a host without it works, only
 * slower); with --isolate it is refused, as that is what was asked for.
 */
static int steer_hosts(const struct tl_testbed_plan *plan, int fwd_cpu, bool required,
		       struct tl_err *err)
{
	cpu_set_t others;
	char mask[160];
	int ret;
	if (tl_testbed_cpus_others(fwd_cpu, &others) == 0)
		return 0;
	if ((ret = tl_testbed_cpus_mask_hex(&others, mask, sizeof(mask), err)) < 0)
		return ret;
	for (unsigned i = 0; i < plan->nhosts; i++) {
		struct tl_err rerr = { 0 };
		ret = tl_testbed_netns_rps(plan->hosts[i].netns, plan->hosts[i].ifname, mask, &rerr);
		if (ret < 0 && required)
			return tl_err_set(err, -ret, "%s (--isolate off goes without)", rerr.msg);
	}
	return 0;
}

int tl_testbed_up(const char *name, const json_t *opts, const char *exe,
		  struct tl_testbed_state *out, struct tl_err *err)
{
	struct tl_testbed_config *cfg = NULL;
	struct tl_testbed_prefix *taken = NULL;
	struct tl_testbed_state st = { 0 };
	bool dir_made = false, ns_made = false;
	int lock = -1;
	memset(out, 0, sizeof(*out));
	int ret = tl_testbed_name_check(name, err);
	if (ret < 0)
		return ret;
	cfg = malloc(sizeof(*cfg));
	taken = calloc(MAX_TAKEN, sizeof(*taken));
	if (!cfg || !taken) {
		ret = tl_err_set(err, ENOMEM, "testbed up: out of memory");
		goto out;
	}
	if ((ret = tl_testbed_config_eval(opts, cfg, err)) < 0)
		goto out;
	if ((ret = lock = lock_root(err)) < 0)
		goto out;
	char dir[512];
	if ((ret = tl_testbed_path(dir, sizeof(dir), name, NULL, err)) < 0)
		goto out;
	if (mkdir(dir, 0755) < 0) {
		ret = errno == EEXIST
			      ? tl_err_set(err, EEXIST, "testbed %s exists already ('tcplab testbed "
					   "down %s' first, or choose another name)", name, name)
			      : tl_err_errno(err, "mkdir %s", dir);
		goto out;
	}
	dir_made = true;
	size_t ntaken = 0;
	taken_testbeds(taken, &ntaken, MAX_TAKEN);
	taken_routes(taken, &ntaken, MAX_TAKEN);
	if ((ret = tl_testbed_plan_make(name, cfg->senders, taken, ntaken, &st.plan, err)) < 0)
		goto out;
	snprintf(st.phase, sizeof(st.phase), "creating");
	st.created_unix_ns = tl_wall_ns();
	st.forwarder_cpu = cfg->isolate || cfg->spread ? tl_testbed_cpus_pick() : -1;
	st.options = json_deep_copy(opts);
	/* Recorded before anything is made, so `down` can clean up after a crash of `up`. */
	if ((ret = tl_testbed_state_save(&st, err)) < 0)
		goto out;
	if ((ret = tl_testbed_netns_create(&st.plan, err)) < 0)
		goto out;
	ns_made = true;
	if (st.forwarder_cpu >= 0 &&
	    (ret = steer_hosts(&st.plan, st.forwarder_cpu, cfg->isolate, err)) < 0)
		goto out;
	if ((ret = spawn_forwarder(name, exe, &st.forwarder_pid, err)) < 0)
		goto out;
	snprintf(st.phase, sizeof(st.phase), "up");
	if ((ret = tl_testbed_state_save(&st, err)) < 0) {
		struct tl_testbed_down_report rep;
		memset(&rep, 0, sizeof(rep));
		stop_forwarder(&st, &rep);
		goto out;
	}
	*out = st;
	st.options = NULL;
	ret = 0;
out:
	if (ret < 0) {
		if (ns_made)
			tl_testbed_netns_delete(&st.plan, NULL);
		if (dir_made)
			remove_state_dir(name);
	}
	unlock_root(lock);
	tl_testbed_state_free(&st);
	free(cfg);
	free(taken);
	return ret;
}

int tl_testbed_down(const char *name, struct tl_testbed_down_report *rep, struct tl_err *err)
{
	struct tl_testbed_state st;
	memset(rep, 0, sizeof(*rep));
	int lock = lock_root(err);
	if (lock < 0)
		return lock;
	int ret = tl_testbed_state_load(name, &st, err);
	if (ret < 0)
		goto out;
	ret = stop_forwarder(&st, rep);
	if (ret < 0) {
		ret = tl_err_set(err, -ret, "testbed %s: kill forwarder %d: %s", name,
				 (int)st.forwarder_pid, strerror(-ret));
		goto out_state;
	}
	for (unsigned i = 0; i < st.plan.nhosts; i++) {
		size_t n = 0;
		size_t room = sizeof(rep->lingering) / sizeof(rep->lingering[0]);
		size_t have = rep->nlingering < room ? rep->nlingering : room;
		if (tl_testbed_netns_pids(st.plan.hosts[i].netns, rep->lingering + have, room - have,
					  &n, NULL) == 0)
			rep->nlingering += n;
	}
	ret = tl_testbed_netns_delete(&st.plan, err);
	if (ret < 0)
		goto out_state;
	remove_state_dir(name);
	ret = 0;
out_state:
	tl_testbed_state_free(&st);
out:
	unlock_root(lock);
	return ret;
}

int tl_testbed_enter(const char *name, const char *host, struct tl_err *err)
{
	struct tl_testbed_state st;
	int ret = tl_testbed_state_load(name, &st, err);
	if (ret < 0)
		return ret;
	const char *ns = NULL;
	if (!strcmp(host, "rtr") || !strcmp(host, "router")) {
		ns = st.plan.rtr_netns;
	} else {
		const struct tl_testbed_host *h = tl_testbed_plan_host(&st.plan, host);
		if (h)
			ns = h->netns;
	}
	if (!ns) {
		char names[256] = "";
		for (unsigned i = 0; i < st.plan.nhosts; i++) {
			strncat(names, st.plan.hosts[i].name, sizeof(names) - strlen(names) - 2);
			strncat(names, " ", sizeof(names) - strlen(names) - 1);
		}
		ret = tl_err_set(err, ENOENT, "testbed %s has no host \"%s\" (hosts: %srtr)", name,
				 host, names);
		goto out;
	}
	if ((ret = tl_testbed_netns_enter(ns, err)) < 0)
		goto out;
	tl_testbed_netns_remount_sys();
	cpu_set_t others;
	/* --isolate confines the hosts' programs too; --spread moves only their receive work.
	 * The options are read by the one parser (on, yes, 1, true all mean on). */
	struct tl_testbed_config *cfg = malloc(sizeof(*cfg));
	bool confine = cfg && tl_testbed_config_eval(st.options, cfg, NULL) == 0 && cfg->isolate;
	free(cfg);
	if (confine && st.forwarder_cpu >= 0 && tl_testbed_cpus_others(st.forwarder_cpu, &others) > 0 &&
	    sched_setaffinity(0, sizeof(others), &others) < 0) {
		ret = tl_err_errno(err, "testbed %s: keeping the command off the forwarder's CPU "
				   "%d: sched_setaffinity", name, st.forwarder_cpu);
		goto out;
	}
	ret = 0;
out:
	tl_testbed_state_free(&st);
	return ret;
}
