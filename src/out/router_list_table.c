/* `router list`'s table (out/router_list_table.h). */
#include "out/router_list_table.h"

#include <inttypes.h>

void tl_out_router_list_table(FILE *f, const struct tl_router_list *l, const char *where)
{
	if (l->n == 0 && !l->truncated) {
		fprintf(f, "no routers (under %s%s%s)\n", l->root, where ? " on " : "",
			where ? where : "");
	} else {
		/* interface names are at most 15 characters (IFNAMSIZ) */
		fprintf(f, "%-24s %-15s %-15s %-8s %-8s %-12s %-8s %s\n", "NAME", "IN", "OUT", "PID",
			"STATE", "RATE", "RTT", "AQM");
		for (size_t i = 0; i < l->n; i++) {
			const struct tl_router_list_entry *e = &l->routers[i];
			fprintf(f, "%-24s %-15s %-15s %-8" PRId64 " %-8s %-12s %-8s %s\n", e->name,
				e->in, e->out, e->pid, e->running ? "running" : "stopped", e->rate,
				e->rtt, e->aqm);
		}
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct tl_router_list_entry *e = &l->routers[i];
		if (!e->running)
			fprintf(f, "%s: stopped without putting %s and %s back (killed?): '%s'%s%s "
				"restores them\n", e->name, e->in, e->out, e->restore,
				where ? " on " : "", where ? where : "");
	}
	if (l->truncated)
		fprintf(f, "more routers are there than a list holds: these are the first by name\n");
	if (l->skipped)
		fprintf(f, "%" PRIu64 " entr%s under %s could not be read as a router (damaged "
			"state file?)\n", l->skipped, l->skipped == 1 ? "y" : "ies", l->root);
}
