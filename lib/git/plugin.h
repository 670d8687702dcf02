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

#include "util.h"

/* Bumped whenever a signature below changes: a stale plugin is refused. */
#define CSEC__GIT_PLUGIN_ABI 1

typedef struct csec__git_plugin_api {
    int abi;
    int (*modified_times)(const char *repo_dir,
                          void (*cb)(const char *path, int64_t time, void *payload), void *payload,
                          csec_diag *d);
    int (*head)(const char *repo_dir, char out_hex[41], int64_t *time, csec_diag *d);
    int (*sync)(csec_sync_result *out, const char *dir, const char *url, csec_sync_progress_cb cb,
                void *payload, csec_diag *d);
    int (*sync_verify)(const char *dir, char commit[41], csec_diag *d);
} csec__git_plugin_api;

/* The entry points, behind csec__git_modified_times, csec__git_head,
 * csec_sync and csec_sync_verify (gittime.h, cratesec.h). */
int csec__plugin_git_modified_times(const char *repo_dir,
                                    void (*cb)(const char *path, int64_t time, void *payload),
                                    void *payload, csec_diag *d);
int csec__plugin_git_head(const char *repo_dir, char out_hex[41], int64_t *time, csec_diag *d);
int csec__plugin_sync(csec_sync_result *out, const char *dir, const char *url,
                      csec_sync_progress_cb cb, void *payload, csec_diag *d);
int csec__plugin_sync_verify(const char *dir, char commit[41], csec_diag *d);

/* Initialises libgit2 once per process (never shut down). */
void csec__git_init(void);

#endif
