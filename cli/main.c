/* main.c - `cratesec COMMAND ...`: the command table and top-level help. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const cli_cmd *const commands[] = {
#define CLI__ENTRY(name) &cmd_##name,
    CLI_COMMANDS(CLI__ENTRY)
#undef CLI__ENTRY
};

static void usage(FILE *out)
{
    fprintf(out, "usage: cratesec COMMAND [OPTIONS] [ARGS]\n\n"
                 "RustSec advisories: check crates, lint and export the database.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\nRun `cratesec COMMAND --help` for the arguments and options of one command;\n"
                 "check, show, lint and semver take --json. The advisory database is --db DIR,\n"
                 "else $CRATESEC_DB, else ./advisory-db.\n\n"
                 "Exit status, for every command:\n"
                 "  0  success, nothing found (no affected version, no lint problem)\n"
                 "  1  found: an affected version, lint problems, no version satisfying a\n"
                 "     requirement, no advisory with that id; or the database not loadable\n"
                 "  2  usage error or invalid input (bad version, bad requirement)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("cratesec %s\n", csec_version_string());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i]->name) == 0)
            return commands[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "cratesec: unknown command `%s`\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
