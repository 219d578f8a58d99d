#include "out/render.h"

/* One row per interval sum, per interval flow (when present) and per flow at the end. */

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

void tl_csv_header(FILE *f)
{
	fprintf(f, "kind,interval,start_s,end_s,flow,dir,bytes,bits_per_second,sent_bytes,rtt_us,"
		   "snd_cwnd,retransmits,jain,state\n");
}

void tl_csv_interval(FILE *f, const json_t *iv)
{
	const json_t *sum = json_object_get(iv, "sum"), *st;
	size_t i;
	fprintf(f, "interval_sum,%d,%.6f,%.6f,,,%.0f,%.0f,%.0f,,,,%.6f,\n", (int)num(iv, "k"),
		num(iv, "start"), num(iv, "end"), num(sum, "bytes"), num(sum, "bits_per_second"),
		num(sum, "sent_bytes"), num(json_object_get(sum, "flows"), "jain"));
	json_array_foreach(json_object_get(iv, "streams"), i, st)
		fprintf(f, "interval_flow,%d,%.6f,%.6f,%d,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,,\n",
			(int)num(iv, "k"), num(iv, "start"), num(iv, "end"), (int)num(st, "id"),
			str(st, "dir"), num(st, "bytes"), num(st, "bits_per_second"), num(st, "sent_bytes"),
			num(st, "rtt_us"), num(st, "snd_cwnd"), num(st, "retransmits"));
	fflush(f);
}

void tl_csv_end(FILE *f, const json_t *end)
{
	const json_t *st, *sum = json_object_get(end, "sum");
	size_t i;
	json_array_foreach(json_object_get(end, "streams"), i, st) {
		const json_t *snd = json_object_get(st, "sender"), *rcv = json_object_get(st, "receiver");
		const json_t *ti = json_object_get(snd, "tcp_info");
		const char *state = json_is_true(json_object_get(st, "failed")) ? "failed"
				    : json_is_true(json_object_get(st, "stalled")) ? "stalled" : "ok";
		fprintf(f, "end_flow,,0,%.6f,%d,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,,%s\n",
			num(sum, "seconds"), (int)num(st, "id"), str(st, "dir"), num(rcv, "bytes"),
			num(st, "bits_per_second"), num(snd, "bytes"), num(ti, "rtt"), num(ti, "snd_cwnd"),
			num(snd, "retransmits_window"), state);
	}
	fprintf(f, "end_sum,,0,%.6f,,,%.0f,%.0f,%.0f,,,,%.6f,\n", num(sum, "seconds"), num(sum, "bytes"),
		num(sum, "bits_per_second"), num(sum, "sent_bytes"), num(json_object_get(sum, "flows"), "jain"));
}
