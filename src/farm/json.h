#ifndef TCPLAB_FARM_JSON_H
#define TCPLAB_FARM_JSON_H

#include <jansson.h>

#include "farm/run.h"

/*
 * A farm run as JSON (a new reference; NULL only when out of memory). The fields are
 * documented in tcplab-farm(1); rates are per second of "elapsed_s"; counts are integers.
 */
json_t *tl_farm_result_json(const struct tl_farm_result *r);

#endif
