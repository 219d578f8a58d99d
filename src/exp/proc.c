/* Child processes: spawn into a file, wait with a deadline and a stop flag, end by PID. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp/proc.h"
#include "util/clock.h"

static int open_out(const char *path)
{
	return open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

pid_t tl_exp_spawn(char *const *argv, const char *out_path, const char *err_path,
		   struct tl_err *err)
{
	int out = open_out(out_path), errfd = open_out(err_path);
	pid_t pid = -1;
	if (out < 0 || errfd < 0) {
		tl_err_errno(err, "open %s", out < 0 ? out_path : err_path);
		goto done;
	}
	pid = fork();
	if (pid < 0) {
		tl_err_errno(err, "fork for %s", argv[0]);
		goto done;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		int in = open("/dev/null", O_RDONLY);
		if (in >= 0)
			dup2(in, 0);
		dup2(out, 1);
		dup2(errfd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
done:
	if (out >= 0)
		close(out);
	if (errfd >= 0)
		close(errfd);
	return pid < 0 ? -errno : pid;
}

static int status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static void nap(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

void tl_exp_end(pid_t pid, volatile sig_atomic_t *stop)
{
	int st;
	if (pid <= 0)
		return;
	if (waitpid(pid, &st, WNOHANG) == pid)
		return;
	kill(pid, SIGINT);
	uint64_t until = tl_now_ns() + 3 * TL_NSEC_PER_SEC;
	while (tl_now_ns() < until && !(stop && *stop >= 2)) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		nap();
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

int tl_exp_wait(pid_t pid, uint64_t deadline_ns, volatile sig_atomic_t *stop)
{
	int st;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return status_of(st);
		if (r < 0 && errno != EINTR)
			return -ECHILD;
		if (stop && *stop) {
			tl_exp_end(pid, stop);
			return -EINTR;
		}
		if (tl_now_ns() > deadline_ns) {
			tl_exp_end(pid, stop);
			return -ETIMEDOUT;
		}
		nap();
	}
}

int tl_exp_run_cmd(char *const *argv, const char *out_path, const char *err_path,
		   uint64_t timeout_ns, volatile sig_atomic_t *stop, struct tl_err *err)
{
	pid_t pid = tl_exp_spawn(argv, out_path, err_path, err);
	if (pid < 0)
		return (int)pid;
	int rc = tl_exp_wait(pid, tl_now_ns() + timeout_ns, stop);
	if (rc == -ETIMEDOUT)
		return tl_err_set(err, ETIMEDOUT, "%s %s did not finish in %llu s", argv[0],
				  argv[1] ? argv[1] : "", (unsigned long long)(timeout_ns / TL_NSEC_PER_SEC));
	if (rc == -EINTR)
		return tl_err_set(err, EINTR, "interrupted");
	return rc;
}

int tl_exp_remove_dir(const char *dir, struct tl_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;
	if (!d)
		return tl_err_errno(err, "opendir %s", dir);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0 && ret == 0)
			ret = tl_err_errno(err, "unlink %s/%s", dir, e->d_name);
	}
	closedir(d);
	if (rmdir(dir) < 0 && ret == 0)
		ret = tl_err_errno(err, "rmdir %s", dir);
	return ret;
}
