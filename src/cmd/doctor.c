/*
 * tcplab doctor: read the host's TCP settings, sockets, counters and offloads, judge them
 * against a workload, print the findings with their arithmetic, fixes and costs; on request
 * write a sysctl.d drop-in, apply it to the running kernel, or revert what was applied.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "net/addr.h"
#include "sys/bdp.h"
#include "sys/doctor.h"
#include "sys/doctor_apply.h"
#include "sys/doctor_json.h"
#include "util/parse.h"

struct doctor_opts {
	struct tl_doctor_workload w;
	uint64_t watch_ns;
	bool json;
	bool all;
	const char *apply_file;
	bool host_wide;
	bool apply_now;
	const char *state;
	bool revert;
	struct cmd_outputs out;   /* --json-file in its slots 1..; slot 0 (stdout) unused here */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab doctor [OPTIONS]\n\n"
		"Reads the TCP settings, sockets, kernel counters, NIC offloads and open-file limit of\n"
		"this host (or of the network namespace it runs in), changes nothing, and explains what\n"
		"would limit the workload described below: each finding with the value seen, why it\n"
		"matters (with the arithmetic), the exact fix and its cost.\n\n"
		"Workload (defaults describe a LAN host):\n"
		"  --rate RATE           target throughput of all flows together (default 1gbit)\n"
		"  --rtt DURATION        round-trip time of the path (default 1ms)\n"
		"  --flows N             parallel bulk flows sharing --rate (default 1)\n"
		"  --conns-per-sec N     new connections per second to one destination (default 100)\n"
		"  --concurrent N        connections open at once on this host (default 1000)\n"
		"  --dest ADDRESS        where those connections go: a loopback address lets\n"
		"                        tcp_tw_reuse=2 reuse ports (default: another host)\n\n"
		"Reading and output:\n"
		"  --watch DURATION      report TcpExt counter growth over DURATION (default: totals)\n"
		"  --json                one JSON document (also on error: {\"error\": \"...\"})\n"
		"  --json-file FILE      the same document also into FILE (the report stays on\n"
		"                        standard output)\n"
		"  --all                 print the checks that are ok in full, not just their names\n\n"
		"Acting (only when asked):\n"
		"  --apply FILE          write the sysctl fixes of warn/severe findings to FILE, a\n"
		"                        sysctl.d drop-in with a comment per line; the kernel is untouched\n"
		"  --host-wide           let --apply write FILE from inside a network namespace other than\n"
		"                        the host's (installed in /etc/sysctl.d/ it sets the host's values)\n"
		"  --apply-now           also set them in the running kernel (this netns), recording the\n"
		"                        old values in the state file first\n"
		"  --state FILE          state file of --apply-now/--revert\n"
		"                        (default " TL_DOCTOR_STATE_DEFAULT ")\n"
		"  --revert              restore the values recorded by --apply-now, then exit\n"
		"  -h, --help            this text\n\n"
		"Exit status: 0 nothing severe, 1 something severe found, 2 usage, 3 error.\n");
}

/* A document on standard output (with --json) and into the --json-file. */
static void put_json(const struct doctor_opts *o, json_t *doc)
{
	for (int i = o->json ? 0 : 1; i < o->out.n; i++) {
		FILE *f = i == 0 ? stdout : o->out.f[i];
		if (!f)
			continue;
		json_dumpf(doc, f, JSON_INDENT(2));
		fputc('\n', f);
	}
}

/* An error as text, or also as {"error": "..."} with --json (cmd_error) and in the
 * --json-file, exiting code. */
static int exit_with(const struct doctor_opts *o, int code, const char *msg)
{
	cmd_error("doctor", o->json ? OUT_JSON : OUT_TABLE, code, msg);
	json_t *e = json_pack("{s:s}", "error", msg);
	struct doctor_opts files = *o;
	files.json = false;   /* standard output has it already */
	if (e)
		put_json(&files, e);
	json_decref(e);
	return code;
}

