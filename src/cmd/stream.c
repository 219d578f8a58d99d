/* tcplab stream HOST: bulk throughput over many flows. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/autotune.h"
#include "cmd/common.h"
#include "cmd/live.h"
#include "cmd/test_opts.h"
#include "ctl/agent.h"
#include "ctl/client.h"
#include "out/render.h"
#include "ctl/router_req.h"
#include "router/ops.h"
#include "testbed/plan.h"
#include "testbed/series.h"
#include "util/clock.h"
#include "util/parse.h"

struct stream_cli {
	struct tl_spec spec;
	struct tl_client_target target;
	enum out_format format;
	int per_flow;
	int bytes_set;
	int autotune;
	const char *testbed; /* embed this testbed's router series in the result */
	const char *router;  /* or this `tcplab router`'s, as given: NAME[@HOST[:PORT]] */
	char router_name[32], router_host[256];
	uint16_t router_port; /* 0: the router runs on this host */
	struct cmd_live live; /* the outputs, and what renders the parts as they arrive */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab stream [OPTIONS] HOST\n\n"
		"Bulk TCP throughput between this host and a 'tcplab serve' agent on HOST, over any number\n"
		"of flows spread over epoll worker threads on both ends. All flows connect first, then start\n"
		"at one instant; throughput is what the receiver got inside the same window for every flow.\n\n"
		"Traffic:\n"
		"  -P, --flows N            parallel flows (default 1; no fixed cap)\n"
		"  -T, --threads N          worker threads on each end (default: online cores)\n"
		"  -t, --time TIME          measurement window (default 10s)\n"
		"  -n, --bytes SIZE         send SIZE in all instead (split over the flows); ends when it arrived\n"
		"      --max-time TIME      cap for --bytes runs (default 300s)\n"
		"  -O, --omit TIME          warm-up before the window starts (not counted)\n"
		"  -i, --interval TIME      report every TIME (default 1s; 0 = only the end)\n"
		"  -l, --length SIZE        bytes per write (default 1M)\n"
		"  -R, --reverse            the agent sends, this host receives\n"
		"      --bidir              both directions at once, on separate connections\n"
		"      --verify             check every byte at the receiver (pattern) and the byte counts\n"
		"      --stall-timeout TIME a flow without progress this long is stalled (default 3s)\n"
		"Connections:\n"
		"  -p, --port PORT          agent port (default %d)\n"
		"  -4, --ipv4 / -6, --ipv6  address family\n"
		"  -B, --bind ADDR          source address of every connection\n"
		"      --connect-rate N     at most N new connections per second (default: unlimited)\n"
		"      --connect-timeout TIME  per connection (default 30s)\n"
		"Socket options (every flow; see --group for some flows):\n"
		"      --cc NAME | NAME:N,NAME:N   congestion control, or a mix: cubic:8,bbr:2\n"
		"      --sndbuf SIZE / --rcvbuf SIZE  SO_SNDBUF / SO_RCVBUF (turns autotuning off; the\n"
		"                           effective, kernel-doubled value is reported)\n"
		"      --window-clamp SIZE  TCP_WINDOW_CLAMP at the receiver\n"
		"      --mss BYTES          TCP_MAXSEG\n"
		"      --nodelay            TCP_NODELAY\n"
		"      --pacing RATE        SO_MAX_PACING_RATE per flow (e.g. 100mbit)\n"
		"      --zerocopy           MSG_ZEROCOPY sends, completions read from the error queue\n"
		"      --group SPEC         a group of flows with their own options, repeatable:\n"
		"                           count=N[,cc=NAME][,sndbuf=SIZE][,rcvbuf=SIZE][,pacing=RATE]\n"
		"                           [,window-clamp=SIZE][,mss=N][,nodelay][,zerocopy]\n"
		"Output:\n"
		"      --json               one JSON document at the end (valid also on error)\n"
		"      --json-lines         one JSON event per line: start, interval, end, error\n"
		"      --csv                CSV rows: interval sums, per-flow intervals, per-flow end\n"
		"      --json-file FILE / --json-lines-file FILE / --csv-file FILE\n"
		"                           the same written to FILE, beside what stdout shows (the\n"
		"                           table and the JSON of one run)\n"
		"      --per-flow           every flow in the table and in JSON intervals\n"
		"      --testbed NAME       embed the testbed router's series for the window in\n"
		"                           end.testbed (default: $TCPLAB_TESTBED, which\n"
		"                           'tcplab testbed exec' sets)\n"
		"      --router NAME[@HOST[:PORT]]  the same from a 'tcplab router' of that name, on\n"
		"                           this host or on HOST (through its agent, port %d by\n"
		"                           default, with this user's key as for the test)\n"
		"Tuning:\n"
		"      --autotune           probe HOST (or reuse its remembered probe, see tcplab probe), size\n"
		"                           each flow's SO_SNDBUF/SO_RCVBUF and the flow count from the BDP, then\n"
		"                           run twice, kernel autotuning and that choice, side by side\n"
		"Testing:\n"
		"      --fault-stop-reading FLOW@TIME  the receiver of FLOW stops reading after TIME\n"
		"  -h, --help               this text\n",
		TL_DEFAULT_PORT, TL_DEFAULT_PORT);
}

