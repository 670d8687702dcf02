/* cmd_lint.c - `cratesec lint DB`: checks every advisory file like RustSec's
 * linter (spec §5) and reports every problem, not only the first. */
#include "cli.h"
#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool opt_json;

static const cli_opt options[] = {
    {"json", 0, NULL, "print one JSON object: counts and every problem", &opt_json, NULL, NULL,
     NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

typedef struct lint_state {
    size_t files;
    size_t bad_files;
    size_t problems;
    bool current_bad;
    char **ids; /* for the duplicate-id check */
    char **id_paths;
    size_t nids, capids;
    csec_buf out; /* the problems, as text lines or JSON array elements */
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
    if (opt_json) {
        csec_buf_puts(&st->out, st->problems ? ",{\"file\":" : "{\"file\":");
        json_lossy(&st->out, d->file);
        /* 0 means unknown (a whole-file problem): null in JSON. */
        if (d->line)
            csec_buf_printf(&st->out, ",\"line\":%u", d->line);
        else
            csec_buf_puts(&st->out, ",\"line\":null");
        if (d->col)
            csec_buf_printf(&st->out, ",\"col\":%u,\"message\":", d->col);
        else
            csec_buf_puts(&st->out, ",\"col\":null,\"message\":");
        json_lossy(&st->out, d->msg);
        csec_buf_putc(&st->out, '}');
    } else {
        char line[1024];
        csec_buf_printf(&st->out, "%s\n", csec_diag_format(line, sizeof line, d));
    }
    st->problems++;
    st->current_bad = true;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of a directory (without dot-files); NULL if unreadable. */
static char **list_dir(const char *path, size_t *n)
{
    DIR *dir = opendir(path);
    *n = 0;
    if (!dir)
        return NULL;
    size_t cap = 16;
    char **names = csec__xmalloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap)
            names = csec__xrealloc(names, csec__mul(cap *= 2, sizeof *names));
        names[(*n)++] = csec__xstrndup(e->d_name, strlen(e->d_name));
    }
    closedir(dir);
    qsort(names, *n, sizeof *names, cmp_name);
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void problem(lint_state *st, const char *file, const char *msg)
{
    csec_diag d;
    memset(&d, 0, sizeof d);
    /* A path longer than d.file is cut; the message still names the place. */
    if (snprintf(d.file, sizeof d.file, "%s", file) >= (int)sizeof d.file)
        memcpy(d.file + sizeof d.file - 4, "...", 4);
    if (snprintf(d.msg, sizeof d.msg, "%s", msg) >= (int)sizeof d.msg)
        memcpy(d.msg + sizeof d.msg - 4, "...", 4);
    report(&d, st);
}

static void remember_id(lint_state *st, const char *id, const char *path)
{
    if (st->nids == st->capids) {
        st->capids = st->capids ? st->capids * 2 : 256;
        st->ids = csec__xrealloc(st->ids, csec__mul(st->capids, sizeof *st->ids));
        st->id_paths = csec__xrealloc(st->id_paths, csec__mul(st->capids, sizeof *st->id_paths));
    }
    st->ids[st->nids] = csec__xstrndup(id, strlen(id));
    st->id_paths[st->nids++] = csec__xstrndup(path, strlen(path));
}

/* dir + "/" + name into out; false (and a problem reported) when too long. */
static bool join_path(lint_state *st, char *out, size_t n, const char *dir, const char *name)
{
    int w = snprintf(out, n, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= n) {
        problem(st, dir, "path too long");
        return false;
    }
    return true;
}

static void lint_file(lint_state *st, const char *root, const char *rel)
{
    char path[8192];
    if (!join_path(st, path, sizeof path, root, rel))
        return;
    size_t len = 0;
    char *text = cli_read_file(path, &len);
    st->files++;
    st->current_bad = false;
    if (!text) {
        problem(st, path, "cannot read file");
    } else {
        csec_advisory_lint(path, text, len, report, st);
        csec_advisory_doc *doc = NULL;
        if (csec_advisory_parse(&doc, rel, text, len, NULL) == 0) {
            const csec_advisory *a = csec_advisory_doc_get(doc);
            if (strcmp(a->id, "RUSTSEC-0000-0000") != 0)
                remember_id(st, a->id, path);
        }
        csec_advisory_doc_free(doc);
    }
    if (st->current_bad)
        st->bad_files++;
    free(text);
}

/* Reports ids used by more than one file (spec §1.2 "duplicate advisory ID"). */
static void check_duplicates(lint_state *st)
{
    for (size_t i = 0; i < st->nids; i++)
        for (size_t j = i + 1; j < st->nids; j++)
            if (strcmp(st->ids[i], st->ids[j]) == 0) {
                char msg[256];
                snprintf(msg, sizeof msg, "duplicate advisory ID %s (also in %s)", st->ids[i],
                         st->id_paths[i]);
                problem(st, st->id_paths[j], msg);
                st->bad_files++;
            }
}

/* Walks ROOT/crates and ROOT/rust.  Returns false (with a message on stderr)
 * when ROOT has no crates/ directory. */
static bool walk(lint_state *st, const char *root)
{
    static const char *const collections[] = {"crates", "rust"};
    for (int c = 0; c < 2; c++) {
        char cdir[4096];
        snprintf(cdir, sizeof cdir, "%s/%s", root, collections[c]);
        size_t npkg = 0;
        char **pkgs = list_dir(cdir, &npkg);
        if (!pkgs) {
            if (c == 0) {
                fprintf(stderr, "error: %s: not an advisory database (no crates/ directory)\n",
                        root);
                return false;
            }
            continue;
        }
        for (size_t p = 0; p < npkg; p++) {
            char pdir[8192];
            struct stat sb;
            if (!join_path(st, pdir, sizeof pdir, cdir, pkgs[p]))
                continue;
            if (stat(pdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                problem(st, pdir, "expected a package directory");
                st->bad_files++;
                continue;
            }
            size_t nf = 0;
            char **files = list_dir(pdir, &nf);
            for (size_t f = 0; f < nf; f++) {
                char rel[4096], fpath[8192];
                snprintf(rel, sizeof rel, "%s/%s/%s", collections[c], pkgs[p], files[f]);
                snprintf(fpath, sizeof fpath, "%s/%s", root, rel);
                if (stat(fpath, &sb) != 0 || !S_ISREG(sb.st_mode)) {
                    problem(st, fpath, "expected a regular file");
                    st->bad_files++;
                    continue;
                }
                lint_file(st, root, rel);
            }
            free_list(files, nf);
        }
        free_list(pkgs, npkg);
    }
    return true;
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
    const char *arg = n > 0 ? argv[0] : getenv("CRATESEC_DB");
    if (!arg || !*arg)
        arg = "advisory-db";
    /* "db/" and "db" name the same database; keep file names in the
     * report free of "//". */
    size_t rlen = strlen(arg);
    while (rlen > 1 && arg[rlen - 1] == '/')
        rlen--;
    char *root = csec__xstrndup(arg, rlen);
    int status = EXIT_FOUND;
    lint_state st;
    memset(&st, 0, sizeof st);
    if (!walk(&st, root))
        goto done;
    check_duplicates(&st);
    if (st.files == 0) {
        fprintf(stderr, "error: %s: no advisories found!\n", root);
        goto done;
    }
    status = st.problems ? EXIT_FOUND : EXIT_OK;
    if (opt_json) {
        printf("{\"database\":");
        csec_buf head = CSEC_BUF_INIT;
        json_lossy(&head, root);
        printf("%s,\"files_checked\":%zu,\"invalid_files\":%zu,\"problem_count\":%zu,"
               "\"problems\":[%s]}\n",
               head.ptr, st.files, st.bad_files, st.problems, st.out.ptr ? st.out.ptr : "");
        csec_buf_free(&head);
    } else {
        fwrite(st.out.ptr ? st.out.ptr : "", 1, st.out.len, stdout);
        if (st.problems)
            printf("%zu advisories contain errors! (%zu problems in %zu files checked)\n",
                   st.bad_files, st.problems, st.files);
        else
            printf("%zu advisories checked, no problems found\n", st.files);
    }
done:
    free_list(st.ids, st.nids);
    free_list(st.id_paths, st.nids);
    csec_buf_free(&st.out);
    free(root);
    return status;
}

const cli_cmd cmd_lint = {
    "lint", "[DB]", "lint every advisory of a database like RustSec's linter; report every problem",
    "Prints one `file:line:col: message` line per problem, then a summary line.\n"
    "Unlike loading for `check` or `show`, nothing stops at the first bad file: every\n"
    "file is checked (spec §5), plus duplicate ids and stray entries. DB defaults to\n"
    "$CRATESEC_DB, else ./advisory-db.\n"
    "\n"
    "Exit status 0 when every advisory is valid, 1 when any has a problem or DB is\n"
    "not an advisory database (no crates/ directory, or no advisories), 2 for a\n"
    "usage error.",
    run};
