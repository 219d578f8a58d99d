/* The mesh decoder and table on real documents (a --compare run of the four transports, a
 * unix --hops run): every figure comes out as the document has it, the table shows it, and a
 * field that is missing or of another type is an error naming its path, never a 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "out/mesh_table.h"
#include "result/mesh.h"
#include "result_fixture.h"

static char *render(const struct tl_mesh_doc *d, int per_rank)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	tl_out_mesh_table(f, d->runs, d->nruns);
	for (size_t i = 0; per_rank && i < d->nruns; i++)
		tl_out_mesh_ranks(f, &d->runs[i]);
	fclose(f);
	return text;
}

/* The line of the table that starts with label. */
static const char *line(const char *text, const char *label)
{
	char key[64];
	snprintf(key, sizeof(key), "\n%s ", label);
	const char *p = strstr(text, key);
	if (!p)
		fail_msg("no row \"%s\" in:\n%s", label, text);
	return p + 1;
}

static void test_compare_run(void **state)
{
	(void)state;
	json_t *doc = fixture("mesh_compare.json");
	struct tl_mesh_doc d;
	struct tl_err err = { 0 };
	assert_int_equal(tl_mesh_doc_decode(doc, &d, &err), 0);
	assert_int_equal(d.nruns, 4);
	assert_true(d.ok);
	assert_null(d.error);
	const char *names[] = { "tcp", "tcp-nodelay", "tcp-quickack", "unix" };
	for (size_t i = 0; i < d.nruns; i++) {
		const struct tl_mesh_res_run *r = &d.runs[i];
		char k[8];
		snprintf(k, sizeof(k), "%zu", i);
		assert_string_equal(r->transport, names[i]);
		assert_int_equal(r->hops, json_integer_value(at(doc, (const char *[]){ "runs", k, "hops", NULL })));
		assert_true(r->hops > 0);
		assert_true(r->window_s > 0);
		assert_false(r->has_hops_requested);
		assert_true(r->has_latency);
		assert_true(r->latency.p50 <= r->latency.p99 && r->latency.p99 <= r->latency.max);
		assert_int_equal(r->latency.max, json_integer_value(at(doc, (const char *[]){ "runs", k, "latency_ns", "max", NULL })));
		assert_true(r->conserved && r->ok);
		assert_int_equal(r->nranks, r->ranks);
		uint64_t sent = 0;
		for (size_t j = 0; j < r->nranks; j++)
			sent += r->per_rank[j].hops_sent;
		assert_int_equal(sent, r->hops_sent);
		/* TCP counters for the TCP transports only */
		assert_int_equal(r->has_counters, i < 3);
	}
	assert_true(d.runs[0].has_counter[6]);
	assert_string_equal(tl_mesh_counter_name(6), "TCPOrigDataSent");
	assert_int_equal(d.runs[0].counter[6],
			 json_integer_value(at(doc, (const char *[]){ "runs", "0", "tcp_counters", "TCPOrigDataSent", NULL })));

	char *t = render(&d, 1);
	assert_non_null(strstr(t, "tcplab mesh: 3 ranks (fork), 2 tokens, pattern ring (seed 1)"));
	const char *head = line(t, "");
	for (size_t i = 0; i < 4; i++)
		assert_non_null(strstr(head, names[i]));
	/* the unix column has no counters: a dash on each counter row */
	const char *ds = line(t, "  TCPOrigDataSent");
	assert_non_null(strstr(ds, " -\n"));
	assert_non_null(line(t, "  data segments per hop"));
	assert_non_null(strstr(line(t, "tokens held at the end"), "2/2 ok"));
	assert_non_null(strstr(t, "\nunix, per rank:\n"));
	assert_null(strstr(t, "LOST"));
	assert_null(strstr(t, "n/a"));
	free(t);
	tl_mesh_doc_free(&d);
	json_decref(doc);
}

