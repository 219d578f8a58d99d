/*
 * tcplab exp: campaigns, a matrix of points run on a testbed, stored in SQLite.
 *   run [--plan FILE] [AXES] -o DB   run (or resume) a campaign
 *   export DB --csv|--json           per-point metrics
 *   merge A.db B.db ... -o ALL.db    combine the shards of one campaign
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "exp/export.h"
#include "exp/matrix.h"
#include "exp/plan.h"
#include "exp/proc.h"
#include "exp/runner.h"
#include "exp/store.h"
#include "util/clock.h"
#include "util/parse.h"

/* 1 after the first Ctrl-C (or SIGTERM): end in order; 2 after the second: end the programs
 * at once (SIGKILL), but still take the testbed down. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	static const char first[] = "\ninterrupted: ending the running test and taking the "
				    "testbed down (Ctrl-C again: at once)\n";
	static const char again[] = "\ninterrupted again: ending the programs now, then "
				    "removing the testbed\n";
	(void)sig;
	if (stop_requested < 2)
		stop_requested++;
	const char *m = stop_requested == 1 ? first : again;
	size_t len = stop_requested == 1 ? sizeof(first) - 1 : sizeof(again) - 1;
	if (write(STDERR_FILENO, m, len) < 0) {
		/* nothing to do about a closed stderr in a signal handler */
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab exp run [--plan FILE] [AXES] [OPTIONS] -o DB\n"
		"       tcplab exp export DB --csv|--json [-o FILE]\n"
		"       tcplab exp merge A.db B.db ... -o ALL.db\n\n"
		"A campaign: every combination of the axes' values (a point) is run on a testbed,\n"
		"each --repeat times, and stored in one SQLite database. Run it again with the\n"
		"same database to resume: runs already done are skipped.\n\n"
		"Axes (comma lists; each replaces the plan file's values):\n"
		"  --rate RATES         bottleneck rate: 100mbit,1gbit (default 100mbit)\n"
		"  --rtt RTTS           40ms,100ms; one per sender with '/': 10ms/100ms (default 40ms)\n"
		"  --buffer SIZES       64K, 100p or 0.25bdp,1bdp,4bdp (default 1bdp)\n"
		"  --aqm SPECS          taildrop,codel:target=5ms,pie,... or all (default taildrop)\n"
		"  --loss SPECS         0, 1%%, ge:p=1%%,r=30%% (default 0)\n"
		"  --cc MIX             cubic:1,bbr:1 (one mix; repeat --cc for several; default cubic)\n"
		"  --flows NS           flows per sender: 2,10,20 (default 1)\n"
		"  --rcvbuf SIZES       receive buffer asked of the receiver, or auto (default auto)\n"
		"  --window-clamp SIZES TCP_WINDOW_CLAMP at the receiver, or auto (default auto)\n"
		"  -t, --time DURS      measured time of each run (default 30s)\n"
		"  --warmup DURS        warm-up before it (default 2s)\n\n"
		"Options:\n"
		"  --plan FILE          read the axes from a YAML plan (see tcplab-exp(1))\n"
		"  -o, --output DB      the campaign database (required)\n"
		"  --repeat N           runs per point (default 1)\n"
		"  --probe[=RATE]       a latency probe beside the flows: rr at RATE/s (default 10)\n"
		"  --order shuffle|in-order   run order (default shuffle, with --seed)\n"
		"  --seed N             the shuffle's seed (default 1)\n"
		"  --shard K/N          run only shard K of N (points with id %% N == K-1)\n"
		"  --dry-run            list the points and exit\n"
		"  -h, --help\n");
}

enum {
	OPT_RATE = 256, OPT_RTT, OPT_BUFFER, OPT_AQM, OPT_LOSS, OPT_CC, OPT_FLOWS, OPT_RCVBUF,
	OPT_CLAMP, OPT_WARMUP, OPT_PLAN, OPT_REPEAT, OPT_PROBE, OPT_ORDER, OPT_SEED, OPT_SHARD,
	OPT_DRY,
};

struct run_opts {
	struct tl_exp_plan plan;
	const char *db;
	const char *plan_path;
	unsigned shard, shards;
	bool dry_run;
	bool cli_given[TL_AXIS_COUNT];
};

