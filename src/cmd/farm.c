/*
 * tcplab farm: a job farm that runs out of ports. 'farm serve' hands out prime-counting jobs, 'farm work
 * HOST' runs the workers, 'farm' alone runs both on this machine; --compare runs the original
 * mistake (one job per connection) and its cure (batches on kept connections) side by side.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "farm/isolate.h"
#include "farm/json.h"
#include "farm/proto.h"
#include "farm/run.h"
#include "farm/split.h"
#include "out/farm_table.h"
#include "sys/sysctl.h"
#include "util/clock.h"
#include "util/parse.h"

/* The cure of --compare when --batch is not given: the job server's own fix, 10,000 per request. */
#define COMPARE_BATCH 10000

struct farm_cli {
	struct tl_farm_spec spec;
	const char *port_file;
	bool json, compare, quiet, batch_set, conn_set;
	bool isolate;
	uint64_t iso_lo, iso_hi;   /* --port-range, 0: the host's */
	int tw_reuse;              /* --tw-reuse inside the private namespace */
	bool progress_tty;
	bool progress_shown;
	const char *run_label;   /* "run 1/2" in --compare */
	struct cmd_outputs out;  /* stdout (table or --json), and the --json-file */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab farm [OPTIONS]                 server and workers on this machine\n"
		"       tcplab farm serve [OPTIONS]           the job server\n"
		"       tcplab farm work HOST [OPTIONS]       the workers\n\n"
		"A job farm that runs out of ports: a server hands out jobs (count the primes in a slice of\n"
		"1..5,000,000), W workers fetch up to --batch jobs per request, compute them and return\n"
		"the results with their next request; the server checks the total (348,513). One job per\n"
		"new connection leaves a TIME_WAIT socket per request on the worker's side, and at\n"
		"ephemeral ports / 60 s (about 470/s) connects fail with EADDRNOTAVAIL; batching and\n"
		"kept connections cure it. Reports jobs/s, requests/s, connections, connect failures,\n"
		"the TIME_WAIT peak (sock_diag), worker CPU (computing or waiting?) and which limit held.\n\n"
		"Jobs (farm, farm serve):\n"
		"      --range A-B          numbers to count primes in (default 1-5000000)\n"
		"      --jobs N             split into N jobs (default 50000: 100 numbers each)\n"
		"      --job-timeout TIME   a job not returned in TIME goes to another worker (default 10s)\n"
		"Workers (farm, farm work):\n"
		"  -w, --workers W          worker threads (default 5, as on the job server that ran out of ports)\n"
		"  -b, --batch N            jobs per request, 1..%u (default 1: one job per connection)\n"
		"  -c, --connection MODE    per-request (default: a new connection per request, the\n"
		"                           worker closes first) or persistent (one per worker)\n"
		"      --io-timeout TIME    one connect or request/answer (default 10s)\n"
		"Server address (farm serve, farm work):\n"
		"  -B, --bind ADDR          serve: listen on ADDR only (default: all)\n"
		"  -p, --port PORT          port (default 5300; serve: 0 = any free port)\n"
		"      --port-file FILE     serve: write the port listened on to FILE\n"
		"Run:\n"
		"      --compare            farm only: run batch 1 per-request, then batch %u (or\n"
		"                           --batch; at most jobs/workers) persistent, side by side\n"
		"      --isolate            farm only: run in a private network namespace of this\n"
		"                           process (root or user namespaces), where TIME_WAIT ports are\n"
		"                           not reused (tcp_tw_reuse=0), as towards another host\n"
		"      --port-range A-B     with --isolate: the ephemeral ports there (default: the\n"
		"                           host's range)\n"
		"      --tw-reuse N         with --isolate: net.ipv4.tcp_tw_reuse there (default 0)\n"
		"  -t, --max-time TIME      end every run by TIME, finished or not (default 120s)\n"
		"      --sample-interval TIME  TIME_WAIT sampling and progress (default 200ms)\n"
		"      --json               one JSON document (also on error: {\"error\": \"...\"})\n"
		"      --json-file FILE     the JSON document also into FILE (the table stays on\n"
		"                           standard output)\n"
		"  -q, --quiet              no progress line\n"
		"  -h, --help               this text\n\n"
		"Ctrl-C stops the run early and reports what was done so far, marked interrupted (a\n"
		"second Ctrl-C quits at once).\n\n"
		"Exit status: 0 every job returned and the total exact, 1 a wrong total or jobs missing\n"
		"(stopped by --max-time), 2 usage, 3 error, 130 interrupted (Ctrl-C).\n",
		TL_FARM_BATCH_MAX, COMPARE_BATCH);
}

