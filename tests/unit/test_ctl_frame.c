/*
 * Control framing: the 12-byte frame header, the 28-byte data greeting, and frame reads and
 * writes (over the wire kit) on a real socketpair and a loopback TCP connection. One send()
 * may arrive in many recv()s and many sends in one, so the writer here trickles bytes from
 * another thread and the reader must put the frame back together.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl/frame.h"
#include "test_sockets.h"
#include "util/clock.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void assert_msg_has(const struct tl_err *err, const char *part)
{
	if (!strstr(err->msg, part))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, part);
}

/* ---- header ---------------------------------------------------------------------------- */

static void test_hdr_round_trip(void **state)
{
	(void)state;
	static const struct {
		uint16_t type;
		uint32_t len;
	} cases[] = { { 1, 0 }, { 3, 1 }, { 10, 4096 }, { 0xffff, 0x01020304 }, { 7, UINT32_MAX } };
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint8_t raw[TL_FRAME_HDR_LEN];
		struct tl_frame_hdr h = { 0 };
		struct tl_err err = { 0 };
		tl_frame_hdr_encode(raw, cases[i].type, cases[i].len);
		/* The wire layout is fixed: magic, then big-endian version, type, length. */
		assert_memory_equal(raw, "TLAB", 4);
		assert_int_equal(raw[4], 0);
		assert_int_equal(raw[5], TL_PROTO_VERSION);
		assert_int_equal(raw[6], cases[i].type >> 8);
		assert_int_equal(raw[7], cases[i].type & 0xff);
		assert_int_equal(raw[8], cases[i].len >> 24);
		assert_int_equal(raw[11], cases[i].len & 0xff);
		assert_int_equal(tl_frame_hdr_decode(raw, UINT32_MAX, &h, &err), 0);
		assert_int_equal(h.version, TL_PROTO_VERSION);
		assert_int_equal(h.type, cases[i].type);
		assert_int_equal(h.len, cases[i].len);
	}
}

static void test_hdr_bad_magic_each_byte(void **state)
{
	(void)state;
	static const uint8_t wrong[] = { 0x00, 0xff, 'X', 'a' };
	for (int pos = 0; pos < 4; pos++) {
		for (size_t w = 0; w < ARRAY_LEN(wrong); w++) {
			uint8_t raw[TL_FRAME_HDR_LEN];
			struct tl_frame_hdr h;
			struct tl_err err = { 0 };
			tl_frame_hdr_encode(raw, 1, 2);
			if (raw[pos] == wrong[w])
				continue;
			raw[pos] = wrong[w];
			assert_int_equal(tl_frame_hdr_decode(raw, 4096, &h, &err), -EPROTO);
			assert_int_equal(err.code, EPROTO);
			assert_msg_has(&err, "bad magic");
		}
	}
	/* A data greeting sent on the control connection is not a frame. */
	uint8_t raw[TL_FRAME_HDR_LEN];
	struct tl_frame_hdr h;
	struct tl_err err = { 0 };
	tl_frame_hdr_encode(raw, 1, 2);
	memcpy(raw, TL_DATA_MAGIC, 4);
	assert_int_equal(tl_frame_hdr_decode(raw, 4096, &h, &err), -EPROTO);
	assert_msg_has(&err, "544c4441"); /* the bytes it got, in hex: "TLDA" */
}

static void test_hdr_bad_version(void **state)
{
	(void)state;
	static const struct {
		uint16_t version;
		const char *text;
	} cases[] = { { 0, "version 0" }, { 2, "version 2" }, { 0xffff, "version 65535" } };
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint8_t raw[TL_FRAME_HDR_LEN];
		struct tl_frame_hdr h;
		struct tl_err err = { 0 };
		tl_frame_hdr_encode(raw, 1, 2);
		raw[4] = (uint8_t)(cases[i].version >> 8);
		raw[5] = (uint8_t)cases[i].version;
		assert_int_equal(tl_frame_hdr_decode(raw, 4096, &h, &err), -EPROTONOSUPPORT);
		assert_int_equal(err.code, EPROTONOSUPPORT);
		assert_msg_has(&err, cases[i].text);
	}
}