static int axis_of(int opt)
{
	switch (opt) {
	case OPT_RATE: return TL_AXIS_RATE;
	case OPT_RTT: return TL_AXIS_RTT;
	case OPT_BUFFER: return TL_AXIS_BUFFER;
	case OPT_AQM: return TL_AXIS_AQM;
	case OPT_LOSS: return TL_AXIS_LOSS;
	case OPT_CC: return TL_AXIS_CC;
	case OPT_FLOWS: return TL_AXIS_FLOWS;
	case OPT_RCVBUF: return TL_AXIS_RCVBUF;
	case OPT_CLAMP: return TL_AXIS_CLAMP;
	case 't': return TL_AXIS_DURATION;
	case OPT_WARMUP: return TL_AXIS_WARMUP;
	default: return -1;
	}
}

static int parse_shard(const char *s, struct run_opts *o, struct tl_err *err)
{
	unsigned k, n;
	char tail;
	if (sscanf(s, "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || n > 100000 || k < 1 || k > n)
		return tl_err_set(err, EINVAL, "--shard \"%s\": write K/N with 1 <= K <= N (2/4 runs "
				  "the second of four shards)", s);
	o->shard = k;
	o->shards = n;
	return 0;
}

/* The plan first (wherever --plan stands), then the command line over it. */
static int load_plan_first(int argc, char **argv, struct run_opts *o, struct tl_err *err)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--plan") == 0 && i + 1 < argc)
			o->plan_path = argv[i + 1];
		else if (strncmp(a, "--plan=", 7) == 0)
			o->plan_path = a + 7;
	}
	return o->plan_path ? tl_exp_plan_load(o->plan_path, &o->plan, err) : 0;
}

static int parse_run(int argc, char **argv, struct run_opts *o, struct tl_err *err)
{
	static const struct option longs[] = {
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "rtt", required_argument, NULL, OPT_RTT },
		{ "buffer", required_argument, NULL, OPT_BUFFER },
		{ "aqm", required_argument, NULL, OPT_AQM },
		{ "loss", required_argument, NULL, OPT_LOSS },
		{ "cc", required_argument, NULL, OPT_CC },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "window", required_argument, NULL, OPT_RCVBUF },
		{ "window-clamp", required_argument, NULL, OPT_CLAMP },
		{ "time", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "plan", required_argument, NULL, OPT_PLAN },
		{ "output", required_argument, NULL, 'o' },
		{ "repeat", required_argument, NULL, OPT_REPEAT },
		{ "probe", optional_argument, NULL, OPT_PROBE },
		{ "order", required_argument, NULL, OPT_ORDER },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, a;
	tl_exp_axes_init(&o->plan.axes);
	o->plan.shuffle = true;
	o->plan.seed = 1;
	if (load_plan_first(argc, argv, o, err) < 0)
		return -EINVAL;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:t:h", longs, NULL)) != -1) {
		if ((a = axis_of(c)) >= 0) {
			if (!o->cli_given[a])
				tl_exp_axes_clear(&o->plan.axes, (enum tl_exp_axis)a);
			o->cli_given[a] = true;
			if (tl_exp_axes_add_list(&o->plan.axes, (enum tl_exp_axis)a, optarg, err) < 0)
				return -EINVAL;
			continue;
		}
		switch (c) {
		case OPT_PLAN:
			break;
		case 'o':
			o->db = optarg;
			break;
		case OPT_REPEAT:
			if (tl_parse_count("--repeat", optarg, 1, 1000, &v, err) < 0)
				return -EINVAL;
			o->plan.axes.repeat = (unsigned)v;
			break;
		case OPT_PROBE:
			o->plan.axes.probe = true;
			if (optarg) {
				if (tl_parse_count("--probe", optarg, 1, 10000, &v, err) < 0)
					return -EINVAL;
				o->plan.axes.probe_rate = (uint32_t)v;
			}
			break;
		case OPT_ORDER:
			if (strcmp(optarg, "shuffle") != 0 && strcmp(optarg, "in-order") != 0)
				return tl_err_set(err, EINVAL, "--order \"%s\": write shuffle or "
						  "in-order", optarg);
			o->plan.shuffle = strcmp(optarg, "shuffle") == 0;
			break;
		case OPT_SEED:
			if (tl_parse_count("--seed", optarg, 0, UINT64_MAX, &o->plan.seed, err) < 0)
				return -EINVAL;
			break;
		case OPT_SHARD:
			if (parse_shard(optarg, o, err) < 0)
				return -EINVAL;
			break;
		case OPT_DRY:
			o->dry_run = true;
			break;
		case 'h':
			usage(stdout);
			exit(TL_EXIT_OK);
		case ':':
			return tl_err_set(err, EINVAL, "%s needs a value (see 'tcplab exp --help')",
					  argv[optind - 1]);
		default:
			return tl_err_set(err, EINVAL, "unknown axis or option \"%s\" (axes: rate, rtt, "
					  "buffer, aqm, loss, cc, flows, rcvbuf, window-clamp, time, "
					  "warmup; see 'tcplab exp --help')", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return tl_err_set(err, EINVAL, "unexpected argument \"%s\" (axes are options: "
				  "--buffer 1bdp,2bdp)", argv[optind]);
	if (tl_exp_axes_expand_all(&o->plan.axes, err) < 0)
		return -EINVAL;
	if (!o->db && !o->dry_run)
		return tl_err_set(err, EINVAL, "no database: give -o FILE.db (a new file starts a "
				  "campaign, an existing one resumes it)");
	if (!o->shards) {
		o->shard = 1;
		o->shards = 1;
	}
	return 0;
}

static void fmt_eta(double s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "?");
	else if (s >= 3600)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
	else
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

static void point_label(const struct tl_exp_point *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s buf %s %s %s x%u", p->text[TL_AXIS_RATE], p->text[TL_AXIS_RTT],
		 p->text[TL_AXIS_BUFFER], p->text[TL_AXIS_AQM], p->text[TL_AXIS_CC], p->flows);
	if (p->rcvbuf || p->clamp) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, " win %s", p->rcvbuf ? p->text[TL_AXIS_RCVBUF]
								 : p->text[TL_AXIS_CLAMP]);
	}
}

