/* cmd_check.c - `cratesec check` (not written yet). */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cratesec check: not implemented yet\n");
    return EXIT_USAGE;
}

const cli_cmd cmd_check = {"check", "", "(not implemented yet)", NULL, run};
