/* Mesh wire formats: token header, data hello, control framing; spec and hop budgets. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "mesh/result.h"
#include "mesh/spec.h"
#include "mesh/wire.h"
#include "util/err.h"

static void test_msg_roundtrip(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct tl_mesh_msg m = { .kind = TL_MESH_TOKEN, .length = 64, .sender = 1023,
				 .token = 0xdeadbeef, .origin = 7, .hops = 0x0102030405060708ULL,
				 .sent_ns = UINT64_MAX - 5 };
	struct tl_mesh_msg out;
	struct tl_err err = { 0 };
	tl_mesh_msg_encode(&m, buf);
	/* Big-endian fields at the documented offsets. */
	assert_int_equal(buf[0], TL_MESH_VERSION);
	assert_int_equal(buf[1], TL_MESH_TOKEN);
	assert_int_equal(buf[7], 64);
	assert_int_equal(buf[24], 0x01);
	assert_int_equal(buf[31], 0x08);
	assert_int_equal(tl_mesh_msg_decode(buf, 64, &out, &err), 0);
	assert_int_equal(out.kind, m.kind);
	assert_int_equal(out.sender, m.sender);
	assert_int_equal(out.token, m.token);
	assert_int_equal(out.origin, m.origin);
	assert_true(out.hops == m.hops);
	assert_true(out.sent_ns == m.sent_ns);
}

static void test_msg_rejects(void **state)
{
	(void)state;
	uint8_t buf[TL_MESH_HEADER_LEN], bad[TL_MESH_HEADER_LEN];
	struct tl_mesh_msg m = { .kind = TL_MESH_MARKER, .length = 40 }, out;
	struct tl_err err = { 0 };
	tl_mesh_msg_encode(&m, buf);
	assert_int_equal(tl_mesh_msg_decode(buf, 40, &out, &err), 0);
	assert_int_equal(tl_mesh_msg_decode(buf, 41, &out, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "framing lost"));
	memcpy(bad, buf, sizeof(bad));
	bad[0] = 9;
	assert_int_equal(tl_mesh_msg_decode(bad, 40, &out, &err), -EPROTO);
	memcpy(bad, buf, sizeof(bad));
	bad[1] = 3;
	assert_int_equal(tl_mesh_msg_decode(bad, 40, &out, &err), -EPROTO);
	memcpy(bad, buf, sizeof(bad));
	bad[21] = 1;
	assert_int_equal(tl_mesh_msg_decode(bad, 40, &out, &err), -EPROTO);
}

static void test_hello(void **state)
{
	(void)state;
	uint8_t buf[TL_MESH_HELLO_LEN];
	struct tl_mesh_hello h = { .rank = 63, .run_id = 0x12345678 }, out;
	struct tl_err err = { 0 };
	tl_mesh_hello_encode(&h, buf);
	assert_memory_equal(buf, "TLMH", 4);
	assert_int_equal(tl_mesh_hello_decode(buf, &out, &err), 0);
	assert_int_equal(out.rank, 63);
	assert_int_equal(out.run_id, 0x12345678);
	buf[0] = 'X';
	assert_int_equal(tl_mesh_hello_decode(buf, &out, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "magic"));
	buf[0] = 'T';
	buf[5] = 2;
	assert_int_equal(tl_mesh_hello_decode(buf, &out, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "version"));
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static void test_ctl_messages_and_partial_reads(void **state)
{
	(void)state;
	int sv[2];
	struct tl_err err = { 0 };
	struct tl_mesh_ctl_reader r = { 0 };
	json_t *m = NULL;
	pair(sv);
	json_t *a = json_pack("{s:s, s:i}", "type", "hello", "rank", 3);
	json_t *b = json_pack("{s:s}", "type", "ready");
	assert_int_equal(tl_mesh_ctl_send(sv[0], a, 1000, &err), 0);
	assert_int_equal(tl_mesh_ctl_send(sv[0], b, 1000, &err), 0);
	/* Two messages from one read: both come out, in order. */
	assert_int_equal(tl_mesh_ctl_recv(sv[1], &r, &m, &err), 1);
	assert_true(json_equal(m, a));
	json_decref(m);
	assert_int_equal(tl_mesh_ctl_recv(sv[1], &r, &m, &err), 1);
	assert_string_equal(tl_mesh_ctl_type(m), "ready");
	json_decref(m);
	assert_int_equal(tl_mesh_ctl_recv(sv[1], &r, &m, &err), 0);

	/* Byte by byte: nothing until the last byte. */
	const char *text = "{\"type\":\"start\"}";
	uint8_t frame[64];
	size_t n = strlen(text);
	frame[0] = frame[1] = frame[2] = 0;
	frame[3] = (uint8_t)n;
	memcpy(frame + 4, text, n);
	for (size_t i = 0; i < n + 4; i++) {
		assert_int_equal(write(sv[0], frame + i, 1), 1);
		int rc = tl_mesh_ctl_recv(sv[1], &r, &m, &err);
		assert_int_equal(rc, i + 1 == n + 4 ? 1 : 0);
	}
	assert_string_equal(tl_mesh_ctl_type(m), "start");
	json_decref(m);

	/* An "error" from the other side comes back from ctl_wait as -ECONNABORTED. */
	json_t *e = json_pack("{s:s, s:s}", "type", "error", "msg", "rank 2: boom");
	assert_int_equal(tl_mesh_ctl_send(sv[0], e, 1000, &err), 0);
	assert_int_equal(tl_mesh_ctl_wait(sv[1], &r, &m, 1000, &err), -ECONNABORTED);
	assert_string_equal(err.msg, "rank 2: boom");

	/* Nothing comes: a timeout, not a hang. */
	assert_int_equal(tl_mesh_ctl_wait(sv[1], &r, &m, 50, &err), -ETIMEDOUT);
	/* The other side closes: -EPIPE. */
	close(sv[0]);
	assert_int_equal(tl_mesh_ctl_recv(sv[1], &r, &m, &err), -EPIPE);
	close(sv[1]);
	tl_mesh_ctl_reader_free(&r);
	json_decref(a);
	json_decref(b);
	json_decref(e);
}

static void test_ctl_rejects(void **state)
{
	(void)state;
	int sv[2];
	struct tl_err err = { 0 };
	struct tl_mesh_ctl_reader r = { 0 };
	json_t *m = NULL;
	uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };
	pair(sv);
	assert_int_equal(write(sv[0], huge, 4), 4);
	assert_int_equal(tl_mesh_ctl_recv(sv[1], &r, &m, &err), -EPROTO);
	close(sv[0]);
	close(sv[1]);
	tl_mesh_ctl_reader_free(&r);

	pair(sv);
	uint8_t notjson[] = { 0, 0, 0, 3, '[', '1', ']' };
	assert_int_equal(write(sv[0], notjson, sizeof(notjson)), (ssize_t)sizeof(notjson));
	assert_int_equal(tl_mesh_ctl_recv(sv[1], &r, &m, &err), -EPROTO);
	close(sv[0]);
	close(sv[1]);
	tl_mesh_ctl_reader_free(&r);
}

