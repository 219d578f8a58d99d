#ifndef TCPLAB_TUNE_CACHE_H
#define TCPLAB_TUNE_CACHE_H

/*
 * Probe results remembered per destination, like Enable's advice service [Z3] and the kernel's
 * own 10-minute per-destination metrics (tcp_metrics): a later probe, tcplab_advise_buffer() or
 * 'stream --autotune' to the same HOST, port and direction reuses a result younger than its
 * max age instead of measuring again. Only measurements are kept; advice is computed again
 * each time from them and the host's limits of that moment.
 *
 * The state file is JSON, small and human-readable:
 *   {"tcplab_probe_cache": 1,
 *    "entries": {"10.0.0.2 port 5299 forward": {"measured_at": 1731000000, "probe": {...}}}}
 * Default path: $XDG_CACHE_HOME/tcplab/probe.json, else $HOME/.cache/tcplab/probe.json. It is
 * written whole to a temporary file and renamed over the old one, so a reader never sees half
 * a file; two probes finishing at once keep the last one's view (both are measurements).
 * Entries older than TL_CACHE_KEEP_S are dropped when the file is written.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"
#include "util/err.h"

#define TL_CACHE_FORMAT 1
#define TL_CACHE_MAX_AGE_DEFAULT_S 600u
#define TL_CACHE_KEEP_S (7u * 86400u)

/* The default state file path into buf. -ENOENT when neither XDG_CACHE_HOME nor HOME is set. */
int tl_cache_default_path(char *buf, size_t len, struct tl_err *err);

/* The key of a destination: "HOST port PORT DIRECTION". */
void tl_cache_key(const char *host, uint16_t port, enum tl_direction dir, char *buf, size_t len);

/*
 * Loads the state file into *state (new reference, an object of entries). A missing file is
 * an empty cache. A file that is not a valid state file fails with -EINVAL and a message that
 * names the file and the fix (remove it, or choose another with --state).
 */
int tl_cache_load(const char *path, json_t **state, struct tl_err *err);

/*
 * The probe JSON (borrowed from state) stored under key if it is at most max_age_s old at
 * now_s (wall clock, seconds since the epoch), else NULL. *age_s gets its age when found. An
 * entry from the future (the clock went back) counts as expired.
 */
const json_t *tl_cache_lookup(const json_t *state, const char *key, uint64_t now_s,
			      uint64_t max_age_s, uint64_t *age_s);

/* Stores probe (a reference is taken) under key with measured_at = now_s, and drops entries
 * older than TL_CACHE_KEEP_S. -ENOMEM on failure. */
int tl_cache_put(json_t *state, const char *key, json_t *probe, uint64_t now_s, struct tl_err *err);

/* Writes state to path (creating its directory, mode 0700) through a temporary file. */
int tl_cache_save(const char *path, const json_t *state, struct tl_err *err);

#endif
