#include <stdio.h>
#include "cmd/cmd.h"
int cmd_stream_main(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "stream: under construction\n"); return TL_EXIT_ERROR; }
