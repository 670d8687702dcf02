/* db.c - loading an advisory database directory (spec §1.2), its indexes,
 * and queries (spec §2.6).
 *
 * Everything lives in one arena.  Files are visited in sorted order
 * (collection, package, file name: bytewise), so the advisories of one
 * package are contiguous in load order and the package index simply maps a
 * name to a slice of the load-order array.  Lookups use two open-addressing
 * hash tables (FNV-1a, linear probing, power-of-two capacity). */
#include "advisory.h"

#include "files.h"
#include "gittime.h"
#include "listing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct id_slot {
    const char *key; /* NULL: empty */
    uint32_t hash;
    uint32_t index;
} id_slot;

typedef struct pkg_slot {
    const char *name; /* NULL: empty */
    uint32_t hash;
    int collection;
    uint32_t start, count;
} pkg_slot;

#define LOAD_MAX_THREADS 4

struct csec_db {
    csec_arena arena;
    csec_arena arenas[LOAD_MAX_THREADS]; /* one per loading thread */
    csec_advisory **list;
    size_t count, cap;
    size_t unread; /* advisory files of the packages a partial load skipped */
    size_t errors;
    id_slot *ids;
    size_t ids_cap, ids_used;
    pkg_slot *pkgs;
    size_t pkgs_cap;
    bool has_commit;
    /* What the listing cache did in this load (for tests). */
    size_t dirs_listed, dirs_remembered;
    bool listing_saved;
    char commit[41];
    int64_t commit_time;
};

static uint32_t fnv1a(const char *s, int salt)
{
    uint32_t h = 2166136261u ^ (uint32_t)salt;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* ---- id/alias index ---- */

static void ids_grow(csec_db *db);

static const id_slot *ids_lookup(const csec_db *db, const char *key, uint32_t h)
{
    if (!db->ids_cap)
        return NULL;
    size_t mask = db->ids_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const id_slot *s = &db->ids[i];
        if (!s->key)
            return NULL;
        if (s->hash == h && strcmp(s->key, key) == 0)
            return s;
    }
}

/* Inserts unless present; returns false when the key was already there.
 * `h` is fnv1a(key, 0). */
static bool ids_insert(csec_db *db, const char *key, uint32_t h, uint32_t index)
{
    if (ids_lookup(db, key, h))
        return false;
    if ((db->ids_used + 1) * 2 > db->ids_cap)
        ids_grow(db);
    size_t mask = db->ids_cap - 1, i = h & mask;
    while (db->ids[i].key)
        i = (i + 1) & mask;
    db->ids[i].key = key;
    db->ids[i].hash = h;
    db->ids[i].index = index;
    db->ids_used++;
    return true;
}

static void ids_grow(csec_db *db)
{
    size_t old_cap = db->ids_cap;
    id_slot *old = db->ids;
    db->ids_cap = old_cap ? old_cap * 2 : 4096;
    db->ids = csec__xcalloc(db->ids_cap, sizeof *db->ids);
    size_t mask = db->ids_cap - 1;
    for (size_t k = 0; k < old_cap; k++) {
        if (!old[k].key)
            continue;
        size_t i = old[k].hash & mask;
        while (db->ids[i].key)
            i = (i + 1) & mask;
        db->ids[i] = old[k];
    }
    free(old);
}

/* ---- package index, built once after loading ---- */

static const pkg_slot *pkgs_lookup(const csec_db *db, int coll, const char *name)
{
    if (!db->pkgs_cap)
        return NULL;
    uint32_t h = fnv1a(name, coll);
    size_t mask = db->pkgs_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const pkg_slot *s = &db->pkgs[i];
        if (!s->name)
            return NULL;
        if (s->hash == h && s->collection == coll && strcmp(s->name, name) == 0)
            return s;
    }
}

/* The alias index and the package index, in one pass over the advisories
 * (after every id is in, so that an id always wins over an alias).  Each
 * advisory is cold here, parsed on another thread or long ago: it is read
 * once, and fetched a few iterations ahead. */
#define PREFETCH_AHEAD 8

