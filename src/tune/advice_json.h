#ifndef TCPLAB_TUNE_ADVICE_JSON_H
#define TCPLAB_TUNE_ADVICE_JSON_H

#include <jansson.h>

#include "tune/advice.h"

/*
 * The advice and the limits it was computed against, as JSON (new reference): sizes in
 * bytes, rates in bit/s. Field names say which end and which call: "sndbuf_request" is what
 * the sender passes to setsockopt(SO_SNDBUF), "sndbuf_effective" what getsockopt returns.
 */
json_t *tl_advice_json(const struct tl_advice *a, const struct tl_advice_limits *lim);

#endif
