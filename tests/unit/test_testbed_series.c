/* testbed series file and packet pool: what the forwarder writes and what readers get. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testbed/pool.h"
#include "testbed/series.h"
#include "testbed/state.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/tl-tbseries.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("TCPLAB_TESTBED_DIR", root, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_append_and_read_window(void **state)
{
	(void)state;
	char dir[256];
	struct tl_err err = { 0 };
	struct tl_testbed_series s;
	assert_int_equal(tl_testbed_path(dir, sizeof(dir), "s1", NULL, NULL), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(tl_testbed_series_open(&s, "s1", &err), 0);
	for (int i = 1; i <= 10; i++) {
		json_t *line = json_pack("{s:I, s:{s:i}}", "t_ns", (json_int_t)i * 100, "fwd",
					 "pkts_in", i);
		assert_int_equal(tl_testbed_series_append(&s, line, &err), 0);
		json_decref(line);
	}
	tl_testbed_series_close(&s);
	/* A line still being written (no newline yet) and a foreign line are skipped. */
	FILE *f = fopen(s.path, "a");
	fputs("garbage\n{\"t_ns\": 1100, \"fwd\": {", f);
	fclose(f);

	json_t *arr = NULL;
	assert_int_equal(tl_testbed_series_read("s1", 300, 700, &arr, &err), 0);
	assert_int_equal(json_array_size(arr), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "t_ns")), 300);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_array_get(arr, 4), "fwd"), "pkts_in")),
			 7);
	json_decref(arr);
	/* to = 0: everything from `from` on. */
	assert_int_equal(tl_testbed_series_read("s1", 0, 0, &arr, &err), 0);
	assert_int_equal(json_array_size(arr), 10);
	json_decref(arr);
	assert_int_equal(tl_testbed_series_read("nosuch", 0, 0, &arr, &err), -ENOENT);
	assert_null(arr);
}

static void test_rotated_file_read_first(void **state)
{
	(void)state;
	char dir[256], old[256], cur[256];
	assert_int_equal(tl_testbed_path(dir, sizeof(dir), "s2", NULL, NULL), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	tl_testbed_path(old, sizeof(old), "s2", "series.1.jsonl", NULL);
	tl_testbed_path(cur, sizeof(cur), "s2", "series.jsonl", NULL);
	FILE *f = fopen(old, "w");
	fputs("{\"t_ns\": 1}\n{\"t_ns\": 2}\n", f);
	fclose(f);
	f = fopen(cur, "w");
	fputs("{\"t_ns\": 3}\n", f);
	fclose(f);
	json_t *arr = NULL;
	assert_int_equal(tl_testbed_series_read("s2", 0, 0, &arr, NULL), 0);
	assert_int_equal(json_array_size(arr), 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, i), "t_ns")),
				 (json_int_t)i + 1);
	json_decref(arr);
}

static void test_pool(void **state)
{
	(void)state;
	struct tl_testbed_pool p;
	assert_int_equal(tl_testbed_pool_init(&p, 4, NULL), 0);
	struct tl_pkt *a = tl_testbed_pool_get(&p), *b = tl_testbed_pool_get(&p);
	assert_ptr_equal(a, &p.pkts[0]);
	assert_ptr_equal(b, &p.pkts[1]);
	assert_ptr_equal(tl_testbed_pool_buf(&p, b), p.mem + TL_TESTBED_BUF_SIZE);
	/* Buffers are whole and distinct. */
	memset(tl_testbed_pool_buf(&p, a), 0xaa, TL_TESTBED_BUF_SIZE);
	memset(tl_testbed_pool_buf(&p, b), 0xbb, TL_TESTBED_BUF_SIZE);
	assert_int_equal(tl_testbed_pool_buf(&p, a)[TL_TESTBED_BUF_SIZE - 1], 0xaa);
	assert_non_null(tl_testbed_pool_get(&p));
	assert_non_null(tl_testbed_pool_get(&p));
	assert_null(tl_testbed_pool_get(&p));
	assert_int_equal(p.min_free, 0);
	/* LIFO: the buffer given back last is handed out next (it is still in cache). */
	tl_testbed_pool_put(&p, b);
	tl_testbed_pool_put(&p, a);
	assert_ptr_equal(tl_testbed_pool_get(&p), a);
	assert_ptr_equal(tl_testbed_pool_get(&p), b);
	tl_testbed_pool_free(&p);
	tl_testbed_pool_free(&p);
	assert_true(tl_testbed_pool_init(&p, 0, NULL) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_read_window),
		cmocka_unit_test(test_rotated_file_read_first),
		cmocka_unit_test(test_pool),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
