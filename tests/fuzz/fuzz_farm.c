/*
 * Fuzz target for the farm (farm/proto.h, farm/server.h). One input is read two ways:
 *   (a) as messages: the first 12 bytes through tl_farm_hdr_parse for both directions,
 *       then the whole message through the REQUEST or reply decoder; what decodes must
 *       encode back to the same bytes;
 *   (b) as what a worker sends a real job server, when its first header is a valid
 *       REQUEST's: a fresh server on loopback per input (so a run does not depend on the
 *       inputs before it), the input written to it over TCP, the server's answers read
 *       until it closes. The server thread runs under the
 *       same sanitizers, and its answers must be well-formed replies.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "farm/proto.h"
#include "farm/server.h"
#include "fuzz_util.h"
#include "net/addr.h"
#include "util/clock.h"

/* Results or jobs decoded per message here: enough for any input the fuzzer makes. */
#define FARM_FUZZ_CAP 4096u
/* How long one input may keep the server busy. */
#define FARM_FUZZ_TIMEOUT_MS 2000

static struct tl_farm_job_result results[FARM_FUZZ_CAP];
static struct tl_farm_job jobs[FARM_FUZZ_CAP];

static void decode_request(const uint8_t *msg, size_t len)
{
	struct tl_farm_request req;
	struct tl_err err = { 0 };
	if (tl_farm_request_decode(msg, len, &req, results, FARM_FUZZ_CAP, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		return;
	}
	FUZZ_CHECK(req.nresults <= FARM_FUZZ_CAP && req.want <= TL_FARM_BATCH_MAX);
	size_t size = tl_farm_request_size(req.nresults);
	FUZZ_CHECK(size == len);
	uint8_t *again = malloc(size);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(tl_farm_request_encode(again, size, req.worker, req.want, results,
					  req.nresults) == size);
	FUZZ_CHECK(memcmp(again, msg, size) == 0);
	free(again);
}

static void decode_reply(const uint8_t *msg, size_t len)
{
	struct tl_farm_reply r;
	struct tl_err err = { 0 };
	if (tl_farm_reply_decode(msg, len, &r, jobs, FARM_FUZZ_CAP, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		return;
	}
	FUZZ_CHECK(strlen(r.text) <= TL_FARM_ERROR_MAX);
	if (r.type == TL_FARM_MSG_JOBS) {
		FUZZ_CHECK(r.njobs <= FARM_FUZZ_CAP && r.retry_ms <= TL_FARM_RETRY_MS_MAX);
		for (uint32_t i = 0; i < r.njobs; i++)
			FUZZ_CHECK(jobs[i].lo >= 1 && jobs[i].lo <= jobs[i].hi);
		uint8_t *again = malloc(len);
		FUZZ_CHECK(again != NULL);
		FUZZ_CHECK(tl_farm_jobs_encode(again, len, r.retry_ms, jobs, r.njobs) == len);
		FUZZ_CHECK(memcmp(again, msg, len) == 0);
		free(again);
	}
}

/* (a) every message in the input, one after the other, as long as headers parse. */
static void fuzz_messages(const uint8_t *data, size_t size)
{
	static const unsigned masks[] = { TL_FARM_EXPECT_REQUEST, TL_FARM_EXPECT_REPLY };
	for (unsigned m = 0; m < 2; m++) {
		size_t off = 0;
		while (size - off >= TL_FARM_HDR_LEN) {
			struct tl_farm_hdr h;
			struct tl_err err = { 0 };
			if (tl_farm_hdr_parse(data + off, masks[m], &h, &err) < 0) {
				FUZZ_CHECK(err.msg[0] != '\0');
				break;
			}
			FUZZ_CHECK(h.size >= TL_FARM_HDR_LEN && h.size <= TL_FARM_MSG_MAX);
			FUZZ_CHECK((1u << h.type) & masks[m]);
			if (size - off < h.size)
				break;
			uint8_t *msg = fuzz_dup(data + off, h.size);
			if (m == 0)
				decode_request(msg, h.size);
			else
				decode_reply(msg, h.size);
			free(msg);
			off += h.size;
		}
	}
}

/* The server's answers must each parse as a reply. */
static void check_answers(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	while (len - off >= TL_FARM_HDR_LEN) {
		struct tl_farm_hdr h;
		struct tl_err err = { 0 };
		if (tl_farm_hdr_parse(buf + off, TL_FARM_EXPECT_REPLY, &h, &err) < 0) {
			fprintf(stderr, "fuzz_farm: the server sent a bad header: %s\n", err.msg);
			FUZZ_CHECK(!"server answers parse");
		}
		if (len - off < h.size)
			break; /* cut at our keep limit */
		struct tl_farm_reply r;
		FUZZ_CHECK(tl_farm_reply_decode(buf + off, h.size, &r, jobs, FARM_FUZZ_CAP, &err) == 0 ||
			   h.type == TL_FARM_MSG_JOBS); /* more jobs than our array: not an error */
		off += h.size;
	}
}

/* (b) */
static void fuzz_server(const uint8_t *data, size_t size)
{
	struct tl_farm_server_config cfg = {
		.bind = "127.0.0.1", .port = 0, .lo = 1, .hi = 1000000, .njobs = 1000,
		.expected = 78498, /* primes below 10^6 */
		.job_timeout_ns = TL_NSEC_PER_SEC, .idle_timeout_ns = 2 * TL_NSEC_PER_SEC,
		.max_conns = 4, .linger_ns = 0,
		.deadline_ns = tl_now_ns() + 10 * TL_NSEC_PER_SEC,
	};
	struct tl_err err = { 0 };
	int stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), fd = -1;
	struct tl_farm_server *s = tl_farm_server_new(&cfg, &err);
	FUZZ_CHECK(stop >= 0);
	if (!s || tl_farm_server_start(s, stop, &err) < 0) {
		fprintf(stderr, "fuzz_farm: cannot start a server: %s\n", err.msg);
		abort();
	}
	const struct tl_addr *a = tl_farm_server_addr(s);
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(fd >= 0 && connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0);
	uint8_t *ans = NULL;
	long got = fuzz_exchange(fd, data, size, FARM_FUZZ_TIMEOUT_MS, &ans, 1u << 20);
	if (got > 0)
		check_answers(ans, got < (1L << 20) ? (size_t)got : 1u << 20);
	free(ans);
	close(fd);
	uint64_t one = 1;
	FUZZ_CHECK(write(stop, &one, sizeof(one)) == sizeof(one));
	struct tl_farm_check chk;
	tl_farm_server_join(s, &chk, &err);
	tl_farm_server_free(s);
	close(stop);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_messages(data, size);
	/* The server answers a bad first header with one ERROR (the same few lines each time):
	 * only inputs that get past it are worth a server, which costs a thread and sockets. */
	struct tl_farm_hdr h;
	if (size >= TL_FARM_HDR_LEN && tl_farm_hdr_parse(data, TL_FARM_EXPECT_REQUEST, &h, NULL) == 0)
		fuzz_server(data, size);
	return 0;
}
