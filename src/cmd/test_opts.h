#ifndef TCPLAB_CMD_TEST_OPTS_H
#define TCPLAB_CMD_TEST_OPTS_H

/*
 * The options stream, rr and crr share, parsed in one place: flows, threads, time, warm-up,
 * interval, the agent's address, congestion control and flow groups, the output formats and
 * files, and the connect timeout; and the checks that close every test command's parsing
 * (one machine format, the flow count from the groups, one HOST, congestion controls
 * available, the spec valid). Each command keeps its own fields; this holds pointers to them.
 */

#include <getopt.h>

#include "cmd/common.h"
#include "ctl/client.h"

/* Option codes of the shared long options (a command's own start at 256). */
enum {
	CMD_TEST_OPT_CC = 2000, CMD_TEST_OPT_GROUP, CMD_TEST_OPT_JSON, CMD_TEST_OPT_JSONL,
	CMD_TEST_OPT_CSV, CMD_TEST_OPT_JSON_FILE, CMD_TEST_OPT_JSONL_FILE, CMD_TEST_OPT_CSV_FILE,
	CMD_TEST_OPT_CONNECT_TIMEOUT,
};

/* The shared entries of a getopt_long table; the short ones are CMD_TEST_SHORT. */
#define CMD_TEST_LONG_OPTIONS                                                                  \
	{ "flows", required_argument, NULL, 'P' }, { "threads", required_argument, NULL, 'T' },     \
	{ "time", required_argument, NULL, 't' }, { "omit", required_argument, NULL, 'O' },         \
	{ "interval", required_argument, NULL, 'i' }, { "port", required_argument, NULL, 'p' },     \
	{ "ipv4", no_argument, NULL, '4' }, { "ipv6", no_argument, NULL, '6' },                     \
	{ "bind", required_argument, NULL, 'B' }, { "cc", required_argument, NULL, CMD_TEST_OPT_CC }, \
	{ "group", required_argument, NULL, CMD_TEST_OPT_GROUP },                                   \
	{ "json", no_argument, NULL, CMD_TEST_OPT_JSON },                                           \
	{ "json-lines", no_argument, NULL, CMD_TEST_OPT_JSONL },                                    \
	{ "csv", no_argument, NULL, CMD_TEST_OPT_CSV },                                             \
	{ "json-file", required_argument, NULL, CMD_TEST_OPT_JSON_FILE },                           \
	{ "json-lines-file", required_argument, NULL, CMD_TEST_OPT_JSONL_FILE },                    \
	{ "csv-file", required_argument, NULL, CMD_TEST_OPT_CSV_FILE },                             \
	{ "connect-timeout", required_argument, NULL, CMD_TEST_OPT_CONNECT_TIMEOUT },               \
	{ "help", no_argument, NULL, 'h' }
#define CMD_TEST_SHORT "P:T:t:O:i:p:46B:h"

struct cmd_test_opts {
	const char *cmd;                /* "stream", "rr", "crr": for messages */
	struct tl_spec *spec;
	struct tl_client_target *target;
	enum out_format *format;        /* of standard output */
	struct cmd_outputs *out;
	int flows_given, time_given, formats;
};

/* Points o at the command's fields and gives them their defaults (the spec's, threads =
 * online cores, the default port, 128 flows shown per interval), and resets getopt. */
void cmd_test_opts_begin(struct cmd_test_opts *o, const char *cmd, enum tl_workload w,
			 struct tl_spec *spec, struct tl_client_target *target,
			 enum out_format *format, struct cmd_outputs *out);

/* One option from getopt_long: 1 when it is a shared one and was taken, 0 when it is the
 * command's own, -1 with err set when its value is bad. */
int cmd_test_opts_take(struct cmd_test_opts *o, int opt, const char *arg, struct tl_err *err);

/* After the loop and the command's own checks: one machine format, flows from the groups
 * (without -P), threads at most the connections, HOST, congestion controls available, and
 * tl_spec_validate. 0 or -1 with err set. */
int cmd_test_opts_end(struct cmd_test_opts *o, int argc, char **argv, struct tl_err *err);

#endif
