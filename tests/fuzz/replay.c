/*
 * Replays the committed corpus (tests/fuzz/corpus/) through the control-protocol fuzz function
 * with a plain main, so the normal build and CI exercise the harness without clang or
 * libFuzzer (run.sh does the real fuzzing). Every file must pass the harness's invariants
 * (which abort) and the sanitizers when built with them; the files in the table below must
 * also be read the way their names say, which keeps the corpus meaning what it claims.
 *
 * usage: test_ctl_fuzz_replay [CORPUS_DIR]
 * Without an argument: $TCPLAB_FUZZ_CORPUS, else the corpus next to this source file.
 */
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_ctl.h"

#define HDR FUZZ_CTL_FRAME_HDR
#define MSG FUZZ_CTL_FRAME_MSG
#define SPEC FUZZ_CTL_SPEC
#define HELLO FUZZ_CTL_DATA_HELLO
#define CC FUZZ_CTL_CC_MIX
#define ROUTER FUZZ_CTL_ROUTER

/* A corpus file is an input for a parser: anything larger is not one of ours. */
#define REPLAY_MAX_INPUT (1u << 20)
#define REPLAY_MAX_FILES 4096

static const struct {
	const char *name;
	unsigned want;
} expected[] = {
	{ "frame-hello.bin", HDR | MSG },
	{ "frame-done-empty.bin", HDR | MSG },
	{ "frame-error.bin", HDR | MSG },
	{ "frame-test-spec.bin", HDR | MSG | SPEC },
	{ "frame-two-in-one.bin", HDR | MSG },
	{ "frame-bad-magic.bin", 0 },
	{ "frame-version-2.bin", 0 },
	{ "frame-unknown-type.bin", HDR },
	{ "frame-len-over-limit.bin", 0 },
	{ "frame-truncated.bin", HDR },
	{ "frame-array.bin", HDR },
	{ "frame-dup-keys.bin", HDR },
	{ "frame-short.bin", 0 },
	{ "spec-full.json", SPEC },
	{ "spec-bare.json", SPEC },
	{ "spec-bad-direction.json", 0 },
	{ "spec-rr.json", SPEC },
	{ "spec-crr-bare.json", SPEC },
	{ "spec-rr-no-sizes.json", 0 },
	{ "spec-17-groups.json", 0 },
	{ "spec-groups-exceed-flows.json", 0 },
	{ "spec-nul-in-cc.json", 0 },
	{ "hello-ok.bin", HELLO },
	{ "hello-reserved.bin", 0 },
	{ "hello-version-0.bin", 0 },
	{ "cc-mix.txt", CC },
	{ "cc-bare.txt", CC },
	{ "cc-no-count.txt", 0 },
	{ "cc-bad-name.txt", 0 },
	{ "cc-comma-only.txt", 0 },
	{ "empty", 0 },
	{ "frame-router-status.bin", HDR | MSG | ROUTER },
	{ "frame-router-set.bin", HDR | MSG | ROUTER },
	{ "router-series.json", ROUTER },
	{ "router-series-backwards.json", 0 },
	{ "router-set-unknown-option.json", 0 },
	{ "router-set-not-string.json", 0 },
	{ "router-bad-name.json", 0 },
	{ "router-flows-too-many.json", 0 },
	{ "router-unknown-op.json", 0 },
	{ "router-window-too-long.json", 0 },
	{ "frame-router-list.bin", HDR | MSG | ROUTER },
	{ "router-list.json", ROUTER },
	{ "router-list-with-name.json", 0 },
};

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Meson compiles with __FILE__ relative to the build directory ("../tests/fuzz/replay.c") and
 * runs tests from there; try that, then the same relative to the executable's directory and
 * its parent, for a test binary run by hand from elsewhere.
 */
static int find_corpus(char *out, size_t len)
{
	char src[PATH_MAX];
	snprintf(src, sizeof(src), "%s", __FILE__);
	const char *src_dir = dirname(src);
	if (src_dir[0] == '/') {
		snprintf(out, len, "%s/corpus", src_dir);
		return is_dir(out) ? 0 : -1;
	}
	snprintf(out, len, "%s/corpus", src_dir);
	if (is_dir(out))
		return 0;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	const char *exe_dir = dirname(exe);
	snprintf(out, len, "%s/%s/corpus", exe_dir, src_dir);
	if (is_dir(out))
		return 0;
	snprintf(out, len, "%s/../%s/corpus", exe_dir, src_dir);
	return is_dir(out) ? 0 : -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs one file; returns 0 and the harness's answer in *got, or -1 if it cannot be read. */
static int run_file(const char *dir, const char *name, unsigned *got)
{
	char path[PATH_MAX];
	int ret = -1;
	uint8_t *buf = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: open %s: %m\n", path);
		goto out;
	}
	buf = malloc(REPLAY_MAX_INPUT + 1);
	if (!buf)
		goto out;
	size_t n = fread(buf, 1, REPLAY_MAX_INPUT + 1, f);
	if (ferror(f) || n > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: unreadable or larger than %u bytes\n", path, REPLAY_MAX_INPUT);
		goto out;
	}
	/* An exact-size copy, as libFuzzer hands inputs over. */
	uint8_t *input = malloc(n ? n : 1);
	if (!input)
		goto out;
	memcpy(input, buf, n);
	*got = fuzz_ctl_one(input, n);
	free(input);
	ret = 0;
out:
	free(buf);
	if (f)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX];
	char *names[REPLAY_MAX_FILES];
	size_t nnames = 0;
	int failed = 0;
	const char *env = getenv("TCPLAB_FUZZ_CORPUS");

	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (find_corpus(dir, sizeof(dir)) < 0) {
		fprintf(stderr, "replay: cannot find tests/fuzz/corpus (pass it as the argument)\n");
		return 1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: opendir %s: %m\n", dir);
		return 1;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		if (nnames == REPLAY_MAX_FILES) {
			fprintf(stderr, "replay: more than %d files in %s\n", REPLAY_MAX_FILES, dir);
			failed = 1;
			break;
		}
		names[nnames] = strdup(e->d_name);
		if (!names[nnames]) {
			failed = 1;
			break;
		}
		nnames++;
	}
	closedir(d);
	qsort(names, nnames, sizeof(names[0]), by_name);

	fuzz_ctl_init();
	size_t checked = 0;
	for (size_t i = 0; i < nnames; i++) {
		unsigned got = 0;
		if (run_file(dir, names[i], &got) < 0) {
			failed = 1;
			continue;
		}
		const char *verdict = "ran";
		for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++) {
			if (strcmp(expected[k].name, names[i]) != 0)
				continue;
			checked++;
			verdict = got == expected[k].want ? "ok" : "WRONG";
			if (got != expected[k].want) {
				fprintf(stderr, "replay: %s: accepted as 0x%x, expected 0x%x\n", names[i], got,
					expected[k].want);
				failed = 1;
			}
		}
		printf("%-32s 0x%02x %s\n", names[i], got, verdict);
	}
	if (checked != sizeof(expected) / sizeof(expected[0])) {
		fprintf(stderr, "replay: %zu of %zu expected corpus files found in %s\n", checked,
			sizeof(expected) / sizeof(expected[0]), dir);
		failed = 1;
	}
	printf("replay: %zu files from %s, %zu with a known outcome: %s\n", nnames, dir, checked,
	       failed ? "FAILED" : "ok");
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	return failed ? 1 : 0;
}
