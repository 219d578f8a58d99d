#ifndef TCPLAB_RESULT_STREAM_INTERNAL_H
#define TCPLAB_RESULT_STREAM_INTERNAL_H

/* Shared by the decoders of result/ only. */

#include "result/dec.h"
#include "result/stream.h"

/* {count, min, median, max, mean, jain} at where */
void tl_res_flows_decode(struct tl_dec *d, const json_t *o, const char *where, struct tl_res_flows *f);

/* end.cpu_utilization_percent, end.machine_cpu and end.kernel_tcp (stream, rr and crr). */
void tl_res_end_common_decode(struct tl_dec *d, const json_t *end, double *cpu_client,
			      double *cpu_agent, struct tl_res_end_host *client,
			      struct tl_res_end_host *agent);

/* The AQM's state at where (a series line's "aqm", a status direction's "qdisc"); its kind
 * by the fields only it has. */
void tl_res_aqm_decode(struct tl_dec *d, const json_t *a, const char *where, struct tl_tb_aqm *q);

/* end.testbed: the router's series (testbed/series.h). */
void tl_res_testbed_decode(struct tl_dec *d, const json_t *tb, struct tl_stream_testbed *t);

/* A workload's decoder of the document's end into its struct (end_out). */
typedef int (*tl_res_end_decoder)(const json_t *end, void *end_out, struct tl_err *err);
/* The document's top: its error and interrupted flag, its start decoded into start (free
 * with tl_res_start_free), and its end, when there is one (*has_end), by end_decode into
 * end_out. 0, or -1 with nothing left to free. */
int tl_res_doc_decode(const json_t *doc, struct tl_res_start *start, const char **error,
		      int *interrupted, int *has_end, tl_res_end_decoder end_decode, void *end_out,
		      struct tl_err *err);

#endif