/* stream's own options (the shared ones: cmd/test_opts.h) */
enum {
	OPT_BIDIR = 256, OPT_MAX_TIME, OPT_VERIFY, OPT_STALL, OPT_CONNECT_RATE, OPT_SNDBUF,
	OPT_RCVBUF, OPT_CLAMP, OPT_MSS, OPT_NODELAY, OPT_PACING, OPT_ZEROCOPY, OPT_PER_FLOW,
	OPT_FAULT, OPT_AUTOTUNE, OPT_TESTBED, OPT_ROUTER,
};

static int parse_fault(const char *text, struct tl_spec *s, struct tl_err *err)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", text);
	char *at = strchr(buf, '@');
	if (!at)
		return tl_err_set(err, EINVAL, "--fault-stop-reading \"%s\": write FLOW@TIME, e.g. 0@2s", text);
	*at = '\0';
	uint64_t flow;
	if (tl_parse_count("--fault-stop-reading flow", buf, 0, TL_SPEC_MAX_FLOWS * 2, &flow, err) < 0 ||
	    tl_parse_duration("--fault-stop-reading time", at + 1, 0, 86400 * TL_NSEC_PER_SEC,
			      &s->fault_after_ns, err) < 0)
		return -EINVAL;
	s->fault_stop_reading_flow = (int64_t)flow;
	return 0;
}

/* --router NAME[@HOST[:PORT]] */
static int parse_router(struct stream_cli *c, const char *text, struct tl_err *err)
{
	const char *at = strchr(text, '@');
	size_t nl = at ? (size_t)(at - text) : strlen(text);
	c->router = text;
	if (nl >= sizeof(c->router_name))
		return tl_err_set(err, EINVAL, "--router \"%s\": the name is too long (1 to 24 of "
				  "A-Z a-z 0-9 _ -)", text);
	memcpy(c->router_name, text, nl);
	c->router_name[nl] = '\0';
	if (tl_testbed_name_check(c->router_name, NULL) < 0)
		return tl_err_set(err, EINVAL, "--router \"%s\": write NAME or NAME@HOST[:PORT], NAME "
				  "1 to 24 of A-Z a-z 0-9 _ -", text);
	if (at && tl_parse_hostport("--router", at + 1, TL_DEFAULT_PORT, c->router_host,
				    sizeof(c->router_host), &c->router_port, err) < 0)
		return -EINVAL;
	return 0;
}

/* An option only stream takes (the shared ones are cmd/test_opts.c's): 1 taken, 0 not one of
 * them, < 0 a bad value. */
