#include "testbed/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int tl_testbed_netns_enter(const char *netns, struct tl_err *err)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", TL_NETNS_DIR, netns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tl_err_errno(err, "open %s (network namespace %s)", path, netns);
	int ret = 0;
	if (setns(fd, CLONE_NEWNET) < 0)
		ret = tl_err_errno(err, "setns %s", path);
	close(fd);
	return ret;
}

void tl_testbed_netns_remount_sys(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return;
	/* Keep mount events from leaking back to the caller's namespace. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return;
	if (umount2("/sys", MNT_DETACH) < 0)
		return;
	mount("sysfs", "/sys", "sysfs", 0, NULL);
}

int tl_testbed_netns_exists(const char *netns)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", TL_NETNS_DIR, netns);
	return access(path, F_OK) == 0;
}

/* The command line as one string for messages: "ip -n tl-a-rtr link set rcv up". */
static void argv_join(char *const argv[], char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; argv[i] && off + 1 < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? " " : "", argv[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

int tl_testbed_run(const char *netns, char *const argv[], struct tl_err *err)
{
	char cmd[256];
	int pipefd[2];
	argv_join(argv, cmd, sizeof(cmd));
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return tl_err_errno(err, "%s: pipe", cmd);
	pid_t pid = fork();
	if (pid < 0) {
		int ret = tl_err_errno(err, "%s: fork", cmd);
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls until exec. */
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		dup2(pipefd[1], 2);
		if (netns) {
			char path[256];
			snprintf(path, sizeof(path), "%s/%s", TL_NETNS_DIR, netns);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
				static const char msg[] = "cannot enter the network namespace\n";
				if (write(2, msg, sizeof(msg) - 1) < 0) {
				}
				_exit(126);
			}
		}
		execvp(argv[0], argv);
		static const char msg[] = "cannot execute (is it installed? scripts/deps.sh)\n";
		if (write(2, msg, sizeof(msg) - 1) < 0) {
		}
		_exit(127);
	}
	close(pipefd[1]);
	char out[512];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(pipefd[0], out + got, sizeof(out) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(out) - 1) {
			/* Keep draining so the child never blocks on a full pipe. */
			char sink[256];
			while (read(pipefd[0], sink, sizeof(sink)) > 0) {
			}
			break;
		}
	}
	out[got] = '\0';
	close(pipefd[0]);
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return tl_err_errno(err, "%s: waitpid", cmd);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return tl_err_set(err, EIO, "%s%s%s%s: exit %d: %s", netns ? "[in " : "",
				  netns ? netns : "", netns ? "] " : "", cmd, WEXITSTATUS(status),
				  *out ? out : "(no message)");
	return tl_err_set(err, EIO, "%s: killed by signal %d", cmd, WTERMSIG(status));
}

int tl_testbed_netns_pids(const char *netns, pid_t *pids, size_t max, size_t *n,
			  struct tl_err *err)
{
	char path[300];
	struct stat ns_st;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", TL_NETNS_DIR, netns);
	if (stat(path, &ns_st) < 0)
		return errno == ENOENT ? 0 : tl_err_errno(err, "stat %s", path);
	DIR *d = opendir("/proc");
	if (!d)
		return tl_err_errno(err, "opendir /proc");
	pid_t self = getpid();
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) < 0 || st.st_ino != ns_st.st_ino || st.st_dev != ns_st.st_dev)
			continue;
		if (*n < max)
			pids[*n] = (pid_t)pid;
		(*n)++;
	}
	closedir(d);
	return 0;
}