/* A --hops run over unix sockets; then the same run as if it had gone wrong, for the notes. */
static void test_unix_hops_run(void **state)
{
	(void)state;
	json_t *doc = fixture("mesh_unix_hops.json");
	struct tl_mesh_doc d;
	struct tl_err err = { 0 };
	assert_int_equal(tl_mesh_doc_decode(doc, &d, &err), 0);
	assert_int_equal(d.nruns, 1);
	const struct tl_mesh_res_run *r = &d.runs[0];
	assert_true(r->has_hops_requested);
	assert_true(r->hops_complete);
	assert_int_equal(r->hops_received, r->hops_requested);
	assert_false(r->has_counters);
	uint64_t received = r->hops_received;
	char *t = render(&d, 0);
	assert_null(strstr(t, "kernel TCP counters"));
	assert_null(strstr(t, "per rank"));
	assert_null(strstr(t, "hops were made"));
	free(t);
	tl_mesh_doc_free(&d);

	json_t *run = at(doc, (const char *[]){ "runs", "0", NULL });
	json_object_set_new(run, "hops_complete", json_false());
	json_object_set_new(run, "misrouted", json_integer(3));
	json_object_set_new(run, "hops_sent", json_integer((json_int_t)received + 5));
	json_object_set_new(run, "latency_ns", json_null());
	json_object_set_new(run, "latency_note", json_string("ranks run on different hosts"));
	json_object_set_new(at(doc, (const char *[]){ "runs", "0", "tokens_check", NULL }), "conserved", json_false());
	json_object_set_new(at(doc, (const char *[]){ "runs", "0", "tokens_check", NULL }), "held", json_integer(0));
	assert_int_equal(tl_mesh_doc_decode(doc, &d, &err), 0);
	t = render(&d, 0);
	assert_non_null(strstr(t, "unix: only 1000 of 1000 hops were made before --max-time\n"));
	assert_non_null(strstr(t, "unix: 3 tokens arrived off their all-to-all tour\n"));
	assert_non_null(strstr(t, "unix: 1005 messages sent but 1000 received\n"));
	assert_non_null(strstr(t, "unix: latency n/a: ranks run on different hosts\n"));
	assert_non_null(strstr(line(t, "latency per hop p50"), "n/a"));
	assert_non_null(strstr(line(t, "tokens held at the end"), "0/1 LOST"));
	free(t);
	tl_mesh_doc_free(&d);
	json_decref(doc);
}

/* One field changed in a real document: the error names its path. */
static void expect_refused(const char *fixture_name, const char *const *path, json_t *value,
			   const char *named)
{
	json_t *doc = fixture(fixture_name);
	size_t n = 0;
	while (path[n + 1])
		n++;
	char *parent_path[8] = { 0 };
	for (size_t k = 0; k < n; k++)
		parent_path[k] = (char *)path[k];
	json_t *parent = at(doc, (const char *const *)parent_path);
	if (value)
		json_object_set_new(parent, path[n], value);
	else
		assert_int_equal(json_object_del(parent, path[n]), 0);
	struct tl_mesh_doc d;
	struct tl_err err = { 0 };
	assert_int_equal(tl_mesh_doc_decode(doc, &d, &err), -1);
	if (!strstr(err.msg, named))
		fail_msg("\"%s\" does not name %s", err.msg, named);
	json_decref(doc);
}

static void test_mistyped_fields(void **state)
{
	(void)state;
	const char *cmp = "mesh_compare.json", *uh = "mesh_unix_hops.json";
	expect_refused(cmp, (const char *[]){ "runs", "1", "cpu", "mesh", "pct_of_core", NULL },
		       json_string("12%"), "runs[1].cpu.mesh.pct_of_core");
	expect_refused(cmp, (const char *[]){ "runs", "0", "tokens_check", "held", NULL }, NULL,
		       "runs[0].tokens_check.held");
	expect_refused(cmp, (const char *[]){ "runs", "2", "per_rank", "1", "cpu_pct", NULL },
		       json_string("3"), "runs[2].per_rank[1].cpu_pct");
	expect_refused(cmp, (const char *[]){ "runs", "0", "tcp_counters", "TCPHPAcks", NULL },
		       json_string("many"), "runs[0].tcp_counters.TCPHPAcks");
	expect_refused(cmp, (const char *[]){ "runs", "3", "latency_ns", "p99", NULL }, NULL,
		       "runs[3].latency_ns.p99");
	expect_refused(cmp, (const char *[]){ "runs", "3", "hops", NULL }, json_integer(-2), "runs[3].hops");
	expect_refused(cmp, (const char *[]){ "runs", "0", "transport", NULL }, json_integer(1),
		       "runs[0].transport");
	expect_refused(cmp, (const char *[]){ "runs", NULL }, NULL, "runs");
	expect_refused(uh, (const char *[]){ "runs", "0", "hops_complete", NULL }, json_string("yes"),
		       "runs[0].hops_complete");
	/* an optional field of another type is refused too; only its absence is allowed */
	expect_refused(uh, (const char *[]){ "runs", "0", "latency_note", NULL }, json_integer(1),
		       "runs[0].latency_note");
	expect_refused(uh, (const char *[]){ "runs", "0", "tcp_counters", NULL }, json_string("none"),
		       "runs[0].tcp_counters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_run),
		cmocka_unit_test(test_unix_hops_run),
		cmocka_unit_test(test_mistyped_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
