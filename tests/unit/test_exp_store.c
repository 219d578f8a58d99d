/* The campaign database: a new file gets the schema, a foreign file is refused, a run is
 * replaced (never duplicated), another campaign is refused, and merge joins disjoint
 * shards and refuses overlapping ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp/store.h"

static char dir[64];

static char *file(const char *name)
{
	static char buf[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int64_t count(struct tl_exp_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	assert_int_equal(sqlite3_prepare_v2(tl_exp_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static struct tl_exp_matrix *matrix(struct tl_exp_axes *ax)
{
	static struct tl_exp_matrix m;
	struct tl_err err = { 0 };
	tl_exp_axes_init(ax);
	assert_int_equal(tl_exp_axes_add_list(ax, TL_AXIS_BUFFER, "1bdp,2bdp", &err), 0);
	assert_int_equal(tl_exp_matrix_build(ax, &m, &err), 0);
	return &m;
}

static void put(struct tl_exp_store *s, uint32_t point, uint32_t rep, bool ok, double bps)
{
	struct tl_err err = { 0 };
	struct tl_exp_flow f = { .flow = 0, .sender = 1, .cc = "cubic", .rtt_ms = 40, .bps = bps };
	struct tl_exp_run r;
	memset(&r, 0, sizeof(r));
	r.point = point;
	r.rep = rep;
	r.ok = ok;
	snprintf(r.reason, sizeof(r.reason), "stream on snd1: exit status 3");
	r.flows = &f;
	r.nflows = 1;
	r.m.goodput_bps = bps;
	if (tl_exp_store_put_run(s, &r, &err) < 0)
		fail_msg("%s", err.msg);
}

static struct tl_exp_store *campaign(const char *name, struct tl_exp_axes *ax)
{
	struct tl_exp_store *s = NULL;
	struct tl_err err = { 0 };
	struct tl_exp_matrix *m = matrix(ax);
	char *key = tl_exp_axes_key(ax);
	struct tl_exp_campaign_info ci = { .key = key, .title = "t", .command = "tcplab exp run",
					   .testbed = "{}" };
	if (tl_exp_store_open(file(name), true, &s, &err) < 0 ||
	    tl_exp_store_begin(s, &ci, m, &err) < 0)
		fail_msg("%s", err.msg);
	tl_exp_matrix_free(m);
	free(key);
	return s;
}

static void test_runs(void **state)
{
	(void)state;
	struct tl_exp_axes *ax = malloc(sizeof(*ax));
	struct tl_err err = { 0 };
	struct tl_exp_store *s = campaign("a.db", ax);
	assert_int_equal(count(s, "SELECT count(*) FROM points"), 2);
	assert_int_equal(count(s, "PRAGMA application_id"), TL_EXP_APP_ID);
	assert_int_equal(tl_exp_store_has_run(s, 0, 0, &err), 0);
	put(s, 0, 0, false, 0);
	assert_int_equal(tl_exp_store_has_run(s, 0, 0, &err), 0); /* failed: run again */
	assert_int_equal(count(s, "SELECT count(*) FROM flows"), 0);
	put(s, 0, 0, true, 5e6);
	put(s, 0, 0, true, 6e6); /* replaced, not added */
	assert_int_equal(tl_exp_store_has_run(s, 0, 0, &err), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM flows"), 1);
	assert_int_equal(count(s, "SELECT bps FROM flows"), 6000000);
	assert_int_equal(count(s, "SELECT count(*) FROM metrics"), 1);
	tl_exp_store_close(s);

	/* the same campaign resumes; another is refused */
	s = campaign("a.db", ax);
	assert_int_equal(count(s, "SELECT count(*) FROM points"), 2);
	tl_exp_store_close(s);
	struct tl_exp_matrix *m = matrix(ax);
	struct tl_exp_campaign_info ci = { .key = "{\"other\":1}", .testbed = "{}" };
	assert_int_equal(tl_exp_store_open(file("a.db"), true, &s, &err), 0);
	assert_true(tl_exp_store_begin(s, &ci, m, &err) < 0);
	assert_non_null(strstr(err.msg, "holds another campaign"));
	tl_exp_store_close(s);
	tl_exp_matrix_free(m);
	free(ax);
}

