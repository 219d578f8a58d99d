#ifndef TCPLAB_FARM_ISOLATE_H
#define TCPLAB_FARM_ISOLATE_H

#include <stdint.h>

#include "util/err.h"

/*
 * 'tcplab farm --isolate': the run gets a network namespace of its own, so that its
 * ephemeral port range and tcp_tw_reuse can be set without touching the host, and its
 * TIME_WAIT sockets vanish with it. A job server met the ceiling talking to localhost on macOS,
 * where TIME_WAIT ports are never reused; Linux reuses them for loopback (tcp_tw_reuse=2, the
 * default), which hides the effect there. A private namespace with tcp_tw_reuse=0 shows what
 * a client talking to another host meets.
 *
 * The calling thread moves into a new namespace (unshare CLONE_NEWNET; if that is not
 * permitted, CLONE_NEWUSER | CLONE_NEWNET, which unprivileged users may have), brings lo up
 * and writes the two sysctls there. Threads created afterwards inherit the namespace; call it
 * while the process has a single thread (user namespaces require that). Each call makes a
 * fresh namespace; the previous one goes away with its last socket. Nothing outlives the
 * process, so there is nothing to clean up.
 */
int tl_farm_isolate(uint32_t port_lo, uint32_t port_hi, int tw_reuse, struct tl_err *err);

#endif
