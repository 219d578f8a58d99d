#include <stdio.h>
#include "cmd/cmd.h"
int cmd_serve_main(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "serve: under construction\n"); return TL_EXIT_ERROR; }
