#ifndef TCPLAB_TESTS_FUZZ_FUZZ_CTL_H
#define TCPLAB_TESTS_FUZZ_FUZZ_CTL_H

/*
 * The control-protocol fuzz function, shared by the libFuzzer target (fuzz_ctl.c, built by
 * run.sh) and the plain replay test (replay.c, built by meson). It returns which readings of
 * the input were accepted, so the replay can check the committed corpus means what its file
 * names say. A broken invariant aborts (a crash to libFuzzer, a failure to the replay).
 */

#include <stddef.h>
#include <stdint.h>

#define FUZZ_CTL_FRAME_HDR   (1u << 0) /* first 12 bytes: a valid frame header */
#define FUZZ_CTL_FRAME_MSG   (1u << 1) /* and its payload a valid message of the header's type */
#define FUZZ_CTL_SPEC        (1u << 2) /* a test spec was accepted (TEST body or frame payload) */
#define FUZZ_CTL_DATA_HELLO  (1u << 3) /* first 28 bytes: a valid data greeting */
#define FUZZ_CTL_CC_MIX      (1u << 4) /* the input as a --cc argument was accepted */
#define FUZZ_CTL_ROUTER      (1u << 5) /* a router request was accepted (ROUTER body or payload) */

/* Makes runs reproducible (jansson's hash seed); call once before the first input. */
void fuzz_ctl_init(void);
unsigned fuzz_ctl_one(const uint8_t *data, size_t size);

/* libFuzzer's entry points. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
