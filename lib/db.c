/* db.c - loading an advisory database directory (spec §1.2), its indexes,
 * and queries (spec §2.6).
 *
 * One function decides what is loaded: load_tree below.  It walks crates/
 * and rust/ in sorted order (collection, package, file name: bytewise) with
 * plain readdir/open/read on the calling thread, and every entry ends in
 * one of three ways:
 *   - loaded: a file that reads and parses (drafts are parsed, not indexed);
 *   - an error, kept in the database (csec_db_error) and given to on_error:
 *     a file that cannot be read, is too large, does not parse (including a
 *     package name crates.io would refuse, such as ".a", and a package that
 *     is not its directory's), or whose id another file already has (both
 *     files are loaded then: a bad input never hides a parseable advisory);
 *   - left out without an error: a file directly in crates/ or rust/, or a
 *     hidden file (".name") in a package directory.  Neither can change
 *     what a lookup finds; `cratesec lint` reports them.
 * csec_db_lint (lint.c) is this walk plus the linter's own checks.
 *
 * Everything lives in one arena.  The advisories of one package are
 * contiguous in load order, so the package index maps a name to a run of
 * the load-order array; ids and aliases map to positions in it (map.h). */
#include "advisory.h"

#include "crate_name.h"
#include "db.h"
#include "gittime.h"
#include "map.h"
#include "options.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The advisories of one package: a run of the load-order array. */
typedef struct pkg_run {
    uint32_t start, count;
} pkg_run;

struct csec_db {
    csec_arena arena;
    csec_advisory **list;
    size_t count, cap;
    csec_db_error *errors; /* every problem of the load, in load order */
    size_t nerrors, caperrors;
    csec_map ids;     /* id or alias -> position in `list` (an id wins, then the first) */
    csec_map pkgs[2]; /* per collection: package name -> run number in `runs` */
    pkg_run *runs;
    char *root;
    bool git_dir; /* <root>/.git exists: the commit can be asked of git */
    /* A partial load: the package directories it did not read, counted by
     * csec_db_total only when asked. */
    const char **unread_dirs; /* "crates/name", in the arena */
    size_t nunread_dirs, capunread_dirs;
    /* What is worked out on first use (csec_db_total, csec_db_commit). */
    pthread_mutex_t lazy;
    bool unread_counted;
    size_t unread;
    int commit_state; /* 0 not asked yet, 1 known, -1 none */
    char commit[41];
    int64_t commit_time;
};

/* ---- indexes ---- */

/* Maps `key` to advisory `index` unless it is mapped already; returns the
 * position it was mapped to before, or SIZE_MAX. */
static size_t ids_insert(csec_db *db, const char *key, size_t index)
{
    bool added;
    csec_map_entry *e = csec__map_put(&db->ids, key, strlen(key), &added);
    if (!added)
        return e->val.idx;
    e->val.idx = index;
    return SIZE_MAX;
}

static const pkg_run *pkgs_lookup(const csec_db *db, int coll, const char *name, size_t len)
{
    const csec_map_entry *e = csec__map_find(&db->pkgs[coll], name, len);
    return e ? &db->runs[e->val.idx] : NULL;
}

/* The alias index and the package index, in one pass over the advisories
 * (after every id is in, so that an id always wins over an alias). */
static void build_indexes(csec_db *db)
{
    db->runs = csec__xmalloc(csec__mul(db->count ? db->count : 1, sizeof *db->runs));
    size_t start = 0, nruns = 0;
    for (size_t i = 0; i < db->count; i++) {
        const csec_advisory *a = db->list[i];
        for (size_t k = 0; k < a->aliases.count; k++)
            ids_insert(db, a->aliases.items[k], i);
        const csec_advisory *next = i + 1 < db->count ? db->list[i + 1] : NULL;
        if (next && next->collection == a->collection && strcmp(next->package, a->package) == 0)
            continue;
        /* a ends the run of its package, which began at `start`. */
        const char *name = db->list[start]->package;
        csec_map_entry *e = csec__map_put(&db->pkgs[a->collection], name, strlen(name), NULL);
        e->val.idx = nruns;
        db->runs[nruns++] = (pkg_run){(uint32_t)start, (uint32_t)(i + 1 - start)};
        start = i + 1;
    }
}