static void test_hdr_length_limit(void **state)
{
	(void)state;
	static const uint32_t limits[] = { 0, 1, 4096, 64u << 20, UINT32_MAX - 1 };
	for (size_t i = 0; i < ARRAY_LEN(limits); i++) {
		uint8_t raw[TL_FRAME_HDR_LEN];
		struct tl_frame_hdr h = { 0 };
		struct tl_err err = { 0 };
		uint32_t limit = limits[i];

		tl_frame_hdr_encode(raw, 3, limit);
		assert_int_equal(tl_frame_hdr_decode(raw, limit, &h, &err), 0);
		assert_int_equal(h.len, limit);

		tl_frame_hdr_encode(raw, 3, limit + 1);
		assert_int_equal(tl_frame_hdr_decode(raw, limit, &h, &err), -EMSGSIZE);
		assert_int_equal(err.code, EMSGSIZE);
		char want[64];
		snprintf(want, sizeof(want), "claims %u bytes, limit %u", limit + 1, limit);
		assert_msg_has(&err, want);
	}
	/* Length 0 is a valid frame (the message layer decides whether an empty body is JSON). */
	uint8_t raw[TL_FRAME_HDR_LEN];
	struct tl_frame_hdr h = { .len = 99 };
	tl_frame_hdr_encode(raw, 8, 0);
	assert_int_equal(tl_frame_hdr_decode(raw, 4096, &h, NULL), 0);
	assert_int_equal(h.len, 0);
	/* A NULL err is allowed on failure too. */
	raw[0] = 'X';
	assert_int_equal(tl_frame_hdr_decode(raw, 4096, &h, NULL), -EPROTO);
}

/* ---- data greeting --------------------------------------------------------------------- */

static void make_hello(struct tl_data_hello *h, uint32_t flow_id)
{
	for (int i = 0; i < TL_COOKIE_LEN; i++)
		h->cookie[i] = (uint8_t)(0xa0 + i * 7);
	h->flow_id = flow_id;
}

static void test_hello_round_trip(void **state)
{
	(void)state;
	static const uint32_t ids[] = { 0, 1, 999999, 0xdeadbeef, UINT32_MAX };
	for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
		struct tl_data_hello in, out;
		uint8_t raw[TL_DATA_HELLO_LEN];
		struct tl_err err = { 0 };
		make_hello(&in, ids[i]);
		memset(&out, 0x55, sizeof(out));
		tl_data_hello_encode(raw, &in);
		assert_memory_equal(raw, "TLDA", 4);
		assert_int_equal(raw[4], 0);
		assert_int_equal(raw[5], TL_PROTO_VERSION);
		assert_int_equal(raw[6], 0);
		assert_int_equal(raw[7], 0);
		assert_memory_equal(raw + 8, in.cookie, TL_COOKIE_LEN);
		assert_int_equal(raw[24], ids[i] >> 24);
		assert_int_equal(raw[27], ids[i] & 0xff);
		assert_int_equal(tl_data_hello_decode(raw, &out, &err), 0);
		assert_memory_equal(out.cookie, in.cookie, TL_COOKIE_LEN);
		assert_int_equal(out.flow_id, ids[i]);
	}
}

