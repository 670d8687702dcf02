/* sync.c - cloning and fetching the advisory database with libgit2, and
 * checking that a checkout is whole (cratesec.h section 10).
 *
 * Safety rules, each because a server keeps serving the last good database:
 *  - A clone is made in a temporary sibling directory and renamed onto DIR
 *    only when complete, so DIR never holds half a clone.
 *  - A fetch only adds objects (and remote-tracking refs); the checkout is
 *    moved after the new commit is known to be present, never before.
 *  - The move is a hard reset followed by a forced checkout of crates/ and
 *    rust/ that also removes files the commit lacks there, so an interrupted
 *    earlier sync or a hand edit is repaired by the next one.
 *  - csec__plugin_head_blobs lists the commit's files there with their blob
 *    ids, for a load that compares what it reads with them (lib/checkout.c,
 *    csec_sync_verify). */
#include "plugin.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The directories whose files make up the database (spec §1.2). */
static char *database_paths[] = {"crates", "rust"};

typedef struct sync_state {
    csec_sync_progress_cb cb;
    void *payload;
    csec_sync_progress progress;
    struct timespec start;
    bool cancelled;
} sync_state;

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Reports the current progress; returns nonzero once the caller cancels. */
static int report(sync_state *s, const char *phase)
{
    s->progress.phase = phase;
    s->progress.elapsed_s = seconds_since(&s->start);
    if (s->cb && !s->cancelled && s->cb(&s->progress, s->payload) != 0)
        s->cancelled = true;
    return s->cancelled;
}

static int on_transfer(const git_indexer_progress *stats, void *payload)
{
    sync_state *s = payload;
    s->progress.total_objects = stats->total_objects;
    s->progress.received_objects = stats->received_objects;
    s->progress.indexed_objects = stats->indexed_objects;
    s->progress.received_bytes = stats->received_bytes;
    /* Deltas are resolved once every object has arrived. */
    bool all_received = stats->total_objects && stats->received_objects == stats->total_objects;
    return report(s, all_received && stats->total_deltas ? "resolving" : "receiving") ? -1 : 0;
}

static void on_checkout(const char *path, size_t done, size_t total, void *payload)
{
    sync_state *s = payload;
    s->progress.checkout_done = done;
    s->progress.checkout_total = total;
    report(s, "checkout");
}

/* Fills `d` from libgit2's last error (or the cancellation); returns CSEC_EIO
 * (CSEC_ERROR when cancelled). */
static int git_failure(csec_diag *d, const char *dir, const sync_state *s, int git_rc,
                       const char *what)
{
    if ((s && s->cancelled) || git_rc == GIT_EUSER)
        return csec__diag_set(d, CSEC_ERROR, dir, 0, 0, "%s: cancelled", what);
    return csec__git_fail(d, CSEC_EIO, dir, what);
}

/* ---- file-system helpers -------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 when `dir` is missing or an empty directory, 0 when it is a non-empty
 * directory, negative (with d filled) when it is something else. */
static int dir_is_vacant(const char *dir, csec_diag *d)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            return 1;
        return csec__diag_set(d, CSEC_EIO, dir, 0, 0, "cannot access: %s", strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return csec__diag_set(d, CSEC_EINVAL, dir, 0, 0, "not a directory");
    DIR *dh = opendir(dir);
    if (!dh)
        return csec__diag_set(d, CSEC_EIO, dir, 0, 0, "cannot read directory: %s", strerror(errno));
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            entries++;
    closedir(dh);
    return entries == 0;
}

/* A local path rather than a URL: no "scheme://" and no "host:path" (git's
 * scp-like form), or starting with "/" or ".". */
static bool is_local_path(const char *url)
{
    return !strstr(url, "://") && (url[0] == '/' || url[0] == '.' || !strchr(url, ':'));
}

/* A URL naming an existing local path, made absolute: the clone records it
 * as `origin`, and a relative one would later resolve against whatever the
 * working directory of the next fetch is.  Other URLs are kept as given. */
static char *absolute_url(const char *url)
{
    char resolved[PATH_MAX];
    if (!strstr(url, "://") && realpath(url, resolved))
        return csec__xstrdup(resolved);
    return csec__xstrdup(url);
}

