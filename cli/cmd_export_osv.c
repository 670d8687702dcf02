/* cmd_export_osv.c - `cratesec export-osv [DB] OUTDIR`: RustSec's OSV export
 * (`rustsec-admin osv`, spec §3), one OUTDIR/<ID>.json per advisory. */
#include "cli.h"

#include <stdlib.h>

static const char *opt_db, *opt_package;
static bool opt_no_git, opt_quiet;

static const cli_opt options[] = {
    {"db", 'd', "DIR", "advisory database checkout (default $CRATESEC_DB or ./advisory-db)",
     NULL, &opt_db, NULL, NULL},
    {"no-git", 0, NULL, "do not read git history; `modified` becomes the advisory's own date",
     &opt_no_git, NULL, NULL, NULL},
    {"package", 'p', "CRATE", "print CRATE's OSV array (rustsec.org/packages/CRATE.json)",
     NULL, &opt_package, NULL, NULL},
    {"quiet", 'q', NULL, "no summary line", &opt_quiet, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

static int export_package(csec_db *db, const char *package)
{
    csec_buf out = CSEC_BUF_INIT;
    int rc = csec_osv_write_package(&out, db, package);
    if (rc == 0)
        fwrite(out.ptr, 1, out.len, stdout);
    else
        fprintf(stderr, "cratesec export-osv: no exported advisory for crate `%s`\n", package);
    csec_buf_free(&out);
    return rc == 0 ? EXIT_OK : EXIT_FOUND;
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_export_osv, options, argc, argv);
    const char *db_path = opt_db, *outdir = NULL;
    if (n < 0)
        return EXIT_USAGE;
    if (opt_package ? n > 1 : (n < 1 || n > 2)) {
        cli_help(stderr, &cmd_export_osv, options);
        return EXIT_USAGE;
    }
    bool positional_db = n == (opt_package ? 1 : 2);
    if (positional_db && opt_db) {
        fprintf(stderr, "cratesec export-osv: give the database either as DB or with --db\n");
        return EXIT_USAGE;
    }
    if (positional_db)
        db_path = argv[0];
    if (!opt_package)
        outdir = argv[n - 1];

    csec_db *db = cli_open_db(db_path, false, !opt_no_git);
    if (!db)
        return EXIT_FOUND;
    int status = EXIT_OK;
    int64_t commit_time = 0;
    if (!opt_no_git && !csec_db_commit(db, &commit_time)) {
        fprintf(stderr,
                "cratesec export-osv: the database is not a git checkout, so the `modified` times\n"
                "of spec §3.5 are unknown; pass --no-git to use the advisories' own dates.\n");
        status = EXIT_USAGE;
    } else if (opt_package) {
        status = export_package(db, opt_package);
    } else {
        size_t written = 0;
        csec_diag d;
        if (csec_osv_export(db, outdir, &written, &d) < 0) {
            char msg[1024];
            fprintf(stderr, "cratesec export-osv: %s\n", csec_diag_format(msg, sizeof msg, &d));
            status = EXIT_USAGE;
        } else if (!opt_quiet) {
            printf("Exported %zu OSV records to %s\n", written, outdir);
        }
    }
    csec_db_free(db);
    return status;
}

const cli_cmd cmd_export_osv = {
    "export-osv", "[DB] OUTDIR",
    "export the crates advisories as OSV, one OUTDIR/<ID>.json each",
    "Writes what RustSec's `rustsec-admin osv crates` writes to the advisory-db `osv`\n"
    "branch, byte for byte: every advisory of the crates collection (withdrawn ones\n"
    "included; the rust collection and unknown informational kinds are skipped).\n"
    "OUTDIR is created if missing; existing files are overwritten, none are deleted.\n"
    "The database is DB, else --db, else $CRATESEC_DB, else ./advisory-db.\n"
    "\n"
    "`modified` is the last git commit that changed the advisory file (spec §3.5), so\n"
    "the database must be a git checkout (the directory itself, not a subdirectory).\n"
    "A database that is not one is an error, because guessed times would make OSV\n"
    "consumers miss updates; --no-git accepts that and writes, for `modified`, the\n"
    "withdrawal date if withdrawn, else the publication date (both at 12:00:00Z).\n"
    "\n"
    "With --package CRATE nothing is written to OUTDIR: the crate's records are printed\n"
    "as one JSON array like rustsec.org/packages/CRATE.json (newest advisory first).",
    run};