static void test_hello_malformed(void **state)
{
	(void)state;
	struct tl_data_hello in, out;
	make_hello(&in, 7);

	for (int pos = 0; pos < 4; pos++) {
		uint8_t raw[TL_DATA_HELLO_LEN];
		struct tl_err err = { 0 };
		tl_data_hello_encode(raw, &in);
		raw[pos] ^= 0x20;
		assert_int_equal(tl_data_hello_decode(raw, &out, &err), -EPROTO);
		assert_msg_has(&err, "bad magic");
	}
	{
		/* A control frame header where a greeting is expected. */
		uint8_t raw[TL_DATA_HELLO_LEN];
		struct tl_err err = { 0 };
		tl_data_hello_encode(raw, &in);
		memcpy(raw, TL_FRAME_MAGIC, 4);
		assert_int_equal(tl_data_hello_decode(raw, &out, &err), -EPROTO);
	}
	static const uint16_t versions[] = { 0, 2, 0xffff };
	for (size_t i = 0; i < ARRAY_LEN(versions); i++) {
		uint8_t raw[TL_DATA_HELLO_LEN];
		struct tl_err err = { 0 };
		char want[32];
		tl_data_hello_encode(raw, &in);
		raw[4] = (uint8_t)(versions[i] >> 8);
		raw[5] = (uint8_t)versions[i];
		assert_int_equal(tl_data_hello_decode(raw, &out, &err), -EPROTONOSUPPORT);
		snprintf(want, sizeof(want), "version %u", versions[i]);
		assert_msg_has(&err, want);
	}
	static const uint16_t reserved[] = { 1, 0x0100, 0xffff };
	for (size_t i = 0; i < ARRAY_LEN(reserved); i++) {
		uint8_t raw[TL_DATA_HELLO_LEN];
		struct tl_err err = { 0 };
		char want[48];
		tl_data_hello_encode(raw, &in);
		raw[6] = (uint8_t)(reserved[i] >> 8);
		raw[7] = (uint8_t)reserved[i];
		assert_int_equal(tl_data_hello_decode(raw, &out, &err), -EPROTO);
		snprintf(want, sizeof(want), "reserved field is %u", reserved[i]);
		assert_msg_has(&err, want);
	}
}

/* ---- I/O over a real socketpair -------------------------------------------------------- */

/*
 * A writer on another thread: sends buf in chunks (chunk sizes from the list, or one byte at
 * a time when there is none), sleeping gap_us between chunks, then optionally closes its end.
 */
struct writer {
	int fd;
	const uint8_t *buf;
	size_t len;
	const size_t *chunks;
	size_t nchunks;
	unsigned gap_us;
	int close_after;
	int sends;   /* out: how many send() calls it made */
	int failed;  /* out: a send failed */
	pthread_t tid;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	size_t off = 0, k = 0;
	while (off < w->len) {
		size_t n = w->chunks ? (k < w->nchunks ? w->chunks[k] : w->len - off) : 1;
		if (n > w->len - off)
			n = w->len - off;
		k++;
		if (w->sends > 0 && w->gap_us)
			usleep(w->gap_us);
		if (send(w->fd, w->buf + off, n, MSG_NOSIGNAL) != (ssize_t)n) {
			w->failed = 1;
			break;
		}
		w->sends++;
		off += n;
	}
	if (w->close_after) {
		close(w->fd);
		w->fd = -1;
	}
	return NULL;
}

static void writer_start(struct writer *w)
{
	assert_int_equal(pthread_create(&w->tid, NULL, writer_main, w), 0);
}

static void writer_join(struct writer *w)
{
	assert_int_equal(pthread_join(w->tid, NULL), 0);
	assert_false(w->failed);
}

static void make_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void close_pair(int sv[2])
{
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
}

/* Header + payload in one buffer, as they travel. Returns the total length. */
static size_t build_frame(uint8_t *out, size_t cap, uint16_t type, const char *payload)
{
	size_t len = strlen(payload);
	assert_true(TL_FRAME_HDR_LEN + len <= cap);
	tl_frame_hdr_encode(out, type, (uint32_t)len);
	memcpy(out + TL_FRAME_HDR_LEN, payload, len);
	return TL_FRAME_HDR_LEN + len;
}

