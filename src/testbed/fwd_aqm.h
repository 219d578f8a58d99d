#ifndef TCPLAB_TESTBED_FWD_AQM_H
#define TCPLAB_TESTBED_FWD_AQM_H

#include <jansson.h>

#include "emu/qdisc.h"
#include "emu/qspec.h"
#include "testbed/plan.h"

/* Parameters and live state of GSP, PPV and DualPI2 (NULL for other kinds). */
json_t *tl_testbed_aqm_params_json(const struct tl_qspec *q);
json_t *tl_testbed_aqm_state_json(const struct tl_qdisc *q, const struct tl_testbed_plan *plan,
				  unsigned max_classes);

#endif