static void build_indexes(csec_db *db)
{
    size_t cap = 16;
    while (cap < db->count * 2 + 2)
        cap *= 2;
    db->pkgs_cap = cap;
    db->pkgs = csec__xcalloc(cap, sizeof *db->pkgs);
    size_t start = 0;
    for (size_t i = 0; i < db->count; i++) {
        if (i + PREFETCH_AHEAD < db->count)
            __builtin_prefetch(db->list[i + PREFETCH_AHEAD]);
        if (i + PREFETCH_AHEAD / 2 < db->count)
            __builtin_prefetch(db->list[i + PREFETCH_AHEAD / 2]->aliases.items);
        const csec_advisory *a = db->list[i];
        for (size_t k = 0; k < a->aliases.count; k++)
            ids_insert(db, a->aliases.items[k], fnv1a(a->aliases.items[k], 0), (uint32_t)i);
        const csec_advisory *next = i + 1 < db->count ? db->list[i + 1] : NULL;
        if (next && next->collection == a->collection && strcmp(next->package, a->package) == 0)
            continue;
        /* a ends the run of its package, which began at `start`. */
        const csec_advisory *first = db->list[start];
        uint32_t h = fnv1a(first->package, (int)first->collection);
        size_t k = h & (cap - 1);
        while (db->pkgs[k].name)
            k = (k + 1) & (cap - 1);
        db->pkgs[k] = (pkg_slot){first->package, h, (int)first->collection, (uint32_t)start,
                                 (uint32_t)(i + 1 - start)};
        start = i + 1;
    }
}

/* ---- loading ----
 *
 * The calling thread lists the package directories of both collections in
 * sorted order; a small pool of threads (one per core, at most
 * LOAD_MAX_THREADS, the caller included) then takes packages a chunk at a
 * time: it opens the chunk's directories in one batch, lists them, and
 * opens, reads and closes all their files in one more (lib/files.h: one
 * io_uring submission instead of three system calls per file), parsing each
 * into the thread's own arena.  In a git checkout a directory whose stat
 * is the one remembered by the previous load is not listed again: its
 * names come from the listing cache (lib/listing.h) and its files are
 * opened through the collection directory.  Chunks shrink towards the end
 * so that the threads finish together.  The results are merged afterwards
 * in package order, so the load order, the indexes and the order of error
 * reports do not depend on scheduling. */

/* Packages per chunk: at most enough that a batch carries dozens of
 * files, at least enough that taking a chunk costs little. */
#define CHUNK 32
#define CHUNK_MIN 4

typedef struct file_result {
    csec_advisory *adv; /* parsed, in the worker's arena; or NULL */
    csec_diag *err;     /* heap, when the file failed */
    /* Worked out by the worker, where the advisory is still in cache, so
     * that the merge does not have to touch it. */
    uint32_t id_hash;
    bool draft;
} file_result;

typedef struct pkg_job {
    int coll_fd;      /* the collection directory, open during the load */
    const char *name; /* the package directory's name, in load_pool.names */
    char *path;       /* "<root>/<collection>/<package>", heap */
    file_result *files;
    size_t nfiles;
    bool skip;      /* a partial load: list and count the files, read none */
    size_t unread;  /* their number, when skipped */
    csec_diag *err; /* the directory could not be listed */
    /* The listing cache (only when load_pool.cache_on). */
    const csec__listing_dir *remembered; /* by the previous load, or NULL */
    bool hit;                            /* remembered, and still so */
    bool stamped;                        /* stamp taken, before any listing */
    csec__dir_stamp stamp;
    csec__names listing; /* when listed in this load */
} pkg_job;

typedef struct load_pool {
    pkg_job *jobs;
    size_t njobs;
    csec__names coll_names[2]; /* package names of crates/ and rust/ */
    int coll_fds[2];
    size_t root_len;
    const char **wanted; /* csec_db_options.packages, sorted; NULL: all */
    size_t nwanted;
    /* The listing cache: what the previous load remembered, and the state
     * of the collection directories now. */
    bool cache_on;
    csec__listing cache;
    int64_t start_ns; /* CLOCK_REALTIME when the load began */
    bool coll_listed[2], coll_stamped[2], coll_has_links[2];
    csec__dir_stamp coll_stamps[2];
    atomic_size_t next;
    size_t nthreads;
    /* Threads may start before the packages are listed: they wait for
     * `ready`, then take chunks of the first `ready_jobs` jobs. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool ready;
    size_t ready_jobs;
} load_pool;

typedef struct worker {
    load_pool *pool;
    csec_arena arena;
    csec__batch *batch;
    /* The chunk's files, flattened for one batch read. */
    int *dirfds;
    const char **names; /* relative to dirfds: a file name, or "<package>/<file>" */
    size_t *rel;        /* where names[i] is in `relnames`, or SIZE_MAX */
    csec_buf relnames;
    file_result **slots; /* where each result goes */
    pkg_job **owners;
    size_t cap;
    csec_buf path;
} worker;

static csec_diag *diag_copy(const csec_diag *d)
{
    csec_diag *c = csec__xmalloc(sizeof *c);
    *c = *d;
    return c;
}

