#ifndef TCPLAB_RESULT_DEC_H
#define TCPLAB_RESULT_DEC_H

/*
 * The one place a result document's keys are read: typed getters over a JSON object that
 * record the first missing or mistyped field in a struct tl_err ("end.sum.bits_per_second:
 * missing (a number)") instead of reading it as 0. A decoder calls them field by field, then
 * checks tl_dec_failed() once; after a failure the getters return zeros and do nothing, so
 * a decoder needs no check after each field.
 *
 * where names the object being read as a path from the document's top ("end.streams[2]");
 * it is only used in the message.
 */

#include <jansson.h>
#include <stdint.h>

#include "util/err.h"

struct tl_dec {
	struct tl_err *err;
	int failed;
};

int tl_dec_failed(const struct tl_dec *d);
/* Records "what: msg" unless a failure is already recorded; returns -1. */
int tl_dec_fail(struct tl_dec *d, const char *where, const char *key, const char *what);

/* Required fields: absent or of another type is a failure. */
double tl_dec_num(struct tl_dec *d, const json_t *o, const char *where, const char *key);
uint64_t tl_dec_u64(struct tl_dec *d, const json_t *o, const char *where, const char *key);
int64_t tl_dec_int(struct tl_dec *d, const json_t *o, const char *where, const char *key);
int tl_dec_bool(struct tl_dec *d, const json_t *o, const char *where, const char *key);
const char *tl_dec_str(struct tl_dec *d, const json_t *o, const char *where, const char *key);
const json_t *tl_dec_obj(struct tl_dec *d, const json_t *o, const char *where, const char *key);
const json_t *tl_dec_arr(struct tl_dec *d, const json_t *o, const char *where, const char *key);

/* Optional fields: absent (or null) gives def / NULL / -1, another type is a failure. *has,
 * when not NULL, says whether the field was there. */
double tl_dec_num_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key,
		      double def, int *has);
uint64_t tl_dec_u64_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key,
			int *has);
/* -1 when absent, else 0 or 1 */
int tl_dec_bool_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key);
const char *tl_dec_str_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key);
const json_t *tl_dec_obj_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key);
const json_t *tl_dec_arr_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key);

#endif
