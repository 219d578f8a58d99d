/* The probe behind the state file: remembered results per destination, like Enable [Z3]. */
#include "tune/probe_cached.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tune/cache.h"
#include "util/clock.h"

int tl_probe_cached(const struct tl_client_target *t, const struct tl_probe_opts *o,
		    const struct tl_probe_cache_opts *c, struct tl_probe_result *out,
		    struct tl_probe_origin *origin, struct tl_err *err)
{
	json_t *state = NULL, *pj = NULL;
	char key[512];
	int ret = -1;
	uint64_t now_s = tl_wall_ns() / TL_NSEC_PER_SEC;

	memset(origin, 0, sizeof(*origin));
	if (!c->state_file) {
		ret = tl_cache_default_path(origin->state_file, sizeof(origin->state_file), err);
		if (ret < 0)
			goto out;
	} else {
		snprintf(origin->state_file, sizeof(origin->state_file), "%s", c->state_file);
	}
	tl_cache_key(t->host, t->port, o->direction, key, sizeof(key));
	if (origin->state_file[0]) {
		ret = tl_cache_load(origin->state_file, &state, err);
		if (ret < 0)
			goto out;
		const json_t *hit = c->fresh ? NULL
			: tl_cache_lookup(state, key, now_s, c->max_age_s, &origin->age_s);
		if (hit) {
			ret = tl_probe_from_json(hit, out, err);
			if (ret == 0)
				origin->from_cache = true;
			goto out;
		}
	}
	ret = tl_probe_run(t, o, out, err);
	if (ret < 0 || !state)
		goto out;
	if (!out->consistent) {
		/* a result that could not be believed is shown, flagged, and never remembered */
		tl_err_set(&origin->save_err, EAGAIN, "the samples disagreed after %u measurement(s) (%s); "
			   "measure again on a quieter host", out->attempts, out->inconsistency);
		goto out;
	}
	pj = tl_probe_to_json(out);
	if (!pj) {
		tl_err_set(&origin->save_err, ENOMEM, "probe state: out of memory");
		goto out;
	}
	/* The measurement stands even when it cannot be remembered: that is only a warning. */
	if (tl_cache_put(state, key, pj, out->measured_at, &origin->save_err) == 0 &&
	    tl_cache_save(origin->state_file, state, &origin->save_err) == 0)
		origin->saved = true;
out:
	json_decref(pj);
	json_decref(state);
	return ret;
}
