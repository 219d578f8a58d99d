#ifndef TCPLAB_CMD_LINK_OPTS_H
#define TCPLAB_CMD_LINK_OPTS_H

/*
 * The link options testbed and router share: each long option sets the testbed option of the
 * same name (testbed/config.h: rate, rtt, buffer, aqm, loss, jitter, their rev- forms, ...),
 * and --reorder / --no-reorder set "reorder". testbed also takes the ones that shape its
 * hosts (senders, isolate), which a router between two interfaces has none of.
 */

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd/common.h"
#include "util/err.h"

struct tl_testbed_config;

/* Option codes: CMD_LINK_OPT_BASE and up (a command's own stay below). */
#define CMD_LINK_OPT_BASE 3000
/* Room a getopt table needs for them. */
#define CMD_LINK_OPTIONS_MAX 24

/* Writes the link options into lo (room for CMD_LINK_OPTIONS_MAX), the host ones too when
 * with_hosts; returns how many. */
size_t cmd_link_options(struct option *lo, bool with_hosts);

/* When opt is a link option, sets it in opts (checked later, with the others, by
 * tl_testbed_config) and returns 1; otherwise 0. */
int cmd_link_option_take(json_t *opts, int opt, const char *arg);

/*
 * What testbed and router parse alike around the link options: --json, --json-file FILE (the
 * status document into FILE, beside the table), --flows N (status: the flows to list) and
 * --help. A command's own options come in extra (ended by a zero entry) and go to take:
 * 1 taken, 0 not its own (an unknown option), or a negative errno with err set.
 */
struct cmd_link_cli {
	json_t *opts;             /* the link options given; json_decref when done */
	unsigned flows;
	bool flows_given;         /* --flows was on the command line */
	struct cmd_outputs out;   /* standard output (the table, or --json), and the --json-file */
};

struct cmd_link_extra {
	const struct option *options;
	int (*take)(void *ctx, int opt, const char *arg, struct tl_err *err);
	void *ctx;
};

/* Parses argv from argv[1] (optind is where the words that are not options start): 0; -1
 * when --help was asked for (usage has printed it: exit 0); or TL_EXIT_USAGE once the error
 * is said (cmd_link_fail). */
int cmd_link_parse(int argc, char **argv, const char *cmd, bool with_hosts,
		   const struct cmd_link_extra *extra, void (*usage)(FILE *), struct cmd_link_cli *c);

/* A usage or runtime error on every output of c (cmd_outputs_error); returns code. */
int cmd_link_fail(const struct cmd_link_cli *c, const char *cmd, int code, const char *msg);

/*
 * `set`: the options of the running forwarder (current) with the given ones laid over, in
 * *merged, and their evaluation in *cfg (malloc'd), sent to the forwarder: *resp its answer
 * (the caller frees all three, also on failure). An option fixed at start that would change
 * is refused, with fixed_hint saying how to change it ("stop it and start it again").
 * 0, or the exit status with the error said on every output.
 */
int cmd_link_apply(const struct cmd_link_cli *c, const char *cmd, const char *name,
		   const json_t *current, const char *fixed_hint, json_t **merged,
		   struct tl_testbed_config **cfg, json_t **resp);

/* The forwarder's status document (name: a testbed or router, under TCPLAB_TESTBED_DIR). */
int cmd_link_status(const char *name, unsigned flows, json_t **doc, struct tl_err *err);
/* Whose status: the table differs, the forwarder's part is the same. */
enum cmd_link_kind { CMD_LINK_TESTBED, CMD_LINK_ROUTER };
/* The status document into the JSON outputs (--json, --json-file) and, without --json, its
 * table on standard output (decoded once, result/status.h; out/status_table.c). */
int cmd_link_status_put(const struct cmd_link_cli *c, enum cmd_link_kind kind, const json_t *doc,
			struct tl_err *err);

#endif
