/* Campaign axes and matrix: command-line lists, the product and its order, every value
 * checked, the cc mix spread over flows, BDP buffers, per-sender RTTs, shards and the
 * shuffle, and the campaign's key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp/axes.h"
#include "exp/matrix.h"

static struct tl_exp_axes *new_axes(void)
{
	struct tl_exp_axes *ax = malloc(sizeof(*ax));
	assert_non_null(ax);
	tl_exp_axes_init(ax);
	return ax;
}

static void add(struct tl_exp_axes *ax, enum tl_exp_axis a, const char *list)
{
	struct tl_err err = { 0 };
	if (tl_exp_axes_add_list(ax, a, list, &err) < 0)
		fail_msg("add_list %s: %s", list, err.msg);
}

static void test_lists(void **state)
{
	(void)state;
	struct tl_exp_axes *ax = new_axes();
	struct tl_err err = { 0 };
	add(ax, TL_AXIS_AQM, "taildrop, codel:target=5ms,interval=50ms,pie,fq_codel,ecn");
	assert_int_equal(ax->count[TL_AXIS_AQM], 4);
	assert_string_equal(ax->values[TL_AXIS_AQM][0], "taildrop");
	assert_string_equal(ax->values[TL_AXIS_AQM][1], "codel:target=5ms,interval=50ms");
	assert_string_equal(ax->values[TL_AXIS_AQM][2], "pie");
	assert_string_equal(ax->values[TL_AXIS_AQM][3], "fq_codel:ecn");
	add(ax, TL_AXIS_CC, "cubic:1,bbr:1");
	assert_int_equal(ax->count[TL_AXIS_CC], 1); /* a mix is one value */
	add(ax, TL_AXIS_BUFFER, "0.5bdp,1bdp");
	assert_true(tl_exp_axes_add_list(ax, TL_AXIS_BUFFER, "1bdp", &err) < 0);
	assert_non_null(strstr(err.msg, "listed twice"));
	assert_true(tl_exp_axes_add_list(ax, TL_AXIS_RATE, "", &err) < 0);
	assert_int_equal(tl_exp_axis_find("window_clamp"), TL_AXIS_CLAMP);
	assert_int_equal(tl_exp_axis_find("duration"), TL_AXIS_DURATION);
	assert_int_equal(tl_exp_axis_find("window"), TL_AXIS_RCVBUF);
	assert_int_equal(tl_exp_axis_find("bandwidth"), -1);
	free(ax);
}

static void test_product(void **state)
{
	(void)state;
	struct tl_exp_axes *ax = new_axes();
	struct tl_exp_matrix m;
	struct tl_err err = { 0 };
	add(ax, TL_AXIS_RATE, "10mbit,100mbit");
	add(ax, TL_AXIS_BUFFER, "1bdp,2bdp,100p");
	assert_int_equal(tl_exp_matrix_build(ax, &m, &err), 0);
	assert_int_equal(m.count, 6);
	/* the first axis varies slowest */
	assert_string_equal(m.points[0].text[TL_AXIS_RATE], "10mbit");
	assert_string_equal(m.points[2].text[TL_AXIS_BUFFER], "100p");
	assert_string_equal(m.points[3].text[TL_AXIS_RATE], "100mbit");
	assert_int_equal(m.points[3].rate_bps, 100000000);
	/* defaults: 40 ms, one sender, taildrop, cubic, 1 flow */
	assert_int_equal(m.points[4].rtt_ns[0], 40000000);
	assert_int_equal(m.points[4].senders, 1);
	assert_string_equal(m.points[4].aqm_kind, "taildrop");
	/* 100 Mbit/s x 40 ms = 500000 B; 2 BDP; 100 packets of 1514 B */
	assert_int_equal(m.points[3].buffer_bytes, 500000);
	assert_int_equal(m.points[4].buffer_bytes, 1000000);
	assert_true(m.points[4].buffer_bdp == 2.0);
	assert_int_equal(m.points[5].buffer_bytes, 151400);
	assert_true(m.points[5].buffer_bdp > 0.30 && m.points[5].buffer_bdp < 0.31);
	for (uint32_t i = 0; i < m.count; i++)
		assert_int_equal(m.points[i].id, i);
	tl_exp_matrix_free(&m);
	free(ax);
}