static int parse_opts(int argc, char **argv, struct doctor_opts *o, struct tl_err *err)
{
	enum { O_RATE = 1000, O_RTT, O_FLOWS, O_CPS, O_CONC, O_DEST, O_WATCH, O_JSON, O_ALL, O_APPLY,
	       O_APPLY_NOW, O_STATE, O_REVERT, O_HOST_WIDE, O_JSON_FILE };
	static const struct option longopts[] = {
		{ "rate", required_argument, NULL, O_RATE },
		{ "rtt", required_argument, NULL, O_RTT },
		{ "flows", required_argument, NULL, O_FLOWS },
		{ "conns-per-sec", required_argument, NULL, O_CPS },
		{ "concurrent", required_argument, NULL, O_CONC },
		{ "dest", required_argument, NULL, O_DEST },
		{ "watch", required_argument, NULL, O_WATCH },
		{ "json", no_argument, NULL, O_JSON },
		{ "json-file", required_argument, NULL, O_JSON_FILE },
		{ "all", no_argument, NULL, O_ALL },
		{ "apply", required_argument, NULL, O_APPLY },
		{ "apply-now", no_argument, NULL, O_APPLY_NOW },
		{ "host-wide", no_argument, NULL, O_HOST_WIDE },
		{ "state", required_argument, NULL, O_STATE },
		{ "revert", no_argument, NULL, O_REVERT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case O_RATE:
			if (tl_parse_rate("--rate", optarg, 1000, 10000000000000ULL, &o->w.rate_bps, err) < 0)
				return -1;
			break;
		case O_RTT:
			if (tl_parse_duration("--rtt", optarg, 1000, 60000000000ULL, &o->w.rtt_ns, err) < 0)
				return -1;
			break;
		case O_FLOWS:
			if (tl_parse_count("--flows", optarg, 1, 1000000, &v, err) < 0)
				return -1;
			o->w.flows = (uint32_t)v;
			break;
		case O_CPS:
			if (tl_parse_count("--conns-per-sec", optarg, 0, 100000000, &o->w.conns_per_sec,
					   err) < 0)
				return -1;
			break;
		case O_CONC:
			if (tl_parse_count("--concurrent", optarg, 0, 1000000000, &o->w.concurrent,
					   err) < 0)
				return -1;
			break;
		case O_DEST: {
			struct tl_addr a;
			if (tl_addr_resolve(optarg, 0, AF_UNSPEC, 0, &a, err) < 0) {
				tl_err_prefix(err, "--dest");
				return -1;
			}
			o->w.dest_loopback = tl_addr_is_loopback(&a);
			break;
		}
		case O_WATCH:
			if (tl_parse_duration("--watch", optarg, 100000000ULL, 3600000000000ULL,
					      &o->watch_ns, err) < 0)
				return -1;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_JSON_FILE:
			if (cmd_outputs_add_file(&o->out, OUT_JSON, "--json-file", optarg, err) < 0)
				return -1;
			break;
		case O_ALL:
			o->all = true;
			break;
		case O_APPLY:
			o->apply_file = optarg;
			break;
		case O_APPLY_NOW:
			o->apply_now = true;
			break;
		case O_HOST_WIDE:
			o->host_wide = true;
			break;
		case O_STATE:
			o->state = optarg;
			break;
		case O_REVERT:
			o->revert = true;
			break;
		case 'h':
			return 1;
		case ':':
			return tl_err_set(err, EINVAL, "%s needs a value", argv[optind - 1]);
		default:
			return cmd_unknown_option("doctor", argv, err);
		}
	}
	if (optind < argc)
		return tl_err_set(err, EINVAL, "unexpected argument \"%s\" (see 'tcplab doctor --help')",
				  argv[optind]);
	if (o->revert && (o->apply_now || o->apply_file))
		return tl_err_set(err, EINVAL, "--revert cannot be used with --apply or --apply-now");
	if (o->host_wide && !o->apply_file)
		return tl_err_set(err, EINVAL, "--host-wide only matters with --apply FILE");
	if (o->state && !o->apply_now && !o->revert)
		return tl_err_set(err, EINVAL, "--state only matters with --apply-now or --revert");
	if (!o->state)
		o->state = TL_DOCTOR_STATE_DEFAULT;
	return 0;
}

