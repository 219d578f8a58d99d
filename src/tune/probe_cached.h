#ifndef TCPLAB_TUNE_PROBE_CACHED_H
#define TCPLAB_TUNE_PROBE_CACHED_H

/* A probe result from the state file if a young enough one is there, else measured and stored. */

#include <stdbool.h>
#include <stdint.h>

#include "tune/probe.h"
#include "util/err.h"

struct tl_probe_cache_opts {
	const char *state_file; /* NULL = tl_cache_default_path; "" = no state file at all */
	uint64_t max_age_s;     /* a remembered result older than this is measured again */
	bool fresh;             /* measure even if a young result is remembered (and store it) */
};

struct tl_probe_origin {
	bool from_cache;
	uint64_t age_s;         /* age of the remembered result (0 when measured now) */
	char state_file[4096];  /* the file used ("" = none) */
	bool saved;             /* a new measurement was written to it */
	struct tl_err save_err; /* why it could not be written (then saved is false): a warning,
				   the measurement itself is good */
};

/*
 * Looks t's destination (host, port, o->direction) up in the state file and returns the
 * remembered result when it is at most max_age_s old; otherwise runs tl_probe_run and stores
 * its result. A state file that cannot be read or is not valid fails before anything is
 * measured (the message names the file and the fix). Returns 0 or a negative errno.
 */
int tl_probe_cached(const struct tl_client_target *t, const struct tl_probe_opts *o,
		    const struct tl_probe_cache_opts *c, struct tl_probe_result *out,
		    struct tl_probe_origin *origin, struct tl_err *err);

#endif
