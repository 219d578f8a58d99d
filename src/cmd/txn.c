/* tcplab rr HOST and tcplab crr HOST: request/response latency and connection churn. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/live.h"
#include "cmd/test_opts.h"
#include "ctl/agent.h"
#include "ctl/client.h"
#include "measure/hist.h"
#include "out/render.h"
#include "util/clock.h"
#include "util/parse.h"

struct txn_cli {
	const char *name;
	int crr;
	struct tl_spec spec;
	struct tl_client_target target;
	enum out_format format;
	const char *histogram; /* NULL, "-" for stdout, or a file */
	char sources[512];
	struct cmd_live live; /* the outputs, and what renders the parts as they arrive */
};

static void usage(FILE *f, int crr)
{
	if (!crr)
		fprintf(f, "Usage: tcplab rr [OPTIONS] HOST\n\n"
			   "Request/response over persistent connections: each flow sends a request and\n"
			   "reads the response; latency is kept in a log-linear histogram (<= 1%% error).\n"
			   "With --rate the flows send on a schedule (open loop) and latency counts from the\n"
			   "scheduled time, so a stall shows instead of hiding (no coordinated omission).\n\n");
	else
		fprintf(f, "Usage: tcplab crr [OPTIONS] HOST\n\n"
			   "A new connection per transaction (connect, request, response, close), from -P\n"
			   "concurrent connectors. Counts TIME_WAIT sockets and free ephemeral ports while it\n"
			   "runs (netlink sock_diag), predicts the ceiling they impose, and says so in one\n"
			   "line when connects start failing with EADDRNOTAVAIL; failed attempts are counted,\n"
			   "never hidden in the rate.\n\n");
	fprintf(f,
		"  -P, --flows N            concurrent flows (connectors) (default 1)\n"
		"  -T, --threads N          worker threads on each end (default: online cores)\n"
		"  -t, --time TIME          measurement window (default 10s)\n"
		"  -O, --omit TIME          warm-up before the window\n"
		"  -i, --interval TIME      report every TIME (default 1s; 0 = only the end)\n"
		"      --request SIZE       request size (default 1)\n"
		"      --response SIZE      response size (default 1)\n"
		"      --rate R             open loop: R %s per second over all flows\n"
		"      --histogram[=FILE]   the latency histogram's buckets as CSV (stdout, or FILE)\n",
		crr ? "connections" : "transactions");
	if (crr)
		fprintf(f,
			"      --requests-per-conn K  transactions per connection (default 1: a job server's\n"
			"                           one job per connection)\n"
			"      --close client|server  which side closes first, and so holds TIME_WAIT\n"
			"                           (default client)\n"
			"      --linger0            the closing side sends an RST: no TIME_WAIT, but unsent\n"
			"                           data is lost and the peer sees a reset\n"
			"      --source ADDR[,ADDR...]  source addresses, used in turn (IP_BIND_ADDRESS_NO_PORT)\n");
	fprintf(f,
		"  -p, --port PORT          agent port (default %d)\n"
		"  -4, --ipv4 / -6, --ipv6  address family\n"
		"  -B, --bind ADDR          source address of the flows (crr: of every connection, unless --source)\n"
		"      --cc NAME | NAME:N,...  congestion control (or a mix over the flows)\n"
		"      --nagle              leave Nagle on (TCP_NODELAY is set by default here)\n"
		"      --group SPEC         flow groups with their own options (see tcplab stream --help)\n"
		"      --connect-timeout TIME  per connection (default 30s)\n"
		"      --json / --json-lines / --csv   machine output (--csv: one row per interval)\n"
		"      --json-file FILE / --json-lines-file FILE / --csv-file FILE\n"
		"                           the same written to FILE, beside what stdout shows\n"
		"  -h, --help               this text\n", TL_DEFAULT_PORT);
}