struct progress {
	bool tty;
	uint32_t total, done, skipped, ok, failed;
	uint64_t start_ns;
	double est_run_s; /* before the first run: the point's duration + warm-up + 3 s */
};

static void show(struct progress *pg, const struct tl_exp_point *p, uint32_t rep, unsigned repeat)
{
	char label[200], eta[32];
	uint32_t made = pg->done - pg->skipped;
	double per = made ? (double)(tl_now_ns() - pg->start_ns) / 1e9 / made : pg->est_run_s;
	fmt_eta(per * (pg->total - pg->done), eta, sizeof(eta));
	point_label(p, label, sizeof(label));
	fprintf(stderr, "%s[%u/%u] point %u rep %u/%u  %s  ETA %s%s", pg->tty ? "\r\033[K" : "",
		pg->done + 1, pg->total, p->id, rep + 1, repeat, label, eta, pg->tty ? "" : "\n");
	fflush(stderr);
}

static char *join_args(int argc, char **argv)
{
	size_t len = 16;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 3;
	char *s = calloc(1, len);
	if (!s)
		return NULL;
	strcpy(s, "tcplab exp");
	for (int i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void dry_run(const struct tl_exp_matrix *m, const uint32_t *order, uint32_t n,
		    unsigned repeat)
{
	char label[200];
	for (uint32_t i = 0; i < n; i++) {
		const struct tl_exp_point *p = &m->points[order[i] / repeat];
		point_label(p, label, sizeof(label));
		printf("point %u rep %u: %s\n", p->id, order[i] % repeat + 1, label);
	}
}

struct campaign {
	struct tl_exp_store *store;
	struct tl_exp_runner *runner;
	struct tl_exp_matrix *m;
	unsigned repeat;
	struct progress pg;
};

/* Runs the order; returns 0, -EINTR on a stop, or < 0 when the database or testbed fails. */
static int run_all(struct campaign *cp, const uint32_t *order, struct tl_err *err)
{
	for (uint32_t i = 0; i < cp->pg.total; i++) {
		const struct tl_exp_point *p = &cp->m->points[order[i] / cp->repeat];
		uint32_t rep = order[i] % cp->repeat;
		int have = tl_exp_store_has_run(cp->store, p->id, rep, err);
		if (have < 0)
			return have;
		if (have) {
			cp->pg.done++;
			cp->pg.skipped++;
			continue;
		}
		show(&cp->pg, p, rep, cp->repeat);
		struct tl_exp_run r = { 0 };
		int rc = tl_exp_runner_run(cp->runner, p, rep, &r, err);
		if (rc == 0)
			rc = tl_exp_store_put_run(cp->store, &r, err);
		if (rc == 0 && !r.ok) {
			fprintf(stderr, "%spoint %u rep %u failed: %s\n", cp->pg.tty ? "\r\033[K" : "",
				p->id, rep + 1, r.reason);
			cp->pg.failed++;
		} else if (rc == 0) {
			cp->pg.ok++;
		}
		tl_exp_run_free(&r);
		if (rc < 0)
			return rc;
		cp->pg.done++;
		if (stop_requested)
			return tl_err_set(err, EINTR, "interrupted");
	}
	return 0;
}

static int exp_run(int argc, char **argv)
{
	struct run_opts *o = calloc(1, sizeof(*o));
	struct tl_exp_matrix m = { 0 };
	struct campaign cp = { .m = &m };
	struct tl_err err = { 0 };
	uint32_t *order = NULL, n = 0;
	char *key = NULL, *command = NULL, *facts = NULL, tmpdir[] = "/tmp/tcplab-exp.XXXXXX", tbname[32];
	char self[32];
	bool made_tmp = false;
	int ret = TL_EXIT_USAGE;
	if (!o)
		return TL_EXIT_ERROR;
	if (parse_run(argc, argv, o, &err) < 0 || tl_exp_matrix_build(&o->plan.axes, &m, &err) < 0 ||
	    tl_exp_order(&m, o->plan.axes.repeat, o->plan.shuffle, o->plan.seed, o->shard,
			 o->shards, &order, &n, &err) < 0) {
		fprintf(stderr, "tcplab exp: %s\n", err.msg);
		goto out;
	}
	if (o->dry_run) {
		dry_run(&m, order, n, o->plan.axes.repeat);
		ret = TL_EXIT_OK;
		goto out;
	}
	ret = TL_EXIT_ERROR;
	snprintf(tbname, sizeof(tbname), "exp%ld", (long)getpid());
	key = tl_exp_axes_key(&o->plan.axes);
	command = join_args(argc, argv);
	facts = tl_exp_host_facts(tbname);
	/*
	 * Children run this very binary through /proc/self/exe, which each of them resolves to
	 * the file it was itself started from, down the chain (testbed exec, then stream): a
	 * tcplab replaced on disk while a campaign runs (an upgrade) neither breaks it nor mixes
	 * two versions in one database.
	 */
	snprintf(self, sizeof(self), "/proc/self/exe");
	if (!key || !command || !facts || access(self, X_OK) != 0) {
		fprintf(stderr, "tcplab exp: cannot start (out of memory or no /proc/self/exe)\n");
		goto out;
	}
	struct tl_exp_campaign_info ci = { .key = key, .title = o->plan.axes.title,
					   .command = command, .testbed = facts };
	if (geteuid() != 0) {
		fprintf(stderr, "tcplab exp: a campaign runs on a testbed of network namespaces, "
			"which needs root (run it with sudo); --dry-run lists the runs without it\n");
		ret = TL_EXIT_USAGE;
		goto out;
	}
	if (tl_exp_store_open(o->db, true, &cp.store, &err) < 0 ||
	    tl_exp_store_lock(cp.store, &err) < 0 ||
	    tl_exp_store_begin(cp.store, &ci, &m, &err) < 0) {
		fprintf(stderr, "tcplab exp: %s\n", err.msg);
		ret = err.code == EINVAL || err.code == EBUSY ? TL_EXIT_USAGE : TL_EXIT_ERROR;
		goto out;
	}
	if (!mkdtemp(tmpdir)) {
		perror("tcplab exp: mkdtemp");
		goto out;
	}
	made_tmp = true;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct tl_exp_runner_cfg rc = { .self = self, .testbed = tbname, .tmpdir = tmpdir,
					.probe = o->plan.axes.probe,
					.probe_rate = o->plan.axes.probe_rate,
					.stop = &stop_requested };
	tl_exp_runner_open(&rc, &cp.runner, &err);
	cp.repeat = o->plan.axes.repeat;
	cp.pg = (struct progress){ .tty = isatty(2), .total = n, .start_ns = tl_now_ns(),
				   .est_run_s = m.count ? (double)(m.points[0].duration_ns +
						m.points[0].warmup_ns) / 1e9 + 3 : 0 };
	int rr = tl_exp_store_set_state(cp.store, "running", &err);
	if (rr == 0)
		rr = run_all(&cp, order, &err);
	tl_exp_runner_close(cp.runner);
	/* The runs are in; the state says whether the order was run through. */
	struct tl_err serr = { 0 };
	if ((rr == 0 || rr == -EINTR) &&
	    tl_exp_store_set_state(cp.store, rr == 0 ? "finished" : "interrupted", &serr) < 0)
		fprintf(stderr, "tcplab exp: %s\n", serr.msg);
	if (cp.pg.tty)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "tcplab exp: %u runs ok, %u failed, %u already done, %u not run; %s\n",
		cp.pg.ok, cp.pg.failed, cp.pg.skipped, cp.pg.total - cp.pg.done, o->db);
	if (rr == -EINTR) {
		fprintf(stderr, "tcplab exp: interrupted (the campaign is marked so in %s); run the "
			"same command again to resume\n", o->db);
		ret = 130;
	} else if (rr < 0) {
		fprintf(stderr, "tcplab exp: %s\n", err.msg);
	} else {
		ret = cp.pg.failed ? TL_EXIT_FAIL : TL_EXIT_OK;
	}
out:
	if (made_tmp && tl_exp_remove_dir(tmpdir, &err) < 0)
		fprintf(stderr, "tcplab exp: %s\n", err.msg);
	tl_exp_store_close(cp.store);
	tl_exp_matrix_free(&m);
	free(order);
	free(key);
	free(command);
	free(facts);
	free(o);
	return ret;
}

static int exp_export(int argc, char **argv)
{
	const char *db = NULL, *outp = NULL;
	/* an error is a JSON document too when the export was to be JSON on standard output */
	enum out_format ef = cmd_scan_format(argc, argv);
	int fmt = -1; /* 0 csv, 1 json */
	struct tl_exp_store *s = NULL;
	struct tl_err err = { 0 };
	char msg[sizeof(err.msg) + 512];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0)
			fmt = 0;
		else if (strcmp(argv[i], "--json") == 0)
			fmt = 1;
		else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) &&
			 i + 1 < argc)
			outp = argv[++i];
		else if (argv[i][0] != '-' && !db)
			db = argv[i];
		else {
			snprintf(msg, sizeof(msg), "unexpected \"%s\" (usage: tcplab exp export "
				 "DB --csv|--json [-o FILE])", argv[i]);
			return cmd_usage_error("exp export", ef, msg);
		}
	}
	if (outp)
		ef = OUT_TABLE; /* standard output is not the document */
	if (!db || fmt < 0)
		return cmd_usage_error("exp export", ef, "give a database and --csv or --json");
	if (tl_exp_store_open(db, false, &s, &err) < 0)
		return cmd_usage_error("exp export", ef, err.msg);
	FILE *out = outp ? fopen(outp, "w") : stdout;
	int ret = TL_EXIT_OK;
	if (!out) {
		snprintf(msg, sizeof(msg), "%s: %s (give -o a file that can be written)", outp,
			 strerror(errno));
		ret = cmd_error("exp export", ef, TL_EXIT_ERROR, msg);
	} else if (tl_exp_export(tl_exp_store_db(s), fmt == 1, out, &err) < 0) {
		ret = cmd_error("exp export", ef, TL_EXIT_ERROR, err.msg);
	}
	if (out && out != stdout && fclose(out) != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", outp, strerror(errno));
		ret = cmd_error("exp export", ef, TL_EXIT_ERROR, msg);
	}
	tl_exp_store_close(s);
	return ret;
}

