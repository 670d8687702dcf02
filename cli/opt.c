/* opt.c - option parsing and --help from one table per command, plus the
 * helpers every command shares (database loading, reading input). */
#include "cli.h"

#include "util.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_help(FILE *out, const cli_cmd *cmd, const cli_opt *opts)
{
    fprintf(out, "usage: cratesec %s [OPTIONS] %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->details)
        fprintf(out, "\n%s\n", cmd->details);
    fprintf(out, "\nOptions:\n");
    for (const cli_opt *o = opts; o && o->name; o++) {
        char left[64], short_form[5] = "    ";
        if (o->short_name)
            snprintf(short_form, sizeof short_form, "-%c, ", o->short_name);
        snprintf(left, sizeof left, "%s--%s%s%s", short_form, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
        /* A long left column gets a line of its own, so the help column
         * stays aligned (and scripts/genman.py can tell the two apart). */
        if (strlen(left) > 26)
            fprintf(out, "  %s\n  %-26s %s\n", left, "", o->help);
        else
            fprintf(out, "  %-26s %s\n", left, o->help);
    }
    fprintf(out, "  %-26s %s\n", "-h, --help", "show this help");
    /* Commands whose details spell out their own exit status skip the
     * general rule. */
    if (!cmd->details || !strstr(cmd->details, "Exit status"))
        fprintf(out, "\nExit status: 0 nothing found, 1 found or database not loadable, "
                     "2 usage or input error.\n");
}

static const cli_opt *find_long(const cli_opt *opts, const char *name, size_t len)
{
    for (const cli_opt *o = opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const cli_opt *find_short(const cli_opt *opts, char c)
{
    for (const cli_opt *o = opts; o && o->name; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

static void set(const cli_opt *o, const char *value)
{
    if (o->flag)
        *o->flag = true;
    if (o->value)
        *o->value = value;
    if (o->multi)
        o->multi(value, o->payload);
}

int cli_parse(const cli_cmd *cmd, const cli_opt *opts, int argc, char **argv)
{
    int npos = 0;
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
            argv[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_help(stdout, cmd, opts);
            exit(EXIT_OK);
        }
        const cli_opt *o;
        const char *value = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            o = find_long(opts, a + 2, len);
            if (eq)
                value = eq + 1;
        } else {
            o = a[2] == '\0' ? find_short(opts, a[1]) : NULL;
        }
        if (!o) {
            fprintf(stderr, "cratesec %s: unknown option `%s` (see --help)\n", cmd->name, a);
            return -1;
        }
        if (o->arg && !value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "cratesec %s: option `%s` needs a value %s\n", cmd->name, a,
                        o->arg);
                return -1;
            }
            value = argv[++i];
        } else if (!o->arg && value) {
            fprintf(stderr, "cratesec %s: option `--%s` takes no value\n", cmd->name, o->name);
            return -1;
        }
        set(o, value);
    }
    argv[npos] = NULL;
    return npos;
}

void cli_write(FILE *f, const char *s, size_t len)
{
    csec_buf b = CSEC_BUF_INIT;
    csec__buf_put_printable(&b, s, len);
    fwrite(b.ptr ? b.ptr : "", 1, b.len, f);
    csec_buf_free(&b);
}

void cli_eprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n >= 0)
        cli_write(stderr, text, (size_t)n);
    free(text);
}

static void print_load_error(const csec_diag *d, void *payload)
{
    char line[1024];
    cli_eprintf("error: %s\n", csec_diag_format(line, sizeof line, d));
}

const char *cli_db_dir(const char *given)
{
    if (!given)
        given = getenv("CRATESEC_DB");
    return given && *given ? given : "advisory-db";
}

csec_db *cli_open_db(const char *path, const csec_db_options *given)
{
    path = cli_db_dir(path);
    csec_db_options opts = CSEC_DB_OPTIONS_INIT;
    if (given)
        opts = *given;
    opts.on_error = print_load_error;
    csec_db *db = NULL;
    csec_diag d;
    if (csec_db_open(&db, path, &opts, &d) < 0) {
        char line[1024];
        cli_eprintf("error: cannot load advisory database: %s\n",
                    csec_diag_format(line, sizeof line, &d));
        return NULL;
    }
    return db;
}

bool cli_package_problem(const csec_db *db, const char *name, bool lenient)
{
    const csec_db_error *e = csec_db_package_error(db, CSEC_COLLECTION_CRATES, name);
    if (!e)
        return false;
    char line[1024];
    cli_eprintf("%s: crate `%s`: the advisory database has a problem with its advisories (%s)%s\n",
                lenient ? "warning" : "error", name, csec_diag_format(line, sizeof line, &e->diag),
                lenient ? "; --lenient: reported as if it had none"
                        : "; not reporting it as clean");
    return !lenient;
}

void cli_block_serve_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
}
