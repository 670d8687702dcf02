/* index_dir.c - loading a registry index directory in the git-index layout
 * (see index.h): 1/, 2/, 3/x/ and ab/cd/ directories of crate files, and
 * config.json.
 *
 * The whole crates.io index is a few hundred thousand files and gigabytes of
 * JSON, so the work is shared by threads: the top directory is listed here,
 * then each thread takes the next top-level entry ("1", "2", "3", "ab"),
 * lists its leaf directories and reads and parses their crate files, sorted.
 * Parsing interns into the index's shared tables (index.c says how that is
 * safe).  Reports are kept per top-level entry and passed on after all
 * threads are done, in path order, whatever thread read what.
 *
 * Plain readdir/open/read through util.h (csec__dir_open, csec__read_at: a
 * FIFO where a crate file belongs is not waited for, and no file is read
 * past CSEC_INDEX_FILE_MAX). */
#include "index.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 8

/* One top-level entry: a leaf directory ("1", "2") or a prefix directory
 * ("3", "ab") whose subdirectories are leaves. */
typedef struct item {
    const char *name;
    bool leaf;
} item;

typedef struct diag_rec {
    size_t item;
    csec_diag d;
} diag_rec;

typedef struct worker {
    struct job *job;
    csec__index_parser *parser;
    const csec_index_crate **crates;
    size_t ncrates, capcrates;
    diag_rec *diags;
    size_t ndiags, capdiags;
    size_t cur_item;
    size_t bad_files;
    csec_buf path;
} worker;

typedef struct job {
    const char *dir;
    const item *items;
    size_t nitems;
    _Atomic size_t next;
} job;

static void keep_diag(const csec_diag *d, void *payload)
{
    worker *w = payload;
    if (w->ndiags == w->capdiags)
        w->diags = csec__grow(w->diags, &w->capdiags, 16, sizeof *w->diags);
    w->diags[w->ndiags].item = w->cur_item;
    w->diags[w->ndiags].d = *d;
    w->ndiags++;
}

static void file_problem(worker *w, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void file_problem(worker *w, const char *path, const char *fmt, ...)
{
    csec_diag d;
    va_list ap;
    va_start(ap, fmt);
    csec__diag_vset(&d, CSEC_EPARSE, path, 0, 0, fmt, ap);
    va_end(ap);
    w->bad_files++;
    keep_diag(&d, w);
}

static const char *full_path(worker *w, const char *rel, const char *name)
{
    csec_buf_clear(&w->path);
    csec_buf_puts(&w->path, w->job->dir);
    csec_buf_putc(&w->path, '/');
    csec_buf_puts(&w->path, rel);
    if (name) {
        csec_buf_putc(&w->path, '/');
        csec_buf_puts(&w->path, name);
    }
    return w->path.ptr;
}

/* Why a read failed, without the "cannot open: " its message starts with. */
static const char *read_failure(const csec_diag *d)
{
    const char *colon = strstr(d->msg, ": ");
    return d->code == CSEC_EIO && colon ? colon + 2 : d->msg;
}

/* Lists directory `rel`; false, reported, when it cannot be (its crates are
 * missing then). */
static bool list_dir(worker *w, csec__dir *out, const char *rel)
{
    int rc = csec__dir_open(out, full_path(w, rel, NULL));
    if (rc < 0)
        file_problem(w, w->path.ptr, "cannot open directory: %s", strerror(-rc));
    return rc >= 0;
}

/* Every crate file of one leaf directory ("ab/cd", "3/a", "1"): `rel`. */
static void load_leaf(worker *w, const char *rel)
{
    csec__dir files;
    if (!list_dir(w, &files, rel))
        return;
    char want[1024];
    for (size_t i = 0; i < files.count; i++) {
        const char *f = files.entries[i].name;
        if (f[0] == '.')
            continue;
        if (!csec__index_well_placed(want, sizeof want, rel, f)) {
            file_problem(w, full_path(w, rel, f),
                         "misplaced crate file: \"%.100s\" belongs at %.100s", f,
                         want[0] ? want : "(nowhere)");
            continue;
        }
        const char *path = full_path(w, rel, f);
        char *data = NULL;
        size_t len = 0;
        csec_diag d;
        csec__diag_clear(&d);
        if (csec__read_at(&data, &len, files.fd, f, path, CSEC_INDEX_FILE_MAX, 0, &d) < 0) {
            file_problem(w, path, "cannot read crate file: %.200s", read_failure(&d));
            continue;
        }
        int prc;
        const csec_index_crate *c =
            csec__index_parse(w->parser, path, f, data ? data : "", len, &prc);
        free(data);
        if (!c)
            continue;
        if (w->ncrates == w->capcrates)
            w->crates = csec__grow(w->crates, &w->capcrates, 1024, sizeof *w->crates);
        w->crates[w->ncrates++] = c;
    }
    csec__dir_close(&files);
}

/* A prefix directory: "3" holds one-letter leaf directories, "ab" two-letter
 * ones. */
static void load_item(worker *w, const item *it)
{
    if (it->leaf) {
        load_leaf(w, it->name);
        return;
    }
    csec__dir subs;
    if (!list_dir(w, &subs, it->name))
        return;
    size_t child_len = strlen(it->name) == 1 ? 1 : 2;
    char rel[8]; /* both parts are at most two bytes */
    for (size_t i = 0; i < subs.count; i++) {
        const char *sub = subs.entries[i].name;
        if (sub[0] == '.' || strlen(sub) != child_len || !csec__dir_is_dir(&subs, i))
            continue;
        snprintf(rel, sizeof rel, "%s/%s", it->name, sub);
        load_leaf(w, rel);
    }
    csec__dir_close(&subs);
}

static void *work(void *arg)
{
    worker *w = arg;
    job *j = w->job;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->nitems)
            break;
        w->cur_item = i;
        load_item(w, &j->items[i]);
    }
    return NULL;
}

