/* Ed25519 keys and the session digest (see ctl/auth.h). */
#include "ctl/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AUTH_DOMAIN "tcplab-auth-v1"
#define AUTH_MAX_KEYS 100000

int tl_auth_init(struct tl_err *err)
{
	if (sodium_init() < 0)
		return tl_err_set(err, EIO, "libsodium failed to initialise");
	return 0;
}

void tl_auth_random(uint8_t *buf, size_t len)
{
	if (sodium_init() < 0)
		abort(); /* no usable random source: nothing here may go on without one */
	randombytes_buf(buf, len);
}

void tl_auth_hex(const uint8_t *in, size_t len, char *out)
{
	sodium_bin2hex(out, 2 * len + 1, in, len);
}

int tl_auth_unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t got = 0;
	if (!hex || strlen(hex) != 2 * len)
		return -1;
	if (sodium_hex2bin(out, len, hex, 2 * len, NULL, &got, NULL) != 0 || got != len)
		return -1;
	return 0;
}

const char *tl_auth_default_key_path(char *buf, size_t len)
{
	const char *env = getenv("TCPLAB_KEY");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/tcplab/id_ed25519", xdg);
	else
		snprintf(buf, len, "%s/.config/tcplab/id_ed25519", home && *home ? home : ".");
	return buf;
}

/* Creates the directories above path (like mkdir -p), mode 0700. */
static void make_parents(const char *path)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
}

static int write_new(const char *path, mode_t mode, int force, const char *text, struct tl_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return tl_err_set(err, EEXIST, "%s exists already (keep it, or pass --force to replace "
					  "it)", path);
		return tl_err_errno(err, "create %s", path);
	}
	size_t len = strlen(text);
	int rc = 0;
	if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t)len)
		rc = tl_err_errno(err, "write %s", path);
	if (close(fd) < 0 && rc == 0)
		rc = tl_err_errno(err, "write %s", path);
	return rc;
}

int tl_auth_keygen(const char *path, const char *comment, int force, struct tl_err *err)
{
	uint8_t pk[TL_AUTH_PK_LEN], sk[64], seed[TL_AUTH_SEED_LEN];
	char hex[2 * 64 + 1], line[512], pub_path[1024];
	int rc = -1;
	if (snprintf(pub_path, sizeof(pub_path), "%s.pub", path) >= (int)sizeof(pub_path))
		return tl_err_set(err, ENAMETOOLONG, "key path %s is too long", path);
	tl_auth_random(seed, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	make_parents(path);
	tl_auth_hex(seed, sizeof(seed), hex);
	snprintf(line, sizeof(line), "%s %s\n", TL_AUTH_PRIVATE_TAG, hex);
	if (write_new(path, 0600, force, line, err) < 0)
		goto out;
	tl_auth_hex(pk, sizeof(pk), hex);
	snprintf(line, sizeof(line), "%s %s %s\n", TL_AUTH_PUBLIC_TAG, hex, comment ? comment : "");
	if (write_new(pub_path, 0644, force, line, err) < 0) {
		unlink(path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(line, sizeof(line));
	return rc;
}

int tl_auth_load_private(const char *path, struct tl_auth_key *out, struct tl_err *err)
{
	char line[256] = "", tag[32], hex[80];
	uint8_t seed[TL_AUTH_SEED_LEN];
	struct stat st;
	int rc = -1;
	FILE *f = fopen(path, "re");
	if (!f)
		return tl_err_errno(err, "key %s", path);
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		tl_err_set(err, EPERM, "key %s is readable by others (mode %03o): run 'chmod 600 %s'", path,
			   (unsigned)(st.st_mode & 0777), path);
		goto out;
	}
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%31s %79s", tag, hex) != 2 ||
	    strcmp(tag, TL_AUTH_PRIVATE_TAG) != 0 || tl_auth_unhex(hex, seed, sizeof(seed)) < 0) {
		tl_err_set(err, EINVAL, "key %s is not a tcplab private key (make one with 'tcplab keygen')", path);
		goto out;
	}
	crypto_sign_seed_keypair(out->pk, out->sk, seed);
	rc = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(line, sizeof(line));
	sodium_memzero(hex, sizeof(hex));
	fclose(f);
	return rc;
}

int tl_auth_load_authorized(const char *path, struct tl_auth_keys *out, struct tl_err *err)
{
	char line[1024], tag[32], hex[80];
	unsigned lineno = 0;
	size_t cap = 0;
	out->pk = NULL;
	out->n = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return tl_err_errno(err, "--authorized-keys %s", path);
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		uint8_t pk[TL_AUTH_PK_LEN];
		if (sscanf(p, "%31s %79s", tag, hex) != 2 || strcmp(tag, TL_AUTH_PUBLIC_TAG) != 0 ||
		    tl_auth_unhex(hex, pk, sizeof(pk)) < 0) {
			rc = tl_err_set(err, EINVAL, "--authorized-keys %s line %u: not a tcplab public key "
					"(each line is the content of a .pub file made by 'tcplab keygen')", path, lineno);
			break;
		}
		if (out->n == AUTH_MAX_KEYS) {
			rc = tl_err_set(err, E2BIG, "--authorized-keys %s: more than %d keys", path, AUTH_MAX_KEYS);
			break;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *np = realloc(out->pk, ncap * sizeof(*out->pk));
			if (!np) {
				rc = tl_err_set(err, ENOMEM, "--authorized-keys: out of memory");
				break;
			}
			out->pk = np;
			cap = ncap;
		}
		memcpy(out->pk[out->n++], pk, TL_AUTH_PK_LEN);
	}
	fclose(f);
	if (rc == 0 && out->n == 0)
		rc = tl_err_set(err, EINVAL, "--authorized-keys %s holds no key (add the .pub lines of the "
				"clients' keys)", path);
	if (rc < 0)
		tl_auth_keys_free(out);
	return rc;
}