static int parse_sources(struct txn_cli *c, const char *text, struct tl_err *err)
{
	if (strlen(text) >= sizeof(c->sources))
		return tl_err_set(err, EINVAL, "--source: too long");
	memcpy(c->sources, text, strlen(text) + 1);
	c->target.nsources = 0;
	for (char *save = NULL, *tok = strtok_r(c->sources, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (c->target.nsources == TL_CLIENT_MAX_SOURCES)
			return tl_err_set(err, EINVAL, "--source \"%s\": at most %d addresses", text, TL_CLIENT_MAX_SOURCES);
		c->target.sources[c->target.nsources++] = tok;
	}
	if (!c->target.nsources)
		return tl_err_set(err, EINVAL, "--source \"%s\": no address (write --source 127.0.0.2,127.0.0.3)", text);
	return 0;
}

/* rr's and crr's own options (the shared ones: cmd/test_opts.h) */
enum { OPT_REQUEST = 256, OPT_RESPONSE, OPT_RATE, OPT_HIST, OPT_KPC, OPT_CLOSE, OPT_LINGER0, OPT_SOURCE,
       OPT_NAGLE };

/* --requests-per-conn, --close, --linger0, --source: crr's own. */
static int take_crr_option(struct txn_cli *c, int opt, struct tl_err *err)
{
	struct tl_spec *s = &c->spec;
	uint64_t v;
	if (!c->crr)
		return tl_err_set(err, EINVAL, "%s applies to crr%s",
				  opt == OPT_KPC ? "--requests-per-conn" : opt == OPT_CLOSE ? "--close"
				  : opt == OPT_LINGER0 ? "--linger0" : "--source",
				  opt == OPT_KPC ? " (rr keeps its connections)"
				  : opt == OPT_SOURCE ? " (use --bind for rr)" : "");
	switch (opt) {
	case OPT_KPC:
		if (tl_parse_count("--requests-per-conn", optarg, 1, 1000000000u, &v, err) < 0)
			return -1;
		s->requests_per_conn = (uint32_t)v;
		return 1;
	case OPT_CLOSE:
		if (strcmp(optarg, "client") == 0)
			s->close_side = TL_CLOSE_CLIENT;
		else if (strcmp(optarg, "server") == 0)
			s->close_side = TL_CLOSE_SERVER;
		else
			return tl_err_set(err, EINVAL, "--close \"%s\": write client or server", optarg);
		return 1;
	case OPT_LINGER0:
		s->linger0 = 1;
		return 1;
	default:
		return parse_sources(c, optarg, err) < 0 ? -1 : 1;
	}
}

/* An option only rr and crr take: 1 taken, 0 not one of them, < 0 a bad value. */
static int take_option(struct txn_cli *c, int opt, int *nagle, struct tl_err *err)
{
	struct tl_spec *s = &c->spec;
	uint64_t v;
	int rc = 0;
	switch (opt) {
	case OPT_REQUEST:
		rc = tl_parse_size("--request", optarg, 1, 16u << 20, &v, err);
		s->request_size = (uint32_t)v;
		break;
	case OPT_RESPONSE:
		rc = tl_parse_size("--response", optarg, 1, 16u << 20, &v, err);
		s->response_size = (uint32_t)v;
		break;
	case OPT_RATE: rc = tl_parse_count("--rate", optarg, 1, 100000000ULL, &s->rate, err); break;
	case OPT_HIST: c->histogram = optarg ? optarg : "-"; break;
	case OPT_KPC: case OPT_CLOSE: case OPT_LINGER0: case OPT_SOURCE: return take_crr_option(c, opt, err);
	case OPT_NAGLE: *nagle = 1; break;
	default: return 0;
	}
	return rc < 0 ? rc : 1;
}

static int parse_args(int argc, char **argv, struct txn_cli *c, struct tl_err *err)
{
	static const struct option options[] = {
		CMD_TEST_LONG_OPTIONS,
		{ "request", required_argument, NULL, OPT_REQUEST },
		{ "response", required_argument, NULL, OPT_RESPONSE }, { "rate", required_argument, NULL, OPT_RATE },
		{ "histogram", optional_argument, NULL, OPT_HIST },
		{ "requests-per-conn", required_argument, NULL, OPT_KPC }, { "close", required_argument, NULL, OPT_CLOSE },
		{ "linger0", no_argument, NULL, OPT_LINGER0 }, { "source", required_argument, NULL, OPT_SOURCE },
		{ "nagle", no_argument, NULL, OPT_NAGLE }, { NULL, 0, NULL, 0 },
	};
	struct cmd_test_opts o;
	int opt, nagle = 0;
	cmd_test_opts_begin(&o, c->name, c->crr ? TL_WORKLOAD_CRR : TL_WORKLOAD_RR, &c->spec, &c->target,
			    &c->format, &c->live.out);
	while ((opt = getopt_long(argc, argv, CMD_TEST_SHORT, options, NULL)) != -1) {
		if (opt == 'h')
			return 1;
		int rc = cmd_test_opts_take(&o, opt, optarg, err);
		if (rc == 0)
			rc = take_option(c, opt, &nagle, err);
		if (rc == 0)
			return cmd_unknown_option(c->name, argv, err);
		if (rc < 0)
			return rc;
	}
	if (c->histogram && strcmp(c->histogram, "-") == 0 && c->format != OUT_TABLE)
		return tl_err_set(err, EINVAL, "--histogram to stdout cannot mix with --json/--csv: give a file, "
				  "--histogram=FILE (the JSON output has the buckets in end.latency_histogram)");
	c->spec.opts.nodelay = !nagle;
	return cmd_test_opts_end(&o, argc, argv, err);
}

static int write_histogram(const struct txn_cli *c, const struct tl_txn_end *end, struct tl_err *err)
{
	struct tl_hist *h = tl_hist_new();
	int rc = -1;
	FILE *f = NULL;
	if (!h)
		return tl_err_set(err, ENOMEM, "out of memory");
	if (tl_hist_from_json(h, end->latency_histogram, err) < 0)
		goto out;
	f = strcmp(c->histogram, "-") == 0 ? stdout : fopen(c->histogram, "w");
	if (!f) {
		tl_err_errno(err, "--histogram %s", c->histogram);
		goto out;
	}
	if (f == stdout)
		printf("\nLatency histogram (transactions):\n");
	tl_hist_print_csv(f, h);
	rc = 0;
out:
	if (f && f != stdout)
		fclose(f);
	tl_hist_free(h);
	return rc;
}

static int txn_main(int argc, char **argv, int crr)
{
	struct txn_cli c;
	struct tl_err err = { 0 };
	memset(&c, 0, sizeof(c));
	c.crr = crr;
	c.name = crr ? "crr" : "rr";
	int rc = parse_args(argc, argv, &c, &err);
	if (rc == 1) {
		usage(stdout, crr);
		return TL_EXIT_OK;
	}
	if (rc < 0)
		return cmd_usage_error(c.name, cmd_scan_format(argc, argv), err.msg);
	signal(SIGPIPE, SIG_IGN);
	if (cmd_outputs_open(&c.live.out, &err) < 0) {
		cmd_outputs_close(&c.live.out, NULL);
		return cmd_usage_error(c.name, c.format, err.msg);
	}
	c.live.cmd = c.name;
	c.live.kind = CMD_LIVE_TXN;
	c.live.progress_tty = isatty(STDERR_FILENO);
	cmd_interrupt_install();
	struct tl_client_callbacks cb = { .connecting = cmd_live_connecting,
					  .started = cmd_live_started, .interval = cmd_live_interval,
					  .warning = cmd_live_warning, .ctx = &c.live,
					  .interrupt = cmd_interrupt_flag() };
	json_t *doc = NULL;
	rc = tl_stream_client_run(&c.spec, &c.target, &cb, &doc, &err);
	struct tl_txn_result res;
	struct tl_err derr = { 0 };
	int decoded = tl_txn_result_decode(doc, &res, &derr) == 0;
	if (!decoded)
		cmd_live_decode_failed(&c.live, &derr);
	const struct tl_txn_end *rend = decoded && res.has_end ? &res.end : NULL;
	/* the table's end (on standard output only; rr's CSV has no end row), then the machine
	 * formats' */
	if (decoded && c.live.out.format[0] == OUT_TABLE) {
		tl_txn_table_end(c.live.out.f[0], &res);
		fflush(c.live.out.f[0]);
	}
	cmd_live_end_machine(&c.live, doc, rc, err.msg);
	int status = TL_EXIT_OK;
	struct tl_err herr = { 0 };
	if (c.histogram && rend && write_histogram(&c, rend, &herr) < 0) {
		fprintf(stderr, "tcplab %s: %s\n", c.name, herr.msg);
		status = TL_EXIT_ERROR;
	}
	if (cmd_live_finish(&c.live, rc, err.msg) != TL_EXIT_OK)
		status = TL_EXIT_ERROR;
	else if (status == TL_EXIT_OK && rend && rend->failed_flows > 0)
		status = TL_EXIT_FAIL;
	if (cmd_interrupted())
		status = TL_EXIT_INTERRUPTED;
	if (decoded)
		tl_txn_result_free(&res);
	json_decref(doc);
	return status;
}

int cmd_rr_main(int argc, char **argv)
{
	return txn_main(argc, argv, 0);
}

int cmd_crr_main(int argc, char **argv)
{
	return txn_main(argc, argv, 1);
}
