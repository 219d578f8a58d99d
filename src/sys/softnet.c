#include "sys/softnet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sys/procfile.h"

int tl_softnet_parse(const char *text, struct tl_softnet *out, struct tl_err *err)
{
	struct tl_softnet sum = { 0 };
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (p[0] != '\n') {
			uint64_t col[3];
			char *end;
			const char *q = p;
			for (int i = 0; i < 3; i++) {
				errno = 0;
				col[i] = strtoull(q, &end, 16);
				if (end == q || errno)
					return tl_err_set(err, EINVAL,
							  "softnet_stat line %u: \"%.40s\" is not hex counters",
							  sum.cpus + 1, p);
				q = end;
			}
			sum.processed += col[0];
			sum.dropped += col[1];
			sum.time_squeeze += col[2];
			sum.cpus++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (sum.cpus == 0)
		return tl_err_set(err, EINVAL, "softnet_stat: no lines");
	*out = sum;
	return 0;
}

int tl_softnet_read(struct tl_softnet *out, struct tl_err *err)
{
	char *text = NULL;
	int ret = tl_procfile_read("/proc/net/softnet_stat", &text, err);
	if (ret < 0)
		return ret;
	ret = tl_softnet_parse(text, out, err);
	free(text);
	return ret;
}
