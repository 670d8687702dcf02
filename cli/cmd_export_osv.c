/* cmd_export_osv.c - `cratesec export-osv` (not written yet). */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cratesec export-osv: not implemented yet\n");
    return EXIT_USAGE;
}

const cli_cmd cmd_export_osv = {"export-osv", "", "(not implemented yet)", NULL, run};
