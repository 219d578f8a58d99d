#include "sys/sockstat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sys/procfile.h"

/* Finds " key N" in the line [line, end) and stores N. Returns 1 if found. */
static int field(const char *line, const char *end, const char *key, int64_t *out)
{
	size_t klen = strlen(key);
	for (const char *p = line; p + klen + 1 < end; p++) {
		if (p[-1] != ' ' || strncmp(p, key, klen) != 0 || p[klen] != ' ')
			continue;
		char *num_end;
		long long v = strtoll(p + klen + 1, &num_end, 10);
		if (num_end == p + klen + 1)
			return 0;
		*out = v;
		return 1;
	}
	return 0;
}

int tl_sockstat_parse(const char *text, struct tl_sockstat *out, struct tl_err *err)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		if (strncmp(p, "TCP: ", 5) == 0) {
			int found = field(p + 4, end, "inuse", &out->tcp_inuse);
			found &= field(p + 4, end, "orphan", &out->tcp_orphan);
			found &= field(p + 4, end, "tw", &out->tcp_tw);
			found &= field(p + 4, end, "alloc", &out->tcp_alloc);
			found &= field(p + 4, end, "mem", &out->tcp_mem_pages);
			if (!found)
				return tl_err_set(err, EINVAL,
						  "sockstat: TCP line \"%.*s\" lacks inuse/orphan/tw/alloc/mem",
						  (int)(end - p), p);
			out->have_tcp = true;
		} else if (strncmp(p, "TCP6: ", 6) == 0) {
			if (!field(p + 5, end, "inuse", &out->tcp6_inuse))
				return tl_err_set(err, EINVAL, "sockstat6: TCP6 line \"%.*s\" lacks inuse",
						  (int)(end - p), p);
			out->have_tcp6 = true;
		}
		p = nl ? nl + 1 : end;
	}
	if (!out->have_tcp && !out->have_tcp6)
		return tl_err_set(err, EINVAL, "sockstat: no TCP line");
	return 0;
}

int tl_sockstat_read(struct tl_sockstat *out, struct tl_err *err)
{
	char *text = NULL;
	int ret = tl_procfile_read("/proc/net/sockstat", &text, err);
	if (ret < 0)
		return ret;
	ret = tl_sockstat_parse(text, out, err);
	free(text);
	text = NULL;
	if (ret < 0)
		return ret;
	/* IPv6 may be disabled at boot: then the file is absent and that is not an error. */
	if (tl_procfile_read("/proc/net/sockstat6", &text, NULL) == 0) {
		ret = tl_sockstat_parse(text, out, err);
		free(text);
	}
	return ret;
}