static int take_option(struct stream_cli *c, int opt, int *reverse, int *bidir, struct tl_err *err)
{
	struct tl_spec *s = &c->spec;
	uint64_t v;
	int rc = 0;
	switch (opt) {
	case 'n':
		rc = tl_parse_size("--bytes", optarg, 1, 1ULL << 60, &s->bytes, err);
		c->bytes_set = 1;
		break;
	case OPT_MAX_TIME:
		rc = tl_parse_duration("--max-time", optarg, 100 * TL_NSEC_PER_MSEC, 86400 * TL_NSEC_PER_SEC,
				       &s->max_duration_ns, err);
		break;
	case 'l':
		rc = tl_parse_size("--length", optarg, 1, 16u << 20, &v, err);
		s->length = (uint32_t)v;
		break;
	case 'R': *reverse = 1; break;
	case OPT_BIDIR: *bidir = 1; break;
	case OPT_VERIFY: s->verify = 1; break;
	case OPT_STALL:
		rc = tl_parse_duration("--stall-timeout", optarg, 10 * TL_NSEC_PER_MSEC,
				       86400 * TL_NSEC_PER_SEC, &s->stall_timeout_ns, err);
		break;
	case OPT_CONNECT_RATE:
		rc = tl_parse_count("--connect-rate", optarg, 1, 10000000, &c->target.connect_rate, err);
		break;
	case OPT_SNDBUF: rc = tl_parse_size("--sndbuf", optarg, 1, 1ULL << 31, &s->opts.sndbuf, err); break;
	case OPT_RCVBUF: rc = tl_parse_size("--rcvbuf", optarg, 1, 1ULL << 31, &s->opts.rcvbuf, err); break;
	case OPT_CLAMP:
		rc = tl_parse_size("--window-clamp", optarg, 1, 1ULL << 31, &v, err);
		s->opts.window_clamp = (uint32_t)v;
		break;
	case OPT_MSS:
		rc = tl_parse_count("--mss", optarg, 88, 65535, &v, err);
		s->opts.mss = (uint32_t)v;
		break;
	case OPT_NODELAY: s->opts.nodelay = 1; break;
	case OPT_PACING: rc = tl_parse_rate("--pacing", optarg, 8, 1ULL << 50, &s->opts.pacing_bps, err); break;
	case OPT_ZEROCOPY: s->opts.zerocopy = 1; break;
	case OPT_PER_FLOW: c->per_flow = 1; break;
	case OPT_TESTBED: c->testbed = optarg; break;
	case OPT_ROUTER: rc = parse_router(c, optarg, err); break;
	case OPT_FAULT: rc = parse_fault(optarg, s, err); break;
	case OPT_AUTOTUNE: c->autotune = 1; break;
	default: return 0;
	}
	return rc < 0 ? rc : 1;
}

