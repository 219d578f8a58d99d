/*
 * Fuzz target for mesh's wire format and control channel (mesh/wire.h), and for what the
 * coordinator makes of the ranks' messages. One input is read three ways:
 *   (a) its first bytes as a data connection's HELLO and as a message header: what decodes
 *       must encode back to the same bytes;
 *   (b) as the byte stream of a control channel: written into a socketpair and read back
 *       with tl_mesh_ctl_recv, as the coordinator and the ranks do, until the channel ends;
 *   (c) the messages read there as a rank's: a hello's spec through tl_mesh_spec_from_json
 *       (an accepted spec must validate or be refused by validate with a message, and
 *       survive a JSON round trip), and the "final" reports, up to four, merged into a
 *       run's results by tl_mesh_result_build.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "mesh/result.h"
#include "mesh/spec.h"
#include "mesh/wire.h"
#include "util/err.h"

#define MESH_FUZZ_MAX_FINALS 4
/* Messages taken from one input: bounds the loop whatever the reader does. */
#define MESH_FUZZ_MAX_MESSAGES 256

/* (a) */
static void fuzz_headers(const uint8_t *data, size_t size)
{
	struct tl_err err = { 0 };
	if (size >= TL_MESH_HELLO_LEN) {
		struct tl_mesh_hello h;
		uint8_t *in = fuzz_dup(data, TL_MESH_HELLO_LEN);
		if (tl_mesh_hello_decode(in, &h, &err) == 0) {
			uint8_t again[TL_MESH_HELLO_LEN];
			tl_mesh_hello_encode(&h, again);
			/* the reserved field is not kept: compare everything else */
			FUZZ_CHECK(memcmp(again, in, 6) == 0 && memcmp(again + 8, in + 8, 8) == 0);
		} else {
			FUZZ_CHECK(err.msg[0] != '\0');
		}
		free(in);
	}
	if (size >= TL_MESH_HEADER_LEN) {
		/* The length the header claims, and the smallest valid one. */
		const uint32_t lens[2] = { (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
						   (uint32_t)data[6] << 8 | data[7],
					   TL_MESH_HEADER_LEN };
		uint8_t *in = fuzz_dup(data, TL_MESH_HEADER_LEN);
		for (int i = 0; i < 2; i++) {
			struct tl_mesh_msg m;
			if (tl_mesh_msg_decode(in, lens[i], &m, &err) == 0) {
				uint8_t again[TL_MESH_HEADER_LEN];
				FUZZ_CHECK(m.length == lens[i]);
				FUZZ_CHECK(m.kind == TL_MESH_TOKEN || m.kind == TL_MESH_MARKER);
				tl_mesh_msg_encode(&m, again);
				FUZZ_CHECK(memcmp(again, in, TL_MESH_HEADER_LEN) == 0);
			} else {
				FUZZ_CHECK(err.msg[0] != '\0');
			}
		}
		free(in);
	}
}

/* (c) a rank's hello */
static void check_hello(const json_t *m)
{
	struct tl_mesh_spec s;
	struct tl_err err = { 0 };
	if (tl_mesh_spec_from_json(json_object_get(m, "spec"), &s, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		return;
	}
	if (tl_mesh_spec_validate(&s, &err) < 0)
		FUZZ_CHECK(err.msg[0] != '\0');
	json_t *j = tl_mesh_spec_to_json(&s);
	FUZZ_CHECK(j != NULL);
	struct tl_mesh_spec s2;
	FUZZ_CHECK(tl_mesh_spec_from_json(j, &s2, &err) == 0);
	json_t *j2 = tl_mesh_spec_to_json(&s2);
	FUZZ_CHECK(json_equal(j, j2));
	json_decref(j2);
	json_decref(j);
}

/* (c) the finals: a run of as many ranks as there are reports. */
static void merge_finals(json_t **finals, uint32_t n)
{
	struct tl_mesh_spec spec;
	struct tl_mesh_result_meta meta = { .launch = "fuzz", .rendezvous_ns = 1000, .connect_ns = 1000 };
	struct tl_err err = { 0 };
	json_t *res = NULL;
	tl_mesh_spec_defaults(&spec);
	spec.ranks = n;
	if (tl_mesh_result_build(&spec, (const json_t *const *)finals, &meta, &res, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0' && res == NULL);
		return;
	}
	FUZZ_CHECK(json_is_object(res));
	char *text = json_dumps(res, JSON_COMPACT);
	FUZZ_CHECK(text != NULL);
	free(text);
	json_decref(res);
}

/* (b) */
static void fuzz_channel(const uint8_t *data, size_t size)
{
	int sv[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	int buf = (int)size + 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	struct tl_mesh_ctl_reader r = { 0 };
	json_t *finals[MESH_FUZZ_MAX_FINALS];
	uint32_t nfinals = 0;
	size_t off = 0;
	int open = 1;
	for (int i = 0; i < MESH_FUZZ_MAX_MESSAGES; i++) {
		/* Feed what fits, then read what is there: messages arrive in pieces. */
		while (open && off < size) {
			ssize_t w = send(sv[0], data + off, size - off, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		if (open && off == size) {
			close(sv[0]);
			open = 0;
		}
		json_t *m = NULL;
		struct tl_err err = { 0 };
		int rc = tl_mesh_ctl_recv(sv[1], &r, &m, &err);
		if (rc < 0) {
			FUZZ_CHECK(err.msg[0] != '\0');
			break;
		}
		if (rc == 0)
			continue;
		const char *type = tl_mesh_ctl_type(m);
		FUZZ_CHECK(type != NULL);
		if (strcmp(type, "hello") == 0)
			check_hello(m);
		if (strcmp(type, "final") == 0 && nfinals < MESH_FUZZ_MAX_FINALS)
			finals[nfinals++] = json_incref(m);
		json_decref(m);
	}
	if (nfinals)
		merge_finals(finals, nfinals);
	for (uint32_t i = 0; i < nfinals; i++)
		json_decref(finals[i]);
	tl_mesh_ctl_reader_free(&r);
	if (open)
		close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_object_seed(0x544c4d48);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_headers(data, size);
	fuzz_channel(data, size);
	return 0;
}
