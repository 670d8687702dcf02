/* gittime.c - last-modification times of advisory files from git history
 * (spec §3.5), and the HEAD commit, with libgit2 (part of the git plugin,
 * lib/git/plugin.h).
 *
 * The rule is `git log --no-merges --format=%ct -- <path> | sort -n | tail -1`
 * for every path at once.  Instead of asking libgit2 for a full tree diff per
 * commit, the trees are compared top-down by object id: a commit that leaves
 * `crates/` untouched costs two lookups, and inside a changed collection only
 * the package directories whose ids differ are opened.  Entries are merged in
 * git's tree order, so each level is one linear pass. */
#include "map.h"
#include "plugin.h"

#include <git2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- path -> newest time ---------------------------------------------- */

/* The newest commit time of each path: the project's map (map.h), its keys
 * copied into an arena, the time in the value. */
typedef struct pathtimes {
    csec_map map;
    csec_arena keys;
} pathtimes;

static void times_init(pathtimes *t)
{
    memset(t, 0, sizeof *t);
    csec__map_init(&t->map, CSEC_MAP_BYTES, NULL);
}

static void times_max(pathtimes *t, const char *path, size_t len, int64_t time)
{
    bool added;
    csec_map_entry *e = csec__map_put(&t->map, path, len, &added);
    if (added)
        e->key = csec__arena_strndup(&t->keys, path, len);
    if (added || time > (int64_t)e->val.idx)
        e->val.idx = (size_t)time;
}

static void times_free(pathtimes *t)
{
    csec__map_free(&t->map);
    csec__arena_free(&t->keys);
}

/* ---- tree comparison ------------------------------------------------- */

/* Collection trees (crates/ holds ~900 entries) are larger than libgit2
 * caches by default, and the walk reads each one twice: as a commit's tree
 * and again as its child's parent tree.  A few recent ones are kept here. */
#define TREE_CACHE 8

typedef struct walk {
    git_repository *repo;
    git_tree *cache[TREE_CACHE];
    size_t cache_next;
    pathtimes times;
    csec_buf path;
    int64_t time; /* committer time of the commit being compared */
    int err;      /* first libgit2 error */
} walk;

static bool is_tree(const git_tree_entry *e)
{
    return e && git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

static bool entry_same(const git_tree_entry *a, const git_tree_entry *b)
{
    return git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b)) &&
           git_tree_entry_filemode(a) == git_tree_entry_filemode(b);
}

static git_tree *load_tree(walk *w, const git_tree_entry *e)
{
    git_tree *t = NULL;
    if (!is_tree(e))
        return NULL;
    if (git_tree_lookup(&t, w->repo, git_tree_entry_id(e)) < 0) {
        if (!w->err)
            w->err = -1;
        return NULL;
    }
    return t;
}

static void record(walk *w, size_t prefix_len, const git_tree_entry *e)
{
    w->path.len = prefix_len;
    csec_buf_puts(&w->path, git_tree_entry_name(e));
    times_max(&w->times, w->path.ptr, w->path.len, w->time);
}

/* Calls `fn` for every entry that differs between two trees (either may be
 * NULL, meaning empty): with (new, NULL) for an addition, (NULL, old) for a
 * deletion, and both for a change.  An entry whose type changed between blob
 * and tree sorts to different places, so it comes as deletion + addition. */
static void tree_merge(walk *w, const git_tree *nt, const git_tree *ot, size_t prefix_len,
                       void (*fn)(walk *, size_t, const git_tree_entry *, const git_tree_entry *))
{
    size_t nn = nt ? git_tree_entrycount(nt) : 0, on = ot ? git_tree_entrycount(ot) : 0;
    size_t i = 0, k = 0;
    while (i < nn || k < on) {
        const git_tree_entry *ne = i < nn ? git_tree_entry_byindex(nt, i) : NULL;
        const git_tree_entry *oe = k < on ? git_tree_entry_byindex(ot, k) : NULL;
        /* git_tree_entry_cmp is git's tree order (a tree's name compared as
         * if followed by '/'), the order of a tree's entries. */
        int c = !ne ? 1 : !oe ? -1 : git_tree_entry_cmp(ne, oe);
        if (c < 0) {
            fn(w, prefix_len, ne, NULL);
            i++;
        } else if (c > 0) {
            fn(w, prefix_len, NULL, oe);
            k++;
        } else {
            if (!entry_same(ne, oe))
                fn(w, prefix_len, ne, oe);
            i++;
            k++;
        }
    }
}

