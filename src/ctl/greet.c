/* The client's greeting on a control connection (ctl/greet.h). */
#include "ctl/greet.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/auth.h"
#include "ctl/proto.h"
#include "util/clock.h"

#define GREET_MSG_TIMEOUT_NS (10 * TL_NSEC_PER_SEC)

int tl_greet_connect(const struct tl_addr *dest, const struct tl_addr *src, struct tl_err *err)
{
	char where[80];
	int fd = socket(dest->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return tl_err_errno(err, "socket");
	if (src && bind(fd, (const struct sockaddr *)&src->ss, src->len) < 0) {
		tl_err_errno(err, "bind %s (--bind)", tl_addr_str(src, where, sizeof(where)));
		goto fail;
	}
	if (connect(fd, (const struct sockaddr *)&dest->ss, dest->len) < 0 && errno != EINPROGRESS) {
		tl_err_errno(err, "control connection to %s", tl_addr_str(dest, where, sizeof(where)));
		goto fail;
	}
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, 10000) != 1) {
		tl_err_set(err, ETIMEDOUT, "control connection to %s: no answer within 10 s (is the host "
			   "up, and 'tcplab serve' running there?)", tl_addr_str(dest, where, sizeof(where)));
		goto fail;
	}
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr) {
		tl_err_set(err, soerr, "control connection to %s: %s%s", tl_addr_str(dest, where, sizeof(where)),
			   strerror(soerr), soerr == ECONNREFUSED ? " (is 'tcplab serve' running there on this port?)" : "");
		goto fail;
	}
	int one = 1; /* small control messages must not wait behind Nagle (the start instant) */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * The agent asked for authentication (WELCOME "auth"): sign this session's digest with the
 * client's key (ctl/auth.h) and send AUTH {key, sig}; the agent answers the TEST that follows,
 * or refuses it.
 */
static int authenticate(int fd, const json_t *auth, const uint8_t nonce[TL_AUTH_NONCE_LEN],
			const uint8_t cookie[TL_COOKIE_LEN], struct tl_err *err)
{
	char path[1024], key_hex[2 * TL_AUTH_PK_LEN + 1], sig_hex[2 * TL_AUTH_SIG_LEN + 1];
	const char *agent_nonce_hex = NULL;
	uint8_t agent_nonce[TL_AUTH_NONCE_LEN], hash[TL_AUTH_HASH_LEN], sig[TL_AUTH_SIG_LEN];
	struct tl_auth_key key;
	struct tl_addr local, peer;
	if (tl_json_get_str(auth, "nonce", 2 * TL_AUTH_NONCE_LEN, 1, &agent_nonce_hex, err) < 0 ||
	    tl_auth_unhex(agent_nonce_hex, agent_nonce, sizeof(agent_nonce)) < 0)
		return tl_err_set(err, EPROTO, "agent's WELCOME asks for authentication without a valid nonce");
	tl_auth_default_key_path(path, sizeof(path));
	if (access(path, F_OK) < 0)
		return tl_err_set(err, EACCES, "the agent requires authentication and there is no key at %s: make "
				  "one with 'tcplab keygen' (or set TCPLAB_KEY to a key file) and have the agent's "
				  "operator add %s.pub to its --authorized-keys", path, path);
	if (tl_auth_load_private(path, &key, err) < 0)
		return -1;
	if (tl_addr_local(fd, &local, err) < 0 || tl_addr_peer(fd, &peer, err) < 0)
		return -1;
	tl_auth_transcript(agent_nonce, nonce, key.pk, &peer, &local, cookie, TL_COOKIE_LEN, hash);
	tl_auth_sign(&key, hash, sig);
	memset(&key.sk, 0, sizeof(key.sk));
	tl_auth_hex(key.pk, sizeof(key.pk), key_hex);
	tl_auth_hex(sig, sizeof(sig), sig_hex);
	json_t *msg = json_pack("{s:s,s:s}", "key", key_hex, "sig", sig_hex);
	int rc = tl_msg_send(fd, TL_MSG_AUTH, msg, tl_now_ns() + GREET_MSG_TIMEOUT_NS, err);
	json_decref(msg);
	return rc;
}

int tl_greet_hello(int fd, const char *workload, json_t **welcome, uint8_t cookie[TL_COOKIE_LEN],
		   struct tl_err *err)
{
	uint8_t nonce[TL_AUTH_NONCE_LEN];
	char nonce_hex[2 * TL_AUTH_NONCE_LEN + 1];
	const char *cookie_hex = NULL;
	json_t *m = NULL;
	*welcome = NULL;
	tl_auth_random(nonce, sizeof(nonce));
	tl_auth_hex(nonce, sizeof(nonce), nonce_hex);
	json_t *hello = json_pack("{s:s,s:s,s:s}", "tcplab", TCPLAB_VERSION, "workload", workload,
				  "nonce", nonce_hex);
	int rc = tl_msg_send(fd, TL_MSG_HELLO, hello, tl_now_ns() + GREET_MSG_TIMEOUT_NS, err);
	json_decref(hello);
	if (rc < 0 || tl_msg_recv(fd, TL_MSG_WELCOME, NULL, &m, tl_now_ns() + GREET_MSG_TIMEOUT_NS, err) < 0)
		return -1;
	if (tl_json_get_str(m, "cookie", 2 * TL_COOKIE_LEN, 1, &cookie_hex, err) < 0 ||
	    strlen(cookie_hex) != 2 * TL_COOKIE_LEN || tl_auth_unhex(cookie_hex, cookie, TL_COOKIE_LEN) < 0) {
		json_decref(m);
		return tl_err_set(err, EPROTO, "agent's WELCOME has no valid cookie");
	}
	if (json_object_get(m, "auth") && authenticate(fd, json_object_get(m, "auth"), nonce, cookie, err) < 0) {
		json_decref(m);
		return -1;
	}
	json_object_del(m, "cookie"); /* the test's credential for data connections stays private */
	*welcome = m;
	return 0;
}
