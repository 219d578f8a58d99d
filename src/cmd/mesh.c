/* tcplab mesh: N ranks pass M tokens over a full mesh; what does the pattern cost? */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "mesh/launch.h"
#include "mesh/spec.h"
#include "mesh/wire.h"
#include "out/mesh_table.h"
#include "result/mesh.h"
#include "util/clock.h"
#include "util/parse.h"

enum launch_mode { LAUNCH_FORK, LAUNCH_THREADS, LAUNCH_JOIN, LAUNCH_MPI };

struct mesh_cli {
	struct tl_mesh_spec spec;
	enum launch_mode mode;
	int json, per_rank, compare;
	int interrupt_fd;   /* cmd_interrupt_fd() where this process coordinates, else -1 */
	struct cmd_outputs out; /* --json-file (its slot 0, standard output, is not used here) */
	int ranks_set, transport_set, time_set, hops_set;
	int rank_set, size_set;
	uint32_t rank;
	char bind[64];
	char rv_host[256];
	uint16_t rv_port;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab mesh [OPTIONS]\n\n"
		"N ranks on this host, every pair connected, pass M tokens: each rank that receives a\n"
		"token forwards it to the next rank the pattern picks. Reports hops/s, the latency of a\n"
		"hop, how busy the machine and the ranks were (or how idle), context switches, and for\n"
		"TCP the kernel's delayed-ACK counters. Token conservation is checked at the end.\n\n"
		"Workload:\n"
		"  -n, --ranks N            ranks (default 4; 2..%u)\n"
		"  -m, --tokens M           tokens in flight (default 1); token i starts at rank i mod N\n"
		"  -p, --pattern P          ring | random | all-to-all | pairs (default ring)\n"
		"                           all-to-all: each token visits every rank once per round;\n"
		"                           pairs: ping-pong between ranks 2i and 2i+1 (N even)\n"
		"      --seed S             seed of random and all-to-all (default 1)\n"
		"      --transport T        tcp | tcp-nodelay | tcp-quickack | unix (default tcp-nodelay)\n"
		"                           tcp: Nagle on; tcp-quickack: NODELAY and TCP_QUICKACK\n"
		"                           set again after every receive\n"
		"  -s, --message-size B     bytes per message, header included (default and minimum %u)\n"
		"  -t, --time T             measure for T (default 3s)\n"
		"      --hops H             instead: H hops in all (split over the tokens), then stop\n"
		"      --max-time T         cap of a --hops run (default 300s)\n"
		"      --compare            run tcp, tcp-nodelay, tcp-quickack and unix in turn, side by side\n"
		"      --threads            ranks are threads of this process instead of processes\n"
		"      --bind ADDR          tcp: the address ranks listen on (default 127.0.0.1); with\n"
		"                           --rendezvous/--mpi: the address this rank announces\n"
		"      --connect-timeout T  rendezvous and connect phase (default 30s)\n"
		"Ranks started by a launcher (srun, ssh, a shell loop), one process each:\n"
		"      --rank R --size N --rendezvous HOST:PORT\n"
		"                           rank 0 listens on PORT and reports; the others connect to\n"
		"                           HOST:PORT (and retry until rank 0 is there)\n"
		"      --mpi                under mpirun: rank and size from MPI, addresses exchanged\n"
		"                           with MPI_Allgather, tokens over TCP%s\n"
		"Output:\n"
		"      --json               one JSON document (valid also on error)\n"
		"      --json-file FILE     the same document also into FILE (the table stays on\n"
		"                           standard output)\n"
		"      --per-rank           every rank's hops, CPU and context switches in the table\n"
		"  -h, --help               this text\n\n"
		"Ctrl-C ends the run early: the ranks are told to stop, and what ran is reported, marked\n"
		"interrupted (exit status 130; a second Ctrl-C quits at once).\n",
		TL_MESH_MAX_RANKS, TL_MESH_HEADER_LEN,
		tl_mesh_mpi_built() ? "" : " (not in this build: no Open MPI)");
}

