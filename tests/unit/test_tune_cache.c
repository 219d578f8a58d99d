/* The probe state file: paths, store, load, expiry, pruning, and spoilt files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tune/cache.h"
#include "tune/probe.h"

static char dir[] = "/tmp/tl-test-cache.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *sample_probe(const char *host, uint64_t rate)
{
	struct tl_probe_result r;
	memset(&r, 0, sizeof(r));
	snprintf(r.host, sizeof(r.host), "%s", host);
	r.port = 5299;
	r.rate_bps = rate;
	r.rtt_min_ns = 100000000;
	r.flows = 4;
	r.measured_at = 1731000000;
	snprintf(r.limited_by, sizeof(r.limited_by), "network");
	return tl_probe_to_json(&r);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_default_path(void **state)
{
	(void)state;
	char buf[256];
	struct tl_err err = { 0 };
	setenv("XDG_CACHE_HOME", "/var/cache/me", 1);
	setenv("HOME", "/home/me", 1);
	assert_int_equal(tl_cache_default_path(buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "/var/cache/me/tcplab/probe.json");
	/* the XDG spec says a relative XDG_CACHE_HOME is to be ignored */
	setenv("XDG_CACHE_HOME", "relative", 1);
	assert_int_equal(tl_cache_default_path(buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "/home/me/.cache/tcplab/probe.json");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	assert_int_equal(tl_cache_default_path(buf, sizeof(buf), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "--state"));
	setenv("HOME", "/home/me", 1);
	assert_int_equal(tl_cache_default_path(buf, 10, &err), -ENAMETOOLONG);
}

static void test_key(void **state)
{
	(void)state;
	char key[128];
	tl_cache_key("10.0.0.2", 5299, TL_DIR_FORWARD, key, sizeof(key));
	assert_string_equal(key, "10.0.0.2 port 5299 forward");
	tl_cache_key("host.example", 1, TL_DIR_REVERSE, key, sizeof(key));
	assert_string_equal(key, "host.example port 1 reverse");
}

static void test_store_load_expire(void **state)
{
	(void)state;
	char path[256], key[128];
	struct tl_err err = { 0 };
	json_t *st = NULL;
	uint64_t age = 0, now = 1731000000;
	/* a directory that does not exist yet is made */
	snprintf(path, sizeof(path), "%s/a/b/probe.json", dir);
	assert_int_equal(tl_cache_load(path, &st, &err), 0); /* missing file: empty */
	tl_cache_key("10.0.0.2", 5299, TL_DIR_FORWARD, key, sizeof(key));
	assert_null(tl_cache_lookup(st, key, now, 600, &age));
	json_t *p = sample_probe("10.0.0.2", 95600000);
	assert_int_equal(tl_cache_put(st, key, p, now, &err), 0);
	json_decref(p);
	assert_int_equal(tl_cache_save(path, st, &err), 0);
	json_decref(st);
	struct stat sb;
	char parent[256];
	snprintf(parent, sizeof(parent), "%s/a/b", dir);
	assert_int_equal(stat(parent, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);

	assert_int_equal(tl_cache_load(path, &st, &err), 0);
	const json_t *hit = tl_cache_lookup(st, key, now + 42, 600, &age);
	assert_non_null(hit);
	assert_int_equal(age, 42);
	struct tl_probe_result r;
	assert_int_equal(tl_probe_from_json(hit, &r, &err), 0);
	assert_int_equal(r.rate_bps, 95600000);
	/* exactly max_age old is still good; one second more is not */
	assert_non_null(tl_cache_lookup(st, key, now + 600, 600, &age));
	assert_null(tl_cache_lookup(st, key, now + 601, 600, &age));
	/* an entry from the future (clock went back) is not trusted */
	assert_null(tl_cache_lookup(st, key, now - 1, 600, &age));
	/* another port, direction or host is another destination */
	char other[128];
	tl_cache_key("10.0.0.2", 5299, TL_DIR_REVERSE, other, sizeof(other));
	assert_null(tl_cache_lookup(st, other, now, 600, &age));
	json_decref(st);
}

static void test_put_replaces_and_prunes(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	json_t *st = json_pack("{s:i,s:{}}", "tcplab_probe_cache", 1, "entries");
	uint64_t now = 1731000000, age;
	json_t *p1 = sample_probe("a", 1000), *p2 = sample_probe("a", 2000), *p3 = sample_probe("b", 3000);
	assert_int_equal(tl_cache_put(st, "old", p1, now - TL_CACHE_KEEP_S - 10, &err), 0);
	assert_int_equal(tl_cache_put(st, "a", p1, now - 5, &err), 0);
	assert_int_equal(tl_cache_put(st, "a", p2, now, &err), 0); /* replaced, and "old" pruned */
	assert_int_equal(json_object_size(json_object_get(st, "entries")), 1);
	const json_t *hit = tl_cache_lookup(st, "a", now, 600, &age);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(hit, "rate"), "bits_per_second")), 2000);
	assert_int_equal(age, 0);
	assert_int_equal(tl_cache_put(st, "b", p3, now, &err), 0);
	assert_int_equal(json_object_size(json_object_get(st, "entries")), 2);
	json_decref(p1);
	json_decref(p2);
	json_decref(p3);
	json_decref(st);
}

static void expect_corrupt(const char *path, const char *text, const char *detail)
{
	struct tl_err err = { 0 };
	json_t *st = NULL;
	write_file(path, text);
	assert_int_equal(tl_cache_load(path, &st, &err), -EINVAL);
	assert_null(st);
	/* the message names the file and the fix */
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "rm "));
	assert_non_null(strstr(err.msg, "--state"));
	if (detail && !strstr(err.msg, detail))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, detail);
}

static void test_corrupt_files(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/spoilt.json", dir);
	expect_corrupt(path, "{\"tcplab_probe_cache\": 1, \"entries\": {", "not valid JSON");
	expect_corrupt(path, "", "not valid JSON");
	expect_corrupt(path, "[1, 2, 3]", "not a tcplab probe state file");
	expect_corrupt(path, "{\"tcplab_probe_cache\": 99, \"entries\": {}}", "format 99");
	expect_corrupt(path, "{\"tcplab_probe_cache\": 1, \"entries\": {\"x\": 5}}", "measured_at");
	expect_corrupt(path, "{\"tcplab_probe_cache\": 1, \"entries\": {\"x\": {\"measured_at\": 1,"
		       " \"probe\": {\"host\": \"h\"}}}}", "\"x\"");
	/* a valid file next to it is fine, and an unreadable path is an I/O error, not "corrupt" */
	struct tl_err err = { 0 };
	json_t *st = NULL;
	snprintf(path, sizeof(path), "%s", dir); /* a directory */
	assert_true(tl_cache_load(path, &st, &err) < 0);
	assert_null(st);
}

static void test_save_replaces_atomically(void **state)
{
	(void)state;
	char path[256];
	struct tl_err err = { 0 };
	snprintf(path, sizeof(path), "%s/atomic.json", dir);
	write_file(path, "garbage");
	json_t *st = json_pack("{s:i,s:{}}", "tcplab_probe_cache", 1, "entries");
	assert_int_equal(tl_cache_save(path, st, &err), 0);
	json_decref(st);
	assert_int_equal(tl_cache_load(path, &st, &err), 0);
	json_decref(st);
	/* no temporary file is left beside it */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | grep -c '^atomic.json.') -eq 0", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_store_load_expire),
		cmocka_unit_test(test_put_replaces_and_prunes),
		cmocka_unit_test(test_corrupt_files),
		cmocka_unit_test(test_save_replaces_atomically),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
