/* gittime.h - what the advisory database's git history says (spec §3.5).
 * Implemented in lib/git.c, which loads the git plugin (lib/git/) when
 * libgit2 is needed; CSEC_EIO with a message when it cannot be loaded. */
#ifndef CSEC_GITTIME_H
#define CSEC_GITTIME_H

#include "util.h"

/* Calls cb(path, time) once per file path under crates/ or rust/ that any
 * commit reachable from HEAD touched, with the maximum committer time over
 * the non-merge commits (exactly one parent, or none) whose diff against their
 * parent adds, modifies or deletes that path.  `repo_dir` is the checkout.
 * Returns 0, CSEC_ENOTFOUND when it is not a git repository, or CSEC_EIO. */
int csec__git_modified_times(const char *repo_dir,
                             void (*cb)(const char *path, int64_t time, void *payload),
                             void *payload, csec_diag *d);

/* The HEAD commit id (40 hex + NUL into out_hex) and committer time. */
int csec__git_head(const char *repo_dir, char out_hex[41], int64_t *time, csec_diag *d);

/* Calls cb(path, blob id) for every file of the HEAD commit under crates/
 * and rust/ ("crates/foo/RUSTSEC-2020-0001.md"), whose id goes in `commit`.
 * Returns 0, CSEC_ENOTFOUND when repo_dir is not a git repository, or
 * CSEC_EIO. */
typedef void (*csec__git_blob_cb)(void *payload, const char *path, const unsigned char id[20]);
int csec__git_head_blobs(const char *repo_dir, char commit[41], csec__git_blob_cb cb,
                         void *payload, csec_diag *d);

/* The id git gives a file of these bytes (a blob's SHA-1).  Only after a
 * csec__git_head_blobs call that did not fail with CSEC_EIO: the plugin is
 * loaded then. */
void csec__git_blob_id(unsigned char id[20], const void *data, size_t len);

#endif
