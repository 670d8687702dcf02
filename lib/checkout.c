/* checkout.c - a database checkout against its HEAD commit: whether the
 * files a load reads are the commit's (csec_sync_verify, and the server's
 * reload, which verifies in the same pass as it loads).
 *
 * A checkout caught half-way (an interrupted sync, a copy in progress, a
 * hand edit) loads without a parse error and is still wrong, so a server
 * must know before it serves it.  The load reads every advisory file anyway:
 * each one's git blob id (the SHA-1 of "blob <size>\0" and its bytes, as git
 * stores it) is compared with the commit's tree, which libgit2 lists from
 * the object store in a few milliseconds.  A second pass over the files
 * (libgit2's diff of the tree against the work tree: a stat of every file
 * and a listing of every directory, ~25 ms here) is not needed.
 *
 * What is compared: every file the load reads under crates/ and rust/
 * (absent from the commit: "added"; other bytes: "modified"), and every file
 * of the commit there (missing from the disk: "deleted").  Files the load
 * leaves out (hidden ones, anything outside crates/ and rust/) are not
 * compared: nothing of them is served. */
#include "db.h"
#include "gittime.h"
#include "map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct committed {
    unsigned char id[20];
    bool seen; /* the load read (or left out) this path */
} committed;

typedef struct verifier {
    csec_arena arena;
    csec_map files; /* path relative to the checkout -> committed */
    size_t root_len; /* of the checkout's directory as the load's paths begin */
    size_t differ;
    char *first; /* the smallest differing path, and what happened to it */
    const char *first_how;
} verifier;

static void on_committed(void *payload, const char *path, const unsigned char id[20])
{
    verifier *v = payload;
    size_t len = strlen(path);
    char *key = csec__arena_strndup(&v->arena, path, len);
    committed *c = csec__arena_alloc(&v->arena, sizeof *c);
    memcpy(c->id, id, 20);
    csec__map_put(&v->files, key, len, NULL)->val.ptr = c;
}

static void differs(verifier *v, const char *rel, const char *how)
{
    v->differ++;
    if (!v->first || strcmp(rel, v->first) < 0) {
        free(v->first);
        v->first = csec__xstrdup(rel);
        v->first_how = how;
    }
}

static const char *relative(const verifier *v, const char *path)
{
    return strlen(path) > v->root_len ? path + v->root_len + 1 : path;
}

static void on_file(void *payload, const char *path, const char *text, size_t len)
{
    verifier *v = payload;
    const char *rel = relative(v, path);
    csec_map_entry *e = csec__map_find(&v->files, rel, strlen(rel));
    if (!e) {
        differs(v, rel, "added");
        return;
    }
    committed *c = e->val.ptr;
    c->seen = true;
    unsigned char id[20];
    csec__git_blob_id(id, text, len);
    if (memcmp(id, c->id, 20) != 0)
        differs(v, rel, "modified");
}

static void on_skipped(void *payload, const char *path, const char *why)
{
    verifier *v = payload;
    const char *rel = relative(v, path);
    csec_map_entry *e = csec__map_find(&v->files, rel, strlen(rel));
    if (e)
        ((committed *)e->val.ptr)->seen = true;
}

int csec__db_load_verified(csec_db **out, const char *dir, const csec_db_options *opts,
                           char commit[41], int *verified, csec_diag *vd, csec_diag *d)
{
    verifier v;
    memset(&v, 0, sizeof v);
    csec__map_init(&v.files, CSEC_MAP_BYTES, NULL);
    v.root_len = strlen(dir);
    while (v.root_len > 1 && dir[v.root_len - 1] == '/')
        v.root_len--;

    *verified = csec__git_head_blobs(dir, commit, on_committed, &v, vd);
    csec__load_hooks hooks = {&v, on_file, on_skipped, false};
    int rc = csec__db_load(out, dir, opts, *verified == 0 ? &hooks : NULL, d);

    if (*verified == 0) {
        /* What the load did not come across: missing from the disk, or
         * somewhere it does not look (then the file is there). */
        csec_buf path = CSEC_BUF_INIT;
        for (size_t i = 0; i < v.files.nslots; i++) {
            const csec_map_entry *e = &v.files.slots[i];
            if (!e->key || ((const committed *)e->val.ptr)->seen)
                continue;
            struct stat st;
            csec_buf_clear(&path);
            csec_buf_printf(&path, "%.*s/%s", (int)v.root_len, dir, (const char *)e->key);
            if (lstat(path.ptr, &st) != 0)
                differs(&v, e->key, "deleted");
        }
        csec_buf_free(&path);
        if (v.differ)
            *verified = csec__diag_set(vd, CSEC_EPARSE, dir, 0, 0,
                                       "%zu file%s differ%s from commit %.7s (first: %s %s)",
                                       v.differ, v.differ == 1 ? "" : "s",
                                       v.differ == 1 ? "s" : "", commit, v.first, v.first_how);
    }
    free(v.first);
    csec__map_free(&v.files);
    csec__arena_free(&v.arena);
    return rc;
}

int csec_sync_verify(const char *dir, char commit[41], csec_diag *d)
{
    csec_db *db = NULL;
    csec_diag load_d;
    int verified;
    csec__db_load_verified(&db, dir, NULL, commit, &verified, d, &load_d);
    csec_db_free(db);
    return verified;
}
