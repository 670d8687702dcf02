/* main.c - `cratesec COMMAND ...`: the command table and top-level help. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* `cratesec serve ARGS` becomes `cratesec-server ARGS`, the executable in the
 * directory of this one (/proc/self/exe, so a symlink to cratesec still finds
 * its own server).  execv, not fork: the server keeps this process's id, so
 * systemd's main pid and the signals sent to it (SIGHUP reload, SIGTERM) are
 * the server's.  argv[0] is "serve"; argv ends with NULL after argv[argc]. */
static int exec_server_verb(int argc, char **argv, const char *verb)
{
    char self[PATH_MAX], server[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len < 0 || (size_t)len >= sizeof self - 1) {
        fprintf(stderr, "cratesec %s: cannot find the running executable (/proc/self/exe): %s\n",
                verb ? verb : "serve", len < 0 ? strerror(errno) : "path too long");
        return EXIT_FOUND;
    }
    self[len] = '\0';
    char *slash = strrchr(self, '/');
    int dir_len = slash ? (int)(slash - self + 1) : 0;
    if (snprintf(server, sizeof server, "%.*s%s", dir_len, self, CLI_SERVER_EXECUTABLE) >=
        (int)sizeof server) {
        fprintf(stderr, "cratesec %s: the path of %s beside %s is too long\n",
                verb ? verb : "serve", CLI_SERVER_EXECUTABLE, self);
        return EXIT_FOUND;
    }
    /* `cratesec watch ARGS` is `cratesec-server watch ARGS`; `cratesec serve
     * ARGS` is `cratesec-server ARGS`. */
    char **args = argv;
    if (verb) {
        args = calloc((size_t)argc + 2, sizeof *args);
        if (!args)
            return EXIT_FOUND;
        args[1] = (char *)verb;
        for (int i = 1; i < argc; i++)
            args[i + 1] = argv[i];
    }
    args[0] = server;
    /* The server's registry index is hundreds of MB of small allocations:
     * glibc's malloc asks for transparent huge pages for its heap with this
     * tunable (glibc 2.35+; ignored by older ones and where the kernel's THP
     * is "never").  At today's registry size a fresh load makes 124,000
     * page faults, and two loader threads faulting in one address space
     * wait for each other in the kernel.  bench/index.sh measures the 8x
     * load with and without it (a fresh process per run; two interleaved
     * pairs: 5,852 and 6,332 ms against 6,869 and 6,553).  A GLIBC_TUNABLES
     * the user set is left as it is. */
    if (!verb)
        setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 0);
    /* A SIGHUP between the exec and the server's main would end the process. */
    cli_block_serve_signals();
    execv(server, args);
    fprintf(stderr,
            "cratesec %s: cannot run the server %s: %s (`make install` puts %s beside "
            "cratesec)\n",
            verb ? verb : "serve", server, strerror(errno), CLI_SERVER_EXECUTABLE);
    return EXIT_FOUND;
}

static int exec_server(int argc, char **argv)
{
    return exec_server_verb(argc, argv, NULL);
}

static int exec_watch(int argc, char **argv)
{
    return exec_server_verb(argc, argv, "watch");
}

const cli_cmd cmd_serve = {"serve", "", CLI_SERVE_SUMMARY, NULL, exec_server};
const cli_cmd cmd_watch = {"watch", "", CLI_WATCH_SUMMARY, NULL, exec_watch};

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
                 "     (check, audit: or an advisory file of a checked crate, unless\n"
                 "     --lenient; serve: or its executable, cratesec-server, not found)\n"
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