/* Nothing is left unread on fd (bytes neither lost nor duplicated). */
static void assert_drained(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
	assert_int_equal(n, -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static const char payload_text[] =
	"{\"tcplab\":\"0.1.0\",\"workload\":\"stream\",\"note\":\"one byte per send, reassembled\"}";

static void read_trickled_frame(int nonblock)
{
	int sv[2];
	uint8_t wire[256];
	make_pair(sv);
	if (nonblock)
		assert_int_equal(fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK), 0);
	size_t n = build_frame(wire, sizeof(wire), 1, payload_text);
	struct writer w = { .fd = sv[1], .buf = wire, .len = n, .gap_us = 300 };
	writer_start(&w);

	struct tl_frame_hdr h;
	char *payload = NULL;
	struct tl_err err = { 0 };
	int rc = tl_frame_read(sv[0], 4096, &h, &payload, tl_now_ns() + 10 * TL_NSEC_PER_SEC, &err);
	writer_join(&w);
	if (rc != 0)
		fail_msg("tl_frame_read: %d %s", rc, err.msg);
	assert_int_equal(w.sends, (int)n); /* it really arrived one byte per send */
	assert_int_equal(h.type, 1);
	assert_int_equal(h.len, strlen(payload_text));
	assert_string_equal(payload, payload_text);
	free(payload);
	assert_drained(sv[0]);
	close_pair(sv);
}

static void test_read_one_byte_at_a_time_blocking(void **state)
{
	(void)state;
	read_trickled_frame(0);
}

static void test_read_one_byte_at_a_time_nonblocking(void **state)
{
	(void)state;
	read_trickled_frame(1);
}

static void test_read_split_at_header_payload_boundary(void **state)
{
	(void)state;
	/* Split just before, exactly at, and just after the end of the 12-byte header. */
	static const size_t splits[][3] = { { 11, 1, 5 }, { 12, 0, 0 }, { 13, 2, 0 }, { 4, 8, 1 } };
	for (size_t i = 0; i < ARRAY_LEN(splits); i++) {
		int sv[2];
		uint8_t wire[256];
		size_t chunks[3];
		size_t nchunks = 0;
		for (int k = 0; k < 3 && splits[i][k]; k++)
			chunks[nchunks++] = splits[i][k];
		make_pair(sv);
		size_t n = build_frame(wire, sizeof(wire), 5, payload_text);
		struct writer w = { .fd = sv[1], .buf = wire, .len = n, .chunks = chunks,
				    .nchunks = nchunks, .gap_us = 20000 };
		writer_start(&w);
		struct tl_frame_hdr h;
		char *payload = NULL;
		struct tl_err err = { 0 };
		int rc = tl_frame_read(sv[0], 4096, &h, &payload, tl_now_ns() + 10 * TL_NSEC_PER_SEC, &err);
		writer_join(&w);
		if (rc != 0)
			fail_msg("split %zu: %d %s", i, rc, err.msg);
		assert_int_equal(w.sends, (int)nchunks + 1);
		assert_int_equal(h.type, 5);
		assert_string_equal(payload, payload_text);
		free(payload);
		assert_drained(sv[0]);
		close_pair(sv);
	}
}

static void test_two_frames_in_one_write(void **state)
{
	(void)state;
	int sv[2];
	uint8_t wire[512];
	static const char first[] = "{\"k\":0}", second[] = "{\"k\":1,\"x\":\"second\"}";
	make_pair(sv);
	size_t n1 = build_frame(wire, sizeof(wire), 7, first);
	size_t n2 = build_frame(wire + n1, sizeof(wire) - n1, 9, second);
	/* And an empty frame right behind them. */
	tl_frame_hdr_encode(wire + n1 + n2, 8, 0);
	size_t total = n1 + n2 + TL_FRAME_HDR_LEN;
	assert_int_equal(send(sv[1], wire, total, MSG_NOSIGNAL), (ssize_t)total);

	struct tl_frame_hdr h;
	char *payload = NULL;
	struct tl_err err = { 0 };
	uint64_t deadline = tl_now_ns() + 2 * TL_NSEC_PER_SEC;
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, deadline, &err), 0);
	assert_int_equal(h.type, 7);
	assert_string_equal(payload, first);
	free(payload);
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, deadline, &err), 0);
	assert_int_equal(h.type, 9);
	assert_string_equal(payload, second);
	free(payload);
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, deadline, &err), 0);
	assert_int_equal(h.type, 8);
	assert_int_equal(h.len, 0);
	assert_non_null(payload); /* an empty, NUL-terminated payload, never NULL on success */
	assert_string_equal(payload, "");
	free(payload);
	assert_drained(sv[0]);
	close_pair(sv);
}

