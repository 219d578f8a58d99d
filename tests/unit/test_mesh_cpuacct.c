/* Mesh CPU accounting: busy vs idle, the mesh's share, per-hop costs, hosts counted once. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mesh/cpuacct.h"

#define NS 1000000000ULL

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-9 * (fabs(want) + 1)) {
		print_error("got %.12g, want %.12g\n", got, want);
		fail();
	}
}

static void test_report_basic(void **state)
{
	(void)state;
	/* Two ranks over 2 s on a 2-core host: 0.6 s user + 0.4 s sys in all, 4000 hops. */
	struct tl_cpu_sample r1 = { .wall_ns = 2 * NS, .user_ns = 400000000, .sys_ns = 300000000,
				    .vol_ctx = 3000, .invol_ctx = 10 };
	struct tl_cpu_sample r2 = { .wall_ns = 2 * NS - 1000, .user_ns = 200000000,
				    .sys_ns = 100000000, .vol_ctx = 1000, .invol_ctx = 30 };
	struct tl_mesh_cpu_input in = { .hops = 4000 };
	tl_cpu_add(&in.mesh, &r1);
	tl_cpu_add(&in.mesh, &r2);
	/* Concurrent ranks share the window: wall is the longer one, not the sum. */
	assert_int_equal(in.mesh.wall_ns, 2 * NS);
	char hosts[4][40];
	unsigned nh = 0;
	assert_int_equal(tl_mesh_cpu_add_host(&in, "host-a", 120, 280, 2, hosts, &nh, 4), 1);

	struct tl_mesh_cpu_report r;
	tl_mesh_cpu_report(&in, &r);
	assert_near(r.mesh_pct_of_core, 50.0);     /* 1 s of CPU in 2 s */
	assert_near(r.mesh_pct_of_machine, 25.0);  /* of 2 cores x 2 s */
	assert_near(r.machine_busy_pct, 30.0);     /* 120 of 400 ticks */
	assert_near(r.machine_idle_pct, 70.0);
	assert_near(r.other_busy_pct, 5.0);
	assert_near(r.cpu_ns_per_hop, 250000.0);   /* 1 s / 4000 */
	assert_near(r.vol_ctx_per_hop, 1.0);
	assert_near(r.invol_ctx_per_hop, 0.01);
}

static void test_report_empty_is_zero(void **state)
{
	(void)state;
	struct tl_mesh_cpu_input in;
	struct tl_mesh_cpu_report r;
	memset(&in, 0, sizeof(in));
	tl_mesh_cpu_report(&in, &r);
	/* No window, no ticks, no hops: zeros, never NaN or infinity. */
	assert_near(r.mesh_pct_of_core, 0);
	assert_near(r.mesh_pct_of_machine, 0);
	assert_near(r.machine_busy_pct, 0);
	assert_near(r.machine_idle_pct, 0);
	assert_near(r.cpu_ns_per_hop, 0);
	assert_near(r.vol_ctx_per_hop, 0);
	assert_false(isnan(r.other_busy_pct));
}

static void test_other_never_negative(void **state)
{
	(void)state;
	/* getrusage and /proc/stat tick at different grains: the mesh may exceed "busy". */
	struct tl_mesh_cpu_input in = {
		.mesh = { .wall_ns = NS, .user_ns = NS, .sys_ns = 0 },
		.machine_busy_ticks = 40, .machine_idle_ticks = 60, .ncpu = 1, .hops = 1,
	};
	struct tl_mesh_cpu_report r;
	tl_mesh_cpu_report(&in, &r);
	assert_near(r.mesh_pct_of_machine, 100.0);
	assert_near(r.machine_busy_pct, 40.0);
	assert_near(r.other_busy_pct, 0.0);
}

static void test_hosts_counted_once(void **state)
{
	(void)state;
	struct tl_mesh_cpu_input in;
	char hosts[2][40];
	unsigned nh = 0;
	memset(&in, 0, sizeof(in));
	/* Sixteen ranks on one host report the same /proc/stat: it counts once. */
	for (int i = 0; i < 16; i++)
		tl_mesh_cpu_add_host(&in, "boot-1", 100, 100, 4, hosts, &nh, 2);
	assert_int_equal(nh, 1);
	assert_int_equal(in.ncpu, 4);
	assert_int_equal(in.machine_busy_ticks, 100);
	assert_int_equal(tl_mesh_cpu_add_host(&in, "boot-2", 50, 150, 2, hosts, &nh, 2), 1);
	assert_int_equal(in.ncpu, 6);
	assert_int_equal(in.machine_idle_ticks, 250);
	assert_int_equal(tl_mesh_cpu_add_host(&in, "boot-3", 1, 1, 1, hosts, &nh, 2), -ENOSPC);
	assert_int_equal(tl_mesh_cpu_add_host(&in, "boot-2", 1, 1, 1, hosts, &nh, 2), 0);

	struct tl_mesh_cpu_report r;
	in.mesh.wall_ns = NS;
	in.mesh.user_ns = 3 * NS;
	tl_mesh_cpu_report(&in, &r);
	assert_near(r.machine_busy_pct, 150.0 * 100 / 400);
	assert_near(r.mesh_pct_of_machine, 50.0); /* 3 core-seconds of 6 */
}

static void test_delta_then_report(void **state)
{
	(void)state;
	/* The path a rank takes: two samples, a delta, summed with the others. */
	struct tl_cpu_sample a = { .wall_ns = 10 * NS, .user_ns = 5 * NS, .sys_ns = NS, .vol_ctx = 100 };
	struct tl_cpu_sample b = { .wall_ns = 13 * NS, .user_ns = 5 * NS + 600000000,
				   .sys_ns = NS + 900000000, .vol_ctx = 700 };
	struct tl_cpu_sample d;
	tl_cpu_delta(&a, &b, &d);
	struct tl_mesh_cpu_input in = { .ncpu = 2, .hops = 300 };
	tl_cpu_add(&in.mesh, &d);
	struct tl_mesh_cpu_report r;
	tl_mesh_cpu_report(&in, &r);
	assert_near(r.mesh_pct_of_core, 50.0);
	assert_near(r.mesh_pct_of_machine, 25.0);
	assert_near(r.cpu_ns_per_hop, 5000000.0);
	assert_near(r.vol_ctx_per_hop, 2.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_basic),
		cmocka_unit_test(test_report_empty_is_zero),
		cmocka_unit_test(test_other_never_negative),
		cmocka_unit_test(test_hosts_counted_once),
		cmocka_unit_test(test_delta_then_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
