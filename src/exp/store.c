/* The campaign database: schema, campaign identity, one transaction per run, merge. */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "exp/schema.h"
#include "exp/store.h"

struct tl_exp_store {
	sqlite3 *db;
	int lock_fd; /* flock()ed while a campaign runs into the file; -1 when not */
	char path[512];
};

sqlite3 *tl_exp_store_db(struct tl_exp_store *s)
{
	return s->db;
}

static int db_err(struct tl_exp_store *s, struct tl_err *err, const char *what)
{
	return tl_err_set(err, EIO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int exec(struct tl_exp_store *s, const char *sql, struct tl_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		tl_err_set(err, EIO, "%s: %s", s->path, msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int pragma_int(struct tl_exp_store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/* A version 1 file gains campaign.state; a file that cannot be written stays as it is. */
static int upgrade_v1(struct tl_exp_store *s, int64_t *ver, struct tl_err *err)
{
	char sql[128];
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", TL_EXP_SCHEMA_VERSION);
	if (exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (exec(s, TL_EXP_SCHEMA_V1_TO_V2, err) < 0 || exec(s, sql, err) < 0 ||
	    exec(s, "COMMIT", err) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	*ver = TL_EXP_SCHEMA_VERSION;
	return 0;
}

int tl_exp_store_open(const char *path, bool create, struct tl_exp_store **out,
		      struct tl_err *err)
{
	struct tl_exp_store *s = calloc(1, sizeof(*s));
	int64_t app = 0, ver = 0, tables = 0;
	if (!s)
		return tl_err_set(err, ENOMEM, "%s: out of memory", path);
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->lock_fd = -1;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	if (!create && access(path, R_OK) != 0) {
		tl_err_errno(err, "campaign database %s", path);
		free(s);
		return -ENOENT;
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		tl_err_set(err, EIO, "%s: cannot open: %s", path,
			   s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (pragma_int(s, "PRAGMA application_id", &app) < 0 ||
	    pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables) < 0) {
		tl_err_set(err, EINVAL, "%s is not a tcplab campaign database (not an SQLite "
			   "file; give a new file name, or the .db that 'tcplab exp run -o' wrote)",
			   path);
		goto fail;
	}
	if (app == 0 && tables == 0 && create) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
			 TL_EXP_APP_ID, TL_EXP_SCHEMA_VERSION);
		if (exec(s, "BEGIN", err) < 0 || exec(s, TL_EXP_SCHEMA_SQL, err) < 0 ||
		    exec(s, sql, err) < 0 || exec(s, "COMMIT", err) < 0)
			goto fail;
	} else if (app != TL_EXP_APP_ID) {
		tl_err_set(err, EINVAL, "%s is not a tcplab campaign database (its SQLite "
			   "application_id is 0x%llx, not 0x%x; give a new file name, or the .db that "
			   "'tcplab exp run -o' wrote)", path, (unsigned long long)app, TL_EXP_APP_ID);
		goto fail;
	}
	if (pragma_int(s, "PRAGMA user_version", &ver) == 0 && ver == 1 && upgrade_v1(s, &ver, err) < 0)
		goto fail;
	if (pragma_int(s, "PRAGMA user_version", &ver) < 0 || ver != TL_EXP_SCHEMA_VERSION) {
		tl_err_set(err, EINVAL, "%s: schema version %lld, this tcplab reads %d (use the "
			   "tcplab that wrote it)", path, (long long)ver, TL_EXP_SCHEMA_VERSION);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	sqlite3_close(s->db);
	free(s);
	return -EINVAL;
}

void tl_exp_store_close(struct tl_exp_store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	/* After SQLite's close: closing any descriptor of the file drops the POSIX locks the
	 * process holds on it, SQLite's included. The flock() goes with this close. */
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

int tl_exp_store_lock(struct tl_exp_store *s, struct tl_err *err)
{
	/* flock() locks are separate from the POSIX byte-range locks SQLite uses. */
	s->lock_fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (s->lock_fd < 0)
		return tl_err_errno(err, "%s", s->path);
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return tl_err_set(err, EBUSY, "%s: another 'tcplab exp run' is writing this "
				  "database (wait for it, or give each shard its own file)", s->path);
	return 0;
}

static int insert_points(struct tl_exp_store *s, const struct tl_exp_matrix *m,
			 struct tl_err *err)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO points VALUES (?,?,?,?,?,?,?,?,?,?,"
			       "?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, err, "prepare points");
	for (uint32_t i = 0; i < m->count; i++) {
		const struct tl_exp_point *p = &m->points[i];
		uint64_t rtt_max = 0;
		for (unsigned k = 0; k < p->senders; k++)
			rtt_max = p->rtt_ns[k] > rtt_max ? p->rtt_ns[k] : rtt_max;
		int c = 1;
		sqlite3_bind_int64(st, c++, p->id);
		sqlite3_bind_text(st, c++, p->text[TL_AXIS_RATE], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, c++, (int64_t)p->rate_bps);
		sqlite3_bind_text(st, c++, p->text[TL_AXIS_RTT], -1, SQLITE_STATIC);
		sqlite3_bind_double(st, c++, (double)rtt_max / 1e6);
		sqlite3_bind_int64(st, c++, p->senders);
		sqlite3_bind_text(st, c++, p->text[TL_AXIS_BUFFER], -1, SQLITE_STATIC);
		sqlite3_bind_double(st, c++, p->buffer_bdp);
		sqlite3_bind_int64(st, c++, (int64_t)p->buffer_bytes);
		sqlite3_bind_text(st, c++, p->text[TL_AXIS_AQM], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, c++, p->aqm_kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, c++, p->text[TL_AXIS_LOSS], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, c++, p->text[TL_AXIS_CC], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, c++, p->flows);
		sqlite3_bind_text(st, c++, p->text[TL_AXIS_RCVBUF], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, c++, (int64_t)p->rcvbuf);
		sqlite3_bind_text(st, c++, p->text[TL_AXIS_CLAMP], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, c++, (int64_t)p->clamp);
		sqlite3_bind_double(st, c++, (double)p->duration_ns / 1e9);
		sqlite3_bind_double(st, c++, (double)p->warmup_ns / 1e9);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_err(s, err, "insert point");
			goto out;
		}
		sqlite3_reset(st);
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

static int check_campaign(struct tl_exp_store *s, const char *key, struct tl_err *err)
{
	sqlite3_stmt *st = NULL;
	int ret = 1; /* 1: no campaign yet */
	if (sqlite3_prepare_v2(s->db, "SELECT key FROM campaign", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, err, "read campaign");
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *have = (const char *)sqlite3_column_text(st, 0);
		ret = 0;
		if (!have || strcmp(have, key) != 0)
			ret = tl_err_set(err, EINVAL, "%s holds another campaign (its axes differ from "
					 "these: %s); give a new -o file to start this one, or the "
					 "same axes to resume", s->path, have ? have : "none");
	}
	sqlite3_finalize(st);
	return ret;
}

int tl_exp_store_set_state(struct tl_exp_store *s, const char *state, struct tl_err *err)
{
	sqlite3_stmt *st = NULL;
	int ret = 0;
	if (sqlite3_prepare_v2(s->db, "UPDATE campaign SET state = ?", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, err, "prepare campaign state");
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = db_err(s, err, "campaign state");
	sqlite3_finalize(st);
	return ret;
}

int tl_exp_store_begin(struct tl_exp_store *s, const struct tl_exp_campaign_info *ci,
		       const struct tl_exp_matrix *m, struct tl_err *err)
{
	sqlite3_stmt *st = NULL;
	struct utsname u;
	int ret = -1;
	int have = check_campaign(s, ci->key, err);
	if (have < 0)
		return have;
	if (exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -EIO;
	if (have == 1) {
		if (uname(&u) < 0)
			memset(&u, 0, sizeof(u));
		if (sqlite3_prepare_v2(s->db, "INSERT INTO campaign VALUES (1,?,?,?,?,?,?,?,?,?,NULL)",
				       -1, &st, NULL) != SQLITE_OK) {
			db_err(s, err, "prepare campaign");
			goto out;
		}
		sqlite3_bind_text(st, 1, ci->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ci->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ci->command, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, TCPLAB_VERSION, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, u.nodename, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, u.release, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, sysconf(_SC_NPROCESSORS_ONLN));
		sqlite3_bind_text(st, 8, ci->testbed, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 9, (double)time(NULL));
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_err(s, err, "insert campaign");
			goto out;
		}
	}
	if (insert_points(s, m, err) < 0)
		goto out;
	ret = exec(s, "COMMIT", err);
out:
	sqlite3_finalize(st);
	if (ret < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

int tl_exp_store_has_run(struct tl_exp_store *s, uint32_t point, uint32_t rep,
			 struct tl_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT status FROM runs WHERE point = ? AND rep = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return db_err(s, err, "read runs");
	sqlite3_bind_int64(st, 1, point);
	sqlite3_bind_int64(st, 2, rep);
	int ret = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		ret = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	return ret;
}

/* Binds a double, or NULL for NaN (a metric that does not apply). */
static void bind_real(sqlite3_stmt *st, int col, double v)
{
	if (isnan(v) || isinf(v))
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_double(st, col, v);
}

/* Prepares sql, binds point and rep to 1 and 2: the start of every row of a run. */
static sqlite3_stmt *prep(struct tl_exp_store *s, const char *sql, const struct tl_exp_run *r)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, r->point);
	sqlite3_bind_int64(st, 2, r->rep);
	return st;
}

static int step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int put_flows(struct tl_exp_store *s, const struct tl_exp_run *r)
{
	int ret = -1;
	sqlite3_stmt *st = prep(s, "INSERT INTO flows VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", r);
	sqlite3_stmt *it = prep(s, "INSERT INTO intervals VALUES (?,?,?,?,?,?,?,?,?,?,?)", r);
	if (!st || !it)
		goto out;
	for (uint32_t i = 0; i < r->nflows; i++) {
		const struct tl_exp_flow *f = &r->flows[i];
		sqlite3_bind_int64(st, 3, f->flow);
		sqlite3_bind_int64(st, 4, f->sender);
		sqlite3_bind_text(st, 5, f->cc, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 6, f->rtt_ms);
		sqlite3_bind_int64(st, 7, (int64_t)f->bytes);
		sqlite3_bind_double(st, 8, f->bps);
		sqlite3_bind_int64(st, 9, (int64_t)f->retransmits);
		sqlite3_bind_int64(st, 10, (int64_t)f->rcvbuf);
		bind_real(st, 11, f->srtt_ms);
		sqlite3_bind_int(st, 12, f->stalled);
		sqlite3_bind_int(st, 13, f->failed);
		sqlite3_bind_text(st, 14, f->tcp_info, -1, SQLITE_STATIC);
		if (step_reset(st) < 0)
			goto out;
	}
	for (uint32_t i = 0; i < r->nintervals; i++) {
		const struct tl_exp_interval *v = &r->intervals[i];
		sqlite3_bind_int64(it, 3, v->flow);
		sqlite3_bind_int64(it, 4, v->k);
		sqlite3_bind_double(it, 5, v->start_s);
		sqlite3_bind_double(it, 6, v->end_s);
		sqlite3_bind_int64(it, 7, (int64_t)v->bytes);
		sqlite3_bind_double(it, 8, v->bps);
		sqlite3_bind_int64(it, 9, v->rtt_us);
		sqlite3_bind_int64(it, 10, v->cwnd);
		sqlite3_bind_int64(it, 11, (int64_t)v->retransmits);
		if (step_reset(it) < 0)
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(it);
	return ret;
}

static int put_series(struct tl_exp_store *s, const struct tl_exp_run *r)
{
	int ret = -1;
	sqlite3_stmt *q = prep(s, "INSERT INTO queue VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", r);
	sqlite3_stmt *l = prep(s, "INSERT INTO latency VALUES (?,?,?,?,?)", r);
	sqlite3_stmt *g = prep(s, "INSERT INTO groups VALUES (?,?,?,?,?,?,?)", r);
	if (!q || !l || !g)
		goto out;
	for (uint32_t i = 0; i < r->nqueue; i++) {
		const struct tl_exp_qsample *v = &r->queue[i];
		sqlite3_bind_double(q, 3, v->t_s);
		sqlite3_bind_int64(q, 4, (int64_t)v->backlog_bytes);
		sqlite3_bind_int64(q, 5, (int64_t)v->backlog_pkts);
		sqlite3_bind_double(q, 6, v->sojourn_p50_ms);
		sqlite3_bind_double(q, 7, v->sojourn_p99_ms);
		sqlite3_bind_double(q, 8, v->sojourn_max_ms);
		sqlite3_bind_double(q, 9, v->out_bps);
		sqlite3_bind_int64(q, 10, (int64_t)v->drops);
		sqlite3_bind_int64(q, 11, (int64_t)v->marks);
		sqlite3_bind_int64(q, 12, (int64_t)v->samples);
		if (step_reset(q) < 0)
			goto out;
	}
	for (uint32_t i = 0; i < r->nlatency; i++) {
		sqlite3_bind_int64(l, 3, (int64_t)r->latency[i].lo_ns);
		sqlite3_bind_int64(l, 4, (int64_t)r->latency[i].hi_ns);
		sqlite3_bind_int64(l, 5, (int64_t)r->latency[i].count);
		if (step_reset(l) < 0)
			goto out;
	}
	for (uint32_t i = 0; i < r->ngroups; i++) {
		sqlite3_bind_text(g, 3, r->groups[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(g, 4, r->groups[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(g, 5, r->groups[i].flows);
		sqlite3_bind_double(g, 6, r->groups[i].bps);
		sqlite3_bind_double(g, 7, r->groups[i].share);
		if (step_reset(g) < 0)
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(q);
	sqlite3_finalize(l);
	sqlite3_finalize(g);
	return ret;
}

static int put_metrics(struct tl_exp_store *s, const struct tl_exp_run *r)
{
	int ret = -1;
	sqlite3_stmt *m = prep(s, "INSERT INTO metrics VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", r);
	sqlite3_stmt *u = prep(s, "INSERT INTO runs VALUES (?,?,?,?,?,?)", r);
	if (!m || !u)
		goto out;
	if (r->ok) {
		const struct tl_exp_metrics *x = &r->m;
		int c = 3;
		bind_real(m, c++, x->goodput_bps);
		bind_real(m, c++, x->utilisation);
		bind_real(m, c++, x->jain);
		bind_real(m, c++, x->cc_share);
		bind_real(m, c++, x->cc_ratio);
		bind_real(m, c++, x->rtt_ratio);
		bind_real(m, c++, x->qdelay_p50_ms);
		bind_real(m, c++, x->qdelay_p99_ms);
		sqlite3_bind_int64(m, c++, (int64_t)x->drops);
		sqlite3_bind_int64(m, c++, (int64_t)x->marks);
		sqlite3_bind_int64(m, c++, (int64_t)x->retransmits);
		bind_real(m, c++, x->latency_p50_ms);
		bind_real(m, c++, x->latency_p99_ms);
		if (step_reset(m) < 0)
			goto out;
	}
	sqlite3_bind_text(u, 3, r->ok ? "ok" : "failed", -1, SQLITE_STATIC);
	if (r->ok)
		sqlite3_bind_null(u, 4);
	else
		sqlite3_bind_text(u, 4, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_double(u, 5, r->started_unix);
	sqlite3_bind_double(u, 6, r->seconds);
	if (step_reset(u) < 0)
		goto out;
	ret = 0;
out:
	sqlite3_finalize(m);
	sqlite3_finalize(u);
	return ret;
}

int tl_exp_store_put_run(struct tl_exp_store *s, const struct tl_exp_run *r, struct tl_err *err)
{
	static const char *const tables[] = TL_EXP_RUN_TABLES;
	char sql[128];
	if (exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -EIO;
	for (unsigned i = 0; i < TL_EXP_RUN_TABLE_COUNT; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE point = %u AND rep = %u", tables[i],
			 r->point, r->rep);
		if (exec(s, sql, err) < 0)
			goto fail;
	}
	if ((r->ok && (put_flows(s, r) < 0 || put_series(s, r) < 0)) || put_metrics(s, r) < 0) {
		db_err(s, err, "write run");
		goto fail;
	}
	if (exec(s, "COMMIT", err) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

static int merge_one(struct tl_exp_store *out, const char *in, bool first, uint64_t *runs,
		     struct tl_err *err)
{
	static const char *const tables[] = TL_EXP_RUN_TABLES;
	struct tl_exp_store *src = NULL;
	char *sql = NULL;
	int ret = -1;
	int64_t dup = 0, n = 0;
	if (tl_exp_store_open(in, false, &src, err) < 0)
		return -EINVAL;
	tl_exp_store_close(src);
	sql = sqlite3_mprintf("ATTACH DATABASE %Q AS src", in);
	if (exec(out, sql, err) < 0)
		goto out;
	if (exec(out, "BEGIN", err) < 0)
		goto detach;
	if (first) {
		if (exec(out, "INSERT INTO campaign SELECT * FROM src.campaign", err) < 0)
			goto detach;
	} else if (pragma_int(out, "SELECT count(*) FROM src.campaign s, main.campaign m "
			      "WHERE s.key = m.key", &n) < 0 || n != 1) {
		tl_err_set(err, EINVAL, "%s holds another campaign than the databases before it "
			   "(their axes differ); merge only shards of one campaign", in);
		goto detach;
	}
	if (pragma_int(out, "SELECT count(*) FROM src.runs s JOIN main.runs m USING (point, rep)",
		       &dup) < 0 || dup > 0) {
		tl_err_set(err, EINVAL, "%s repeats %lld run(s) already merged from another "
			   "database (shards must be disjoint: run them with --shard K/N)", in,
			   (long long)dup);
		goto detach;
	}
	if (exec(out, "INSERT OR IGNORE INTO points SELECT * FROM src.points", err) < 0)
		goto detach;
	for (unsigned i = 0; i < TL_EXP_RUN_TABLE_COUNT; i++) {
		sqlite3_free(sql);
		sql = sqlite3_mprintf("INSERT INTO main.%s SELECT * FROM src.%s", tables[i],
				      tables[i]);
		if (exec(out, sql, err) < 0)
			goto detach;
	}
	*runs += (uint64_t)sqlite3_changes(out->db);
	ret = exec(out, "COMMIT", err);
detach:
	if (ret < 0)
		sqlite3_exec(out->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(out->db, "DETACH DATABASE src", NULL, NULL, NULL);
out:
	sqlite3_free(sql);
	return ret;
}

int tl_exp_store_merge(const char *out, char *const *inputs, unsigned n, uint64_t *runs,
		       struct tl_err *err)
{
	struct tl_exp_store *s = NULL;
	int ret = -1;
	*runs = 0;
	if (access(out, F_OK) == 0)
		return tl_err_set(err, EEXIST, "-o %s: the file exists (give a new file name; "
				  "merge never overwrites)", out);
	if (tl_exp_store_open(out, true, &s, err) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (merge_one(s, inputs[i], i == 0, runs, err) < 0)
			goto out;
	ret = 0;
out:
	tl_exp_store_close(s);
	if (ret < 0)
		unlink(out);
	return ret;
}
