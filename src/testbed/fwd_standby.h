#ifndef TCPLAB_TESTBED_FWD_STANDBY_H
#define TCPLAB_TESTBED_FWD_STANDBY_H

#include <jansson.h>

#include "testbed/fwd_state.h"

/*
 * The standby thread (fwd_standby.c), all with the lock held except start and stop. A
 * standby that cannot start (one CPU, no thread) leaves its reason in standby.note; the
 * forwarder runs on alone.
 */
void tl_testbed_fwd_standby_init(struct tl_testbed_fwd *f);
void tl_testbed_fwd_standby_start(struct tl_testbed_fwd *f);
void tl_testbed_fwd_standby_arm(struct tl_testbed_fwd *f, uint64_t departure_ns);
void tl_testbed_fwd_standby_stop(struct tl_testbed_fwd *f);
json_t *tl_testbed_fwd_standby_json(const struct tl_testbed_fwd *f);

#endif
