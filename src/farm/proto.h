#ifndef TCPLAB_FARM_PROTO_H
#define TCPLAB_FARM_PROTO_H

/*
 * The farm's wire protocol, version 1: a job server (tcplab farm serve) and its workers
 * (tcplab farm work). A worker connects and sends REQUESTs; the server answers each one with
 * exactly one JOBS, DONE or ERROR, in order. A connection carries any number of such pairs
 * (--connection persistent) or just one (per-request: the worker closes first, so the
 * TIME_WAIT is left on the worker's side, as on the job server that ran out of ports). Results of a batch travel in the
 * worker's next REQUEST, so a batch costs one round trip.
 *
 *   worker                                              server
 *     REQUEST {worker, want B, no results}          ->
 *                                                   <-  JOBS {primes, B x (job, lo, hi)}
 *     ... counts the primes of each job ...
 *     REQUEST {worker, want B, B x (job, primes)}   ->
 *                                                   <-  JOBS {...}
 *                                                       | JOBS {no jobs, retry_ms}: all are
 *                                                         out with other workers; ask again
 *                                                       | DONE {verdict, total, expected}
 *   A malformed or out-of-order REQUEST gets ERROR {text}, and the server closes.
 *
 * Every message is a 12-byte header and a body; integers are big-endian and written field by
 * field (never a struct):
 *
 *   offset 0  u32 length   bytes after this field = 8 + body size, exactly as the type and
 *                          count imply (anything else is refused before reading the body)
 *          4  u8  version  1
 *          5  u8  type     1 REQUEST, 2 JOBS, 3 DONE, 4 ERROR
 *          6  u16 flags    0 (anything else is refused)
 *          8  u32 count    REQUEST: results; JOBS: jobs; DONE: 0; ERROR: text bytes
 *
 *   REQUEST body  u32 worker, u32 want (0..TL_FARM_BATCH_MAX), count x {u32 job, u64 primes}
 *   JOBS body     u32 kind (1 = count the primes in lo..hi), u32 retry_ms (0..10000),
 *                 count x {u32 job, u64 lo, u64 hi} with 1 <= lo <= hi <= 10^12
 *   DONE body     u32 verdict (1 PASS, 2 FAIL), u64 primes (the total), u64 expected
 *   ERROR body    count bytes of text (1..TL_FARM_ERROR_MAX)
 *
 * Limits: count <= TL_FARM_BATCH_MAX (100,000) results or jobs, so no message exceeds
 * TL_FARM_MSG_MAX (about 2 MB); a JOBS message never has more jobs than its REQUEST wanted.
 * Readers take the 12-byte header first, check it (tl_farm_hdr_parse), and only then read
 * and allocate the body; every read and write loops over short transfers (net/wire.h).
 */

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define TL_FARM_PROTO_VERSION 1
#define TL_FARM_HDR_LEN 12u
#define TL_FARM_BATCH_MAX 100000u
#define TL_FARM_ERROR_MAX 256u
#define TL_FARM_RETRY_MS_MAX 10000u
#define TL_FARM_RESULT_WIRE 12u  /* u32 job, u64 primes */
#define TL_FARM_JOB_WIRE 20u     /* u32 job, u64 lo, u64 hi */
#define TL_FARM_MSG_MAX (TL_FARM_HDR_LEN + 8u + TL_FARM_BATCH_MAX * TL_FARM_JOB_WIRE)

enum tl_farm_msg_type {
	TL_FARM_MSG_REQUEST = 1,
	TL_FARM_MSG_JOBS = 2,
	TL_FARM_MSG_DONE = 3,
	TL_FARM_MSG_ERROR = 4,
};

/* Masks for tl_farm_hdr_parse: which types the reader accepts at this point. */
#define TL_FARM_EXPECT_REQUEST (1u << TL_FARM_MSG_REQUEST)
#define TL_FARM_EXPECT_REPLY \
	((1u << TL_FARM_MSG_JOBS) | (1u << TL_FARM_MSG_DONE) | (1u << TL_FARM_MSG_ERROR))

enum { TL_FARM_KIND_PRIMES = 1 };
enum { TL_FARM_VERDICT_PASS = 1, TL_FARM_VERDICT_FAIL = 2 };

struct tl_farm_hdr {
	uint32_t size;  /* whole message: TL_FARM_HDR_LEN + body */
	uint8_t type;
	uint32_t count;
};

struct tl_farm_job_result {
	uint32_t job;
	uint64_t primes;
};

struct tl_farm_job {
	uint32_t job;
	uint64_t lo, hi;
};

struct tl_farm_request {
	uint32_t worker;
	uint32_t want;
	uint32_t nresults;  /* filled into the caller's array */
};

/* Any answer of the server. */
struct tl_farm_reply {
	uint8_t type;
	uint32_t kind, retry_ms, njobs;          /* JOBS */
	uint32_t verdict;                        /* DONE */
	uint64_t primes, expected;               /* DONE */
	char text[TL_FARM_ERROR_MAX + 1];        /* ERROR, NUL-terminated, unprintables as '?' */
};

/* Sizes of whole messages. */
size_t tl_farm_request_size(uint32_t nresults);
size_t tl_farm_jobs_size(uint32_t njobs);

/*
 * Encoders write one whole message into buf (cap bytes) and return its size, or 0 when it
 * does not fit or a count is above the limits (a caller bug, never network input).
 */
size_t tl_farm_request_encode(uint8_t *buf, size_t cap, uint32_t worker, uint32_t want,
			      const struct tl_farm_job_result *results, uint32_t n);
size_t tl_farm_jobs_encode(uint8_t *buf, size_t cap, uint32_t retry_ms,
			   const struct tl_farm_job *jobs, uint32_t n);
size_t tl_farm_done_encode(uint8_t *buf, size_t cap, uint32_t verdict, uint64_t primes,
			   uint64_t expected);
/* text is cut to TL_FARM_ERROR_MAX bytes. */
size_t tl_farm_error_encode(uint8_t *buf, size_t cap, const char *text);

/*
 * Checks a header (TL_FARM_HDR_LEN bytes) before its body is read: version, flags, a type in
 * expect_mask (one outside it is "out of order": a worker's REQUEST where a reply was due, or
 * the other way round), count within the limits of the type, and a length that matches type
 * and count exactly. Fills out (out->size: the whole message). 0 or -EPROTO with a message
 * that names the field, the value and the limit.
 */
int tl_farm_hdr_parse(const uint8_t *hdr, unsigned expect_mask, struct tl_farm_hdr *out,
		      struct tl_err *err);

/*
 * Decode a whole message (len bytes, header included; the header is checked again). Results
 * and jobs go into the caller's arrays of cap entries: more than cap is refused (for JOBS,
 * cap is what the worker asked for). 0 or -EPROTO with err set.
 */
int tl_farm_request_decode(const uint8_t *msg, size_t len, struct tl_farm_request *out,
			   struct tl_farm_job_result *results, uint32_t cap, struct tl_err *err);
int tl_farm_reply_decode(const uint8_t *msg, size_t len, struct tl_farm_reply *out,
			 struct tl_farm_job *jobs, uint32_t cap, struct tl_err *err);

/* "REQUEST", "JOBS", ... or "unknown". */
const char *tl_farm_msg_type_name(unsigned type);

#endif
