#ifndef TCPLAB_CTL_SPEC_H
#define TCPLAB_CTL_SPEC_H

/*
 * The test spec (spec/spec.h) as it travels from the client to the agent: JSON, field by
 * field. tl_spec_from_json checks every field's type and range and then re-validates the
 * whole spec, because it came from the network.
 */

#include <jansson.h>

#include "spec/spec.h"
#include "util/err.h"

json_t *tl_spec_to_json(const struct tl_spec *s);
int tl_spec_from_json(const json_t *j, struct tl_spec *s, struct tl_err *err);

#endif
