/* tcplab probe HOST: RTT, bottleneck rate and loss to an agent, and the buffer advice. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/tune_report.h"
#include "ctl/agent.h"
#include "out/probe_table.h"
#include "tune/advice_json.h"
#include "tune/cache.h"
#include "tune/limits.h"
#include "tune/probe_cached.h"
#include "util/clock.h"
#include "util/parse.h"

struct probe_cli {
	struct tl_client_target target;
	struct tl_probe_opts popts;
	struct tl_probe_cache_opts copts;
	uint32_t use_flows;
	enum out_format format;
	struct cmd_outputs out; /* stdout, and --json-file */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab probe [OPTIONS] HOST\n\n"
		"Measures the path to a 'tcplab serve' agent on HOST: the RTT (minimum and smoothed) from a\n"
		"short request/response phase and TCP_INFO, the bottleneck rate from a short bulk phase\n"
		"(receiver goodput after slow start), and loss. From them: the bandwidth-delay product, the\n"
		"SO_SNDBUF/SO_RCVBUF to give each flow, whether this host's limits allow it, and how many\n"
		"parallel flows are needed when they do not. Results are remembered per destination\n"
		"(HOST, port, direction) for --max-age, as 'stream --autotune' and tcplab_advise_buffer()\n"
		"also use them.\n\n"
		"  -p, --port PORT          agent port (default %d)\n"
		"  -4, --ipv4 / -6, --ipv6  address family\n"
		"  -B, --bind ADDR          source address\n"
		"  -R, --reverse            measure the agent-to-here direction\n"
		"  -P, --flows N            flows of the bulk phase (default %u)\n"
		"  -t, --time TIME          measurement window of the bulk phase (default 2s + 20 x min\n"
		"                           RTT, at most 10s)\n"
		"  -O, --omit TIME          warm-up before it (default 500ms + 20 x min RTT, at most 10s)\n"
		"      --rtt-time TIME      length of the request/response phase (default 300ms)\n"
		"      --use-flows N        advice for a program that will open N flows (default: the\n"
		"                           fewest this host's limits allow)\n"
		"      --max-age TIME       reuse a remembered result at most this old (default 10m)\n"
		"      --fresh              measure even if a result is remembered (and remember it)\n"
		"      --state FILE         state file (default $XDG_CACHE_HOME/tcplab/probe.json or\n"
		"                           ~/.cache/tcplab/probe.json)\n"
		"      --json               one JSON document (valid also on error)\n"
		"      --json-file FILE     the same written to FILE, beside the report on stdout\n"
		"  -h, --help               this text\n",
		TL_DEFAULT_PORT, TL_PROBE_FLOWS_DEFAULT);
}

static int parse_args(int argc, char **argv, struct probe_cli *c, struct tl_err *err)
{
	enum { OPT_RTT_TIME = 256, OPT_USE_FLOWS, OPT_MAX_AGE, OPT_FRESH, OPT_STATE, OPT_JSON, OPT_JSON_FILE };
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' }, { "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' }, { "bind", required_argument, NULL, 'B' },
		{ "reverse", no_argument, NULL, 'R' }, { "flows", required_argument, NULL, 'P' },
		{ "time", required_argument, NULL, 't' }, { "omit", required_argument, NULL, 'O' },
		{ "rtt-time", required_argument, NULL, OPT_RTT_TIME },
		{ "use-flows", required_argument, NULL, OPT_USE_FLOWS },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE }, { "fresh", no_argument, NULL, OPT_FRESH },
		{ "state", required_argument, NULL, OPT_STATE }, { "json", no_argument, NULL, OPT_JSON },
		{ "json-file", required_argument, NULL, OPT_JSON_FILE },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int opt;
	c->target.port = TL_DEFAULT_PORT;
	c->target.family = AF_UNSPEC;
	c->copts.max_age_s = TL_CACHE_MAX_AGE_DEFAULT_S;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "p:46B:RP:t:O:h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'p': rc = tl_parse_port("--port", optarg, 0, &c->target.port, err); break;
		case '4': c->target.family = AF_INET; break;
		case '6': c->target.family = AF_INET6; break;
		case 'B': c->target.bind = optarg; break;
		case 'R': c->popts.direction = TL_DIR_REVERSE; break;
		case 'P':
			rc = tl_parse_count("--flows", optarg, 1, 1024, &v, err);
			c->popts.flows = (uint32_t)v;
			break;
		case 't':
			rc = tl_parse_duration("--time", optarg, 100 * TL_NSEC_PER_MSEC, TL_PROBE_WINDOW_LIMIT_NS,
					       &c->popts.bulk_ns, err);
			break;
		case 'O':
			rc = tl_parse_duration("--omit", optarg, 1, 60 * TL_NSEC_PER_SEC, &c->popts.omit_ns, err);
			break;
		case OPT_RTT_TIME:
			rc = tl_parse_duration("--rtt-time", optarg, 100 * TL_NSEC_PER_MSEC, 60 * TL_NSEC_PER_SEC,
					       &c->popts.rr_ns, err);
			break;
		case OPT_USE_FLOWS:
			rc = tl_parse_count("--use-flows", optarg, 1, TL_ADVICE_MAX_FLOWS, &v, err);
			c->use_flows = (uint32_t)v;
			break;
		case OPT_MAX_AGE:
			rc = tl_parse_duration("--max-age", optarg, 0, 365 * 86400 * TL_NSEC_PER_SEC, &v, err);
			c->copts.max_age_s = v / TL_NSEC_PER_SEC;
			break;
		case OPT_FRESH: c->copts.fresh = true; break;
		case OPT_STATE:
			if (!optarg[0])
				rc = tl_err_set(err, EINVAL, "--state: give a file name");
			c->copts.state_file = optarg;
			break;
		case OPT_JSON: c->format = OUT_JSON; break;
		case OPT_JSON_FILE: rc = cmd_outputs_add_file(&c->out, OUT_JSON, "--json-file", optarg, err); break;
		case 'h': return 1;
		default: return tl_err_set(err, EINVAL, "see 'tcplab probe --help'");
		}
		if (rc < 0)
			return rc;
	}
	if (optind != argc - 1)
		return tl_err_set(err, EINVAL, optind >= argc ? "no HOST given (e.g. tcplab probe 127.0.0.1)"
					  : "more than one HOST given (\"%s\")", argv[argc - 1]);
	c->target.host = argv[optind];
	return 0;
}

