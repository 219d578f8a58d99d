#include "testbed/series.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testbed/state.h"

int tl_testbed_series_open(struct tl_testbed_series *s, const char *name, struct tl_err *err)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	int ret = tl_testbed_path(s->path, sizeof(s->path), name, "series.jsonl", err);
	if (ret < 0)
		return ret;
	ret = tl_testbed_path(s->old_path, sizeof(s->old_path), name, "series.1.jsonl", err);
	if (ret < 0)
		return ret;
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return tl_err_errno(err, "open %s", s->path);
	unlink(s->old_path);
	return 0;
}

int tl_testbed_series_append(struct tl_testbed_series *s, const json_t *line, struct tl_err *err)
{
	char *text = json_dumps(line, JSON_COMPACT);
	if (!text)
		return tl_err_set(err, ENOMEM, "series: cannot encode a line");
	size_t len = strlen(text);
	text[len] = '\n'; /* over the NUL: one write() carries the whole line */
	int ret = 0;
	ssize_t w = write(s->fd, text, len + 1);
	if (w < 0)
		ret = tl_err_errno(err, "write %s", s->path);
	else
		s->bytes += (uint64_t)w;
	free(text);
	if (ret == 0 && s->bytes >= TL_TESTBED_SERIES_ROTATE) {
		if (rename(s->path, s->old_path) < 0)
			return tl_err_errno(err, "rename %s", s->path);
		int fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return tl_err_errno(err, "open %s", s->path);
		close(s->fd);
		s->fd = fd;
		s->bytes = 0;
	}
	return ret;
}

void tl_testbed_series_close(struct tl_testbed_series *s)
{
	if (s && s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
}

int tl_testbed_series_read_file(const char *path, uint64_t from_ns, uint64_t to_ns, json_t *arr,
				struct tl_err *err)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : tl_err_errno(err, "open %s", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break; /* the forwarder is still writing this one */
		json_t *j = json_loadb(line, (size_t)len, 0, NULL);
		json_t *t = json_object_get(j, "t_ns");
		if (!json_is_integer(t)) {
			json_decref(j);
			continue;
		}
		uint64_t ts = (uint64_t)json_integer_value(t);
		if (ts >= from_ns && (to_ns == 0 || ts <= to_ns))
			json_array_append_new(arr, j);
		else
			json_decref(j);
	}
	free(line);
	fclose(f);
	return 0;
}

int tl_testbed_series_read(const char *name, uint64_t from_ns, uint64_t to_ns, json_t **out,
			   struct tl_err *err)
{
	char dir[512];
	*out = NULL;
	int ret = tl_testbed_name_check(name, err);
	if (ret < 0)
		return ret;
	if ((ret = tl_testbed_path(dir, sizeof(dir), name, NULL, err)) < 0)
		return ret;
	if (access(dir, F_OK) < 0)
		return tl_err_set(err, ENOENT, "no testbed %s (no %s)", name, dir);
	return tl_testbed_series_read_dir(dir, from_ns, to_ns, out, err);
}

int tl_testbed_series_read_dir(const char *dir, uint64_t from_ns, uint64_t to_ns, json_t **out,
			       struct tl_err *err)
{
	char path[600];
	*out = NULL;
	json_t *arr = json_array();
	if (!arr)
		return tl_err_set(err, ENOMEM, "out of memory");
	const char *files[] = { "series.1.jsonl", "series.jsonl" };
	for (size_t i = 0; i < 2; i++) {
		int ret;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, files[i]) >= sizeof(path))
			ret = tl_err_set(err, ENAMETOOLONG, "%s: path too long", dir);
		else
			ret = tl_testbed_series_read_file(path, from_ns, to_ns, arr, err);
		if (ret < 0) {
			json_decref(arr);
			return ret;
		}
	}
	*out = arr;
	return 0;
}
