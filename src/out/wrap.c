/* Prose wrapped at 100 columns, for the doctor's findings and the autotune's reasons. */
#include "out/wrap.h"

#include <string.h>

void tl_out_wrapped(FILE *f, const char *text, int indent)
{
	const int width = 100;
	int col = indent;
	const char *p = text;
	while (*p) {
		const char *sp = strchr(p, ' ');
		int wlen = sp ? (int)(sp - p) : (int)strlen(p);
		if (col > indent && col + 1 + wlen > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", wlen, p);
		col += wlen;
		p += wlen;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}
