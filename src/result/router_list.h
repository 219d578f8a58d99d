#ifndef TCPLAB_RESULT_ROUTER_LIST_H
#define TCPLAB_RESULT_ROUTER_LIST_H

/*
 * `router list` as C structs, decoded once from the document its --json prints (router/list.h,
 * docs/router-list.schema.json), here or from another host's agent; out/router_list_table.c
 * reads these, never a key. A missing or mistyped field is an error naming its path.
 *
 * Strings are borrowed from the document: a decoded struct is valid while the JSON it came
 * from is alive. The array is allocated: free with tl_router_list_free.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct tl_router_list_entry {
	const char *name, *in, *out;
	int64_t pid;
	int running;                        /* "state": "running" (1) or "stopped" (0) */
	const char *rate, *rtt, *buffer, *aqm;
	const char *restore;                /* stopped: the command that restores it */
};

struct tl_router_list {
	const char *root;
	struct tl_router_list_entry *routers;
	size_t n;
	int truncated;
	uint64_t skipped;
};

/* 0, or -1 with err naming the first missing or mistyped field. */
int tl_router_list_decode(const json_t *doc, struct tl_router_list *out, struct tl_err *err);
void tl_router_list_free(struct tl_router_list *l);

#endif
