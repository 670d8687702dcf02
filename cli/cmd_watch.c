/* cmd_watch.c - `cratesec watch export|import|status`: backup, restore and
 * inspection of the server's state (state/state.h).  Linked into
 * cratesec-server, with the state's libraries (SQLite, libpq); `cratesec
 * watch ARGS` execs `cratesec-server watch ARGS` (cli.h). */
#include "cli.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *opt_state;
static bool opt_json;

static const cli_opt options[] = {
    {"state", 's', "DIR|URL",
     "the state: the directory of `cratesec serve --state DIR`, or its postgresql://... "
     "URL",
     NULL, &opt_state, NULL, NULL},
    {"json", 0, NULL, "status: as a JSON object", &opt_json, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

static int open_state(state_store **st)
{
    if (!opt_state) {
        fprintf(stderr, "cratesec watch: --state DIR|URL is required\n");
        return EXIT_USAGE;
    }
    csec_buf err = CSEC_BUF_INIT;
    if (state_open(st, opt_state, &err) < 0) {
        fprintf(stderr, "cratesec watch: cannot open the state: %s\n", err.ptr);
        csec_buf_free(&err);
        return EXIT_FOUND;
    }
    csec_buf_free(&err);
    return EXIT_OK;
}

static int do_export(state_store *st, const char *path)
{
    FILE *out = stdout;
    char tmp[4096] = "";
    /* A file is written whole or not at all: a temporary beside it, renamed. */
    if (path && strcmp(path, "-") != 0) {
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        if (!(out = fopen(tmp, "wb"))) {
            fprintf(stderr, "cratesec watch: cannot write %s: %s\n", tmp, strerror(errno));
            return EXIT_FOUND;
        }
    }
    csec_buf err = CSEC_BUF_INIT;
    int rc = state_export(st, out, &err);
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        csec_buf_printf(&err, "cannot write %s: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && tmp[0] && rename(tmp, path) != 0) {
        csec_buf_printf(&err, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        rc = -1;
    }
    if (rc < 0) {
        if (tmp[0])
            remove(tmp);
        fprintf(stderr, "cratesec watch export: %s\n", err.ptr);
    }
    csec_buf_free(&err);
    return rc < 0 ? EXIT_FOUND : EXIT_OK;
}

/* The largest export read: a wrong file (a device, an endless pipe) ends
 * with an error instead of exhausting memory. */
#define IMPORT_MAX_BYTES ((size_t)1 << 30)

static int do_import(state_store *st, const char *path)
{
    size_t len = 0;
    char *text = NULL;
    csec_diag d;
    csec__diag_clear(&d);
    int read = strcmp(path, "-") == 0
                   ? csec__read_fd(&text, &len, 0, IMPORT_MAX_BYTES, "<stdin>", &d)
                   : csec__read_file(&text, &len, path, IMPORT_MAX_BYTES, &d);
    if (read < 0) {
        fprintf(stderr, "cratesec watch import: %s: %s\n", d.file[0] ? d.file : path, d.msg);
        return EXIT_USAGE;
    }
    csec_buf err = CSEC_BUF_INIT;
    int n = state_import(st, text, len, &err);
    free(text);
    if (n < 0) {
        fprintf(stderr, "cratesec watch import: %s: %s\n", strcmp(path, "-") ? path : "<stdin>",
                err.ptr);
        csec_buf_free(&err);
        /* Bad input is a usage error; a state that fails is not. */
        return n == SQL_ERROR ? EXIT_USAGE : EXIT_FOUND;
    }
    printf("imported %d watches (rows already present were kept)\n", n);
    csec_buf_free(&err);
    return EXIT_OK;
}

static int do_status(state_store *st)
{
    csec_buf err = CSEC_BUF_INIT;
    state_counts c;
    int applied = 0, known = 0;
    int rc = state_schema_version(st, &applied, &known, &err);
    if (rc == 0)
        rc = state_counts_get(st, &c, &err);
    if (rc < 0) {
        fprintf(stderr, "cratesec watch status: %s\n", err.ptr);
        csec_buf_free(&err);
        return EXIT_FOUND;
    }
    if (opt_json) {
        printf("{\"state\":");
        csec_buf s = CSEC_BUF_INIT;
        csec_json_string(&s, state_describe(st), strlen(state_describe(st)));
        printf("%s,\"schema\":%d,\"lists\":%lld,\"watches\":%lld,\"packages\":%lld,"
               "\"events\":%lld,\"pending\":%lld,\"delivered\":%lld,\"dropped\":%lld,"
               "\"reports\":%lld,\"evaluated_commit\":",
               s.ptr, applied, (long long)c.lists, (long long)c.watches, (long long)c.packages,
               (long long)c.events, (long long)c.pending, (long long)c.delivered,
               (long long)c.dropped, (long long)c.reports);
        csec_buf_clear(&s);
        /* From the state's meta table, which `watch import` fills from a
         * file: escaped like any other string. */
        if (c.evaluated_commit[0])
            csec_json_string(&s, c.evaluated_commit, strlen(c.evaluated_commit));
        printf("%s}\n", c.evaluated_commit[0] ? s.ptr : "null");
        csec_buf_free(&s);
    } else {
        printf("%s, schema version %d\n", state_describe(st), applied);
        printf("%lld watch lists, %lld watches (%lld package versions), %lld events\n",
               (long long)c.lists, (long long)c.watches, (long long)c.packages,
               (long long)c.events);
        printf("deliveries: %lld pending, %lld delivered, %lld dropped\n", (long long)c.pending,
               (long long)c.delivered, (long long)c.dropped);
        printf("%lld stored reports; evaluated against %s\n", (long long)c.reports,
               c.evaluated_commit[0] ? c.evaluated_commit : "nothing yet");
    }
    csec_buf_free(&err);
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_watch_server, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    const char *verb = n > 0 ? argv[0] : NULL;
    bool export_ = verb && strcmp(verb, "export") == 0;
    bool import_ = verb && strcmp(verb, "import") == 0;
    bool status = verb && strcmp(verb, "status") == 0;
    if (!export_ && !import_ && !status) {
        fprintf(stderr, "cratesec watch: say export, import or status (see --help)\n");
        return EXIT_USAGE;
    }
    if (n > 2 || (status && n > 1) || (import_ && n != 2)) {
        fprintf(stderr, "cratesec watch %s: wrong number of arguments (see --help)\n", verb);
        return EXIT_USAGE;
    }
    state_store *st = NULL;
    int rc = open_state(&st);
    if (rc != EXIT_OK)
        return rc;
    if (export_)
        rc = do_export(st, n == 2 ? argv[1] : NULL);
    else if (import_)
        rc = do_import(st, argv[1]);
    else
        rc = do_status(st);
    state_close(st);
    return rc;
}

const cli_cmd cmd_watch_server = {
    "watch", "export [FILE] | import FILE | status", CLI_WATCH_SUMMARY,
    "The state of `cratesec serve --state`: stored audit reports, watch lists with\n"
    "their package sets, what each watch was told, and the webhook queue.  Opening it\n"
    "applies the schema migrations it lacks (as the server does).\n"
    "\n"
    "export [FILE]  writes every table as one JSON document to FILE (written whole,\n"
    "               through a temporary file) or stdout; a consistent snapshot, also\n"
    "               of a state in use.  List tokens are not in it: only their SHA-256\n"
    "               is ever stored, so the lists' addresses stay valid after a restore.\n"
    "import FILE    loads an export (`-`: stdin) in one transaction; rows already\n"
    "               present are kept.  Restores into an empty state, or moves SQLite\n"
    "               to PostgreSQL: export --state DIR, import --state postgresql://...\n"
    "status         the schema version and counts (--json for a JSON object)\n"
    "\n"
    "Exit status: 0 done; 1 the state cannot be opened or written; 2 usage error or\n"
    "a file that is not an export.",
    run};
