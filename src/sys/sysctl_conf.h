#ifndef TCPLAB_SYS_SYSCTL_CONF_H
#define TCPLAB_SYS_SYSCTL_CONF_H

#include <stddef.h>

#include "util/err.h"

/*
 * The sysctl.d(5) file format, which both the doctor's drop-in (--apply FILE) and its
 * revert state file use: one "name = value" per line; lines starting with '#' or ';' are
 * comments; a leading '-' on the name (ignore failures) is accepted and dropped.
 */
struct tl_sysctl_setting {
	char name[96];
	char value[256];
};

/* Parses text into out (at most max settings); *n gets the count. Errors name the line. */
int tl_sysctl_conf_parse(const char *text, struct tl_sysctl_setting *out, size_t max, size_t *n,
			 struct tl_err *err);

#endif