static const char *grouped(uint64_t v, char *buf, size_t len)
{
	return tl_fmt_count(v, buf, (unsigned)len);
}

static int parse_args(int argc, char **argv, struct farm_cli *c, struct tl_err *err)
{
	enum { O_RANGE = 1000, O_JOBS, O_JOB_TIMEOUT, O_IO_TIMEOUT, O_PORT_FILE, O_COMPARE,
	       O_SAMPLE, O_JSON, O_ISOLATE, O_PORT_RANGE, O_TW_REUSE, O_JSON_FILE };
	static const struct option longopts[] = {
		{ "range", required_argument, NULL, O_RANGE },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "job-timeout", required_argument, NULL, O_JOB_TIMEOUT },
		{ "workers", required_argument, NULL, 'w' },
		{ "batch", required_argument, NULL, 'b' },
		{ "connection", required_argument, NULL, 'c' },
		{ "io-timeout", required_argument, NULL, O_IO_TIMEOUT },
		{ "bind", required_argument, NULL, 'B' },
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, O_PORT_FILE },
		{ "compare", no_argument, NULL, O_COMPARE },
		{ "isolate", no_argument, NULL, O_ISOLATE },
		{ "port-range", required_argument, NULL, O_PORT_RANGE },
		{ "tw-reuse", required_argument, NULL, O_TW_REUSE },
		{ "max-time", required_argument, NULL, 't' },
		{ "sample-interval", required_argument, NULL, O_SAMPLE },
		{ "json", no_argument, NULL, O_JSON },
		{ "json-file", required_argument, NULL, O_JSON_FILE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tl_farm_spec *s = &c->spec;
	enum tl_farm_mode mode = s->mode;
	/* Which options were given, to name the ones that do not fit the mode. */
	const char *jobs_opt = NULL, *work_opt = NULL, *serve_opt = NULL, *addr_opt = NULL;
	const char *iso_opt = NULL;
	uint64_t v;
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":w:b:c:B:p:t:qh", longopts, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case O_RANGE:
			rc = tl_farm_split_parse_range("--range", optarg, &s->lo, &s->hi, err);
			jobs_opt = "--range";
			break;
		case O_JOBS:
			rc = tl_parse_count("--jobs", optarg, 1, TL_FARM_JOBS_MAX, &v, err);
			s->jobs = (uint32_t)v;
			jobs_opt = "--jobs";
			break;
		case O_JOB_TIMEOUT:
			rc = tl_parse_duration("--job-timeout", optarg, 10 * TL_NSEC_PER_MSEC,
					       86400 * TL_NSEC_PER_SEC, &s->job_timeout_ns, err);
			jobs_opt = "--job-timeout";
			break;
		case 'w':
			rc = tl_parse_count("--workers", optarg, 1, 1024, &v, err);
			s->workers = (uint32_t)v;
			work_opt = "--workers";
			break;
		case 'b':
			rc = tl_parse_count("--batch", optarg, 1, TL_FARM_BATCH_MAX, &v, err);
			s->batch = (uint32_t)v;
			c->batch_set = true;
			work_opt = "--batch";
			break;
		case 'c':
			if (!strcmp(optarg, "per-request"))
				s->persistent = false;
			else if (!strcmp(optarg, "persistent"))
				s->persistent = true;
			else
				rc = tl_err_set(err, EINVAL, "--connection \"%s\": per-request or "
						"persistent", optarg);
			c->conn_set = true;
			work_opt = "--connection";
			break;
		case O_IO_TIMEOUT:
			rc = tl_parse_duration("--io-timeout", optarg, 10 * TL_NSEC_PER_MSEC,
					       3600 * TL_NSEC_PER_SEC, &s->io_timeout_ns, err);
			work_opt = "--io-timeout";
			break;
		case 'B':
			s->bind = optarg;
			serve_opt = "--bind";
			break;
		case 'p':
			rc = tl_parse_port("--port", optarg, mode == TL_FARM_MODE_SERVE, &s->port, err);
			addr_opt = "--port";
			break;
		case O_PORT_FILE:
			c->port_file = optarg;
			serve_opt = "--port-file";
			break;
		case O_COMPARE:
			c->compare = true;
			break;
		case O_ISOLATE:
			c->isolate = true;
			break;
		case O_PORT_RANGE:
			rc = tl_farm_split_parse_range("--port-range", optarg, &c->iso_lo, &c->iso_hi, err);
			if (rc == 0 && c->iso_hi > 65535)
				rc = tl_err_set(err, ERANGE, "--port-range \"%s\": ports end at 65535", optarg);
			iso_opt = "--port-range";
			break;
		case O_TW_REUSE:
			rc = tl_parse_count("--tw-reuse", optarg, 0, 2, &v, err);
			c->tw_reuse = (int)v;
			iso_opt = "--tw-reuse";
			break;
		case 't':
			rc = tl_parse_duration("--max-time", optarg, 100 * TL_NSEC_PER_MSEC,
					       86400 * TL_NSEC_PER_SEC, &s->max_time_ns, err);
			break;
		case O_SAMPLE:
			rc = tl_parse_duration("--sample-interval", optarg, 10 * TL_NSEC_PER_MSEC,
					       60 * TL_NSEC_PER_SEC, &s->sample_ns, err);
			break;
		case O_JSON:
			c->json = true;
			break;
		case O_JSON_FILE:
			rc = cmd_outputs_add_file(&c->out, OUT_JSON, "--json-file", optarg, err);
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'h':
			return 1;
		case ':':
			return tl_err_set(err, EINVAL, "%s needs a value", argv[optind - 1]);
		default:
			return cmd_unknown_option("farm", argv, err);
		}
		if (rc < 0)
			return rc;
	}
	if (mode == TL_FARM_MODE_WORK) {
		if (optind != argc - 1)
			return tl_err_set(err, EINVAL, optind >= argc
				? "no HOST given (e.g. tcplab farm work 127.0.0.1)"
				: "more than one HOST given (\"%s\")", argv[argc - 1]);
		s->host = argv[optind];
	} else if (optind < argc) {
		return tl_err_set(err, EINVAL, "unexpected argument \"%s\" (see 'tcplab farm --help')",
				  argv[optind]);
	}
	const char *name = mode == TL_FARM_MODE_SERVE ? "farm serve"
			   : mode == TL_FARM_MODE_WORK ? "farm work" : "farm";
	const char *misfit = mode == TL_FARM_MODE_SERVE ? work_opt
			     : mode == TL_FARM_MODE_WORK ? (jobs_opt ? jobs_opt : serve_opt)
			     : (serve_opt ? serve_opt : addr_opt);
	if (misfit)
		return tl_err_set(err, EINVAL, "%s is not an option of 'tcplab %s' (see 'tcplab farm "
				  "--help')", misfit, name);
	if (c->compare && mode != TL_FARM_MODE_BOTH)
		return tl_err_set(err, EINVAL, "--compare is an option of 'tcplab farm' alone");
	if (c->isolate && mode != TL_FARM_MODE_BOTH)
		return tl_err_set(err, EINVAL, "--isolate is an option of 'tcplab farm' alone (for "
				  "serve and work, use 'ip netns exec')");
	if (iso_opt && !c->isolate)
		return tl_err_set(err, EINVAL, "%s only applies with --isolate", iso_opt);
	s->isolated = c->isolate;
	if (c->compare && c->conn_set)
		return tl_err_set(err, EINVAL, "--compare sets --connection itself (per-request, then "
				  "persistent)");
	return tl_farm_spec_validate(s, err);
}

