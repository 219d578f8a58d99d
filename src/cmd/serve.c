/* tcplab serve: the long-lived agent that tests connect to. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "ctl/agent.h"
#include "ctl/auth.h"
#include "net/addr.h"
#include "util/clock.h"
#include "util/parse.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab serve [OPTIONS]\n\n"
		"Runs the agent: it accepts tests from 'tcplab stream' (and the other workloads), many at\n"
		"once, each isolated, and keeps running after any of them ends or fails.\n\n"
		"Options:\n"
		"  -B, --bind ADDR          listen on this address only (default: all, IPv6 and IPv4, with\n"
		"                           --authorized-keys or --no-auth; else loopback, 127.0.0.1)\n"
		"      --authorized-keys FILE  only clients holding one of these keys may run tests\n"
		"                           (lines of .pub files made by 'tcplab keygen')\n"
		"      --no-auth            listen beyond loopback without authentication (anyone who\n"
		"                           reaches the port may run tests)\n"
		"      --user NAME          when started as root, run as this user once listening\n"
		"  -p, --port PORT          control and data port (default %d; 0 = any free port)\n"
		"      --port-file FILE     write the port listened on to FILE (for scripts with --port 0)\n"
		"      --max-tests N        tests running at once (default 64)\n"
		"      --max-flows N        connections per test (default 100000)\n"
		"      --max-threads N      worker threads per test (default 64; more are clamped)\n"
		"      --max-duration TIME  longest test accepted; a test slot is held at most this long\n"
		"                           after its connecting time (default 1h)\n"
		"      --max-connect-timeout TIME  longest wait for a test's data connections, whatever\n"
		"                           the client asks (default 30s)\n"
		"      --max-stall-timeout TIME  cap on the client's --stall-timeout, and on the wait\n"
		"                           for its last message (default 60s)\n"
		"      --handshake-timeout TIME  a new connection must greet, and a client send its test,\n"
		"                           within this of connecting (default 5s)\n"
		"      --max-rate RATE      what all tests together may send from this agent, e.g. 1G\n"
		"                           (each connection paced with SO_MAX_PACING_RATE; default: no cap)\n"
		"      --max-test-rate RATE what one test may send from this agent (default: no cap)\n"
		"      --one-off            serve one test, then exit\n"
		"      --max-pending N      connections that greeted but started no test yet (default 64)\n"
		"      --max-pending-per-host N  the same from one source address (default 8)\n"
		"  -q, --quiet              log nothing but errors\n"
		"  -h, --help               this text\n",
		TL_DEFAULT_PORT);
}

struct log_ctx {
	int quiet;
};

static void log_line(void *ctx, const char *line)
{
	struct log_ctx *lc = ctx;
	if (lc->quiet && !strstr(line, "failed") && !strstr(line, "refused"))
		return;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(stderr, "%s %s\n", stamp, line);
}

/*
 * Without keys the agent serves loopback only unless told --no-auth: a daemon that runs tests
 * for anyone must be a choice, not a default.
 */
static int check_auth_options(struct tl_agent_config *cfg, const char *keys_file, int no_auth,
			      struct tl_auth_keys *keys)
{
	struct tl_err err = { 0 };
	if (keys_file && no_auth) {
		fprintf(stderr, "tcplab serve: --authorized-keys and --no-auth contradict each other; give one\n");
		return -1;
	}
	if (keys_file) {
		if (tl_auth_init(&err) < 0 || tl_auth_load_authorized(keys_file, keys, &err) < 0) {
			fprintf(stderr, "tcplab serve: %s\n", err.msg);
			return -1;
		}
		cfg->auth_keys = keys;
		return 0;
	}
	if (no_auth)
		return 0;
	if (!cfg->bind || !*cfg->bind) {
		cfg->bind = "127.0.0.1";
		return 0;
	}
	struct tl_addr a;
	if (tl_addr_resolve(cfg->bind, 0, AF_UNSPEC, 1, &a, &err) == 0 && tl_addr_is_loopback(&a))
		return 0;
	fprintf(stderr, "tcplab serve: --bind %s is not a loopback address: give --authorized-keys FILE so "
		"only your clients may run tests, or --no-auth to let anyone who reaches it\n", cfg->bind);
	return -1;
}

/* After bind, as root: become user (its groups, then gid, then uid; no way back). */
static int drop_privileges(const char *user, struct tl_err *err)
{
	if (geteuid() != 0)
		return tl_err_set(err, EPERM, "--user %s: the agent is not running as root, so there is nothing "
				  "to drop (leave --user out)", user);
	struct passwd *pw = getpwnam(user);
	if (!pw)
		return tl_err_set(err, ENOENT, "--user %s: no such user", user);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		return tl_err_errno(err, "--user %s: dropping privileges", user);
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return tl_err_set(err, EPERM, "--user %s: root could be regained; refusing to go on", user);
	return 0;
}

