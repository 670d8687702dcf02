/* cmd_show.c - `cratesec show` (not written yet). */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cratesec show: not implemented yet\n");
    return EXIT_USAGE;
}

const cli_cmd cmd_show = {"show", "", "(not implemented yet)", NULL, run};