static void worker_reserve(worker *w, size_t n)
{
    if (n <= w->cap)
        return;
    w->cap = n > 2 * w->cap ? n : 2 * w->cap;
    w->dirfds = csec__xrealloc(w->dirfds, csec__mul(w->cap, sizeof *w->dirfds));
    w->names = csec__xrealloc(w->names, csec__mul(w->cap, sizeof *w->names));
    w->slots = csec__xrealloc(w->slots, csec__mul(w->cap, sizeof *w->slots));
    w->owners = csec__xrealloc(w->owners, csec__mul(w->cap, sizeof *w->owners));
    w->rel = csec__xrealloc(w->rel, csec__mul(w->cap, sizeof *w->rel));
}

/* One file of the chunk has been read: parse it. */
static void on_file(void *payload, size_t i, char *data, size_t len, int err)
{
    worker *w = payload;
    pkg_job *job = w->owners[i];
    file_result *res = w->slots[i];
    csec_diag fd;
    csec__diag_clear(&fd);
    csec_buf_clear(&w->path);
    const char *slash = strrchr(w->names[i], '/');
    csec_buf_puts(&w->path, job->path);
    csec_buf_putc(&w->path, '/');
    csec_buf_puts(&w->path, slash ? slash + 1 : w->names[i]);
    csec_advisory *a = NULL;
    if (err) {
        csec__diag_set(&fd, CSEC_EIO, w->path.ptr, 0, 0, "cannot read: %s", strerror(err));
        res->err = diag_copy(&fd);
        return;
    }
    if (csec__advisory_parse_arena(&a, &w->arena, w->path.ptr, data, len, &fd) < 0) {
        res->err = diag_copy(&fd);
        return;
    }
    a->path += w->pool->root_len + 1; /* relative to the database root */
    res->adv = a;
    res->id_hash = fnv1a(a->id, 0);
    res->draft = strcmp(a->id, "RUSTSEC-0000-0000") == 0;
}

/* What a full load would count: `*.md` files other than the draft. */
static bool is_advisory_name(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".md") == 0 && strcmp(name, "RUSTSEC-0000-0000.md") != 0;
}

/* Whether the package directory must be listed: not when it is the one the
 * previous load remembered (then its stat is the job's stamp as well). */
static bool needs_listing(const load_pool *pool, pkg_job *job)
{
    if (!pool->cache_on || !job->remembered)
        return true;
    struct stat st;
    if (fstatat(job->coll_fd, job->name, &st, 0) != 0 || !S_ISDIR(st.st_mode))
        return true;
    csec__dir_stamp_of(&job->stamp, &st);
    job->stamped = true;
    job->hit = csec__dir_stamp_equal(&job->stamp, &job->remembered->stamp);
    return !job->hit;
}