static int exp_merge(int argc, char **argv)
{
	const char *outp = NULL;
	char **in = calloc((size_t)argc, sizeof(char *));
	unsigned n = 0;
	uint64_t runs = 0;
	struct tl_err err = { 0 };
	int ret = TL_EXIT_USAGE;
	if (!in)
		return TL_EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			outp = argv[++i];
		else if (argv[i][0] == '-') {
			fprintf(stderr, "tcplab exp merge: unknown option \"%s\" (usage: tcplab exp "
				"merge A.db B.db ... -o ALL.db)\n", argv[i]);
			goto out;
		} else
			in[n++] = argv[i];
	}
	if (!outp || n == 0) {
		fprintf(stderr, "tcplab exp merge: give the databases and -o ALL.db\n");
		goto out;
	}
	if (tl_exp_store_merge(outp, in, n, &runs, &err) < 0) {
		fprintf(stderr, "tcplab exp merge: %s\n", err.msg);
		ret = err.code == EIO ? TL_EXIT_ERROR : TL_EXIT_USAGE;
		goto out;
	}
	fprintf(stderr, "tcplab exp merge: %u databases, %llu runs into %s\n", n,
		(unsigned long long)runs, outp);
	ret = TL_EXIT_OK;
out:
	free(in);
	return ret;
}

int cmd_exp_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? TL_EXIT_USAGE : TL_EXIT_OK;
	}
	if (strcmp(argv[1], "run") == 0)
		return exp_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return exp_export(argc - 1, argv + 1);
	if (strcmp(argv[1], "merge") == 0)
		return exp_merge(argc - 1, argv + 1);
	fprintf(stderr, "tcplab exp: no command \"%s\" (run, export, merge)\n", argv[1]);
	return TL_EXIT_USAGE;
}