static void test_spec(void **state)
{
	(void)state;
	struct tl_mesh_spec s, t;
	struct tl_err err = { 0 };
	tl_mesh_spec_defaults(&s);
	s.ranks = 16;
	s.tokens = 3;
	s.pattern = TL_MESH_RANDOM;
	s.transport = TL_MESH_TCP_QUICKACK;
	s.message_size = 100;
	assert_int_equal(tl_mesh_spec_validate(&s, &err), 0);
	json_t *j = tl_mesh_spec_to_json(&s);
	assert_int_equal(tl_mesh_spec_from_json(j, &t, &err), 0);
	assert_memory_equal(&s, &t, sizeof(s));
	json_decref(j);

	s.message_size = 39;
	assert_true(tl_mesh_spec_validate(&s, &err) < 0);
	assert_non_null(strstr(err.msg, "at least 40 bytes"));
	s.message_size = 40;
	s.hops = 100;
	assert_true(tl_mesh_spec_validate(&s, &err) < 0);   /* --time and --hops both set */
	s.duration_ns = 0;
	assert_int_equal(tl_mesh_spec_validate(&s, &err), 0);
	s.hops = 2;                                         /* fewer hops than tokens */
	assert_true(tl_mesh_spec_validate(&s, &err) < 0);
	s.hops = 100;
	s.pattern = TL_MESH_PAIRS;
	s.ranks = 3;
	assert_true(tl_mesh_spec_validate(&s, &err) < 0);

	enum tl_mesh_transport tr;
	assert_int_equal(tl_mesh_transport_parse("unix", &tr, &err), 0);
	assert_int_equal(tr, TL_MESH_UNIX);
	assert_true(tl_mesh_transport_parse("udp", &tr, &err) < 0);
	assert_non_null(strstr(err.msg, "tcp-quickack"));
}

static void test_budget_splits_hops(void **state)
{
	(void)state;
	struct tl_mesh_spec s;
	tl_mesh_spec_defaults(&s);
	s.duration_ns = 0;
	s.tokens = 7;
	s.hops = 1000;
	uint64_t sum = 0;
	for (uint32_t t = 0; t < s.tokens; t++) {
		uint64_t b = tl_mesh_spec_budget(&s, t);
		assert_true(b == 142 || b == 143);
		sum += b;
	}
	assert_int_equal(sum, 1000);
	s.hops = 0;
	s.duration_ns = 1;
	assert_true(tl_mesh_spec_budget(&s, 0) == UINT64_MAX);
}

static void test_tokens_expected(void **state)
{
	(void)state;
	uint64_t sum, hash, sum2, hash2;
	tl_mesh_tokens_expected(1, &sum, &hash);
	assert_int_equal(sum, 0);
	tl_mesh_tokens_expected(100, &sum, &hash);
	assert_int_equal(sum, 4950);
	tl_mesh_tokens_expected(101, &sum2, &hash2);
	assert_int_equal(sum2, 5050);
	assert_true(hash != hash2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_roundtrip),
		cmocka_unit_test(test_msg_rejects),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_ctl_messages_and_partial_reads),
		cmocka_unit_test(test_ctl_rejects),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_budget_splits_hops),
		cmocka_unit_test(test_tokens_expected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
