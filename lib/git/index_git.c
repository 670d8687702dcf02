/* index_git.c - a registry index that is a git repository (the layout of
 * github.com/rust-lang/crates.io-index): which commit its files are at,
 * which commit a fetch brought, and the crate files that differ between two
 * commits, read from the object database.
 *
 * The tree walk is this file's own rather than git_diff_tree_to_tree: an
 * index commit is one tree of a few hundred prefix directories over some
 * hundred thousand files, and what is wanted is only the blobs whose ids
 * differ, found by descending into subtrees whose ids differ.  libgit2's
 * diff builds iterator entries for every file of each tree it opens, which
 * measured two to three times slower here.
 *
 * The repository is opened for each call and closed after it: what libgit2
 * caches meanwhile (parsed trees, pack windows, delta bases) would otherwise
 * stay in the server's memory between updates.  Keeping it open with trees
 * cached saved no CPU measurably (bench/bench_apply.c, 30 updates of 1,000
 * files at 1x: 125-160 ms a thread against 116-119 ms) and cost 70 MB.  At
 * 8x, keeping it open saves ~40 ms an update, all of it from the pack's
 * mapping staying in place, which keeps the whole pack (227 MB) in the
 * server's RSS; mapping it in small windows instead cost more than it
 * saved. */
#include "index.h"
#include "plugin.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct csec__git_index {
    git_repository *repo; /* open during one call */
    char dir[1024];
};

static void close_repo(csec__git_index *g)
{
    git_repository_free(g->repo);
    g->repo = NULL;
}

int csec__plugin_index_open(csec__git_index **out, const char *dir, csec_diag *d)
{
    *out = NULL;
    csec__git_init();
    csec__git_index *g = csec__xcalloc(1, sizeof *g);
    snprintf(g->dir, sizeof g->dir, "%s", dir);
    int rc = csec__git_open(&g->repo, g->dir, d);
    if (rc < 0) {
        free(g);
        return rc;
    }
    close_repo(g);
    *out = g;
    return 0;
}

void csec__plugin_index_close(csec__git_index *g)
{
    if (!g)
        return;
    close_repo(g);
    free(g);
}

/* A commit's committer time, 0 when it cannot be read. */
static int64_t commit_time(git_repository *repo, const git_oid *id)
{
    git_commit *c = NULL;
    int64_t t = git_commit_lookup(&c, repo, id) == 0 ? (int64_t)git_commit_time(c) : 0;
    git_commit_free(c);
    return t;
}

/* The commit HEAD's files are at, and the newest fetched one: the
 * remote-tracking branch of HEAD's branch (refs/remotes/origin/NAME, as
 * `git fetch` and a server's fetch write it), else HEAD itself. */
int csec__plugin_index_state(csec__git_index *g, char head[41], int64_t *head_time,
                             char fetched[41], int64_t *fetched_time, csec_diag *d)
{
    git_oid h, f;
    git_reference *ref = NULL;
    head[0] = fetched[0] = '\0';
    int rc = csec__git_open(&g->repo, g->dir, d);
    if (rc < 0)
        return rc;
    if (git_reference_name_to_id(&h, g->repo, "HEAD") < 0) {
        rc = csec__git_fail(d, CSEC_EIO, g->dir, "cannot resolve HEAD");
        close_repo(g);
        return rc;
    }
    f = h;
    if (git_reference_lookup(&ref, g->repo, "HEAD") == 0 &&
        git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC) {
        const char *target = git_reference_symbolic_target(ref);
        if (target && strncmp(target, "refs/heads/", 11) == 0) {
            char tracking[600];
            snprintf(tracking, sizeof tracking, "refs/remotes/origin/%s", target + 11);
            if (git_reference_name_to_id(&f, g->repo, tracking) < 0)
                f = h;
        }
    }
    git_reference_free(ref);
    git_error_clear();
    git_oid_tostr(head, 41, &h);
    git_oid_tostr(fetched, 41, &f);
    *head_time = commit_time(g->repo, &h);
    *fetched_time = commit_time(g->repo, &f);
    close_repo(g);
    return 0;
}

typedef struct walker {
    git_repository *repo;
    csec__git_index_change_cb cb;
    void *payload;
    csec_buf path;
    int rc;
    csec_diag *d;
    const char *dir;
    int depth; /* of the trees walk() compares: 0 for the root */
} walker;

/* No crate file of the layout is deeper than two directories ("ab/cd/abcd"),
 * and a load never looks deeper (index_dir.c): nor does the walk, whose
 * recursion would otherwise go as deep as a hostile commit nests its trees
 * (100,000 levels overflowed the stack). */
#define LAYOUT_DEPTH 2

static void walk(walker *w, const git_tree *a, const git_tree *b);

/* walk() one level down, into the trees of entries `ea` and `eb` (either
 * NULL: that side has no tree there), unless that is below the layout. */
static void walk_down(walker *w, const git_tree_entry *ea, const git_tree_entry *eb);