static void clear_progress(struct farm_cli *c)
{
	if (c->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		c->progress_shown = false;
	}
}

static void on_started(void *ctx, const struct tl_farm_result *r)
{
	struct farm_cli *c = ctx;
	const struct tl_farm_spec *s = &r->spec;
	char a[32], b[32], d[32], label[48];
	if (c->port_file) {
		FILE *pf = fopen(c->port_file, "w");
		if (!pf || fprintf(pf, "%u\n", r->port) < 0 || fclose(pf) != 0)
			fprintf(stderr, "tcplab farm: --port-file %s: %s\n", c->port_file, strerror(errno));
	}
	if (c->json)
		return;
	if (s->mode == TL_FARM_MODE_SERVE)
		printf("tcplab farm serve: listening on %s; primes in %s..%s as %s jobs (reference "
		       "%s primes, %.1f ms)\n", r->server_addr, grouped(s->lo, a, sizeof(a)),
		       grouped(s->hi, b, sizeof(b)), grouped(s->jobs, d, sizeof(d)),
		       grouped(r->expected, label, sizeof(label)), r->reference_ns / 1e6);
	else if (s->mode == TL_FARM_MODE_WORK)
		printf("tcplab farm work: %u worker threads, %s, server %s\n", s->workers,
		       tl_farm_spec_label(s, label, sizeof(label)), r->server_addr);
	else
		printf("%s%s%s: primes in %s..%s as %s jobs, %u worker threads, server %s\n",
		       c->run_label ? c->run_label : "", c->run_label ? " " : "",
		       tl_farm_spec_label(s, label, sizeof(label)), grouped(s->lo, a, sizeof(a)),
		       grouped(s->hi, b, sizeof(b)), grouped(s->jobs, d, sizeof(d)),
		       s->workers, r->server_addr);
	if (r->have_ceiling && s->mode != TL_FARM_MODE_SERVE && !s->persistent) {
		printf("  ephemeral ports %u-%u: %s usable; %s => predicted ceiling ~%llu new "
		       "connections/s to one server port\n", r->ceiling_in.port_lo,
		       r->ceiling_in.port_hi, grouped(r->ceiling.ports, a, sizeof(a)), r->ceiling.why,
		       (unsigned long long)r->ceiling.per_sec_floor);
	}
	fflush(stdout);
}

