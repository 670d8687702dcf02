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
 * Plain readdir/open/read: a file is opened with O_NONBLOCK so that a FIFO
 * where a crate file belongs reads as empty instead of blocking the load. */
#include "index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_THREADS 8

typedef struct names {
    char **items;
    size_t count, cap;
} names;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(names *n)
{
    for (size_t i = 0; i < n->count; i++)
        free(n->items[i]);
    free(n->items);
    memset(n, 0, sizeof *n);
}

/* Lists directory `fd` (taking it over: closed by closedir), sorted, without
 * hidden entries; with `dirs_only` only entries that are directories (by
 * d_type, else by fstatat). */
static int list_dir(names *out, int fd, bool dirs_only)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return -e;
    }
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (dirs_only && e->d_type != DT_DIR) {
            struct stat st;
            if (e->d_type != DT_UNKNOWN && e->d_type != DT_LNK)
                continue;
            if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 || !S_ISDIR(st.st_mode))
                continue;
        }
        if (out->count == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 64;
            out->items = csec__xrealloc(out->items, csec__mul(out->cap, sizeof *out->items));
        }
        out->items[out->count++] = csec__xstrndup(e->d_name, strlen(e->d_name));
    }
    int rc = errno ? -errno : 0;
    closedir(d);
    if (out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, cmp_name);
    return rc;
}

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
    char *buf;
    size_t bufcap;
    csec_buf path;
} worker;

typedef struct job {
    const char *dir;
    int topfd;
    const item *items;
    size_t nitems;
    _Atomic size_t next;
} job;

static void keep_diag(const csec_diag *d, void *payload)
{
    worker *w = payload;
    if (w->ndiags == w->capdiags) {
        w->capdiags = w->capdiags ? w->capdiags * 2 : 16;
        w->diags = csec__xrealloc(w->diags, csec__mul(w->capdiags, sizeof *w->diags));
    }
    w->diags[w->ndiags].item = w->cur_item;
    w->diags[w->ndiags].d = *d;
    w->ndiags++;
}

