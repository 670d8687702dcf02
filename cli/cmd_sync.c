/* cmd_sync.c - `cratesec sync`: clone or fetch the advisory database
 * (csec_sync), with a progress bar on a terminal and plain lines otherwise,
 * then check that the checkout is whole (csec_sync_verify). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The crates.io index as a git repository (the layout --index DIR reads). */
#define INDEX_UPSTREAM_URL "https://github.com/rust-lang/crates.io-index.git"

static const char *opt_db, *opt_url, *opt_index;
static bool opt_quiet;

static const cli_opt options[] = {
    {"db", 'd', "DIR", "checkout to create or update (default $CRATESEC_DB or ./advisory-db)", NULL,
     &opt_db, NULL, NULL},
    {"index", 'i', "DIR",
     "sync a registry index checkout instead (a new clone: " INDEX_UPSTREAM_URL ")", NULL,
     &opt_index, NULL, NULL},
    {"url", 0, "URL", "git URL or path to fetch from (default: origin; a new clone: upstream)", NULL,
     &opt_url, NULL, NULL},
    {"quiet", 'q', NULL, "no progress output", &opt_quiet, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

typedef struct progress_printer {
    bool tty;
    const char *last_phase; /* the library's static strings */
    double last_print;      /* elapsed_s of the last line or redraw */
    bool bar_drawn;         /* a bar is on the current line */
} progress_printer;

static double mib(uint64_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

/* The numbers of one phase, shared by the bar and the plain lines. */
static void describe(char *out, size_t n, const csec_sync_progress *p)
{
    if (strcmp(p->phase, "receiving") == 0 || strcmp(p->phase, "resolving") == 0) {
        size_t done = strcmp(p->phase, "receiving") == 0 ? p->received_objects
                                                         : p->indexed_objects;
        double rate = p->elapsed_s > 0 ? mib(p->received_bytes) / p->elapsed_s : 0;
        unsigned percent =
            p->total_objects ? (unsigned)(100.0 * (double)done / (double)p->total_objects) : 0;
        snprintf(out, n, "%-10s %zu/%zu objects, %.1f MiB, %.1f MiB/s, %u%%", p->phase, done,
                 p->total_objects, mib(p->received_bytes), rate, percent);
    } else if (strcmp(p->phase, "checkout") == 0) {
        unsigned percent = p->checkout_total ? (unsigned)(100.0 * (double)p->checkout_done /
                                                          (double)p->checkout_total)
                                             : 0;
        snprintf(out, n, "%-10s %zu/%zu files, %u%%", p->phase, p->checkout_done,
                 p->checkout_total, percent);
    } else {
        snprintf(out, n, "%s", p->phase);
    }
}

static int on_progress(const csec_sync_progress *p, void *payload)
{
    progress_printer *pp = payload;
    bool new_phase = !pp->last_phase || strcmp(pp->last_phase, p->phase) != 0;
    pp->last_phase = p->phase;
    if (strcmp(p->phase, "done") == 0)
        return 0; /* the result line follows */
    /* A bar is redrawn ten times a second; plain lines once a second, plus
     * one whenever the phase changes. */
    if (!new_phase && p->elapsed_s - pp->last_print < (pp->tty ? 0.1 : 1.0))
        return 0;
    pp->last_print = p->elapsed_s;
    char text[200];
    describe(text, sizeof text, p);
    if (pp->tty) {
        /* \033[K clears what a longer previous bar left on the line. */
        fprintf(stderr, "\r%s\033[K", text);
        pp->bar_drawn = true;
    } else {
        fprintf(stderr, "sync: %s\n", text);
    }
    fflush(stderr);
    return 0;
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_sync, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    if (n != 0) {
        fprintf(stderr, "cratesec sync: unexpected argument `%s` (the directory is --db DIR)\n",
                argv[0]);
        return EXIT_USAGE;
    }
    const char *dir = cli_db_dir(opt_index ? opt_index : opt_db);
    if (opt_index && opt_db) {
        fprintf(stderr, "cratesec sync: give --db or --index, not both\n");
        return EXIT_USAGE;
    }
    /* A new clone of the index comes from crates.io's repository. */
    const char *url = opt_url;
    if (opt_index && !url) {
        struct stat st;
        if (stat(dir, &st) != 0)
            url = INDEX_UPSTREAM_URL;
    }

    progress_printer pp = {isatty(STDERR_FILENO) != 0, NULL, 0, false};
    csec_sync_result r;
    csec_diag d;
    char line[1024];
    int rc = csec_sync(&r, dir, url, opt_quiet ? NULL : on_progress, &pp, &d);
    if (pp.bar_drawn)
        fputc('\n', stderr);
    if (rc < 0) {
        cli_eprintf("cratesec sync: %s\n", csec_diag_format(line, sizeof line, &d));
        cli_eprintf("cratesec sync: %s was left as it was\n", dir);
        return EXIT_FOUND;
    }
    if (r.cloned)
        printf("cloned %s at %s\n", url ? url : CSEC_DB_UPSTREAM_URL, r.new_commit);
    else if (r.changed)
        printf("updated %s -> %s\n", r.old_commit[0] ? r.old_commit : "(none)", r.new_commit);
    else
        printf("already up to date at %s\n", r.new_commit);
    fflush(stdout);
    if (opt_index)
        return EXIT_OK; /* the checkout's files are not advisories to verify */

    char commit[41];
    if (csec_sync_verify(dir, commit, &d) < 0) {
        cli_eprintf("cratesec sync: checkout is not whole: %s\n",
                    csec_diag_format(line, sizeof line, &d));
        return EXIT_FOUND;
    }
    return EXIT_OK;
}

const cli_cmd cmd_sync = {
    "sync", "", "clone or update the advisory database (git)",
    "Clones URL into DIR when DIR does not exist or is empty; otherwise fetches\n"
    "from URL (default: the checkout's `origin`) and moves the checkout to the\n"
    "fetched default branch (a hard reset: crates/ and rust/ then equal that commit).\n"
    "URL is any git URL or local path; a new clone defaults to\n" CSEC_DB_UPSTREAM_URL ".\n"
    "A clone is made beside DIR and moved into place when complete; a failed fetch\n"
    "leaves the checkout as it was.  Afterwards the files under crates/ and rust/\n"
    "are compared with the commit.\n"
    "\n"
    "Progress goes to stderr: a bar (phase, objects, MiB, MiB/s, percent) on a\n"
    "terminal, otherwise `sync: ...` lines, at most one a second plus one per phase.\n"
    "The result goes to stdout: `cloned URL at COMMIT`, `updated OLD -> NEW` or\n"
    "`already up to date at COMMIT`.\n"
    "\n"
    "With --index DIR, the same for a registry index in the git-index layout (the\n"
    "directory `cratesec serve --index DIR` reads); a new clone defaults to\n"
    INDEX_UPSTREAM_URL ".\n"
    "A server with --index DIR --sync-every then fetches it too and applies each\n"
    "new commit's changed crate files.\n"
    "\n"
    "Exit status 0 when the database is cloned or up to date, 1 when the clone or\n"
    "fetch fails (DIR not a git repository, unreachable URL, cancelled) or the\n"
    "checkout does not match its commit afterwards, 2 for a usage error.",
    run};