/* ---- loading ---- */

static const char *const collection_dirs[2] = {"crates", "rust"};

typedef struct loader {
    csec_db *db;
    const csec_db_options *opts;
    const csec__load_hooks *hooks;
    csec_diag *d;
    csec_map wanted; /* csec_db_options.packages (crate names); unused: all */
    bool partial;
    csec_buf path; /* "<root>/<collection>/<package>/<file>" of the current file */
} loader;

static void add_advisory(csec_db *db, csec_advisory *a)
{
    if (db->count == db->cap)
        db->list = csec__grow(db->list, &db->cap, 2048, sizeof *db->list);
    db->list[db->count++] = a;
}

/* Records one problem and gives it to on_error.  `package` and `other` are
 * the packages it concerns (other may be NULL).  Returns nonzero when the
 * load must stop (strict). */
static int problem(loader *L, const csec_diag *fd, int coll, const char *package, const char *other,
                   bool parse_error)
{
    csec_db *db = L->db;
    if (db->nerrors == db->caperrors)
        db->errors = csec__grow(db->errors, &db->caperrors, 16, sizeof *db->errors);
    csec_db_error *e = &db->errors[db->nerrors++];
    memset(e, 0, sizeof *e);
    e->diag = *fd;
    if (!e->diag.code)
        e->diag.code = CSEC_EPARSE;
    e->collection = (csec_collection)coll;
    e->package = package ? csec__arena_strndup(&db->arena, package, strlen(package)) : NULL;
    if (other && (!package || strcmp(other, package) != 0))
        e->other_package = csec__arena_strndup(&db->arena, other, strlen(other));
    /* lint reports parse errors with its own per-file checks */
    bool quiet = parse_error && L->hooks && L->hooks->own_parse_errors;
    if (L->opts && L->opts->on_error && !quiet)
        L->opts->on_error(&e->diag, L->opts->payload);
    if (L->opts && L->opts->strict) {
        if (L->d)
            *L->d = e->diag;
        return e->diag.code;
    }
    return 0;
}

static bool wanted(const loader *L, int coll, const char *name)
{
    if (!L->partial)
        return true;
    return coll == CSEC_COLLECTION_CRATES && csec__map_find(&L->wanted, name, strlen(name));
}

static void skipped(loader *L, const char *path, const char *why)
{
    if (L->hooks && L->hooks->skipped)
        L->hooks->skipped(L->hooks->payload, path, why);
}

/* One advisory file: read, parse, and keep or report it. */
static int load_file(loader *L, const csec__dir *dir, const char *name, int coll,
                     const char *package, size_t root_len)
{
    csec_db *db = L->db;
    csec_diag fd;
    csec__diag_clear(&fd);
    char *text = NULL;
    size_t len = 0;
    if (csec__read_at(&text, &len, dir->fd, name, L->path.ptr, CSEC_ADVISORY_MAX_BYTES,
                      CSEC__READ_REGULAR, &fd) < 0)
        return problem(L, &fd, coll, package, NULL, false);
    if (L->hooks && L->hooks->file)
        L->hooks->file(L->hooks->payload, L->path.ptr, text, len);
    csec_advisory *a = NULL;
    const char *declared = NULL;
    int rc = csec__advisory_parse_arena(&a, &declared, &db->arena, L->path.ptr, text, len, &fd);
    free(text);
    if (rc < 0)
        return problem(L, &fd, coll, package, declared, true);
    a->path += root_len + 1; /* relative to the database root */
    if (strcmp(a->id, "RUSTSEC-0000-0000") == 0)
        return 0; /* a draft: validated, not indexed */
    size_t first = ids_insert(db, a->id, db->count);
    add_advisory(db, a);
    if (first == SIZE_MAX)
        return 0;
    const csec_advisory *other = db->list[first];
    csec__diag_set(&fd, CSEC_EPARSE, L->path.ptr, 0, 0,
                   "duplicate advisory ID `%s`: also in %s; both are loaded", a->id, other->path);
    return problem(L, &fd, coll, package, other->package, false);
}