/* ---- clone ------------------------------------------------------------ */

/* Remotes are made without applying `url.<base>.insteadOf`: libgit2 1.5
 * matches every configuration entry against a regular expression for it
 * and leaks PCRE2 match data (~20 KB) per entry, per remote, which a server
 * that syncs every few minutes cannot afford (fixed upstream after 1.5).
 * `name` NULL makes an anonymous remote, which writes no configuration. */
static int create_remote(git_remote **out, git_repository *repo, const char *name, const char *url,
                         void *payload)
{
    git_remote_create_options o;
    git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    o.repository = repo;
    o.name = name;
    o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
    return git_remote_create_with_opts(out, url, &o);
}

static int clone_into(csec_sync_result *out, const char *dir, const char *url, sync_state *s,
                      csec_diag *d)
{
    /* The temporary directory is a sibling so that rename() stays on one
     * file system; rename() may replace DIR when it is an empty directory. */
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    csec_buf tmp = CSEC_BUF_INIT;
    csec_buf_put(&tmp, dir, len);
    csec_buf_puts(&tmp, ".sync-XXXXXX");
    /* Its missing parents are made, as `git clone` does; a failure shows
     * when the directory itself is made. */
    csec__mkdir_parents(tmp.ptr, 0777);
    if (!mkdtemp(tmp.ptr)) {
        int rc = csec__diag_set(d, CSEC_EIO, dir, 0, 0, "cannot create a directory beside it: %s",
                                strerror(errno));
        csec_buf_free(&tmp);
        return rc;
    }

    git_clone_options opts;
    git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
    /* A plain local path is cloned by copying (or hard-linking) its object
     * files, as git does: libgit2's local transport would recompute every
     * delta.  A file:// URL goes through the transport, with progress. */
    opts.local = GIT_CLONE_LOCAL_AUTO;
    opts.fetch_opts.callbacks.transfer_progress = on_transfer;
    opts.fetch_opts.callbacks.payload = s;
    opts.checkout_opts.progress_cb = on_checkout;
    opts.checkout_opts.progress_payload = s;
    opts.remote_cb = create_remote;

    git_repository *repo = NULL;
    git_oid head;
    int rc = 0;
    int grc = git_clone(&repo, url, tmp.ptr, &opts);
    if (grc < 0) {
        char what[600];
        snprintf(what, sizeof what, "cannot clone %s", url);
        rc = git_failure(d, dir, s, grc, what);
        goto done;
    }
    if (git_reference_name_to_id(&head, repo, "HEAD") < 0) {
        rc = git_failure(d, dir, s, 0, "cloned repository has no HEAD commit");
        goto done;
    }
    git_repository_free(repo);
    repo = NULL;
    if (rename(tmp.ptr, dir) != 0) {
        rc = csec__diag_set(d, CSEC_EIO, dir, 0, 0, "cannot move the clone into place: %s",
                            strerror(errno));
        goto done;
    }
    git_oid_tostr(out->new_commit, 41, &head);
    out->cloned = true;
    out->changed = true;
done:
    git_repository_free(repo);
    if (rc < 0)
        remove_tree(tmp.ptr);
    csec_buf_free(&tmp);
    return rc;
}

/* ---- fetch ------------------------------------------------------------ */

/* The remote's default branch ("refs/heads/main") into `branch` and its
 * head into `oid`, from the references a connected remote advertised.
 * Returns 0, the libgit2 error, or 1 with `problem` set. */