static int parse_args(int argc, char **argv, struct stream_cli *c, struct tl_err *err)
{
	static const struct option options[] = {
		CMD_TEST_LONG_OPTIONS,
		{ "bytes", required_argument, NULL, 'n' }, { "max-time", required_argument, NULL, OPT_MAX_TIME },
		{ "length", required_argument, NULL, 'l' },
		{ "reverse", no_argument, NULL, 'R' }, { "bidir", no_argument, NULL, OPT_BIDIR },
		{ "verify", no_argument, NULL, OPT_VERIFY }, { "stall-timeout", required_argument, NULL, OPT_STALL },
		{ "connect-rate", required_argument, NULL, OPT_CONNECT_RATE },
		{ "sndbuf", required_argument, NULL, OPT_SNDBUF }, { "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "window-clamp", required_argument, NULL, OPT_CLAMP }, { "mss", required_argument, NULL, OPT_MSS },
		{ "nodelay", no_argument, NULL, OPT_NODELAY }, { "pacing", required_argument, NULL, OPT_PACING },
		{ "zerocopy", no_argument, NULL, OPT_ZEROCOPY }, { "per-flow", no_argument, NULL, OPT_PER_FLOW },
		{ "testbed", required_argument, NULL, OPT_TESTBED },
		{ "router", required_argument, NULL, OPT_ROUTER },
		{ "fault-stop-reading", required_argument, NULL, OPT_FAULT },
		{ "autotune", no_argument, NULL, OPT_AUTOTUNE }, { NULL, 0, NULL, 0 },
	};
	struct tl_spec *s = &c->spec;
	struct cmd_test_opts o;
	int opt, bidir = 0, reverse = 0;

	cmd_test_opts_begin(&o, "stream", TL_WORKLOAD_STREAM, s, &c->target, &c->format, &c->live.out);
	while ((opt = getopt_long(argc, argv, CMD_TEST_SHORT "n:l:R", options, NULL)) != -1) {
		if (opt == 'h')
			return 1;
		int rc = cmd_test_opts_take(&o, opt, optarg, err);
		if (rc == 0)
			rc = take_option(c, opt, &reverse, &bidir, err);
		if (rc == 0)
			return cmd_unknown_option("stream", argv, err);
		if (rc < 0)
			return rc;
	}
	if (c->autotune && c->live.out.n > 1)
		return tl_err_set(err, EINVAL, "--autotune prints its two runs itself: use --json with "
				  "it, not --json-file and the like");
	if (reverse && bidir)
		return tl_err_set(err, EINVAL, "--reverse and --bidir cannot be used together");
	if (o.time_given && c->bytes_set)
		return tl_err_set(err, EINVAL, "--time and --bytes cannot be used together (with --bytes, "
				  "--max-time caps the run)");
	s->direction = bidir ? TL_DIR_BIDIR : reverse ? TL_DIR_REVERSE : TL_DIR_FORWARD;
	if (c->per_flow)
		c->target.per_flow_limit = TL_SPEC_MAX_FLOWS * 2;
	if (c->testbed && c->router)
		return tl_err_set(err, EINVAL, "--testbed and --router cannot be used together (both "
				  "embed the bottleneck's series in end.testbed)");
	if (!c->testbed && !c->router && getenv("TCPLAB_TESTBED") && *getenv("TCPLAB_TESTBED"))
		c->testbed = getenv("TCPLAB_TESTBED");
	return cmd_test_opts_end(&o, argc, argv, err);
}

/* The end of the run in the table and CSV (res NULL: the document did not decode, nothing to
 * show); the machine formats are cmd_live_end_machine's. */
static void render_end(const struct stream_cli *c, const struct tl_stream_result *res)
{
	struct tl_table_opts o = { .per_flow = c->per_flow };
	for (int i = 0; res && i < c->live.out.n; i++) {
		FILE *f = c->live.out.f[i];
		if (c->live.out.format[i] == OUT_TABLE)
			tl_table_end(f, res, &o);
		else if (c->live.out.format[i] == OUT_CSV && res->has_end)
			tl_csv_end(f, &res->end);
		fflush(f);
	}
}

/* The measurement window on this host's CLOCK_MONOTONIC: 0, or -1 when the test did not
 * start (nothing to embed). */
static int window(const struct stream_cli *c, json_t *doc, uint64_t *from, uint64_t *to)
{
	json_t *end = json_object_get(doc, "end");
	const json_t *t0 = json_object_get(json_object_get(doc, "start"), "start_monotonic_ns");
	if (!end || !json_is_integer(t0))
		return -1;
	*from = (uint64_t)json_integer_value(t0) + c->spec.omit_ns;
	double secs = json_number_value(json_object_get(json_object_get(end, "sum"), "seconds"));
	*to = *from + (uint64_t)(secs * 1e9);
	return 0;
}

/*
 * A router's series over the window, from --router NAME (this host) or NAME@HOST (through
 * the agent there, ctl/router_req.h). That host's clock is not this one's: the window goes
 * as "how long ago", which is off by the time the request takes to arrive (the greeting's
 * few round trips), small beside the series' period of 100 ms.
 */
static int router_series(const struct stream_cli *c, uint64_t from, uint64_t to, json_t **series,
			 struct tl_err *err)
{
	if (!c->router_port)
		return tl_router_series(c->router_name, from, to, series, err);
	enum tl_router_reason why;
	int ret = tl_router_remote_series(c->router_host, c->router_port, c->target.family,
					  c->router_name, from, to, series, &why, err);
	if (ret < 0 && why == TL_ROUTER_NO_ROUTER)
		tl_err_prefix(err, "no router %s on %s", c->router_name, c->router + strlen(c->router_name) + 1);
	return ret;
}

/*
 * Inside a testbed (--testbed NAME, or TCPLAB_TESTBED set by 'tcplab testbed exec'), or
 * through a router (--router), the router's series over the measurement window goes into
 * end.testbed: what the bottleneck's queue and drops did while the flows ran.
 */
static void embed_testbed_series(const struct stream_cli *c, json_t *doc)
{
	uint64_t from, to;
	if (window(c, doc, &from, &to) < 0)
		return;
	json_t *series = NULL;
	struct tl_err err = { 0 };
	json_t *tb = json_pack("{s:s}", "name", c->testbed ? c->testbed : c->router_name);
	int ret = c->testbed ? tl_testbed_series_read(c->testbed, from, to, &series, &err)
			     : router_series(c, from, to, &series, &err);
	if (c->router_port)
		json_object_set_new(tb, "host", json_string(c->router + strlen(c->router_name) + 1));
	if (ret < 0)
		json_object_set_new(tb, "error", json_string(err.msg));
	else
		json_object_set_new(tb, "series", series);
	json_object_set_new(json_object_get(doc, "end"), "testbed", tb);
}

int cmd_stream_main(int argc, char **argv)
{
	struct stream_cli c;
	struct tl_err err = { 0 };
	memset(&c, 0, sizeof(c));
	int rc = parse_args(argc, argv, &c, &err);
	if (rc == 1) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (rc < 0)
		return cmd_usage_error("stream", cmd_scan_format(argc, argv), err.msg);
	if (c.autotune)
		return cmd_stream_autotune(&c.spec, &c.target, c.format);
	signal(SIGPIPE, SIG_IGN);
	if (cmd_outputs_open(&c.live.out, &err) < 0) {
		cmd_outputs_close(&c.live.out, NULL);
		return cmd_usage_error("stream", c.format, err.msg);
	}
	c.live.cmd = "stream";
	c.live.kind = CMD_LIVE_STREAM;
	c.live.bidir = c.spec.direction == TL_DIR_BIDIR;
	c.live.progress_tty = isatty(STDERR_FILENO);
	cmd_interrupt_install();
	struct tl_client_callbacks cb = { .connecting = cmd_live_connecting,
					  .started = cmd_live_started, .interval = cmd_live_interval,
					  .ctx = &c.live,
					  .interrupt = cmd_interrupt_flag() };
	json_t *doc = NULL;
	rc = tl_stream_client_run(&c.spec, &c.target, &cb, &doc, &err);
	if (c.testbed || c.router)
		embed_testbed_series(&c, doc);
	struct tl_stream_result res;
	struct tl_err derr = { 0 };
	int decoded = tl_stream_result_decode(doc, &res, &derr) == 0;
	if (!decoded)
		cmd_live_decode_failed(&c.live, &derr);
	render_end(&c, decoded ? &res : NULL);
	cmd_live_end_machine(&c.live, doc, rc, err.msg);
	int status = cmd_live_finish(&c.live, rc, err.msg);
	const struct tl_stream_end *end = decoded && res.has_end ? &res.end : NULL;
	if (status == TL_EXIT_OK && end && (end->failed_flows > 0 || (end->has_verify && !end->verify.ok) ||
					    (c.spec.bytes && end->incomplete)))
		status = TL_EXIT_FAIL; /* a --bytes transfer that did not finish failed what was asked */
	if (decoded)
		tl_stream_result_free(&res);
	if (cmd_interrupted())
		status = TL_EXIT_INTERRUPTED; /* as a shell reports a command ended by SIGINT */
	json_decref(doc);
	return status;
}
