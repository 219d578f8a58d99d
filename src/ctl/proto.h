#ifndef TCPLAB_CTL_PROTO_H
#define TCPLAB_CTL_PROTO_H

/*
 * The control protocol: messages carried in frames (ctl/frame.h), each a JSON object.
 *
 *   client                                   agent
 *   HELLO {tcplab, workload, nonce}    ->
 *                                      <-    WELCOME {tcplab, cookie, limits, backlog[, auth]}
 *   AUTH {key, sig}                    ->    only when WELCOME has auth {scheme, nonce}
 *   TEST {spec}                        ->                       (agent validates, sizes)
 *                                      <-    ACCEPT {threads, crr_port, connect_timeout_ns,
 *                                                    stall_timeout_ns, rate_cap_bps}  or ERROR
 *   opens the data connections, each greeted with cookie + flow id (ctl/frame.h)
 *                                      <-    READY {flows}   (every flow attached)
 *   START {delay_ns}                   ->    both ends start delay_ns after sending/receiving
 *                                      <-    INTERVAL {k, ...}   once per --interval
 *   DONE {}                            ->    the client's window has ended
 *                                      <-    RESULTS {flows, cpu, ...}
 *
 * Authentication (agent run with --authorized-keys; ctl/auth.h). HELLO's nonce is 32 random
 * bytes in hex from the client; WELCOME's auth.nonce 32 from the agent. AUTH carries the
 * client's Ed25519 public key and its signature of BLAKE2b-256("tcplab-auth-v1\0" || agent
 * nonce || client nonce || key || agent address || client address || cookie), each address
 * 16 bytes of IPv6 (IPv4 mapped) and a 2-byte port, as that end sees the connection. The
 * client sends AUTH and TEST back to back; the agent answers TEST only after the signature
 * checks, else one ERROR ("authentication refused: ..."). A client that sends TEST without
 * AUTH is told the agent requires authentication. Clients without nonce (before AUTH existed)
 * can run tests only on agents without --authorized-keys.
 *
 * A router request takes TEST's place (ctl/router_req.h): after HELLO, WELCOME and, when the
 * agent authenticates, AUTH, the client sends ROUTER {router, op, ...}; the agent relays it
 * to the `tcplab router` of that name on its host (its control socket, or its series files)
 * and answers one ROUTER_ANSWER {result} or {error, reason}, then closes. It takes no test
 * slot. An agent with --authorized-keys refuses a ROUTER without AUTH exactly as a TEST.
 *
 * Versions: the frame version is 1 throughout; ROUTER (12) and ROUTER_ANSWER (13) were added
 * like AUTH (an older agent refuses ROUTER as a message out of order); AUTH (type 11),
 * HELLO's nonce, WELCOME's auth
 * and ACCEPT's caps were added without changing it (an older agent ignores the nonce, an
 * older client ignores the new ACCEPT fields and fails on WELCOME's auth with the agent's
 * refusal).
 *
 * Deadlines. The greeting, from accept to TEST (HELLO and AUTH included), must end within the
 * agent's --handshake-timeout. The client's connect and stall timeouts are capped by the
 * agent's --max-connect-timeout and --max-stall-timeout (ACCEPT says the values used). A test
 * slot lives at most connect timeout + 1 s + --max-duration; after RESULTS the agent waits
 * for DONE at most the stall timeout + 10 s, and never past the slot's end + 2 s.
 *
 * Either side may send ERROR {error} at any point; it ends that test only. A message out of
 * this order, of an unknown type, over its size limit, or not a JSON object, ends the test
 * with an ERROR naming what was wrong.
 *
 * Bounds. Each state reads only the types it expects (tl_msg_recv_any's mask) and judges the
 * 12-byte header before reading a payload byte: another type, or a length over the limit, is
 * refused without reading or allocating the payload. Limits (payload bytes):
 *   HELLO, WELCOME, AUTH, ACCEPT, READY, START, DONE  4 KiB;   TEST, ROUTER 8 KiB;   ERROR 8 KiB
 *   ROUTER_ANSWER 64 MiB: only the client takes it, once, after its ROUTER.
 *   INTERVAL, RESULTS: only the client takes them, only once the test runs, each at most
 *     tl_msg_results_max(connections) = 64 KiB + 3 KiB a connection (ceiling 64 MiB).
 * The agent takes, in order: HELLO; AUTH (or TEST or ROUTER, refused) when it authenticates;
 * TEST or ROUTER (after ROUTER, nothing);
 * nothing but ERROR while the flows connect; START;
 * DONE (or ERROR) during the test; DONE after RESULTS.
 */

