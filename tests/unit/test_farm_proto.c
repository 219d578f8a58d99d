/* The farm protocol: round trips, and every kind of bad message refused with a clear reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "farm/proto.h"

static uint8_t buf[TL_FARM_MSG_MAX];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void test_request_round_trip(void **state)
{
	(void)state;
	struct tl_farm_job_result in[3] = { { 0, 25 }, { 7, 0 }, { 49999, 1ULL << 40 } }, out[3];
	size_t n = tl_farm_request_encode(buf, sizeof(buf), 4, 10000, in, 3);
	assert_int_equal(n, tl_farm_request_size(3));
	assert_int_equal(n, 12 + 8 + 3 * 12);
	struct tl_farm_hdr h;
	assert_int_equal(tl_farm_hdr_parse(buf, TL_FARM_EXPECT_REQUEST, &h, NULL), 0);
	assert_int_equal(h.size, n);
	assert_int_equal(h.type, TL_FARM_MSG_REQUEST);
	struct tl_farm_request req;
	assert_int_equal(tl_farm_request_decode(buf, n, &req, out, 3, NULL), 0);
	assert_int_equal(req.worker, 4);
	assert_int_equal(req.want, 10000);
	assert_int_equal(req.nresults, 3);
	for (int i = 0; i < 3; i++) {  /* field by field: struct padding is not data */
		assert_int_equal(in[i].job, out[i].job);
		assert_int_equal(in[i].primes, out[i].primes);
	}
	/* Big-endian on the wire: length first. */
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[3], 8 + 8 + 36);  /* length: after itself, body included */
	assert_int_equal(buf[4], TL_FARM_PROTO_VERSION);
}

static void test_replies_round_trip(void **state)
{
	(void)state;
	struct tl_farm_job jobs[2] = { { 1, 101, 200 }, { 2, 201, 300 } }, got[2];
	struct tl_farm_reply r;
	size_t n = tl_farm_jobs_encode(buf, sizeof(buf), 0, jobs, 2);
	assert_int_equal(tl_farm_reply_decode(buf, n, &r, got, 2, NULL), 0);
	assert_int_equal(r.type, TL_FARM_MSG_JOBS);
	assert_int_equal(r.njobs, 2);
	assert_int_equal(r.kind, TL_FARM_KIND_PRIMES);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(jobs[i].job, got[i].job);
		assert_int_equal(jobs[i].lo, got[i].lo);
		assert_int_equal(jobs[i].hi, got[i].hi);
	}
	n = tl_farm_jobs_encode(buf, sizeof(buf), 150, NULL, 0);  /* none free: come back */
	assert_int_equal(tl_farm_reply_decode(buf, n, &r, got, 2, NULL), 0);
	assert_int_equal(r.njobs, 0);
	assert_int_equal(r.retry_ms, 150);
	n = tl_farm_done_encode(buf, sizeof(buf), TL_FARM_VERDICT_PASS, 348513, 348513);
	assert_int_equal(tl_farm_reply_decode(buf, n, &r, got, 2, NULL), 0);
	assert_int_equal(r.type, TL_FARM_MSG_DONE);
	assert_int_equal(r.verdict, TL_FARM_VERDICT_PASS);
	assert_int_equal(r.primes, 348513);
	n = tl_farm_error_encode(buf, sizeof(buf), "bad\nthing");
	assert_int_equal(tl_farm_reply_decode(buf, n, &r, got, 2, NULL), 0);
	assert_int_equal(r.type, TL_FARM_MSG_ERROR);
	assert_string_equal(r.text, "bad?thing");  /* control bytes never reach a terminal */
}

static void test_encoders_refuse_beyond_limits(void **state)
{
	(void)state;
	assert_int_equal(tl_farm_request_encode(buf, sizeof(buf), 0, TL_FARM_BATCH_MAX + 1, NULL, 0), 0);
	assert_int_equal(tl_farm_jobs_encode(buf, sizeof(buf), TL_FARM_RETRY_MS_MAX + 1, NULL, 0), 0);
	assert_int_equal(tl_farm_done_encode(buf, 20, 1, 1, 1), 0);  /* does not fit */
	/* The largest messages fit TL_FARM_MSG_MAX exactly. */
	assert_int_equal(tl_farm_jobs_size(TL_FARM_BATCH_MAX), TL_FARM_MSG_MAX);
	assert_true(tl_farm_request_size(TL_FARM_BATCH_MAX) < TL_FARM_MSG_MAX);
}