/* Prints "  label text" wrapped at about 100 columns, continuation lines indented. */
static void wrapped(const char *label, const char *text)
{
	const int width = 100, indent = 8;
	printf("  %-6s", label);
	int col = indent;
	const char *p = text;
	while (*p) {
		const char *sp = strchr(p, ' ');
		int wlen = sp ? (int)(sp - p) : (int)strlen(p);
		if (col > indent && col + 1 + wlen > width) {
			printf("\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		printf("%.*s", wlen, p);
		col += wlen;
		p += wlen;
		while (*p == ' ')
			p++;
	}
	putchar('\n');
}

static void print_header(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w)
{
	char a[32], b[32], c[32], d[32];
	uint32_t flows = w->flows ? w->flows : 1;
	uint64_t bdp = tl_bdp_bytes(w->rate_bps, w->rtt_ns);
	printf("tcplab doctor: Linux %s, network namespace net:[%" PRIu64 "]%s\n",
	       r->host.kernel_release, r->host.netns_inode,
	       r->host.init_netns ? " (the host's)" : " (not the host's)");
	printf("workload:  %s over %s RTT, %u flow%s, %" PRIu64 " new connections/s per "
	       "destination, %" PRIu64 " concurrent\n",
	       tl_doctor_fmt_rate((double)w->rate_bps, a, sizeof(a)),
	       tl_doctor_fmt_duration(w->rtt_ns, b, sizeof(b)),
	       flows, flows == 1 ? "" : "s", w->conns_per_sec, w->concurrent);
	printf("           BDP = %s x %s / 8 = %s; receive buffer per flow >= 2 x BDP/%u = %s\n", a,
	       b, tl_doctor_fmt_size(bdp, c, sizeof(c)), flows,
	       tl_doctor_fmt_size(tl_bdp_rcvbuf_needed(bdp, flows), d, sizeof(d)));
	struct tl_port_facts pf;
	if (tl_doctor_port_facts(r, &pf)) {
		struct tl_port_ceiling pc;
		tl_port_ceiling(&pf, w->dest_loopback, 1, &pc);
		printf("ports:     %u usable towards %s; %s => predicted ceiling ~%" PRIu64 " new "
		       "connections/s per destination\n", pc.ports,
		       w->dest_loopback ? "loopback" : "another host", pc.why, pc.per_sec_floor);
	}
	if (r->have_sockets) {
		const struct tl_sock_counts *k = &r->sockets.counts;
		printf("sockets:   %u TCP (", k->total);
		bool first = true;
		for (int s = 1; s < TL_TCP_STATE_SLOTS; s++)
			if (k->by_state[s]) {
				printf("%s%s %u", first ? "" : ", ", tl_tcp_state_name(s), k->by_state[s]);
				first = false;
			}
		printf("%s), orphans %u, listeners %zu\n", first ? "none" : "", k->orphans,
		       r->sockets.listeners_total);
	}
	if (r->n_ifaces) {
		printf("offloads: ");
		for (size_t i = 0; i < r->n_ifaces; i++) {
			const struct tl_iface *f = &r->ifaces[i];
			printf("%s %s mtu %d gso %s gro %s tso %s%s", i ? ";" : "", f->name, f->mtu,
			       tl_offload_state_name(f->gso), tl_offload_state_name(f->gro),
			       tl_offload_state_name(f->tso), f->flags & IFF_UP ? "" : " (down)");
		}
		printf("\n");
	}
	if (r->host.nofile_soft == UINT64_MAX)
		printf("files:     ulimit -n unlimited\n");
	else
		printf("files:     ulimit -n %" PRIu64 " (hard %" PRIu64 ")\n", r->host.nofile_soft,
		       r->host.nofile_hard);
	if (r->counters.interval_ns)
		printf("counters:  growth over %s\n",
		       tl_doctor_fmt_duration(r->counters.interval_ns, a, sizeof(a)));
	else
		printf("counters:  totals since boot (--watch 10 shows their growth)\n");
	for (size_t i = 0; i < r->n_problems; i++)
		printf("not read:  %s\n", r->problems[i]);
}

static void print_finding(const struct tl_finding *f)
{
	static const char *const tag[] = { "OK", "INFO", "WARN", "SEVERE" };
	printf("\n%s  %s: %s\n", tag[f->severity], f->id, f->title);
	if (f->seen[0])
		wrapped("seen", f->seen);
	if (f->why[0])
		wrapped("why", f->why);
	if (f->fix[0])
		wrapped("fix", f->fix);
	if (f->cost[0])
		wrapped("cost", f->cost);
}

static void print_report(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w,
			 const struct tl_findings *f, bool all)
{
	size_t count[TL_SEV_SEVERE + 1] = { 0 };
	print_header(r, w);
	for (int s = TL_SEV_SEVERE; s >= TL_SEV_INFO; s--)
		for (size_t i = 0; i < f->n; i++)
			if ((int)f->items[i].severity == s)
				print_finding(&f->items[i]);
	for (size_t i = 0; i < f->n; i++) {
		count[f->items[i].severity]++;
		if (all && f->items[i].severity == TL_SEV_OK)
			print_finding(&f->items[i]);
	}
	if (!all && count[TL_SEV_OK]) {
		char ids[2048] = "";
		size_t used = 0;
		for (size_t i = 0; i < f->n && used < sizeof(ids); i++)
			if (f->items[i].severity == TL_SEV_OK)
				used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s ",
							 f->items[i].id);
		if (used < sizeof(ids))
			snprintf(ids + used, sizeof(ids) - used, "(--all explains each)");
		printf("\n");
		wrapped("OK", ids);
	}
	printf("\nsummary: %zu severe, %zu warn, %zu info, %zu ok. (global) marks host-wide values.\n",
	       count[TL_SEV_SEVERE], count[TL_SEV_WARN], count[TL_SEV_INFO], count[TL_SEV_OK]);
}

static const char *status_name(enum tl_change_status s)
{
	return s == TL_CHANGE_APPLIED ? "applied" : s == TL_CHANGE_SKIPPED ? "skipped" : "planned";
}

static json_t *changes_json(const struct doctor_opts *o, const struct tl_doctor_change *c,
			    size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", c[i].name,
						   "value", c[i].value, "old", c[i].old, "global",
						   c[i].global, "status", status_name(c[i].status)));
	return json_pack("{s:o?, s:b, s:o?, s:o}", "file",
			 o->apply_file ? json_string(o->apply_file) : NULL, "now", o->apply_now,
			 "state", o->apply_now ? json_string(o->state) : NULL, "changes", a);
}

