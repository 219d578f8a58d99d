#ifndef TCPLAB_FARM_IO_H
#define TCPLAB_FARM_IO_H

#include <stdint.h>

#include "net/addr.h"
#include "util/err.h"

/*
 * A farm worker's connections: non-blocking sockets driven with poll() (net/wire.h) until
 * the connect is done, a deadline (CLOCK_MONOTONIC ns) passes or stop_fd (an eventfd; -1
 * for none) becomes readable, so that a run always ends on time. Requests and answers then
 * travel with tl_wire_write_all / tl_wire_read_exact. Outcomes are values, and err says
 * which with the server's address:
 *   0            done
 *   -ECANCELED   stop_fd fired
 *   -ETIMEDOUT   the deadline passed
 *   -errno       anything else (-EADDRNOTAVAIL when the ephemeral ports are gone)
 */

/*
 * A new TCP connection to dest with TCP_NODELAY on (one message is one write, and a reply
 * must not wait for a delayed ACK). *fd_out gets the socket on success.
 */
int tl_farm_io_connect(const struct tl_addr *dest, uint64_t deadline_ns, int stop_fd,
		       int *fd_out, struct tl_err *err);

/* Sleeps until ns from now, the deadline or stop_fd: 0, -ECANCELED or -ETIMEDOUT. */
int tl_farm_io_sleep(uint64_t ns, uint64_t deadline_ns, int stop_fd, struct tl_err *err);

#endif
