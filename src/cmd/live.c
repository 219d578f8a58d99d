/* The live parts of a stream, rr or crr result, to every output of the command (cmd/live.h). */
#include "cmd/live.h"

#include "out/render.h"

/* An interval of either kind, decoded. */
union live_interval {
	struct tl_stream_interval stream;
	struct tl_txn_interval txn;
};

/* What one kind of result is rendered with; the interval's functions take the union, so the
 * rows below adapt the typed decoders and renderers of result/ and out/ to it. */
struct live_renderers {
	void (*table_start)(FILE *f, const struct tl_res_start *start);
	void (*csv_header)(FILE *f);
	int (*decode)(const json_t *json, union live_interval *iv, struct tl_err *err);
	void (*table)(FILE *f, const union live_interval *iv, int bidir);
	void (*csv)(FILE *f, const union live_interval *iv);
	void (*free)(union live_interval *iv);
};

static int stream_decode(const json_t *json, union live_interval *iv, struct tl_err *err)
{
	return tl_stream_interval_decode(json, &iv->stream, err);
}

static void stream_table(FILE *f, const union live_interval *iv, int bidir)
{
	tl_table_interval(f, &iv->stream, bidir);
}

static void stream_csv(FILE *f, const union live_interval *iv)
{
	tl_csv_interval(f, &iv->stream);
}

static void stream_free(union live_interval *iv)
{
	tl_stream_interval_free(&iv->stream);
}

static int txn_decode(const json_t *json, union live_interval *iv, struct tl_err *err)
{
	return tl_txn_interval_decode(json, &iv->txn, err);
}

/* rr and crr have one direction: bidir does not apply */
static void txn_table(FILE *f, const union live_interval *iv, int bidir)
{
	(void)bidir;
	tl_txn_table_interval(f, &iv->txn);
}

static void txn_csv(FILE *f, const union live_interval *iv)
{
	tl_txn_csv_interval(f, &iv->txn);
}

static void txn_free(union live_interval *iv)
{
	tl_txn_interval_free(&iv->txn);
}

static const struct live_renderers renderers[] = {
	[CMD_LIVE_STREAM] = { tl_table_start, tl_csv_header, stream_decode, stream_table, stream_csv,
			      stream_free },
	[CMD_LIVE_TXN] = { tl_txn_table_start, tl_txn_csv_header, txn_decode, txn_table, txn_csv,
			   txn_free },
};

void cmd_live_connecting(void *ctx, uint32_t done, uint32_t total)
{
	const struct cmd_live *lv = ctx;
	if (lv->progress_tty)
		cmd_progress_connecting(done, total);
}

void cmd_live_decode_failed(struct cmd_live *lv, const struct tl_err *err)
{
	if (!lv->decode_err.msg[0])
		lv->decode_err = *err;
}

void cmd_live_started(void *ctx, const json_t *start)
{
	struct cmd_live *lv = ctx;
	const struct live_renderers *r = &renderers[lv->kind];
	struct tl_res_start st;
	struct tl_err err = { 0 };
	int ok = tl_res_start_decode(start, &st, &err) == 0;
	if (!ok)
		cmd_live_decode_failed(lv, &err);
	for (int i = 0; i < lv->out.n; i++) {
		FILE *f = lv->out.f[i];
		if (lv->out.format[i] == OUT_TABLE && ok)
			r->table_start(f, &st);
		else if (lv->out.format[i] == OUT_JSONL)
			tl_jsonl_event(f, "start", start);
		else if (lv->out.format[i] == OUT_CSV)
			r->csv_header(f);
		fflush(f);
	}
	if (ok)
		tl_res_start_free(&st);
}

void cmd_live_interval(void *ctx, const json_t *json)
{
	struct cmd_live *lv = ctx;
	const struct live_renderers *r = &renderers[lv->kind];
	union live_interval iv;
	struct tl_err err = { 0 };
	int ok = r->decode(json, &iv, &err) == 0;
	if (!ok)
		cmd_live_decode_failed(lv, &err);
	for (int i = 0; i < lv->out.n; i++) {
		FILE *f = lv->out.f[i];
		if (lv->out.format[i] == OUT_TABLE && ok)
			r->table(f, &iv, lv->bidir);
		else if (lv->out.format[i] == OUT_JSONL)
			tl_jsonl_event(f, "interval", json);
		else if (lv->out.format[i] == OUT_CSV && ok)
			r->csv(f, &iv);
	}
	if (ok)
		r->free(&iv);
}

void cmd_live_warning(void *ctx, const char *line)
{
	const struct cmd_live *lv = ctx;
	enum out_format format = lv->out.format[0]; /* standard output's */
	if (format == OUT_TABLE) {
		printf("warning: %s\n", line);
		fflush(stdout);
	} else if (format == OUT_JSONL) {
		json_t *w = json_pack("{s:s}", "warning", line);
		tl_jsonl_event(stdout, "warning", w);
		json_decref(w);
	} else {
		fprintf(stderr, "tcplab %s: warning: %s\n", lv->cmd, line);
	}
}

void cmd_live_end_machine(const struct cmd_live *lv, const json_t *doc, int rc, const char *errmsg)
{
	const json_t *end = json_object_get(doc, "end");
	cmd_outputs_json(&lv->out, doc);
	for (int i = 0; i < lv->out.n; i++) {
		if (lv->out.format[i] != OUT_JSONL)
			continue;
		if (end)
			tl_jsonl_event(lv->out.f[i], "end", end);
		if (rc < 0) {
			json_t *e = json_pack("{s:s}", "error", errmsg);
			tl_jsonl_event(lv->out.f[i], "error", e);
			json_decref(e);
		}
		fflush(lv->out.f[i]);
	}
}

int cmd_live_finish(struct cmd_live *lv, int rc, const char *errmsg)
{
	int status = TL_EXIT_OK;
	struct tl_err ferr = { 0 };
	if (cmd_outputs_close(&lv->out, &ferr) < 0) {
		fprintf(stderr, "tcplab %s: %s\n", lv->cmd, ferr.msg);
		status = TL_EXIT_ERROR;
	}
	if (rc < 0) {
		fprintf(stderr, "tcplab %s: %s\n", lv->cmd, errmsg);
		status = TL_EXIT_ERROR;
	} else if (lv->decode_err.msg[0]) {
		fprintf(stderr, "tcplab %s: %s\n", lv->cmd, lv->decode_err.msg);
		status = TL_EXIT_ERROR;
	}
	return status;
}
