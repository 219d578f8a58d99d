/* The "start" of a stream, rr or crr document: where to, what was asked, and the warnings. */
#include <stdlib.h>
#include <string.h>

#include "result/dec.h"
#include "result/stream.h"
#include "result/stream_internal.h"

static void spec_decode(struct tl_dec *d, const json_t *o, struct tl_res_spec *s)
{
	const char *w = "start.test_start";
	s->workload = tl_dec_str(d, o, w, "workload");
	s->direction = tl_dec_str(d, o, w, "direction");
	s->flows = (uint32_t)tl_dec_u64(d, o, w, "flows");
	s->threads = (uint32_t)tl_dec_u64(d, o, w, "threads");
	s->bytes = tl_dec_u64(d, o, w, "bytes");
	s->duration_ns = tl_dec_u64(d, o, w, "duration_ns");
	s->max_duration_ns = tl_dec_u64(d, o, w, "max_duration_ns");
	s->interval_ns = tl_dec_u64(d, o, w, "interval_ns");
	if (tl_dec_failed(d) || !strcmp(s->workload, "stream"))
		return;
	s->request_size = tl_dec_u64(d, o, w, "request_size");
	s->response_size = tl_dec_u64(d, o, w, "response_size");
	s->rate = tl_dec_u64(d, o, w, "rate");
	s->requests_per_conn = tl_dec_u64(d, o, w, "requests_per_conn");
	s->close = tl_dec_str(d, o, w, "close");
	s->linger0 = tl_dec_bool(d, o, w, "linger0");
}

static void crr_decode(struct tl_dec *d, const json_t *o, struct tl_res_crr_ceiling *c)
{
	const char *w = "start.crr";
	c->ports_usable = tl_dec_u64(d, o, w, "ports_usable");
	c->port_hold_seconds = tl_dec_num(d, o, w, "port_hold_seconds");
	c->predicted_max_connections_per_second =
		tl_dec_u64(d, o, w, "predicted_max_connections_per_second");
	c->ceiling_reason = tl_dec_str(d, o, w, "ceiling_reason");
}

static int warnings_decode(struct tl_dec *d, const json_t *arr, struct tl_res_start *s)
{
	size_t n = json_array_size(arr), i;
	if (!n)
		return 0;
	s->warnings = calloc(n, sizeof(*s->warnings));
	if (!s->warnings)
		return tl_dec_fail(d, "start", "warnings", "out of memory");
	for (i = 0; i < n; i++) {
		const char *line = json_string_value(json_array_get(arr, i));
		if (!line)
			return tl_dec_fail(d, "start", "warnings", "an entry is not a string");
		s->warnings[s->nwarnings++] = line;
	}
	return 0;
}

int tl_res_start_decode(const json_t *start, struct tl_res_start *out, struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	memset(out, 0, sizeof(*out));
	if (!json_is_object(start))
		return tl_dec_fail(&d, "", "start", "missing or not an object");
	const json_t *to = tl_dec_obj(&d, start, "start", "connecting_to");
	out->host = tl_dec_str(&d, to, "start.connecting_to", "host");
	out->port = (int)tl_dec_u64(&d, to, "start.connecting_to", "port");
	spec_decode(&d, tl_dec_obj(&d, start, "start", "test_start"), &out->spec);
	warnings_decode(&d, tl_dec_arr(&d, start, "start", "warnings"), out);
	out->start_monotonic_ns = tl_dec_u64_opt(&d, start, "start", "start_monotonic_ns", &out->started);
	/* set on the way to the start: a run that failed before it lacks them */
	out->agent_threads = tl_dec_u64_opt(&d, start, "start", "agent_threads", NULL);
	/* stream's time to open every flow (crr's connectors open theirs as they go) */
	if (out->started && !strcmp(out->spec.workload, "stream"))
		out->connect_ns = tl_dec_u64(&d, start, "start", "connect_ns");
	const json_t *crr = tl_dec_obj_opt(&d, start, "start", "crr");
	out->has_crr = crr != NULL;
	if (crr)
		crr_decode(&d, crr, &out->crr);
	if (tl_dec_failed(&d)) {
		tl_res_start_free(out);
		return -1;
	}
	return 0;
}

void tl_res_start_free(struct tl_res_start *s)
{
	if (!s)
		return;
	free(s->warnings);
	s->warnings = NULL;
	s->nwarnings = 0;
}

int tl_res_doc_decode(const json_t *doc, struct tl_res_start *start, const char **error,
		      int *interrupted, int *has_end, tl_res_end_decoder end_decode, void *end_out,
		      struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	if (!json_is_object(doc))
		return tl_dec_fail(&d, "", "document", "not an object");
	*error = tl_dec_str_opt(&d, doc, "", "error");
	*interrupted = tl_dec_bool_opt(&d, doc, "", "interrupted") == 1;
	const json_t *end = tl_dec_obj_opt(&d, doc, "", "end");
	if (tl_dec_failed(&d) || tl_res_start_decode(json_object_get(doc, "start"), start, err) < 0)
		return -1;
	*has_end = end != NULL;
	if (end && end_decode(end, end_out, err) < 0) {
		tl_res_start_free(start);
		return -1;
	}
	return 0;
}
