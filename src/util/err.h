#ifndef TCPLAB_UTIL_ERR_H
#define TCPLAB_UTIL_ERR_H

#include <stddef.h>

/*
 * The error a library call reports to its caller. The library never prints: a failing
 * function fills one of these with a sentence that names the call, the value and, where
 * one is known, the fix, and returns a negative errno (or -1). Only cmd/ prints it.
 */
struct tl_err {
	int code;        /* positive errno, or 0 when none applies */
	char msg[512];
};

/* Sets err (which may be NULL) from a printf format and returns -code (or -1 if code is 0). */
int tl_err_set(struct tl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like tl_err_set with code = errno, appending ": strerror(errno)". */
int tl_err_errno(struct tl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepends "what: " to an error already set, to add the caller's context. */
void tl_err_prefix(struct tl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void tl_err_clear(struct tl_err *err);

#endif
