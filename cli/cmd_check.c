/* cmd_check.c - `cratesec check CRATE[@VERSION]...`: the advisories of one or
 * more crates, marking which affect each given version. */
#include "cli.h"
#include "crate_name.h"
#include "present.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *opt_db;
static bool opt_json, opt_all, opt_strict, opt_lenient;

static const cli_opt options[] = {
    {"db", 'd', "DIR", CLI_DB_HELP, NULL, &opt_db, NULL, NULL},
    {"json", 0, NULL, "print JSON instead of text", &opt_json, NULL, NULL, NULL},
    {"all", 'a', NULL, "also list withdrawn advisories", &opt_all, NULL, NULL, NULL},
    {"strict", 0, NULL, "exit 1 for unsound and unmaintained advisories too (not notices)",
     &opt_strict, NULL, NULL, NULL},
    {"lenient", 0, NULL, "a crate whose advisory files cannot all be loaded is not an error",
     &opt_lenient, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* Advisory package names are exact; crates.io treats `-` and `_` as the
 * same and ignores case, so that comparison is the fallback when the exact
 * name has no advisories. */
static const csec_advisory *const *find_crate(const csec_db *db, const char *name, size_t *n)
{
    const csec_advisory *const *list = csec_db_by_package(db, CSEC_COLLECTION_CRATES, name, n);
    if (list)
        return list;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *a = csec_db_get(db, i);
        if (a->collection == CSEC_COLLECTION_CRATES &&
            csec__crate_name_eq(a->package, strlen(a->package), name, strlen(name)))
            return csec_db_by_package(db, CSEC_COLLECTION_CRATES, a->package, n);
    }
    *n = 0;
    return NULL;
}

/* Whether an advisory that affects a given version (so not withdrawn) counts
 * toward the exit status.  --strict is cargo-audit's `--deny warnings`, which
 * never denies notices (spec §4.5), nor kinds it does not know. */
static bool counts(const csec_advisory *a)
{
    return a->informational == CSEC_INFO_NONE ||
           (opt_strict &&
            (a->informational == CSEC_INFO_UNMAINTAINED || a->informational == CSEC_INFO_UNSOUND));
}

static void text_one(csec_buf *out, const csec_advisory *a, const csec_version *v, bool affected)
{
    char date[11];
    const char *mark = !v ? "" : affected ? "AFFECTED  " : "ok        ";
    if (csec_advisory_is_withdrawn(a))
        mark = v ? "withdrawn " : "";
    /* The widest kind name, "Malicious code", is 14 characters. */
    csec_buf_printf(out, "  %s%s  %-14s %s  %s\n", mark, a->id, csec__word_kind(a),
                    csec__word_date_text(date, a->date), a->title);
    csec_buf_printf(out, "  %s    affected:   ", v ? "          " : "");
    csec__word_ranges(out, a, NULL);
    csec_buf_puts(out, "\n");
    if (a->patched_count) {
        csec_buf_printf(out, "  %s    patched:    ", v ? "          " : "");
        csec__word_reqs(out, a->patched, a->patched_count, "");
        csec_buf_puts(out, "\n");
    }
    if (a->unaffected_count) {
        csec_buf_printf(out, "  %s    unaffected: ", v ? "          " : "");
        csec__word_reqs(out, a->unaffected, a->unaffected_count, "");
        csec_buf_puts(out, "\n");
    }
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_check, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    if (n == 0) {
        fprintf(stderr, "cratesec check: name at least one CRATE[@VERSION]\n");
        return EXIT_USAGE;
    }
    /* Validate every argument before loading anything.  argv[i] keeps the
     * crate name; vtext[i] the version text or NULL. */
    csec_version *versions = csec__xcalloc((size_t)n, sizeof *versions);
    const char **vtext = csec__xcalloc((size_t)n, sizeof *vtext);
    int status = EXIT_OK;
    for (int i = 0; i < n; i++) {
        char *at = strchr(argv[i], '@');
        if (at)
            *at = '\0';
        if (!argv[i][0]) {
            if (at)
                cli_eprintf("cratesec check: `@%s`: missing crate name before `@`\n", at + 1);
            else
                cli_eprintf("cratesec check: empty CRATE argument\n");
            status = EXIT_USAGE;
            continue;
        }
        if (!at)
            continue;
        vtext[i] = at + 1;
        csec_diag d;
        if (csec_version_parse(&versions[i], vtext[i], strlen(vtext[i]), &d) < 0) {
            cli_eprintf("cratesec check: `%s@%s`: invalid version at column %u: %s\n", argv[i],
                        vtext[i], d.col, d.msg);
            status = EXIT_USAGE;
        }
    }
    if (status != EXIT_OK)
        goto done;
    /* Only the named crates' directories are read (any spelling crates.io
     * takes for the same name). */
    csec_db_options dbo = CSEC_DB_OPTIONS_INIT;
    dbo.packages = (const char *const *)argv;
    dbo.packages_count = (size_t)n;
    csec_db *db = cli_open_db(opt_db, &dbo);
    if (!db) {
        status = EXIT_FOUND;
        goto done;
    }
    csec_buf out = CSEC_BUF_INIT;
    if (opt_json)
        csec_buf_putc(&out, '[');
    for (int i = 0; i < n; i++) {
        const csec_version *v = vtext[i] ? &versions[i] : NULL;
        size_t count = 0;
        const csec_advisory *const *list = find_crate(db, argv[i], &count);
        /* The name as the database spells it, when found under another
         * spelling (`bar_baz` for `bar-baz`). */
        const char *package = count ? list[0]->package : NULL;
        bool renamed = package && strcmp(package, argv[i]) != 0;
        if (cli_package_problem(db, argv[i], opt_lenient))
            status = EXIT_FOUND;
        else if (!count)
            cli_eprintf("cratesec check: note: no advisory names crate `%s`\n", argv[i]);
        size_t shown = 0, hits = 0;
        csec_buf body = CSEC_BUF_INIT;
        for (size_t k = 0; k < count; k++) {
            const csec_advisory *a = list[k];
            if (csec_advisory_is_withdrawn(a) && !opt_all)
                continue;
            bool affected = v && !csec_advisory_is_withdrawn(a) && csec_advisory_affects(a, v);
            if (affected)
                hits++;
            if (affected && counts(a))
                status = EXIT_FOUND;
            if (opt_json) {
                if (shown)
                    csec_buf_putc(&body, ',');
                present_json(&body, a, v ? affected : -1, v);
            } else {
                text_one(&body, a, v, affected);
            }
            shown++;
        }
        if (opt_json) {
            if (i)
                csec_buf_putc(&out, ',');
            csec_buf_puts(&out, "{\"crate\":");
            csec_json_string(&out, argv[i], strlen(argv[i]));
            csec_buf_puts(&out, ",\"version\":");
            if (v)
                csec_json_string(&out, vtext[i], strlen(vtext[i]));
            else
                csec_buf_puts(&out, "null");
            csec_buf_puts(&out, ",\"package\":");
            if (package)
                csec_json_string(&out, package, strlen(package));
            else
                csec_buf_puts(&out, "null");
            csec_buf_printf(&out, ",\"affected_count\":%zu,\"advisories\":[", hits);
            csec_buf_put(&out, body.ptr ? body.ptr : "", body.len);
            csec_buf_puts(&out, "]}");
        } else {
            csec_buf_printf(&out, "%s%s%s", argv[i], v ? "@" : "", v ? vtext[i] : "");
            if (renamed)
                csec_buf_printf(&out, " (%s)", package);
            csec_buf_printf(&out, ": %zu advisor%s", shown, shown == 1 ? "y" : "ies");
            if (v)
                csec_buf_printf(&out, ", %zu affect%s %s", hits, hits == 1 ? "s" : "", vtext[i]);
            csec_buf_puts(&out, "\n");
            csec_buf_put(&out, body.ptr ? body.ptr : "", body.len);
        }
        csec_buf_free(&body);
    }
    if (opt_json) {
        csec_buf_puts(&out, "]\n");
        fwrite(out.ptr, 1, out.len, stdout);
    } else {
        cli_write(stdout, out.ptr, out.len);
    }
    csec_buf_free(&out);
    csec_db_free(db);
done:
    free(versions);
    free(vtext);
    return status;
}

const cli_cmd cmd_check = {
    "check", "CRATE[@VERSION]...", "list the advisories of crates; mark those affecting VERSION",
    "For each CRATE, prints `CRATE[@VERSION]: N advisories[, M affect VERSION]` and\n"
    "then its advisories in database order (oldest id first; withdrawn ones only with\n"
    "--all), each with its affected ranges and patched requirements. With @VERSION\n"
    "each advisory is marked AFFECTED or ok, using RustSec's interval semantics\n"
    "(spec §2.4), exactly as cargo-audit decides. Crate names are exact; when a name\n"
    "has no advisory, the spelling with `-`/`_` and case ignored is tried (like\n"
    "crates.io). A crate with no advisory at all is not an error.\n"
    "\n"
    "--json prints an array with one object per argument: crate, version, package\n"
    "(the database's spelling, or null), affected_count and advisories (each with\n"
    "id, kind, title, dates, aliases, ranges... and, with a version, `affected` and\n"
    "`affected_functions`).\n"
    "\n"
    "Only the named crates' advisory files are read. When one of them cannot be\n"
    "loaded (it does not parse, is too large, names another package, or shares its\n"
    "id with another file), the error names the file and position and the exit\n"
    "status is 1 whatever the versions: an advisory of that crate may be missing.\n"
    "--lenient reports such a crate as the loadable files say (a warning instead).\n"
    "\n"
    "Exit status 0 when no given version is affected by a vulnerability, 1 when one\n"
    "is (with --strict, like cargo-audit's --deny warnings: also by an unsound or\n"
    "unmaintained advisory; never by a notice or a withdrawn advisory), when a\n"
    "named crate's advisory files cannot all be loaded (unless --lenient) or the\n"
    "database cannot be loaded, 2 for a usage error or an invalid VERSION.",
    run};
