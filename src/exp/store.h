#ifndef TCPLAB_EXP_STORE_H
#define TCPLAB_EXP_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "exp/matrix.h"
#include "exp/result.h"
#include "util/err.h"

/*
 * The campaign database (SQLite). The schema is in docs/exp-schema.md; every table is keyed
 * by (point, rep), so shards merge by plain inserts. A file is recognised as tcplab's by its
 * application_id (PRAGMA application_id = 0x74636c62, "tclb") and its schema version by
 * user_version. Each run is written in one transaction: after a crash or Ctrl-C a run is
 * either all there or not at all.
 */
struct tl_exp_store; /* opaque */

#define TL_EXP_APP_ID 0x74636c62
#define TL_EXP_SCHEMA_VERSION 2

struct tl_exp_campaign_info {
	const char *key;       /* tl_exp_axes_key */
	const char *title;
	const char *command;   /* the command line */
	const char *testbed;   /* the fixed testbed settings (seed, pool, ...) as JSON */
};

/*
 * Opens path. With create, a missing or empty file gets the schema; an existing file must
 * be a tcplab campaign database (else: "PATH is not a tcplab campaign database").
 */
int tl_exp_store_open(const char *path, bool create, struct tl_exp_store **out,
		      struct tl_err *err);
void tl_exp_store_close(struct tl_exp_store *s);

/* Takes the campaign's lock on the file (flock), so that two `exp run` never write one
 * database at once; held until tl_exp_store_close. */
int tl_exp_store_lock(struct tl_exp_store *s, struct tl_err *err);

/*
 * Records the campaign (version, host, kernel, command) in a new database, or checks that
 * an existing one holds the same campaign (same key); then inserts the points not yet there.
 */
int tl_exp_store_begin(struct tl_exp_store *s, const struct tl_exp_campaign_info *ci,
		       const struct tl_exp_matrix *m, struct tl_err *err);

/* Sets campaign.state: "running", "interrupted" or "finished" (src/exp/schema.h). */
int tl_exp_store_set_state(struct tl_exp_store *s, const char *state, struct tl_err *err);

/* 1 if (point, rep) was run successfully already, 0 if not (or failed), < 0 on error. */
int tl_exp_store_has_run(struct tl_exp_store *s, uint32_t point, uint32_t rep,
			 struct tl_err *err);

/* Replaces (point, rep) with r, in one transaction. */
int tl_exp_store_put_run(struct tl_exp_store *s, const struct tl_exp_run *r, struct tl_err *err);

/*
 * Merges the databases inputs[0..n) into a new database out: every input must hold the same
 * campaign; a run present in two inputs is refused (shards must be disjoint).
 */
int tl_exp_store_merge(const char *out, char *const *inputs, unsigned n, uint64_t *runs,
		       struct tl_err *err);

/* The underlying handle, for readers (export, report). */
struct sqlite3 *tl_exp_store_db(struct tl_exp_store *s);

#endif

/*
 * The host's settings that shape every run and that no axis sets, as a JSON text (malloc'd):
 * the testbed's name, and the machine-wide sysctls a namespace does not have its own copy
 * of (net.core.rmem_max and wmem_max cap --rcvbuf; the congestion controls available).
 * Stored in campaign.testbed and shown in the report.
 */
char *tl_exp_host_facts(const char *testbed);