static int remote_default_head(char *branch, size_t cap, git_oid *oid, git_remote *remote,
                               const char **problem)
{
    const git_remote_head **heads;
    size_t count;
    int rc = git_remote_ls(&heads, &count, remote);
    if (rc < 0)
        return rc;
    git_buf name = GIT_BUF_INIT;
    branch[0] = '\0';
    if (git_remote_default_branch(&name, remote) == 0) {
        snprintf(branch, cap, "%s", name.ptr);
    } else {
        /* No symbolic HEAD advertised: the usual names, in order. */
        static const char *const fallbacks[] = {"refs/heads/main", "refs/heads/master"};
        git_error_clear();
        for (size_t f = 0; f < 2 && !branch[0]; f++)
            for (size_t i = 0; i < count; i++)
                if (strcmp(heads[i]->name, fallbacks[f]) == 0)
                    snprintf(branch, cap, "%s", fallbacks[f]);
    }
    git_buf_dispose(&name);
    if (!branch[0]) {
        *problem = "the remote has no default branch";
        return 1;
    }
    for (size_t i = 0; i < count; i++)
        if (strcmp(heads[i]->name, branch) == 0) {
            git_oid_cpy(oid, &heads[i]->oid);
            return 0;
        }
    *problem = "the remote does not advertise its default branch";
    return 1;
}

/* Moves HEAD (its branch, or the detached HEAD) to `commit` and makes the
 * files of crates/ and rust/ equal the commit's. */
static int move_checkout(git_repository *repo, const git_commit *commit, sync_state *s)
{
    git_checkout_options co;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE;
    co.progress_cb = on_checkout;
    co.progress_payload = s;
    int rc = git_reset(repo, (const git_object *)commit, GIT_RESET_HARD, &co);
    if (rc < 0)
        return rc;
    /* A hard reset leaves untracked files; under crates/ and rust/ they
     * would be loaded as advisories, so they go too. */
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
    co.paths.strings = database_paths;
    co.paths.count = 2;
    co.progress_cb = NULL;
    return git_checkout_head(repo, &co);
}

/* Fetches the remote's default branch into `dir`; with `move`, then moves
 * the checkout to it, else leaves HEAD and the files alone (a registry
 * index followed by a server: the new commit is read from the objects). */
static int fetch_into(csec_sync_result *out, const char *dir, const char *url, sync_state *s,
                      bool move, csec_diag *d)
{
    git_repository *repo = NULL;
    git_remote *remote = NULL;
    git_commit *commit = NULL;
    char branch[512];
    git_buf origin_url = GIT_BUF_INIT;
    csec_buf refspec = CSEC_BUF_INIT;
    char what[700];
    int rc = 0, grc;

    if ((rc = csec__git_open(&repo, dir, d)) < 0)
        return rc;
    if (git_repository_is_bare(repo)) {
        rc = csec__diag_set(d, CSEC_EINVAL, dir, 0, 0, "a bare repository has no checkout");
        goto done;
    }

    git_oid old;
    if (git_reference_name_to_id(&old, repo, "HEAD") == 0)
        git_oid_tostr(out->old_commit, 41, &old);
    git_error_clear();

    /* `origin` is read from the configuration rather than with
     * git_remote_lookup, which applies insteadOf (see create_remote). */
    if (!url) {
        git_config *config = NULL;
        grc = git_repository_config_snapshot(&config, repo);
        if (grc == 0)
            grc = git_config_get_string_buf(&origin_url, config, "remote.origin.url");
        git_config_free(config);
        if (grc == GIT_ENOTFOUND) {
            rc = csec__diag_set(d, CSEC_EINVAL, dir, 0, 0,
                                "the repository has no remote `origin`; give a URL");
            goto done;
        }
        if (grc < 0) {
            rc = git_failure(d, dir, NULL, grc, "cannot read the configuration");
            goto done;
        }
    }
    const char *source = url ? url : origin_url.ptr;
    snprintf(what, sizeof what, "cannot fetch %s", source);
    if ((grc = create_remote(&remote, repo, NULL, source, NULL)) < 0) {
        rc = git_failure(d, dir, s, grc, what);
        goto done;
    }

    git_fetch_options fo;
    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    fo.callbacks.transfer_progress = on_transfer;
    fo.callbacks.payload = s;
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo.prune = GIT_FETCH_NO_PRUNE;

    git_oid target;
    const char *problem = NULL;
    if ((grc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &fo.callbacks, NULL, NULL)) < 0 ||
        (grc = remote_default_head(branch, sizeof branch, &target, remote, &problem)) < 0) {
        rc = git_failure(d, dir, s, grc, what);
        goto done;
    }
    if (problem) {
        rc = csec__diag_set(d, CSEC_EIO, dir, 0, 0, "%s: %s", what, problem);
        goto done;
    }
    /* `origin`'s tracking ref is updated as `git fetch` would; an explicit
     * URL may be another repository, so it only writes FETCH_HEAD (except
     * without `move`: the tracking ref is then what records the fetch). */
    const char *short_name = branch + (strncmp(branch, "refs/heads/", 11) ? 0 : 11);
    if (url && move)
        csec_buf_printf(&refspec, "%s", branch);
    else
        csec_buf_printf(&refspec, "+%s:refs/remotes/origin/%s", branch, short_name);
    if (!move) {
        /* Without a move, "changed" compares with the tracking ref. */
        git_oid before;
        csec_buf tracking = CSEC_BUF_INIT;
        csec_buf_printf(&tracking, "refs/remotes/origin/%s", short_name);
        out->old_commit[0] = '\0';
        if (git_reference_name_to_id(&before, repo, tracking.ptr) == 0)
            git_oid_tostr(out->old_commit, 41, &before);
        git_error_clear();
        csec_buf_free(&tracking);
    }
    char *specs[] = {refspec.ptr};
    git_strarray spec_array = {specs, 1};
    if ((grc = git_remote_download(remote, &spec_array, &fo)) < 0 ||
        (grc = git_remote_update_tips(remote, &fo.callbacks, 1, GIT_REMOTE_DOWNLOAD_TAGS_NONE,
                                      "cratesec sync")) < 0) {
        rc = git_failure(d, dir, s, grc, what);
        goto done;
    }
    /* Transports report as they see fit (libgit2's local one only at the
     * end, if at all); the final numbers are reported here in any case. */
    const git_indexer_progress *stats = git_remote_stats(remote);
    if (stats && stats->total_objects)
        on_transfer(stats, s);
    git_remote_disconnect(remote);
    if ((grc = git_commit_lookup(&commit, repo, &target)) < 0) {
        rc = git_failure(d, dir, s, grc, "fetched head is not a commit");
        goto done;
    }
    if (move && (grc = move_checkout(repo, commit, s)) < 0) {
        rc = git_failure(d, dir, NULL, grc, "cannot check out the fetched commit");
        goto done;
    }
    git_oid_tostr(out->new_commit, 41, &target);
    out->changed = strcmp(out->old_commit, out->new_commit) != 0;