static int cmp_diag(const void *a, const void *b)
{
    const diag_rec *x = *(diag_rec *const *)a, *y = *(diag_rec *const *)b;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    return x < y ? -1 : x > y; /* one worker per item: its order */
}

static unsigned thread_count(const csec_index_options *o)
{
    unsigned n = o && o->threads ? o->threads : 1;
    if (n == CSEC_INDEX_THREADS_PER_CPU) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (unsigned)cpus : 1;
    }
    return n > MAX_THREADS ? MAX_THREADS : n;
}

int csec__index_open_dir_ex(csec_index **out, const char *dirpath, const csec_index_options *opts,
                            csec_diag *d)
{
    *out = NULL;
    csec__dir top;
    int rc = csec__dir_open(&top, dirpath);
    if (rc < 0)
        return csec__diag_set(d, CSEC_EIO, dirpath, 0, 0, "cannot open index directory: %s",
                              strerror(-rc));
    csec_index *ix = csec__index_new(opts);
    const csec_index_options *o = csec__index_options(ix);
    size_t config_bad = 0;

    /* config.json first: its reports come before the crates'.  Then the
     * leaf directories "1" and "2" and the prefix directories ("3", "ab"),
     * in sorted order: digits sort before letters. */
    item *items = csec__xcalloc(top.count + 1, sizeof *items);
    size_t nitems = 0;
    for (size_t i = 0; i < top.count; i++) {
        const char *n = top.entries[i].name;
        size_t len = strlen(n);
        if (strcmp(n, "config.json") == 0) {
            char *text = NULL;
            size_t tl = 0;
            csec_diag cd;
            csec_buf path = CSEC_BUF_INIT;
            csec_buf_printf(&path, "%s/%s", dirpath, n);
            bool bad = csec__read_at(&text, &tl, top.fd, n, path.ptr, CSEC_INDEX_FILE_MAX, 0, &cd) < 0;
            if (bad)
                csec__diag_set(&cd, cd.code, NULL, cd.line, cd.col, "cannot read: %.200s",
                               read_failure(&cd));
            if (bad || csec__index_set_config(ix, path.ptr, text, tl, &cd) < 0) {
                config_bad++;
                if (o->on_error)
                    o->on_error(&cd, o->payload);
            }
            free(text);
            csec_buf_free(&path);
            continue;
        }
        if (n[0] == '.' || len > 2 || !csec__dir_is_dir(&top, i))
            continue;
        if (strcmp(n, "1") == 0 || strcmp(n, "2") == 0)
            items[nitems++] = (item){n, true};
        else if (strcmp(n, "3") == 0 || len == 2)
            items[nitems++] = (item){n, false};
    }

    job j = {dirpath, items, nitems, 0};
    unsigned nt = thread_count(opts);
    if (nt > nitems)
        nt = nitems ? (unsigned)nitems : 1;
    worker *ws = csec__xcalloc(nt, sizeof *ws);
    pthread_t tids[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    csec__index_set_concurrent(ix, nt > 1);
    for (unsigned t = 0; t < nt; t++) {
        ws[t].job = &j;
        ws[t].parser = csec__index_parser_new(ix);
        csec__index_parser_set_report(ws[t].parser, keep_diag, &ws[t]);
    }
    for (unsigned t = 1; t < nt; t++)
        started[t] = pthread_create(&tids[t], NULL, work, &ws[t]) == 0;
    work(&ws[0]);
    for (unsigned t = 1; t < nt; t++)
        if (started[t])
            pthread_join(tids[t], NULL);
    csec__index_set_concurrent(ix, false);

    /* Reports in path order. */
    size_t ndiag = 0, ncrates = 0;
    for (unsigned t = 0; t < nt; t++) {
        ndiag += ws[t].ndiags;
        ncrates += ws[t].ncrates;
    }
    if (ndiag && o->on_error) {
        diag_rec **all = csec__xmalloc(csec__mul(ndiag, sizeof *all));
        size_t k = 0;
        for (unsigned t = 0; t < nt; t++)
            for (size_t i = 0; i < ws[t].ndiags; i++)
                all[k++] = &ws[t].diags[i];
        qsort(all, ndiag, sizeof *all, cmp_diag);
        for (size_t i = 0; i < ndiag; i++)
            o->on_error(&all[i]->d, o->payload);
        free(all);
    }
    const csec_index_crate **crates = csec__xmalloc(csec__mul(ncrates + 1, sizeof *crates));
    size_t k = 0;
    csec_index_stats *st = csec__index_stats_ref(ix);
    st->bad_files += config_bad; /* what the parsers do not count */
    for (unsigned t = 0; t < nt; t++) {
        if (ws[t].ncrates)
            memcpy(crates + k, ws[t].crates, ws[t].ncrates * sizeof *crates);
        k += ws[t].ncrates;
        csec__index_add_stats(ix, csec__index_parser_stats(ws[t].parser));
        st->bad_files += ws[t].bad_files;
        csec__index_parser_free(ws[t].parser);
        free(ws[t].crates);
        free(ws[t].diags);
        csec_buf_free(&ws[t].path);
    }
    csec__index_install(ix, crates, ncrates);
    free(crates);
    free(ws);
    free(items);
    csec__dir_close(&top);
    *out = ix;
    return 0;
}
