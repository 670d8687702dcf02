/* gitindex.h - a registry index that is a git repository (the layout of
 * github.com/rust-lang/crates.io-index), through the git plugin
 * (lib/git/index_git.c): which commit its files are at, what a fetch
 * brought, and the files that differ between two commits.  CSEC_EIO with a
 * message when git support cannot be loaded. */
#ifndef CSEC_GITINDEX_H
#define CSEC_GITINDEX_H

#include "git/plugin.h"

/* Opens the repository of the index checkout `dir` (kept open: its object
 * cache serves the next update).  CSEC_ENOTFOUND when `dir` is not a git
 * repository. */
int csec__git_index_open(csec__git_index **out, const char *dir, csec_diag *d);
void csec__git_index_close(csec__git_index *g);
/* `head`: the commit the files are at; `fetched`: the newest fetched commit
 * of HEAD's branch (refs/remotes/origin/BRANCH), HEAD when there is none;
 * their committer times. */
int csec__git_index_state(csec__git_index *g, char head[41], int64_t *head_time,
                          char fetched[41], int64_t *fetched_time, csec_diag *d);
/* Calls cb for every file that differs between commits `from` and `to`
 * (40 hex digits each), with the file's contents at `to` (NULL: removed),
 * in path order. */
int csec__git_index_changes(csec__git_index *g, const char *from, const char *to,
                            csec__git_index_change_cb cb, void *payload, csec_diag *d);
/* Fetches the default branch of `url` (NULL: origin) into
 * refs/remotes/origin/BRANCH without touching HEAD or the files. */
int csec__git_index_fetch(csec_sync_result *out, const char *dir, const char *url,
                          csec_sync_progress_cb cb, void *payload, csec_diag *d);

/* ---- the index of such a checkout (index_follow.c) ---- */

struct csec_index;
struct csec_index_options;
/* Loads the index checkout `dir` (its files, at HEAD), then applies what
 * differs between HEAD and the fetched commit when they differ.  The
 * generation's source (csec__index_source) is the commit it is at. */
int csec__index_open_git(struct csec_index **out, const char *dir, csec__git_index *g,
                         const struct csec_index_options *opts, csec_diag *d);
/* What an update did: the files that differed, and the time spent reading
 * them from the repository and applying them. */
typedef struct csec_index_update_info {
    size_t files;
    double read_ms, apply_ms;
} csec_index_update_info;

/* The next generation of `cur` (loaded from a commit) at commit `to`: the
 * files that differ between the two commits, applied (csec__index_apply).
 * 0 with *out NULL when `cur` is at `to` already.  `info` may be NULL. */
int csec__index_update_git(struct csec_index **out, struct csec_index *cur, csec__git_index *g,
                           const char *to, int64_t to_time, csec_index_update_info *info,
                           csec_diag *d);

#endif