#include <jansson.h>
#include <stdint.h>

#include "util/err.h"

enum tl_msg_type {
	TL_MSG_HELLO = 1,
	TL_MSG_WELCOME = 2,
	TL_MSG_TEST = 3,
	TL_MSG_ACCEPT = 4,
	TL_MSG_READY = 5,
	TL_MSG_START = 6,
	TL_MSG_INTERVAL = 7,
	TL_MSG_DONE = 8,
	TL_MSG_RESULTS = 9,
	TL_MSG_ERROR = 10,
	TL_MSG_AUTH = 11,
	TL_MSG_ROUTER = 12,
	TL_MSG_ROUTER_ANSWER = 13,
	TL_MSG_TYPE_COUNT
};

#define TL_MSG_BIT(t) (1u << (t))
/* Every type but ERROR (which then arrives as an error). */
#define TL_MSG_ANY (((1u << TL_MSG_TYPE_COUNT) - 1) & ~1u & ~TL_MSG_BIT(TL_MSG_ERROR))

const char *tl_msg_name(uint16_t type);
/* The absolute size limit of a type's payload (0 for an unknown type). */
uint32_t tl_msg_max_len(uint16_t type);
/* What a client accepts for a test of this many data connections (see proto.c). */
uint32_t tl_msg_results_max(uint32_t connections);
uint32_t tl_msg_interval_max(uint32_t connections);

/* Serialises body (not consumed) and sends it as one frame. */
int tl_msg_send(int fd, uint16_t type, const json_t *body, uint64_t deadline_ns,
		struct tl_err *err);
/* Sends ERROR {"error": msg}; best effort, short deadline. */
void tl_msg_send_error(int fd, const char *msg);
/* The same without waiting: what fits in the socket's buffer now (for the accept loop). */
void tl_msg_send_error_now(int fd, const char *msg);

/*
 * Receives one message. Frames larger than the largest limit are refused before reading the
 * payload; the payload must be a JSON object within its type's limit. When want is non-zero,
 * any other type is an error, and an ERROR from the peer becomes err with the peer's text
 * (-ECONNABORTED). *body is owned by the caller (json_decref); it is set to NULL first, so
 * it is NULL after any failure.
 */
int tl_msg_recv(int fd, uint16_t want, uint16_t *type, json_t **body, uint64_t deadline_ns,
		struct tl_err *err);
/*
 * The same for a state that accepts several types: mask is a set of TL_MSG_BIT()s (ERROR is
 * always read, and returned as err unless its bit is in mask); max_len, when non-zero, lowers
 * the limit of every type but ERROR. A type outside mask or a length over the limit is
 * refused from the 12-byte header alone: the payload is never read or allocated.
 */
int tl_msg_recv_any(int fd, uint32_t mask, uint32_t max_len, uint16_t *type, json_t **body,
		    uint64_t deadline_ns, struct tl_err *err);

/* Parses and checks a payload already read: used by tl_msg_recv and by the fuzz target. */
int tl_msg_parse(uint16_t type, const char *payload, uint32_t len, json_t **body,
		 struct tl_err *err);

/* Typed, bounded getters for validating messages that came from the network. */
int tl_json_get_u64(const json_t *obj, const char *key, uint64_t min, uint64_t max, int required,
		    uint64_t *out, struct tl_err *err);
int tl_json_get_str(const json_t *obj, const char *key, size_t max_len, int required,
		    const char **out, struct tl_err *err);
int tl_json_get_bool(const json_t *obj, const char *key, int required, int *out,
		     struct tl_err *err);

#endif
