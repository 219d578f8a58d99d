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

#endif
