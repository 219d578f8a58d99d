/* `router list`'s document decoded (result/router_list.h) and its table (out/router_list_table.h):
 * a row per router, the restore line of a stopped one, the empty list, and a document with a
 * field missing or mistyped refused with its path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "out/router_list_table.h"
#include "result/router_list.h"

#define ENTRY(NAME, STATE, MORE)                                                               \
	"{\"name\":\"" NAME "\",\"in\":\"ra1\",\"out\":\"rb1\",\"pid\":42,\"state\":\"" STATE    \
	"\",\"rate\":\"50mbit\",\"rtt\":\"20ms\",\"buffer\":\"bdp\",\"aqm\":\"codel\","        \
	"\"options\":{\"rate\":\"50mbit\"}" MORE "}"

static const char *doc_text =
	"{\"root\":\"/run/tcplab/router\",\"truncated\":false,\"skipped\":1,\"routers\":["
	ENTRY("lab1", "running", "") ","
	ENTRY("lab2", "stopped", ",\"restore\":\"tcplab router --restore ra1\"") "]}";

/* The table of text, on host where (NULL: here), in a malloc'd string. */
static char *render(const char *text, const char *where)
{
	json_t *doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	struct tl_router_list l;
	struct tl_err err = { 0 };
	if (tl_router_list_decode(doc, &l, &err) < 0)
		fail_msg("decode: %s", err.msg);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	tl_out_router_list_table(f, &l, where);
	fclose(f);
	tl_router_list_free(&l);
	json_decref(doc);
	return buf;
}

static void test_table(void **state)
{
	(void)state;
	char *t = render(doc_text, NULL);
	assert_non_null(strstr(t, "NAME "));
	assert_non_null(strstr(t, "\nlab1 "));
	assert_non_null(strstr(t, "running"));
	assert_non_null(strstr(t, "50mbit"));
	assert_non_null(strstr(t, "codel"));
	assert_non_null(strstr(t, "lab2: stopped without putting ra1 and rb1 back (killed?): "
				  "'tcplab router --restore ra1' restores them\n"));
	assert_non_null(strstr(t, "1 entry under /run/tcplab/router could not be read"));
	free(t);
	t = render(doc_text, "lab:5299");
	assert_non_null(strstr(t, "'tcplab router --restore ra1' on lab:5299 restores them"));
	free(t);
	t = render("{\"root\":\"/r\",\"truncated\":false,\"skipped\":0,\"routers\":[]}", NULL);
	assert_string_equal(t, "no routers (under /r)\n");
	free(t);
	t = render("{\"root\":\"/r\",\"truncated\":false,\"skipped\":0,\"routers\":[]}", "h:1");
	assert_string_equal(t, "no routers (under /r on h:1)\n");
	free(t);
}

static void test_refused(void **state)
{
	(void)state;
	static const struct {
		const char *text, *path;
	} cases[] = {
		{ "{\"truncated\":false,\"skipped\":0,\"routers\":[]}", "root" },
		{ "{\"root\":\"/r\",\"truncated\":false,\"skipped\":0}", "routers" },
		{ "{\"root\":\"/r\",\"truncated\":false,\"skipped\":-1,\"routers\":[]}", "skipped" },
		{ "{\"root\":\"/r\",\"truncated\":false,\"skipped\":0,\"routers\":["
		  ENTRY("a", "dead", "") "]}", "routers[0].state" },
		{ "{\"root\":\"/r\",\"truncated\":false,\"skipped\":0,\"routers\":["
		  ENTRY("a", "running", "") "," ENTRY("b", "stopped", "") "]}", "routers[1].restore" },
		{ "{\"root\":\"/r\",\"truncated\":false,\"skipped\":0,\"routers\":[{\"name\":\"a\"}]}",
		  "routers[0].in" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = json_loads(cases[i].text, 0, NULL);
		assert_non_null(doc);
		struct tl_router_list l;
		struct tl_err err = { 0 };
		assert_int_equal(tl_router_list_decode(doc, &l, &err), -1);
		assert_null(l.routers);
		if (!strstr(err.msg, cases[i].path))
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].text, err.msg, cases[i].path);
		json_decref(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
