/* exp export: the per-point metrics of a campaign as CSV or JSON. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "exp/export.h"
#include "exp/summary.h"

static void csv_text(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
}

static void csv_num(FILE *out, double v)
{
	/* the JSON document's 8 significant digits: 6 would print 19235232 bit/s as 1.92352e+07 */
	if (!isnan(v))
		fprintf(out, "%.8g", v);
}

static void write_csv(const struct tl_exp_psum *v, uint32_t n, FILE *out)
{
	fputs("point", out);
	for (int k = 0; k < TL_P_COUNT; k++)
		fprintf(out, ",%s", tl_exp_param_name((enum tl_exp_param)k));
	fputs(",buffer_bdp,buffer_bytes,runs_ok,runs_failed", out);
	for (int m = 0; m < TL_M_COUNT; m++)
		fprintf(out, ",%s,%s_sd", tl_exp_metric_name((enum tl_exp_metric)m),
			tl_exp_metric_name((enum tl_exp_metric)m));
	fputs(",failure\n", out);
	for (uint32_t i = 0; i < n; i++) {
		const struct tl_exp_psum *p = &v[i];
		fprintf(out, "%u", p->point);
		for (int k = 0; k < TL_P_COUNT; k++) {
			fputc(',', out);
			csv_text(out, p->param[k]);
		}
		fprintf(out, ",%.6g,%.0f,%u,%u", p->buffer_bdp, p->buffer_bytes, p->runs_ok,
			p->runs_failed);
		for (int m = 0; m < TL_M_COUNT; m++) {
			fputc(',', out);
			csv_num(out, p->mean[m]);
			fputc(',', out);
			csv_num(out, p->sd[m]);
		}
		fputc(',', out);
		csv_text(out, p->reason);
		fputc('\n', out);
	}
}

static json_t *jnum(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/*
 * One column of the campaign row as JSON, by its stored type: integers stay integers. The
 * testbed's facts are stored as a JSON text and exported as the object they are; the key
 * stays a text, because it is the campaign's identity, compared byte for byte.
 */
static json_t *campaign_value(sqlite3_stmt *st, int c)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_INTEGER:
		return json_integer((json_int_t)sqlite3_column_int64(st, c));
	case SQLITE_FLOAT:
		/* the document's 8 significant digits would round a Unix time to 100 s */
		if (strcmp(sqlite3_column_name(st, c), "created_unix") == 0)
			return json_integer((json_int_t)llround(sqlite3_column_double(st, c)));
		return json_real(sqlite3_column_double(st, c));
	case SQLITE_NULL:
		return json_null();
	default:
		break;
	}
	const char *text = (const char *)sqlite3_column_text(st, c);
	if (text && strcmp(sqlite3_column_name(st, c), "testbed") == 0) {
		json_t *facts = json_loads(text, 0, NULL);
		if (json_is_object(facts))
			return facts;
		json_decref(facts);
	}
	return json_string(text ? text : "");
}

static json_t *campaign_json(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	json_t *o = json_object();
	if (sqlite3_prepare_v2(db, "SELECT * FROM campaign", -1, &st, NULL) != SQLITE_OK)
		return o;
	if (sqlite3_step(st) == SQLITE_ROW)
		for (int c = 0; c < sqlite3_column_count(st); c++)
			json_object_set_new(o, sqlite3_column_name(st, c), campaign_value(st, c));
	sqlite3_finalize(st);
	return o;
}

static int write_json(sqlite3 *db, const struct tl_exp_psum *v, uint32_t n, FILE *out)
{
	json_t *doc = json_object(), *pts = json_array();
	json_object_set_new(doc, "campaign", campaign_json(db));
	for (uint32_t i = 0; i < n; i++) {
		const struct tl_exp_psum *p = &v[i];
		json_t *o = json_object(), *m = json_object();
		json_object_set_new(o, "point", json_integer(p->point));
		for (int k = 0; k < TL_P_COUNT; k++)
			json_object_set_new(o, tl_exp_param_name((enum tl_exp_param)k),
					    json_string(p->param[k]));
		json_object_set_new(o, "buffer_bdp", json_real(p->buffer_bdp));
		json_object_set_new(o, "buffer_bytes", json_integer((json_int_t)p->buffer_bytes));
		json_object_set_new(o, "runs_ok", json_integer(p->runs_ok));
		json_object_set_new(o, "runs_failed", json_integer(p->runs_failed));
		if (p->reason[0])
			json_object_set_new(o, "failure", json_string(p->reason));
		for (int k = 0; k < TL_M_COUNT; k++) {
			json_t *e = json_object();
			json_object_set_new(e, "mean", jnum(p->mean[k]));
			json_object_set_new(e, "sd", jnum(p->sd[k]));
			json_object_set_new(e, "n", json_integer(p->n[k]));
			json_object_set_new(m, tl_exp_metric_name((enum tl_exp_metric)k), e);
		}
		json_object_set_new(o, "metrics", m);
		json_array_append_new(pts, o);
	}
	json_object_set_new(doc, "points", pts);
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
	fputc('\n', out);
	json_decref(doc);
	return rc;
}

int tl_exp_export(sqlite3 *db, bool json, FILE *out, struct tl_err *err)
{
	struct tl_exp_psum *v = NULL;
	uint32_t n = 0;
	if (tl_exp_summary_read(db, &v, &n, err) < 0)
		return -EIO;
	int rc = 0;
	if (json)
		rc = write_json(db, v, n, out);
	else
		write_csv(v, n, out);
	free(v);
	if (rc < 0 || ferror(out))
		return tl_err_set(err, EIO, "writing the export failed");
	return 0;
}