/* L->path becomes its first `len` bytes, then "/" and `name`. */
static void path_set(loader *L, size_t len, const char *name)
{
    L->path.len = len;
    csec_buf_putc(&L->path, '/');
    csec_buf_puts(&L->path, name);
}

/* One package directory, `name`, the one L->path names. */
static int load_package(loader *L, const char *name, int coll, size_t root_len)
{
    size_t pkg_len = L->path.len;
    int rc = 0;
    csec__dir dir;
    int lr = csec__dir_open(&dir, L->path.ptr);
    if (lr < 0) {
        csec_diag fd;
        csec__diag_set(&fd, CSEC_EIO, L->path.ptr, 0, 0, "cannot list: %s", strerror(-lr));
        rc = problem(L, &fd, coll, name, NULL, false);
    }
    for (size_t i = 0; rc == 0 && i < dir.count; i++) {
        const char *file = dir.entries[i].name;
        path_set(L, pkg_len, file);
        if (file[0] == '.')
            skipped(L, L->path.ptr, "hidden file, not loaded");
        else
            rc = load_file(L, &dir, file, coll, name, root_len);
    }
    csec__dir_close(&dir);
    return rc;
}

/* Remembers a package directory a partial load did not read. */
static void leave_unread(csec_db *db, int coll, const char *name)
{
    if (db->nunread_dirs == db->capunread_dirs)
        db->unread_dirs =
            csec__grow(db->unread_dirs, &db->capunread_dirs, 1024, sizeof *db->unread_dirs);
    size_t n = strlen(collection_dirs[coll]) + 1 + strlen(name);
    char *rel = csec__arena_alloc(&db->arena, n + 1);
    snprintf(rel, n + 1, "%s/%s", collection_dirs[coll], name);
    db->unread_dirs[db->nunread_dirs++] = rel;
}

/* One collection.  A missing `rust/` is fine (older databases); a missing
 * `crates/` is not. */
static int load_collection(loader *L, int coll, size_t root_len)
{
    path_set(L, root_len, collection_dirs[coll]);
    csec__dir cdir;
    int lr = csec__dir_open(&cdir, L->path.ptr);
    if (lr < 0) {
        if (coll != CSEC_COLLECTION_CRATES && lr == -ENOENT)
            return 0;
        return csec__diag_set(L->d, lr == -ENOENT ? CSEC_ENOTFOUND : CSEC_EIO, L->path.ptr, 0, 0,
                              "cannot open advisory directory: %s", strerror(-lr));
    }
    size_t coll_len = L->path.len;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < cdir.count; i++) {
        const char *name = cdir.entries[i].name;
        bool is_dir = csec__dir_is_dir(&cdir, i);
        if (is_dir && !wanted(L, coll, name)) {
            leave_unread(L->db, coll, name);
            continue;
        }
        path_set(L, coll_len, name);
        if (!is_dir)
            skipped(L, L->path.ptr, "not a package directory, not loaded");
        else
            rc = load_package(L, name, coll, root_len);
    }
    csec__dir_close(&cdir);
    return rc;
}