static void test_rtt_and_cc(void **state)
{
	(void)state;
	struct tl_exp_axes *ax = new_axes();
	struct tl_exp_matrix m;
	struct tl_err err = { 0 };
	add(ax, TL_AXIS_RTT, "10ms/100ms");
	add(ax, TL_AXIS_FLOWS, "3,10");
	add(ax, TL_AXIS_CC, "cubic:1,bbr:1");
	assert_int_equal(tl_exp_matrix_build(ax, &m, &err), 0);
	assert_int_equal(m.points[0].senders, 2);
	assert_string_equal(m.points[0].rtt_testbed, "10ms,100ms");
	assert_int_equal(m.points[0].rtt_ns[1], 100000000);
	/* 3 flows 1:1 -> 2 and 1 (largest remainder, the first on a tie); 10 -> 5 and 5 */
	assert_int_equal(m.points[0].cc_flows[0], 2);
	assert_int_equal(m.points[0].cc_flows[1], 1);
	assert_int_equal(m.points[1].cc_flows[0], 5);
	assert_int_equal(m.points[1].cc_flows[1], 5);
	/* BDP from the largest RTT: 100 Mbit/s x 100 ms */
	assert_int_equal(m.points[0].buffer_bytes, 1250000);
	tl_exp_matrix_free(&m);

	/* 3:1 over 2 flows: every algorithm keeps one flow */
	tl_exp_axes_clear(ax, TL_AXIS_CC);
	tl_exp_axes_clear(ax, TL_AXIS_FLOWS);
	add(ax, TL_AXIS_CC, "cubic:3,bbr:1");
	add(ax, TL_AXIS_FLOWS, "2");
	assert_int_equal(tl_exp_matrix_build(ax, &m, &err), 0);
	assert_int_equal(m.points[0].cc_flows[0] + m.points[0].cc_flows[1], 2);
	assert_int_equal(m.points[0].cc_flows[1], 1);
	tl_exp_matrix_free(&m);
	free(ax);
}

static void bad(enum tl_exp_axis a, const char *v, const char *want)
{
	struct tl_exp_axes *ax = new_axes();
	struct tl_exp_matrix m;
	struct tl_err err = { 0 };
	add(ax, a, v);
	if (a == TL_AXIS_CC)
		add(ax, TL_AXIS_FLOWS, "1");
	assert_true(tl_exp_matrix_build(ax, &m, &err) < 0);
	if (!strstr(err.msg, want))
		fail_msg("%s: message \"%s\" lacks \"%s\"", v, err.msg, want);
	assert_null(m.points);
	free(ax);
}

static void test_refused(void **state)
{
	(void)state;
	char names[256];
	tl_exp_aqm_names(names, sizeof(names));
	assert_non_null(strstr(names, "taildrop"));
	assert_non_null(strstr(names, "fq_codel"));
	bad(TL_AXIS_AQM, "nosuch", "no such AQM (the testbed has: taildrop");
	bad(TL_AXIS_BUFFER, "0", "holds no packet");
	bad(TL_AXIS_BUFFER, "0.0bdp", "holds no packet");
	bad(TL_AXIS_BUFFER, "100", "--buffer \"100\"");
	bad(TL_AXIS_RATE, "fast", "--rate \"fast\"");
	bad(TL_AXIS_RTT, "10ms/x", "--rtt");
	bad(TL_AXIS_CC, "cubic:1,bbr:1", "each algorithm needs a flow");
	bad(TL_AXIS_CC, "Cu bic", "not an algorithm name");
	bad(TL_AXIS_LOSS, "200%", "--loss");
	bad(TL_AXIS_DURATION, "10ms", "--time");
}

