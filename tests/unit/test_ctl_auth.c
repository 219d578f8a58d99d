/* ctl/auth: keys on disk, the session digest, signatures bound to nonces and addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/auth.h"

static char dir[] = "/tmp/tl-auth-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? tl_auth_init(NULL) : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void addr(struct tl_addr *a, const char *host, uint16_t port)
{
	assert_int_equal(tl_addr_resolve(host, port, AF_UNSPEC, 0, a, NULL), 0);
}

static void test_keygen_load_sign_verify(void **state)
{
	(void)state;
	char path[128], pub[160];
	struct tl_auth_key key;
	struct tl_auth_keys keys;
	struct tl_err err = { 0 };
	snprintf(path, sizeof(path), "%s/sub/id", dir);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	assert_int_equal(tl_auth_keygen(path, "me@here", 0, &err), 0);
	assert_true(tl_auth_keygen(path, "me@here", 0, &err) < 0); /* kept */
	assert_int_equal(tl_auth_load_private(path, &key, &err), 0);
	assert_int_equal(tl_auth_load_authorized(pub, &keys, &err), 0);
	assert_int_equal(keys.n, 1);
	assert_true(tl_auth_is_authorized(&keys, key.pk));

	uint8_t an[32], cn[32], cookie[16], h[32], h2[32], sig[64];
	tl_auth_random(an, sizeof(an));
	tl_auth_random(cn, sizeof(cn));
	tl_auth_random(cookie, sizeof(cookie));
	struct tl_addr agent, client, agent6, other;
	addr(&agent, "127.0.0.1", 5299);
	addr(&agent6, "::ffff:127.0.0.1", 5299);
	addr(&client, "127.0.0.1", 40000);
	addr(&other, "127.0.0.1", 40001);
	tl_auth_transcript(an, cn, key.pk, &agent, &client, cookie, 16, h);
	tl_auth_sign(&key, h, sig);
	assert_int_equal(tl_auth_verify(key.pk, h, sig), 0);
	/* a dual-stack agent sees ::ffff:127.0.0.1: the same digest */
	tl_auth_transcript(an, cn, key.pk, &agent6, &client, cookie, 16, h2);
	assert_memory_equal(h, h2, 32);
	/* another client port (a relay), another agent nonce (a replay), another cookie */
	tl_auth_transcript(an, cn, key.pk, &agent, &other, cookie, 16, h2);
	assert_true(tl_auth_verify(key.pk, h2, sig) < 0);
	an[0] ^= 1;
	tl_auth_transcript(an, cn, key.pk, &agent, &client, cookie, 16, h2);
	assert_true(tl_auth_verify(key.pk, h2, sig) < 0);
	an[0] ^= 1;
	cookie[15] ^= 1;
	tl_auth_transcript(an, cn, key.pk, &agent, &client, cookie, 16, h2);
	assert_true(tl_auth_verify(key.pk, h2, sig) < 0);
	tl_auth_keys_free(&keys);

	/* a private key readable by others is refused, naming the fix */
	chmod(path, 0644);
	assert_true(tl_auth_load_private(path, &key, &err) < 0);
	assert_non_null(strstr(err.msg, "chmod 600"));
	/* a private key as an authorized-keys file: the line is named */
	assert_true(tl_auth_load_authorized(path, &keys, &err) < 0);
	assert_non_null(strstr(err.msg, "line 1"));
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t b[2];
	char h[5];
	assert_int_equal(tl_auth_unhex("0aff", b, 2), 0);
	assert_int_equal(b[1], 0xff);
	assert_true(tl_auth_unhex("0af", b, 2) < 0);
	assert_true(tl_auth_unhex("0afz", b, 2) < 0);
	assert_true(tl_auth_unhex(NULL, b, 2) < 0);
	tl_auth_hex(b, 2, h);
	assert_string_equal(h, "0aff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_load_sign_verify),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