/* Says where and how the agent listens, writes the port file, then drops root if asked. */
static int announce(struct tl_agent *agent, const char *port_file, const char *keys_file, size_t nkeys,
		    int no_auth, const char *user, struct tl_err *err)
{
	char where[80];
	printf("tcplab agent listening on %s (listen backlog %d)\n",
	       tl_addr_str(tl_agent_addr(agent), where, sizeof(where)), tl_agent_backlog(agent));
	if (keys_file)
		printf("clients must authenticate: %zu key(s) from %s\n", nkeys, keys_file);
	else if (no_auth)
		printf("no authentication (--no-auth): anyone who reaches this port may run tests\n");
	else
		printf("no --authorized-keys: listening on loopback only; give --authorized-keys FILE (or "
		       "--no-auth) to serve other hosts\n");
	fflush(stdout);
	if (port_file) {
		FILE *pf = fopen(port_file, "w");
		if (!pf || fprintf(pf, "%u\n", tl_agent_port(agent)) < 0 || fclose(pf) != 0)
			return tl_err_errno(err, "--port-file %s", port_file);
	}
	/* the port file is the operator's, written as root; then nothing privileged is left */
	if (user && drop_privileges(user, err) < 0)
		return -1;
	return 0;
}

/* What serve's options ask for. */
struct serve_cli {
	struct tl_agent_config cfg;
	struct log_ctx lc;
	const char *port_file, *keys_file, *user;
	int no_auth;
};

