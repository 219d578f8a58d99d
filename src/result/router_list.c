/* The `router list` document (result/router_list.h). */
#include "result/router_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/dec.h"

static void entry_decode(struct tl_dec *d, const json_t *r, const char *w,
			 struct tl_router_list_entry *e)
{
	e->name = tl_dec_str(d, r, w, "name");
	e->in = tl_dec_str(d, r, w, "in");
	e->out = tl_dec_str(d, r, w, "out");
	e->pid = tl_dec_int(d, r, w, "pid");
	const char *state = tl_dec_str(d, r, w, "state");
	e->rate = tl_dec_str(d, r, w, "rate");
	e->rtt = tl_dec_str(d, r, w, "rtt");
	e->buffer = tl_dec_str(d, r, w, "buffer");
	e->aqm = tl_dec_str(d, r, w, "aqm");
	e->restore = tl_dec_str_opt(d, r, w, "restore");
	if (tl_dec_failed(d))
		return;
	if (strcmp(state, "running") != 0 && strcmp(state, "stopped") != 0)
		tl_dec_fail(d, w, "state", "\"running\" or \"stopped\"");
	e->running = strcmp(state, "running") == 0;
	if (!e->running && !e->restore)
		tl_dec_fail(d, w, "restore", "missing for a stopped router (a string)");
}

int tl_router_list_decode(const json_t *doc, struct tl_router_list *out, struct tl_err *err)
{
	struct tl_dec d = { .err = err };
	memset(out, 0, sizeof(*out));
	out->root = tl_dec_str(&d, doc, "", "root");
	out->truncated = tl_dec_bool(&d, doc, "", "truncated");
	out->skipped = tl_dec_u64(&d, doc, "", "skipped");
	const json_t *arr = tl_dec_arr(&d, doc, "", "routers");
	size_t n = json_array_size(arr);
	if (n && !tl_dec_failed(&d)) {
		out->routers = calloc(n, sizeof(*out->routers));
		if (!out->routers)
			tl_dec_fail(&d, "", "routers", "out of memory");
	}
	for (size_t i = 0; out->routers && i < n && !tl_dec_failed(&d); i++) {
		char w[32];
		snprintf(w, sizeof(w), "routers[%zu]", i);
		entry_decode(&d, json_array_get(arr, i), w, &out->routers[out->n++]);
	}
	if (!tl_dec_failed(&d))
		return 0;
	tl_router_list_free(out);
	return -1;
}

void tl_router_list_free(struct tl_router_list *l)
{
	if (!l)
		return;
	free(l->routers);
	memset(l, 0, sizeof(*l));
}
