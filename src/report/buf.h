#ifndef TCPLAB_REPORT_BUF_H
#define TCPLAB_REPORT_BUF_H

#include <stddef.h>

/* A growing text buffer for the report's HTML and SVG. A failed allocation is sticky:
 * later appends do nothing and tl_rbuf_ok() says so once, at the end. */
struct tl_rbuf {
	char *s;
	size_t len, cap;
	int failed;
};

void tl_rbuf_printf(struct tl_rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with &, <, >, " escaped for HTML text and attributes. */
void tl_rbuf_esc(struct tl_rbuf *b, const char *s);
int tl_rbuf_ok(const struct tl_rbuf *b);
void tl_rbuf_free(struct tl_rbuf *b);

#endif