static void on_progress(void *ctx, const struct tl_farm_progress *p)
{
	struct farm_cli *c = ctx;
	if (!c->progress_tty || c->quiet)
		return;
	char a[32], b[32], d[32], e[32], f[32];
	double secs = p->elapsed_ns / 1e9;
	fprintf(stderr, "\r%s%sjobs %s", c->run_label ? c->run_label : "", c->run_label ? " " : "",
		grouped(p->jobs_done, a, sizeof(a)));
	if (p->jobs_total)
		fprintf(stderr, "/%s", grouped(p->jobs_total, b, sizeof(b)));
	fprintf(stderr, "  %s jobs/s  %s req/s  TIME_WAIT %s  connect failures %s  %.1fs\033[K",
		grouped(secs > 0 ? (uint64_t)(p->jobs_done / secs) : 0, d, sizeof(d)),
		grouped(secs > 0 ? (uint64_t)(p->requests / secs) : 0, e, sizeof(e)),
		grouped(p->time_wait, f, sizeof(f)), grouped(p->connect_failed, b, sizeof(b)), secs);
	fflush(stderr);
	c->progress_shown = true;
}

static void on_failure(void *ctx, const char *line)
{
	struct farm_cli *c = ctx;
	clear_progress(c);
	fprintf(stderr, "tcplab farm: %s\n", line);
	fflush(stderr);
}

