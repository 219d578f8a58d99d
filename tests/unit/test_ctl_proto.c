/*
 * Control messages: what tl_msg_parse accepts and refuses for every type, the typed getters
 * that validate fields from the network, and tl_msg_send/tl_msg_recv over a real socketpair.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/frame.h"
#include "ctl/proto.h"
#include "util/clock.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void assert_msg_has(const struct tl_err *err, const char *part)
{
	if (!strstr(err->msg, part))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, part);
}

/* One valid body per type, shaped like what client.c and session.c really send. */
static const struct {
	uint16_t type;
	const char *name;
	const char *json;
	const char *key; /* a key the parsed object must have */
} valid[] = {
	{ TL_MSG_HELLO, "HELLO", "{\"tcplab\":\"0.1.0\",\"workload\":\"stream\"}", "workload" },
	{ TL_MSG_WELCOME, "WELCOME",
	  "{\"tcplab\":\"0.1.0\",\"cookie\":\"00112233445566778899aabbccddeeff\","
	  "\"limits\":{\"max_flows\":100000,\"max_threads\":64},\"backlog\":4096}", "cookie" },
	{ TL_MSG_TEST, "TEST", "{\"spec\":{\"workload\":\"stream\",\"flows\":4}}", "spec" },
	{ TL_MSG_ACCEPT, "ACCEPT", "{\"threads\":2}", "threads" },
	{ TL_MSG_READY, "READY", "{\"flows\":4,\"backlog\":128}", "flows" },
	{ TL_MSG_START, "START", " {\"delay_ns\" : 50000000}\n", "delay_ns" },
	{ TL_MSG_INTERVAL, "INTERVAL", "{\"k\":0,\"flows\":[[1,2],[3,4]],\"sum\":1.5e9}", "k" },
	{ TL_MSG_DONE, "DONE", "{}", NULL },
	{ TL_MSG_RESULTS, "RESULTS", "{\"flows\":[{\"bytes\":123,\"stalled\":false}],\"cpu\":null}", "cpu" },
	{ TL_MSG_ERROR, "ERROR", "{\"error\":\"no such congestion control \\\"bbr2\\\"\"}", "error" },
	{ TL_MSG_AUTH, "AUTH", "{\"key\":\"00ff\",\"sig\":\"11ee\"}", "sig" },
	{ TL_MSG_ROUTER, "ROUTER", "{\"router\":\"r1\",\"op\":\"status\",\"flows\":32}", "op" },
	{ TL_MSG_ROUTER_ANSWER, "ROUTER_ANSWER", "{\"result\":{\"ok\":true}}", "result" },
};

static void test_every_type_valid(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_LEN(valid), TL_MSG_TYPE_COUNT - 1);
	for (size_t i = 0; i < ARRAY_LEN(valid); i++) {
		json_t *body = NULL;
		struct tl_err err = { 0 };
		int rc = tl_msg_parse(valid[i].type, valid[i].json, (uint32_t)strlen(valid[i].json), &body, &err);
		if (rc != 0)
			fail_msg("%s: %s", valid[i].name, err.msg);
		assert_true(json_is_object(body));
		if (valid[i].key)
			assert_non_null(json_object_get(body, valid[i].key));
		else
			assert_int_equal(json_object_size(body), 0);
		assert_string_equal(tl_msg_name(valid[i].type), valid[i].name);
		assert_true(tl_msg_max_len(valid[i].type) >= 4096);
		json_decref(body);
	}
}

static void test_unknown_types(void **state)
{
	(void)state;
	static const uint16_t types[] = { 0, TL_MSG_TYPE_COUNT, 14, 0x100, 0xffff };
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		json_t *body = (json_t *)1; /* must be reset to NULL */
		struct tl_err err = { 0 };
		char want[48];
		assert_int_equal(tl_msg_parse(types[i], "{}", 2, &body, &err), -EPROTO);
		assert_null(body);
		snprintf(want, sizeof(want), "unknown type %u", types[i]);
		assert_msg_has(&err, want);
		assert_string_equal(tl_msg_name(types[i]), "UNKNOWN");
		assert_int_equal(tl_msg_max_len(types[i]), 0);
	}
}

