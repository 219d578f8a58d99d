/*
 * tcplab doctor: read the host's TCP settings, sockets, counters and offloads, judge them
 * against a workload, print the findings with their arithmetic, fixes and costs; on request
 * write a sysctl.d drop-in, apply it to the running kernel, or revert what was applied.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "net/addr.h"
#include "out/doctor_table.h"
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
	struct cmd_outputs out;   /* standard output (the report, or --json), and the --json-file */
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

/* An error as text, or also as {"error": "..."} with --json (cmd_error), and in the
 * --json-file; returns code. */
static int exit_with(const struct doctor_opts *o, int code, const char *msg)
{
	cmd_error("doctor", o->json ? OUT_JSON : OUT_TABLE, code, msg);
	cmd_outputs_json_error(&o->out, msg);
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
		cmd_outputs_json(&o->out, j);
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
	o.out.format[0] = o.json ? OUT_JSON : OUT_TABLE;
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
			json_object_set_new(report, "apply",
					    tl_doctor_changes_json(o.apply_file, o.apply_now, o.state,
								   changes, n));
		cmd_outputs_json(&o.out, report);
	}
	if (!o.json) {
		tl_out_doctor_report(stdout, r, &o.w, f, o.all);
		struct tl_out_doctor_apply a = { .file = o.apply_file, .now = o.apply_now,
						 .state = o.state, .in_host_netns = r->host.init_netns };
		if (o.apply_file || o.apply_now)
			tl_out_doctor_changes(stdout, &a, changes, n);
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
