#ifndef TCPLAB_TUNE_LIMITS_H
#define TCPLAB_TUNE_LIMITS_H

#include "tune/advice.h"
#include "util/err.h"

/*
 * Reads this host's buffer limits for the advice: tcp_rmem[2] and tcp_wmem[2] (per network
 * namespace) and net.core.rmem_max / wmem_max (readable, not writable, inside a namespace).
 * They are this host's; the peer's own limits bound its end and are not visible from here.
 * Returns 0 or a negative errno with err naming the sysctl.
 */
int tl_limits_read(struct tl_advice_limits *out, struct tl_err *err);

#endif