static void load_chunk(worker *w, pkg_job *jobs, size_t n)
{
    const load_pool *pool = w->pool;
    int parents[CHUNK] = {0}, fds[CHUNK] = {0}, opened[CHUNK] = {0};
    const char *dirnames[CHUNK] = {0};
    size_t nopen = 0;
    for (size_t j = 0; j < n; j++) {
        fds[j] = -1;
        if (needs_listing(pool, &jobs[j])) {
            parents[nopen] = jobs[j].coll_fd;
            dirnames[nopen] = jobs[j].name;
            opened[nopen++] = (int)j;
        }
    }
    int open_fds[CHUNK] = {0};
    csec__batch_open_dirs(w->batch, parents, dirnames, nopen, open_fds);
    for (size_t k = 0; k < nopen; k++)
        fds[opened[k]] = open_fds[k];

    size_t total = 0;
    csec_buf_clear(&w->relnames);
    for (size_t j = 0; j < n; j++) {
        pkg_job *job = &jobs[j];
        const char *const *names;
        size_t count;
        int dirfd;
        if (job->hit) {
            names = job->remembered->names;
            count = job->remembered->count;
            dirfd = job->coll_fd;
        } else {
            struct stat st;
            /* The stamp goes before the listing: a change in between then
             * shows as a different stamp next time, never as a stale list. */
            if (pool->cache_on && !job->stamped && fds[j] >= 0 && fstat(fds[j], &st) == 0) {
                csec__dir_stamp_of(&job->stamp, &st);
                job->stamped = true;
            }
            int rc =
                fds[j] < 0 ? fds[j] : csec__list_dir(&job->listing, fds[j], CSEC__LIST_NO_DOTS);
            if (rc < 0) {
                csec_diag fd;
                csec__diag_set(&fd, CSEC_EIO, job->path, 0, 0, "cannot list: %s", strerror(-rc));
                job->err = diag_copy(&fd);
                job->stamped = false;
                continue;
            }
            names = (const char *const *)job->listing.items;
            count = job->listing.count;
            dirfd = fds[j];
        }
        if (job->skip) {
            for (size_t f = 0; f < count; f++)
                job->unread += is_advisory_name(names[f]);
            continue;
        }
        job->nfiles = count;
        job->files = csec__xcalloc(job->nfiles ? job->nfiles : 1, sizeof *job->files);
        worker_reserve(w, total + job->nfiles);
        for (size_t f = 0; f < job->nfiles; f++, total++) {
            w->dirfds[total] = dirfd;
            w->names[total] = names[f];
            w->rel[total] = SIZE_MAX;
            if (job->hit) { /* opened through the collection: "<package>/<file>" */
                w->rel[total] = w->relnames.len;
                csec_buf_puts(&w->relnames, job->name);
                csec_buf_putc(&w->relnames, '/');
                csec_buf_put(&w->relnames, names[f], strlen(names[f]) + 1);
            }
            w->slots[total] = &job->files[f];
            w->owners[total] = job;
        }
    }
    /* Pointers only now: relnames may have moved while growing. */
    for (size_t i = 0; i < total; i++)
        if (w->rel[i] != SIZE_MAX)
            w->names[i] = w->relnames.ptr + w->rel[i];
    csec__batch_read(w->batch, w->dirfds, w->names, total, on_file, w);
    csec__batch_close(w->batch, fds, n);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    load_pool *pool = w->pool;
    w->batch = csec__batch_new();
    pthread_mutex_lock(&pool->mu);
    while (!pool->ready)
        pthread_cond_wait(&pool->cv, &pool->mu);
    size_t total = pool->ready_jobs;
    pthread_mutex_unlock(&pool->mu);
    size_t i = atomic_load(&pool->next), n;
    for (;;) {
        if (i >= total)
            break;
        /* Chunks shrink towards the end so that the threads finish
         * together: a quarter of each thread's share of what is left. */
        n = (total - i) / (4 * pool->nthreads);
        n = n < CHUNK_MIN ? CHUNK_MIN : n > CHUNK ? CHUNK : n;
        if (n > total - i)
            n = total - i;
        if (!atomic_compare_exchange_weak(&pool->next, &i, i + n))
            continue; /* i now holds the current value */
        load_chunk(w, &pool->jobs[i], n);
        i = atomic_load(&pool->next);
    }
    csec__batch_free(w->batch);
    w->batch = NULL;
    return NULL;
}

/* Reports one bad file.  Returns nonzero when loading must stop. */
static int report(csec_db *db, const csec_db_options *opts, csec_diag *d, csec_diag *fd)
{
    db->errors++;
    if (opts && opts->on_error)
        opts->on_error(fd, opts->payload);
    if (opts && opts->strict) {
        if (d)
            *d = *fd;
        return fd->code ? fd->code : CSEC_EPARSE;
    }
    return 0;
}

/* Appends the package directories of one collection to the pool's jobs.
 * A missing `rust/` is fine (older databases); a missing `crates/` is not. */
