/* A growing text buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/buf.h"

static int reserve(struct tl_rbuf *b, size_t more)
{
	if (b->failed)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *n = realloc(b->s, cap);
	if (!n) {
		b->failed = 1;
		return -1;
	}
	b->s = n;
	b->cap = cap;
	return 0;
}

void tl_rbuf_printf(struct tl_rbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void tl_rbuf_esc(struct tl_rbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': tl_rbuf_printf(b, "&amp;"); break;
		case '<': tl_rbuf_printf(b, "&lt;"); break;
		case '>': tl_rbuf_printf(b, "&gt;"); break;
		case '"': tl_rbuf_printf(b, "&quot;"); break;
		default: tl_rbuf_printf(b, "%c", *s);
		}
	}
}

int tl_rbuf_ok(const struct tl_rbuf *b)
{
	return !b->failed;
}

void tl_rbuf_free(struct tl_rbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}
