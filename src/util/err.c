#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tl_err_set(struct tl_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code > 0 ? -code : -1;
}

int tl_err_errno(struct tl_err *err, const char *fmt, ...)
{
	int code = errno;
	if (err) {
		char head[384];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(head, sizeof(head), fmt, ap);
		va_end(ap);
		snprintf(err->msg, sizeof(err->msg), "%s: %s", head, strerror(code));
		err->code = code;
	}
	return code > 0 ? -code : -1;
}

void tl_err_prefix(struct tl_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	char head[256], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
}

void tl_err_clear(struct tl_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
