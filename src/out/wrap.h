#ifndef TCPLAB_OUT_WRAP_H
#define TCPLAB_OUT_WRAP_H

#include <stdio.h>

/*
 * Prose in a report: text written from column indent (what the caller printed before it on
 * the line is that wide), wrapped at 100 columns between words, each line after the first
 * indented by indent; then a newline. A word longer than a line stands alone.
 */
void tl_out_wrapped(FILE *f, const char *text, int indent);

#endif
