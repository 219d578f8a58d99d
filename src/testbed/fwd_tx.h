#ifndef TCPLAB_TESTBED_FWD_TX_H
#define TCPLAB_TESTBED_FWD_TX_H

/*
 * One transmit thread per port (fwd_tx.c). Whoever holds the forwarder's lock (the main
 * loop or the standby) hands the packets a port is to send to that port's thread through
 * a ring, in the order they are to leave; the thread sends them (sendmmsg, in which the
 * receiving host's TCP stack runs as softirq work), records how late each left against
 * the time its link gave it, and hands the descriptors back through a second ring, which
 * the lock's holder returns to the pool. So the hosts' stacks run on the transmit threads,
 * which the scheduler can put on another CPU, and the main loop's passes stay short.
 *
 * A port whose thread sleeps (a light load: it polled its empty ring for a while and gave
 * up) is sent to by the lock's holder itself, as before the threads, which costs no wake-up
 * of another vCPU; so does every port without threads (one CPU, or one could not start).
 */

#include "testbed/fwd_state.h"

/* Starts a thread per port; on failure says why in f->tx_note and the holder sends. */
void tl_testbed_fwd_tx_start(struct tl_testbed_fwd *f);

/* Stops the threads; what they still held goes back to the pool unsent. */
void tl_testbed_fwd_tx_stop(struct tl_testbed_fwd *f);

/* Holder: frames f->txq[port][0..n) leave, in this order, after what was handed before. */
void tl_testbed_fwd_tx_send(struct tl_testbed_fwd *f, unsigned port);

/* Holder: descriptors the threads are done with go back to the pool. */
void tl_testbed_fwd_tx_reap(struct tl_testbed_fwd *f);

/*
 * Holder: the threads' lateness since the last call is merged into f->late_period, and
 * their send counters are copied to f->ports[].tx_*.
 */
void tl_testbed_fwd_tx_collect(struct tl_testbed_fwd *f);

void tl_testbed_fwd_tx_free(struct tl_testbed_fwd *f);

#endif