/* A fresh private namespace for the next run (--isolate); the host's range by default. */
static int isolate(struct farm_cli *c, struct tl_err *err)
{
	if (!c->isolate)
		return 0;
	if (!c->iso_lo) {
		struct tl_port_range r;
		if (tl_port_range_read(&r, err) < 0)
			return -1;
		c->iso_lo = r.lo;
		c->iso_hi = r.hi;
	}
	return tl_farm_isolate((uint32_t)c->iso_lo, (uint32_t)c->iso_hi, c->tw_reuse, err);
}

/*
 * What stops a run early but still reports: SIGTERM on a signalfd (blocked here, so also in
 * the threads to come), and Ctrl-C through cmd_interrupt_fd() (a second one quits at once).
 * The run waits on one descriptor: an epoll set of both, readable when either is. Returns it
 * (or the one that could be made, or -1); *sfd is the signalfd, for close_fds().
 */
static int stop_signals(int *sfd)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	*sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	int ifd = cmd_interrupt_fd();
	cmd_interrupt_install();
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return ifd >= 0 ? ifd : *sfd;
	struct epoll_event ev = { .events = EPOLLIN };
	if (*sfd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, *sfd, &ev);
	if (ifd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, ifd, &ev);
	return ep;
}

static void close_fds(int sfd, int stop_fd)
{
	if (stop_fd >= 0 && stop_fd != sfd && stop_fd != cmd_interrupt_fd())
		close(stop_fd);
	if (sfd >= 0)
		close(sfd);
}

static int status_of(const struct tl_farm_result *runs, int n, int rc)
{
	if (rc < 0)
		return TL_EXIT_ERROR;
	for (int i = 0; i < n; i++)
		if (runs[i].outcome != TL_FARM_PASS)
			return TL_EXIT_FAIL;
	return TL_EXIT_OK;
}

/* The document: one run's, or {"runs", "summary"} for --compare; marked after Ctrl-C. */
static json_t *farm_doc(const struct tl_farm_result *runs, int n, bool compare, int rc,
			const struct tl_err *err)
{
	json_t *doc;
	if (compare) { /* also when the first run alone ran (Ctrl-C, an error) */
		json_t *list = json_array();
		json_t *lines = json_array();
		for (int i = 0; i < n; i++) {
			json_array_append_new(list, tl_farm_result_json(&runs[i]));
			json_array_append_new(lines, json_string(runs[i].summary));
		}
		doc = json_pack("{s:o, s:o}", "runs", list, "summary", lines);
		if (doc && rc < 0)
			json_object_set_new(doc, "error", json_string(err->msg));
	} else {
		doc = tl_farm_result_json(&runs[0]);
	}
	if (!doc)
		doc = json_pack("{s:s}", "error", "out of memory building the JSON report");
	if (cmd_interrupted())
		json_object_set_new(doc, "interrupted", json_true());
	return doc;
}

/* The document on each JSON output (standard output with --json, and the --json-file), the
 * table on the others. */
static void report(const struct farm_cli *c, const struct tl_farm_result *runs, int n, int rc,
		   const struct tl_err *err)
{
	if (cmd_outputs_want(&c->out, OUT_JSON)) {
		json_t *doc = farm_doc(runs, n, c->compare, rc, err);
		cmd_outputs_json(&c->out, doc);
		json_decref(doc);
	}
	for (int i = 0; i < c->out.n; i++) {
		FILE *f = c->out.f[i];
		if (c->out.format[i] != OUT_TABLE)
			continue;
		tl_out_farm_table(f, runs, (size_t)n);
		if (cmd_interrupted())
			fprintf(f, "Interrupted (Ctrl-C): the figures cover the %.2f s run until then%s\n",
				runs[n - 1].elapsed_ns / 1e9, c->compare && n == 1
				? "; the second run of --compare did not start" : "");
	}
	fflush(stdout);
}