/* The campaign's state; a version 1 file (no state column) gains it when opened. */
static void test_state(void **state)
{
	(void)state;
	struct tl_exp_axes *ax = malloc(sizeof(*ax));
	struct tl_err err = { 0 };
	struct tl_exp_store *s = campaign("st.db", ax);
	assert_int_equal(count(s, "SELECT count(*) FROM campaign WHERE state IS NULL"), 1);
	assert_int_equal(tl_exp_store_set_state(s, "interrupted", &err), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM campaign WHERE state = 'interrupted'"), 1);
	assert_int_equal(count(s, "PRAGMA user_version"), TL_EXP_SCHEMA_VERSION);
	/* back to what version 1 wrote: no column, user_version 1 */
	assert_int_equal(sqlite3_exec(tl_exp_store_db(s), "ALTER TABLE campaign DROP COLUMN state; "
				      "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	tl_exp_store_close(s);
	assert_int_equal(tl_exp_store_open(file("st.db"), false, &s, &err), 0);
	assert_int_equal(count(s, "PRAGMA user_version"), TL_EXP_SCHEMA_VERSION);
	assert_int_equal(count(s, "SELECT count(*) FROM campaign WHERE state IS NULL"), 1);
	assert_int_equal(tl_exp_store_set_state(s, "finished", &err), 0);
	tl_exp_store_close(s);
	free(ax);
}

static void test_foreign(void **state)
{
	(void)state;
	struct tl_exp_store *s = NULL;
	struct tl_err err = { 0 };
	FILE *f = fopen(file("text.db"), "w");
	fputs("hello, not a database at all\n", f);
	fclose(f);
	assert_true(tl_exp_store_open(file("text.db"), true, &s, &err) < 0);
	assert_non_null(strstr(err.msg, "is not a tcplab campaign database"));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(file("other.db"), &db), SQLITE_OK);
	sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	assert_true(tl_exp_store_open(file("other.db"), true, &s, &err) < 0);
	assert_non_null(strstr(err.msg, "application_id"));
	assert_true(tl_exp_store_open(file("missing.db"), false, &s, &err) < 0);
	assert_int_equal(access(file("missing.db"), F_OK), -1);
}

static void test_merge(void **state)
{
	(void)state;
	struct tl_exp_axes *ax = malloc(sizeof(*ax));
	struct tl_err err = { 0 };
	uint64_t runs = 0;
	struct tl_exp_store *s1 = campaign("s1.db", ax), *s2 = campaign("s2.db", ax);
	put(s1, 0, 0, true, 1e6);
	put(s2, 1, 0, true, 2e6);
	put(s2, 1, 1, false, 0);
	tl_exp_store_close(s1);
	tl_exp_store_close(s2);
	char *in[] = { file("s1.db"), file("s2.db") };
	if (tl_exp_store_merge(file("m.db"), in, 2, &runs, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(runs, 3);
	struct tl_exp_store *m = NULL;
	assert_int_equal(tl_exp_store_open(file("m.db"), false, &m, &err), 0);
	assert_int_equal(count(m, "SELECT count(*) FROM runs"), 3);
	assert_int_equal(count(m, "SELECT count(*) FROM flows"), 2);
	assert_int_equal(count(m, "SELECT count(*) FROM points"), 2);
	assert_int_equal(count(m, "SELECT count(*) FROM campaign"), 1);
	tl_exp_store_close(m);
	/* an existing output, a shard twice: refused, and the refused output is not left */
	assert_true(tl_exp_store_merge(file("m.db"), in, 2, &runs, &err) < 0);
	assert_non_null(strstr(err.msg, "exists"));
	char *twice[] = { file("s1.db"), file("s1.db") };
	assert_true(tl_exp_store_merge(file("t.db"), twice, 2, &runs, &err) < 0);
	assert_non_null(strstr(err.msg, "disjoint"));
	assert_int_equal(access(file("t.db"), F_OK), -1);
	free(ax);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_exp_store.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
