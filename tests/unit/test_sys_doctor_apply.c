/*
 * From findings to changes: which fixes are chosen, the sysctl.d drop-in they become, and
 * the state-file checks of --apply-now / --revert. Nothing here writes to the running
 * kernel (that is tested inside a network namespace by doctor_apply_revert.sh): the
 * changes given to tl_doctor_apply_now are all marked not writable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/doctor_apply.h"
#include "sys/procfile.h"
#include "sys/sysctl_conf.h"

static struct tl_finding *add(struct tl_findings *f, const char *id, enum tl_severity sev,
			      const char *sysctl, const char *value, bool global)
{
	struct tl_finding *x = &f->items[f->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->id, sizeof(x->id), "%s", id);
	snprintf(x->title, sizeof(x->title), "title of %s", id);
	snprintf(x->why, sizeof(x->why), "because %s matters", id);
	snprintf(x->cost, sizeof(x->cost), "cost of %s", id);
	snprintf(x->sysctl, sizeof(x->sysctl), "%s", sysctl);
	snprintf(x->value, sizeof(x->value), "%s", value);
	x->severity = sev;
	x->global = global;
	return x;
}

static void setup_findings(struct tl_findings *f, struct tl_doctor_readings *r)
{
	memset(f, 0, sizeof(*f));
	memset(r, 0, sizeof(*r));
	add(f, "tcp_rmem", TL_SEV_SEVERE, "net.ipv4.tcp_rmem", "4096 131072 33554432", false);
	add(f, "slow", TL_SEV_INFO, "net.ipv4.tcp_slow_start_after_idle", "0", false);
	add(f, "fin", TL_SEV_INFO, "", "", false);
	add(f, "rmem_max", TL_SEV_WARN, "net.core.rmem_max", "33554432", true);
	add(f, "again", TL_SEV_WARN, "net.ipv4.tcp_rmem", "1 2 3", false);
	add(f, "ok", TL_SEV_OK, "net.core.somaxconn", "4096", false);
	r->sysctl[TL_DS_TCP_RMEM].present = true;
	r->sysctl[TL_DS_TCP_RMEM].writable = true;
	snprintf(r->sysctl[TL_DS_TCP_RMEM].text, 256, "4096 131072 6291456");
	r->sysctl[TL_DS_RMEM_MAX].present = true;
	r->sysctl[TL_DS_RMEM_MAX].writable = false;
	snprintf(r->sysctl[TL_DS_RMEM_MAX].text, 256, "212992");
	snprintf(r->host.kernel_release, sizeof(r->host.kernel_release), "6.18.0-test");
}

static void test_changes_pick_warn_and_severe(void **state)
{
	(void)state;
	struct tl_findings *f = calloc(1, sizeof(*f));
	struct tl_doctor_readings *r = calloc(1, sizeof(*r));
	struct tl_doctor_change c[8];
	setup_findings(f, r);
	size_t n = tl_doctor_changes(f, r, c, 8);
	/* Info and ok findings are not applied; the second tcp_rmem fix loses to the first. */
	assert_int_equal(n, 2);
	assert_string_equal(c[0].name, "net.ipv4.tcp_rmem");
	assert_string_equal(c[0].value, "4096 131072 33554432");
	assert_string_equal(c[0].old, "4096 131072 6291456");
	assert_true(c[0].writable);
	assert_false(c[0].global);
	assert_string_equal(c[1].name, "net.core.rmem_max");
	assert_true(c[1].global);
	assert_false(c[1].writable);
	/* The host's namespace is not marked (init_netns false here): global values are skipped. */
	assert_true(c[1].host_only);
	assert_false(c[0].host_only);
	r->host.init_netns = true;
	assert_int_equal(tl_doctor_changes(f, r, c, 8), 2);
	assert_false(c[1].host_only);
	assert_int_equal(tl_doctor_changes(f, r, c, 1), 1);
	free(f);
	free(r);
}

