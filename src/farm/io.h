#ifndef TCPLAB_FARM_IO_H
#define TCPLAB_FARM_IO_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

/*
 * A farm worker's socket I/O: non-blocking sockets driven with poll() until the whole
 * transfer is done, a deadline (CLOCK_MONOTONIC ns) passes or stop_fd (an eventfd; -1 for
 * none) becomes readable, so that a run always ends on time. Outcomes are values:
 *   0            done
 *   -ECANCELED   stop_fd fired
 *   -ETIMEDOUT   the deadline passed
 *   -ECONNRESET  the peer closed (EOF) before all bytes came
 *   -errno       anything else (connect: -EADDRNOTAVAIL when the ephemeral ports are gone)
 */

/*
 * A new TCP connection to dest with TCP_NODELAY on (one message is one write, and a reply
 * must not wait for a delayed ACK). *fd_out gets the socket on success.
 */
int tl_farm_io_connect(const struct tl_addr *dest, uint64_t deadline_ns, int stop_fd,
		       int *fd_out);

int tl_farm_io_write_all(int fd, const void *buf, size_t len, uint64_t deadline_ns, int stop_fd);
int tl_farm_io_read_exact(int fd, void *buf, size_t len, uint64_t deadline_ns, int stop_fd);

/* Sleeps until ns from now, the deadline or stop_fd: 0, -ECANCELED or -ETIMEDOUT. */
int tl_farm_io_sleep(uint64_t ns, uint64_t deadline_ns, int stop_fd);

#endif