static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int list_collection(load_pool *pool, size_t *cap, const char *root, int c, csec_diag *d)
{
    static const char *const colls[2] = {"crates", "rust"};
    int rc = 0;
    csec__names *pkgs = &pool->coll_names[c];
    csec_buf path = CSEC_BUF_INIT;
    csec_buf_printf(&path, "%s/%s", root, colls[c]);
    /* The fd stays open for openat() of each package; closed by load_tree. */
    pool->coll_fds[c] = open(path.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pool->coll_fds[c] < 0) {
        if (c == 0 || errno != ENOENT)
            rc = csec__diag_set(d, errno == ENOENT ? CSEC_ENOTFOUND : CSEC_EIO, path.ptr, 0, 0,
                                "cannot open advisory directory: %s", strerror(errno));
        goto done;
    }
    const csec__listing_dir *remembered = NULL, *cursor = NULL, *end = NULL;
    if (pool->cache_on) {
        struct stat st;
        cursor = pool->cache.dirs + csec__listing_lower_bound(&pool->cache, colls[c]);
        end = pool->cache.dirs + pool->cache.ndirs;
        if (cursor < end && strcmp(cursor->path, colls[c]) == 0)
            remembered = cursor++;
        if (fstat(pool->coll_fds[c], &st) == 0) {
            csec__dir_stamp_of(&pool->coll_stamps[c], &st);
            pool->coll_stamped[c] = true;
        }
    }
    if (remembered && pool->coll_stamped[c] &&
        csec__dir_stamp_equal(&remembered->stamp, &pool->coll_stamps[c])) {
        pkgs->items = csec__xmalloc(csec__mul(remembered->count + 1, sizeof *pkgs->items));
        for (size_t i = 0; i < remembered->count; i++)
            pkgs->items[i] = (char *)remembered->names[i];
        pkgs->count = pkgs->cap = remembered->count;
    } else {
        if ((rc = csec__list_dir(pkgs, pool->coll_fds[c], CSEC__LIST_DIRS)) < 0) {
            rc = csec__diag_set(d, CSEC_EIO, path.ptr, 0, 0, "cannot list advisory directory: %s",
                                strerror(-rc));
            goto done;
        }
        pool->coll_listed[c] = true;
        for (size_t i = 0; i < pkgs->count; i++)
            pool->coll_has_links[c] |= csec__name_type(pkgs->items[i]) == DT_LNK;
    }
    /* The packages' remembered listings follow the collection's, in the
     * same order as the packages (bytewise): one walk finds them all. */
    size_t base = path.len;
    for (size_t i = 0; i < pkgs->count; i++) {
        if (pool->njobs == *cap) {
            *cap = *cap ? *cap * 2 : 1024;
            pool->jobs = csec__xrealloc(pool->jobs, csec__mul(*cap, sizeof *pool->jobs));
        }
        pkg_job *job = &pool->jobs[pool->njobs++];
        memset(job, 0, sizeof *job);
        job->coll_fd = pool->coll_fds[c];
        job->name = pkgs->items[i];
        job->skip = pool->wanted && (c != 0 || !bsearch(&job->name, pool->wanted, pool->nwanted,
                                                        sizeof *pool->wanted, cmp_str_ptr));
        path.len = base;
        csec_buf_putc(&path, '/');
        csec_buf_puts(&path, job->name);
        job->path = csec__xstrndup(path.ptr, path.len);
        const char *rel = job->path + pool->root_len + 1;
        while (cursor && cursor < end && strcmp(cursor->path, rel) < 0)
            cursor++;
        if (cursor && cursor < end && strcmp(cursor->path, rel) == 0)
            job->remembered = cursor;
    }
done:
    csec_buf_free(&path);
    return rc;
}

static void add_advisory(csec_db *db, csec_advisory *a)
{
    if (db->count == db->cap) {
        db->cap = db->cap ? db->cap * 2 : 2048;
        db->list = csec__xrealloc(db->list, csec__mul(db->cap, sizeof *db->list));
    }
    db->list[db->count++] = a;
}

/* Merges the parsed packages in order: error reports, drafts, duplicate ids. */
static int merge_jobs(csec_db *db, load_pool *pool, const csec_db_options *opts, csec_diag *d)
{
    for (size_t i = 0; i < pool->njobs; i++) {
        pkg_job *job = &pool->jobs[i];
        int rc;
        if (job->err && (rc = report(db, opts, d, job->err)) != 0)
            return rc;
        db->unread += job->unread;
        for (size_t j = 0; j < job->nfiles; j++) {
            file_result *f = &job->files[j];
            if (f->err) {
                if ((rc = report(db, opts, d, f->err)) != 0)
                    return rc;
                continue;
            }
            if (f->draft)
                continue; /* a draft: validated, not indexed */
            if (!ids_insert(db, f->adv->id, f->id_hash, (uint32_t)db->count)) {
                csec_diag fd;
                csec__diag_set(&fd, CSEC_EPARSE, NULL, 0, 0, "duplicate advisory ID `%s`",
                               f->adv->id);
                snprintf(fd.file, sizeof fd.file, "%.*s/%s", (int)pool->root_len, job->path,
                         f->adv->path);
                if ((rc = report(db, opts, d, &fd)) != 0)
                    return rc;
                continue;
            }
            add_advisory(db, f->adv);
        }
    }
    return 0;
}

static size_t load_threads(size_t njobs)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > LOAD_MAX_THREADS)
        n = LOAD_MAX_THREADS;
    /* Starting a thread costs more than loading a few packages. */
    if ((size_t)n > njobs / 32 + 1)
        n = (long)(njobs / 32 + 1);
    return (size_t)n;
}

/* Starts workers[from..to) (workers[0] is the calling thread); returns
 * how many run, the calling thread counted.  Fewer is fine: the others
 * take the work. */
static size_t start_workers(worker *workers, pthread_t *tids, size_t from, size_t to)
{
    for (; from < to; from++)
        if (pthread_create(&tids[from], NULL, worker_main, &workers[from]) != 0)
            break;
    return from;
}

/* ---- the listing cache (lib/listing.h) ---- */

