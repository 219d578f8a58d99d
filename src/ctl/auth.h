#ifndef TCPLAB_CTL_AUTH_H
#define TCPLAB_CTL_AUTH_H

/*
 * Client authentication for the agent (libsodium, Ed25519 [RFC 8032]).
 *
 * Each client has a key pair made by `tcplab keygen`; the agent has a list of public keys
 * (serve --authorized-keys). The client proves it holds a listed key by signing a digest of
 * the session (ctl/proto.h): the agent's fresh random nonce, the client's nonce, the client's
 * public key, both ends' addresses as that end sees them, and the test's cookie. A recorded
 * handshake is useless on another connection (another agent nonce, another cookie), and a
 * relay sees different addresses than the ends do, so the agent's digest differs.
 *
 * Files (text, one line each):
 *   private  "tcplab-ed25519-private <64 hex digits: the 32-byte seed>"   mode 0600
 *   public   "tcplab-ed25519 <64 hex digits: the 32-byte public key> [comment]"
 *   authorized keys: public lines; blank lines and lines starting with '#' are ignored.
 */

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "util/err.h"

#define TL_AUTH_PK_LEN 32
#define TL_AUTH_SEED_LEN 32
#define TL_AUTH_NONCE_LEN 32
#define TL_AUTH_SIG_LEN 64
#define TL_AUTH_HASH_LEN 32
#define TL_AUTH_PRIVATE_TAG "tcplab-ed25519-private"
#define TL_AUTH_PUBLIC_TAG "tcplab-ed25519"

struct tl_auth_key {
	uint8_t pk[TL_AUTH_PK_LEN];
	uint8_t sk[64]; /* libsodium's: seed then public key */
};

struct tl_auth_keys {
	uint8_t (*pk)[TL_AUTH_PK_LEN];
	size_t n;
};

int tl_auth_init(struct tl_err *err);

/* Writes a new key pair to path (0600) and path.pub; refuses to overwrite unless force. */
int tl_auth_keygen(const char *path, const char *comment, int force, struct tl_err *err);
int tl_auth_load_private(const char *path, struct tl_auth_key *out, struct tl_err *err);
int tl_auth_load_authorized(const char *path, struct tl_auth_keys *out, struct tl_err *err);
void tl_auth_keys_free(struct tl_auth_keys *k);
int tl_auth_is_authorized(const struct tl_auth_keys *k, const uint8_t pk[TL_AUTH_PK_LEN]);

/* Where a client looks for its key: $TCPLAB_KEY, else $XDG_CONFIG_HOME/tcplab/id_ed25519,
 * else $HOME/.config/tcplab/id_ed25519. */
const char *tl_auth_default_key_path(char *buf, size_t len);

/* The session digest both ends sign and check (see above). */
void tl_auth_transcript(const uint8_t agent_nonce[TL_AUTH_NONCE_LEN],
			const uint8_t client_nonce[TL_AUTH_NONCE_LEN], const uint8_t pk[TL_AUTH_PK_LEN],
			const struct tl_addr *agent, const struct tl_addr *client, const uint8_t *cookie,
			size_t cookie_len, uint8_t out[TL_AUTH_HASH_LEN]);
void tl_auth_sign(const struct tl_auth_key *k, const uint8_t hash[TL_AUTH_HASH_LEN],
		  uint8_t sig[TL_AUTH_SIG_LEN]);
int tl_auth_verify(const uint8_t pk[TL_AUTH_PK_LEN], const uint8_t hash[TL_AUTH_HASH_LEN],
		   const uint8_t sig[TL_AUTH_SIG_LEN]);

void tl_auth_random(uint8_t *buf, size_t len);
/* Lower-case hex; out has 2 * len + 1 bytes. */
void tl_auth_hex(const uint8_t *in, size_t len, char *out);
/* Exactly 2 * len hex digits; 0 or -1. */
int tl_auth_unhex(const char *hex, uint8_t *out, size_t len);

#endif
