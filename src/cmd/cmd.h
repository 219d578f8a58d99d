#ifndef TCPLAB_CMD_CMD_H
#define TCPLAB_CMD_CMD_H

/*
 * The subcommands. Each parses its options into a spec, calls the library, renders the
 * result and returns the process exit status. argv[0] is the subcommand's name.
 * Exit status: 0 ok, 1 the test ran and found a failure, 2 bad usage, 3 runtime error.
 */
enum {
	TL_EXIT_OK = 0,
	TL_EXIT_FAIL = 1,
	TL_EXIT_USAGE = 2,
	TL_EXIT_ERROR = 3,
};

int cmd_serve_main(int argc, char **argv);
int cmd_keygen_main(int argc, char **argv);
int cmd_stream_main(int argc, char **argv);
int cmd_rr_main(int argc, char **argv);
int cmd_crr_main(int argc, char **argv);
int cmd_doctor_main(int argc, char **argv);
int cmd_farm_main(int argc, char **argv);
int cmd_testbed_main(int argc, char **argv);
int cmd_router_main(int argc, char **argv);
int cmd_mesh_main(int argc, char **argv);
int cmd_probe_main(int argc, char **argv);
int cmd_exp_main(int argc, char **argv);
int cmd_report_main(int argc, char **argv);

#endif
