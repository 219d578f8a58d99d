/*
 * Fuzz target for what the client makes of the agent's INTERVAL and RESULTS messages
 * (workload/result.h: tl_stream_merge_*, and through it workload/txn_result.h for rr and
 * crr) and for the latency histograms they carry (measure/hist.h: tl_hist_from_json).
 *
 * Input: one byte choosing the test (workload, direction, flows, per-flow limit), then a
 * JSON object {"client_iv", "agent_iv", "client_res", "agent_res", "hist"}; any member may
 * be missing or of any type, as a hostile agent could send. The merged interval and end
 * must be JSON objects that serialise; an accepted histogram must survive to_json and
 * from_json unchanged.
 */
#include <string.h>

#include <jansson.h>

#include "ctl/spec.h"
#include "fuzz_util.h"
#include "measure/hist.h"
#include "util/err.h"
#include "workload/result.h"
#include "workload/txn_result.h"

static void dump_ok(json_t *j)
{
	if (!j)
		return;
	char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	FUZZ_CHECK(text != NULL);
	free(text);
	json_decref(j);
}

static void fuzz_hist(const json_t *j)
{
	struct tl_hist *h = tl_hist_new(), *h2 = tl_hist_new();
	struct tl_err err = { 0 };
	FUZZ_CHECK(h && h2);
	if (tl_hist_from_json(h, j, &err) == 0) {
		json_t *a = tl_hist_to_json(h);
		FUZZ_CHECK(a != NULL);
		FUZZ_CHECK(tl_hist_from_json(h2, a, &err) == 0);
		json_t *b = tl_hist_to_json(h2);
		FUZZ_CHECK(b != NULL && json_equal(a, b));
		static const double pcts[] = { 0, 50, 99, 99.9, 100 };
		uint64_t out[5];
		tl_hist_percentiles(h, pcts, out, 5);
		for (int i = 1; i < 5; i++)
			FUZZ_CHECK(out[i - 1] <= out[i]);
		tl_hist_merge(h2, h);
		json_decref(a);
		json_decref(b);
	} else {
		FUZZ_CHECK(err.msg[0] != '\0');
	}
	tl_hist_free(h);
	tl_hist_free(h2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_object_seed(0x544c4142);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* bits 0-1 workload, 2-3 direction, 4-5 flows - 1, 6-7 per-flow limit (0, 1, 2, 64) */
	uint8_t sel = data[0];
	struct tl_spec spec;
	tl_spec_defaults(&spec);
	spec.workload = (enum tl_workload)((sel & 3) % 3);
	spec.direction = (enum tl_direction)((sel >> 2 & 3) % 3);
	spec.flows = 1u + (sel >> 4 & 3);
	static const uint32_t limits[4] = { 0, 1, 2, 64 };
	uint32_t per_flow_limit = limits[sel >> 6];
	if (spec.workload != TL_WORKLOAD_STREAM) {
		spec.request_size = 64;
		spec.response_size = 1024;
	}

	json_error_t jerr;
	json_t *doc = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, &jerr);
	if (!doc)
		return 0;
	const json_t *ci = json_object_get(doc, "client_iv"), *ai = json_object_get(doc, "agent_iv");
	const json_t *cr = json_object_get(doc, "client_res"), *ar = json_object_get(doc, "agent_res");

	struct tl_stream_merge *m = tl_stream_merge_new(&spec, per_flow_limit);
	FUZZ_CHECK(m != NULL);
	if (ci || ai)
		dump_ok(tl_stream_merge_interval(m, ci, ai));
	json_t *end = tl_stream_merge_end(m, cr, ar);
	FUZZ_CHECK(end == NULL || json_is_object(end));
	dump_ok(end);
	dump_ok(tl_result_machine_cpu(cr, ar));
	dump_ok(tl_result_kernel_tcp(cr, ar));
	tl_stream_merge_free(m);

	fuzz_hist(json_object_get(doc, "hist"));
	/* The transaction results carry their histogram here (cmd/txn.c reads it back). */
	fuzz_hist(json_object_get(cr, "latency_histogram"));
	json_decref(doc);
	return 0;
}