/* Expects the header (or, with len, the whole message) refused with a message containing why. */
static void refused_hdr(unsigned mask, const char *why)
{
	struct tl_farm_hdr h;
	struct tl_err err = { 0 };
	assert_true(tl_farm_hdr_parse(buf, mask, &h, &err) < 0);
	if (!strstr(err.msg, why))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, why);
}

static void test_malformed_headers(void **state)
{
	(void)state;
	size_t n = tl_farm_request_encode(buf, sizeof(buf), 1, 1, NULL, 0);
	assert_int_equal(n, 20);
	buf[4] = 2;
	refused_hdr(TL_FARM_EXPECT_REQUEST, "version 2");
	buf[4] = 1;
	buf[5] = 9;
	refused_hdr(TL_FARM_EXPECT_REQUEST, "type 9: unknown");
	buf[5] = 1;
	buf[7] = 1;
	refused_hdr(TL_FARM_EXPECT_REQUEST, "flags 0x0001");
	buf[7] = 0;
	/* Out of order: a REQUEST where the worker waits for an answer, and the reverse. */
	refused_hdr(TL_FARM_EXPECT_REPLY, "REQUEST out of order");
	n = tl_farm_done_encode(buf, sizeof(buf), 1, 1, 1);
	refused_hdr(TL_FARM_EXPECT_REQUEST, "DONE out of order");
	/* Oversized: a count beyond the limit, before any body is read. */
	tl_farm_request_encode(buf, sizeof(buf), 1, 1, NULL, 0);
	put32(buf + 8, TL_FARM_BATCH_MAX + 1);
	put32(buf, 8 + 8 + (TL_FARM_BATCH_MAX + 1) * 12);
	refused_hdr(TL_FARM_EXPECT_REQUEST, "count 100001 out of range");
	put32(buf + 8, 0xffffffffu);
	put32(buf, 0xffffffffu);
	refused_hdr(TL_FARM_EXPECT_REQUEST, "out of range");
	/* Length that disagrees with the count: too long and too short. */
	tl_farm_request_encode(buf, sizeof(buf), 1, 1, NULL, 0);
	put32(buf, 1000);
	refused_hdr(TL_FARM_EXPECT_REQUEST, "length 1000 does not match count 0 (must be 16");
	put32(buf, 3);
	refused_hdr(TL_FARM_EXPECT_REQUEST, "length 3");
	/* An ERROR must carry text; DONE carries no count. */
	tl_farm_error_encode(buf, sizeof(buf), "x");
	put32(buf + 8, 0);
	put32(buf, 8);
	refused_hdr(TL_FARM_EXPECT_REPLY, "count 0 out of range");
	tl_farm_error_encode(buf, sizeof(buf), "x");
	put32(buf + 8, TL_FARM_ERROR_MAX + 1);
	put32(buf, 8 + TL_FARM_ERROR_MAX + 1);
	refused_hdr(TL_FARM_EXPECT_REPLY, "out of range");
}