/* `git_dir`: the checkout has a .git directory, where the cache lives. */
static void start_listing_cache(load_pool *pool, const char *root, bool git_dir)
{
    struct timespec now;
    if (!git_dir || !csec__listing_enabled() || clock_gettime(CLOCK_REALTIME, &now) != 0)
        return;
    pool->start_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
    pool->cache_on = true;
    if (csec__listing_read(&pool->cache, root) == 0)
        return;
    /* Nothing remembered: stat'ing directories is worth it only when this
     * load can leave a listing for the next one. */
    csec_buf git = CSEC_BUF_INIT;
    csec_buf_printf(&git, "%s/.git", root);
    pool->cache_on = access(git.ptr, W_OK) == 0;
    csec_buf_free(&git);
}

/* Whether the listing of this directory can be remembered. */
static bool rememberable(const load_pool *pool, bool stamped, const csec__dir_stamp *stamp)
{
    return stamped && csec__dir_stamp_settled(stamp, pool->start_ns);
}

/* Writes the listings of this load when one was taken that the next load
 * could use; the listings that were remembered are carried over. */
static void save_listing_cache(csec_db *db, const load_pool *pool, const char *root)
{
    static const char *const colls[2] = {"crates", "rust"};
    if (!pool->cache_on)
        return;
    bool worth = false;
    for (int c = 0; c < 2; c++)
        worth |= pool->coll_listed[c] && !pool->coll_has_links[c] &&
                 rememberable(pool, pool->coll_stamped[c], &pool->coll_stamps[c]);
    for (size_t i = 0; i < pool->njobs && !worth; i++) {
        const pkg_job *job = &pool->jobs[i];
        worth = !job->hit && !job->err && rememberable(pool, job->stamped, &job->stamp);
    }
    if (!worth)
        return;
    csec_buf out = CSEC_BUF_INIT;
    csec__listing_begin(&out);
    size_t i = 0;
    for (int c = 0; c < 2; c++) {
        const csec__names *pkgs = &pool->coll_names[c];
        if (pool->coll_fds[c] >= 0 && !pool->coll_has_links[c] &&
            rememberable(pool, pool->coll_stamped[c], &pool->coll_stamps[c]))
            csec__listing_add(&out, colls[c], &pool->coll_stamps[c],
                              (const char *const *)pkgs->items, pkgs->count);
        for (; i < pool->njobs && pool->jobs[i].coll_fd == pool->coll_fds[c]; i++) {
            const pkg_job *job = &pool->jobs[i];
            const char *rel = job->path + pool->root_len + 1;
            if (job->hit)
                csec__listing_add(&out, rel, &job->stamp, job->remembered->names,
                                  job->remembered->count);
            else if (!job->err && rememberable(pool, job->stamped, &job->stamp))
                csec__listing_add(&out, rel, &job->stamp, (const char *const *)job->listing.items,
                                  job->listing.count);
        }
    }
    if (csec__listing_commit(root, &out) == 0)
        db->listing_saved = true;
    csec_buf_free(&out);
}

