#ifndef TCPLAB_TESTS_FUZZ_FUZZ_UTIL_H
#define TCPLAB_TESTS_FUZZ_FUZZ_UTIL_H

/*
 * Shared by the fuzz targets of tests/fuzz/ (one file each, built by tests/fuzz/meson.build
 * as a libFuzzer binary with -Dfuzz=true and as a plain corpus replay in every build).
 * A broken invariant aborts: a crash to libFuzzer, a failure to the replay.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "fuzz: %s:%d: invariant broken: %s\n", __FILE__, \
				__LINE__, #cond);                                       \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* An exact-size heap copy: ASan then sees a read one byte past the end. */
uint8_t *fuzz_dup(const uint8_t *p, size_t n);

/*
 * Plays the peer on a connected socket: writes data[0..n) (then shuts down writing), and
 * reads everything the other side sends until it closes or timeout_ms passes, at most
 * keep bytes kept in *out (may be NULL; free it). Reading while writing means a server
 * that answers before it has read everything cannot deadlock us. Returns the bytes read
 * (counted beyond keep too), or -1 on a socket error other than a reset.
 */
long fuzz_exchange(int fd, const uint8_t *data, size_t n, int timeout_ms, uint8_t **out,
		   size_t keep);

/* A connected pair of TCP sockets on loopback (the real stack, unlike socketpair). */
int fuzz_tcp_pair(int fds[2]);

/* libFuzzer's entry points; every target defines both. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