static void print_changes(const struct doctor_opts *o, const struct tl_doctor_change *c, size_t n,
			  bool in_host_netns)
{
	printf("\n");
	if (o->apply_file && in_host_netns)
		printf("wrote %s: %zu setting%s (install it in /etc/sysctl.d/ to keep them)\n",
		       o->apply_file, n, n == 1 ? "" : "s");
	else if (o->apply_file)
		printf("wrote %s: %zu setting%s (--host-wide). Written from a network namespace "
		       "other than the host's:\ninstalled in /etc/sysctl.d/ it sets the host's "
		       "values at boot, not this namespace's.\n", o->apply_file, n, n == 1 ? "" : "s");
	if (!o->apply_now)
		return;
	size_t applied = 0;
	for (size_t i = 0; i < n; i++) {
		applied += c[i].status == TL_CHANGE_APPLIED;
		if (c[i].status == TL_CHANGE_APPLIED)
			printf("set %s = %s (was %s)\n", c[i].name, c[i].value, c[i].old);
		else
			printf("skipped %s = %s: global, read-only in this network namespace\n",
			       c[i].name, c[i].value);
	}
	if (applied)
		printf("old values recorded in %s; undo with: tcplab doctor --revert --state %s\n",
		       o->state, o->state);
	else
		printf("nothing was changed in the running kernel (no state file written)\n");
}

static int do_revert(const struct doctor_opts *o)
{
	struct tl_host h;
	struct tl_err err = { 0 };
	size_t restored = 0;
	if (tl_host_read(&h, &err) < 0 ||
	    tl_doctor_revert(o->state, h.netns_inode, &restored, &err) < 0)
		return exit_with(o, TL_EXIT_ERROR, err.msg);
	json_t *j = json_pack("{s:{s:s, s:I}}", "revert", "state", o->state, "restored",
			      (json_int_t)restored);
	if (j)
		put_json(o, j);
	json_decref(j);
	if (!o->json) {
		printf("restored %zu value%s from %s (and removed it)\n", restored,
		       restored == 1 ? "" : "s", o->state);
	}
	return TL_EXIT_OK;
}

