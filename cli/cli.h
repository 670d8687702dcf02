/* cli.h - the cratesec command line: one command table (main.c), one option
 * parser driven by per-command option tables (opt.c), one file per command.
 *
 * Exit codes, for every command (also in --help and the README):
 *   0  success, nothing found that the command reports as a problem
 *   1  the command found what it looks for (affected versions, lint errors),
 *      or the negative answer of a lookup (no version satisfies a requirement,
 *      no advisory has that id), or the advisory database could not be loaded
 *      (as cargo-audit, spec §4.5), or (check, audit) a file of a crate being
 *      checked could not be loaded (unless --lenient)
 *   2  usage error or unreadable/invalid input
 */
#ifndef CSEC_CLI_H
#define CSEC_CLI_H

#include "cratesec.h"

#include <stdbool.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FOUND = 1, EXIT_USAGE = 2 };

/* One option: --long (and -s if short != 0).  `arg` names the value for
 * --help; NULL means a flag.  Parsed values land in `*flag` or `*value`
 * (the last one given), or are appended through `multi` when set. */
typedef struct cli_opt {
    const char *name;
    char short_name;
    const char *arg;
    const char *help;
    bool *flag;
    const char **value;
    void (*multi)(const char *value, void *payload);
    void *payload;
} cli_opt;

typedef struct cli_cmd {
    const char *name;
    const char *usage;   /* "CRATE[@VERSION]..." */
    const char *summary; /* one line */
    const char *details; /* paragraphs for --help, may be NULL */
    int (*run)(int argc, char **argv);
} cli_cmd;

/* Parses argv[1..] (argv[0] is the command name) against `opts` (terminated
 * by a {NULL} entry) plus --help, which prints help and exits 0.  Positional
 * arguments are compacted to the front of argv; returns their count, or -1
 * after printing a usage error. */
int cli_parse(const cli_cmd *cmd, const cli_opt *opts, int argc, char **argv);
void cli_help(FILE *out, const cli_cmd *cmd, const cli_opt *opts);

/* The database directory a command works on: `given` (--db, or lint's DB),
 * else $CRATESEC_DB, else ./advisory-db, which an empty value also means.
 * CLI_DB_HELP is --db's help in the commands that read the database. */
const char *cli_db_dir(const char *given);
#define CLI_DB_HELP "advisory database checkout (default $CRATESEC_DB or ./advisory-db)"

/* Loads the advisory database for a command: cli_db_dir(path), with `opts` (NULL: the defaults;
 * on_error is always the CLI's).  Reports load errors on stderr; returns NULL on failure. */
csec_db *cli_open_db(const char *path, const csec_db_options *opts);

/* A crate's load problem (csec_db_package_error), for check and audit: prints
 * it as an error (a warning with `lenient`) naming the file and position,
 * and returns true when the run must fail for it (not lenient). */
bool cli_package_problem(const csec_db *db, const char *name, bool lenient);

/* Every text the commands print goes through these: control characters
 * (from advisory text, lockfiles, file names) are written as visible
 * escapes, never sent to the terminal (csec__buf_put_printable).  JSON
 * output is escaped by its writer and printed as is. */
void cli_write(FILE *f, const char *s, size_t len);
void cli_eprintf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Blocks the signals `cratesec serve` handles itself (SIGTERM and SIGINT:
 * stop; SIGHUP: reload) in the calling thread, before any other thread
 * exists, so that every thread inherits the mask and only the HTTP layer's
 * sigwait receives them (server/http.c); a signal arriving earlier, during
 * start-up, waits until then instead of ending the process.  The mask
 * survives exec: `cratesec serve` blocks them before it execs the server,
 * and cratesec-server first thing in main. */
void cli_block_serve_signals(void);

#define CLI_COMMANDS(X)                                                                            \
    X(check)                                                                                       \
    X(audit)                                                                                       \
    X(show)                                                                                        \
    X(lint)                                                                                        \
    X(export_osv)                                                                                  \
    X(serve)                                                                                       \
    X(deps)                                                                                        \
    X(sync)                                                                                        \
    X(watch)                                                                                       \
    X(semver)

#define CLI__DECLARE(name) extern const cli_cmd cmd_##name;
CLI_COMMANDS(CLI__DECLARE)
#undef CLI__DECLARE

/* `serve` is its own executable, cratesec-server (cli/server_main.c), so that
 * the other commands do not load the HTTP server's libraries (libmicrohttpd,
 * cmark-gfm, libcurl and some 40 they pull in: over 10 ms per process).  In
 * cratesec's table, cmd_serve only execs cratesec-server from the directory
 * of the running executable (cli/main.c); cmd_serve_server (cli/cmd_serve.c)
 * is the command itself, which cratesec-server runs. */
#define CLI_SERVER_EXECUTABLE "cratesec-server"
#define CLI_SERVE_SUMMARY "serve the web site: crate pages with a Security tab, advisories, search"
extern const cli_cmd cmd_serve_server;
/* `watch` works on the server's state (SQLite, libpq), so it lives in
 * cratesec-server too: `cratesec watch ARGS` execs `cratesec-server watch
 * ARGS` (cli/cmd_watch.c). */
#define CLI_WATCH_SUMMARY "back up, restore or inspect the server's state (watch lists, reports)"
extern const cli_cmd cmd_watch_server;

#endif