static void test_dropin_text_round_trips(void **state)
{
	(void)state;
	struct tl_findings *f = calloc(1, sizeof(*f));
	struct tl_doctor_readings *r = calloc(1, sizeof(*r));
	struct tl_doctor_change c[8];
	setup_findings(f, r);
	/* A long why is wrapped into several comment lines. */
	memset(f->items[0].why, 'x', 300);
	f->items[0].why[300] = '\0';
	size_t n = tl_doctor_changes(f, r, c, 8);
	struct tl_doctor_workload w = { 1000000000ULL, 100000000ULL, 4, 2000, 10000, false };
	char *text = tl_doctor_dropin_text(c, n, &w, &r->host);
	assert_non_null(text);
	assert_non_null(strstr(text, "for Linux 6.18.0-test"));
	assert_non_null(strstr(text, "# Workload: 1 Gbit/s, RTT 100 ms, 4 flow(s), 2000 new "
				     "connections/s per destination,\n#   10000 concurrent connections."));
	assert_non_null(strstr(text, "# [severe] title of tcp_rmem\n"));
	assert_non_null(strstr(text, "# was: 4096 131072 6291456\nnet.ipv4.tcp_rmem = 4096 131072 "
				     "33554432\n"));
	assert_non_null(strstr(text, "# cost: cost of rmem_max\n"));
	assert_non_null(strstr(text, "# global: applies to the whole host"));
	/* Every line is a comment, empty, or a setting; no comment line is overly long. */
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		assert_true(nl - line <= 100);
		line = nl + 1;
	}
	struct tl_sysctl_setting s[8];
	size_t ns = 0;
	assert_int_equal(tl_sysctl_conf_parse(text, s, 8, &ns, NULL), 0);
	assert_int_equal(ns, 2);
	assert_string_equal(s[0].name, "net.ipv4.tcp_rmem");
	assert_string_equal(s[0].value, "4096 131072 33554432");
	assert_string_equal(s[1].name, "net.core.rmem_max");
	assert_string_equal(s[1].value, "33554432");
	free(text);

	text = tl_doctor_dropin_text(c, 0, &w, &r->host);
	assert_non_null(strstr(text, "nothing to set"));
	assert_int_equal(tl_sysctl_conf_parse(text, s, 8, &ns, NULL), 0);
	assert_int_equal(ns, 0);
	free(text);
	free(f);
	free(r);
}

static void test_write_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/tl-doctor-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], *back = NULL;
	snprintf(path, sizeof(path), "%s/90-tcplab.conf", dir);
	assert_int_equal(tl_doctor_write_file(path, "a = 1\n", NULL), 0);
	assert_int_equal(tl_procfile_read(path, &back, NULL), 0);
	assert_string_equal(back, "a = 1\n");
	free(back);
	struct tl_err err = { 0 };
	assert_true(tl_doctor_write_file("/tmp/tl-no-such-dir-xyz/f.conf", "a = 1\n", &err) < 0);
	assert_non_null(strstr(err.msg, "tl-no-such-dir-xyz"));
	unlink(path);
	rmdir(dir);
}

static void test_apply_now_state_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/tl-doctor-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char st[160];
	snprintf(st, sizeof(st), "%s/sub/dir/revert.conf", dir);
	struct tl_findings *f = calloc(1, sizeof(*f));
	struct tl_doctor_readings *r = calloc(1, sizeof(*r));
	struct tl_doctor_change c[8];
	setup_findings(f, r);
	size_t n = tl_doctor_changes(f, r, c, 8);
	/* Never touch the host's kernel from a unit test: nothing is writable. */
	for (size_t i = 0; i < n; i++)
		c[i].writable = false;
	struct tl_err err = { 0 };
	/* A per-netns value that cannot be written (not root) fails before anything changes. */
	assert_int_equal(tl_doctor_apply_now(c, n, st, 4242, &err), -EACCES);
	assert_non_null(strstr(err.msg, "net.ipv4.tcp_rmem is not writable here"));
	assert_int_equal(access(st, F_OK), -1);
	/* Inside a namespace global values are skipped; with nothing left, no state file. */
	c[0].host_only = c[1].host_only = true;
	assert_int_equal(tl_doctor_apply_now(c, n, st, 4242, &err), 0);
	assert_int_equal(c[0].status, TL_CHANGE_SKIPPED);
	assert_int_equal(c[1].status, TL_CHANGE_SKIPPED);
	assert_int_equal(access(st, F_OK), -1);

	/* An existing state file (an apply not reverted) is refused before anything is read. */
	c[0].host_only = false;
	c[0].writable = true;
	c[0].status = TL_CHANGE_PLANNED;
	char sub[160];
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/sub/dir", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	const char *recorded = "# tcplab doctor: values before --apply-now\n# netns 4242\n";
	assert_int_equal(tl_doctor_write_file(st, recorded, NULL), 0);
	assert_int_equal(tl_doctor_apply_now(c, n, st, 4242, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "--revert"));
	assert_int_equal(c[0].status, TL_CHANGE_PLANNED);

	/* Reverting from another namespace is refused and keeps the file. */
	size_t restored = 99;
	assert_int_equal(tl_doctor_revert(st, 1111, &restored, &err), -EXDEV);
	assert_non_null(strstr(err.msg, "net:[4242]"));
	assert_int_equal(access(st, F_OK), 0);

	/* In the right namespace: 0 values recorded, 0 restored, file removed. */
	assert_int_equal(tl_doctor_revert(st, 4242, &restored, &err), 0);
	assert_int_equal(restored, 0);
	assert_int_equal(access(st, F_OK), -1);
	assert_int_equal(tl_doctor_revert(st, 4242, &restored, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "nothing was applied"));

	/* A state file that is not sysctl.d text is refused with its line. */
	assert_int_equal(tl_doctor_write_file(st, "# netns 4242\ngarbage\n", NULL), 0);
	assert_int_equal(tl_doctor_revert(st, 4242, &restored, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2"));
	unlink(st);

	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	rmdir(dir);
	free(f);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_pick_warn_and_severe),
		cmocka_unit_test(test_dropin_text_round_trips),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_apply_now_state_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
