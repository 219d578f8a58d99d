/*
 * The wire kit on real sockets: socketpairs and a loopback TCP connection, deadlines, a stop
 * fd, short reads and writes, frames split across reads, oversize and empty frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/wire.h"
#include "util/clock.h"

#define MS TL_NSEC_PER_MSEC

static void nonblock(int fd)
{
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	nonblock(sv[0]);
	nonblock(sv[1]);
}

static void test_byte_order(void **state)
{
	(void)state;
	uint8_t b[8];
	tl_put_be16(b, 0x1234);
	assert_memory_equal(b, "\x12\x34", 2);
	assert_int_equal(tl_get_be16(b), 0x1234);
	tl_put_be32(b, 0xdeadbeef);
	assert_memory_equal(b, "\xde\xad\xbe\xef", 4);
	assert_int_equal(tl_get_be32(b), 0xdeadbeefu);
	tl_put_be64(b, 0x0102030405060708ULL);
	assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_true(tl_get_be64(b) == 0x0102030405060708ULL);
	tl_put_be64(b, UINT64_MAX);
	assert_true(tl_get_be64(b) == UINT64_MAX);
}

/* A writer thread that sends its bytes in small pieces with pauses: short reads. */
struct dribble {
	int fd;
	const uint8_t *data;
	size_t len, step;
};

static void *dribble_main(void *arg)
{
	struct dribble *d = arg;
	for (size_t off = 0; off < d->len; off += d->step) {
		size_t n = d->len - off < d->step ? d->len - off : d->step;
		struct tl_err err = { 0 };
		if (tl_wire_write_all(d->fd, d->data + off, n, tl_now_ns() + 2000 * MS, -1, "t",
				      &err) < 0)
			break;
		usleep(2000);
	}
	return NULL;
}

static void test_read_exact_over_short_reads(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	uint8_t out[3000], in[3000];
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7);
	struct dribble d = { sv[0], out, sizeof(out), 700 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, dribble_main, &d), 0);
	struct tl_err err = { 0 };
	assert_int_equal(tl_wire_read_exact(sv[1], in, sizeof(in), tl_now_ns() + 5000 * MS, -1,
					    "the dribbler", &err), 0);
	pthread_join(t, NULL);
	assert_memory_equal(in, out, sizeof(out));
	close(sv[0]);
	close(sv[1]);
}

/* More than the socket buffer holds: write-all waits for the reader to drain. */
static void *drain_main(void *arg)
{
	int fd = *(int *)arg;
	uint8_t buf[65536];
	size_t total = 0;
	struct tl_err err = { 0 };
	while (total < 4u << 20) {
		size_t n = sizeof(buf) < (4u << 20) - total ? sizeof(buf) : (4u << 20) - total;
		if (tl_wire_read_exact(fd, buf, n, tl_now_ns() + 5000 * MS, -1, "w", &err) < 0)
			break;
		total += n;
	}
	return (void *)(uintptr_t)total;
}

static void test_write_all_over_short_writes(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	size_t len = 4u << 20;
	uint8_t *big = calloc(1, len);
	assert_non_null(big);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, drain_main, &sv[1]), 0);
	struct tl_err err = { 0 };
	assert_int_equal(tl_wire_write_all(sv[0], big, len, tl_now_ns() + 5000 * MS, -1, "r",
					   &err), 0);
	void *got;
	pthread_join(t, &got);
	assert_int_equal((uintptr_t)got, len);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