/* 0, 1 for --help, or < 0 with err set. */
static int parse_args(int argc, char **argv, struct serve_cli *c, struct tl_err *err)
{
	enum { OPT_MAX_TESTS = 256, OPT_MAX_FLOWS, OPT_MAX_THREADS, OPT_MAX_DURATION, OPT_HANDSHAKE, OPT_PORT_FILE,
	       OPT_MAX_CONNECT, OPT_MAX_STALL, OPT_MAX_PENDING, OPT_MAX_PENDING_HOST,
	       OPT_MAX_RATE, OPT_MAX_TEST_RATE, OPT_ONE_OFF, OPT_AUTH_KEYS, OPT_NO_AUTH, OPT_USER };
	static const struct option options[] = {
		{ "bind", required_argument, NULL, 'B' },
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, OPT_PORT_FILE },
		{ "max-tests", required_argument, NULL, OPT_MAX_TESTS },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "max-threads", required_argument, NULL, OPT_MAX_THREADS },
		{ "max-duration", required_argument, NULL, OPT_MAX_DURATION },
		{ "handshake-timeout", required_argument, NULL, OPT_HANDSHAKE },
		{ "max-connect-timeout", required_argument, NULL, OPT_MAX_CONNECT },
		{ "max-stall-timeout", required_argument, NULL, OPT_MAX_STALL },
		{ "max-pending", required_argument, NULL, OPT_MAX_PENDING },
		{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
		{ "max-test-rate", required_argument, NULL, OPT_MAX_TEST_RATE },
		{ "one-off", no_argument, NULL, OPT_ONE_OFF },
		{ "authorized-keys", required_argument, NULL, OPT_AUTH_KEYS },
		{ "no-auth", no_argument, NULL, OPT_NO_AUTH },
		{ "user", required_argument, NULL, OPT_USER },
		{ "max-pending-per-host", required_argument, NULL, OPT_MAX_PENDING_HOST },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tl_agent_config *cfg = &c->cfg;
	uint64_t v;
	int opt;

	tl_agent_config_defaults(cfg);
	optind = 1;
	opterr = 0; /* the error is ours, naming the option */
	while ((opt = getopt_long(argc, argv, "B:p:qh", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'B': cfg->bind = optarg; break;
		case 'p': rc = tl_parse_port("--port", optarg, 1, &cfg->port, err); break;
		case OPT_PORT_FILE: c->port_file = optarg; break;
		case OPT_MAX_TESTS:
			rc = tl_parse_count("--max-tests", optarg, 1, 100000, &v, err);
			cfg->max_tests = (uint32_t)v;
			break;
		case OPT_MAX_FLOWS:
			rc = tl_parse_count("--max-flows", optarg, 1, 1000000, &v, err);
			cfg->max_flows = (uint32_t)v;
			break;
		case OPT_MAX_THREADS:
			rc = tl_parse_count("--max-threads", optarg, 1, 1024, &v, err);
			cfg->max_threads = (uint32_t)v;
			break;
		case OPT_MAX_DURATION:
			rc = tl_parse_duration("--max-duration", optarg, TL_NSEC_PER_SEC, 86400 * TL_NSEC_PER_SEC,
					       &cfg->max_duration_ns, err);
			break;
		case OPT_MAX_RATE:
			rc = tl_parse_rate("--max-rate", optarg, 1000000, 1ULL << 50, &cfg->max_rate_bps, err);
			break;
		case OPT_MAX_TEST_RATE:
			rc = tl_parse_rate("--max-test-rate", optarg, 1000000, 1ULL << 50, &cfg->max_test_rate_bps, err);
			break;
		case OPT_ONE_OFF: cfg->one_off = 1; break;
		case OPT_AUTH_KEYS: c->keys_file = optarg; break;
		case OPT_NO_AUTH: c->no_auth = 1; break;
		case OPT_USER: c->user = optarg; break;
		case OPT_MAX_PENDING:
			rc = tl_parse_count("--max-pending", optarg, 1, 100000, &v, err);
			cfg->max_pending = (uint32_t)v;
			break;
		case OPT_MAX_PENDING_HOST:
			rc = tl_parse_count("--max-pending-per-host", optarg, 1, 100000, &v, err);
			cfg->max_pending_per_host = (uint32_t)v;
			break;
		case OPT_MAX_CONNECT:
			rc = tl_parse_duration("--max-connect-timeout", optarg, 10 * TL_NSEC_PER_MSEC,
					       3600 * TL_NSEC_PER_SEC, &cfg->max_connect_timeout_ns, err);
			break;
		case OPT_MAX_STALL:
			rc = tl_parse_duration("--max-stall-timeout", optarg, 10 * TL_NSEC_PER_MSEC,
					       86400 * TL_NSEC_PER_SEC, &cfg->max_stall_timeout_ns, err);
			break;
		case OPT_HANDSHAKE:
			rc = tl_parse_duration("--handshake-timeout", optarg, 10 * TL_NSEC_PER_MSEC,
					       3600 * TL_NSEC_PER_SEC, &cfg->handshake_timeout_ns, err);
			break;
		case 'q': c->lc.quiet = 1; break;
		case 'h': return 1;
		default: rc = cmd_unknown_option("serve", argv, err); break;
		}
		if (rc < 0)
			return rc;
	}
	if (optind < argc)
		return tl_err_set(err, EINVAL, "unexpected argument \"%s\" (serve takes only options)",
				  argv[optind]);
	if (cfg->one_off)
		cfg->max_tests = 1; /* the one test runs alone; others are told the agent is busy */
	return 0;
}

int cmd_serve_main(int argc, char **argv)
{
	struct serve_cli c = { 0 };
	struct tl_err err = { 0 };
	struct tl_auth_keys keys = { 0 };
	int prc = parse_args(argc, argv, &c, &err);
	if (prc == 1) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (prc < 0)
		return cmd_usage_error("serve", OUT_TABLE, err.msg);
	struct tl_agent_config cfg = c.cfg;
	const char *port_file = c.port_file, *keys_file = c.keys_file, *user = c.user;
	int no_auth = c.no_auth;
	if (check_auth_options(&cfg, keys_file, no_auth, &keys) < 0)
		return TL_EXIT_USAGE;
	cfg.log = log_line;
	cfg.log_ctx = &c.lc;

	/* SIGINT/SIGTERM arrive on a signalfd, which the agent's loop watches: a clean stop. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "tcplab serve: signalfd: %s\n", strerror(errno));
		return TL_EXIT_ERROR;
	}
	struct tl_agent *agent = tl_agent_new(&cfg, &err);
	if (!agent) {
		fprintf(stderr, "tcplab serve: %s\n", err.msg);
		close(sfd);
		return TL_EXIT_ERROR;
	}
	if (announce(agent, port_file, keys_file, keys.n, no_auth, user, &err) < 0) {
		fprintf(stderr, "tcplab serve: %s\n", err.msg);
		tl_agent_free(agent);
		tl_auth_keys_free(&keys);
		close(sfd);
		return TL_EXIT_ERROR;
	}
	int rc = tl_agent_run(agent, sfd, &err);
	struct tl_agent_stats st;
	tl_agent_shutdown(agent); /* the tests it ends are counted before the summary */
	tl_agent_stats(agent, &st);
	tl_agent_free(agent);
	tl_auth_keys_free(&keys);
	close(sfd);
	fprintf(stderr, "tcplab agent stopped: %llu tests (%llu ok, %llu failed, %llu refused busy), "
		"%llu data connections refused, %llu handshake timeouts, %llu refused over --max-pending, "
		"%llu accepts short of descriptors, %llu refused authentication\n",
		(unsigned long long)st.tests_started, (unsigned long long)st.tests_ok,
		(unsigned long long)st.tests_failed, (unsigned long long)st.busy_refused,
		(unsigned long long)st.data_rejected, (unsigned long long)st.handshake_timeouts,
		(unsigned long long)st.pending_refused, (unsigned long long)st.accept_fd_errors,
		(unsigned long long)st.auth_refused);
	if (rc < 0) {
		fprintf(stderr, "tcplab serve: %s\n", err.msg);
		return TL_EXIT_ERROR;
	}
	return TL_EXIT_OK;
}