int csec__db_load(csec_db **out, const char *path, const csec_db_options *opts,
                  const csec__load_hooks *hooks, csec_diag *d)
{
    int rc = 0;
    *out = NULL;
    csec__diag_clear(d);
    if (opts &&
        csec__options_check(opts->version, CSEC_DB_OPTIONS_VERSION, "csec_db_options", d) < 0)
        return CSEC_EINVAL;
    csec_db *db = csec__xcalloc(1, sizeof *db);
    pthread_mutex_init(&db->lazy, NULL);
    csec__map_init(&db->ids, CSEC_MAP_BYTES, NULL);
    csec__map_init(&db->pkgs[0], CSEC_MAP_BYTES, NULL);
    csec__map_init(&db->pkgs[1], CSEC_MAP_BYTES, NULL);
    size_t root_len = strlen(path);
    while (root_len > 1 && path[root_len - 1] == '/')
        root_len--;
    db->root = csec__xstrndup(path, root_len);

    loader L;
    memset(&L, 0, sizeof L);
    L.db = db;
    L.opts = opts;
    L.hooks = hooks;
    L.d = d;
    csec__map_init(&L.wanted, CSEC_MAP_CRATE_NAMES, NULL);
    L.partial = opts && opts->packages;
    for (size_t i = 0; L.partial && i < opts->packages_count; i++)
        csec__map_put(&L.wanted, opts->packages[i], strlen(opts->packages[i]), NULL);
    csec_buf_put(&L.path, db->root, root_len);
    for (int c = 0; rc == 0 && c < 2; c++)
        rc = load_collection(&L, c, root_len);
    csec__map_free(&L.wanted);
    csec_buf_free(&L.path);
    if (rc < 0)
        goto done;
    build_indexes(db);

    struct stat st;
    csec_buf git = CSEC_BUF_INIT;
    csec_buf_printf(&git, "%s/.git", db->root);
    db->git_dir = stat(git.ptr, &st) == 0;
    csec_buf_free(&git);
    if (opts && opts->git_times) {
        rc = csec__db_git_times(db, d);
        if (rc < 0)
            goto done;
    }
done:
    if (rc < 0) {
        csec_db_free(db);
        db = NULL;
    }
    *out = db;
    return rc;
}

int csec_db_open(csec_db **out, const char *path, const csec_db_options *opts, csec_diag *d)
{
    return csec__db_load(out, path, opts, NULL, d);
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
    if (!slash)
        return;
    const pkg_run *s = pkgs_lookup(db, coll, rest, (size_t)(slash - rest));
    for (uint32_t i = 0; s && i < s->count; i++) {
        csec_advisory *a = db->list[s->start + i];
        if (strcmp(a->path, path) == 0)
            a->modified = time;
    }
}

/* With git times the plugin is loaded anyway: the commit comes along, so
 * that it is the one the times were read at. */
int csec__db_git_times(csec_db *db, csec_diag *d)
{
    csec_diag gd;
    int g = csec__git_modified_times(db->root, on_git_time, db, &gd);
    if (g < 0 && g != CSEC_ENOTFOUND) {
        if (d)
            *d = gd;
        return g;
    }
    csec_db_commit(db, NULL);
    return 0;
}

void csec_db_free(csec_db *db)
{
    if (!db)
        return;
    csec__arena_free(&db->arena);
    pthread_mutex_destroy(&db->lazy);
    free(db->list);
    free(db->errors);
    csec__map_free(&db->ids);
    csec__map_free(&db->pkgs[0]);
    csec__map_free(&db->pkgs[1]);
    free(db->runs);
    free(db->unread_dirs);
    free(db->root);
    free(db);
}

/* The `.md` files of one package directory a partial load did not read,
 * drafts and hidden files not counted. */
static size_t count_advisory_files(const char *root, const char *rel)
{
    csec_buf path = CSEC_BUF_INIT;
    csec_buf_printf(&path, "%s/%s", root, rel);
    csec__dir dir;
    size_t n = 0;
    if (csec__dir_open(&dir, path.ptr) == 0)
        for (size_t i = 0; i < dir.count; i++) {
            const char *name = dir.entries[i].name;
            size_t len = strlen(name);
            n += name[0] != '.' && len > 3 && strcmp(name + len - 3, ".md") == 0 &&
                 strcmp(name, "RUSTSEC-0000-0000.md") != 0;
        }
    csec__dir_close(&dir);
    csec_buf_free(&path);
    return n;
}

size_t csec_db_total(const csec_db *cdb)
{
    if (!cdb)
        return 0;
    csec_db *db = (csec_db *)cdb; /* the lazy part only: behind its lock */
    pthread_mutex_lock(&db->lazy);
    if (!db->unread_counted) {
        for (size_t i = 0; i < db->nunread_dirs; i++)
            db->unread += count_advisory_files(db->root, db->unread_dirs[i]);
        db->unread_counted = true;
    }
    size_t total = db->count + db->unread;
    pthread_mutex_unlock(&db->lazy);
    return total;
}