static void test_frame_write_then_read(void **state)
{
	(void)state;
	int sv[2];
	make_pair(sv);
	struct tl_err err = { 0 };
	uint64_t deadline = tl_now_ns() + 2 * TL_NSEC_PER_SEC;
	assert_int_equal(tl_frame_write(sv[1], 4, "{\"threads\":2}", 13, deadline, &err), 0);
	assert_int_equal(tl_frame_write(sv[1], 8, NULL, 0, deadline, &err), 0);
	assert_int_equal(tl_frame_write(sv[1], 6, "7", 1, deadline, &err), 0);
	struct tl_frame_hdr h;
	char *payload = NULL;
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, deadline, &err), 0);
	assert_int_equal(h.type, 4);
	assert_string_equal(payload, "{\"threads\":2}");
	free(payload);
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, deadline, &err), 0);
	assert_int_equal(h.type, 8);
	assert_int_equal(h.len, 0);
	free(payload);
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, deadline, &err), 0);
	assert_int_equal(h.type, 6);
	assert_int_equal(h.len, 1);
	assert_string_equal(payload, "7");
	free(payload);
	assert_drained(sv[0]);
	close_pair(sv);
}

static void test_oversized_frame_refused_before_payload(void **state)
{
	(void)state;
	int sv[2];
	uint8_t wire[256];
	make_pair(sv);
	size_t n = build_frame(wire, sizeof(wire), 1, payload_text);
	assert_int_equal(send(sv[1], wire, n, MSG_NOSIGNAL), (ssize_t)n);
	struct tl_frame_hdr h;
	char *payload = (char *)wire; /* must be reset to NULL */
	struct tl_err err = { 0 };
	uint32_t limit = (uint32_t)strlen(payload_text) - 1;
	assert_int_equal(tl_frame_read(sv[0], limit, &h, &payload, tl_now_ns() + TL_NSEC_PER_SEC, &err),
			 -EMSGSIZE);
	assert_null(payload);
	assert_msg_has(&err, "limit");
	/* The payload was not consumed: the refusal came from the header alone. */
	char rest[256];
	ssize_t got = recv(sv[0], rest, sizeof(rest), MSG_DONTWAIT);
	assert_int_equal(got, (ssize_t)strlen(payload_text));
	assert_memory_equal(rest, payload_text, strlen(payload_text));
	close_pair(sv);
}

static void test_peer_closes_mid_header(void **state)
{
	(void)state;
	static const size_t cut[] = { 0, 1, 5, 11 };
	for (size_t i = 0; i < ARRAY_LEN(cut); i++) {
		int sv[2];
		uint8_t wire[256];
		make_pair(sv);
		build_frame(wire, sizeof(wire), 1, payload_text);
		size_t chunks[1] = { cut[i] };
		struct writer w = { .fd = sv[1], .buf = wire, .len = cut[i], .chunks = chunks,
				    .nchunks = 1, .gap_us = 0, .close_after = 1 };
		writer_start(&w);
		struct tl_frame_hdr h;
		char *payload = NULL;
		struct tl_err err = { 0 };
		uint64_t t0 = tl_now_ns();
		int rc = tl_frame_read(sv[0], 4096, &h, &payload, t0 + 5 * TL_NSEC_PER_SEC, &err);
		writer_join(&w);
		sv[1] = w.fd;
		assert_int_equal(rc, -ECONNRESET);
		assert_int_equal(err.code, ECONNRESET);
		assert_msg_has(&err, "the tcplab peer: the connection closed after");
		assert_null(payload);
		assert_true(tl_now_ns() - t0 < TL_NSEC_PER_SEC); /* EOF is seen at once, not at the deadline */
		close_pair(sv);
	}
}

