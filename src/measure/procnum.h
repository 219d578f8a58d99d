#ifndef TCPLAB_MEASURE_PROCNUM_H
#define TCPLAB_MEASURE_PROCNUM_H

#include <stdint.h>

/*
 * Reads one unsigned decimal number at *p, after spaces or tabs, and advances *p past it.
 * Unlike strtoull it rejects a sign ("-1" would wrap) and overflow. 0 or -1.
 * For the counters of /proc files.
 */
int tl_procnum_u64(const char **p, uint64_t *out);

#endif
