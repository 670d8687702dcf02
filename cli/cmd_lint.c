/* cmd_lint.c - `cratesec lint` (not written yet). */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cratesec lint: not implemented yet\n");
    return EXIT_USAGE;
}

const cli_cmd cmd_lint = {"lint", "", "(not implemented yet)", NULL, run};
