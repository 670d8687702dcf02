/* plugin.h - the git plugin: every use of libgit2, built apart from
 * libcratesec as libcratesec-git.so and loaded on first use (lib/git.c).
 *
 * Why a plugin: libgit2 and what it links (mbedTLS, libssh2, OpenSSL's
 * libcrypto, Kerberos) cost ~5 ms of dynamic loading in every process on our
 * VMs, and libgit2's start-up parses the CA bundle (~8 ms).  Most commands
 * (check, lint, semver, deps, and an audit whose database commit is already
 * remembered) never touch git, so they should not pay for it.
 *
 * The plugin carries its own copy of lib/util.c and lib/buf.c, so it needs
 * nothing from the program that loads it; the program finds it through one
 * symbol, csec__git_plugin. */
#ifndef CSEC_GIT_PLUGIN_H
#define CSEC_GIT_PLUGIN_H

#include "gittime.h"
#include "util.h"

/* Bumped whenever a signature below changes: a stale plugin is refused. */
#define CSEC__GIT_PLUGIN_ABI 3

/* A registry index repository kept open between updates (index_git.c). */
typedef struct csec__git_index csec__git_index;
/* One changed file: its path, and its contents (NULL: removed).  A nonzero
 * return stops the walk and is returned. */
typedef int (*csec__git_index_change_cb)(void *payload, const char *path, const char *text,
                                         size_t len);

typedef struct csec__git_plugin_api {
    int abi;
    int (*modified_times)(const char *repo_dir,
                          void (*cb)(const char *path, int64_t time, void *payload), void *payload,
                          csec_diag *d);
    int (*head)(const char *repo_dir, char out_hex[41], int64_t *time, csec_diag *d);
    int (*sync)(csec_sync_result *out, const char *dir, const char *url, csec_sync_progress_cb cb,
                void *payload, csec_diag *d);
    int (*head_blobs)(const char *dir, char commit[41], csec__git_blob_cb cb, void *payload,
                      csec_diag *d);
    void (*blob_id)(unsigned char id[20], const void *data, size_t len);
    /* The registry index (gitindex.h). */
    int (*index_open)(csec__git_index **out, const char *dir, csec_diag *d);
    void (*index_close)(csec__git_index *g);
    int (*index_state)(csec__git_index *g, char head[41], int64_t *head_time, char fetched[41],
                       int64_t *fetched_time, csec_diag *d);
    int (*index_changes)(csec__git_index *g, const char *from, const char *to,
                         csec__git_index_change_cb cb, void *payload, csec_diag *d);
    int (*index_fetch)(csec_sync_result *out, const char *dir, const char *url,
                       csec_sync_progress_cb cb, void *payload, csec_diag *d);
} csec__git_plugin_api;

/* The entry points, behind csec__git_modified_times, csec__git_head,
 * csec__git_head_blobs, csec__git_blob_id and csec_sync (gittime.h,
 * cratesec.h). */
int csec__plugin_git_modified_times(const char *repo_dir,
                                    void (*cb)(const char *path, int64_t time, void *payload),
                                    void *payload, csec_diag *d);
int csec__plugin_git_head(const char *repo_dir, char out_hex[41], int64_t *time, csec_diag *d);
int csec__plugin_sync(csec_sync_result *out, const char *dir, const char *url,
                      csec_sync_progress_cb cb, void *payload, csec_diag *d);
int csec__plugin_head_blobs(const char *dir, char commit[41], csec__git_blob_cb cb, void *payload,
                            csec_diag *d);
void csec__plugin_blob_id(unsigned char id[20], const void *data, size_t len);

int csec__plugin_index_open(csec__git_index **out, const char *dir, csec_diag *d);
void csec__plugin_index_close(csec__git_index *g);
int csec__plugin_index_state(csec__git_index *g, char head[41], int64_t *head_time,
                             char fetched[41], int64_t *fetched_time, csec_diag *d);
int csec__plugin_index_changes(csec__git_index *g, const char *from, const char *to,
                               csec__git_index_change_cb cb, void *payload, csec_diag *d);
int csec__plugin_index_fetch(csec_sync_result *out, const char *dir, const char *url,
                             csec_sync_progress_cb cb, void *payload, csec_diag *d);

/* Initialises libgit2 once per process (never shut down). */
void csec__git_init(void);

/* Fills `d` with "`what`: libgit2's last error" and returns `code`. */
int csec__git_fail(csec_diag *d, int code, const char *dir, const char *what);
/* Opens the repository whose work tree is `dir` itself, never one above it.
 * Returns 0, CSEC_ENOTFOUND when `dir` is not a git repository, or
 * CSEC_EIO. */
struct git_repository;
int csec__git_open(struct git_repository **out, const char *dir, csec_diag *d);

#endif