int cmd_farm_main(int argc, char **argv)
{
	struct farm_cli c;
	struct tl_err err = { 0 };
	enum tl_farm_mode mode = TL_FARM_MODE_BOTH;
	memset(&c, 0, sizeof(c));
	if (argc > 1 && !strcmp(argv[1], "serve"))
		mode = TL_FARM_MODE_SERVE;
	else if (argc > 1 && !strcmp(argv[1], "work"))
		mode = TL_FARM_MODE_WORK;
	if (mode != TL_FARM_MODE_BOTH) {
		argc--;
		argv++;
	}
	tl_farm_spec_defaults(&c.spec, mode);
	cmd_outputs_init(&c.out);
	/* --json is looked for first, so that even bad usage answers in JSON. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			c.json = true;
	int rc = parse_args(argc, argv, &c, &err);
	if (rc == 1) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	c.out.format[0] = c.json ? OUT_JSON : OUT_TABLE;
	if (rc == 0 && cmd_outputs_open(&c.out, &err) < 0)
		rc = -1;
	if (rc < 0) {
		cmd_outputs_close(&c.out, NULL);
		return cmd_usage_error("farm", c.out.format[0], err.msg);
	}
	c.progress_tty = isatty(STDERR_FILENO);

	int sfd = -1, stop_fd = stop_signals(&sfd);
	signal(SIGPIPE, SIG_IGN);
	struct tl_farm_callbacks cb = { .started = on_started, .progress = on_progress,
					.failure = on_failure, .ctx = &c, .stop_fd = stop_fd };
	struct tl_farm_result *runs = calloc(2, sizeof(*runs));
	if (!runs) {
		close_fds(sfd, stop_fd);
		return TL_EXIT_ERROR;
	}
	int n = 1;
	if (c.compare) {
		struct tl_farm_spec cure = c.spec;
		if (!c.batch_set)
			cure.batch = COMPARE_BATCH;
		cure.persistent = true;
		c.spec.batch = 1;
		c.spec.persistent = false;
		/* At most an equal share per worker, or one worker would do all the work. */
		uint32_t share = (cure.jobs + cure.workers - 1) / cure.workers;
		if (cure.batch > share)
			cure.batch = share;
		c.run_label = "[1/2]";
		/* Each run in its own namespace: the cure must not inherit the first run's
		 * TIME_WAIT sockets. */
		rc = isolate(&c, &err);
		if (rc == 0)
			rc = tl_farm_run(&c.spec, &cb, &runs[0], &err);
		clear_progress(&c);
		if (rc == 0 && runs[0].stopped_by != TL_FARM_STOP_SIGNAL) {
			c.run_label = "[2/2]";
			rc = isolate(&c, &err);
			if (rc == 0) {
				rc = tl_farm_run(&cure, &cb, &runs[1], &err);
				n = 2;
			}
			clear_progress(&c);
		}
	} else {
		rc = isolate(&c, &err);
		if (rc == 0)
			rc = tl_farm_run(&c.spec, &cb, &runs[0], &err);
		clear_progress(&c);
	}
	if (rc < 0 && !runs[0].spec.workers) {
		/* It never started (e.g. --isolate refused): a plain error, also in JSON. */
		free(runs);
		close_fds(sfd, stop_fd);
		cmd_outputs_json_error(&c.out, err.msg);
		cmd_outputs_close(&c.out, NULL);
		cmd_usage_error("farm", c.out.format[0], err.msg);
		return cmd_interrupted() ? TL_EXIT_INTERRUPTED : TL_EXIT_ERROR;
	}
	report(&c, runs, n, rc, &err);
	struct tl_err ferr = { 0 };
	if (cmd_outputs_close(&c.out, &ferr) < 0 && rc == 0) {
		err = ferr;
		rc = -1;
	}
	if (rc < 0)
		fprintf(stderr, "tcplab farm: %s\n", err.msg);
	int status = cmd_interrupted() ? TL_EXIT_INTERRUPTED : status_of(runs, n, rc);
	free(runs);
	close_fds(sfd, stop_fd);
	return status;
}
