/* server_main.c - cratesec-server [OPTIONS]: `cratesec serve` as its own
 * executable, the only one linked with the HTTP server and its libraries
 * (cli.h says why).  `cratesec serve ARGS` execs it with ARGS, so its
 * arguments, --help and exit status are those of `cratesec serve`. */
#include "cli.h"

int main(int argc, char **argv)
{
    /* First, before the loader, libgit2 or libcurl can start a thread. */
    cli_block_serve_signals();
    return cmd_serve_server.run(argc, argv);
}
