/*
 * A plain main for a fuzz target (no libFuzzer): runs LLVMFuzzerTestOneInput once on every
 * file of the directories and files given, so every build and CI replay the committed
 * corpus (and its regression inputs) without clang. It fails when an input crashes, breaks
 * an invariant, or when it finds no input at all (a corpus that went missing).
 *
 * usage: fuzz_replay_NAME DIR|FILE...
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

/* A corpus input is a parser's input: anything larger is not one of ours. */
#define REPLAY_MAX_INPUT (1u << 20)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: open %s: %m\n", path);
		return -1;
	}
	uint8_t *buf = malloc(REPLAY_MAX_INPUT + 1);
	size_t n = buf ? fread(buf, 1, REPLAY_MAX_INPUT + 1, f) : 0;
	int bad = !buf || ferror(f) || n > REPLAY_MAX_INPUT;
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay: %s: unreadable or larger than %u bytes\n", path,
			REPLAY_MAX_INPUT);
		free(buf);
		return -1;
	}
	uint8_t *input = fuzz_dup(buf, n); /* exact size, as libFuzzer hands inputs over */
	free(buf);
	LLVMFuzzerTestOneInput(input, n);
	free(input);
	return 0;
}


/* Every regular file of dir, in name order (so a failure names the same file each run). */
static int run_dir(const char *dir, size_t *ran)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort), failed = 0;
	if (n < 0) {
		fprintf(stderr, "replay: scandir %s: %m\n", dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (list[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				failed = 1;
			else
				(*ran)++;
		}
		free(list[i]);
	}
	free(list);
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	size_t ran = 0;
	int failed = 0;
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %m\n", argv[i]);
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &ran) < 0)
				failed = 1;
		} else if (run_file(argv[i]) < 0) {
			failed = 1;
		} else {
			ran++;
		}
	}
	printf("replay: %zu inputs: %s\n", ran, failed || ran == 0 ? "FAILED" : "ok");
	if (ran == 0)
		fprintf(stderr, "replay: no input found (is the corpus directory there?)\n");
	return failed || ran == 0 ? 1 : 0;
}