static int parse_hostport(const char *s, struct mesh_cli *c, struct tl_err *err)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return tl_err_set(err, EINVAL, "--rendezvous \"%s\": write HOST:PORT (e.g. 10.0.0.1:5300)", s);
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof(c->rv_host))
		return tl_err_set(err, EINVAL, "--rendezvous \"%s\": host too long", s);
	memcpy(c->rv_host, s, hl);
	c->rv_host[hl] = '\0';
	return tl_parse_port("--rendezvous port", colon + 1, 0, &c->rv_port, err);
}

static int parse_args(int argc, char **argv, struct mesh_cli *c, struct tl_err *err)
{
	enum {
		OPT_SEED = 256, OPT_TRANSPORT, OPT_HOPS, OPT_MAX_TIME, OPT_COMPARE, OPT_THREADS, OPT_BIND,
		OPT_CONNECT_TIMEOUT, OPT_RANK, OPT_SIZE, OPT_RENDEZVOUS, OPT_MPI, OPT_JSON, OPT_PER_RANK,
		OPT_JSON_FILE,
	};
	static const struct option options[] = {
		{ "ranks", required_argument, NULL, 'n' }, { "tokens", required_argument, NULL, 'm' },
		{ "pattern", required_argument, NULL, 'p' }, { "seed", required_argument, NULL, OPT_SEED },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "message-size", required_argument, NULL, 's' }, { "time", required_argument, NULL, 't' },
		{ "hops", required_argument, NULL, OPT_HOPS },
		{ "max-time", required_argument, NULL, OPT_MAX_TIME },
		{ "compare", no_argument, NULL, OPT_COMPARE }, { "threads", no_argument, NULL, OPT_THREADS },
		{ "bind", required_argument, NULL, OPT_BIND },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "rank", required_argument, NULL, OPT_RANK }, { "size", required_argument, NULL, OPT_SIZE },
		{ "rendezvous", required_argument, NULL, OPT_RENDEZVOUS },
		{ "mpi", no_argument, NULL, OPT_MPI }, { "json", no_argument, NULL, OPT_JSON },
		{ "json-file", required_argument, NULL, OPT_JSON_FILE },
		{ "per-rank", no_argument, NULL, OPT_PER_RANK }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tl_mesh_spec *s = &c->spec;
	uint64_t v;
	int opt, rendezvous = 0, threads = 0, mpi = 0;

	tl_mesh_spec_defaults(s);
	optind = 1;
	opterr = 0; /* one message, ours, naming the option */
	while ((opt = getopt_long(argc, argv, ":n:m:p:s:t:h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'n':
			rc = tl_parse_count("--ranks", optarg, 2, TL_MESH_MAX_RANKS, &v, err);
			s->ranks = (uint32_t)v;
			c->ranks_set = 1;
			break;
		case 'm':
			rc = tl_parse_count("--tokens", optarg, 1, TL_MESH_MAX_TOKENS, &v, err);
			s->tokens = (uint32_t)v;
			break;
		case 'p': rc = tl_mesh_pattern_parse(optarg, &s->pattern, err); break;
		case OPT_SEED: rc = tl_parse_count("--seed", optarg, 0, INT64_MAX, &s->seed, err); break;
		case OPT_TRANSPORT:
			rc = tl_mesh_transport_parse(optarg, &s->transport, err);
			c->transport_set = 1;
			break;
		case 's':
			rc = tl_parse_size("--message-size", optarg, 1, 1ULL << 40, &v, err);
			if (rc == 0 && (v < TL_MESH_HEADER_LEN || v > TL_MESH_MAX_MESSAGE))
				rc = tl_err_set(err, ERANGE, "--message-size \"%s\": give %u..%u bytes (the "
						"minimum is the %u-byte token header: version, kind, length, "
						"sender, id, origin, hop count, send time)", optarg,
						TL_MESH_HEADER_LEN, TL_MESH_MAX_MESSAGE, TL_MESH_HEADER_LEN);
			s->message_size = (uint32_t)v;
			break;
		case 't':
			rc = tl_parse_duration("--time", optarg, 10 * TL_NSEC_PER_MSEC, 86400 * TL_NSEC_PER_SEC,
					       &s->duration_ns, err);
			c->time_set = 1;
			break;
		case OPT_HOPS:
			rc = tl_parse_count("--hops", optarg, 1, 1ULL << 50, &s->hops, err);
			c->hops_set = 1;
			break;
		case OPT_MAX_TIME:
			rc = tl_parse_duration("--max-time", optarg, 100 * TL_NSEC_PER_MSEC,
					       86400 * TL_NSEC_PER_SEC, &s->max_time_ns, err);
			break;
		case OPT_COMPARE: c->compare = 1; break;
		case OPT_THREADS: threads = 1; break;
		case OPT_BIND:
			if (strlen(optarg) >= sizeof(c->bind))
				rc = tl_err_set(err, EINVAL, "--bind \"%s\": too long", optarg);
			else
				snprintf(c->bind, sizeof(c->bind), "%s", optarg);
			break;
		case OPT_CONNECT_TIMEOUT:
			rc = tl_parse_duration("--connect-timeout", optarg, 100 * TL_NSEC_PER_MSEC,
					       3600 * TL_NSEC_PER_SEC, &s->connect_timeout_ns, err);
			break;
		case OPT_RANK:
			rc = tl_parse_count("--rank", optarg, 0, TL_MESH_MAX_RANKS - 1, &v, err);
			c->rank = (uint32_t)v;
			c->rank_set = 1;
			break;
		case OPT_SIZE:
			rc = tl_parse_count("--size", optarg, 2, TL_MESH_MAX_RANKS, &v, err);
			s->ranks = (uint32_t)v;
			c->size_set = 1;
			break;
		case OPT_RENDEZVOUS:
			rc = parse_hostport(optarg, c, err);
			rendezvous = 1;
			break;
		case OPT_MPI: mpi = 1; break;
		case OPT_JSON: c->json = 1; break;
		case OPT_JSON_FILE:
			rc = cmd_outputs_add_file(&c->out, OUT_JSON, "--json-file", optarg, err);
			break;
		case OPT_PER_RANK: c->per_rank = 1; break;
		case 'h': return 1;
		case ':':
			return tl_err_set(err, EINVAL, "%s needs a value (see 'tcplab mesh --help')",
					  argv[optind - 1]);
		default: return cmd_unknown_option("mesh", argv, err);
		}
		if (rc < 0)
			return rc;
	}
	if (optind < argc)
		return tl_err_set(err, EINVAL, "unexpected argument \"%s\" (see 'tcplab mesh --help')",
				  argv[optind]);
	if (c->time_set && c->hops_set)
		return tl_err_set(err, EINVAL, "--time and --hops cannot be used together (a --hops run "
				  "is capped by --max-time)");
	if (c->hops_set)
		s->duration_ns = 0;
	if (threads && mpi)
		return tl_err_set(err, EINVAL, "--threads and --mpi cannot be used together (under mpirun "
				  "every rank is a process)");
	c->mode = mpi ? LAUNCH_MPI : threads ? LAUNCH_THREADS : LAUNCH_FORK;
	if (rendezvous || c->rank_set || c->size_set) {
		if (!(rendezvous && c->rank_set && c->size_set))
			return tl_err_set(err, EINVAL, "--rank, --size and --rendezvous go together");
		if (c->mode != LAUNCH_FORK || c->ranks_set)
			return tl_err_set(err, EINVAL, "--rendezvous cannot be used with --threads, --mpi "
					  "or -n (--size gives the number of ranks)");
		c->mode = LAUNCH_JOIN;
	}
	if (c->mode == LAUNCH_MPI && c->ranks_set)
		return tl_err_set(err, EINVAL, "--mpi takes the number of ranks from mpirun -np; drop -n");
	if (c->compare) {
		if (c->transport_set)
			return tl_err_set(err, EINVAL, "--compare runs every transport; drop --transport");
		if (c->mode == LAUNCH_JOIN || c->mode == LAUNCH_MPI)
			return tl_err_set(err, EINVAL, "--compare needs ranks started here (-n, --threads)");
	}
	if (c->mode == LAUNCH_MPI) {
		/* The size is known once MPI is up; check the rest with a size that fits. */
		struct tl_mesh_spec t = *s;
		t.ranks = 2;
		return tl_mesh_spec_validate(&t, err);
	}
	return tl_mesh_spec_validate(s, err);
}

