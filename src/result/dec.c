#include "result/dec.h"

#include <errno.h>

int tl_dec_failed(const struct tl_dec *d)
{
	return d->failed;
}

int tl_dec_fail(struct tl_dec *d, const char *where, const char *key, const char *what)
{
	if (!d->failed)
		tl_err_set(d->err, EPROTO, "result document: %s%s%s: %s", where,
			   *where && *key ? "." : "", key, what);
	d->failed = 1;
	return -1;
}

/* The field, or NULL; a failure when required and absent, or present and not of the type. */
static const json_t *field(struct tl_dec *d, const json_t *o, const char *where, const char *key,
			   int (*is)(const json_t *), const char *type, int required)
{
	if (d->failed)
		return NULL;
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			tl_dec_fail(d, where, key, type);
		return NULL;
	}
	if (!is(v)) {
		tl_dec_fail(d, where, key, type);
		return NULL;
	}
	return v;
}

static int is_number(const json_t *v) { return json_is_number(v); }
static int is_integer(const json_t *v) { return json_is_integer(v); }
static int is_count(const json_t *v) { return json_is_integer(v) && json_integer_value(v) >= 0; }
static int is_bool(const json_t *v) { return json_is_boolean(v); }
static int is_string(const json_t *v) { return json_is_string(v); }
static int is_object(const json_t *v) { return json_is_object(v); }
static int is_array(const json_t *v) { return json_is_array(v); }

#define NUM_T "missing or not a number"
#define U64_T "missing or not an integer >= 0"
#define INT_T "missing or not an integer"
#define BOOL_T "missing or not true/false"
#define STR_T "missing or not a string"
#define OBJ_T "missing or not an object"
#define ARR_T "missing or not an array"

double tl_dec_num(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = field(d, o, where, key, is_number, NUM_T, 1);
	return v ? json_number_value(v) : 0.0;
}

uint64_t tl_dec_u64(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = field(d, o, where, key, is_count, U64_T, 1);
	return v ? (uint64_t)json_integer_value(v) : 0;
}

int64_t tl_dec_int(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = field(d, o, where, key, is_integer, INT_T, 1);
	return v ? (int64_t)json_integer_value(v) : 0;
}

int tl_dec_bool(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = field(d, o, where, key, is_bool, BOOL_T, 1);
	return v ? json_is_true(v) : 0;
}

const char *tl_dec_str(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = field(d, o, where, key, is_string, STR_T, 1);
	return v ? json_string_value(v) : "";
}

const json_t *tl_dec_obj(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	return field(d, o, where, key, is_object, OBJ_T, 1);
}

const json_t *tl_dec_arr(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	return field(d, o, where, key, is_array, ARR_T, 1);
}

double tl_dec_num_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key,
		      double def, int *has)
{
	const json_t *v = field(d, o, where, key, is_number, "not a number", 0);
	if (has)
		*has = v != NULL;
	return v ? json_number_value(v) : def;
}

uint64_t tl_dec_u64_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key,
			int *has)
{
	const json_t *v = field(d, o, where, key, is_count, "not an integer >= 0", 0);
	if (has)
		*has = v != NULL;
	return v ? (uint64_t)json_integer_value(v) : 0;
}

int tl_dec_bool_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = field(d, o, where, key, is_bool, "not true/false", 0);
	return v ? json_is_true(v) : -1;
}

const char *tl_dec_str_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = field(d, o, where, key, is_string, "not a string", 0);
	return v ? json_string_value(v) : NULL;
}

const json_t *tl_dec_obj_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	return field(d, o, where, key, is_object, "not an object", 0);
}

const json_t *tl_dec_arr_opt(struct tl_dec *d, const json_t *o, const char *where, const char *key)
{
	return field(d, o, where, key, is_array, "not an array", 0);
}
