#ifndef TCPLAB_CMD_COMMON_H
#define TCPLAB_CMD_COMMON_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "spec/spec.h"
#include "util/err.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_JSONL, OUT_CSV };

/* --group count=N,cc=NAME,...: one more flow group in s. */
int cmd_parse_group(const char *text, struct tl_spec *s, struct tl_err *err);
/* Without -P, the flow count is what the groups (--cc cubic:1,bbr:1, --group count=N) add up
 * to: two groups of one flow ask for two flows. */
void cmd_flows_from_groups(struct tl_spec *s, int flows_given);
/* The live "connecting flows: done/total" line on a terminal. */
void cmd_progress_connecting(uint32_t done, uint32_t total);
/* The machine format asked for anywhere on the command line (for usage errors). */
enum out_format cmd_scan_format(int argc, char **argv);
/* The message for a word getopt did not take (call from its '?' case). */
int cmd_unknown_option(const char *cmd, char **argv, struct tl_err *err);
/*
 * The one way a command reports an error: "tcplab CMD: MSG" on standard error and, for
 * machine output (--json, --json-lines), {"error": MSG} on standard output too, so that
 * output stays parseable. Returns code (the exit status).
 */
int cmd_error(const char *cmd, enum out_format format, int code, const char *msg);
/* cmd_error with TL_EXIT_USAGE: bad options or arguments. */
int cmd_usage_error(const char *cmd, enum out_format format, const char *msg);

/*
 * Where a command's output goes: slot 0 is standard output in the format of --json /
 * --json-lines / --csv (the table by default); --json-file, --json-lines-file and --csv-file
 * add a file each in that format, so the table and the machine output come from one run.
 * Renderers are called once per slot (cmd_outputs_each).
 */
#define CMD_OUTPUTS_MAX 4
struct cmd_outputs {
	int n;
	FILE *f[CMD_OUTPUTS_MAX];
	enum out_format format[CMD_OUTPUTS_MAX];
	const char *path[CMD_OUTPUTS_MAX];
};
void cmd_outputs_init(struct cmd_outputs *o);
/* From the option parser: "--json-file" etc. (the option's name for messages) and its path. */
int cmd_outputs_add_file(struct cmd_outputs *o, enum out_format format, const char *option,
			 const char *path, struct tl_err *err);
/* Opens the files (before the test, so a bad path costs no test run). */
int cmd_outputs_open(struct cmd_outputs *o, struct tl_err *err);
/* Closes them; a write that failed (a full disk) is reported. */
int cmd_outputs_close(struct cmd_outputs *o, struct tl_err *err);
/* Whether any output (standard output or a file) is in format f. */
int cmd_outputs_want(const struct cmd_outputs *o, enum out_format f);
/* The document, indented, on every output in OUT_JSON (standard output with --json, and the
 * --json-file): the one writer of the commands whose --json is one document. */
void cmd_outputs_json(const struct cmd_outputs *o, const json_t *doc);
/* {"error": msg} into the --json-file only (standard output has it from cmd_error). */
void cmd_outputs_json_error(const struct cmd_outputs *o, const char *msg);
/* An error on every output: cmd_error for standard output (JSON with --json), and
 * {"error": MSG} into the --json-file when it is open, so it holds a valid document. */
int cmd_outputs_error(const struct cmd_outputs *o, const char *cmd, int code, const char *msg);

/*
 * Ctrl-C for the test commands: the first SIGINT sets the flag cmd_interrupt_flag() points
 * at (hand it to the library, e.g. tl_client_callbacks.interrupt) and says on standard error
 * that the test is stopping; a second one exits at once with status 130. The command exits
 * with TL_EXIT_INTERRUPTED once its summary is printed.
 */
#define TL_EXIT_INTERRUPTED 130
void cmd_interrupt_install(void);
const volatile int *cmd_interrupt_flag(void);
int cmd_interrupted(void);
/*
 * An eventfd the first SIGINT makes readable (and leaves readable), for a library loop that
 * waits in poll/epoll and would miss a flag set just before it sleeps. Call it before
 * cmd_interrupt_install(); -1 if it cannot be made.
 */
int cmd_interrupt_fd(void);

#endif