done:
    csec_buf_free(&refspec);
    git_buf_dispose(&origin_url);
    git_commit_free(commit);
    git_remote_free(remote);
    git_repository_free(repo);
    return rc;
}

int csec__plugin_index_fetch(csec_sync_result *out, const char *dir, const char *url,
                             csec_sync_progress_cb cb, void *payload, csec_diag *d)
{
    memset(out, 0, sizeof *out);
    csec__diag_clear(d);
    csec__git_init();
    sync_state s = {.cb = cb, .payload = payload};
    clock_gettime(CLOCK_MONOTONIC, &s.start);
    char *source = url ? absolute_url(url) : NULL;
    int rc = fetch_into(out, dir, source, &s, false, d);
    free(source);
    return rc;
}

int csec__plugin_sync(csec_sync_result *out, const char *dir, const char *url,
                      csec_sync_progress_cb cb, void *payload, csec_diag *d)
{
    memset(out, 0, sizeof *out);
    csec__diag_clear(d);
    if (!dir || !*dir)
        return csec__diag_set(d, CSEC_EINVAL, "", 0, 0, "no database directory given");
    if (url && !*url)
        return csec__diag_set(d, CSEC_EINVAL, dir, 0, 0, "empty URL");
    csec__git_init();
    sync_state s = {.cb = cb, .payload = payload};
    clock_gettime(CLOCK_MONOTONIC, &s.start);

    int vacant = dir_is_vacant(dir, d);
    if (vacant < 0)
        return vacant;
    /* libgit2 would call a missing local path an "unsupported URL protocol". */
    const char *source_url = url ? url : vacant ? CSEC_DB_UPSTREAM_URL : NULL;
    if (source_url && is_local_path(source_url) && access(source_url, F_OK) != 0)
        return csec__diag_set(d, CSEC_EIO, dir, 0, 0, "cannot %s %s: %s",
                              vacant ? "clone" : "fetch", source_url, strerror(errno));
    if (report(&s, "connecting"))
        return csec__diag_set(d, CSEC_ERROR, dir, 0, 0, "cancelled");
    char *source = source_url ? absolute_url(source_url) : NULL;
    int rc =
        vacant ? clone_into(out, dir, source, &s, d) : fetch_into(out, dir, source, &s, true, d);
    free(source);
    if (rc == 0) {
        s.cancelled = false; /* "done" is reported whatever the callback said during checkout */
        report(&s, "done");
    }
    return rc;
}

