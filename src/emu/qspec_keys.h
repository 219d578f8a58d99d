#ifndef TCPLAB_EMU_QSPEC_KEYS_H
#define TCPLAB_EMU_QSPEC_KEYS_H

#include "emu/qspec.h"
#include "util/err.h"

/*
 * The --aqm keys whose values are not one number: each parses val (NULL for a bare key)
 * into q and returns 0, or a negative errno with one line naming the value and the fix.
 * Internal to emu (qspec.c's key table).
 */
typedef int (*tl_qspec_key_fn)(struct tl_qspec *q, const char *val, struct tl_err *err);

/* gsp threshold: bytes ("30K", "20p" packets of mtu) or a sojourn time ("5ms": delay mode). */
int tl_qspec_gsp_threshold(struct tl_qspec *q, const char *val, struct tl_err *err);
/* ppv core: ppov or pie. */
int tl_qspec_ppv_core(struct tl_qspec *q, const char *val, struct tl_err *err);
/* ppv class: flow or host. */
int tl_qspec_ppv_class(struct tl_qspec *q, const char *val, struct tl_err *err);
/* ppv weights: one per sender host in order, "2:1" (snd1 2, snd2 1); each above 0. */
int tl_qspec_ppv_weights(struct tl_qspec *q, const char *val, struct tl_err *err);
/* ppv tvf: "equal", or points RATE:VALUE joined by '/', rates rising, values not rising. */
int tl_qspec_ppv_tvf(struct tl_qspec *q, const char *val, struct tl_err *err);

#endif
