/* cmd_audit.c - `cratesec audit [Cargo.lock]`: cargo-audit over a lockfile
 * (spec §4), with its options, exit status and report formats, plus SARIF. */
#include "cli.h"
#include "index.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct strv {
    const char **items;
    size_t count;
} strv;

static const char *opt_db, *opt_file, *opt_index, *opt_format, *opt_color;
static bool opt_json, opt_quiet, opt_no_yanked, opt_no_tree, opt_lenient;
static strv opt_ignore, opt_deny, opt_arch, opt_os;

static void add(const char *value, void *payload)
{
    strv *v = payload;
    v->items = csec__xrealloc(v->items, csec__mul(v->count + 1, sizeof *v->items));
    v->items[v->count++] = value;
}

static const cli_opt options[] = {
    {"db", 'd', "DIR", CLI_DB_HELP, NULL, &opt_db, NULL, NULL},
    {"file", 'f', "FILE", "the lockfile (same as the argument; `-` reads stdin)", NULL, &opt_file,
     NULL, NULL},
    {"ignore", 0, "ID", "leave out this advisory (its own id; repeatable)", NULL, NULL, add,
     &opt_ignore},
    {"deny", 'D', "KIND", "fail on warnings of KIND: warnings|unmaintained|unsound|yanked", NULL,
     NULL, add, &opt_deny},
    {"target-arch", 0, "ARCH", "only advisories that concern ARCH (repeatable)", NULL, NULL, add,
     &opt_arch},
    {"target-os", 0, "OS", "only advisories that concern OS (repeatable)", NULL, NULL, add,
     &opt_os},
    {"index", 0, "DIR", "crates.io index checkout for the yanked check", NULL, &opt_index, NULL,
     NULL},
    {"no-yanked", 0, NULL, "skip the yanked check", &opt_no_yanked, NULL, NULL, NULL},
    {"format", 0, "FMT", "terminal (default), json or sarif", NULL, &opt_format, NULL, NULL},
    {"json", 0, NULL, "same as --format json (wins over --format)", &opt_json, NULL, NULL, NULL},
    {"quiet", 'q', NULL, "no status lines and no dependency trees", &opt_quiet, NULL, NULL, NULL},
    {"no-tree", 0, NULL, "leave out the dependency trees", &opt_no_tree, NULL, NULL, NULL},
    {"color", 'c', "WHEN", "always, never or auto (default: on a terminal, unless NO_COLOR)", NULL,
     &opt_color, NULL, NULL},
    {"lenient", 0, NULL, "a crate whose advisory files cannot all be loaded does not fail the run",
     &opt_lenient, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

enum format { FMT_TERMINAL, FMT_JSON, FMT_SARIF };

/* The yanked check against a loaded index.  Crates or versions the index
 * lacks are reported and do not change the exit status (spec §4.4). */
static int yanked_in_index(const char *name, const char *version, void *payload)
{
    const csec_index_crate *c = csec__index_find(payload, name);
    for (size_t i = 0; c && i < c->versions_count; i++)
        if (strcmp(c->versions[i].vers, version) == 0)
            return c->versions[i].yanked ? 1 : 0;
    cli_eprintf("error: couldn't check if %s %s is yanked: %s not found in the index\n", name,
                version, c ? "version" : "crate");
    return -1;
}

static void status_line(bool color, const char *word, const char *msg)
{
    if (color)
        fprintf(stdout, "\033[1;32m%12s\033[0m ", word);
    else
        fprintf(stdout, "%12s ", word);
    cli_write(stdout, msg, strlen(msg));
    fputc('\n', stdout);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_audit, options, argc, argv);
    int status = EXIT_USAGE;
    csec_lockfile *lf = NULL;
    csec_db *db = NULL;
    csec_index *idx = NULL;
    csec_audit_report *report = NULL;
    char *text = NULL;
    csec_buf out = CSEC_BUF_INIT, err = CSEC_BUF_INIT;
    csec_diag d;
    if (n < 0)
        goto done;
    if (n > 1 || (n == 1 && opt_file)) {
        fprintf(stderr, "cratesec audit: give one lockfile\n");
        goto done;
    }
    const char *path = n == 1 ? argv[0] : opt_file ? opt_file : "Cargo.lock";

    enum format fmt = FMT_TERMINAL;
    if (opt_format && strcmp(opt_format, "json") == 0)
        fmt = FMT_JSON;
    else if (opt_format && strcmp(opt_format, "sarif") == 0)
        fmt = FMT_SARIF;
    else if (opt_format && strcmp(opt_format, "terminal") != 0) {
        fprintf(stderr, "cratesec audit: unknown format `%s` (terminal, json or sarif)\n",
                opt_format);
        goto done;
    }
    if (opt_json)
        fmt = FMT_JSON;
    bool color = false;
    if (!opt_color || strcmp(opt_color, "auto") == 0) {
        const char *nc = getenv("NO_COLOR");
        color = isatty(STDOUT_FILENO) && !(nc && *nc);
    } else if (strcmp(opt_color, "always") == 0) {
        color = true;
    } else if (strcmp(opt_color, "never") != 0) {
        fprintf(stderr, "cratesec audit: --color takes always, never or auto\n");
        goto done;
    }
    /* The JSON and SARIF formats imply quiet (spec §4.1). */
    bool quiet = opt_quiet || fmt != FMT_TERMINAL;

    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    for (size_t i = 0; i < opt_deny.count; i++) {
        const char *k = opt_deny.items[i];
        if (strcmp(k, "warnings") == 0) {
            o.deny |= CSEC_WARNING_BIT(CSEC_WARNING_UNMAINTAINED) |
                      CSEC_WARNING_BIT(CSEC_WARNING_UNSOUND) |
                      CSEC_WARNING_BIT(CSEC_WARNING_YANKED);
        } else if (strcmp(k, "unmaintained") == 0) {
            o.deny |= CSEC_WARNING_BIT(CSEC_WARNING_UNMAINTAINED);
        } else if (strcmp(k, "unsound") == 0) {
            o.deny |= CSEC_WARNING_BIT(CSEC_WARNING_UNSOUND);
        } else if (strcmp(k, "yanked") == 0) {
            o.deny |= CSEC_WARNING_BIT(CSEC_WARNING_YANKED);
        } else {
            fprintf(stderr,
                    "cratesec audit: --deny `%s`: expected warnings, unmaintained, unsound or "
                    "yanked\n",
                    k);
            goto done;
        }
    }
    o.ignore = opt_ignore.items;
    o.ignore_count = opt_ignore.count;
    o.target_arch = opt_arch.items;
    o.target_arch_count = opt_arch.count;
    o.target_os = opt_os.items;
    o.target_os_count = opt_os.count;

    /* The lockfile first: a bad one is exit 2 whatever the database. */
    int rc;
    if (strcmp(path, "-") == 0) {
        size_t len = 0;
        rc = csec__read_fd(&text, &len, STDIN_FILENO, CSEC_LOCKFILE_MAX_BYTES, "<stdin>", &d);
        if (rc == 0)
            rc = csec_lockfile_parse(&lf, "<stdin>", text, len, &d);
    } else {
        rc = csec_lockfile_open(&lf, path, &d);
    }
    if (rc < 0) {
        char line[1024];
        cli_eprintf("error: couldn't load %s: %s\n", path, csec_diag_format(line, sizeof line, &d));
        goto done;
    }

    /* Only the lockfile's crates.io packages are audited, so only their
     * advisories are read: a few hundred files instead of every one. */
    const char **wanted = csec__xcalloc(csec_lockfile_count(lf) + 1, sizeof *wanted);
    size_t nwanted = 0;
    for (size_t i = 0; i < csec_lockfile_count(lf); i++) {
        const csec_lock_package *p = csec_lockfile_get(lf, i);
        if (p->crates_io)
            wanted[nwanted++] = p->name;
    }
    qsort(wanted, nwanted, sizeof *wanted, cmp_name);
    csec_db_options dbo = CSEC_DB_OPTIONS_INIT;
    dbo.packages = wanted;
    dbo.packages_count = nwanted;
    db = cli_open_db(opt_db, &dbo);
    /* A crate whose advisory files could not all be loaded may have an
     * advisory the report cannot show: the run fails for it. */
    bool tainted = false;
    for (size_t i = 0; db && i < nwanted; i++)
        if (i == 0 || strcmp(wanted[i], wanted[i - 1]) != 0)
            tainted |= cli_package_problem(db, wanted[i], opt_lenient);
    free(wanted);
    if (!db) {
        status = EXIT_FOUND;
        goto done;
    }
    if (!quiet) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%zu security advisories (from %s)", csec_db_total(db),
                 cli_db_dir(opt_db));
        status_line(color, "Loaded", msg);
    }
    if (opt_index && !opt_no_yanked) {
        if (!quiet)
            status_line(color, "Loading", "crates.io index");
        csec_index_options index_opts = CSEC_INDEX_OPTIONS_INIT;
        index_opts.threads = CSEC_INDEX_THREADS_PER_CPU; /* the whole index, for yanks */
        if (csec__index_open_dir_ex(&idx, opt_index, &index_opts, &d) < 0) {
            char line[1024];
            cli_eprintf("warning: couldn't load the crates.io index, skipping the yanked "
                        "check: %s\n",
                        csec_diag_format(line, sizeof line, &d));
        } else {
            o.yanked = yanked_in_index;
            o.yanked_payload = idx;
        }
    } else if (!opt_no_yanked && !opt_quiet) {
        fprintf(stderr, "note: yanked check skipped: no crates.io index given (--index DIR)\n");
    }
    if (!quiet) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s for vulnerabilities (%zu crate dependencies)", path,
                 csec_lockfile_count(lf));
        status_line(color, "Scanning", msg);
    }
    if (csec_audit(&report, db, lf, &o, &d) < 0) {
        cli_eprintf("cratesec audit: %s\n", d.msg);
        goto done;
    }
    /* cargo-audit ignores by the advisory's own id only (spec §4.4); say so
     * when an --ignore value is somebody's alias, since it then has no effect. */
    for (size_t i = 0; i < opt_ignore.count; i++) {
        const csec_advisory *a = csec_db_find(db, opt_ignore.items[i]);
        if (a && strcmp(a->id, opt_ignore.items[i]) != 0)
            fprintf(stderr,
                    "warning: --ignore %s: that is an alias of %s; advisories are ignored by "
                    "their own id (use --ignore %s)\n",
                    opt_ignore.items[i], a->id, a->id);
    }
    fflush(stdout);
    if (fmt == FMT_JSON)
        csec_audit_write_json(&out, report);
    else if (fmt == FMT_SARIF)
        csec_audit_write_sarif(&out, report, strcmp(path, "-") == 0 ? "Cargo.lock" : path);
    else
        csec_audit_write_text(&out, &err, report,
                              (color ? CSEC_AUDIT_TEXT_COLOR : 0u) |
                                  (opt_quiet || opt_no_tree ? CSEC_AUDIT_TEXT_NO_TREE : 0u));
    fwrite(out.ptr ? out.ptr : "", 1, out.len, stdout);
    fflush(stdout);
    fwrite(err.ptr ? err.ptr : "", 1, err.len, stderr);
    status = tainted ? EXIT_FOUND : csec_audit_status(report);