/* Level 3: files of a package directory.  A directory at this level is not
 * an advisory (the loader only reads files), so it is not descended into:
 * this keeps the walk's depth fixed whatever the repository holds. */
static void package_entry(walk *w, size_t prefix_len, const git_tree_entry *ne,
                          const git_tree_entry *oe)
{
    const git_tree_entry *e = ne ? ne : oe;
    if (!is_tree(e))
        record(w, prefix_len, e);
}

/* Level 2: package directories (and stray files) of a collection. */
static void collection_entry(walk *w, size_t prefix_len, const git_tree_entry *ne,
                             const git_tree_entry *oe)
{
    const git_tree_entry *e = ne ? ne : oe;
    if (!is_tree(e)) {
        record(w, prefix_len, e);
        return;
    }
    git_tree *nt = load_tree(w, ne);
    git_tree *ot = load_tree(w, oe);
    w->path.len = prefix_len;
    csec_buf_puts(&w->path, git_tree_entry_name(e));
    csec_buf_putc(&w->path, '/');
    tree_merge(w, nt, ot, w->path.len, package_entry);
    git_tree_free(nt);
    git_tree_free(ot);
}

/* A collection tree from the cache or the repository (borrowed: the cache
 * owns it).  `keep` is a tree the caller still holds from an earlier call:
 * its slot is never the one evicted, or the caller would be left comparing
 * against freed memory (this once gave 27 advisories the time of an
 * unrelated commit). */
static git_tree *cached_tree(walk *w, const git_tree_entry *e, const git_tree *keep)
{
    if (!is_tree(e))
        return NULL;
    for (size_t i = 0; i < TREE_CACHE; i++)
        if (w->cache[i] && git_oid_equal(git_tree_id(w->cache[i]), git_tree_entry_id(e)))
            return w->cache[i];
    git_tree *t = load_tree(w, e);
    if (t) {
        if (keep && w->cache[w->cache_next] == keep)
            w->cache_next = (w->cache_next + 1) % TREE_CACHE;
        git_tree_free(w->cache[w->cache_next]);
        w->cache[w->cache_next] = t;
        w->cache_next = (w->cache_next + 1) % TREE_CACHE;
    }
    return t;
}

/* Compares the `crates` and `rust` subtrees of two root trees. */
static void compare_roots(walk *w, const git_tree *nroot, const git_tree *oroot)
{
    static const char *const collections[] = {"crates", "rust"};
    for (size_t c = 0; c < 2; c++) {
        const git_tree_entry *ne = nroot ? git_tree_entry_byname(nroot, collections[c]) : NULL;
        const git_tree_entry *oe = oroot ? git_tree_entry_byname(oroot, collections[c]) : NULL;
        if (!is_tree(ne))
            ne = NULL;
        if (!is_tree(oe))
            oe = NULL;
        if ((!ne && !oe) || (ne && oe && entry_same(ne, oe)))
            continue;
        git_tree *nt = cached_tree(w, ne, NULL);
        git_tree *ot = cached_tree(w, oe, nt);
        csec_buf_clear(&w->path);
        csec_buf_puts(&w->path, collections[c]);
        csec_buf_putc(&w->path, '/');
        tree_merge(w, nt, ot, w->path.len, collection_entry);
    }
}

/* ---- entry points ---------------------------------------------------- */

/* libgit2 is initialised once per process and never shut down: with the
 * mbedTLS backend every first init parses the system's CA bundle, which
 * would otherwise cost ~2 ms on every database load.
 *
 * Objects read back are not hashed again, as git itself does not: a fetch
 * names every object it received by hashing it (libgit2's indexer), and
 * zlib's checksum catches a corrupted stream.  Hashing every tree and blob
 * of an update again cost a sixth of an index update's CPU at 8x
 * (bench/bench_apply.c: 165 -> 133 ms reading 1,000 changed files). */
