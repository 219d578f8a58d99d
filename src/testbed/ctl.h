#ifndef TCPLAB_TESTBED_CTL_H
#define TCPLAB_TESTBED_CTL_H

#include <jansson.h>
#include <stdint.h>

#include "net/wire.h"
#include "util/err.h"

/*
 * The forwarder's control socket, ROOT/NAME/ctl.sock (testbed/state.h): AF_UNIX,
 * SOCK_STREAM, mode 0600. One exchange per connection, each way one frame of the wire kit
 * (net/wire.h: a u32 big-endian length, then that many bytes) holding one JSON object:
 *
 *   client -> forwarder   the request, at most TL_TESTBED_CTL_MAX bytes
 *   forwarder -> client   the answer, then the forwarder closes
 *
 * Requests (every one carries "v": 1):
 *   {"v":1, "cmd":"ping"}                         -> {"ok":true, "pid":N}
 *   {"v":1, "cmd":"status", "flows":32}           -> the status document (tcplab-testbed(1))
 *   {"v":1, "cmd":"set", "options":{...}}         -> {"ok":true, "options":{...}}
 * A request the forwarder refuses gets {"error":"message"}; a frame longer than the limit is
 * refused from its length, before its body is read. "set" carries the complete new option
 * set (testbed/config.h); options that cannot change at run time must keep their values.
 * The forwarder serves requests between packets in its main loop, without blocking: a
 * client that stalls for 2 s is dropped, and when every slot is taken the one that has
 * waited longest without a whole request makes way (testbed/fwd_ctl.c).
 */

#define TL_TESTBED_CTL_VERSION 1
#define TL_TESTBED_CTL_MAX (64u << 10)

/*
 * Sends req to testbed name's forwarder and returns its answer in *resp (owned by the
 * caller). An {"error": ...} answer becomes a -EIO return with that message in err; a
 * testbed whose forwarder is not running gives -ECONNREFUSED or -ENOENT.
 */
int tl_testbed_ctl_request(const char *name, json_t *req, uint64_t timeout_ns, json_t **resp,
			   struct tl_err *err);
/*
 * The same to the forwarder whose control socket is dir/ctl.sock (a router's, whose root is
 * not the testbeds'); who names it in messages ("router r1"), hint says how to check it runs.
 */
int tl_testbed_ctl_request_at(const char *dir, const char *who, const char *hint, json_t *req,
			      uint64_t timeout_ns, json_t **resp, struct tl_err *err);

/* The requests' bodies, built in one place (NULL when out of memory): status of the N
 * largest flows of each direction; set of the complete new option set. */
json_t *tl_testbed_ctl_req_status(unsigned flows);
json_t *tl_testbed_ctl_req_set(const json_t *options);

/* A non-blocking listening socket at path (an old socket file there is replaced). */
int tl_testbed_ctl_listen(const char *path, int *out_fd, struct tl_err *err);

/*
 * The forwarder's end of one connection: the request's frame assembled as bytes arrive, and
 * the answer's frame sent as the socket takes it, neither ever waiting.
 */
struct tl_testbed_ctl_conn {
	struct tl_wire_reader rd;    /* the request */
	uint8_t *out;                /* the answer's frame, once there is one */
	size_t out_len, out_off;
};

/* For a new connection; _free releases what it holds (the socket stays the caller's). */
void tl_testbed_ctl_conn_init(struct tl_testbed_ctl_conn *c);
void tl_testbed_ctl_conn_free(struct tl_testbed_ctl_conn *c);
/*
 * Reads what has arrived on fd (non-blocking): 1 with the whole request in *text / *len (valid until the
 * connection is closed), 0 when more is to come, -EMSGSIZE or -EPROTO for a frame refused
 * from its length (err says why: answer it), another negative errno when the client is gone.
 */
int tl_testbed_ctl_conn_read(struct tl_testbed_ctl_conn *c, int fd, const char **text,
			     size_t *len, struct tl_err *err);
/* Frames resp as the answer: 0, or -ENOMEM. */
int tl_testbed_ctl_conn_answer(struct tl_testbed_ctl_conn *c, const json_t *resp);
/* Sends what the socket takes of the answer: 1 when all is sent, 0 when more is left (wait
 * for EPOLLOUT), a negative errno when the client is gone. */
int tl_testbed_ctl_conn_flush(struct tl_testbed_ctl_conn *c, int fd);

/* The forwarder's reading of one request (ctl_req.c), before it acts on it. */
enum tl_testbed_ctl_cmd {
	TL_TESTBED_CTL_PING = 1,
	TL_TESTBED_CTL_STATUS,
	TL_TESTBED_CTL_SET,
};

struct tl_testbed_ctl_req {
	enum tl_testbed_ctl_cmd cmd;
	unsigned flows;         /* status: flows to list, 0..100000 (default 32) */
	const json_t *options;  /* set: the new option set as sent (may be NULL; checked by
				   tl_testbed_config_eval), owned by doc */
	json_t *doc;            /* the parsed request */
	const char *error;      /* refused: why, for the {"error": ...} answer */
};

/*
 * Parses request text (a frame's len bytes). 0 with req filled (free it with
 * tl_testbed_ctl_req_free), or -1 with req->error set and nothing to free.
 */
int tl_testbed_ctl_req_parse(const char *text, size_t len, struct tl_testbed_ctl_req *req);
void tl_testbed_ctl_req_free(struct tl_testbed_ctl_req *req);

#endif
