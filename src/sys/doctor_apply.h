#ifndef TCPLAB_SYS_DOCTOR_APPLY_H
#define TCPLAB_SYS_DOCTOR_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/doctor.h"
#include "util/err.h"

/*
 * Acting on the doctor's findings, in three steps a person chooses:
 *  - tl_doctor_changes() picks the sysctl fixes of the warn and severe findings (info ones
 *    are judgement calls and are only printed);
 *  - tl_doctor_dropin_text() turns them into a sysctl.d drop-in with a comment per line,
 *    which --apply FILE writes (nothing in the running kernel changes);
 *  - tl_doctor_apply_now() writes them into the running kernel after recording the old
 *    values in a state file, and tl_doctor_revert() puts those back.
 */

/* The default state file of --apply-now / --revert. */
#define TL_DOCTOR_STATE_DEFAULT "/var/lib/tcplab/doctor-revert.conf"

enum tl_change_status {
	TL_CHANGE_PLANNED,   /* not applied (yet) */
	TL_CHANGE_APPLIED,   /* written to the running kernel */
	TL_CHANGE_SKIPPED,   /* global value, not writable from this network namespace */
};

struct tl_doctor_change {
	char name[64];
	char value[128];
	char old[256];
	bool global;
	bool writable;               /* writable from this netns (as read) */
	bool host_only;              /* global, and this is not the host's netns: skip it */
	const struct tl_finding *finding;
	enum tl_change_status status;
};

enum { TL_DOCTOR_MAX_CHANGES = 32 };

/*
 * The sysctl fixes of the findings with severity warn or severe, one per sysctl (the
 * first finding wins), with the old values and writability from r. Returns the count.
 */
size_t tl_doctor_changes(const struct tl_findings *f, const struct tl_doctor_readings *r,
			 struct tl_doctor_change *out, size_t max);

/*
 * The sysctl.d drop-in for the changes: a header naming the workload and the kernel, then
 * for each change a comment (title, what was seen, the cost) and "name = value". Returns a
 * malloc'd string, or NULL when out of memory.
 */
char *tl_doctor_dropin_text(const struct tl_doctor_change *c, size_t n,
			    const struct tl_doctor_workload *w, const struct tl_host *h);

/* Writes text to path atomically (a temporary file in the same directory, then rename). */
int tl_doctor_write_file(const char *path, const char *text, struct tl_err *err);

/*
 * Applies the writable changes to the running kernel. First records their current values in
 * state_path (refusing if that file exists: an earlier apply was not reverted), creating its
 * directory if needed; then writes each one. If a write fails, the ones already written are
 * put back and the state file is removed. Global values, when this is not the host's
 * namespace, are marked TL_CHANGE_SKIPPED; when nothing is left, no state file is written.
 * Any other value that is not writable (not root) fails the call before anything changes.
 * Returns 0 or a negative errno.
 */
int tl_doctor_apply_now(struct tl_doctor_change *c, size_t n, const char *state_path,
			uint64_t netns_inode, struct tl_err *err);

/*
 * Restores the values recorded in state_path, in the namespace they were recorded in
 * (netns_inode must match), then removes the file. *restored gets how many were written.
 */
int tl_doctor_revert(const char *state_path, uint64_t netns_inode, size_t *restored,
		     struct tl_err *err);

#endif