static void test_deadline_and_stop(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	uint8_t b[4];
	struct tl_err err = { 0 };
	uint64_t t0 = tl_now_ns();
	assert_int_equal(tl_wire_read_exact(sv[1], b, 4, t0 + 100 * MS, -1, "rank 3", &err),
			 -ETIMEDOUT);
	uint64_t took = tl_now_ns() - t0;
	assert_true(took >= 95 * MS && took < 5000 * MS);
	assert_non_null(strstr(err.msg, "rank 3: no answer in time"));
	/* A stop fd ends the wait at once, with its own outcome. */
	int stop = eventfd(1, EFD_CLOEXEC);
	assert_true(stop >= 0);
	tl_err_clear(&err);
	t0 = tl_now_ns();
	assert_int_equal(tl_wire_read_exact(sv[1], b, 4, t0 + 5000 * MS, stop, "rank 3", &err),
			 -ECANCELED);
	assert_true(tl_now_ns() - t0 < 2000 * MS);
	/* fd < 0: a sleep until the deadline. */
	assert_int_equal(tl_wire_wait(-1, 0, tl_now_ns() + 20 * MS, -1, NULL, NULL), -ETIMEDOUT);
	close(stop);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A blocking socket keeps its deadline too (every call is MSG_DONTWAIT): a read with nothing
 * to read and a write into a full buffer both end at the deadline instead of hanging, and a
 * write that fits goes through.
 */
static void test_blocking_socket_keeps_deadline(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	uint8_t b[4];
	struct tl_err err = { 0 };
	uint64_t t0 = tl_now_ns();
	assert_int_equal(tl_wire_read_exact(sv[1], b, 4, t0 + 100 * MS, -1, "ctl", &err), -ETIMEDOUT);
	uint64_t took = tl_now_ns() - t0;
	assert_true(took >= 95 * MS && took < 5000 * MS);
	size_t len = 16u << 20; /* far more than a socketpair holds */
	uint8_t *big = calloc(1, len);
	assert_non_null(big);
	t0 = tl_now_ns();
	assert_int_equal(tl_wire_write_all(sv[0], big, len, t0 + 100 * MS, -1, "ctl", &err),
			 -ETIMEDOUT);
	took = tl_now_ns() - t0;
	assert_true(took >= 95 * MS && took < 5000 * MS);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

static void test_eof_and_reset(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct tl_err err = { 0 };
	assert_int_equal(send(sv[0], "abc", 3, 0), 3);
	close(sv[0]);
	uint8_t b[8];
	assert_int_equal(tl_wire_read_exact(sv[1], b, 8, tl_now_ns() + 1000 * MS, -1,
					    "job server 127.0.0.1:5300", &err), -ECONNRESET);
	assert_non_null(strstr(err.msg, "job server 127.0.0.1:5300"));
	assert_non_null(strstr(err.msg, "after 3 of 8 bytes"));
	/* Writing to a closed peer is a reset too, not a SIGPIPE. */
	tl_err_clear(&err);
	assert_int_equal(tl_wire_write_all(sv[1], "x", 1, tl_now_ns() + 1000 * MS, -1, "p", &err),
			 -ECONNRESET);
	close(sv[1]);
}

static void test_frames_split_and_joined(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct tl_err err = { 0 };
	uint64_t dl = tl_now_ns() + 2000 * MS;
	assert_int_equal(tl_wire_frame_send(sv[0], "hello", 5, 100, dl, -1, "p", &err), 0);
	assert_int_equal(tl_wire_frame_send(sv[0], "world!", 6, 100, dl, -1, "p", &err), 0);
	/* A third frame in two pieces: the header alone first. */
	uint8_t hdr[4];
	tl_put_be32(hdr, 3);
	assert_int_equal(send(sv[0], hdr, 2, 0), 2);
	struct tl_wire_reader r;
	tl_wire_reader_init(&r, 100);
	const uint8_t *body;
	size_t len;
	assert_int_equal(tl_wire_frame_recv(sv[1], &r, &body, &len, dl, -1, "p", &err), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(body, "hello", 5);
	assert_int_equal(tl_wire_frame_recv(sv[1], &r, &body, &len, dl, -1, "p", &err), 1);
	assert_int_equal(len, 6);
	assert_memory_equal(body, "world!", 6);
	/* Nothing whole yet: take says so, fill finds nothing new. */
	assert_int_equal(tl_wire_reader_take(&r, &body, &len, "p", &err), 0);
	assert_int_equal(tl_wire_reader_fill(sv[1], &r, "p", &err), 0);
	assert_int_equal(send(sv[0], hdr + 2, 2, 0), 2);
	assert_int_equal(send(sv[0], "xyz", 3, 0), 3);
	assert_int_equal(tl_wire_frame_recv(sv[1], &r, &body, &len, dl, -1, "p", &err), 1);
	assert_memory_equal(body, "xyz", 3);
	/* The peer closes: the reader says so. */
	close(sv[0]);
	assert_int_equal(tl_wire_frame_recv(sv[1], &r, &body, &len, dl, -1, "p", &err),
			 -ECONNRESET);
	tl_wire_reader_free(&r);
	close(sv[1]);
}

static void test_frame_limits(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct tl_err err = { 0 };
	uint64_t dl = tl_now_ns() + 1000 * MS;
	/* Sending: 0 bytes and more than the limit are refused before anything is sent. */
	assert_int_equal(tl_wire_frame_send(sv[0], "", 0, 10, dl, -1, "p", &err), -EMSGSIZE);
	assert_int_equal(tl_wire_frame_send(sv[0], "0123456789a", 11, 10, dl, -1, "p", &err),
			 -EMSGSIZE);
	/* Receiving: an announced length over the limit is refused from the header alone,
	 * before a byte of its body is buffered. */
	uint8_t hdr[4];
	tl_put_be32(hdr, 1u << 30);
	assert_int_equal(send(sv[0], hdr, 4, 0), 4);
	struct tl_wire_reader r;
	tl_wire_reader_init(&r, 1000);
	const uint8_t *body;
	size_t len;
	tl_err_clear(&err);
	assert_int_equal(tl_wire_frame_recv(sv[1], &r, &body, &len, dl, -1, "rank 2", &err),
			 -EMSGSIZE);
	assert_non_null(strstr(err.msg, "rank 2"));
	assert_non_null(strstr(err.msg, "1073741824 bytes, more than the 1000 allowed"));
	assert_true(r.cap <= 1000 + TL_WIRE_FRAME_HDR + 4096);
	tl_wire_reader_free(&r);
	/* A zero length is a protocol error. */
	tl_put_be32(hdr, 0);
	assert_int_equal(send(sv[0], hdr, 4, 0), 4);
	tl_wire_reader_init(&r, 1000);
	assert_int_equal(tl_wire_frame_recv(sv[1], &r, &body, &len, dl, -1, "p", &err), -EPROTO);
	tl_wire_reader_free(&r);
	close(sv[0]);
	close(sv[1]);
}

/* A frame of exactly the limit, over real loopback TCP, passes whole. */
static void test_loopback_tcp_frame_at_the_limit(void **state)
{
	(void)state;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	int s = accept(l, NULL, NULL);
	assert_true(s >= 0);
	nonblock(c);
	nonblock(s);
	size_t max = 1u << 20;
	uint8_t *big = malloc(max);
	assert_non_null(big);
	for (size_t i = 0; i < max; i++)
		big[i] = (uint8_t)(i ^ (i >> 8));
	struct tl_err err = { 0 };
	struct tl_wire_reader r;
	tl_wire_reader_init(&r, max);
	/* A thread sends the frame in 64 KiB pieces while this one assembles it. */
	pthread_t t;
	uint8_t *frame = malloc(max + 4);
	assert_non_null(frame);
	tl_put_be32(frame, (uint32_t)max);
	memcpy(frame + 4, big, max);
	struct dribble w = { c, frame, max + 4, 65536 };
	assert_int_equal(pthread_create(&t, NULL, dribble_main, &w), 0);
	const uint8_t *body;
	size_t len;
	assert_int_equal(tl_wire_frame_recv(s, &r, &body, &len, tl_now_ns() + 10000 * MS, -1,
					    "p", &err), 1);
	pthread_join(t, NULL);
	assert_int_equal(len, max);
	assert_memory_equal(body, big, max);
	tl_wire_reader_free(&r);
	free(frame);
	free(big);
	close(c);
	close(s);
	close(l);
}

/* A small deterministic generator for the mutation test below. */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * A bounded mutation fuzz of the frame reader: streams of valid frames with random bytes
 * flipped, written in random pieces. Whatever arrives, the reader hands out only frames
 * within its limit, keeps its memory within max + header + one read, and the frames it
 * hands out before the first damaged one are the ones sent.
 */
static void test_reader_mutations(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	enum { MAX = 300, STREAM = 4096 };
	static uint8_t stream[STREAM];
	for (int round = 0; round < 400; round++) {
		size_t len = 0, nframes = 0;
		size_t ends[64];
		while (nframes < 64) {
			size_t body = 1 + next(&x) % MAX;
			if (len + 4 + body > STREAM)
				break;
			tl_put_be32(stream + len, (uint32_t)body);
			for (size_t i = 0; i < body; i++)
				stream[len + 4 + i] = (uint8_t)next(&x);
			len += 4 + body;
			ends[nframes++] = len;
		}
		size_t first_damage = len;
		int flips = (int)(next(&x) % 3);
		for (int k = 0; k < flips; k++) {
			size_t at = next(&x) % len;
			stream[at] ^= (uint8_t)(1 + next(&x) % 255);
			if (at < first_damage)
				first_damage = at;
		}
		int sv[2];
		pair(sv);
		struct tl_wire_reader r;
		tl_wire_reader_init(&r, MAX);
		size_t sent = 0, got = 0, at = 0;
		int rc = 0;
		while (rc >= 0 && (sent < len || rc > 0)) {
			if (sent < len) {
				size_t piece = 1 + next(&x) % 700;
				if (piece > len - sent)
					piece = len - sent;
				ssize_t w = send(sv[0], stream + sent, piece, 0);
				assert_true(w > 0);
				sent += (size_t)w;
			}
			rc = tl_wire_reader_fill(sv[1], &r, "fuzz", NULL);
			const uint8_t *body;
			size_t blen;
			int t;
			while ((t = tl_wire_reader_take(&r, &body, &blen, "fuzz", NULL)) == 1) {
				assert_true(blen >= 1 && blen <= MAX);
				if (at + 4 + blen <= first_damage && got < nframes) {
					assert_int_equal(at + 4 + blen, ends[got]);
					assert_memory_equal(body, stream + at + 4, blen);
				}
				at += 4 + blen;
				got++;
			}
			assert_true(r.cap <= MAX + TL_WIRE_FRAME_HDR + 4096);
			if (t < 0)
				break;
		}
		if (first_damage == len)
			assert_int_equal(got, nframes);
		tl_wire_reader_free(&r);
		close(sv[0]);
		close(sv[1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_byte_order),
		cmocka_unit_test(test_read_exact_over_short_reads),
		cmocka_unit_test(test_write_all_over_short_writes),
		cmocka_unit_test(test_deadline_and_stop),
		cmocka_unit_test(test_blocking_socket_keeps_deadline),
		cmocka_unit_test(test_eof_and_reset),
		cmocka_unit_test(test_frames_split_and_joined),
		cmocka_unit_test(test_frame_limits),
		cmocka_unit_test(test_loopback_tcp_frame_at_the_limit),
		cmocka_unit_test(test_reader_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