done:
    csec_buf_free(&out);
    csec_buf_free(&err);
    csec_audit_report_free(report);
    csec__index_free(idx);
    csec_db_free(db);
    csec_lockfile_free(lf);
    free(text);
    free(opt_ignore.items);
    free(opt_deny.items);
    free(opt_arch.items);
    free(opt_os.items);
    return status;
}

const cli_cmd cmd_audit = {
    "audit", "[Cargo.lock]", "audit a Cargo.lock for vulnerable crates, as cargo-audit does",
    "Reads a Cargo.lock (formats v1 to v4; default ./Cargo.lock, `-` for stdin)\n"
    "and reports every crates.io package affected by an advisory (spec §4):\n"
    "vulnerabilities, and warnings for unmaintained, unsound and notice advisories\n"
    "and, with --index DIR (a crates.io index checkout), yanked versions. Withdrawn\n"
    "advisories are never reported; git, path and other-registry packages are not\n"
    "audited. Each finding shows the shortest chain of dependents from a root\n"
    "package (`Via:`) and, unless -q/--no-tree, cargo-audit's reverse tree.\n"
    "\n"
    "--format json writes cargo-audit's JSON report, --format sarif a SARIF 2.1.0\n"
    "log for code-scanning tools. --ignore takes advisory ids (RUSTSEC-, CVE-,\n"
    "GHSA-...); like cargo-audit, it matches the advisory's own id, not its aliases.\n"
    "--deny warnings denies unmaintained, unsound and yanked (never notices).\n"
    "\n"
    "A lockfile is read up to 32 MiB (anything larger, /dev/zero or an endless\n"
    "stdin, is refused with exit status 2). Only the lockfile's crates' advisory\n"
    "files are read; when one of them cannot be loaded (it does not parse, is too\n"
    "large, names another package, or shares its id with another file), the error\n"
    "names the file and position and the run fails (exit status 1): an advisory of\n"
    "that crate may be missing from the report. --lenient keeps the report's own\n"
    "status (cargo-audit's behaviour for an advisory it skips).\n"
    "\n"
    "Exit status (cargo-audit's): 0 nothing denied found; 1 a vulnerability or a\n"
    "denied warning, a crate's advisory file that cannot be loaded (unless\n"
    "--lenient), or the database could not be loaded; 2 the lockfile is missing,\n"
    "too large or malformed (the error gives file:line:col), or a usage error.",
    run};
