#include "workload/result_ends.h"

uint64_t tl_result_u64(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static double cpu_percent(const json_t *res)
{
	const json_t *p = json_object_get(json_object_get(res, "cpu"), "percent");
	return json_is_real(p) ? json_real_value(p) : 0.0;
}

json_t *tl_result_cpu_percent(const json_t *client_res, const json_t *agent_res)
{
	return json_pack("{s:f,s:f}", "client", cpu_percent(client_res), "agent", cpu_percent(agent_res));
}

/* {"client": c, "agent": a}, each a copy, and left out unless an object. */
static json_t *per_end(const json_t *c, const json_t *a)
{
	json_t *o = json_object();
	if (json_is_object(c))
		json_object_set_new(o, "client", json_deep_copy(c));
	if (json_is_object(a))
		json_object_set_new(o, "agent", json_deep_copy(a));
	return o;
}

json_t *tl_result_machine_cpu(const json_t *client_res, const json_t *agent_res)
{
	return per_end(json_object_get(json_object_get(client_res, "cpu"), "machine"),
		       json_object_get(json_object_get(agent_res, "cpu"), "machine"));
}

json_t *tl_result_kernel_tcp(const json_t *client_res, const json_t *agent_res)
{
	return per_end(json_object_get(client_res, "kernel_tcp"),
		       json_object_get(agent_res, "kernel_tcp"));
}
