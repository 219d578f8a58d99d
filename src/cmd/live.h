#ifndef TCPLAB_CMD_LIVE_H
#define TCPLAB_CMD_LIVE_H

/*
 * The parts of a stream, rr or crr result as they arrive (the start, each interval), and the
 * machine forms of its end: decoded once, then handed to each output's renderer (the table,
 * CSV) or written as they are (--json-lines, --json). One implementation for the three
 * commands; what differs is the row of renderers their kind picks (live.c).
 */

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd/common.h"
#include "util/err.h"

enum cmd_live_kind { CMD_LIVE_STREAM, CMD_LIVE_TXN };

struct cmd_live {
	const char *cmd;          /* "stream", "rr", "crr": for messages */
	enum cmd_live_kind kind;
	int bidir;                /* stream --bidir: the table's interval rows by direction */
	int progress_tty;         /* the "connecting flows" line on standard error */
	struct cmd_outputs out;   /* stdout in its format, and the --*-file files */
	struct tl_err decode_err; /* the first part of the result that did not decode */
};

/* tl_client_callbacks' connecting, started and interval, their ctx a struct cmd_live. */
void cmd_live_connecting(void *ctx, uint32_t done, uint32_t total);
void cmd_live_started(void *ctx, const json_t *start);
void cmd_live_interval(void *ctx, const json_t *interval);
/* tl_client_callbacks' warning: a line under the table on stdout, a "warning" event in
 * --json-lines, and on standard error beside --json or --csv (their stdout stays parseable). */
void cmd_live_warning(void *ctx, const char *line);

/* A part of the document that does not decode is kept to be reported at the end (exit 3):
 * its renderers skip it rather than print zeros. The first one is kept. */
void cmd_live_decode_failed(struct cmd_live *lv, const struct tl_err *err);

/* The end in the machine formats: the whole document to each --json output (cmd_outputs_json),
 * the end event, and an error event when the run failed (rc < 0, errmsg why), to each
 * --json-lines output. The table and CSV of the end are the command's. */
void cmd_live_end_machine(const struct cmd_live *lv, const json_t *doc, int rc, const char *errmsg);

/* After the end is rendered: closes the output files, and says on standard error, once each,
 * that one could not be written, the run's error (rc < 0, errmsg), or the first part that
 * did not decode. TL_EXIT_ERROR after any of them, else TL_EXIT_OK. */
int cmd_live_finish(struct cmd_live *lv, int rc, const char *errmsg);

#endif