const char *csec__db_root(const csec_db *db)
{
    return db->root;
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
    return db ? db->nerrors : 0;
}

const csec_db_error *csec_db_error_get(const csec_db *db, size_t i)
{
    return db && i < db->nerrors ? &db->errors[i] : NULL;
}

const csec_db_error *csec_db_package_error(const csec_db *db, csec_collection c, const char *name)
{
    for (size_t i = 0; db && name && i < db->nerrors; i++) {
        const csec_db_error *e = &db->errors[i];
        const char *p = e->package, *o = e->other_package;
        if (e->collection == c && ((p && csec__crate_name_eq(p, strlen(p), name, strlen(name))) ||
                                   (o && csec__crate_name_eq(o, strlen(o), name, strlen(name)))))
            return e;
    }
    return NULL;
}

const csec_advisory *csec_db_find(const csec_db *db, const char *id_or_alias)
{
    if (!db || !id_or_alias)
        return NULL;
    const csec_map_entry *e = csec__map_find(&db->ids, id_or_alias, strlen(id_or_alias));
    return e ? db->list[e->val.idx] : NULL;
}

size_t csec_db_find_all(const csec_db *db, const char *id_or_alias, const csec_advisory **out,
                        size_t cap)
{
    size_t n = 0;
    if (!db || !id_or_alias)
        return 0;
    /* Rare (pages for one id, `show`) and never more than a pass over the
     * advisories: ids first; aliases only when no advisory has that id. */
    for (int pass = 0; pass < 2 && n == 0; pass++)
        for (size_t i = 0; i < db->count; i++) {
            const csec_advisory *a = db->list[i];
            if (pass == 0 ? strcmp(a->id, id_or_alias) == 0
                          : csec__strlist_has(&a->aliases, id_or_alias)) {
                if (n < cap)
                    out[n] = a;
                n++;
            }
        }
    return n;
}

const csec_advisory *const *csec_db_by_package(const csec_db *db, csec_collection c,
                                               const char *name, size_t *count)
{
    const pkg_run *s =
        db && name && (unsigned)c < 2 ? pkgs_lookup(db, (int)c, name, strlen(name)) : NULL;
    if (!s) {
        *count = 0;
        return NULL;
    }
    *count = s->count;
    return (const csec_advisory *const *)db->list + s->start;
}

const char *csec_db_commit(const csec_db *cdb, int64_t *commit_time)
{
    if (commit_time)
        *commit_time = 0;
    if (!cdb)
        return NULL;
    csec_db *db = (csec_db *)cdb; /* the lazy part only: behind its lock */
    pthread_mutex_lock(&db->lazy);
    if (db->commit_state == 0) {
        /* Only a checkout asks git: starting libgit2 costs more than
         * loading the whole database. */
        csec_diag gd;
        db->commit_state =
            db->git_dir && csec__git_head(db->root, db->commit, &db->commit_time, &gd) == 0 ? 1
                                                                                            : -1;
    }
    pthread_mutex_unlock(&db->lazy);
    if (db->commit_state < 0)
        return NULL;
    if (commit_time)
        *commit_time = db->commit_time;
    return db->commit;
}

/* ---- queries (spec §2.6) ---- */

static bool targets_pass(const csec_strlist *adv, const char *const *q, size_t n)
{
    if (adv->count == 0 || n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (q[i] && csec__strlist_has(adv, q[i]))
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
    if (q->category && !csec__strlist_has(&a->categories, q->category))
        return false;
    if (q->keyword && !csec__strlist_has(&a->keywords, q->keyword))
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
    if (!tristate_pass(q->withdrawn, csec_advisory_is_withdrawn(a)) ||
        !tristate_pass(q->informational, a->informational != CSEC_INFO_NONE))
        return false;
    /* The version last: the one test that walks the advisory's ranges. */
    return !q->version || csec_advisory_affects(a, q->version);
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