static void file_problem(worker *w, const char *path, const char *fmt, const char *arg)
{
    csec_diag d;
    csec__diag_clear(&d);
    snprintf(d.file, sizeof d.file, "%s", path);
    d.code = CSEC_EPARSE;
    snprintf(d.msg, sizeof d.msg, fmt, arg);
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

/* Reads a whole file into w->buf; returns its length, or -errno. */
static ssize_t read_whole(worker *w, int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    for (;;) {
        if (w->bufcap - len < 4096) {
            w->bufcap = w->bufcap ? w->bufcap * 2 : 65536;
            w->buf = csec__xrealloc(w->buf, w->bufcap);
        }
        ssize_t n = read(fd, w->buf + len, w->bufcap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            /* A FIFO without a writer: nothing to read. */
            return e == EAGAIN ? 0 : -e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    return (ssize_t)len;
}

static void load_leaf(worker *w, int parentfd, const char *rel, const char *name)
{
    int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    names files = {0};
    int rc = fd < 0 ? -errno : list_dir(&files, dup(fd), false);
    if (rc < 0) {
        file_problem(w, full_path(w, rel, NULL), "cannot open directory: %s", strerror(-rc));
        if (fd >= 0)
            close(fd);
        names_free(&files);
        return;
    }
    char want[1024];
    for (size_t i = 0; i < files.count; i++) {
        const char *f = files.items[i];
        if (!csec__index_well_placed(want, sizeof want, rel, f)) {
            csec_diag d;
            csec__diag_clear(&d);
            snprintf(d.file, sizeof d.file, "%s", full_path(w, rel, f));
            d.code = CSEC_EPARSE;
            snprintf(d.msg, sizeof d.msg, "misplaced crate file: \"%.100s\" belongs at %.100s", f,
                     want[0] ? want : "(nowhere)");
            w->bad_files++;
            keep_diag(&d, w);
            continue;
        }
        ssize_t n = read_whole(w, fd, f);
        const char *path = full_path(w, rel, f);
        if (n < 0) {
            file_problem(w, path, "cannot read crate file: %s", strerror((int)-n));
            continue;
        }
        int prc;
        const csec_index_crate *c =
            csec__index_parse(w->parser, path, f, w->buf ? w->buf : "", (size_t)n, &prc);
        if (!c)
            continue;
        if (w->ncrates == w->capcrates) {
            w->capcrates = w->capcrates ? w->capcrates * 2 : 1024;
            w->crates = csec__xrealloc(w->crates, csec__mul(w->capcrates, sizeof *w->crates));
        }
        w->crates[w->ncrates++] = c;
    }
    close(fd);
    names_free(&files);
}

static void load_item(worker *w, const item *it)
{
    job *j = w->job;
    if (it->leaf) {
        load_leaf(w, j->topfd, it->name, it->name);
        return;
    }
    int fd = openat(j->topfd, it->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    names subs = {0};
    int rc = fd < 0 ? -errno : list_dir(&subs, dup(fd), true);
    if (rc < 0) {
        file_problem(w, full_path(w, it->name, NULL), "cannot open directory: %s",
                     strerror(-rc));
    } else {
        /* "3" holds one-letter directories, "ab" two-letter ones. */
        size_t child_len = strlen(it->name) == 1 ? 1 : 2;
        char rel[8];
        for (size_t i = 0; i < subs.count; i++) {
            if (strlen(subs.items[i]) != child_len)
                continue;
            snprintf(rel, sizeof rel, "%s/%s", it->name, subs.items[i]);
            load_leaf(w, fd, rel, subs.items[i]);
        }
    }
    if (fd >= 0)
        close(fd);
    names_free(&subs);
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
    unsigned n = o ? o->threads : 0;
    if (n == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (unsigned)cpus : 1;
    }
    return n > MAX_THREADS ? MAX_THREADS : n;
}

int csec__index_open_dir_ex(csec_index **out, const char *dirpath, const csec_index_options *opts,
                            csec_diag *d)
{
    *out = NULL;
    int topfd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    names top = {0};
    int rc = topfd < 0 ? -errno : list_dir(&top, dup(topfd), false);
    if (rc < 0) {
        if (topfd >= 0)
            close(topfd);
        names_free(&top);
        return csec__diag_set(d, CSEC_EIO, dirpath, 0, 0, "cannot open index directory: %s",
                              strerror(-rc));
    }
    csec_index *ix = csec__index_new(opts);
    const csec_index_options *o = csec__index_options(ix);
    csec_buf path = CSEC_BUF_INIT;
    size_t config_bad = 0;

    /* config.json first: its reports come before the crates'. */
    item *items = csec__xcalloc(top.count + 1, sizeof *items);
    size_t nitems = 0;
    for (size_t i = 0; i < top.count; i++) {
        const char *n = top.items[i];
        size_t len = strlen(n);
        struct stat st;
        if (strcmp(n, "config.json") == 0) {
            char *text = NULL;
            size_t tl = 0;
            csec_diag cd;
            csec_buf_clear(&path);
            csec_buf_printf(&path, "%s/config.json", dirpath);
            if (csec__read_file(&text, &tl, path.ptr, &cd) < 0 ||
                csec__index_set_config(ix, path.ptr, text, tl, &cd) < 0) {
                config_bad++;
                if (o->on_error)
                    o->on_error(&cd, o->payload);
            }
            free(text);
            continue;
        }
        if (len > 2 || fstatat(topfd, n, &st, 0) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (strcmp(n, "1") == 0 || strcmp(n, "2") == 0)
            items[nitems++] = (item){n, true};
        else if (strcmp(n, "3") == 0 || len == 2)
            items[nitems++] = (item){n, false};
    }

    job j = {dirpath, topfd, items, nitems, 0};
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
    csec_index_stats st = {0};
    st.bad_files = config_bad;
    for (unsigned t = 0; t < nt; t++) {
        if (ws[t].ncrates)
            memcpy(crates + k, ws[t].crates, ws[t].ncrates * sizeof *crates);
        k += ws[t].ncrates;
        const csec_index_stats *ps = csec__index_parser_stats(ws[t].parser);
        st.files += ps->files;
        st.bad_lines += ps->bad_lines;
        st.bad_versions += ps->bad_versions;
        st.unsupported += ps->unsupported;
        st.duplicates += ps->duplicates;
        st.bad_files += ws[t].bad_files;
        csec__index_parser_free(ws[t].parser);
        free(ws[t].crates);
        free(ws[t].diags);
        free(ws[t].buf);
        csec_buf_free(&ws[t].path);
    }
    csec__index_add_stats(ix, &st);
    csec__index_install(ix, crates, ncrates);
    free(crates);
    free(ws);
    free(items);
    names_free(&top);
    csec_buf_free(&path);
    close(topfd);
    *out = ix;
    return 0;
}

int csec__index_open_dir(csec_index **out, const char *dir, csec_diag *d)
{
    return csec__index_open_dir_ex(out, dir, NULL, d);
}
