#ifndef TCPLAB_SYS_DOCTOR_JSON_H
#define TCPLAB_SYS_DOCTOR_JSON_H

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>

#include "sys/doctor.h"
#include "sys/doctor_apply.h"

/*
 * The doctor's report as one JSON object: kernel, namespace, workload and the figures
 * derived from it, every sysctl read (with its scope), sockets, interfaces, counters, what
 * could not be read, the findings and a summary. The caller owns the result (json_decref);
 * NULL when out of memory. docs/tcplab-doctor.1.scd describes the fields.
 */
json_t *tl_doctor_json(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w,
		       const struct tl_findings *f);

/* The report's "apply": {file (or null), now, state (with now, else null), changes: [{name,
 * value, old, global, status: planned, applied or skipped}]}. NULL when out of memory. */
json_t *tl_doctor_changes_json(const char *file, bool now, const char *state,
			       const struct tl_doctor_change *c, size_t n);

#endif
