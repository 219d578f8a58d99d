/* `testbed status` and `router status` documents (result/status.h): what each command adds
 * around the forwarder's part (result/fwd_status.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/dec.h"
#include "result/status.h"

/* The forwarder's part into out, its error as the one d records. */
static void fwd_part(struct tl_dec *d, const json_t *doc, struct tl_fwd_status *out)
{
	if (tl_dec_failed(d))
		return;
	if (tl_fwd_status_decode(doc, out, d->err) < 0)
		d->failed = 1;
}

static void hosts_decode(struct tl_dec *d, const json_t *doc, struct tl_testbed_status *s)
{
	const json_t *arr = tl_dec_arr(d, doc, "", "hosts");
	size_t n = json_array_size(arr);
	if (!n || tl_dec_failed(d))
		return;
	s->hosts = calloc(n, sizeof(*s->hosts));
	if (!s->hosts) {
		tl_dec_fail(d, "", "hosts", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *h = json_array_get(arr, i);
		struct tl_st_host *t = &s->hosts[s->nhosts++];
		char hw[32];
		snprintf(hw, sizeof(hw), "hosts[%zu]", i);
		t->name = tl_dec_str(d, h, hw, "name");
		t->addr = tl_dec_str(d, h, hw, "addr");
		t->netns = tl_dec_str(d, h, hw, "netns");
	}
}

int tl_testbed_status_decode(const json_t *doc, struct tl_testbed_status *out, struct tl_err *err)
{
	struct tl_dec d = { .err = err };
	memset(out, 0, sizeof(*out));
	out->name = tl_dec_str(&d, doc, "", "name");
	out->phase = tl_dec_str(&d, doc, "", "phase");
	out->running = tl_dec_bool(&d, doc, "", "running");
	hosts_decode(&d, doc, out);
	if (out->running)
		fwd_part(&d, doc, &out->fwd);
	if (!tl_dec_failed(&d))
		return 0;
	tl_testbed_status_free(out);
	return -1;
}

int tl_router_status_decode(const json_t *doc, struct tl_router_status *out, struct tl_err *err)
{
	struct tl_dec d = { .err = err };
	memset(out, 0, sizeof(*out));
	const json_t *r = tl_dec_obj(&d, doc, "", "router");
	out->name = tl_dec_str(&d, r, "router", "name");
	const json_t *in = tl_dec_obj(&d, r, "router", "in");
	out->in = tl_dec_str(&d, in, "router.in", "name");
	const json_t *o = tl_dec_obj(&d, r, "router", "out");
	out->out = tl_dec_str(&d, o, "router.out", "name");
	fwd_part(&d, doc, &out->fwd);
	if (!tl_dec_failed(&d))
		return 0;
	tl_router_status_free(out);
	return -1;
}

void tl_testbed_status_free(struct tl_testbed_status *s)
{
	if (!s)
		return;
	free(s->hosts);
	tl_fwd_status_free(&s->fwd);
	memset(s, 0, sizeof(*s));
}

void tl_router_status_free(struct tl_router_status *s)
{
	if (!s)
		return;
	tl_fwd_status_free(&s->fwd);
	memset(s, 0, sizeof(*s));
}
