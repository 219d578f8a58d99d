/* tcplab keygen: an Ed25519 key pair for authenticating to agents (ctl/auth.h). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "ctl/auth.h"

static void usage(FILE *f)
{
	char path[1024];
	fprintf(f,
		"Usage: tcplab keygen [OPTIONS]\n\n"
		"Makes a key pair for 'tcplab stream', 'rr' and 'crr' to prove who they are to an agent\n"
		"run with 'tcplab serve --authorized-keys FILE'. The private key stays with the client\n"
		"(mode 0600); the agent's operator adds the one line of the .pub file to FILE.\n\n"
		"Options:\n"
		"  -f, --file PATH      where to write the private key; the public key goes to PATH.pub\n"
		"                       (default %s: the clients look there, or\n"
		"                       where the TCPLAB_KEY environment variable points)\n"
		"  -C, --comment TEXT   a note on the public key's line (default user@host)\n"
		"      --force          replace an existing key\n"
		"  -h, --help           this text\n",
		tl_auth_default_key_path(path, sizeof(path)));
}

int cmd_keygen_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "comment", required_argument, NULL, 'C' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[1024], comment[300], host[256] = "localhost";
	const char *file = NULL, *note = NULL;
	struct tl_err err = { 0 };
	int force = 0, opt;
	optind = 1;
	opterr = 0; /* the error is ours, naming the option */
	while ((opt = getopt_long(argc, argv, "f:C:h", options, NULL)) != -1) {
		switch (opt) {
		case 'f': file = optarg; break;
		case 'C': note = optarg; break;
		case 'F': force = 1; break;
		case 'h': usage(stdout); return TL_EXIT_OK;
		default:
			cmd_unknown_option("keygen", argv, &err);
			return cmd_usage_error("keygen", OUT_TABLE, err.msg);
		}
	}
	if (optind < argc) {
		tl_err_set(&err, EINVAL, "unexpected argument \"%s\" (write the path with -f)", argv[optind]);
		return cmd_usage_error("keygen", OUT_TABLE, err.msg);
	}
	if (!file)
		file = tl_auth_default_key_path(path, sizeof(path));
	if (!note) {
		const char *user = getenv("USER");
		gethostname(host, sizeof(host) - 1);
		snprintf(comment, sizeof(comment), "%s@%s", user && *user ? user : "user", host);
		note = comment;
	}
	if (strpbrk(note, "\n\r"))
		return cmd_usage_error("keygen", OUT_TABLE, "--comment must be one line");
	if (tl_auth_init(&err) < 0 || tl_auth_keygen(file, note, force, &err) < 0) {
		fprintf(stderr, "tcplab keygen: %s\n", err.msg);
		return TL_EXIT_ERROR;
	}
	printf("private key: %s (keep it; mode 0600)\npublic key:  %s.pub (add its line to the agent's "
	       "--authorized-keys file)\n", file, file);
	return TL_EXIT_OK;
}
