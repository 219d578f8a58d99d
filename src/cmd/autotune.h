#ifndef TCPLAB_CMD_AUTOTUNE_H
#define TCPLAB_CMD_AUTOTUNE_H

#include "cmd/common.h"
#include "ctl/client.h"
#include "spec/spec.h"

/*
 * 'tcplab stream --autotune HOST': probes the path (or takes the remembered probe), chooses
 * each flow's buffers and the flow count, runs the user's test with the kernel's autotuning
 * and again with the choice, and prints both side by side with the reasons (format: table or
 * JSON). spec is the user's parsed and validated stream spec (its flows are the minimum).
 * Returns the exit status.
 */
int cmd_stream_autotune(const struct tl_spec *spec, const struct tl_client_target *target,
			enum out_format format);

#endif
