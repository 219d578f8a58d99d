#ifndef TCPLAB_SYS_PROCFILE_H
#define TCPLAB_SYS_PROCFILE_H

#include "util/err.h"

/*
 * Reads a whole procfs file into a new NUL-terminated buffer (*text, freed by the caller).
 * procfs reports a size of 0, so the file is read until EOF into a growing buffer; files
 * here are bounded at 4 MiB, far above anything /proc/net prints for counters.
 */
int tl_procfile_read(const char *path, char **text, struct tl_err *err);

#endif