int cmd_doctor_main(int argc, char **argv)
{
	struct doctor_opts o = { 0 };
	struct tl_err err = { 0 };
	struct tl_doctor_readings *r = NULL;
	struct tl_findings *f = NULL;
	struct tl_doctor_change changes[TL_DOCTOR_MAX_CHANGES];
	char *dropin = NULL;
	json_t *report = NULL;
	int ret = TL_EXIT_ERROR;

	tl_doctor_workload_default(&o.w);
	cmd_outputs_init(&o.out);
	/* Seen before parsing so that a usage error is also printed as JSON. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			o.json = true;
	int p = parse_opts(argc, argv, &o, &err);
	if (p == 1) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (p == 0 && cmd_outputs_open(&o.out, &err) < 0)
		p = -1;
	if (p < 0) {
		ret = exit_with(&o, TL_EXIT_USAGE, err.msg);
		goto out;
	}
	if (o.revert) {
		ret = do_revert(&o);
		goto out;
	}

	r = calloc(1, sizeof(*r));
	f = calloc(1, sizeof(*f));
	if (!r || !f) {
		ret = exit_with(&o, TL_EXIT_ERROR, "out of memory");
		goto out;
	}
	if (tl_doctor_read(r, &err) < 0 ||
	    tl_doctor_read_counters(&r->counters, o.watch_ns, &err) < 0) {
		ret = exit_with(&o, TL_EXIT_ERROR, err.msg);
		goto out;
	}
	tl_doctor_evaluate(r, &o.w, f);

	size_t n = 0;
	/* Refused before anything is written or set: --apply-now in this namespace stays fine. */
	if (o.apply_file && !r->host.init_netns && !o.host_wide) {
		char msg[512];
		snprintf(msg, sizeof(msg),
			 "--apply %s: this process runs in network namespace net:[%" PRIu64 "], not "
			 "the host's; net.* sysctls here are per namespace, and a drop-in installed in "
			 "/etc/sysctl.d/ would set them for the host at boot. Use --apply-now to "
			 "change this namespace only, or add --host-wide to write the file anyway",
			 o.apply_file, r->host.netns_inode);
		ret = exit_with(&o, TL_EXIT_USAGE, msg);
		goto out;
	}
	if (o.apply_file || o.apply_now) {
		n = tl_doctor_changes(f, r, changes, TL_DOCTOR_MAX_CHANGES);
		if (o.apply_file) {
			dropin = tl_doctor_dropin_text(changes, n, &o.w, &r->host);
			if (!dropin) {
				ret = exit_with(&o, TL_EXIT_ERROR, "out of memory");
				goto out;
			}
			if (tl_doctor_write_file(o.apply_file, dropin, &err) < 0) {
				ret = exit_with(&o, TL_EXIT_ERROR, err.msg);
				goto out;
			}
		}
		if (o.apply_now && tl_doctor_apply_now(changes, n, o.state, r->host.netns_inode,
						       &err) < 0) {
			tl_err_prefix(&err, "--apply-now");
			ret = exit_with(&o, TL_EXIT_ERROR, err.msg);
			goto out;
		}
	}

	if (o.json || o.out.n > 1) {
		report = tl_doctor_json(r, &o.w, f);
		if (!report) {
			ret = exit_with(&o, TL_EXIT_ERROR, "out of memory");
			goto out;
		}
		if (o.apply_file || o.apply_now)
			json_object_set_new(report, "apply", changes_json(&o, changes, n));
		put_json(&o, report);
	}
	if (!o.json) {
		print_report(r, &o.w, f, o.all);
		if (o.apply_file || o.apply_now)
			print_changes(&o, changes, n, r->host.init_netns);
	}
	ret = tl_findings_worst(f) == TL_SEV_SEVERE ? TL_EXIT_FAIL : TL_EXIT_OK;
out:
	if (cmd_outputs_close(&o.out, &err) < 0) {
		fprintf(stderr, "tcplab doctor: %s\n", err.msg);
		if (ret == TL_EXIT_OK || ret == TL_EXIT_FAIL)
			ret = TL_EXIT_ERROR;
	}
	json_decref(report);
	free(dropin);
	free(f);
	free(r);
	return ret;
}