static void test_size_limit_per_type(void **state)
{
	(void)state;
	/* Each limit exactly is fine ("{}" padded with JSON whitespace); one byte more is refused
	 * before the parser runs. */
	uint32_t largest = 0;
	for (uint16_t t = 1; t < TL_MSG_TYPE_COUNT; t++)
		if (tl_msg_max_len(t) > largest)
			largest = tl_msg_max_len(t);
	char *buf = malloc((size_t)largest + 1);
	assert_non_null(buf);
	memset(buf, ' ', (size_t)largest + 1);
	memcpy(buf, "{}", 2);
	for (uint16_t t = 1; t < TL_MSG_TYPE_COUNT; t++) {
		uint32_t max = tl_msg_max_len(t);
		json_t *body = NULL;
		struct tl_err err = { 0 };
		int rc = tl_msg_parse(t, buf, max, &body, &err);
		if (rc != 0)
			fail_msg("%s at its limit %u: %s", tl_msg_name(t), max, err.msg);
		json_decref(body);
		body = NULL;
		assert_int_equal(tl_msg_parse(t, buf, max + 1, &body, &err), -EMSGSIZE);
		assert_null(body);
		char want[96];
		snprintf(want, sizeof(want), "%s message of %u bytes exceeds its limit of %u bytes",
			 tl_msg_name(t), max + 1, max);
		assert_msg_has(&err, want);
	}
	/* The limits the protocol comment promises. */
	assert_int_equal(tl_msg_max_len(TL_MSG_HELLO), 4096);
	assert_int_equal(tl_msg_max_len(TL_MSG_TEST), 8 * 1024);
	assert_int_equal(tl_msg_max_len(TL_MSG_RESULTS), 64u << 20);
	free(buf);
}

static void expect_refused(uint16_t type, const char *text, size_t len, const char *part)
{
	json_t *body = NULL;
	struct tl_err err = { 0 };
	int rc = tl_msg_parse(type, text, (uint32_t)len, &body, &err);
	if (rc != -EPROTO)
		fail_msg("input \"%.*s\" (%zu bytes): rc %d, wanted -EPROTO", (int)len, text, len, rc);
	assert_null(body);
	assert_msg_has(&err, part);
	assert_msg_has(&err, tl_msg_name(type));
}

