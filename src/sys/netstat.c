#include "sys/netstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/procfile.h"

static int push(struct tl_netstat *ns, const char *group, size_t glen, const char *name,
		size_t nlen, int64_t value)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 256;
		struct tl_netstat_entry *v = realloc(ns->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	struct tl_netstat_entry *e = &ns->v[ns->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->group, group, glen < sizeof(e->group) - 1 ? glen : sizeof(e->group) - 1);
	memcpy(e->name, name, nlen < sizeof(e->name) - 1 ? nlen : sizeof(e->name) - 1);
	e->value = value;
	return 0;
}

/* Length of the line starting at p (without its '\n'). */
static size_t line_len(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl ? (size_t)(nl - p) : strlen(p);
}

/* Next blank-separated token in [*p, end): sets *tok and returns its length, 0 at the end. */
static size_t next_token(const char **p, const char *end, const char **tok)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	const char *e = s;
	while (e < end && *e != ' ' && *e != '\t')
		e++;
	*tok = s;
	*p = e;
	return (size_t)(e - s);
}

int tl_netstat_parse(const char *text, struct tl_netstat *out, struct tl_err *err)
{
	const char *p = text;
	while (*p) {
		size_t hlen = line_len(p);
		const char *hend = p + hlen;
		if (hlen == 0) {
			p = *hend ? hend + 1 : hend;
			continue;
		}
		const char *colon = memchr(p, ':', hlen);
		if (!colon)
			return tl_err_set(err, EINVAL, "netstat: line without \"Group:\": \"%.40s\"", p);
		size_t glen = (size_t)(colon - p);
		const char *vline = *hend ? hend + 1 : hend;
		size_t vlen = line_len(vline);
		const char *vend = vline + vlen;
		if (vlen <= glen || strncmp(vline, p, glen + 1) != 0)
			return tl_err_set(err, EINVAL, "netstat: group %.*s has no value line",
					  (int)glen, p);
		const char *hp = colon + 1, *vp = vline + glen + 1, *name, *val;
		size_t nlen;
		while ((nlen = next_token(&hp, hend, &name)) > 0) {
			size_t tlen = next_token(&vp, vend, &val);
			if (tlen == 0)
				return tl_err_set(err, EINVAL, "netstat: group %.*s has fewer values than names",
						  (int)glen, p);
			char num[32];
			if (tlen >= sizeof(num))
				return tl_err_set(err, EINVAL, "netstat: %.*s %.*s: value too long",
						  (int)glen, p, (int)nlen, name);
			memcpy(num, val, tlen);
			num[tlen] = '\0';
			char *end;
			errno = 0;
			long long v = strtoll(num, &end, 10);
			/* Counters beyond INT64_MAX cannot happen in practice; clamp rather than fail. */
			if (errno == ERANGE && num[0] != '-')
				v = INT64_MAX;
			else if (*end || errno)
				return tl_err_set(err, EINVAL, "netstat: %.*s %.*s: \"%s\" is not a number",
						  (int)glen, p, (int)nlen, name, num);
			if (push(out, p, glen, name, nlen, v) < 0)
				return tl_err_set(err, ENOMEM, "netstat: out of memory");
		}
		const char *extra;
		if (next_token(&vp, vend, &extra) > 0)
			return tl_err_set(err, EINVAL, "netstat: group %.*s has more values than names",
					  (int)glen, p);
		p = *vend ? vend + 1 : vend;
	}
	return 0;
}

int tl_netstat_read(const char *path, struct tl_netstat *out, struct tl_err *err)
{
	char *text = NULL;
	int ret = tl_procfile_read(path, &text, err);
	if (ret < 0)
		return ret;
	ret = tl_netstat_parse(text, out, err);
	if (ret < 0)
		tl_err_prefix(err, "%s", path);
	free(text);
	return ret;
}

int tl_netstat_get(const struct tl_netstat *ns, const char *group, const char *name,
		   int64_t *value)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i].name, name) == 0 && strcmp(ns->v[i].group, group) == 0) {
			*value = ns->v[i].value;
			return 0;
		}
	return -ENOENT;
}

void tl_netstat_free(struct tl_netstat *ns)
{
	if (!ns)
		return;
	free(ns->v);
	ns->v = NULL;
	ns->n = ns->cap = 0;
}
