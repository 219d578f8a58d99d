/* The doctor's report from the readings of this host (a real tl_doctor_read) and the findings
 * of two workloads: the header names what was read, the findings come worst first, the ok
 * ones are listed or explained, the summary counts what the findings hold, and lines wrap
 * at 100 columns; then what --apply and --apply-now did. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "out/doctor_table.h"

/* noinline: gcc otherwise takes the memstream's text for a pointer to render's local */
__attribute__((noinline)) static char *render(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w,
		    const struct tl_findings *fs, bool all)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	tl_out_doctor_report(f, r, w, fs, all);
	fclose(f);
	return text;
}

/* Where "\nTAG  id:" starts in text, or NULL. */
static const char *finding_at(const char *text, const char *tag, const char *id)
{
	char key[96];
	snprintf(key, sizeof(key), "\n%s  %s: ", tag, id);
	return strstr(text, key);
}

static void check_report(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w,
			 bool all)
{
	static const char *const tag[] = { "OK", "INFO", "WARN", "SEVERE" };
	struct tl_findings *fs = calloc(1, sizeof(*fs));
	assert_non_null(fs);
	tl_doctor_evaluate(r, w, fs);
	assert_true(fs->n > 0);
	char *t = render(r, w, fs, all);
	char first[256];
	snprintf(first, sizeof(first), "tcplab doctor: Linux %s, network namespace net:[%llu]",
		 r->host.kernel_release, (unsigned long long)r->host.netns_inode);
	assert_int_equal(strncmp(t, first, strlen(first)), 0);
	size_t count[4] = { 0 };
	size_t prev = 0;
	for (int s = TL_SEV_SEVERE; s >= TL_SEV_INFO; s--)
		for (size_t i = 0; i < fs->n; i++) {
			if ((int)fs->items[i].severity != s)
				continue;
			/* worst first, then in the rules' order: each after the one before */
			const char *at = finding_at(t, tag[s], fs->items[i].id);
			if (!at)
				fail_msg("%s %s missing from:\n%s", tag[s], fs->items[i].id, t);
			size_t off = (size_t)(at - t);
			assert_true(off > prev);
			prev = off;
		}
	for (size_t i = 0; i < fs->n; i++) {
		const struct tl_finding *f = &fs->items[i];
		count[f->severity]++;
		if (f->severity == TL_SEV_OK)
			assert_true(all ? finding_at(t, "OK", f->id) != NULL
					: finding_at(t, "OK", f->id) == NULL && strstr(t, f->id));
	}
	char summary[160];
	snprintf(summary, sizeof(summary), "\nsummary: %zu severe, %zu warn, %zu info, %zu ok.",
		 count[TL_SEV_SEVERE], count[TL_SEV_WARN], count[TL_SEV_INFO], count[TL_SEV_OK]);
	assert_non_null(strstr(t, summary));
	assert_int_equal(!all && count[TL_SEV_OK], strstr(t, "(--all explains each)") != NULL);
	/* wrapped at 100 columns, unless one word is longer */
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
		if (strlen(line) > 100 && (strncmp(line, "  ", 2) == 0) && strchr(line + 8, ' '))
			fail_msg("line over 100 columns: %s", line);
	free(t);
	free(fs);
}

static void test_report_of_this_host(void **state)
{
	(void)state;
	struct tl_doctor_readings *r = calloc(1, sizeof(*r));
	struct tl_err err = { 0 };
	assert_non_null(r);
	if (tl_doctor_read(r, &err) < 0)
		fail_msg("reading this host: %s", err.msg);
	struct tl_doctor_workload w;
	tl_doctor_workload_default(&w);
	check_report(r, &w, false);
	check_report(r, &w, true);
	/* a long fat path and many connections to loopback: other findings, same rules */
	w.rate_bps = 10000000000ULL;
	w.rtt_ns = 100000000ULL;
	w.flows = 4;
	w.conns_per_sec = 5000;
	w.dest_loopback = true;
	check_report(r, &w, false);
	free(r);
}

static char *render_changes(const struct tl_out_doctor_apply *a, const struct tl_doctor_change *c,
			    size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	tl_out_doctor_changes(f, a, c, n);
	fclose(f);
	return text;
}

static void test_changes(void **state)
{
	(void)state;
	struct tl_doctor_change c[2] = {
		{ .name = "net.core.rmem_max", .value = "67108864", .old = "212992", .global = true,
		  .status = TL_CHANGE_APPLIED },
		{ .name = "net.ipv4.tcp_rmem", .value = "4096 131072 67108864", .old = "4096 131072 6291456",
		  .status = TL_CHANGE_SKIPPED },
	};
	struct tl_out_doctor_apply a = { .file = "/tmp/x.conf", .in_host_netns = true };
	char *t = render_changes(&a, c, 2);
	assert_string_equal(t, "\nwrote /tmp/x.conf: 2 settings (install it in /etc/sysctl.d/ to keep them)\n");
	free(t);
	a.in_host_netns = false;
	t = render_changes(&a, c, 1);
	assert_non_null(strstr(t, "wrote /tmp/x.conf: 1 setting (--host-wide)."));
	assert_non_null(strstr(t, "not this namespace's.\n"));
	free(t);
	struct tl_out_doctor_apply now = { .now = true, .state = "/tmp/s" };
	t = render_changes(&now, c, 2);
	assert_string_equal(t, "\nset net.core.rmem_max = 67108864 (was 212992)\n"
			       "skipped net.ipv4.tcp_rmem = 4096 131072 67108864: global, read-only in this "
			       "network namespace\nold values recorded in /tmp/s; undo with: tcplab doctor "
			       "--revert --state /tmp/s\n");
	free(t);
	t = render_changes(&now, c + 1, 1);
	assert_non_null(strstr(t, "nothing was changed in the running kernel"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_of_this_host),
		cmocka_unit_test(test_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