static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static void git_init_once(void)
{
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

void csec__git_init(void)
{
    pthread_once(&git_once, git_init_once);
}

int csec__git_fail(csec_diag *d, int code, const char *dir, const char *what)
{
    const git_error *e = git_error_last();
    return csec__diag_set(d, code, dir, 0, 0, "%s: %s", what,
                          e && e->message ? e->message : "unknown libgit2 error");
}

int csec__git_open(git_repository **out, const char *dir, csec_diag *d)
{
    /* NO_SEARCH: a database directory inside some other repository (a test
     * fixture in a source tree) must not pick up that repository's history. */
    int rc = git_repository_open_ext(out, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
    if (rc == GIT_ENOTFOUND)
        return csec__diag_set(d, CSEC_ENOTFOUND, dir, 0, 0, "not a git repository");
    if (rc < 0)
        return csec__git_fail(d, CSEC_EIO, dir, "cannot open git repository");
    return 0;
}

/* The root tree of the commit's first parent, or NULL for a root commit. */
static int parent_tree(git_tree **out, const git_commit *commit)
{
    git_commit *parent = NULL;
    int rc = 0;
    *out = NULL;
    if (git_commit_parentcount(commit) == 0)
        return 0;
    rc = git_commit_parent(&parent, commit, 0);
    if (rc == 0)
        rc = git_commit_tree(out, parent);
    git_commit_free(parent);
    return rc;
}

/* ---- results remembered by HEAD commit ------------------------------
 *
 * The times are a function of the HEAD commit alone (a commit names its whole
 * history), so the results of the last few walks are kept by commit id: a
 * server reloading a checkout whose HEAD has not moved, or moves between
 * commits it has seen, skips the walk.  A HEAD that descends from a
 * remembered one (a sync that fetched new commits) walks only the commits
 * since it: each path's time is the newest of the two.  The whole walk of
 * the real database takes 0.7-1.3 s under load (make soak's freshness
 * part), and the few new commits of a sync a few milliseconds. */

#define MEMO_SLOTS 2

typedef struct memo_entry {
    char *path;
    int64_t time;
} memo_entry;

typedef struct memo {
    git_oid head;
    memo_entry *entries; /* NULL: slot unused */
    size_t count;
    uint64_t used; /* for least-recently-used replacement */
} memo;

static pthread_mutex_t memo_mu = PTHREAD_MUTEX_INITIALIZER;
static memo memos[MEMO_SLOTS];
static uint64_t memo_clock;

/* The remembered results for `head`, or NULL (memo_mu held). */
static memo *memo_find(const git_oid *head)
{
    for (size_t i = 0; i < MEMO_SLOTS; i++)
        if (memos[i].entries && git_oid_cmp(&memos[i].head, head) == 0)
            return &memos[i];
    return NULL;
}

/* Replays remembered results for `head` through `cb`; false when none. */
static bool memo_replay(const git_oid *head,
                        void (*cb)(const char *path, int64_t time, void *payload), void *payload)
{
    pthread_mutex_lock(&memo_mu);
    memo *m = memo_find(head);
    if (m) {
        m->used = ++memo_clock;
        for (size_t k = 0; k < m->count; k++)
            cb(m->entries[k].path, m->entries[k].time, payload);
    }
    pthread_mutex_unlock(&memo_mu);
    return m != NULL;
}

/* A remembered commit that `head` descends from, in `*base`, its times
 * copied into `times`; false when there is none.  A remembered commit of
 * another repository is not found in this one, so it is never taken. */
static bool memo_ancestor(git_repository *repo, const git_oid *head, git_oid *base,
                          pathtimes *times)
{
    git_oid heads[MEMO_SLOTS];
    size_t n = 0;
    pthread_mutex_lock(&memo_mu);
    for (size_t i = 0; i < MEMO_SLOTS; i++)
        if (memos[i].entries)
            heads[n++] = memos[i].head;
    pthread_mutex_unlock(&memo_mu);
    for (size_t i = 0; i < n; i++) {
        if (git_graph_descendant_of(repo, head, &heads[i]) != 1)
            continue;
        pthread_mutex_lock(&memo_mu);
        const memo *m = memo_find(&heads[i]);
        for (size_t e = 0; m && e < m->count; e++)
            times_max(times, m->entries[e].path, strlen(m->entries[e].path), m->entries[e].time);
        pthread_mutex_unlock(&memo_mu);
        if (m) {
            *base = heads[i];
            return true;
        }
    }
    return false;
}

static void memo_store(const git_oid *head, const pathtimes *times)
{
    const csec_map *m = &times->map;
    memo_entry *entries = csec__xcalloc(m->count + 1, sizeof *entries);
    size_t n = 0;
    for (size_t i = 0; i < m->nslots; i++)
        if (m->slots[i].key) {
            entries[n].path = csec__xstrndup(m->slots[i].key, m->slots[i].len);
            entries[n++].time = (int64_t)m->slots[i].val.idx;
        }
    pthread_mutex_lock(&memo_mu);
    memo *victim = &memos[0];
    for (size_t i = 1; i < MEMO_SLOTS; i++)
        if (memos[i].used < victim->used)
            victim = &memos[i];
    memo old = *victim;
    victim->head = *head;
    victim->entries = entries;
    victim->count = n;
    victim->used = ++memo_clock;
    pthread_mutex_unlock(&memo_mu);
    for (size_t k = 0; k < old.count; k++)
        free(old.entries[k].path);
    free(old.entries);
}

int csec__plugin_git_modified_times(const char *repo_dir,
                                    void (*cb)(const char *path, int64_t time, void *payload),
                                    void *payload, csec_diag *d)
{
    int rc = 0;
    walk w;
    memset(&w, 0, sizeof w);
    times_init(&w.times);
    git_revwalk *rw = NULL;
    git_oid oid;
    csec__git_init();
    rc = csec__git_open(&w.repo, repo_dir, d);
    if (rc < 0)
        goto done;
    git_oid head;
    if (git_reference_name_to_id(&head, w.repo, "HEAD") < 0) {
        rc = csec__git_fail(d, CSEC_EIO, repo_dir, "cannot resolve HEAD");
        goto done;
    }
    if (memo_replay(&head, cb, payload))
        goto done;
    git_oid base;
    bool since = memo_ancestor(w.repo, &head, &base, &w.times);
    if (git_revwalk_new(&rw, w.repo) < 0 || git_revwalk_push_head(rw) < 0 ||
        (since && git_revwalk_hide(rw, &base) < 0)) {
        rc = csec__git_fail(d, CSEC_EIO, repo_dir, "cannot walk history from HEAD");
        goto done;
    }
    /* Topological order visits a commit's parent soon after it, while its
     * trees are still warm in libgit2's caches. */
    git_revwalk_sorting(rw, GIT_SORT_TOPOLOGICAL);
    int next;
    while ((next = git_revwalk_next(&oid, rw)) == 0) {
        git_commit *commit = NULL;
        git_tree *nroot = NULL, *oroot = NULL;
        if (git_commit_lookup(&commit, w.repo, &oid) < 0) {
            rc = csec__git_fail(d, CSEC_EIO, repo_dir, "cannot read commit");
            goto done;
        }
        if (git_commit_parentcount(commit) <= 1) {
            w.time = (int64_t)git_commit_time(commit);
            if (git_commit_tree(&nroot, commit) < 0 || parent_tree(&oroot, commit) < 0)
                w.err = -1;
            else
                compare_roots(&w, nroot, oroot);
        }
        git_tree_free(nroot);
        git_tree_free(oroot);
        git_commit_free(commit);
        if (w.err) {
            rc = csec__git_fail(d, CSEC_EIO, repo_dir, "cannot read tree");
            goto done;
        }
    }
    if (next != GIT_ITEROVER) {
        rc = csec__git_fail(d, CSEC_EIO, repo_dir, "history walk failed");
        goto done;
    }
    for (size_t i = 0; i < w.times.map.nslots; i++)
        if (w.times.map.slots[i].key)
            cb((const char *)w.times.map.slots[i].key, (int64_t)w.times.map.slots[i].val.idx,
               payload);
    memo_store(&head, &w.times);
done:
    for (size_t i = 0; i < TREE_CACHE; i++)
        git_tree_free(w.cache[i]);
    git_revwalk_free(rw);
    git_repository_free(w.repo);
    times_free(&w.times);
    csec_buf_free(&w.path);
    return rc;
}

int csec__plugin_git_head(const char *repo_dir, char out_hex[41], int64_t *time, csec_diag *d)
{
    int rc = 0;
    git_repository *repo = NULL;
    git_commit *commit = NULL;
    git_oid oid;
    csec__git_init();
    rc = csec__git_open(&repo, repo_dir, d);
    if (rc < 0)
        goto done;
    if (git_reference_name_to_id(&oid, repo, "HEAD") < 0 ||
        git_commit_lookup(&commit, repo, &oid) < 0) {
        rc = csec__git_fail(d, CSEC_EIO, repo_dir, "cannot resolve HEAD");
        goto done;
    }
    git_oid_tostr(out_hex, 41, &oid);
    *time = (int64_t)git_commit_time(commit);
done:
    git_commit_free(commit);
    git_repository_free(repo);
    return rc;
}
