/* The link options of testbed and router, and what the two parse and ask their forwarder
 * alike (cmd/link_opts.h). */
#include "cmd/link_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/render.h"
#include "result/status.h"
#include "testbed/config.h"
#include "testbed/ctl.h"
#include "util/clock.h"
#include "util/parse.h"

#define CTL_TIMEOUT_NS (5 * TL_NSEC_PER_SEC)
#define FLOWS_DEFAULT 32
#define EXTRA_MAX 16

enum { REORDER = CMD_LINK_OPT_BASE, NO_REORDER, KEY0 /* + index into keys */ };

static const struct {
	const char *name;
	bool host; /* shapes the testbed's hosts: testbed only */
} keys[] = {
	{ "rate", false },    { "rtt", false },         { "buffer", false },   { "aqm", false },
	{ "loss", false },    { "jitter", false },      { "rev-rate", false }, { "rev-buffer", false },
	{ "rev-aqm", false }, { "rev-loss", false },    { "rev-jitter", false }, { "senders", true },
	{ "seed", false },    { "pool", false },        { "spin", false },     { "prio", false },
	{ "cpu-latency", false }, { "isolate", true },  { "standby", false },  { "ppv-class", false },
	{ "spread", true },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS + 2 <= CMD_LINK_OPTIONS_MAX, "CMD_LINK_OPTIONS_MAX is too small");

size_t cmd_link_options(struct option *lo, bool with_hosts)
{
	size_t n = 0;
	for (size_t i = 0; i < NKEYS; i++)
		if (with_hosts || !keys[i].host)
			lo[n++] = (struct option){ keys[i].name, required_argument, NULL, KEY0 + (int)i };
	lo[n++] = (struct option){ "reorder", no_argument, NULL, REORDER };
	lo[n++] = (struct option){ "no-reorder", no_argument, NULL, NO_REORDER };
	return n;
}

int cmd_link_option_take(json_t *opts, int opt, const char *arg)
{
	if (opt == REORDER || opt == NO_REORDER) {
		tl_testbed_opt_set(opts, "reorder", opt == REORDER ? "on" : "off", NULL);
		return 1;
	}
	if (opt < KEY0 || opt >= KEY0 + (int)NKEYS)
		return 0;
	tl_testbed_opt_set(opts, keys[opt - KEY0].name, arg, NULL);
	return 1;
}

enum { O_JSON = 2000, O_JSON_FILE, O_FLOWS };

/* The shared entries, the command's own, then the link options: one getopt table. */
static size_t table(struct option *lo, bool with_hosts, const struct option *extra)
{
	size_t n = cmd_link_options(lo, with_hosts);
	lo[n++] = (struct option){ "json", no_argument, NULL, O_JSON };
	lo[n++] = (struct option){ "json-file", required_argument, NULL, O_JSON_FILE };
	lo[n++] = (struct option){ "flows", required_argument, NULL, O_FLOWS };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	for (size_t i = 0; extra && extra[i].name && i < EXTRA_MAX; i++)
		lo[n++] = extra[i];
	lo[n++] = (struct option){ NULL, 0, NULL, 0 };
	return n;
}