/* ---- verify ----------------------------------------------------------- */

/* The blobs of `tree` and of its subtrees `levels` - 1 deep, as paths under
 * `path` (left as it was).  For the load that compares what it reads with
 * the HEAD commit (lib/checkout.c): under crates/ and rust/, two levels
 * (crates/NAME/FILE), because a load reads nothing deeper.  libgit2's
 * git_tree_walk went down every level by recursion, and a commit nesting
 * trees 100,000 deep overflowed the stack. */
static int list_blobs(git_repository *repo, const git_tree *tree, int levels, csec_buf *path,
                      csec__git_blob_cb cb, void *payload)
{
    size_t base = path->len;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < git_tree_entrycount(tree); i++) {
        const git_tree_entry *e = git_tree_entry_byindex(tree, i);
        git_object_t type = git_tree_entry_type(e);
        path->len = base;
        csec_buf_putc(path, '/');
        csec_buf_puts(path, git_tree_entry_name(e));
        if (type == GIT_OBJECT_BLOB) {
            cb(payload, path->ptr, git_tree_entry_id(e)->id);
        } else if (type == GIT_OBJECT_TREE && levels > 1) {
            git_tree *sub = NULL;
            rc = git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0
                     ? -1
                     : list_blobs(repo, sub, levels - 1, path, cb, payload);
            git_tree_free(sub);
        }
    }
    path->len = base;
    if (path->ptr)
        path->ptr[base] = '\0';
    return rc;
}

int csec__plugin_head_blobs(const char *dir, char commit[41], csec__git_blob_cb cb, void *payload,
                            csec_diag *d)
{
    git_repository *repo = NULL;
    git_commit *head = NULL;
    git_tree *tree = NULL;
    git_oid oid;
    int rc = 0;
    commit[0] = '\0';
    csec__diag_clear(d);
    csec__git_init();

    if ((rc = csec__git_open(&repo, dir, d)) < 0)
        return rc;
    if (git_reference_name_to_id(&oid, repo, "HEAD") < 0 ||
        git_commit_lookup(&head, repo, &oid) < 0 || git_commit_tree(&tree, head) < 0) {
        rc = git_failure(d, dir, NULL, 0, "cannot read the HEAD commit");
        goto done;
    }
    git_oid_tostr(commit, 41, &oid);
    csec_buf path = CSEC_BUF_INIT;
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        git_tree_entry *top = NULL;
        git_tree *sub = NULL;
        if (git_tree_entry_bypath(&top, tree, database_paths[i]) < 0)
            continue; /* the commit has no such directory */
        if (git_tree_entry_type(top) == GIT_OBJECT_TREE) {
            csec_buf_clear(&path);
            csec_buf_puts(&path, database_paths[i]);
            if (git_tree_lookup(&sub, repo, git_tree_entry_id(top)) < 0 ||
                list_blobs(repo, sub, 2, &path, cb, payload) < 0)
                rc = git_failure(d, dir, NULL, 0, "cannot read the HEAD commit's tree");
        }
        git_tree_free(sub);
        git_tree_entry_free(top);
    }
    csec_buf_free(&path);
done:
    git_tree_free(tree);
    git_commit_free(head);
    git_repository_free(repo);
    return rc;
}

void csec__plugin_blob_id(unsigned char id[20], const void *data, size_t len)
{
    git_oid oid;
    if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) < 0)
        memset(&oid, 0, sizeof oid); /* never equal to a real blob's */
    memcpy(id, oid.id, 20);
}
