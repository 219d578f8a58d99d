#include "sys/procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define PROCFILE_MAX (4u << 20)

int tl_procfile_read(const char *path, char **text, struct tl_err *err)
{
	int ret = -1, fd = -1;
	size_t used = 0, cap = 8192;
	char *buf = malloc(cap);
	if (!buf)
		return tl_err_set(err, ENOMEM, "read %s: out of memory", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = tl_err_errno(err, "open %s", path);
		goto out;
	}
	for (;;) {
		if (cap - used < 2) {
			if (cap >= PROCFILE_MAX) {
				ret = tl_err_set(err, EFBIG, "read %s: larger than %u bytes", path,
						 PROCFILE_MAX);
				goto out;
			}
			char *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				ret = tl_err_set(err, ENOMEM, "read %s: out of memory", path);
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t got = read(fd, buf + used, cap - 1 - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = tl_err_errno(err, "read %s", path);
			goto out;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	buf[used] = '\0';
	*text = buf;
	buf = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}
