#ifndef TCPLAB_SYS_DOCTOR_JSON_H
#define TCPLAB_SYS_DOCTOR_JSON_H

#include <jansson.h>

#include "sys/doctor.h"

/*
 * The doctor's report as one JSON object: kernel, namespace, workload and the figures
 * derived from it, every sysctl read (with its scope), sockets, interfaces, counters, what
 * could not be read, the findings and a summary. The caller owns the result (json_decref);
 * NULL when out of memory. docs/tcplab-doctor.1.scd describes the fields.
 */
json_t *tl_doctor_json(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w,
		       const struct tl_findings *f);

#endif
