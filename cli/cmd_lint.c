/* cmd_lint.c - `cratesec lint DB`: checks every advisory file like RustSec's
 * linter (spec §5) and reports every problem, not only the first. */
#include "cli.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static bool opt_json;

static const cli_opt options[] = {
    {"json", 0, NULL, "print one JSON object: counts and every problem", &opt_json, NULL, NULL,
     NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

typedef struct lint_state {
    size_t problems, warnings;
    csec_buf out; /* the problems, as text lines or JSON array elements */
    csec_buf warn;
} lint_state;

/* A JSON string of possibly non-UTF-8 bytes (file names come from the file
 * system): invalid bytes become U+FFFD so the output stays valid JSON. */
static void json_lossy(csec_buf *out, const char *s)
{
    size_t len = strlen(s);
    if (csec__utf8_check(s, len) == len) {
        csec_json_string(out, s, len);
        return;
    }
    csec_buf tmp = CSEC_BUF_INIT;
    while (len) {
        size_t ok = csec__utf8_check(s, len);
        csec_buf_put(&tmp, s, ok);
        if (ok == len)
            break;
        csec_buf_puts(&tmp, "\xEF\xBF\xBD");
        s += ok + 1;
        len -= ok + 1;
    }
    csec_json_string(out, tmp.ptr, tmp.len);
    csec_buf_free(&tmp);
}

static void report(const csec_diag *d, void *payload)
{
    lint_state *st = payload;
    bool warning = d->code == CSEC_OK;
    csec_buf *b = warning ? &st->warn : &st->out;
    size_t *n = warning ? &st->warnings : &st->problems;
    if (opt_json) {
        csec_buf_puts(b, *n ? ",{\"file\":" : "{\"file\":");
        json_lossy(b, d->file);
        /* 0 means unknown (a whole-file problem): null in JSON. */
        if (d->line)
            csec_buf_printf(b, ",\"line\":%u", d->line);
        else
            csec_buf_puts(b, ",\"line\":null");
        if (d->col)
            csec_buf_printf(b, ",\"col\":%u,\"message\":", d->col);
        else
            csec_buf_puts(b, ",\"col\":null,\"message\":");
        json_lossy(b, d->msg);
        csec_buf_putc(b, '}');
    } else {
        char line[1024];
        csec_buf_printf(b, "%s\n", csec_diag_format(line, sizeof line, d));
    }
    (*n)++;
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_lint, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    if (n > 1) {
        fprintf(stderr, "cratesec lint: give one database directory (see --help)\n");
        return EXIT_USAGE;
    }
    const char *arg = cli_db_dir(n > 0 ? argv[0] : NULL);
    /* "db/" and "db" name the same database; keep file names in the
     * report free of "//". */
    size_t rlen = strlen(arg);
    while (rlen > 1 && arg[rlen - 1] == '/')
        rlen--;
    char *root = csec__xstrndup(arg, rlen);
    int status = EXIT_FOUND;
    lint_state st;
    memset(&st, 0, sizeof st);
    csec_db_lint_result r;
    csec_diag d;
    if (csec_db_lint(&r, root, report, &st, &d) < 0) {
        cli_eprintf("error: %s: not an advisory database (no crates/ directory)\n", root);
        goto done;
    }
    if (r.files == 0) {
        cli_eprintf("error: %s: no advisories found!\n", root);
        goto done;
    }
    status = r.problems ? EXIT_FOUND : EXIT_OK;
    csec_buf out = CSEC_BUF_INIT;
    if (opt_json) {
        csec_buf_puts(&out, "{\"database\":");
        json_lossy(&out, root);
        csec_buf_printf(&out,
                        ",\"files_checked\":%zu,\"invalid_files\":%zu,\"problem_count\":%zu,"
                        "\"problems\":[%s],\"warning_count\":%zu,\"warnings\":[%s]}\n",
                        r.files, r.bad_files, r.problems, st.out.ptr ? st.out.ptr : "", r.warnings,
                        st.warn.ptr ? st.warn.ptr : "");
    } else {
        csec_buf_put(&out, st.warn.ptr ? st.warn.ptr : "", st.warn.len);
        csec_buf_put(&out, st.out.ptr ? st.out.ptr : "", st.out.len);
        if (r.problems)
            csec_buf_printf(&out,
                            "%zu advisories contain errors! (%zu problems in %zu files checked)",
                            r.bad_files, r.problems, r.files);
        else
            csec_buf_printf(&out, "%zu advisories checked, no problems found", r.files);
        if (r.warnings)
            csec_buf_printf(&out, "; %zu warning%s", r.warnings, r.warnings == 1 ? "" : "s");
        csec_buf_putc(&out, '\n');
    }
    cli_write(stdout, out.ptr, out.len);
    csec_buf_free(&out);
done:
    csec_buf_free(&st.out);
    csec_buf_free(&st.warn);
    free(root);
    return status;
}

const cli_cmd cmd_lint = {
    "lint", "[DB]", "lint every advisory of a database like RustSec's linter; report every problem",
    "Prints one `file:line:col: message` line per problem, then a summary line.\n"
    "Every file is checked (spec §5) with the loader's own rules: whatever a load\n"
    "would leave out (files directly in crates/, hidden files) or refuse (files too\n"
    "large or unreadable, package names crates.io refuses, duplicate ids) is a\n"
    "problem too. Control characters in fields are problems (terminals act on them).\n"
    "Warnings, printed first and not counted as problems: an alias that an advisory\n"
    "of another package also claims (an alias lookup finds only one of them).\n"
    "DB defaults to $CRATESEC_DB, else ./advisory-db. --json adds `warnings`.\n"
    "\n"
    "Exit status 0 when every advisory is valid, 1 when any has a problem or DB is\n"
    "not an advisory database (no crates/ directory, or no advisories), 2 for a\n"
    "usage error.",
    run};
