/*
 * The forwarder's end of the testbed control socket (testbed/ctl.h) on real socketpairs: a
 * request that arrives byte by byte is taken whole only when its frame is complete, a frame
 * over the limit is refused from its 4-byte length before any body is sent, and an answer
 * larger than the socket holds goes out in pieces without ever blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/wire.h"
#include "testbed/ctl.h"
#include "util/clock.h"

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK), 0);
}

static void test_request_byte_by_byte(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	const char *req = "{\"v\":1,\"cmd\":\"status\",\"flows\":4}";
	size_t n = strlen(req);
	uint8_t frame[64];
	tl_put_be32(frame, (uint32_t)n);
	memcpy(frame + TL_WIRE_FRAME_HDR, req, n);
	struct tl_testbed_ctl_conn c;
	tl_testbed_ctl_conn_init(&c);
	struct tl_err err = { 0 };
	const char *text = NULL;
	size_t len = 0;
	assert_int_equal(tl_testbed_ctl_conn_read(&c, sv[1], &text, &len, &err), 0); /* nothing yet */
	for (size_t i = 0; i < TL_WIRE_FRAME_HDR + n; i++) {
		assert_int_equal(send(sv[0], frame + i, 1, 0), 1);
		int rc = tl_testbed_ctl_conn_read(&c, sv[1], &text, &len, &err);
		assert_int_equal(rc, i + 1 == TL_WIRE_FRAME_HDR + n ? 1 : 0);
	}
	assert_int_equal(len, n);
	assert_memory_equal(text, req, n);
	struct tl_testbed_ctl_req r;
	assert_int_equal(tl_testbed_ctl_req_parse(text, len, &r), 0);
	assert_int_equal(r.cmd, TL_TESTBED_CTL_STATUS);
	assert_int_equal(r.flows, 4);
	tl_testbed_ctl_req_free(&r);
	tl_testbed_ctl_conn_free(&c);
	close(sv[0]);
	close(sv[1]);
}

static void test_oversize_refused_from_length(void **state)
{
	(void)state;
	static const uint32_t lens[] = { TL_TESTBED_CTL_MAX + 1, 0x7b227622 /* "{\"v\"": a line */ };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int sv[2];
		pair(sv);
		uint8_t hdr[TL_WIRE_FRAME_HDR];
		tl_put_be32(hdr, lens[i]);
		assert_int_equal(send(sv[0], hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
		struct tl_testbed_ctl_conn c;
		tl_testbed_ctl_conn_init(&c);
		struct tl_err err = { 0 };
		const char *text;
		size_t len;
		assert_int_equal(tl_testbed_ctl_conn_read(&c, sv[1], &text, &len, &err), -EMSGSIZE);
		assert_non_null(strstr(err.msg, "control client"));
		/* nothing near the claimed size was taken on: the reader holds a few KiB at most */
		assert_true(c.rd.cap <= TL_TESTBED_CTL_MAX + TL_WIRE_FRAME_HDR + 4096);
		assert_true(c.rd.cap < 64 * 1024);
		tl_testbed_ctl_conn_free(&c);
		close(sv[0]);
		close(sv[1]);
	}
	/* an empty frame is no request either */
	int sv[2];
	pair(sv);
	uint8_t zero[TL_WIRE_FRAME_HDR] = { 0 };
	assert_int_equal(send(sv[0], zero, sizeof(zero), 0), (ssize_t)sizeof(zero));
	struct tl_testbed_ctl_conn c;
	tl_testbed_ctl_conn_init(&c);
	struct tl_err err = { 0 };
	const char *text;
	size_t len;
	assert_int_equal(tl_testbed_ctl_conn_read(&c, sv[1], &text, &len, &err), -EPROTO);
	tl_testbed_ctl_conn_free(&c);
	close(sv[0]);
	/* and a client that leaves is gone, not an error to answer */
	tl_testbed_ctl_conn_init(&c);
	assert_int_equal(tl_testbed_ctl_conn_read(&c, sv[1], &text, &len, &err), -ECONNRESET);
	tl_testbed_ctl_conn_free(&c);
	close(sv[1]);
}

static void test_large_answer_without_blocking(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	int small = 4096;
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	/* an answer far larger than the socket holds: a status document with many flows */
	json_t *resp = json_object();
	json_t *flows = json_array();
	for (int i = 0; i < 4000; i++)
		json_array_append_new(flows, json_pack("{s:s, s:i}", "src", "10.0.0.11:40000", "pkts_in", i));
	json_object_set_new(resp, "flows", flows);
	char *want = json_dumps(resp, JSON_COMPACT);
	size_t want_len = strlen(want);
	struct tl_testbed_ctl_conn c;
	tl_testbed_ctl_conn_init(&c);
	assert_int_equal(tl_testbed_ctl_conn_answer(&c, resp), 0);
	json_decref(resp);
	struct tl_wire_reader rd;
	tl_wire_reader_init(&rd, 1u << 20);
	const uint8_t *body = NULL;
	size_t len = 0;
	int partial = 0, rc = 0, got = 0;
	struct tl_err err = { 0 };
	while (!got) {
		uint64_t t0 = tl_now_ns();
		rc = tl_testbed_ctl_conn_flush(&c, sv[1]);
		assert_true(rc >= 0);
		assert_true(tl_now_ns() - t0 < TL_NSEC_PER_SEC); /* never waits */
		partial += rc == 0;
		int r = tl_wire_reader_fill(sv[0], &rd, "forwarder", &err);
		assert_true(r >= 0);
		got = tl_wire_reader_take(&rd, &body, &len, "forwarder", &err);
		assert_true(got >= 0);
	}
	assert_int_equal(rc, 1);
	assert_true(partial > 0); /* it did not fit at once */
	assert_int_equal(len, want_len);
	assert_memory_equal(body, want, want_len);
	free(want);
	tl_wire_reader_free(&rd);
	tl_testbed_ctl_conn_free(&c);
	close(sv[0]);
	/* the client gone before the answer: a negative errno, no SIGPIPE */
	tl_testbed_ctl_conn_init(&c);
	json_t *small_resp = json_pack("{s:b}", "ok", 1);
	assert_int_equal(tl_testbed_ctl_conn_answer(&c, small_resp), 0);
	json_decref(small_resp);
	assert_true(tl_testbed_ctl_conn_flush(&c, sv[1]) < 0);
	tl_testbed_ctl_conn_free(&c);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_byte_by_byte),
		cmocka_unit_test(test_oversize_refused_from_length),
		cmocka_unit_test(test_large_answer_without_blocking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
