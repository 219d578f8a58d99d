#include "out/render.h"

/* One row per interval sum, per interval flow (when present) and per flow at the end. */

void tl_csv_header(FILE *f)
{
	fprintf(f, "kind,interval,start_s,end_s,flow,dir,bytes,bits_per_second,sent_bytes,rtt_us,"
		   "snd_cwnd,retransmits,jain,state\n");
}

void tl_csv_interval(FILE *f, const struct tl_stream_interval *iv)
{
	const struct tl_stream_sum *sum = &iv->sum;
	fprintf(f, "interval_sum,%d,%.6f,%.6f,,,%.0f,%.0f,%.0f,,,,%.6f,\n", (int)iv->k, iv->start,
		iv->end, (double)sum->bytes, sum->bits_per_second, (double)sum->sent_bytes,
		sum->flows.jain);
	for (size_t i = 0; i < iv->nflows; i++) {
		const struct tl_stream_iv_flow *st = &iv->flows[i];
		fprintf(f, "interval_flow,%d,%.6f,%.6f,%d,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,,\n",
			(int)iv->k, iv->start, iv->end, (int)st->id, st->dir, (double)st->bytes,
			st->bits_per_second, (double)st->sent_bytes, (double)st->rtt_us,
			(double)st->snd_cwnd, (double)st->retransmits);
	}
	fflush(f);
}

void tl_csv_end(FILE *f, const struct tl_stream_end *end)
{
	const struct tl_stream_sum *sum = &end->sum;
	for (size_t i = 0; i < end->nflows; i++) {
		const struct tl_stream_flow *st = &end->flows[i];
		const char *state = st->failed ? "failed" : st->stalled ? "stalled" : "ok";
		fprintf(f, "end_flow,,0,%.6f,%d,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,,%s\n", sum->seconds,
			(int)st->id, st->dir, (double)st->receiver.bytes, st->bits_per_second,
			(double)st->sender.bytes, st->sender.rtt_us, st->sender.snd_cwnd,
			(double)st->sender.retransmits_window, state);
	}
	fprintf(f, "end_sum,,0,%.6f,,,%.0f,%.0f,%.0f,,,,%.6f,\n", sum->seconds, (double)sum->bytes,
		sum->bits_per_second, (double)sum->sent_bytes, sum->flows.jain);
}
