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
	int progress_tty;
	const char *histogram; /* NULL, "-" for stdout, or a file */
	char sources[512];
	struct cmd_outputs out; /* stdout in .format, and the --*-file files */
	struct tl_err decode_err; /* the first part of the result that did not decode */
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

static int parse_args(int argc, char **argv, struct txn_cli *c, struct tl_err *err)
{
	enum {
		OPT_REQUEST = 256, OPT_RESPONSE, OPT_RATE, OPT_HIST, OPT_KPC, OPT_CLOSE, OPT_LINGER0, OPT_SOURCE,
		OPT_CC, OPT_NAGLE, OPT_GROUP, OPT_JSON, OPT_JSONL, OPT_CSV, OPT_CONNECT_TIMEOUT,
		OPT_JSON_FILE, OPT_JSONL_FILE, OPT_CSV_FILE,
	};
	static const struct option options[] = {
		{ "flows", required_argument, NULL, 'P' }, { "threads", required_argument, NULL, 'T' },
		{ "time", required_argument, NULL, 't' }, { "omit", required_argument, NULL, 'O' },
		{ "interval", required_argument, NULL, 'i' }, { "request", required_argument, NULL, OPT_REQUEST },
		{ "response", required_argument, NULL, OPT_RESPONSE }, { "rate", required_argument, NULL, OPT_RATE },
		{ "histogram", optional_argument, NULL, OPT_HIST },
		{ "requests-per-conn", required_argument, NULL, OPT_KPC }, { "close", required_argument, NULL, OPT_CLOSE },
		{ "linger0", no_argument, NULL, OPT_LINGER0 }, { "source", required_argument, NULL, OPT_SOURCE },
		{ "port", required_argument, NULL, 'p' }, { "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' }, { "bind", required_argument, NULL, 'B' },
		{ "cc", required_argument, NULL, OPT_CC }, { "nagle", no_argument, NULL, OPT_NAGLE },
		{ "group", required_argument, NULL, OPT_GROUP }, { "json", no_argument, NULL, OPT_JSON },
		{ "json-lines", no_argument, NULL, OPT_JSONL }, { "csv", no_argument, NULL, OPT_CSV },
		{ "json-file", required_argument, NULL, OPT_JSON_FILE },
		{ "json-lines-file", required_argument, NULL, OPT_JSONL_FILE },
		{ "csv-file", required_argument, NULL, OPT_CSV_FILE },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct tl_spec *s = &c->spec;
	uint64_t v;
	int flows_given = 0;
	int opt, formats = 0, nagle = 0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	tl_spec_defaults(s);
	cmd_outputs_init(&c->out);
	s->workload = c->crr ? TL_WORKLOAD_CRR : TL_WORKLOAD_RR;
	s->threads = cores > 0 ? (uint32_t)cores : 1;
	c->target.port = TL_DEFAULT_PORT;
	c->target.family = AF_UNSPEC;
	c->target.per_flow_limit = 128;
	optind = 1;
	opterr = 0; /* the error is ours, naming the option (and as JSON with --json) */
	while ((opt = getopt_long(argc, argv, "P:T:t:O:i:p:46B:h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'P':
			rc = tl_parse_count("--flows", optarg, 1, TL_SPEC_MAX_FLOWS, &v, err);
			s->flows = (uint32_t)v;
			flows_given = 1;
			break;
		case 'T':
			rc = tl_parse_count("--threads", optarg, 1, TL_SPEC_MAX_THREADS, &v, err);
			s->threads = (uint32_t)v;
			break;
		case 't':
			rc = tl_parse_duration("--time", optarg, 100 * TL_NSEC_PER_MSEC, 86400 * TL_NSEC_PER_SEC,
					       &s->duration_ns, err);
			break;
		case 'O': rc = tl_parse_duration("--omit", optarg, 0, 3600 * TL_NSEC_PER_SEC, &s->omit_ns, err); break;
		case 'i':
			rc = tl_parse_duration("--interval", optarg, 0, 3600 * TL_NSEC_PER_SEC, &s->interval_ns, err);
			if (rc == 0 && s->interval_ns && s->interval_ns < 10 * TL_NSEC_PER_MSEC)
				rc = tl_err_set(err, ERANGE, "--interval \"%s\": at least 10ms, or 0 for none", optarg);
			break;
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
		case OPT_KPC:
			if (!c->crr)
				return tl_err_set(err, EINVAL, "--requests-per-conn applies to crr (rr keeps its connections)");
			rc = tl_parse_count("--requests-per-conn", optarg, 1, 1000000000u, &v, err);
			s->requests_per_conn = (uint32_t)v;
			break;
		case OPT_CLOSE:
			if (!c->crr)
				return tl_err_set(err, EINVAL, "--close applies to crr");
			if (strcmp(optarg, "client") == 0)
				s->close_side = TL_CLOSE_CLIENT;
			else if (strcmp(optarg, "server") == 0)
				s->close_side = TL_CLOSE_SERVER;
			else
				return tl_err_set(err, EINVAL, "--close \"%s\": write client or server", optarg);
			break;
		case OPT_LINGER0:
			if (!c->crr)
				return tl_err_set(err, EINVAL, "--linger0 applies to crr");
			s->linger0 = 1;
			break;
		case OPT_SOURCE:
			if (!c->crr)
				return tl_err_set(err, EINVAL, "--source applies to crr (use --bind for rr)");
			rc = parse_sources(c, optarg, err);
			break;
		case 'p': rc = tl_parse_port("--port", optarg, 0, &c->target.port, err); break;
		case '4': c->target.family = AF_INET; break;
		case '6': c->target.family = AF_INET6; break;
		case 'B': c->target.bind = optarg; break;
		case OPT_CC: rc = tl_spec_parse_cc_mix(s, optarg, err); break;
		case OPT_NAGLE: nagle = 1; break;
		case OPT_GROUP: rc = cmd_parse_group(optarg, s, err); break;
		case OPT_JSON: c->format = OUT_JSON; formats++; break;
		case OPT_JSONL: c->format = OUT_JSONL; formats++; break;
		case OPT_CSV: c->format = OUT_CSV; formats++; break;
		case OPT_JSON_FILE: rc = cmd_outputs_add_file(&c->out, OUT_JSON, "--json-file", optarg, err); break;
		case OPT_JSONL_FILE:
			rc = cmd_outputs_add_file(&c->out, OUT_JSONL, "--json-lines-file", optarg, err);
			break;
		case OPT_CSV_FILE: rc = cmd_outputs_add_file(&c->out, OUT_CSV, "--csv-file", optarg, err); break;
		case OPT_CONNECT_TIMEOUT:
			rc = tl_parse_duration("--connect-timeout", optarg, 10 * TL_NSEC_PER_MSEC,
					       3600 * TL_NSEC_PER_SEC, &s->connect_timeout_ns, err);
			break;
		case 'h': return 1;
		default: return cmd_unknown_option(c->name, argv, err);
		}
		if (rc < 0)
			return rc;
	}
	if (formats > 1)
		return tl_err_set(err, EINVAL, "--json, --json-lines and --csv cannot be used together "
				  "(--json-file FILE and the like write another format beside)");
	c->out.format[0] = c->format;
	if (c->histogram && strcmp(c->histogram, "-") == 0 && c->format != OUT_TABLE)
		return tl_err_set(err, EINVAL, "--histogram to stdout cannot mix with --json/--csv: give a file, "
				  "--histogram=FILE (the JSON output has the buckets in end.latency_histogram)");
	s->opts.nodelay = !nagle;
	cmd_flows_from_groups(s, flows_given);
	if (s->threads > s->flows)
		s->threads = s->flows;
	if (optind != argc - 1)
		return tl_err_set(err, EINVAL, optind >= argc ? "no HOST given (e.g. tcplab %s 127.0.0.1)"
					  : "more than one HOST given", c->name);
	c->target.host = argv[optind];
	if (tl_spec_check_cc_available(s, err) < 0)
		return -1;
	return tl_spec_validate(s, err);
}

static void on_connecting(void *ctx, uint32_t done, uint32_t total)
{
	struct txn_cli *c = ctx;
	if (c->progress_tty)
		cmd_progress_connecting(done, total);
}

/* A part of the document that does not decode is kept to be reported at the end (exit 3):
 * its renderers skip it rather than print zeros. */
static void decode_failed(struct txn_cli *c, const struct tl_err *err)
{
	if (!c->decode_err.msg[0])
		c->decode_err = *err;
}

static void on_started(void *ctx, const json_t *start)
{
	struct txn_cli *c = ctx;
	struct tl_res_start st;
	struct tl_err err = { 0 };
	int ok = tl_res_start_decode(start, &st, &err) == 0;
	if (!ok)
		decode_failed(c, &err);
	for (int i = 0; i < c->out.n; i++) {
		FILE *f = c->out.f[i];
		if (c->out.format[i] == OUT_TABLE && ok)
			tl_txn_table_start(f, &st);
		else if (c->out.format[i] == OUT_JSONL)
			tl_jsonl_event(f, "start", start);
		else if (c->out.format[i] == OUT_CSV)
			tl_txn_csv_header(f);
		fflush(f);
	}
	if (ok)
		tl_res_start_free(&st);
}

static void on_interval(void *ctx, const json_t *json)
{
	struct txn_cli *c = ctx;
	struct tl_txn_interval iv;
	struct tl_err err = { 0 };
	int ok = tl_txn_interval_decode(json, &iv, &err) == 0;
	if (!ok)
		decode_failed(c, &err);
	for (int i = 0; i < c->out.n; i++) {
		FILE *f = c->out.f[i];
		if (c->out.format[i] == OUT_TABLE && ok)
			tl_txn_table_interval(f, &iv);
		else if (c->out.format[i] == OUT_JSONL)
			tl_jsonl_event(f, "interval", json);
		else if (c->out.format[i] == OUT_CSV && ok)
			tl_txn_csv_interval(f, &iv);
	}
	if (ok)
		tl_txn_interval_free(&iv);
}

static void on_warning(void *ctx, const char *line)
{
	struct txn_cli *c = ctx;
	if (c->format == OUT_TABLE) {
		printf("warning: %s\n", line);
		fflush(stdout);
	} else if (c->format == OUT_JSONL) {
		json_t *w = json_pack("{s:s}", "warning", line);
		tl_jsonl_event(stdout, "warning", w);
		json_decref(w);
	} else {
		fprintf(stderr, "tcplab %s: warning: %s\n", c->name, line);
	}
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
	if (cmd_outputs_open(&c.out, &err) < 0) {
		cmd_outputs_close(&c.out, NULL);
		return cmd_usage_error(c.name, c.format, err.msg);
	}
	c.progress_tty = isatty(STDERR_FILENO);
	cmd_interrupt_install();
	struct tl_client_callbacks cb = { .connecting = on_connecting, .started = on_started,
					  .interval = on_interval, .warning = on_warning, .ctx = &c,
					  .interrupt = cmd_interrupt_flag() };
	json_t *doc = NULL;
	rc = tl_stream_client_run(&c.spec, &c.target, &cb, &doc, &err);
	const json_t *end = json_object_get(doc, "end");
	struct tl_txn_result res;
	struct tl_err derr = { 0 };
	int decoded = tl_txn_result_decode(doc, &res, &derr) == 0;
	if (!decoded)
		decode_failed(&c, &derr);
	const struct tl_txn_end *rend = decoded && res.has_end ? &res.end : NULL;
	for (int i = 0; i < c.out.n; i++) {
		FILE *f = c.out.f[i];
		switch (c.out.format[i]) {
		case OUT_TABLE:
			if (decoded)
				tl_txn_table_end(f, &res);
			break;
		case OUT_JSON: json_dumpf(doc, f, JSON_INDENT(2)); fputc('\n', f); break;
		case OUT_JSONL:
			if (end)
				tl_jsonl_event(f, "end", end);
			if (rc < 0) {
				json_t *e = json_pack("{s:s}", "error", err.msg);
				tl_jsonl_event(f, "error", e);
				json_decref(e);
			}
			break;
		case OUT_CSV: break;
		}
		fflush(f);
	}
	int status = TL_EXIT_OK;
	struct tl_err ferr = { 0 };
	if (cmd_outputs_close(&c.out, &ferr) < 0) {
		fprintf(stderr, "tcplab %s: %s\n", c.name, ferr.msg);
		status = TL_EXIT_ERROR;
	}
	struct tl_err herr = { 0 };
	if (c.histogram && rend && write_histogram(&c, rend, &herr) < 0) {
		fprintf(stderr, "tcplab %s: %s\n", c.name, herr.msg);
		status = TL_EXIT_ERROR;
	}
	if (rc < 0) {
		fprintf(stderr, "tcplab %s: %s\n", c.name, err.msg);
		status = TL_EXIT_ERROR;
	} else if (c.decode_err.msg[0]) {
		fprintf(stderr, "tcplab %s: %s\n", c.name, c.decode_err.msg);
		status = TL_EXIT_ERROR;
	} else if (rend && rend->failed_flows > 0) {
		status = TL_EXIT_FAIL;
	}
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
