/* cmd_show.c - `cratesec show ID`: one advisory, by RUSTSEC id or alias. */
#include "cli.h"
#include "present.h"

#include <string.h>

static const char *opt_db;
static bool opt_json, opt_osv;

static const cli_opt options[] = {
    {"db", 'd', "DIR", CLI_DB_HELP, NULL, &opt_db, NULL, NULL},
    {"json", 0, NULL, "print the advisory as one JSON object", &opt_json, NULL, NULL, NULL},
    {"osv", 0, NULL, "print the advisory's OSV record (crates collection only)", &opt_osv, NULL,
     NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

static void line(csec_buf *out, const char *label, const char *value)
{
    if (value && *value)
        csec_buf_printf(out, "%-12s %s\n", label, value);
}

static void list(csec_buf *out, const char *label, csec_strlist l)
{
    if (!l.count)
        return;
    csec_buf_printf(out, "%-12s", label);
    for (size_t i = 0; i < l.count; i++)
        csec_buf_printf(out, "%s%s", i ? ", " : " ", l.items[i]);
    csec_buf_putc(out, '\n');
}

static void text(csec_buf *out, const csec_advisory *a)
{
    char date[11];
    csec_buf_printf(out, "%s: %s\n\n", a->id, a->title);
    if (a->withdrawn.year) {
        csec__word_withdrawn(out, a);
        csec_buf_puts(out, "\n\n");
    }
    line(out, "Package:", a->package);
    line(out, "Kind:", csec__word_kind(a));
    line(out, "Date:", csec__word_date_text(date, a->date));
    if (a->withdrawn.year)
        line(out, "Withdrawn:", csec__word_date_text(date, a->withdrawn));
    list(out, "Aliases:", a->aliases);
    list(out, "Related:", a->related);
    list(out, "Categories:", a->categories);
    list(out, "Keywords:", a->keywords);
    if (a->cvss)
        csec_buf_printf(out, "%-12s %.1f (%s) %s\n", "CVSS:", a->cvss->score,
                        csec_severity_name(a->cvss->severity), a->cvss->canonical);
    csec_buf_printf(out, "%-12s ", "Affected:");
    csec__word_ranges(out, a, NULL);
    csec_buf_printf(out, "\n%-12s ", "Patched:");
    csec__word_reqs(out, a->patched, a->patched_count, "none");
    csec_buf_putc(out, '\n');
    if (a->unaffected_count) {
        csec_buf_printf(out, "%-12s ", "Unaffected:");
        csec__word_reqs(out, a->unaffected, a->unaffected_count, "none");
        csec_buf_putc(out, '\n');
    }
    list(out, "Arch:", a->arch);
    list(out, "OS:", a->os);
    for (size_t i = 0; i < a->functions_count; i++) {
        csec_buf_printf(out, "%-12s %s (", i ? "" : "Functions:", a->functions[i].path);
        csec__word_reqs(out, a->functions[i].reqs, a->functions[i].count, "");
        csec_buf_puts(out, ")\n");
    }
    line(out, "URL:", a->url);
    list(out, "References:", a->references);
    line(out, "License:", a->license);
    if (a->description && *a->description)
        csec_buf_printf(out, "\n%s\n", a->description);
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_show, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    if (n != 1) {
        fprintf(stderr, "cratesec show: name exactly one advisory ID or alias\n");
        return EXIT_USAGE;
    }
    csec_db_options dbo = CSEC_DB_OPTIONS_INIT;
    dbo.git_times = opt_osv;
    csec_db *db = cli_open_db(opt_db, &dbo);
    if (!db)
        return EXIT_FOUND;
    int status = EXIT_OK;
    /* Every advisory with that id (a duplicate id loads from each file). */
    const csec_advisory *found[8];
    size_t nfound = csec_db_find_all(db, argv[0], found, 8);
    if (nfound > 8)
        nfound = 8;
    csec_buf out = CSEC_BUF_INIT;
    if (!nfound) {
        cli_eprintf("cratesec show: no advisory with id or alias `%s`\n", argv[0]);
        status = EXIT_FOUND;
    } else if (nfound > 1) {
        cli_eprintf("cratesec show: warning: %zu advisories answer to `%s`; showing each\n", nfound,
                    argv[0]);
    }
    for (size_t i = 0; i < nfound; i++) {
        const csec_advisory *a = found[i];
        if (i && !opt_json && !opt_osv)
            csec_buf_putc(&out, '\n');
        if (opt_osv) {
            if (csec_osv_write(&out, a, 0) < 0) {
                cli_eprintf("cratesec show: %s is not exported to OSV (%s)\n", a->id,
                            a->collection == CSEC_COLLECTION_RUST ? "rust collection"
                                                                  : "informational kind");
                status = EXIT_FOUND;
            } else {
                csec_buf_putc(&out, '\n');
            }
        } else if (opt_json) {
            present_json(&out, a, -1, NULL);
            csec_buf_putc(&out, '\n');
        } else {
            text(&out, a);
        }
    }
    if (opt_osv || opt_json)
        fwrite(out.ptr ? out.ptr : "", 1, out.len, stdout);
    else
        cli_write(stdout, out.ptr ? out.ptr : "", out.len);
    csec_buf_free(&out);
    csec_db_free(db);
    return status;
}

const cli_cmd cmd_show = {
    "show", "ID", "show one advisory by RUSTSEC id or alias (CVE, GHSA)",
    "ID is an advisory id (RUSTSEC-2020-0071, or CVE-... for the rust collection) or\n"
    "one of an advisory's aliases (CVE-2020-26235, GHSA-...), matched exactly; when\n"
    "several advisories answer to it (an id in two files), each is shown.\n"
    "Prints the fields, the affected ranges (RustSec's interval semantics, spec §2.4),\n"
    "then the description. --json prints one object with the fields of `check --json`;\n"
    "--osv the record `export-osv` would write (modified times from git when the\n"
    "database is a git checkout).\n"
    "\n"
    "Exit status 0 when the advisory is found, 1 when no advisory has that id or alias\n"
    "(or --osv and it is not exported) or the database cannot be loaded, 2 for a usage\n"
    "error.",
    run};
