/* The farm's end table for any number of runs: one column each, rows aligned, summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "out/farm_table.h"

static void fill(struct tl_farm_result *r, uint32_t batch, uint64_t requests, uint64_t secs)
{
	memset(r, 0, sizeof(*r));
	tl_farm_spec_defaults(&r->spec, TL_FARM_MODE_BOTH);
	r->spec.batch = batch;
	r->spec.persistent = batch > 1;
	r->have_workers = r->have_server = true;
	r->elapsed_ns = secs * 1000000000ULL;
	r->check.done = 50000;
	r->work.requests = requests;
	r->work.connects = batch > 1 ? 5 : requests;
	r->work.connect_attempts = r->work.connects;
	r->outcome = TL_FARM_PASS;
	r->primes = r->expected = 348513;
	snprintf(r->summary, sizeof(r->summary), "summary of batch %u", batch);
	snprintf(r->limited_by, sizeof(r->limited_by), "computation");
}

static char *render(const struct tl_farm_result *runs, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(tl_out_farm_table(f, runs, n), 0);
	fclose(f);
	return text;
}

/* The line of a row, e.g. "  jobs/s   ...". */
static const char *row(const char *text, const char *label)
{
	char key[64];
	snprintf(key, sizeof(key), "\n  %s ", label);
	const char *p = strstr(text, key);
	if (!p)
		fail_msg("no row %s in:\n%s", label, text);
	return p + 1;
}

static void test_one_two_three_runs(void **state)
{
	(void)state;
	struct tl_farm_result runs[3];
	fill(&runs[0], 1, 50000, 100);
	fill(&runs[1], 10000, 10, 2);
	fill(&runs[2], 100, 500, 4);
	for (size_t n = 1; n <= 3; n++) {
		char *t = render(runs, n);
		/* Every run has its column: its jobs/s sits on the jobs/s row. */
		const char *jobs = row(t, "jobs/s");
		assert_non_null(strstr(jobs, "500"));
		if (n >= 2)
			assert_non_null(strstr(jobs, "25,000"));
		if (n >= 3)
			assert_non_null(strstr(jobs, "12,500"));
		else
			assert_null(strstr(t, "12,500"));
		/* Each run's summary follows the table. */
		for (size_t i = 0; i < n; i++)
			assert_non_null(strstr(t, runs[i].summary));
		if (n == 2)
			assert_non_null(strstr(t, "batching: 50.0x the jobs/s"));
		if (n == 3)
			assert_non_null(strstr(t, "run 3 against run 1: 25.0x the jobs/s"));
		free(t);
	}
}

/* Columns line up: every row's second column starts where the head's does. */
static void test_columns_align(void **state)
{
	(void)state;
	struct tl_farm_result runs[3];
	fill(&runs[0], 1, 50000, 100);
	fill(&runs[1], 10000, 10, 2);
	fill(&runs[2], 100, 500, 4);
	char *t = render(runs, 3);
	char head1[48], head2[48];
	tl_farm_spec_label(&runs[1].spec, head1, sizeof(head1));
	tl_farm_spec_label(&runs[2].spec, head2, sizeof(head2));
	const char *line = strchr(t + 1, '\n') ? t + 1 : t;
	const char *h1 = strstr(line, head1), *h2 = strstr(line, head2);
	assert_non_null(h1);
	assert_non_null(h2);
	long col1 = h1 - line, col2 = h2 - line;
	const char *r = row(t, "result");
	assert_true(r[col1 - 1] == ' ' && r[col1] != ' ');
	assert_true(r[col2 - 1] == ' ' && r[col2] != ' ');
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_two_three_runs),
		cmocka_unit_test(test_columns_align),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