static void test_not_json(void **state)
{
	(void)state;
	static const char *cases[] = {
		"", " ", "hello", "{", "}", "{'a':1}", "{\"a\":1}garbage", "{\"a\":1}{}", "{a:1}",
		"{\"a\":01}", "{\"a\":1,}", "{\"a\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\x01\"}",
		"{\"a\":NaN}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\ud800\"}",
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_refused(TL_MSG_HELLO, cases[i], strlen(cases[i]), "not valid JSON");
	/* A raw NUL inside or after an otherwise valid object. */
	expect_refused(TL_MSG_READY, "{\"a\":1}\0", 8, "not valid JSON");
	expect_refused(TL_MSG_READY, "{\"a\":\0}", 7, "not valid JSON");
	/* The escaped form of NUL is refused by the parser too (no JSON_ALLOW_NUL). */
	expect_refused(TL_MSG_ERROR, "{\"error\":\"a\\u0000b\"}", 20, "not valid JSON");
}

static void test_not_an_object(void **state)
{
	(void)state;
	/* Arrays parse, then fail the object check; bare values are refused by the parser itself
	 * (jansson wants '[' or '{' at the top unless told JSON_DECODE_ANY). Refused either way. */
	static const struct {
		const char *text;
		const char *part;
	} cases[] = {
		{ "[]", "not a JSON object" }, { "[{\"a\":1}]", "not a JSON object" },
		{ "\"text\"", "not valid JSON" }, { "42", "not valid JSON" }, { "-1.5", "not valid JSON" },
		{ "true", "not valid JSON" }, { "null", "not valid JSON" },
	};
	for (uint16_t t = 1; t < TL_MSG_TYPE_COUNT; t++)
		for (size_t i = 0; i < ARRAY_LEN(cases); i++)
			expect_refused(t, cases[i].text, strlen(cases[i].text), cases[i].part);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_refused(TL_MSG_TEST, "{\"spec\":{},\"spec\":{}}", 21, "duplicate");
	expect_refused(TL_MSG_ACCEPT, "{\"threads\":1,\"x\":0,\"threads\":2}", 32, "duplicate");
	/* Nested objects are checked as well. */
	expect_refused(TL_MSG_TEST, "{\"spec\":{\"flows\":1,\"flows\":1000000}}", 36, "duplicate");
	/* The same key in two different objects is fine. */
	json_t *body = NULL;
	const char *ok = "{\"a\":{\"x\":1},\"b\":{\"x\":2}}";
	assert_int_equal(tl_msg_parse(TL_MSG_RESULTS, ok, (uint32_t)strlen(ok), &body, NULL), 0);
	json_decref(body);
}

static void test_truncated_json(void **state)
{
	(void)state;
	/* Every proper prefix of every valid body is refused. */
	for (size_t i = 0; i < ARRAY_LEN(valid); i++) {
		size_t n = strlen(valid[i].json);
		while (n > 0 && valid[i].json[n - 1] == '\n')
			n--;
		for (size_t cut = 0; cut < n; cut++) {
			json_t *body = NULL;
			struct tl_err err = { 0 };
			int rc = tl_msg_parse(valid[i].type, valid[i].json, (uint32_t)cut, &body, &err);
			if (rc != -EPROTO)
				fail_msg("%s cut at %zu: rc %d", valid[i].name, cut, rc);
			assert_null(body);
		}
	}
}

/* ---- typed getters --------------------------------------------------------------------- */

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return j;
}

