/* cmd_semver.c - `cratesec semver` (not written yet). */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cratesec semver: not implemented yet\n");
    return EXIT_USAGE;
}

const cli_cmd cmd_semver = {"semver", "", "(not implemented yet)", NULL, run};