static json_t *new_doc(void)
{
	return json_pack("{s:s, s:s, s:b, s:[]}", "command", "mesh", "version", TCPLAB_VERSION,
			 "ok", 1, "runs");
}

/* Renders the runs made so far (and the error, if any); returns the exit status. */
static int finish(const struct mesh_cli *c, json_t *doc, int rc, struct tl_err *err)
{
	struct tl_mesh_doc d;
	struct tl_err derr = { 0 };
	int all_ok = 1;
	if (tl_mesh_doc_decode(doc, &d, &derr) < 0) {
		/* a run this process built that does not read back: say so, render none */
		if (rc == 0)
			*err = derr;
		rc = -1;
	}
	for (size_t i = 0; i < d.nruns; i++)
		all_ok &= d.runs[i].ok;
	if (rc < 0) {
		json_object_set_new(doc, "error", json_string(err->msg));
		all_ok = 0;
	}
	json_object_set_new(doc, "ok", json_boolean(all_ok));
	if (cmd_interrupted())
		json_object_set_new(doc, "interrupted", json_true());
	cmd_outputs_json(&c->out, doc);
	if (!c->json && d.nruns) {
		tl_out_mesh_table(stdout, d.runs, d.nruns);
		for (size_t i = 0; c->per_rank && i < d.nruns; i++)
			tl_out_mesh_ranks(stdout, &d.runs[i]);
		const struct tl_mesh_res_run *last = &d.runs[d.nruns - 1];
		if (last->interrupted)
			printf("Interrupted (Ctrl-C): the figures cover the %.2f s run until then\n",
			       last->window_s);
		fflush(stdout);
	}
	tl_mesh_doc_free(&d);
	if (rc < 0) {
		fprintf(stderr, "tcplab mesh: %s\n", err->msg);
		return cmd_interrupted() ? TL_EXIT_INTERRUPTED : TL_EXIT_ERROR;
	}
	if (cmd_interrupted())
		return TL_EXIT_INTERRUPTED; /* what ran was reported; its checks are in "ok" */
	if (!all_ok) {
		fprintf(stderr, "tcplab mesh: the run did not check out (tokens lost or duplicated, "
			"messages missing, or --hops not reached): see \"ok\" in --json\n");
		return TL_EXIT_FAIL;
	}
	return TL_EXIT_OK;
}