static void test_peer_closes_mid_payload(void **state)
{
	(void)state;
	int sv[2];
	uint8_t wire[256];
	make_pair(sv);
	size_t n = build_frame(wire, sizeof(wire), 1, payload_text);
	assert_int_equal(send(sv[1], wire, n - 3, MSG_NOSIGNAL), (ssize_t)(n - 3));
	close(sv[1]);
	sv[1] = -1;
	struct tl_frame_hdr h;
	char *payload = NULL;
	struct tl_err err = { 0 };
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, tl_now_ns() + 5 * TL_NSEC_PER_SEC, &err),
			 -ECONNRESET);
	assert_msg_has(&err, "connection closed after");
	assert_null(payload); /* the partial buffer was freed (ASan's leak check would say) */
	close_pair(sv);
}

static void expect_timeout_with(size_t sent)
{
	int sv[2];
	uint8_t wire[256];
	make_pair(sv);
	build_frame(wire, sizeof(wire), 1, payload_text);
	assert_int_equal(send(sv[1], wire, sent, MSG_NOSIGNAL), (ssize_t)sent);
	struct tl_frame_hdr h;
	char *payload = NULL;
	struct tl_err err = { 0 };
	uint64_t t0 = tl_now_ns();
	int rc = tl_frame_read(sv[0], 4096, &h, &payload, t0 + 200 * TL_NSEC_PER_MSEC, &err);
	uint64_t elapsed = tl_now_ns() - t0;
	assert_int_equal(rc, -ETIMEDOUT);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_msg_has(&err, "no answer in time");
	assert_null(payload);
	/* It waited for the deadline, and not much longer. */
	assert_true(elapsed >= 190 * TL_NSEC_PER_MSEC);
	assert_true(elapsed < TL_NSEC_PER_SEC);
	close_pair(sv);
}

static void test_deadline_with_half_a_header(void **state)
{
	(void)state;
	expect_timeout_with(TL_FRAME_HDR_LEN / 2);
}

static void test_deadline_with_half_a_payload(void **state)
{
	(void)state;
	expect_timeout_with(TL_FRAME_HDR_LEN + 10);
}

static void test_deadline_already_passed(void **state)
{
	(void)state;
	int sv[2];
	uint8_t wire[256];
	make_pair(sv);
	struct tl_frame_hdr h;
	char *payload = NULL;
	struct tl_err err = { 0 };
	/* A frame already there is still read when the deadline has passed: the loop only
	 * waits when it has to. */
	size_t n = build_frame(wire, sizeof(wire), 3, payload_text);
	assert_int_equal(send(sv[1], wire, n, MSG_NOSIGNAL), (ssize_t)n);
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, tl_now_ns() - 1, &err), 0);
	assert_string_equal(payload, payload_text);
	free(payload);
	assert_int_equal(tl_frame_read(sv[0], 4096, &h, &payload, tl_now_ns() - 1, &err), -ETIMEDOUT);
	assert_null(payload);
	close_pair(sv);
}

static void test_write_to_stuck_peer_times_out(void **state)
{
	(void)state;
	int sv[2];
	make_pair(sv);
	/* Far more than a socketpair buffers, on a blocking socket; the peer never reads. */
	uint32_t len = 16u << 20;
	uint8_t *big = calloc(1, len);
	assert_non_null(big);
	struct tl_err err = { 0 };
	uint64_t t0 = tl_now_ns();
	int rc = tl_frame_write(sv[1], 9, big, len, t0 + 200 * TL_NSEC_PER_MSEC, &err);
	uint64_t elapsed = tl_now_ns() - t0;
	assert_int_equal(rc, -ETIMEDOUT);
	assert_msg_has(&err, "the tcplab peer: no answer in time");
	assert_true(elapsed >= 190 * TL_NSEC_PER_MSEC);
	assert_true(elapsed < TL_NSEC_PER_SEC);
	free(big);
	close_pair(sv);
}

