/*
 * Plan files, read with libyaml's event parser: YAML is what people already keep
 * configuration in, it allows comments (a plan explains itself), and libyaml is the
 * maintained reference C parser in Debian (libyaml-0-2). Only a flat mapping of scalars and
 * lists of scalars is accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "exp/plan.h"
#include "util/parse.h"

struct reader {
	yaml_parser_t parser;
	const char *path;
	yaml_event_t ev;
	bool have_ev;
};

static int next(struct reader *r, struct tl_err *err)
{
	if (r->have_ev)
		yaml_event_delete(&r->ev);
	r->have_ev = false;
	if (!yaml_parser_parse(&r->parser, &r->ev))
		return tl_err_set(err, EINVAL, "%s:%zu:%zu: %s%s%s (check the indentation, "
				  "the colons and the brackets there)", r->path,
				  r->parser.problem_mark.line + 1, r->parser.problem_mark.column + 1,
				  r->parser.problem ? r->parser.problem : "syntax error",
				  r->parser.context ? " " : "",
				  r->parser.context ? r->parser.context : "");
	r->have_ev = true;
	return 0;
}

static size_t line_of(const struct reader *r)
{
	return r->ev.start_mark.line + 1;
}

static int set_option(struct reader *r, struct tl_exp_plan *plan, const char *key,
		      const char *v, struct tl_err *err)
{
	uint64_t n;
	struct tl_exp_axes *ax = &plan->axes;
	if (strcmp(key, "title") == 0) {
		snprintf(ax->title, sizeof(ax->title), "%s", v);
	} else if (strcmp(key, "repeat") == 0) {
		if (tl_parse_count("repeat", v, 1, 1000, &n, err) < 0)
			goto bad;
		ax->repeat = (unsigned)n;
	} else if (strcmp(key, "probe") == 0) {
		if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "on") == 0) {
			ax->probe = true;
		} else if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 ||
			   strcmp(v, "off") == 0) {
			ax->probe = false;
		} else {
			if (tl_parse_count("probe", v, 1, 10000, &n, err) < 0)
				goto bad;
			ax->probe = true;
			ax->probe_rate = (uint32_t)n;
		}
	} else if (strcmp(key, "order") == 0) {
		if (strcmp(v, "shuffle") != 0 && strcmp(v, "in-order") != 0) {
			tl_err_set(err, EINVAL, "order \"%s\": write shuffle or in-order", v);
			goto bad;
		}
		plan->shuffle = strcmp(v, "shuffle") == 0;
		plan->shuffle_given = true;
	} else if (strcmp(key, "seed") == 0) {
		if (tl_parse_count("seed", v, 0, UINT64_MAX, &plan->seed, err) < 0)
			goto bad;
		plan->seed_given = true;
	} else {
		return tl_err_set(err, EINVAL, "%s:%zu: unknown key \"%s\" (keys: title, rate, rtt, "
				  "buffer, aqm, loss, cc, flows, rcvbuf, window-clamp, time, warmup, "
				  "repeat, probe, order, seed)", r->path, line_of(r), key);
	}
	return 0;
bad:
	tl_err_prefix(err, "%s:%zu", r->path, line_of(r));
	return -EINVAL;
}

/* The value of key: a scalar or a flow/block list of scalars. */
static int read_value(struct reader *r, struct tl_exp_plan *plan, const char *key,
		      struct tl_err *err)
{
	static const char *const options[] = { "title", "repeat", "probe", "order", "seed" };
	int axis = tl_exp_axis_find(key);
	bool known = axis >= 0;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		known = known || strcmp(key, options[i]) == 0;
	if (!known)
		return set_option(r, plan, key, "", err); /* names the keys there are */
	if (next(r, err) < 0)
		return -EINVAL;
	if (r->ev.type == YAML_SCALAR_EVENT) {
		const char *v = (const char *)r->ev.data.scalar.value;
		if (axis < 0)
			return set_option(r, plan, key, v, err);
		tl_exp_axes_clear(&plan->axes, (enum tl_exp_axis)axis);
		if (tl_exp_axes_add(&plan->axes, (enum tl_exp_axis)axis, v, err) < 0)
			goto bad;
		return 0;
	}
	if (r->ev.type != YAML_SEQUENCE_START_EVENT || axis < 0)
		return tl_err_set(err, EINVAL, "%s:%zu: \"%s\" takes %s", r->path, line_of(r), key,
				  axis < 0 ? "one value" : "a value or a list [a, b, c]");
	tl_exp_axes_clear(&plan->axes, (enum tl_exp_axis)axis);
	for (;;) {
		if (next(r, err) < 0)
			return -EINVAL;
		if (r->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return tl_err_set(err, EINVAL, "%s:%zu: the list of \"%s\" holds something "
					  "that is not a plain value", r->path, line_of(r), key);
		if (tl_exp_axes_add(&plan->axes, (enum tl_exp_axis)axis,
				    (const char *)r->ev.data.scalar.value, err) < 0)
			goto bad;
	}
	return 0;
bad:
	tl_err_prefix(err, "%s:%zu", r->path, line_of(r));
	return -EINVAL;
}

static int read_mapping(struct reader *r, struct tl_exp_plan *plan, struct tl_err *err)
{
	do {
		if (next(r, err) < 0)
			return -EINVAL;
	} while (r->ev.type == YAML_STREAM_START_EVENT || r->ev.type == YAML_DOCUMENT_START_EVENT);
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return tl_err_set(err, EINVAL, "%s:%zu: a plan is a list of \"key: value\" lines "
				  "(see tcplab-exp(1))", r->path, line_of(r));
	for (;;) {
		if (next(r, err) < 0)
			return -EINVAL;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return tl_err_set(err, EINVAL, "%s:%zu: a key must be a plain word", r->path,
					  line_of(r));
		char key[64];
		snprintf(key, sizeof(key), "%s", (const char *)r->ev.data.scalar.value);
		if (read_value(r, plan, key, err) < 0)
			return -EINVAL;
	}
}

int tl_exp_plan_load(const char *path, struct tl_exp_plan *plan, struct tl_err *err)
{
	struct reader r = { .path = path };
	int ret = -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return tl_err_errno(err, "plan file %s", path);
	if (!yaml_parser_initialize(&r.parser)) {
		fclose(f);
		return tl_err_set(err, ENOMEM, "plan file %s: out of memory", path);
	}
	yaml_parser_set_input_file(&r.parser, f);
	if (read_mapping(&r, plan, err) < 0)
		goto out;
	ret = 0;
out:
	if (r.have_ev)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	fclose(f);
	return ret;
}