void tl_auth_keys_free(struct tl_auth_keys *k)
{
	if (!k)
		return;
	free(k->pk);
	k->pk = NULL;
	k->n = 0;
}

int tl_auth_is_authorized(const struct tl_auth_keys *k, const uint8_t pk[TL_AUTH_PK_LEN])
{
	for (size_t i = 0; i < k->n; i++)
		if (memcmp(k->pk[i], pk, TL_AUTH_PK_LEN) == 0)
			return 1;
	return 0;
}

/* 16-byte IPv6 address (IPv4 as ::ffff:a.b.c.d, so a dual-stack agent and an IPv4 client
 * agree) and the port, big-endian. */
static void addr_bytes(const struct tl_addr *a, uint8_t out[18])
{
	memset(out, 0, 18);
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &s4->sin_addr, 4);
		memcpy(out + 16, &s4->sin_port, 2);
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
		memcpy(out, &s6->sin6_addr, 16);
		memcpy(out + 16, &s6->sin6_port, 2);
	}
}

void tl_auth_transcript(const uint8_t agent_nonce[TL_AUTH_NONCE_LEN],
			const uint8_t client_nonce[TL_AUTH_NONCE_LEN], const uint8_t pk[TL_AUTH_PK_LEN],
			const struct tl_addr *agent, const struct tl_addr *client, const uint8_t *cookie,
			size_t cookie_len, uint8_t out[TL_AUTH_HASH_LEN])
{
	crypto_generichash_state st;
	uint8_t a[18], c[18];
	addr_bytes(agent, a);
	addr_bytes(client, c);
	crypto_generichash_init(&st, NULL, 0, TL_AUTH_HASH_LEN);
	crypto_generichash_update(&st, (const uint8_t *)AUTH_DOMAIN, sizeof(AUTH_DOMAIN)); /* with its NUL */
	crypto_generichash_update(&st, agent_nonce, TL_AUTH_NONCE_LEN);
	crypto_generichash_update(&st, client_nonce, TL_AUTH_NONCE_LEN);
	crypto_generichash_update(&st, pk, TL_AUTH_PK_LEN);
	crypto_generichash_update(&st, a, sizeof(a));
	crypto_generichash_update(&st, c, sizeof(c));
	crypto_generichash_update(&st, cookie, cookie_len);
	crypto_generichash_final(&st, out, TL_AUTH_HASH_LEN);
}

void tl_auth_sign(const struct tl_auth_key *k, const uint8_t hash[TL_AUTH_HASH_LEN],
		  uint8_t sig[TL_AUTH_SIG_LEN])
{
	crypto_sign_detached(sig, NULL, hash, TL_AUTH_HASH_LEN, k->sk);
}

int tl_auth_verify(const uint8_t pk[TL_AUTH_PK_LEN], const uint8_t hash[TL_AUTH_HASH_LEN],
		   const uint8_t sig[TL_AUTH_SIG_LEN])
{
	return crypto_sign_verify_detached(sig, hash, TL_AUTH_HASH_LEN, pk) == 0 ? 0 : -1;
}
