#include "sys/sysctl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_SYS "/proc/sys/"

int tl_sysctl_path(const char *name, char *buf, size_t len)
{
	size_t plen = strlen(PROC_SYS), nlen = strlen(name);
	if (nlen == 0 || name[0] == '/' || name[0] == '.' || strstr(name, ".."))
		return -EINVAL;
	if (plen + nlen + 1 > len)
		return -ENAMETOOLONG;
	memcpy(buf, PROC_SYS, plen);
	/* sysctl(8): dots separate levels unless the name already uses slashes. */
	int slashed = strchr(name, '/') != NULL;
	for (size_t i = 0; i <= nlen; i++)
		buf[plen + i] = (!slashed && name[i] == '.') ? '/' : name[i];
	return 0;
}

/* Squeezes runs of blanks into one space and drops leading/trailing blanks, in place. */
static void squeeze(char *s)
{
	char *w = s;
	int blank = 1;
	for (char *r = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			if (!blank)
				*w++ = ' ';
			blank = 1;
		} else {
			*w++ = *r;
			blank = 0;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

int tl_sysctl_read(const char *name, char *buf, size_t len, struct tl_err *err)
{
	char path[256];
	int ret = -1, fd = -1;
	if (len < 2)
		return tl_err_set(err, EINVAL, "sysctl %s: buffer too small", name);
	if (tl_sysctl_path(name, path, sizeof(path)) < 0)
		return tl_err_set(err, EINVAL, "sysctl \"%s\": not a parameter name", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = tl_err_errno(err, "sysctl %s: open %s", name, path);
		goto out;
	}
	/*
	 * The proc handlers answer a read at a non-zero offset with EOF (proc_dointvec and
	 * friends), so the whole value must come in the first read: read into a page-sized
	 * buffer, then check that it fits the caller's.
	 */
	char page[4096];
	ssize_t got;
	do
		got = read(fd, page, sizeof(page) - 1);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		ret = tl_err_errno(err, "sysctl %s: read %s", name, path);
		goto out;
	}
	page[got] = '\0';
	squeeze(page);
	size_t used = strlen(page);
	if (used >= len) {
		ret = tl_err_set(err, ENOSPC, "sysctl %s: value longer than %zu bytes", name, len - 1);
		goto out;
	}
	memcpy(buf, page, used);
	buf[used] = '\0';
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int tl_sysctl_write(const char *name, const char *value, struct tl_err *err)
{
	char path[256];
	int ret = -1, fd = -1;
	if (tl_sysctl_path(name, path, sizeof(path)) < 0)
		return tl_err_set(err, EINVAL, "sysctl \"%s\": not a parameter name", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = tl_err_errno(err, "sysctl %s: open %s for writing", name, path);
		goto out;
	}
	size_t vlen = strlen(value);
	ssize_t put;
	do
		put = write(fd, value, vlen);
	while (put < 0 && errno == EINTR);
	/* procfs takes a value in one write; a short write means the kernel refused the rest. */
	if (put < 0) {
		ret = tl_err_errno(err, "sysctl %s = \"%s\"", name, value);
		goto out;
	}
	if ((size_t)put != vlen) {
		ret = tl_err_set(err, EIO, "sysctl %s = \"%s\": short write (%zd of %zu bytes)",
				 name, value, put, vlen);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int tl_sysctl_parse_u64s(const char *text, uint64_t *vals, size_t max, size_t *n,
			 struct tl_err *err)
{
	size_t count = 0;
	const char *p = text;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (!isdigit((unsigned char)*p))
			return tl_err_set(err, EINVAL, "\"%s\": not a list of unsigned integers", text);
		if (count == max)
			return tl_err_set(err, E2BIG, "\"%s\": more than %zu values", text, max);
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (errno == ERANGE || (*end && !isspace((unsigned char)*end)))
			return tl_err_set(err, EINVAL, "\"%s\": not a list of unsigned integers", text);
		vals[count++] = v;
		p = end;
	}
	if (count == 0)
		return tl_err_set(err, EINVAL, "\"%s\": no value", text);
	*n = count;
	return 0;
}

int tl_sysctl_read_u64s(const char *name, uint64_t *vals, size_t max, size_t *n,
			struct tl_err *err)
{
	char buf[256];
	int ret = tl_sysctl_read(name, buf, sizeof(buf), err);
	if (ret < 0)
		return ret;
	ret = tl_sysctl_parse_u64s(buf, vals, max, n, err);
	if (ret < 0)
		tl_err_prefix(err, "sysctl %s", name);
	return ret;
}

int tl_sysctl_read_u64(const char *name, uint64_t *out, struct tl_err *err)
{
	size_t n;
	return tl_sysctl_read_u64s(name, out, 1, &n, err);
}

int tl_port_range_parse(const char *text, struct tl_port_range *out, struct tl_err *err)
{
	uint64_t v[2];
	size_t n = 0;
	if (tl_sysctl_parse_u64s(text, v, 2, &n, NULL) < 0 || n != 2)
		return tl_err_set(err, EINVAL, "ip_local_port_range \"%s\": want two ports \"LO HI\"",
				  text);
	if (v[0] < 1 || v[1] > 65535 || v[0] > v[1])
		return tl_err_set(err, ERANGE, "ip_local_port_range \"%s\": want 1 <= LO <= HI <= 65535",
				  text);
	out->lo = (uint32_t)v[0];
	out->hi = (uint32_t)v[1];
	return 0;
}

int tl_port_range_read(struct tl_port_range *out, struct tl_err *err)
{
	char buf[64];
	int ret = tl_sysctl_read("net.ipv4.ip_local_port_range", buf, sizeof(buf), err);
	if (ret < 0)
		return ret;
	return tl_port_range_parse(buf, out, err);
}

uint32_t tl_port_range_count(const struct tl_port_range *r)
{
	return r->hi >= r->lo ? r->hi - r->lo + 1 : 0;
}

int tl_reserved_ports_count(const char *text, const struct tl_port_range *r, uint32_t *out,
			    struct tl_err *err)
{
	uint32_t count = 0;
	const char *p = text;
	while (*p) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		char *end;
		unsigned long a = strtoul(p, &end, 10), b;
		if (end == p || a > 65535)
			goto bad;
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			b = strtoul(p, &end, 10);
			if (end == p || b > 65535 || b < a)
				goto bad;
			p = end;
		}
		if (*p && *p != ',' && !isspace((unsigned char)*p))
			goto bad;
		/* Overlap of [a, b] with the ephemeral range. */
		unsigned long lo = a > r->lo ? a : r->lo, hi = b < r->hi ? b : r->hi;
		if (lo <= hi)
			count += (uint32_t)(hi - lo + 1);
	}
	*out = count;
	return 0;
bad:
	return tl_err_set(err, EINVAL,
			  "ip_local_reserved_ports \"%s\": want a list such as \"8080,9000-9100\"", text);
}
