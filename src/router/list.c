/* The routers of this host, as one document (router/list.h). */
#include "router/list.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router/router.h"
#include "testbed/config.h"
#include "testbed/plan.h"

typedef char name_t[TL_TESTBED_NAME_MAX + 1];

/* The names kept while the directory is read: twice the bound, so that cutting back to the
 * smallest TL_ROUTER_LIST_MAX happens once per TL_ROUTER_LIST_MAX names, whatever their
 * number and order. */
#define KEEP_MAX (2 * TL_ROUTER_LIST_MAX)

struct names {
	name_t *v;
	size_t n;
	bool truncated;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const name_t *)a, *(const name_t *)b);
}

/* Sorted, and at most TL_ROUTER_LIST_MAX: the first ones by name. */
static void cut(struct names *ns)
{
	qsort(ns->v, ns->n, sizeof(*ns->v), name_cmp);
	if (ns->n > TL_ROUTER_LIST_MAX) {
		ns->n = TL_ROUTER_LIST_MAX;
		ns->truncated = true;
	}
}

/* The router names under the root, sorted, bounded. */
static int read_names(struct names *ns, struct tl_err *err)
{
	memset(ns, 0, sizeof(*ns));
	DIR *d = opendir(tl_router_root());
	if (!d)
		return errno == ENOENT ? 0 : tl_err_errno(err, "opendir %s", tl_router_root());
	int ret = 0;
	ns->v = malloc(KEEP_MAX * sizeof(*ns->v));
	if (!ns->v) {
		ret = tl_err_set(err, ENOMEM, "router list: out of memory");
		goto out;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (tl_testbed_name_check(e->d_name, NULL) < 0 || !tl_router_saved_exists(e->d_name))
			continue;
		if (ns->n == KEEP_MAX)
			cut(ns);
		snprintf(ns->v[ns->n++], sizeof(*ns->v), "%s", e->d_name);
	}
	cut(ns);
out:
	closedir(d);
	return ret;
}

/* One router's entry; NULL when out of memory. */
static json_t *entry(const struct tl_router_saved *s)
{
	bool running = tl_router_alive(s);
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:O}", "name", s->name,
			      "in", s->in.name, "out", s->out.name, "pid", (int)s->pid, "state",
			      running ? "running" : "stopped", "rate", tl_testbed_opt(s->options, "rate"),
			      "rtt", tl_testbed_opt(s->options, "rtt"), "buffer",
			      tl_testbed_opt(s->options, "buffer"), "aqm",
			      tl_testbed_opt(s->options, "aqm"), "options", s->options);
	if (j && !running) {
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "tcplab router --restore %s", s->in.name);
		if (json_object_set_new(j, "restore", json_string(cmd)) < 0) {
			json_decref(j);
			j = NULL;
		}
	}
	return j;
}

int tl_router_list_doc(json_t **doc, struct tl_err *err)
{
	struct names ns;
	unsigned skipped = 0;
	json_t *arr = NULL;
	*doc = NULL;
	int ret = read_names(&ns, err);
	if (ret < 0)
		goto out;
	arr = json_array();
	for (size_t i = 0; arr && i < ns.n; i++) {
		struct tl_router_saved s;
		/* a state file that names another router is no router of this directory */
		if (tl_router_saved_load(ns.v[i], &s, NULL) < 0 || strcmp(s.name, ns.v[i]) != 0) {
			tl_router_saved_free(&s);
			skipped++;
			continue;
		}
		json_t *e = entry(&s);
		tl_router_saved_free(&s);
		if (json_array_append_new(arr, e) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (arr)
		*doc = json_pack("{s:s, s:O, s:b, s:i}", "root", tl_router_root(), "routers", arr,
				 "truncated", ns.truncated, "skipped", (int)skipped);
	if (!*doc)
		ret = tl_err_set(err, ENOMEM, "router list: out of memory");
out:
	json_decref(arr);
	free(ns.v);
	return ret;
}
