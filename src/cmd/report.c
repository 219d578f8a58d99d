/* tcplab report DB -o report.html [--svg DIR]: the campaign as one offline HTML page. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "exp/store.h"
#include "report/report.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: tcplab report DB -o report.html [--svg DIR]\n\n"
		   "Writes a campaign database (tcplab exp run -o DB) as one self-contained HTML\n"
		   "file: inline SVG plots, no script, no external file; it opens offline in any\n"
		   "browser. --svg DIR also writes every plot as DIR/NAME.svg.\n");
}

int cmd_report_main(int argc, char **argv)
{
	const char *db = NULL, *out = NULL, *svg = NULL;
	struct tl_exp_store *s = NULL;
	struct tl_err err = { 0 };
	unsigned plots = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return TL_EXIT_OK;
		} else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) &&
			   i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc) {
			svg = argv[++i];
		} else if (argv[i][0] != '-' && !db) {
			db = argv[i];
		} else {
			fprintf(stderr, "tcplab report: unexpected \"%s\" (usage: tcplab report DB -o "
				"report.html [--svg DIR])\n", argv[i]);
			return TL_EXIT_USAGE;
		}
	}
	if (!db || !out) {
		fprintf(stderr, "tcplab report: give the database and -o report.html\n");
		return TL_EXIT_USAGE;
	}
	if (tl_exp_store_open(db, false, &s, &err) < 0) {
		fprintf(stderr, "tcplab report: %s\n", err.msg);
		return TL_EXIT_USAGE;
	}
	int ret = TL_EXIT_OK;
	if (tl_report_write(tl_exp_store_db(s), out, svg, &plots, &err) < 0) {
		fprintf(stderr, "tcplab report: %s\n", err.msg);
		ret = TL_EXIT_ERROR;
	} else {
		printf("%s (%u plots%s%s)\n", out, plots, svg ? ", SVG files in " : "",
		       svg ? svg : "");
	}
	tl_exp_store_close(s);
	return ret;
}
