#ifndef TCPLAB_TESTBED_FWD_CTL_H
#define TCPLAB_TESTBED_FWD_CTL_H

/* The forwarder's side of the control socket (fwd_ctl.c), served between packets. */

#include <stdint.h>

#include "testbed/fwd_state.h"

int tl_testbed_fwd_ctl_accept(struct tl_testbed_fwd *f, uint64_t now_ns);
void tl_testbed_fwd_ctl_event(struct tl_testbed_fwd *f, unsigned slot, uint32_t events,
			      uint64_t now_ns);
void tl_testbed_fwd_ctl_expire(struct tl_testbed_fwd *f, uint64_t now_ns);
void tl_testbed_fwd_ctl_close_all(struct tl_testbed_fwd *f);

#endif