static void test_get_u64(void **state)
{
	(void)state;
	json_t *j = load("{\"min\":10,\"max\":20,\"below\":9,\"above\":21,\"neg\":-1,\"zero\":0,"
			 "\"str\":\"15\",\"real\":15.0,\"bool\":true,\"null\":null,\"obj\":{},\"arr\":[15],"
			 "\"big\":9223372036854775807}");
	struct tl_err err = { 0 };
	uint64_t v = 777;

	assert_int_equal(tl_json_get_u64(j, "min", 10, 20, 1, &v, &err), 0);
	assert_int_equal(v, 10);
	assert_int_equal(tl_json_get_u64(j, "max", 10, 20, 1, &v, &err), 0);
	assert_int_equal(v, 20);
	assert_int_equal(tl_json_get_u64(j, "zero", 0, 0, 1, &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tl_json_get_u64(j, "big", 0, UINT64_MAX, 1, &v, &err), 0);
	assert_int_equal(v, INT64_MAX);

	v = 777;
	assert_int_equal(tl_json_get_u64(j, "below", 10, 20, 1, &v, &err), -ERANGE);
	assert_msg_has(&err, "\"below\" = 9 is out of range (10 to 20)");
	assert_int_equal(tl_json_get_u64(j, "above", 10, 20, 1, &v, &err), -ERANGE);
	assert_msg_has(&err, "\"above\" = 21 is out of range (10 to 20)");
	assert_int_equal(tl_json_get_u64(j, "big", 0, INT64_MAX - 1, 1, &v, &err), -ERANGE);
	assert_int_equal(v, 777); /* untouched on failure */

	static const char *wrong[] = { "neg", "str", "real", "bool", "null", "obj", "arr" };
	for (size_t i = 0; i < ARRAY_LEN(wrong); i++) {
		tl_err_clear(&err);
		assert_int_equal(tl_json_get_u64(j, wrong[i], 0, 100, 1, &v, &err), -EPROTO);
		assert_msg_has(&err, wrong[i]);
		assert_msg_has(&err, "must be a non-negative integer");
		/* Optional does not mean "any type": present but wrong is still refused. */
		assert_int_equal(tl_json_get_u64(j, wrong[i], 0, 100, 0, &v, &err), -EPROTO);
	}
	assert_int_equal(v, 777);

	assert_int_equal(tl_json_get_u64(j, "absent", 0, 100, 1, &v, &err), -EPROTO);
	assert_msg_has(&err, "field \"absent\" is missing");
	assert_int_equal(tl_json_get_u64(j, "absent", 0, 100, 0, &v, &err), 0);
	assert_int_equal(v, 777); /* optional and missing: the caller's default stays */
	assert_int_equal(tl_json_get_u64(j, "neg", 0, 100, 1, &v, NULL), -EPROTO); /* NULL err */
	json_decref(j);
}

static void test_get_str(void **state)
{
	(void)state;
	json_t *j = load("{\"s\":\"cubic\",\"empty\":\"\",\"num\":5,\"null\":null,\"arr\":[\"a\"],"
			 "\"utf8\":\"\xc3\xa9t\xc3\xa9\"}");
	json_object_set_new(j, "nul", json_stringn("bb\0r", 4));
	struct tl_err err = { 0 };
	const char *s = "default";

	assert_int_equal(tl_json_get_str(j, "s", 5, 1, &s, &err), 0); /* exactly max_len */
	assert_string_equal(s, "cubic");
	assert_int_equal(tl_json_get_str(j, "empty", 0, 1, &s, &err), 0);
	assert_string_equal(s, "");
	assert_int_equal(tl_json_get_str(j, "utf8", 5, 1, &s, &err), 0); /* bytes, not characters */

	s = "default";
	assert_int_equal(tl_json_get_str(j, "s", 4, 1, &s, &err), -ERANGE);
	assert_msg_has(&err, "\"s\" is longer than 4 bytes");
	assert_int_equal(tl_json_get_str(j, "utf8", 4, 1, &s, &err), -ERANGE);
	assert_int_equal(tl_json_get_str(j, "nul", 16, 1, &s, &err), -EPROTO);
	assert_msg_has(&err, "\"nul\" contains a NUL byte");
	static const char *wrong[] = { "num", "null", "arr" };
	for (size_t i = 0; i < ARRAY_LEN(wrong); i++) {
		assert_int_equal(tl_json_get_str(j, wrong[i], 64, 0, &s, &err), -EPROTO);
		assert_msg_has(&err, "must be a string");
	}
	assert_int_equal(tl_json_get_str(j, "absent", 64, 1, &s, &err), -EPROTO);
	assert_msg_has(&err, "\"absent\" is missing");
	assert_int_equal(tl_json_get_str(j, "absent", 64, 0, &s, &err), 0);
	assert_string_equal(s, "default");
	json_decref(j);
}

static void test_get_bool(void **state)
{
	(void)state;
	json_t *j = load("{\"t\":true,\"f\":false,\"one\":1,\"str\":\"true\",\"null\":null}");
	struct tl_err err = { 0 };
	int b = 42;
	assert_int_equal(tl_json_get_bool(j, "t", 1, &b, &err), 0);
	assert_int_equal(b, 1);
	assert_int_equal(tl_json_get_bool(j, "f", 1, &b, &err), 0);
	assert_int_equal(b, 0);
	b = 42;
	static const char *wrong[] = { "one", "str", "null" };
	for (size_t i = 0; i < ARRAY_LEN(wrong); i++) {
		assert_int_equal(tl_json_get_bool(j, wrong[i], 0, &b, &err), -EPROTO);
		assert_msg_has(&err, "must be true or false");
	}
	assert_int_equal(tl_json_get_bool(j, "absent", 1, &b, &err), -EPROTO);
	assert_msg_has(&err, "is missing");
	assert_int_equal(tl_json_get_bool(j, "absent", 0, &b, &err), 0);
	assert_int_equal(b, 42);
	json_decref(j);
}

/* ---- send and receive over a socketpair ------------------------------------------------ */

struct pair {
	int a, b;
};

static int pair_setup(void **state)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	struct pair *p = malloc(sizeof(*p));
	if (!p)
		return -1;
	p->a = sv[0];
	p->b = sv[1];
	*state = p;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *p = *state;
	if (p->a >= 0)
		close(p->a);
	if (p->b >= 0)
		close(p->b);
	free(p);
	return 0;
}

