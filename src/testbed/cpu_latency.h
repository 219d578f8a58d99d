#ifndef TCPLAB_TESTBED_CPU_LATENCY_H
#define TCPLAB_TESTBED_CPU_LATENCY_H

#include <stdint.h>

#include "util/err.h"

/*
 * A CPU wake-up latency request through the kernel's PM QoS interface
 * (/dev/cpu_dma_latency, Documentation/power/pm_qos_interface.rst): while the file is held
 * open with a value written, idle CPUs use no state whose exit latency exceeds it. At 0 they
 * poll instead of halting, so a task woken by a packet runs within microseconds instead of
 * the tens to hundreds a halted (virtual) CPU takes. The kernel drops the request when the
 * file is closed, also when the process dies: nothing outlives the holder.
 */
struct tl_cpu_latency {
	int fd;          /* -1: no request held */
	int32_t us;      /* the value held */
};

#define TL_CPU_LATENCY_PATH "/dev/cpu_dma_latency"

void tl_cpu_latency_init(struct tl_cpu_latency *c);
/* Holds `us` microseconds (replacing a request held before); us < 0 releases. */
int tl_cpu_latency_hold(struct tl_cpu_latency *c, int32_t us, struct tl_err *err);
void tl_cpu_latency_release(struct tl_cpu_latency *c);

#endif
