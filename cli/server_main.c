/* server_main.c - cratesec-server [OPTIONS]: `cratesec serve` as its own
 * executable, the only one linked with the HTTP server and its libraries
 * (cli.h says why).  `cratesec serve ARGS` execs it with ARGS, so its
 * arguments, --help and exit status are those of `cratesec serve`. */
#include "cli.h"

#include <string.h>

int main(int argc, char **argv)
{
    /* First, before the loader, libgit2 or libcurl can start a thread. */
    cli_block_serve_signals();
    /* `cratesec watch ARGS` arrives as `cratesec-server watch ARGS`; serve
     * takes no positional argument, so the two cannot be confused. */
    if (argc > 1 && strcmp(argv[1], "watch") == 0)
        return cmd_watch_server.run(argc - 1, argv + 1);
    return cmd_serve_server.run(argc, argv);
}