/* {"probe": the path, "origin": measured now or remembered, "advice"}: the --json document. */
static json_t *probe_doc(const struct tl_probe_result *p, const struct tl_probe_origin *o,
			 const struct tl_advice *a, const struct tl_advice_limits *lim)
{
	return json_pack("{s:o,s:{s:b,s:I,s:s,s:b,s:s?},s:o}", "probe", tl_probe_to_json(p),
			 "origin", "from_cache", o->from_cache, "age_s", (json_int_t)o->age_s,
			 "state_file", o->state_file, "saved", o->saved,
			 "save_error", o->save_err.msg[0] ? o->save_err.msg : NULL,
			 "advice", tl_advice_json(a, lim));
}

int cmd_probe_main(int argc, char **argv)
{
	struct probe_cli c;
	struct tl_err err = { 0 };
	struct tl_probe_result p;
	struct tl_probe_origin origin;
	struct tl_advice_limits lim;
	struct tl_advice a;
	memset(&c, 0, sizeof(c));
	cmd_outputs_init(&c.out);
	/* A usage error is JSON too when --json was asked for, wherever it stands. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			c.format = OUT_JSON;
	int rc = parse_args(argc, argv, &c, &err);
	if (rc == 1) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (rc < 0)
		return cmd_usage_error("probe", c.format, err.msg);
	signal(SIGPIPE, SIG_IGN);
	c.out.format[0] = c.format;
	if (cmd_outputs_open(&c.out, &err) < 0) {
		cmd_outputs_close(&c.out, NULL);
		return cmd_usage_error("probe", c.format, err.msg);
	}
	if (isatty(STDERR_FILENO))
		c.popts.progress = cmd_tune_progress;
	rc = tl_limits_read(&lim, &err);
	if (rc == 0)
		rc = tl_probe_cached(&c.target, &c.popts, &c.copts, &p, &origin, &err);
	if (c.popts.progress)
		cmd_tune_progress_done();
	if (rc < 0) {
		cmd_error("probe", c.format, TL_EXIT_ERROR, err.msg);
		cmd_outputs_json_error(&c.out, err.msg);
		cmd_outputs_close(&c.out, NULL);
		return TL_EXIT_ERROR;
	}
	struct tl_advice_input in = { .rate_bps = p.rate_bps, .rtt_ns = p.rtt_min_ns, .flows = c.use_flows };
	tl_advice_compute(&in, &lim, &a);
	if (cmd_outputs_want(&c.out, OUT_JSON)) {
		json_t *doc = probe_doc(&p, &origin, &a, &lim);
		cmd_outputs_json(&c.out, doc);
		json_decref(doc);
	}
	if (c.format == OUT_TABLE) {
		tl_out_probe(stdout, &p, &origin);
		tl_out_probe_advice(stdout, &a, &lim);
	}
	if (cmd_outputs_close(&c.out, &err) < 0) {
		fprintf(stderr, "tcplab probe: %s\n", err.msg);
		return TL_EXIT_ERROR;
	}
	if (origin.save_err.msg[0])
		fprintf(stderr, "tcplab probe: warning: result not remembered: %s\n", origin.save_err.msg);
	return TL_EXIT_OK;
}
