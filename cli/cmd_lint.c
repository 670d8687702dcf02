/* cmd_lint.c - `cratesec lint DB`: checks every advisory file like RustSec's
 * linter (spec §5) and reports every problem, not only the first. */
#include "cli.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const cli_opt options[] = {
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
} lint_state;

static void report(const csec_diag *d, void *payload)
{
    lint_state *st = payload;
    char line[1024];
    printf("%s\n", csec_diag_format(line, sizeof line, d));
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
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap)
            names = realloc(names, (cap *= 2) * sizeof *names);
        names[(*n)++] = strdup(e->d_name);
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
    snprintf(d.file, sizeof d.file, "%s", file);
    snprintf(d.msg, sizeof d.msg, "%s", msg);
    report(&d, st);
}

static void remember_id(lint_state *st, const char *id, const char *path)
{
    if (st->nids == st->capids) {
        st->capids = st->capids ? st->capids * 2 : 256;
        st->ids = realloc(st->ids, st->capids * sizeof *st->ids);
        st->id_paths = realloc(st->id_paths, st->capids * sizeof *st->id_paths);
    }
    st->ids[st->nids] = strdup(id);
    st->id_paths[st->nids++] = strdup(path);
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

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_lint, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    const char *root = n > 0 ? argv[0] : getenv("CRATESEC_DB");
    if (!root || !*root)
        root = "advisory-db";
    lint_state st;
    memset(&st, 0, sizeof st);
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
                return EXIT_FOUND;
            }
            continue;
        }
        for (size_t p = 0; p < npkg; p++) {
            char pdir[8192];
            struct stat sb;
            if (!join_path(&st, pdir, sizeof pdir, cdir, pkgs[p]))
                continue;
            if (stat(pdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                problem(&st, pdir, "expected a package directory");
                st.bad_files++;
                continue;
            }
            size_t nf = 0;
            char **files = list_dir(pdir, &nf);
            for (size_t f = 0; f < nf; f++) {
                char rel[4096], fpath[8192];
                snprintf(rel, sizeof rel, "%s/%s/%s", collections[c], pkgs[p], files[f]);
                snprintf(fpath, sizeof fpath, "%s/%s", root, rel);
                if (stat(fpath, &sb) != 0 || !S_ISREG(sb.st_mode)) {
                    problem(&st, fpath, "expected a regular file");
                    st.bad_files++;
                    continue;
                }
                lint_file(&st, root, rel);
            }
            free_list(files, nf);
        }
        free_list(pkgs, npkg);
    }
    check_duplicates(&st);
    free_list(st.ids, st.nids);
    free_list(st.id_paths, st.nids);
    if (st.files == 0) {
        fprintf(stderr, "error: no advisories found!\n");
        return EXIT_FOUND;
    }
    if (st.problems) {
        printf("%zu advisories contain errors! (%zu problems in %zu files checked)\n", st.bad_files,
               st.problems, st.files);
        return EXIT_FOUND;
    }
    printf("%zu advisories checked, no problems found\n", st.files);
    return EXIT_OK;
}

const cli_cmd cmd_lint = {
    "lint", "[DB]",
    "check every advisory of a database like RustSec's linter and report every problem",
    "Prints one `file:line:col: message` line per problem and a summary. Unlike a\n"
    "load for serving, nothing stops at the first bad file. Exit status 1 when any\n"
    "advisory has a problem or the directory is not an advisory database.",
    run};
