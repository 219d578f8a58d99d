/* Loading a result document kept from a real loopback run (tests/unit/data), and editing one
 * field of it to see the decoders refuse it. For the test_result_*.c files. */
#ifndef TCPLAB_TESTS_RESULT_FIXTURE_H
#define TCPLAB_TESTS_RESULT_FIXTURE_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static inline json_t *fixture(const char *name)
{
	char path[1024];
	const char *dir = getenv("TESTS_DIR");
	snprintf(path, sizeof(path), "%s/unit/data/%s", dir ? dir : "tests", name);
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e);
	if (!doc)
		fail_msg("%s: %s (line %d)", path, e.text, e.line);
	return doc;
}

/* The object at a path of keys and array indexes ("end", "streams", "0", "sender", NULL). */
static inline json_t *at(json_t *doc, const char *const *path)
{
	json_t *o = doc;
	for (; *path; path++)
		o = json_is_array(o) ? json_array_get(o, (size_t)atoi(*path)) : json_object_get(o, *path);
	assert_non_null(o);
	return o;
}

#endif