static void test_write_to_closed_peer(void **state)
{
	(void)state;
	int sv[2];
	make_pair(sv);
	close(sv[0]);
	sv[0] = -1;
	struct tl_err err = { 0 };
	/* MSG_NOSIGNAL: an error value, not a SIGPIPE that would kill this test. */
	assert_int_equal(tl_frame_write(sv[1], 1, "{}", 2, tl_now_ns() + TL_NSEC_PER_SEC, &err),
			 -ECONNRESET);
	assert_msg_has(&err, "send to the tcplab peer: the connection was closed");
	close_pair(sv);
}

static void test_read_bad_fd(void **state)
{
	(void)state;
	struct tl_frame_hdr h;
	char *payload = NULL;
	struct tl_err err = { 0 };
	int fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	/* recv on a file that is not a socket: a plain errno, named. */
	assert_int_equal(tl_frame_read(fd, 4096, &h, &payload, tl_now_ns() + TL_NSEC_PER_SEC, &err),
			 -ENOTSOCK);
	assert_msg_has(&err, "recv from the tcplab peer");
	assert_null(payload);
	close(fd);
}

/* Over TCP the errors name the other end by its address: the agent's log and the client's
 * message say who went away. */
static void test_errors_name_the_peer(void **state)
{
	(void)state;
	int fds[2];
	char want[64], name[96];
	/* fds[0] connected (its peer is the listening port) reads; fds[1], accepted, writes */
	snprintf(want, sizeof(want), "tcplab at 127.0.0.1:%u", ts_tcp_pair(fds));
	assert_string_equal(tl_frame_peer(fds[0], name, sizeof(name)), want);
	struct tl_err err = { 0 };
	uint64_t deadline = tl_now_ns() + 5 * TL_NSEC_PER_SEC;
	assert_int_equal(tl_frame_write(fds[1], 4, "{\"k\":1}", 7, deadline, &err), 0);
	struct tl_frame_hdr h;
	char *payload = NULL;
	assert_int_equal(tl_frame_read(fds[0], 4096, &h, &payload, deadline, &err), 0);
	assert_string_equal(payload, "{\"k\":1}");
	free(payload);
	/* A bad header is refused with the peer's name in front. */
	assert_int_equal(send(fds[1], "XLAB\0\1\0\4\0\0\0\0", TL_FRAME_HDR_LEN, 0), TL_FRAME_HDR_LEN);
	assert_int_equal(tl_frame_read(fds[0], 4096, &h, &payload, deadline, &err), -EPROTO);
	assert_msg_has(&err, want);
	assert_msg_has(&err, "bad magic");
	close(fds[1]);
	assert_int_equal(tl_frame_read(fds[0], 4096, &h, &payload, deadline, &err), -ECONNRESET);
	assert_msg_has(&err, want);
	assert_null(payload);
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_round_trip),
		cmocka_unit_test(test_hdr_bad_magic_each_byte),
		cmocka_unit_test(test_hdr_bad_version),
		cmocka_unit_test(test_hdr_length_limit),
		cmocka_unit_test(test_hello_round_trip),
		cmocka_unit_test(test_hello_malformed),
		cmocka_unit_test(test_read_one_byte_at_a_time_blocking),
		cmocka_unit_test(test_read_one_byte_at_a_time_nonblocking),
		cmocka_unit_test(test_read_split_at_header_payload_boundary),
		cmocka_unit_test(test_two_frames_in_one_write),
		cmocka_unit_test(test_frame_write_then_read),
		cmocka_unit_test(test_oversized_frame_refused_before_payload),
		cmocka_unit_test(test_peer_closes_mid_header),
		cmocka_unit_test(test_peer_closes_mid_payload),
		cmocka_unit_test(test_deadline_with_half_a_header),
		cmocka_unit_test(test_deadline_with_half_a_payload),
		cmocka_unit_test(test_deadline_already_passed),
		cmocka_unit_test(test_write_to_stuck_peer_times_out),
		cmocka_unit_test(test_write_to_closed_peer),
		cmocka_unit_test(test_read_bad_fd),
		cmocka_unit_test(test_errors_name_the_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