/* Reports one changed blob (`id` NULL: removed) at w->path. */
static void changed_blob(walker *w, const git_oid *id)
{
    if (w->rc)
        return;
    if (!id) {
        w->rc = w->cb(w->payload, w->path.ptr, NULL, 0);
        return;
    }
    /* Its size first, from the object's header: a crate file past the limit
     * fails the update (the served generation stays) instead of costing
     * memory without bound. */
    size_t size = 0;
    git_object_t type;
    git_odb *odb = NULL;
    if (git_repository_odb(&odb, w->repo) == 0 && git_odb_read_header(&size, &type, odb, id) == 0 &&
        size > CSEC_INDEX_FILE_MAX) {
        git_odb_free(odb);
        w->rc = csec__diag_set(w->d, CSEC_EINVAL, w->path.ptr, 0, 0,
                               "crate file of %zu bytes (the limit is %zu)", size,
                               CSEC_INDEX_FILE_MAX);
        return;
    }
    git_odb_free(odb);
    git_blob *blob = NULL;
    if (git_blob_lookup(&blob, w->repo, id) < 0) {
        w->rc = csec__git_fail(w->d, CSEC_EIO, w->dir, "cannot read a blob of the index");
        return;
    }
    const char *text = git_blob_rawcontent(blob);
    w->rc = w->cb(w->payload, w->path.ptr, text ? text : "", (size_t)git_blob_rawsize(blob));
    git_blob_free(blob);
}

static git_tree *tree_of(walker *w, const git_tree_entry *e)
{
    git_tree *t = NULL;
    if (git_tree_lookup(&t, w->repo, git_tree_entry_id(e)) < 0) {
        w->rc = csec__git_fail(w->d, CSEC_EIO, w->dir, "cannot read a tree of the index");
        return NULL;
    }
    return t;
}

/* An entry present on one side only: everything under it was added (new)
 * or removed (!new). */
static void one_side(walker *w, const git_tree_entry *e, bool added)
{
    if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
        walk_down(w, added ? NULL : e, added ? e : NULL);
    } else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
        changed_blob(w, added ? git_tree_entry_id(e) : NULL);
    }
}

/* w->path: its first `base` bytes (the directory), then entry `e`'s name. */
static void set_path(walker *w, size_t base, const git_tree_entry *e)
{
    w->path.len = base;
    if (base)
        csec_buf_putc(&w->path, '/');
    csec_buf_puts(&w->path, git_tree_entry_name(e));
}

static void walk(walker *w, const git_tree *a, const git_tree *b)
{
    size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
    size_t i = 0, j = 0, base = w->path.len;
    while ((i < na || j < nb) && !w->rc) {
        const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
        const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
        /* Git orders a tree's entries by name, a directory's as if followed
         * by '/'; comparing the names that way keeps the two in step. */
        int c = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);
        set_path(w, base, c <= 0 ? ea : eb);
        if (c < 0) {
            one_side(w, ea, false);
            i++;
        } else if (c > 0) {
            one_side(w, eb, true);
            j++;
        } else {
            i++;
            j++;
            if (git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
                continue;
            git_object_t ta = git_tree_entry_type(ea), tb = git_tree_entry_type(eb);
            if (ta == GIT_OBJECT_TREE && tb == GIT_OBJECT_TREE) {
                walk_down(w, ea, eb);
            } else if (ta == GIT_OBJECT_BLOB && tb == GIT_OBJECT_BLOB) {
                changed_blob(w, git_tree_entry_id(eb));
            } else {
                /* A file that became a directory or the other way round. */
                one_side(w, ea, false);
                set_path(w, base, eb);
                one_side(w, eb, true);
            }
        }
    }
    w->path.len = base;
    if (w->path.ptr)
        w->path.ptr[base] = '\0';
}

static void walk_down(walker *w, const git_tree_entry *ea, const git_tree_entry *eb)
{
    if (w->depth >= LAYOUT_DEPTH)
        return;
    git_tree *x = ea ? tree_of(w, ea) : NULL;
    git_tree *y = eb && !w->rc ? tree_of(w, eb) : NULL;
    if (!w->rc) {
        w->depth++;
        walk(w, x, y);
        w->depth--;
    }
    git_tree_free(x);
    git_tree_free(y);
}

static int commit_tree(git_tree **out, csec__git_index *g, const char *hex, csec_diag *d)
{
    git_oid oid;
    git_commit *c = NULL;
    if (git_oid_fromstrn(&oid, hex, strlen(hex)) < 0 || git_commit_lookup(&c, g->repo, &oid) < 0)
        return csec__diag_set(d, CSEC_EIO, g->dir, 0, 0, "no commit %.40s in the repository",
                              hex);
    int rc = git_commit_tree(out, c) < 0
                 ? csec__git_fail(d, CSEC_EIO, g->dir, "cannot read a commit tree")
                 : 0;
    git_commit_free(c);
    return rc;
}

int csec__plugin_index_changes(csec__git_index *g, const char *from, const char *to,
                               csec__git_index_change_cb cb, void *payload, csec_diag *d)
{
    git_tree *a = NULL, *b = NULL;
    int rc = csec__git_open(&g->repo, g->dir, d);
    if (rc < 0)
        return rc;
    rc = commit_tree(&a, g, from, d);
    if (rc == 0)
        rc = commit_tree(&b, g, to, d);
    if (rc == 0) {
        walker w = {g->repo, cb, payload, CSEC_BUF_INIT, 0, d, g->dir, 0};
        walk(&w, a, b);
        rc = w.rc;
        csec_buf_free(&w.path);
    }
    git_tree_free(a);
    git_tree_free(b);
    close_repo(g);
    return rc;
}