static uint64_t soon(void)
{
	return tl_now_ns() + 2 * TL_NSEC_PER_SEC;
}

static void assert_nothing_pending(int fd)
{
	char c;
	assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), -1);
}

static void test_send_recv_every_type(void **state)
{
	struct pair *p = *state;
	for (size_t i = 0; i < ARRAY_LEN(valid); i++) {
		json_t *sent = load(valid[i].json), *got = NULL;
		struct tl_err err = { 0 };
		uint16_t type = 0;
		assert_int_equal(tl_msg_send(p->a, valid[i].type, sent, soon(), &err), 0);
		/* want = 0 takes any type, except that an ERROR is turned into err. */
		uint16_t want = valid[i].type == TL_MSG_ERROR ? TL_MSG_ERROR : (i % 2 ? 0 : valid[i].type);
		int rc = tl_msg_recv(p->b, want, &type, &got, soon(), &err);
		if (rc != 0)
			fail_msg("%s: %s", valid[i].name, err.msg);
		assert_int_equal(type, valid[i].type);
		assert_true(json_equal(sent, got));
		json_decref(sent);
		json_decref(got);
	}
	assert_nothing_pending(p->b);
}

static void test_recv_error_message(void **state)
{
	struct pair *p = *state;
	static const uint16_t wants[] = { TL_MSG_ACCEPT, 0, TL_MSG_RESULTS };
	for (size_t i = 0; i < ARRAY_LEN(wants); i++) {
		json_t *got = (json_t *)1;
		struct tl_err err = { 0 };
		tl_msg_send_error(p->a, "no such congestion control \"bbr2\" (available: reno cubic)");
		assert_int_equal(tl_msg_recv(p->b, wants[i], NULL, &got, soon(), &err), -ECONNABORTED);
		assert_int_equal(err.code, ECONNABORTED);
		assert_string_equal(err.msg, "the tcplab peer: no such congestion control \"bbr2\" (available: reno cubic)");
	}
	/* An ERROR without text still aborts, and says so. */
	json_t *empty = load("{\"code\":5}"), *got = NULL;
	struct tl_err err = { 0 };
	assert_int_equal(tl_msg_send(p->a, TL_MSG_ERROR, empty, soon(), &err), 0);
	assert_int_equal(tl_msg_recv(p->b, TL_MSG_DONE, NULL, &got, soon(), &err), -ECONNABORTED);
	assert_string_equal(err.msg, "the tcplab peer: (no text)");
	json_decref(empty);
	assert_nothing_pending(p->b);
}

static void test_recv_wrong_type(void **state)
{
	struct pair *p = *state;
	json_t *ready = load("{\"flows\":4}"), *got = (json_t *)1;
	struct tl_err err = { 0 };
	assert_int_equal(tl_msg_send(p->a, TL_MSG_READY, ready, soon(), &err), 0);
	assert_int_equal(tl_msg_recv(p->b, TL_MSG_ACCEPT, NULL, &got, soon(), &err), -EPROTO);
	assert_msg_has(&err, "expected an ACCEPT message, got READY");
	/* Refused from the header alone: the payload is left unread (and unallocated), since
	 * a message out of order ends the test and its connection anyway. */
	char left[32];
	assert_int_equal(recv(p->b, left, sizeof(left), MSG_DONTWAIT), (ssize_t)strlen("{\"flows\":4}"));
	json_decref(ready);
}

