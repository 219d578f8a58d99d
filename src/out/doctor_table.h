#ifndef TCPLAB_OUT_DOCTOR_TABLE_H
#define TCPLAB_OUT_DOCTOR_TABLE_H

/*
 * The doctor's readable report, from the one model its JSON is also written from: the
 * readings and findings of sys/doctor.h (no document is decoded: they are structs from the
 * start), and the changes of sys/doctor_apply.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sys/doctor.h"
#include "sys/doctor_apply.h"

/* The header (host, workload, ports, sockets, offloads, limits, counters), the findings
 * worst first, the names of those that are ok (each explained with all), and a summary. */
void tl_out_doctor_report(FILE *f, const struct tl_doctor_readings *r,
			  const struct tl_doctor_workload *w, const struct tl_findings *fs, bool all);

/* What --apply and --apply-now did. */
struct tl_out_doctor_apply {
	const char *file;       /* --apply FILE, or NULL */
	bool now;               /* --apply-now */
	const char *state;      /* its state file */
	bool in_host_netns;     /* FILE was written from the host's network namespace */
};
void tl_out_doctor_changes(FILE *f, const struct tl_out_doctor_apply *a,
			   const struct tl_doctor_change *c, size_t n);

#endif