/* cmd_link_parse's loop: 0, 1 for --help, or a negative errno with err set. */
static int parse(int argc, char **argv, const char *cmd, bool with_hosts,
		 const struct cmd_link_extra *extra, struct cmd_link_cli *c, struct tl_err *err)
{
	struct option lo[CMD_LINK_OPTIONS_MAX + 4 + EXTRA_MAX + 1];
	table(lo, with_hosts, extra ? extra->options : NULL);
	uint64_t v;
	int opt, rc;
	cmd_outputs_init(&c->out);
	/* --json anywhere: a usage error before it is JSON too */
	c->out.format[0] = cmd_scan_format(argc, argv) == OUT_JSON ? OUT_JSON : OUT_TABLE;
	c->opts = json_object();
	c->flows = FLOWS_DEFAULT;
	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's (':' first: a missing value is ':') */
	while ((opt = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (opt) {
		case 'h':
			return 1;
		case O_JSON:
			c->out.format[0] = OUT_JSON;
			break;
		case O_JSON_FILE:
			if ((rc = cmd_outputs_add_file(&c->out, OUT_JSON, "--json-file", optarg, err)) < 0)
				return rc;
			break;
		case O_FLOWS:
			if ((rc = tl_parse_count("--flows", optarg, 0, 100000, &v, err)) < 0)
				return rc;
			c->flows = (unsigned)v;
			c->flows_given = true;
			break;
		case ':':
			return tl_err_set(err, EINVAL, "option \"%s\" needs a value (see 'tcplab %s "
					  "--help')", argv[optind - 1], cmd);
		default:
			if (cmd_link_option_take(c->opts, opt, optarg))
				break;
			rc = extra && opt != '?' ? extra->take(extra->ctx, opt, optarg, err) : 0;
			if (rc < 0)
				return rc;
			if (rc == 0)
				return cmd_unknown_option(cmd, argv, err);
		}
	}
	return 0;
}

int cmd_link_parse(int argc, char **argv, const char *cmd, bool with_hosts,
		   const struct cmd_link_extra *extra, void (*usage)(FILE *), struct cmd_link_cli *c)
{
	struct tl_err err = { 0 };
	int rc = parse(argc, argv, cmd, with_hosts, extra, c, &err);
	if (rc == 1)
		usage(stdout);
	return rc == 1 ? -1 : rc < 0 ? cmd_link_fail(c, cmd, TL_EXIT_USAGE, err.msg) : 0;
}

int cmd_link_fail(const struct cmd_link_cli *c, const char *cmd, int code, const char *msg)
{
	return cmd_outputs_error(&c->out, cmd, code, msg);
}

int cmd_link_status(const char *name, unsigned flows, json_t **doc, struct tl_err *err)
{
	json_t *req = tl_testbed_ctl_req_status(flows);
	int rc = req ? tl_testbed_ctl_request(name, req, CTL_TIMEOUT_NS, doc, err)
		     : tl_err_set(err, ENOMEM, "out of memory");
	json_decref(req);
	return rc;
}

static int link_set(const char *name, const json_t *merged, json_t **resp, struct tl_err *err)
{
	json_t *req = tl_testbed_ctl_req_set(merged);
	int rc = req ? tl_testbed_ctl_request(name, req, CTL_TIMEOUT_NS, resp, err)
		     : tl_err_set(err, ENOMEM, "out of memory");
	json_decref(req);
	return rc;
}

int cmd_link_apply(const struct cmd_link_cli *c, const char *cmd, const char *name,
		   const json_t *current, const char *fixed_hint, json_t **merged,
		   struct tl_testbed_config **cfg, json_t **resp)
{
	struct tl_err err = { 0 };
	if (tl_testbed_opts_merge(current, c->opts, fixed_hint, merged, cfg, &err) < 0)
		return cmd_link_fail(c, cmd, TL_EXIT_USAGE, err.msg);
	if (link_set(name, *merged, resp, &err) < 0)
		return cmd_link_fail(c, cmd, TL_EXIT_ERROR, err.msg);
	return 0;
}

int cmd_link_status_put(const struct cmd_link_cli *c, enum cmd_link_kind kind, const json_t *doc,
			struct tl_err *err)
{
	if (c->out.format[0] == OUT_TABLE) {
		struct tl_testbed_status tb;
		struct tl_router_status rt;
		if (kind == CMD_LINK_TESTBED) {
			if (tl_testbed_status_decode(doc, &tb, err) < 0)
				return -1;
			tl_status_table_testbed(stdout, &tb);
			tl_testbed_status_free(&tb);
		} else {
			if (tl_router_status_decode(doc, &rt, err) < 0)
				return -1;
			tl_status_table_router(stdout, &rt);
			tl_router_status_free(&rt);
		}
	}
	cmd_outputs_json(&c->out, doc);
	return 0;
}