static int load_tree(csec_db *db, const char *root, bool git_dir, const csec_db_options *opts,
                     csec_diag *d)
{
    load_pool pool;
    memset(&pool, 0, sizeof pool);
    pool.root_len = strlen(root);
    atomic_init(&pool.next, 0);
    pool.coll_fds[0] = pool.coll_fds[1] = -1;
    if (opts && opts->packages) {
        pool.nwanted = opts->packages_count;
        pool.wanted =
            csec__xmalloc(csec__mul(pool.nwanted ? pool.nwanted : 1, sizeof *pool.wanted));
        for (size_t i = 0; i < pool.nwanted; i++)
            pool.wanted[i] = opts->packages[i];
        qsort(pool.wanted, pool.nwanted, sizeof *pool.wanted, cmp_str_ptr);
    }
    start_listing_cache(&pool, root, git_dir);
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.cv, NULL);
    worker workers[LOAD_MAX_THREADS];
    pthread_t tids[LOAD_MAX_THREADS];
    memset(workers, 0, sizeof workers);
    for (size_t t = 0; t < LOAD_MAX_THREADS; t++)
        workers[t].pool = &pool;
    /* With remembered listings the size of the job is known before any
     * listing: the other threads start now and set up meanwhile. */
    pool.nthreads = load_threads(pool.cache.ndirs);
    size_t started = start_workers(workers, tids, 1, pool.nthreads);
    size_t cap = 0;
    int rc = list_collection(&pool, &cap, root, 0, d);
    if (rc == 0)
        rc = list_collection(&pool, &cap, root, 1, d);
    if (rc == 0 && load_threads(pool.njobs) > pool.nthreads)
        pool.nthreads = load_threads(pool.njobs);
    pthread_mutex_lock(&pool.mu);
    pool.ready = true;
    pool.ready_jobs = rc == 0 ? pool.njobs : 0;
    pthread_cond_broadcast(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    if (rc == 0) {
        started = start_workers(workers, tids, started, pool.nthreads);
        worker_main(&workers[0]);
    }
    for (size_t t = 1; t < started; t++)
        pthread_join(tids[t], NULL);
    pthread_mutex_destroy(&pool.mu);
    pthread_cond_destroy(&pool.cv);
    for (size_t t = 0; t < LOAD_MAX_THREADS; t++) {
        db->arenas[t] = workers[t].arena;
        free(workers[t].dirfds);
        free(workers[t].names);
        free(workers[t].rel);
        csec_buf_free(&workers[t].relnames);
        free(workers[t].slots);
        free(workers[t].owners);
        csec_buf_free(&workers[t].path);
    }
    for (size_t i = 0; i < pool.njobs; i++) {
        db->dirs_remembered += pool.jobs[i].hit;
        db->dirs_listed += !pool.jobs[i].hit;
    }
    for (int c = 0; c < 2; c++) {
        db->dirs_listed += pool.coll_listed[c];
        db->dirs_remembered += pool.coll_fds[c] >= 0 && !pool.coll_listed[c];
    }
    if (rc < 0)
        goto done;
    rc = merge_jobs(db, &pool, opts, d);
    if (rc == 0)
        save_listing_cache(db, &pool, root);
done:
    for (size_t i = 0; i < pool.njobs; i++) {
        csec__names_free(&pool.jobs[i].listing);
        for (size_t j = 0; j < pool.jobs[i].nfiles; j++)
            free(pool.jobs[i].files[j].err);
        free(pool.jobs[i].files);
        free(pool.jobs[i].err);
        free(pool.jobs[i].path);
    }
    free(pool.jobs);
    free(pool.wanted);
    for (int c = 0; c < 2; c++) {
        if (pool.coll_fds[c] >= 0)
            close(pool.coll_fds[c]);
        csec__names_free(&pool.coll_names[c]);
    }
    csec__listing_free(&pool.cache);
    return rc;
}

/* ---- git metadata ---- */

static void on_git_time(const char *path, int64_t time, void *payload)
{
    csec_db *db = payload;
    int coll;
    const char *rest;
    if (strncmp(path, "crates/", 7) == 0) {
        coll = CSEC_COLLECTION_CRATES;
        rest = path + 7;
    } else if (strncmp(path, "rust/", 5) == 0) {
        coll = CSEC_COLLECTION_RUST;
        rest = path + 5;
    } else {
        return;
    }
    const char *slash = strchr(rest, '/');
    if (!slash || (size_t)(slash - rest) >= 512)
        return;
    char pkg[512];
    memcpy(pkg, rest, (size_t)(slash - rest));
    pkg[slash - rest] = '\0';
    const pkg_slot *s = pkgs_lookup(db, coll, pkg);
    for (uint32_t i = 0; s && i < s->count; i++) {
        csec_advisory *a = db->list[s->start + i];
        if (strcmp(a->path, path) == 0)
            a->modified = time;
    }
}

/* The mode of <root>/.git (a directory, or a file in a worktree), or 0. */
static mode_t dot_git_mode(const char *root)
{
    csec_buf p = CSEC_BUF_INIT;
    csec_buf_printf(&p, "%s/.git", root);
    struct stat st;
    mode_t mode = stat(p.ptr, &st) == 0 ? st.st_mode : 0;
    csec_buf_free(&p);
    return mode;
}

int csec_db_open(csec_db **out, const char *path, const csec_db_options *opts, csec_diag *d)
{
    int rc = 0;
    *out = NULL;
    csec__diag_clear(d);
    csec_db *db = csec__xcalloc(1, sizeof *db);
    size_t root_len = strlen(path);
    while (root_len > 1 && path[root_len - 1] == '/')
        root_len--;
    char *root = csec__xstrndup(path, root_len);

    mode_t git = dot_git_mode(root);
    if ((rc = load_tree(db, root, S_ISDIR(git), opts, d)) < 0)
        goto done;
    build_indexes(db);

    if (opts && opts->git_times) {
        csec_diag gd;
        int g = csec__git_modified_times(root, on_git_time, db, &gd);
        if (g < 0 && g != CSEC_ENOTFOUND) {
            if (d)
                *d = gd;
            rc = g;
            goto done;
        }
    }
    /* Only ask git when there is a .git: starting libgit2 costs more than
     * loading the whole database. */
    if ((opts && opts->git_times) || git != 0) {
        csec_diag gd;
        if (csec__git_head(root, db->commit, &db->commit_time, &gd) == 0)
            db->has_commit = true;
    }
done:
    free(root);
    if (rc < 0) {
        csec_db_free(db);
        db = NULL;
    }
    *out = db;
    return rc;
}