static void test_recv_malformed_frames(void **state)
{
	struct pair *p = *state;
	static const struct {
		uint16_t type;
		const char *payload;
		int rc;
		const char *part;
	} cases[] = {
		{ 99, "{}", -EPROTO, "unknown type 99" },
		{ 0, "{}", -EPROTO, "unknown type 0" },
		{ TL_MSG_START, "[1]", -EPROTO, "START message is not a JSON object" },
		{ TL_MSG_READY, "{\"flows\":", -EPROTO, "READY message is not valid JSON" },
		{ TL_MSG_HELLO, "", -EPROTO, "not valid JSON" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		json_t *got = (json_t *)1;
		struct tl_err err = { 0 };
		uint32_t len = (uint32_t)strlen(cases[i].payload);
		assert_int_equal(tl_frame_write(p->a, cases[i].type, cases[i].payload, len, soon(), &err), 0);
		assert_int_equal(tl_msg_recv(p->b, 0, NULL, &got, soon(), &err), cases[i].rc);
		assert_msg_has(&err, cases[i].part);
		/* An unknown type is refused from its header; its payload stays unread. A real
		 * peer's connection ends here; this test drains it to reuse the pair. */
		char sink[64];
		while (recv(p->b, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
	}
	/* Over its type's limit (but under the largest): refused from the header, the payload
	 * neither allocated nor read. */
	size_t big = tl_msg_max_len(TL_MSG_HELLO) + 1;
	char *text = malloc(big);
	assert_non_null(text);
	memset(text, ' ', big);
	memcpy(text, "{}", 2);
	json_t *got = NULL;
	struct tl_err err = { 0 };
	assert_int_equal(tl_frame_write(p->a, TL_MSG_HELLO, text, (uint32_t)big, soon(), &err), 0);
	assert_int_equal(tl_msg_recv(p->b, TL_MSG_HELLO, NULL, &got, soon(), &err), -EMSGSIZE);
	assert_msg_has(&err, "HELLO message of 4097 bytes exceeds its limit of 4096 bytes");
	free(text);
	size_t unread = 0;
	char sink[8192];
	ssize_t n;
	while ((n = recv(p->b, sink, sizeof(sink), MSG_DONTWAIT)) > 0)
		unread += (size_t)n;
	assert_int_equal(unread, big);
	assert_nothing_pending(p->b);

	/* Over the largest limit: refused from the header alone, nothing allocated or read. */
	uint8_t hdr[TL_FRAME_HDR_LEN];
	tl_frame_hdr_encode(hdr, TL_MSG_RESULTS, (64u << 20) + 1);
	assert_int_equal(send(p->a, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	assert_int_equal(tl_msg_recv(p->b, 0, NULL, &got, soon(), &err), -EMSGSIZE);
	assert_msg_has(&err, "limit 67108864");
}

/* A state's set of types and its own bound: refused from the 12-byte header, so a peer that
 * announces 63 MiB costs 12 bytes of reading (the agent once read and parsed any type up
 * to the RESULTS limit during a test). */
static void test_recv_any_mask_and_bound(void **state)
{
	struct pair *p = *state;
	json_t *got = (json_t *)1;
	struct tl_err err = { 0 };
	uint8_t hdr[TL_FRAME_HDR_LEN];
	uint16_t type = 0;
	/* a RESULTS header of 63 MiB while only DONE is expected: no payload follows, so a
	 * receiver that tried to read it would wait for the deadline instead */
	tl_frame_hdr_encode(hdr, TL_MSG_RESULTS, 63u << 20);
	assert_int_equal(send(p->a, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	uint64_t t0 = tl_now_ns();
	assert_int_equal(tl_msg_recv_any(p->b, TL_MSG_BIT(TL_MSG_DONE), 0, &type, &got, soon(), &err), -EPROTO);
	assert_true(tl_now_ns() - t0 < TL_NSEC_PER_SEC);
	assert_null(got);
	assert_msg_has(&err, "expected a DONE message, got RESULTS");
	/* a state that expects nothing but an ERROR */
	tl_frame_hdr_encode(hdr, TL_MSG_START, 2);
	assert_int_equal(send(p->a, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	assert_int_equal(tl_msg_recv_any(p->b, 0, 0, &type, &got, soon(), &err), -EPROTO);
	assert_msg_has(&err, "unexpected START message (none is expected now)");
	/* an expected type over the caller's bound (sized by the test), though under its own */
	tl_frame_hdr_encode(hdr, TL_MSG_RESULTS, tl_msg_results_max(4) + 1);
	assert_int_equal(send(p->a, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	assert_int_equal(tl_msg_recv_any(p->b, TL_MSG_BIT(TL_MSG_RESULTS), tl_msg_results_max(4), &type, &got,
					 soon(), &err), -EMSGSIZE);
	assert_msg_has(&err, "RESULTS message of");
	assert_nothing_pending(p->b);
	/* within the bound, one of several expected types */
	json_t *done = load("{}");
	assert_int_equal(tl_msg_send(p->a, TL_MSG_DONE, done, soon(), &err), 0);
	assert_int_equal(tl_msg_recv_any(p->b, TL_MSG_BIT(TL_MSG_DONE) | TL_MSG_BIT(TL_MSG_INTERVAL), 100, &type,
					 &got, soon(), &err), 0);
	assert_int_equal(type, TL_MSG_DONE);
	json_decref(got);
	json_decref(done);
	/* the bounds grow with the connections and stop at the type's own limit */
	assert_true(tl_msg_results_max(1) < tl_msg_results_max(1000));
	assert_true(tl_msg_results_max(4) < 100 * 1024);
	assert_int_equal(tl_msg_results_max(1000000), tl_msg_max_len(TL_MSG_RESULTS));
	assert_int_equal(tl_msg_interval_max(1000000), tl_msg_max_len(TL_MSG_INTERVAL));
}

/* After a failed receive *body is NULL, whatever it held: a caller that frees it after the
 * failure frees nothing (the agent once freed a stale pointer). */
static void test_recv_failure_clears_body(void **state)
{
	struct pair *p = *state;
	json_t *stale = json_object();
	json_t *got = stale;
	struct tl_err err = { 0 };
	close(p->a);
	p->a = -1;
	assert_int_equal(tl_msg_recv(p->b, TL_MSG_DONE, NULL, &got, soon(), &err), -ECONNRESET);
	assert_null(got);
	json_decref(stale);
}

static void test_send_over_limit_sends_nothing(void **state)
{
	struct pair *p = *state;
	char text[5000];
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	json_t *hello = json_pack("{s:s}", "tcplab", text);
	assert_non_null(hello);
	struct tl_err err = { 0 };
	assert_int_equal(tl_msg_send(p->a, TL_MSG_HELLO, hello, soon(), &err), -EMSGSIZE);
	assert_msg_has(&err, "HELLO message of");
	assert_msg_has(&err, "exceeds its limit of 4096 bytes");
	assert_nothing_pending(p->b);
	/* The same body fits an ERROR (8 KiB). */
	assert_int_equal(tl_msg_send(p->a, TL_MSG_ERROR, hello, soon(), &err), 0);
	json_decref(hello);
}

static void test_recv_peer_gone(void **state)
{
	struct pair *p = *state;
	json_t *got = NULL;
	struct tl_err err = { 0 };
	close(p->a);
	p->a = -1;
	assert_int_equal(tl_msg_recv(p->b, 0, NULL, &got, soon(), &err), -ECONNRESET);
	assert_null(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_valid),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_size_limit_per_type),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_truncated_json),
		cmocka_unit_test(test_get_u64),
		cmocka_unit_test(test_get_str),
		cmocka_unit_test(test_get_bool),
		cmocka_unit_test_setup_teardown(test_send_recv_every_type, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_recv_error_message, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_recv_wrong_type, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_recv_malformed_frames, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_send_over_limit_sends_nothing, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_recv_any_mask_and_bound, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_recv_failure_clears_body, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_recv_peer_gone, pair_setup, pair_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