static int run_local(struct mesh_cli *c, json_t *doc, struct tl_err *err)
{
	static const enum tl_mesh_transport all[] = { TL_MESH_TCP, TL_MESH_TCP_NODELAY,
						      TL_MESH_TCP_QUICKACK, TL_MESH_UNIX };
	size_t count = c->compare ? sizeof(all) / sizeof(all[0]) : 1;
	for (size_t i = 0; i < count; i++) {
		struct tl_mesh_local l = { .spec = c->spec, .threads = c->mode == LAUNCH_THREADS,
					   .bind = c->bind, .interrupt_fd = c->interrupt_fd };
		json_t *res = NULL;
		if (c->compare)
			l.spec.transport = all[i];
		int rc = tl_mesh_run_local(&l, &res, err);
		if (rc < 0) {
			if (c->compare)
				tl_err_prefix(err, "%s", tl_mesh_transport_name(l.spec.transport));
			return rc;
		}
		json_array_append_new(json_object_get(doc, "runs"), res);
		if (cmd_interrupted())
			break; /* --compare: the transports after the interrupted one are not run */
	}
	return 0;
}

int cmd_mesh_main(int argc, char **argv)
{
	struct mesh_cli c;
	struct tl_err err = { 0 };
	memset(&c, 0, sizeof(c));
	cmd_outputs_init(&c.out);
	int rc = parse_args(argc, argv, &c, &err);
	if (rc == 0 && cmd_outputs_open(&c.out, &err) < 0)
		rc = -1;
	/* A bad option may stop parsing before --json is seen: look for it on its own. */
	for (int i = 1; i < argc && rc < 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
	c.out.format[0] = c.json ? OUT_JSON : OUT_TABLE;
	if (rc == 1) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (rc < 0) {
		json_t *e = json_pack("{s:s, s:b, s:s}", "command", "mesh", "ok", 0, "error", err.msg);
		if (e)
			cmd_outputs_json(&c.out, e);
		json_decref(e);
		cmd_outputs_close(&c.out, NULL);
		fprintf(stderr, "tcplab mesh: %s\n", err.msg);
		return TL_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Ctrl-C reaches the coordinator: ranks forked here, or rank 0 of a rendezvous. Another
	 * rank of a rendezvous, or one under mpirun, ends as before and rank 0 reports it. */
	c.interrupt_fd = -1;
	if (c.mode == LAUNCH_FORK || c.mode == LAUNCH_THREADS || (c.mode == LAUNCH_JOIN && c.rank == 0)) {
		c.interrupt_fd = cmd_interrupt_fd();
		cmd_interrupt_install();
	}
	json_t *doc = new_doc();
	int status;
	if (!doc) {
		fprintf(stderr, "tcplab mesh: out of memory\n");
		return TL_EXIT_ERROR;
	}
	if (c.mode == LAUNCH_FORK || c.mode == LAUNCH_THREADS) {
		rc = run_local(&c, doc, &err);
		status = finish(&c, doc, rc, &err);
	} else if (c.mode == LAUNCH_JOIN) {
		struct tl_mesh_join j = { .spec = c.spec, .rank = c.rank, .port = c.rv_port,
					  .ctl_listen_fd = -1, .data_listen_fd = -1,
					  .interrupt_fd = c.interrupt_fd,
					  .launch = "rendezvous" };
		json_t *res = NULL;
		snprintf(j.host, sizeof(j.host), "%s", c.rv_host);
		snprintf(j.bind, sizeof(j.bind), "%s", c.bind);
		rc = tl_mesh_run_join(&j, &res, &err);
		if (res)
			json_array_append_new(json_object_get(doc, "runs"), res);
		if (c.rank != 0) {
			/* The others report through rank 0; this one only says how it ended. */
			json_object_set_new(doc, "rank", json_integer(c.rank));
			json_object_set_new(doc, "note", json_string("rank 0 reports the results"));
			if (!c.json && rc == 0)
				printf("tcplab mesh: rank %u done (rank 0 reports the results)\n", c.rank);
		}
		status = finish(&c, doc, rc, &err);
	} else {
		json_t *res = NULL;
		int root = 1;
		enum tl_mesh_mpi_end end = TL_MESH_MPI_FAILED;
		rc = tl_mesh_run_mpi(&c.spec, c.bind, &res, &root, &end, &err);
		if (res)
			json_array_append_new(json_object_get(doc, "runs"), res);
		if (root) {
			status = finish(&c, doc, rc, &err);
		} else {
			/* Under mpirun every rank's stdout is merged: only rank 0 prints there, and
			 * says once why a run every rank refused was refused. */
			if (rc < 0 && end != TL_MESH_MPI_REFUSED)
				fprintf(stderr, "tcplab mesh: %s\n", err.msg);
			status = rc < 0 ? TL_EXIT_ERROR : TL_EXIT_OK;
		}
		fflush(stdout); /* out before the others may exit (tl_mesh_mpi_finish) */
		fflush(stderr);
		tl_mesh_mpi_finish(end);
	}
	if (cmd_outputs_close(&c.out, &err) < 0) {
		fprintf(stderr, "tcplab mesh: %s\n", err.msg);
		if (status == TL_EXIT_OK)
			status = TL_EXIT_ERROR;
	}
	json_decref(doc);
	return status;
}