void csec_db_free(csec_db *db)
{
    if (!db)
        return;
    csec__arena_free(&db->arena);
    for (size_t t = 0; t < LOAD_MAX_THREADS; t++)
        csec__arena_free(&db->arenas[t]);
    free(db->list);
    free(db->ids);
    free(db->pkgs);
    free(db);
}

void csec__db_listing_stats(const csec_db *db, size_t *listed, size_t *remembered, bool *saved)
{
    *listed = db->dirs_listed;
    *remembered = db->dirs_remembered;
    *saved = db->listing_saved;
}

size_t csec_db_total(const csec_db *db)
{
    return db ? db->count + db->unread : 0;
}

size_t csec_db_count(const csec_db *db)
{
    return db ? db->count : 0;
}

const csec_advisory *csec_db_get(const csec_db *db, size_t i)
{
    return db && i < db->count ? db->list[i] : NULL;
}

size_t csec_db_error_count(const csec_db *db)
{
    return db ? db->errors : 0;
}

const csec_advisory *csec_db_find(const csec_db *db, const char *id_or_alias)
{
    if (!db || !id_or_alias)
        return NULL;
    const id_slot *s = ids_lookup(db, id_or_alias, fnv1a(id_or_alias, 0));
    return s ? db->list[s->index] : NULL;
}

const csec_advisory *const *csec_db_by_package(const csec_db *db, csec_collection c,
                                               const char *name, size_t *count)
{
    const pkg_slot *s = db && name ? pkgs_lookup(db, (int)c, name) : NULL;
    if (!s) {
        *count = 0;
        return NULL;
    }
    *count = s->count;
    return (const csec_advisory *const *)db->list + s->start;
}

const char *csec_db_commit(const csec_db *db, int64_t *commit_time)
{
    if (!db || !db->has_commit) {
        if (commit_time)
            *commit_time = 0;
        return NULL;
    }
    if (commit_time)
        *commit_time = db->commit_time;
    return db->commit;
}

/* ---- queries (spec §2.6) ---- */

static bool list_has(const csec_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

static bool targets_pass(const csec_strlist *adv, const char *const *q, size_t n)
{
    if (adv->count == 0 || n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (q[i] && list_has(adv, q[i]))
            return true;
    return false;
}

static bool tristate_pass(csec_tristate t, bool value)
{
    return t == CSEC_ANY || (t == CSEC_YES) == value;
}

bool csec_query_matches(const csec_query *q, const csec_advisory *a)
{
    if (q->collection >= 0 && q->collection != (int)a->collection)
        return false;
    if (q->package && strcmp(q->package, a->package) != 0)
        return false;
    if (q->version && !csec_advisory_affects(a, q->version))
        return false;
    if (q->category && !list_has(&a->categories, q->category))
        return false;
    if (q->keyword && !list_has(&a->keywords, q->keyword))
        return false;
    if (q->severity_threshold != CSEC_SEVERITY_NONE && a->cvss &&
        a->cvss->severity < q->severity_threshold)
        return false;
    if (!targets_pass(&a->arch, q->arch, q->arch_count) ||
        !targets_pass(&a->os, q->os, q->os_count))
        return false;
    if (q->year) {
        csec__id_kind kind;
        int year = 0;
        if (csec__id_parse(&kind, &year, a->id, strlen(a->id), NULL) == 0 && year != 0 &&
            year != q->year)
            return false;
    }
    return tristate_pass(q->withdrawn, csec_advisory_is_withdrawn(a)) &&
           tristate_pass(q->informational, a->informational != CSEC_INFO_NONE);
}

size_t csec_db_query(const csec_db *db, const csec_query *q,
                     void (*cb)(const csec_advisory *a, void *payload), void *payload)
{
    size_t n = 0, count = 0;
    const csec_advisory *const *list;
    if (q->package && q->collection >= 0) {
        list = csec_db_by_package(db, (csec_collection)q->collection, q->package, &count);
    } else {
        list = (const csec_advisory *const *)db->list;
        count = db->count;
    }
    for (size_t i = 0; i < count; i++) {
        if (csec_query_matches(q, list[i])) {
            n++;
            if (cb)
                cb(list[i], payload);
        }
    }
    return n;
}