static void test_malformed_bodies(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	struct tl_farm_reply r;
	struct tl_farm_job jobs[4];
	struct tl_farm_job_result res[4];
	struct tl_farm_request req;
	/* More jobs than the worker asked for. */
	struct tl_farm_job three[3] = { { 0, 1, 2 }, { 1, 3, 4 }, { 2, 5, 6 } };
	size_t n = tl_farm_jobs_encode(buf, sizeof(buf), 0, three, 3);
	assert_true(tl_farm_reply_decode(buf, n, &r, jobs, 2, &err) < 0);
	assert_non_null(strstr(err.msg, "only 2 were asked for"));
	/* A backwards and a too large range. */
	struct tl_farm_job bad = { 5, 10, 3 };
	n = tl_farm_jobs_encode(buf, sizeof(buf), 0, &bad, 1);
	assert_true(tl_farm_reply_decode(buf, n, &r, jobs, 4, &err) < 0);
	assert_non_null(strstr(err.msg, "job 5 has range 10-3"));
	bad = (struct tl_farm_job){ 6, 1, 2000000000000ULL };
	n = tl_farm_jobs_encode(buf, sizeof(buf), 0, &bad, 1);
	assert_true(tl_farm_reply_decode(buf, n, &r, jobs, 4, &err) < 0);
	/* Unknown job kind, excessive retry, bad verdict. */
	n = tl_farm_jobs_encode(buf, sizeof(buf), 0, three, 1);
	buf[15] = 7;
	assert_true(tl_farm_reply_decode(buf, n, &r, jobs, 4, &err) < 0);
	assert_non_null(strstr(err.msg, "kind 7"));
	n = tl_farm_jobs_encode(buf, sizeof(buf), 0, NULL, 0);
	put32(buf + 16, 60000);
	assert_true(tl_farm_reply_decode(buf, n, &r, jobs, 4, &err) < 0);
	assert_non_null(strstr(err.msg, "retry_ms 60000"));
	n = tl_farm_done_encode(buf, sizeof(buf), 3, 0, 0);
	assert_true(tl_farm_reply_decode(buf, n, &r, jobs, 4, &err) < 0);
	assert_non_null(strstr(err.msg, "verdict 3"));
	/* Truncated: fewer bytes than the header says, or shorter than a header. */
	n = tl_farm_request_encode(buf, sizeof(buf), 1, 1, res, 0);
	assert_true(tl_farm_request_decode(buf, n - 1, &req, res, 4, &err) < 0);
	assert_non_null(strstr(err.msg, "header says"));
	assert_true(tl_farm_request_decode(buf, 5, &req, res, 4, &err) < 0);
	assert_non_null(strstr(err.msg, "shorter than its header"));
	/* A request wanting more than a batch may hold. */
	n = tl_farm_request_encode(buf, sizeof(buf), 1, 1, res, 0);
	put32(buf + 16, TL_FARM_BATCH_MAX + 1);
	assert_true(tl_farm_request_decode(buf, n, &req, res, 4, &err) < 0);
	assert_non_null(strstr(err.msg, "want 100001"));
	/* More results than the reader has room for. */
	struct tl_farm_job_result five[5] = { { 0 } };
	n = tl_farm_request_encode(buf, sizeof(buf), 1, 1, five, 5);
	assert_true(tl_farm_request_decode(buf, n, &req, res, 4, &err) < 0);
}

/* Random bytes never crash the parsers and never decode past the buffer (run under ASan). */
static void test_garbage(void **state)
{
	(void)state;
	struct tl_farm_job jobs[8];
	struct tl_farm_job_result res[8];
	struct tl_farm_reply r;
	struct tl_farm_request req;
	struct tl_farm_hdr h;
	srand(3);
	for (int k = 0; k < 20000; k++) {
		size_t len = (size_t)(rand() % 200);
		uint8_t *m = malloc(len ? len : 1);
		for (size_t i = 0; i < len; i++)
			m[i] = (uint8_t)rand();
		if (len >= 6 && k % 2)
			m[4] = 1, m[5] = (uint8_t)(1 + rand() % 4);  /* get past the first checks */
		if (len >= TL_FARM_HDR_LEN)
			(void)tl_farm_hdr_parse(m, TL_FARM_EXPECT_REPLY | TL_FARM_EXPECT_REQUEST, &h, NULL);
		(void)tl_farm_request_decode(m, len, &req, res, 8, NULL);
		(void)tl_farm_reply_decode(m, len, &r, jobs, 8, NULL);
		free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_replies_round_trip),
		cmocka_unit_test(test_encoders_refuse_beyond_limits),
		cmocka_unit_test(test_malformed_headers),
		cmocka_unit_test(test_malformed_bodies),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