static void test_order_shards(void **state)
{
	(void)state;
	struct tl_exp_axes *ax = new_axes();
	struct tl_exp_matrix m;
	struct tl_err err = { 0 };
	uint32_t *o, n, *o2, n2;
	add(ax, TL_AXIS_BUFFER, "1bdp,2bdp,3bdp,4bdp,5bdp,6bdp,7bdp");
	assert_int_equal(tl_exp_matrix_build(ax, &m, &err), 0);
	/* in order: point by point, repetitions together */
	assert_int_equal(tl_exp_order(&m, 3, false, 0, 1, 1, &o, &n, &err), 0);
	assert_int_equal(n, 21);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(o[i], i);
	free(o);
	/* shuffled: a permutation, the same for the same seed, another for another seed */
	assert_int_equal(tl_exp_order(&m, 3, true, 42, 1, 1, &o, &n, &err), 0);
	assert_int_equal(tl_exp_order(&m, 3, true, 42, 1, 1, &o2, &n2, &err), 0);
	assert_memory_equal(o, o2, n * sizeof(*o));
	char seen[21] = { 0 };
	uint32_t moved = 0;
	for (uint32_t i = 0; i < n; i++) {
		assert_true(o[i] < 21 && !seen[o[i]]);
		seen[o[i]] = 1;
		moved += o[i] != i;
	}
	assert_true(moved > 0);
	free(o2);
	assert_int_equal(tl_exp_order(&m, 3, true, 43, 1, 1, &o2, &n2, &err), 0);
	assert_true(memcmp(o, o2, n * sizeof(*o)) != 0);
	free(o);
	free(o2);
	/* shards of 3 partition the points; a point's repetitions stay together */
	char owner[7];
	memset(owner, 0, sizeof(owner));
	uint32_t total = 0;
	for (unsigned k = 1; k <= 3; k++) {
		assert_int_equal(tl_exp_order(&m, 2, true, 5, k, 3, &o, &n, &err), 0);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t p = o[i] / 2;
			assert_true(owner[p] == 0 || owner[p] == (char)k);
			owner[p] = (char)k;
			assert_int_equal(p % 3, k - 1);
		}
		total += n;
		free(o);
	}
	assert_int_equal(total, 14);
	tl_exp_matrix_free(&m);
	free(ax);
}

static void test_all_aqms(void **state)
{
	(void)state;
	struct tl_exp_axes *ax = new_axes();
	struct tl_err err = { 0 };
	char names[256];
	add(ax, TL_AXIS_AQM, "codel:target=1ms,all,pie");
	assert_int_equal(tl_exp_axes_expand_all(ax, &err), 0);
	tl_exp_aqm_names(names, sizeof(names));
	unsigned kinds = 1;
	for (const char *c = names; *c; c++)
		kinds += *c == ',';
	/* every discipline of the testbed's table once, then the parameterised one */
	assert_int_equal(ax->count[TL_AXIS_AQM], kinds + 1);
	assert_string_equal(ax->values[TL_AXIS_AQM][0], "taildrop");
	assert_string_equal(ax->values[TL_AXIS_AQM][kinds], "codel:target=1ms");
	for (unsigned i = 0; i < kinds; i++)
		assert_non_null(strstr(names, ax->values[TL_AXIS_AQM][i]));
	/* without "all" nothing changes */
	tl_exp_axes_clear(ax, TL_AXIS_AQM);
	add(ax, TL_AXIS_AQM, "pie");
	assert_int_equal(tl_exp_axes_expand_all(ax, &err), 0);
	assert_int_equal(ax->count[TL_AXIS_AQM], 1);
	free(ax);
}

static void test_key(void **state)
{
	(void)state;
	struct tl_exp_axes *a = new_axes(), *b = new_axes();
	add(a, TL_AXIS_BUFFER, "1bdp,2bdp");
	add(b, TL_AXIS_BUFFER, "1bdp,2bdp");
	snprintf(b->title, sizeof(b->title), "another title");
	char *ka = tl_exp_axes_key(a), *kb = tl_exp_axes_key(b);
	assert_string_equal(ka, kb); /* the title is not part of the campaign */
	assert_non_null(strstr(ka, "\"aqm\":[\"taildrop\"]")); /* defaults are */
	free(kb);
	b->repeat = 2;
	kb = tl_exp_axes_key(b);
	assert_string_not_equal(ka, kb);
	free(ka);
	free(kb);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),        cmocka_unit_test(test_product),
		cmocka_unit_test(test_rtt_and_cc),   cmocka_unit_test(test_refused),
		cmocka_unit_test(test_order_shards), cmocka_unit_test(test_key),
		cmocka_unit_test(test_all_aqms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
