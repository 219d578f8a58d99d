/* tcplab: the subcommand table and nothing else. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

struct subcommand {
	const char *name;
	int (*main_fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "serve", cmd_serve_main, "run the agent that tests connect to" },
	{ "keygen", cmd_keygen_main, "make a key pair to authenticate to an agent (serve --authorized-keys)" },
	{ "stream", cmd_stream_main, "bulk throughput over many flows, with TCP_INFO" },
	{ "rr", cmd_rr_main, "request/response latency and rate on persistent connections" },
	{ "crr", cmd_crr_main, "a connection per transaction: rate, latency, TIME_WAIT, ports" },
	{ "doctor", cmd_doctor_main, "check TCP settings, sockets and counters against a workload" },
	{ "farm", cmd_farm_main, "a job server and workers: one job per connection vs batches, the port ceiling" },
	{ "testbed", cmd_testbed_main, "namespaces joined through an emulated bottleneck router" },
	{ "router", cmd_router_main, "the testbed's emulated bottleneck between two real interfaces" },
	{ "probe", cmd_probe_main, "measure RTT, rate and loss to an agent; advise buffers and flows" },
	{ "exp", cmd_exp_main, "campaigns: a matrix of testbed runs, resumable, stored in SQLite" },
	{ "report", cmd_report_main, "a campaign database as one offline HTML page with SVG plots" },
	{ "mesh", cmd_mesh_main, "N ranks pass tokens over a full mesh: ring, random, tcp vs unix, idle CPU" },
};

#define SUBCOMMAND_COUNT (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: tcplab COMMAND [OPTIONS]\n\n"
		   "A TCP laboratory: measure, emulate, diagnose and tune TCP.\n\nCommands:\n");
	for (size_t i = 0; i < SUBCOMMAND_COUNT; i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n'tcplab help COMMAND' or 'tcplab COMMAND --help' shows a command's options.\n"
		   "'tcplab --version' prints the version.\n");
}

static const struct subcommand *find(const char *name)
{
	for (size_t i = 0; i < SUBCOMMAND_COUNT; i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TL_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("tcplab %s\n", TCPLAB_VERSION);
		return TL_EXIT_OK;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return TL_EXIT_OK;
		}
		const struct subcommand *sc = find(argv[2]);
		if (!sc) {
			fprintf(stderr, "tcplab: no command \"%s\" (see 'tcplab --help')\n", argv[2]);
			return TL_EXIT_USAGE;
		}
		char *help_argv[] = { argv[2], "--help", NULL };
		return sc->main_fn(2, help_argv);
	}
	const struct subcommand *sc = find(name);
	if (!sc) {
		fprintf(stderr, "tcplab: no command \"%s\" (see 'tcplab --help')\n", name);
		return TL_EXIT_USAGE;
	}
	return sc->main_fn(argc - 1, argv + 1);
}
