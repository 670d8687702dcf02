/* cmd_export_osv.c - `cratesec export-osv [DB] OUTDIR`: RustSec's OSV export
 * (`rustsec-admin osv`, spec §3), one OUTDIR/<ID>.json per advisory. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *opt_db, *opt_package;
static bool opt_no_git, opt_quiet, opt_packages;

static const cli_opt options[] = {
    {"db", 'd', "DIR", CLI_DB_HELP, NULL, &opt_db, NULL, NULL},
    {"no-git", 0, NULL, "do not read git history; `modified` becomes the advisory's own date",
     &opt_no_git, NULL, NULL, NULL},
    {"package", 'p', "CRATE", "print CRATE's OSV array (rustsec.org/packages/CRATE.json)", NULL,
     &opt_package, NULL, NULL},
    {"packages", 0, NULL, "also write OUTDIR/packages/CRATE.json for every crate", &opt_packages,
     NULL, NULL, NULL},
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
        cli_eprintf("cratesec export-osv: no exported advisory for crate `%s`\n", package);
    csec_buf_free(&out);
    return rc == 0 ? EXIT_OK : EXIT_FOUND;
}

/* OUTDIR/packages/<crate>.json for every crate with an exported advisory,
 * as rustsec.org publishes them.  Advisories are in load order (sorted by
 * package), so each crate's run is contiguous and is written once. */
static int export_packages(csec_db *db, const char *outdir, size_t *files)
{
    int status = EXIT_OK;
    csec_buf path = CSEC_BUF_INIT, doc = CSEC_BUF_INIT;
    const char *last = NULL;
    *files = 0;
    csec_buf_printf(&path, "%s/packages", outdir);
    if (mkdir(path.ptr, 0777) != 0 && errno != EEXIST) {
        cli_eprintf("cratesec export-osv: cannot create %s: %s\n", path.ptr, strerror(errno));
        status = EXIT_USAGE;
        goto done;
    }
    for (size_t i = 0, n = csec_db_count(db); i < n; i++) {
        const csec_advisory *a = csec_db_get(db, i);
        if (a->collection != CSEC_COLLECTION_CRATES || (last && strcmp(last, a->package) == 0))
            continue;
        last = a->package;
        /* The name is a directory name of the database; still, never let it
         * name a file outside OUTDIR/packages. */
        if (a->package[0] == '\0' || a->package[0] == '.' || strchr(a->package, '/'))
            continue;
        csec_buf_clear(&doc);
        if (csec_osv_write_package(&doc, db, a->package) != 0)
            continue; /* nothing exportable (only unknown informational kinds) */
        csec_buf_clear(&path);
        csec_buf_printf(&path, "%s/packages/%s.json", outdir, a->package);
        FILE *f = fopen(path.ptr, "wb");
        bool ok = f && fwrite(doc.ptr, 1, doc.len, f) == doc.len;
        if (f)
            ok = fclose(f) == 0 && ok;
        if (!ok) {
            cli_eprintf("cratesec export-osv: cannot write %s: %s\n", path.ptr, strerror(errno));
            status = EXIT_USAGE;
            goto done;
        }
        (*files)++;
    }
done:
    csec_buf_free(&path);
    csec_buf_free(&doc);
    return status;
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
    if (opt_package && opt_packages) {
        fprintf(stderr, "cratesec export-osv: --package prints one crate; --packages writes all\n");
        return EXIT_USAGE;
    }
    if (positional_db && opt_db) {
        fprintf(stderr, "cratesec export-osv: give the database either as DB or with --db\n");
        return EXIT_USAGE;
    }
    if (positional_db)
        db_path = argv[0];
    if (!opt_package)
        outdir = argv[n - 1];

    csec_db_options dbo = CSEC_DB_OPTIONS_INIT;
    dbo.git_times = !opt_no_git;
    csec_db *db = cli_open_db(db_path, &dbo);
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
            cli_eprintf("cratesec export-osv: %s\n", csec_diag_format(msg, sizeof msg, &d));
            status = EXIT_USAGE;
        } else {
            size_t crates = 0;
            if (opt_packages)
                status = export_packages(db, outdir, &crates);
            if (status == EXIT_OK && !opt_quiet) {
                printf("Exported %zu OSV records to %s\n", written, outdir);
                if (opt_packages)
                    printf("Exported %zu per-crate arrays to %s/packages\n", crates, outdir);
            }
        }
    }
    csec_db_free(db);
    return status;
}

const cli_cmd cmd_export_osv = {
    "export-osv", "[DB] OUTDIR", "export the crates advisories as OSV, one OUTDIR/<ID>.json each",
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
    "--packages also writes OUTDIR/packages/CRATE.json for every crate that has an\n"
    "exported advisory: the JSON array of its OSV records that rustsec.org serves as\n"
    "/packages/CRATE.json and crates.io's Security tab reads (a crate without one gets\n"
    "no file, which the web server turns into the 404 crates.io reads as \"none\").\n"
    "With --package CRATE nothing is written to OUTDIR: that one array is printed.\n"
    "Order inside an array: newest advisory ID first.  rustsec.org sorts by the day git\n"
    "first saw each file (ties in directory order); the ID is the stand-in, and the\n"
    "records themselves are identical.  The rust collection (std, cargo, rustdoc),\n"
    "which rustsec.org also lists, is not written: its OSV records are not exported.\n"
    "\n"
    "Exit status 0 when everything was written (or printed), 1 when the database\n"
    "cannot be loaded or --package names a crate without an exported advisory, 2 for\n"
    "a usage error, a database that is not a git checkout (without --no-git) or an\n"
    "OUTDIR that cannot be written.",
    run};
