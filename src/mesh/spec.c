#include "mesh/spec.h"

#include <errno.h>
#include <string.h>

#include "mesh/wire.h"
#include "util/clock.h"
#include "util/err.h"

static const char *const transport_names[TL_MESH_TRANSPORTS] = {
	[TL_MESH_TCP] = "tcp",
	[TL_MESH_TCP_NODELAY] = "tcp-nodelay",
	[TL_MESH_TCP_QUICKACK] = "tcp-quickack",
	[TL_MESH_UNIX] = "unix",
};

int tl_mesh_transport_parse(const char *s, enum tl_mesh_transport *out, struct tl_err *err)
{
	for (int i = 0; i < TL_MESH_TRANSPORTS; i++) {
		if (strcmp(s, transport_names[i]) == 0) {
			*out = (enum tl_mesh_transport)i;
			return 0;
		}
	}
	return tl_err_set(err, EINVAL, "--transport \"%s\": unknown (choose tcp, tcp-nodelay, "
			  "tcp-quickack or unix)", s);
}

const char *tl_mesh_transport_name(enum tl_mesh_transport t)
{
	return (unsigned)t < TL_MESH_TRANSPORTS ? transport_names[t] : "?";
}

void tl_mesh_spec_defaults(struct tl_mesh_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->ranks = 4;
	s->tokens = 1;
	s->message_size = TL_MESH_HEADER_LEN;
	s->pattern = TL_MESH_RING;
	s->transport = TL_MESH_TCP_NODELAY;
	s->seed = 1;
	s->duration_ns = 3 * TL_NSEC_PER_SEC;
	s->max_time_ns = 300 * TL_NSEC_PER_SEC;
	s->connect_timeout_ns = 30 * TL_NSEC_PER_SEC;
}

int tl_mesh_spec_validate(const struct tl_mesh_spec *s, struct tl_err *err)
{
	if (s->ranks > TL_MESH_MAX_RANKS)
		return tl_err_set(err, EINVAL, "%u ranks: at most %u", s->ranks, TL_MESH_MAX_RANKS);
	if (tl_mesh_pattern_check(s->pattern, s->ranks, err) < 0)
		return -EINVAL;
	if (s->tokens < 1 || s->tokens > TL_MESH_MAX_TOKENS)
		return tl_err_set(err, EINVAL, "%u tokens: give 1..%u", s->tokens, TL_MESH_MAX_TOKENS);
	if (s->message_size < TL_MESH_HEADER_LEN)
		return tl_err_set(err, EINVAL, "--message-size %u: at least %u bytes (the token header: "
				  "version, kind, length, sender, id, origin, hop count, send time)",
				  s->message_size, TL_MESH_HEADER_LEN);
	if (s->message_size > TL_MESH_MAX_MESSAGE)
		return tl_err_set(err, EINVAL, "--message-size %u: at most %u bytes", s->message_size,
				  TL_MESH_MAX_MESSAGE);
	if ((uint64_t)s->tokens * s->message_size > TL_MESH_MAX_TOKEN_BYTES)
		return tl_err_set(err, EINVAL, "%u tokens of %u bytes: at most %llu MiB in flight (fewer "
				  "tokens or a smaller --message-size)", s->tokens, s->message_size,
				  TL_MESH_MAX_TOKEN_BYTES >> 20);
	if ((s->duration_ns == 0) == (s->hops == 0))
		return tl_err_set(err, EINVAL, "give exactly one of --time and --hops");
	if (s->hops && s->hops < s->tokens)
		return tl_err_set(err, EINVAL, "--hops %llu is less than the %u tokens: every token should "
				  "move at least once", (unsigned long long)s->hops, s->tokens);
	return 0;
}

uint64_t tl_mesh_spec_budget(const struct tl_mesh_spec *s, uint32_t token)
{
	if (!s->hops)
		return UINT64_MAX;
	uint64_t each = s->hops / s->tokens, extra = s->hops % s->tokens;
	return each + (token < extra ? 1 : 0);
}

json_t *tl_mesh_spec_to_json(const struct tl_mesh_spec *s)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
			 "ranks", (json_int_t)s->ranks, "tokens", (json_int_t)s->tokens,
			 "message_size", (json_int_t)s->message_size,
			 "pattern", tl_mesh_pattern_name(s->pattern),
			 "transport", tl_mesh_transport_name(s->transport),
			 "seed", (json_int_t)s->seed,
			 "duration_ns", (json_int_t)s->duration_ns, "hops", (json_int_t)s->hops,
			 "max_time_ns", (json_int_t)s->max_time_ns,
			 "connect_timeout_ns", (json_int_t)s->connect_timeout_ns);
}

static int get_uint(const json_t *j, const char *key, uint64_t max, uint64_t *out,
		    struct tl_err *err)
{
	const json_t *v = json_object_get(j, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return tl_err_set(err, EPROTO, "mesh spec: \"%s\" missing or out of range", key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int tl_mesh_spec_from_json(const json_t *j, struct tl_mesh_spec *s, struct tl_err *err)
{
	struct tl_mesh_spec t;
	uint64_t ranks, tokens, size, seed;
	memset(&t, 0, sizeof(t));
	if (get_uint(j, "ranks", TL_MESH_MAX_RANKS, &ranks, err) < 0 ||
	    get_uint(j, "tokens", TL_MESH_MAX_TOKENS, &tokens, err) < 0 ||
	    get_uint(j, "message_size", TL_MESH_MAX_MESSAGE, &size, err) < 0 ||
	    get_uint(j, "seed", INT64_MAX, &seed, err) < 0 ||
	    get_uint(j, "duration_ns", INT64_MAX, &t.duration_ns, err) < 0 ||
	    get_uint(j, "hops", INT64_MAX, &t.hops, err) < 0 ||
	    get_uint(j, "max_time_ns", INT64_MAX, &t.max_time_ns, err) < 0 ||
	    get_uint(j, "connect_timeout_ns", INT64_MAX, &t.connect_timeout_ns, err) < 0)
		return -EPROTO;
	const char *p = json_string_value(json_object_get(j, "pattern"));
	const char *tr = json_string_value(json_object_get(j, "transport"));
	if (!p || !tr || tl_mesh_pattern_parse(p, &t.pattern, err) < 0 ||
	    tl_mesh_transport_parse(tr, &t.transport, err) < 0)
		return tl_err_set(err, EPROTO, "mesh spec: bad pattern or transport");
	t.ranks = (uint32_t)ranks;
	t.tokens = (uint32_t)tokens;
	t.message_size = (uint32_t)size;
	t.seed = seed;
	if (tl_mesh_spec_validate(&t, err) < 0)
		return -EPROTO;
	*s = t;
	return 0;
}
