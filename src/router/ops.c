/* A running router's status, set and series (router/ops.h). */
#include "router/ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "testbed/config.h"
#include "testbed/ctl.h"
#include "testbed/plan.h"
#include "testbed/series.h"

/* ROOT/NAME, and the words the forwarder's errors name it with. */
static int where(const char *name, char *dir, size_t len, char *who, size_t wlen,
		 struct tl_err *err)
{
	if ((size_t)snprintf(dir, len, "%s/%s", tl_router_root(), name) >= len)
		return tl_err_set(err, ENAMETOOLONG, "router %s: path under %s is too long (set "
				  "TCPLAB_ROUTER_DIR to a shorter directory)", name, tl_router_root());
	snprintf(who, wlen, "router %s", name);
	return 0;
}

int tl_router_running(const char *name, struct tl_router_saved *s, struct tl_err *err)
{
	int ret = tl_testbed_name_check(name, err);
	if (ret < 0)
		return ret;
	if ((ret = tl_router_saved_load(name, s, err)) < 0) {
		/* a damaged state file is no request's fault (EINVAL means "refused" to callers) */
		if (ret == -EINVAL && err)
			err->code = EIO;
		return ret == -EINVAL ? -EIO : ret;
	}
	if (!tl_router_alive(s)) {
		ret = tl_err_set(err, ESRCH, "router %s is not running (killed? 'tcplab router "
				 "--restore %s')", name, s->in.name);
		tl_router_saved_free(s);
		return ret;
	}
	return 0;
}

/* One request to the running router's forwarder (req consumed). */
static int ask(const struct tl_router_saved *s, json_t *req, json_t **resp, struct tl_err *err)
{
	char dir[512], who[64];
	int ret = req ? where(s->name, dir, sizeof(dir), who, sizeof(who), err)
		      : tl_err_set(err, ENOMEM, "out of memory");
	if (ret == 0)
		ret = tl_testbed_ctl_request_at(dir, who, "is it running? 'tcplab router status'", req,
						TL_ROUTER_OPS_TIMEOUT_NS, resp, err);
	json_decref(req);
	return ret;
}

int tl_router_status_doc(const char *name, unsigned flows, json_t **doc, struct tl_err *err)
{
	struct tl_router_saved s;
	*doc = NULL;
	int ret = tl_router_running(name, &s, err);
	if (ret < 0)
		return ret;
	if ((ret = ask(&s, tl_testbed_ctl_req_status(flows), doc, err)) == 0)
		json_object_set_new(*doc, "router",
				    json_pack("{s:s, s:o, s:o}", "name", s.name, "in",
					      tl_router_iface_json(&s.in), "out",
					      tl_router_iface_json(&s.out)));
	tl_router_saved_free(&s);
	return ret;
}

int tl_router_set(const char *name, const json_t *given, json_t **resp,
		  struct tl_testbed_config **cfg, struct tl_err *err)
{
	struct tl_router_saved s;
	json_t *merged = NULL;
	*resp = NULL;
	*cfg = NULL;
	int ret = tl_router_running(name, &s, err);
	if (ret < 0)
		return ret;
	if (json_object_size(given) == 0) {
		ret = tl_err_set(err, EINVAL, "set: nothing to change (give --rate, --rtt, --buffer, "
				 "--aqm, --loss, --jitter, ...)");
		goto out;
	}
	if ((ret = tl_testbed_opts_merge(s.options, given, "the router starts (stop it and start "
					 "it again)", &merged, cfg, err)) < 0)
		goto out;
	if ((ret = ask(&s, tl_testbed_ctl_req_set(merged), resp, err)) < 0)
		goto out;
	/* What the forwarder now runs with, so that the next set starts from it. */
	json_decref(s.options);
	s.options = json_incref(merged);
	ret = tl_router_saved_write(&s, err);
out:
	json_decref(merged);
	tl_router_saved_free(&s);
	return ret;
}

int tl_router_series(const char *name, uint64_t from_ns, uint64_t to_ns, json_t **out,
		     struct tl_err *err)
{
	char dir[512], who[64];
	struct tl_router_saved s;
	*out = NULL;
	int ret = tl_testbed_name_check(name, err);
	if (ret < 0)
		return ret;
	/* a router that has just ended still has its series: only its state file must be there */
	if ((ret = tl_router_saved_load(name, &s, err)) < 0)
		return ret;
	tl_router_saved_free(&s);
	if ((ret = where(name, dir, sizeof(dir), who, sizeof(who), err)) < 0)
		return ret;
	return tl_testbed_series_read_dir(dir, from_ns, to_ns, out, err);
}
